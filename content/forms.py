"""The document editor and the publishing confirmation."""

from __future__ import annotations

from flask_wtf import FlaskForm
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

VISIBILITY_CHOICES = [
    SelectChoice("public", "Public: everyone on the web"),
    SelectChoice("network", "Network: every member country"),
    SelectChoice("countries", "Selected countries"),
    SelectChoice("country", "Our ministry only"),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DocumentForm(FlaskForm):
    """Validation of values lives in the service (`content.fields`), shared with the API."""

    title = StringField("Title")
    summary = TextAreaField("Summary")
    body_markdown = TextAreaField("Body (Markdown)")
    kind = SelectField("Kind", validate_choice=False)
    language = SelectField("Language", validate_choice=False)
    topics = MultiCheckboxField("Topics", validate_choice=False)
    tags = StringField("Tags (comma-separated)")
    year = StringField("Year")
    translation_of = SelectField("Translation of", validate_choice=False)
    visibility = RadioField(
        "Who may read it once published", choices=VISIBILITY_CHOICES, validate_choice=False
    )
    shared_with = MultiCheckboxField("Shared with", validate_choice=False)
    mission = SelectField("Filed by the mission", validate_choice=False)
    concerns = StringField("Concerns (a country or region)")
    urgency = RadioField(
        "Urgency", choices=[SelectChoice(u, u.title()) for u in ("routine", "priority", "flash")],
        validate_choice=False, default="routine",
    )  # fmt: skip
    sources = TextAreaField("Source links (one per line)")
    note = StringField("What changed (for the history)")
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    preview = SubmitField("Preview")
    save = SubmitField("Save")


class PublishForm(FlaskForm):
    visibility = RadioField("Who may read it", choices=VISIBILITY_CHOICES, validate_choice=False)
    shared_with = MultiCheckboxField("Shared with", validate_choice=False)
    shown = HiddenField()  # the audience the statement on the page described (`audience.key`)
    confirm = HiddenField()
