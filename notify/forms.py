"""Forms of the watch list and notification settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from network.form_messages import Form

DELIVERY_CHOICES = [
    SelectChoice("site", _l("In the site only")),
    SelectChoice("immediate", _l("E-mail at once")),
    SelectChoice("daily", _l("Daily digest")),
    SelectChoice("weekly", _l("Weekly digest")),
    SelectChoice("off", _l("Off")),
]


class FollowForm(Form):
    item = SelectField(_l("Follow"), validate_choice=False)  # "type:value", grouped by type
    delivery = SelectField(_l("Tell me"), choices=DELIVERY_CHOICES, default="site", validate_choice=False)


class SaveSearchForm(Form):
    name = StringField(_l("Name of this search"))
    query = HiddenField()
    filters = HiddenField()  # the search page's filters, as a query string
    delivery = SelectField(_l("Tell me"), choices=DELIVERY_CHOICES, default="daily", validate_choice=False)


class DeliveryForm(Form):
    delivery = SelectField(_l("Tell me"), choices=DELIVERY_CHOICES, validate_choice=False)


class SettingsForm(Form):
    email_enabled = BooleanField(_l("Send me notification e-mail"))
    flash_always = BooleanField(_l("Tell me at once of every flash report I may read, followed or not"))
    workflow_email = BooleanField(_l("E-mail me about reviews and publications of my documents"))
