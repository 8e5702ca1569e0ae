"""Country admins manage their users; the network admin manages countries."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from content.models import LANGUAGES
from network import i18n, labels, resets, users
from network.errors import Invalid, NotFound
from network.extensions import db
from network.forms import ActionForm, CountryForm, InviteForm, RoleForm, require_submitted
from network.guards import role_required
from network.models import Country

bp = Blueprint("admin", __name__, url_prefix="/admin")

country_admin = role_required("country_admin")
network_admin = role_required("network_admin")


@bp.route("/users", methods=["GET", "POST"])
@country_admin
def user_list():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            users.invite(current_user, form.email.data, form.name.data, form.role.data)
        except Invalid as error:
            for name, problem in error.fields.items():
                getattr(form, name, form.email).errors.append(problem)
        else:  # the same words when the address belongs to another country (users.invite)
            flash(_("Invitation sent to %(email)s.", email=users.normalise_email(form.email.data)), "success")
            form = InviteForm(formdata=None)
    status = 422 if form.errors else 200
    return render_template(
        "admin/users.html", users=users.country_users(current_user), form=form,
        role_form=RoleForm(), action=ActionForm(),
    ), status  # fmt: skip


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@country_admin
def set_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        raise Invalid({"role": _("Choose a role.")})
    user = users.set_role(current_user, user_id, form.role.data)
    flash(_("%(name)s is now %(role)s.", name=user.name, role=labels.ROLES[user.role]), "success")
    return redirect(url_for(".user_list"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@country_admin
def toggle_active(user_id: int):
    require_submitted()
    user = db.session.get(users.User, user_id)
    if user is None:
        raise NotFound()
    user = users.set_active(current_user, user_id, not user.active)
    flash(
        _("%(name)s is active.", name=user.name)
        if user.active
        else _("%(name)s is deactivated.", name=user.name),
        "success",
    )
    return redirect(url_for(".user_list"))


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
@country_admin
def send_reset(user_id: int):
    require_submitted()
    user = resets.send_reset(current_user, user_id)
    flash(_("A link to choose a new password was sent to %(email)s.", email=user.email), "success")
    return redirect(url_for(".user_list"))


def _country_form(country: Country | None) -> CountryForm:
    form = CountryForm(obj=country)
    form.default_language.choices = [
        SelectChoice(code, i18n.language_name(code, name)) for code, name in LANGUAGES.items()
    ]
    return form


@bp.route("/countries")
@network_admin
def country_list():
    countries = db.session.scalars(db.select(Country).order_by(Country.name))
    return render_template("admin/countries.html", countries=list(countries))


@bp.route("/countries/new", methods=["GET", "POST"], defaults={"code": None})
@bp.route("/countries/<code>", methods=["GET", "POST"])
@network_admin
def country_edit(code: str | None):
    country = db.session.get(Country, code.upper()) if code else None
    if code and country is None:
        raise NotFound()
    form = _country_form(country)
    if country:
        form.code.data = country.code
    if form.validate_on_submit():
        try:
            saved = users.save_country(
                current_user, form.code.data, form.name.data, form.ministry.data,
                form.default_language.data,
            )  # fmt: skip
        except Invalid as error:
            for name, problem in error.fields.items():
                getattr(form, name).errors.append(problem)
        else:
            flash(_("%(name)s saved.", name=saved.name), "success")
            return redirect(url_for(".country_list"))
    status = 422 if form.errors else 200
    return render_template("admin/country_edit.html", form=form, country=country), status
