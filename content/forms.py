"""The document editor and the publishing confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from network import labels
from network.form_messages import Form

VISIBILITY_CHOICES = [
    SelectChoice("public", _l("Public: everyone on the web")),
    SelectChoice("network", _l("Network: every member country")),
    SelectChoice("countries", _l("Selected countries")),
    SelectChoice("country", _l("Our ministry only")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DocumentForm(Form):
    """Validation of values lives in the service (`content.fields`), shared with the API."""

    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary"))
    body_markdown = TextAreaField(_l("Body (Markdown)"))
    kind = SelectField(_l("Kind"), validate_choice=False)
    language = SelectField(_l("Language"), validate_choice=False)
    topics = MultiCheckboxField(_l("Topics"), validate_choice=False)
    tags = StringField(_l("Tags (comma-separated)"))
    year = StringField(_l("Year"))
    translation_of = SelectField(_l("Translation of"), validate_choice=False)
    visibility = RadioField(
        _l("Who may read it once published"), choices=VISIBILITY_CHOICES, validate_choice=False
    )
    shared_with = MultiCheckboxField(_l("Shared with"), validate_choice=False)
    mission = SelectField(_l("Filed by the mission"), validate_choice=False)
    concerns = StringField(_l("Concerns (a country or region)"))
    urgency = RadioField(
        _l("Urgency"), choices=[SelectChoice(u, label) for u, label in labels.URGENCIES.items()],
        validate_choice=False, default="routine",
    )  # fmt: skip
    sources = TextAreaField(_l("Source links (one per line)"))
    note = StringField(_l("What changed (for the history)"))
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))


class PublishForm(Form):
    visibility = RadioField(_l("Who may read it"), choices=VISIBILITY_CHOICES, validate_choice=False)
    shared_with = MultiCheckboxField(_l("Shared with"), validate_choice=False)
    shown = HiddenField()  # the audience the statement on the page described (`audience.key`)
    confirm = HiddenField()
