"""The quick report form (made for a phone) and the missions form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from content.forms import VISIBILITY_CHOICES, MultiCheckboxField

URGENCY_CHOICES = [SelectChoice(u, u.title()) for u in ("routine", "priority", "flash")]


class ReportForm(FlaskForm):
    """Values are checked by the document services (`content.fields`), as for every document."""

    title = StringField("Title")
    mission = SelectField("Filed by", validate_choice=False)
    urgency = RadioField("Urgency", choices=URGENCY_CHOICES, default="routine", validate_choice=False)
    concerns = StringField("Concerns (a country or region)")
    body_markdown = TextAreaField("Report (Markdown)")
    topics = MultiCheckboxField("Topics", validate_choice=False)
    sources = TextAreaField("Source links (one per line)")
    file = FileField("Attach a file (optional)")
    visibility = RadioField(
        "Who may read it", choices=VISIBILITY_CHOICES, default="country", validate_choice=False
    )
    save = SubmitField("Save as draft")
    submit = SubmitField("Submit for review")
    publish = SubmitField("Publish now")


class MissionForm(FlaskForm):
    name = StringField("Name, e.g. Embassy of Indonesia in Canberra")
    city = StringField("City")
    posted_in = StringField("Country of posting")


class ReportSettingForm(FlaskForm):
    direct = BooleanField("Contributors publish their mission reports without review")
