"""Forms of the identity and admin pages (Flask-WTF gives each its CSRF token)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from network import labels
from network.errors import Invalid
from network.form_messages import Form
from network.passwords import PASSWORD_MAX, PASSWORD_MIN
from network.users import INVITABLE_ROLES

ROLE_CHOICES = [SelectChoice(role, labels.ROLE_TITLES[role]) for role in INVITABLE_ROLES]


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class SetPasswordForm(Form):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)]
    )
    confirm = PasswordField(_l("Repeat it"), validators=[EqualTo("password", _l("The two do not match."))])


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class InviteForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class ActionForm(Form):
    """A button that changes something: nothing but the CSRF token."""


def require_submitted(form: Form | None = None) -> Form:
    """The posted form (a bare `ActionForm` by default) with a valid CSRF token.

    Raises: Invalid (422 page or JSON error) when the token expired or is wrong.
    """
    form = form or ActionForm()
    if not form.validate_on_submit():
        raise Invalid({"csrf_token": _("The form expired; try again.")})
    return form


class CountryForm(Form):
    code = StringField(_l("ISO code"), validators=[DataRequired(), Length(min=2, max=2)])
    name = StringField(_l("Country"), validators=[DataRequired(), Length(max=100)])
    ministry = StringField(_l("Ministry"), validators=[DataRequired(), Length(max=200)])
    default_language = SelectField(_l("Default language"))
