"""The quick report form (made for a phone) and the missions form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from content.forms import VISIBILITY_CHOICES, MultiCheckboxField
from network import labels
from network.form_messages import Form

URGENCY_CHOICES = [SelectChoice(u, label) for u, label in labels.URGENCIES.items()]


class ReportForm(Form):
    """Values are checked by the document services (`content.fields`), as for every document."""

    title = StringField(_l("Title"))
    mission = SelectField(_l("Filed by"), validate_choice=False)
    urgency = RadioField(_l("Urgency"), choices=URGENCY_CHOICES, default="routine", validate_choice=False)
    concerns = StringField(_l("Concerns (a country or region)"))
    body_markdown = TextAreaField(_l("Report (Markdown)"))
    topics = MultiCheckboxField(_l("Topics"), validate_choice=False)
    sources = TextAreaField(_l("Source links (one per line)"))
    file = FileField(_l("Attach a file (optional)"))
    visibility = RadioField(
        _l("Who may read it"), choices=VISIBILITY_CHOICES, default="country", validate_choice=False
    )
    save = SubmitField(_l("Save as draft"))
    submit = SubmitField(_l("Submit for review"))
    publish = SubmitField(_l("Publish now"))


class MissionForm(Form):
    name = StringField(_l("Name, e.g. Embassy of Indonesia in Canberra"))
    city = StringField(_l("City"))
    posted_in = StringField(_l("Country of posting"))


class ReportSettingForm(Form):
    direct = BooleanField(_l("Contributors publish their mission reports without review"))
