"""Forms of the watch list and notification settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

DELIVERY_CHOICES = [
    SelectChoice("site", "In the site only"),
    SelectChoice("immediate", "E-mail at once"),
    SelectChoice("daily", "Daily digest"),
    SelectChoice("weekly", "Weekly digest"),
    SelectChoice("off", "Off"),
]


class FollowForm(FlaskForm):
    item = SelectField("Follow", validate_choice=False)  # "type:value", grouped by type
    delivery = SelectField("Tell me", choices=DELIVERY_CHOICES, default="site", validate_choice=False)


class SaveSearchForm(FlaskForm):
    name = StringField("Name of this search")
    query = HiddenField()
    filters = HiddenField()  # the search page's filters, as a query string
    delivery = SelectField("Tell me", choices=DELIVERY_CHOICES, default="daily", validate_choice=False)


class DeliveryForm(FlaskForm):
    delivery = SelectField("Tell me", choices=DELIVERY_CHOICES, validate_choice=False)


class SettingsForm(FlaskForm):
    email_enabled = BooleanField("Send me notification e-mail")
    flash_always = BooleanField("Tell me at once of every flash report I may read, followed or not")
    workflow_email = BooleanField("E-mail me about reviews and publications of my documents")
