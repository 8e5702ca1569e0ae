"""The network admin's accounts page: every user, a country's first admin, (de)activation.

The network admin manages accounts, not content: nothing here gives a role or reaches a
document; roles stay with each country's admins (`network/users.py`).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from network import i18n, users
from network.errors import Invalid, NotFound
from network.extensions import db
from network.form_messages import Form
from network.forms import ActionForm, require_submitted
from network.guards import role_required
from network.models import ROLES, Country, User

bp = Blueprint("accounts", __name__, url_prefix="/admin/accounts")

network_admin = role_required("network_admin")


class CountryAdminForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    country = SelectField(_l("Country"), validate_choice=False)


def _filter(name: str, allowed: set[str]) -> str | None:
    """A list filter from the query string; one outside its choices is simply no filter."""
    value = request.args.get(name) or None
    return value if value in allowed else None


@bp.route("", methods=["GET", "POST"])
@network_admin
def account_list():
    countries = list(db.session.scalars(db.select(Country).order_by(Country.name)))
    form = CountryAdminForm()
    form.country.choices = [
        SelectChoice(c.code, f"{i18n.country_name(c.code, c.name)} ({c.code})") for c in countries
    ]
    if form.validate_on_submit():
        try:
            invited = users.invite_country_admin(
                current_user, form.email.data, form.name.data, form.country.data
            )
        except Invalid as error:
            for name, problem in error.fields.items():
                getattr(form, name, form.email).errors.append(problem)
        else:
            flash(
                _(
                    "Invitation sent to %(email)s, country admin of %(name)s.",
                    email=invited.email,
                    name=invited.country.name,
                ),
                "success",
            )
            form = CountryAdminForm(formdata=None)
            form.country.choices = [
                SelectChoice(c.code, f"{i18n.country_name(c.code, c.name)} ({c.code})") for c in countries
            ]
    country = _filter("country", {c.code for c in countries})
    role = _filter("role", set(ROLES))
    return render_template(
        "admin/accounts.html", users=users.all_users(current_user, country, role), form=form,
        countries=countries, roles=ROLES, country=country, role=role, action=ActionForm(),
    ), 422 if form.errors else 200  # fmt: skip


@bp.post("/<int:user_id>/active")
@network_admin
def toggle_active(user_id: int):
    require_submitted()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    user = users.set_active(current_user, user_id, not user.active)
    flash(
        _("%(name)s is active.", name=user.name)
        if user.active
        else _("%(name)s is deactivated.", name=user.name),
        "success",
    )
    return redirect(url_for(".account_list", **request.args))
