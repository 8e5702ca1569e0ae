"""Forms of the identity and admin pages (Flask-WTF gives each its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from network.passwords import PASSWORD_MAX, PASSWORD_MIN
from network.users import INVITABLE_ROLES

ROLE_CHOICES = [SelectChoice(role, role.replace("_", " ").capitalize()) for role in INVITABLE_ROLES]


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)]
    )
    confirm = PasswordField("Repeat it", validators=[EqualTo("password", "The two do not match.")])


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ActionForm(FlaskForm):
    """A button that changes something: nothing but the CSRF token."""


class CountryForm(FlaskForm):
    code = StringField("ISO code", validators=[DataRequired(), Length(min=2, max=2)])
    name = StringField("Country", validators=[DataRequired(), Length(max=100)])
    ministry = StringField("Ministry", validators=[DataRequired(), Length(max=200)])
    default_language = SelectField("Default language")
