"""A user's own second factors (`/account/security`): authenticator app, recovery codes, passkeys."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from network import passkeys, recovery_codes, second_factor, totp
from network.errors import BadRequest, Invalid
from network.form_messages import Form
from network.forms import ActionForm
from network.guards import signed_in

bp = Blueprint("security", __name__, url_prefix="/account/security")


class CodeForm(Form):
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=20)])


class DisableTotpForm(Form):
    code = StringField(_l("A current code from the app"), validators=[Length(max=20)])
    password = PasswordField(_l("Or your password"), validators=[Length(max=200)])


class RenameForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])


def _checked(form: Form) -> None:
    if not form.validate_on_submit():
        raise Invalid({name: " ".join(errors) for name, errors in form.errors.items()})


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest(_("Send a JSON object."))
    return body


@bp.get("/")
@signed_in
def overview():
    return render_template(
        "security/overview.html", totp_enabled=totp.is_enabled(current_user),
        codes_left=recovery_codes.remaining(current_user), keys=passkeys.own_passkeys(current_user),
        must_enrol=second_factor.must_enrol(current_user),
        action=ActionForm(), disable_form=DisableTotpForm(), rename_form=RenameForm(formdata=None),
    )  # fmt: skip


def _enrol_page(form: CodeForm, status: int = 200):
    secret = totp.secret_of(current_user)
    if secret is None or secret.confirmed_at is not None:
        secret = totp.begin_enrolment(current_user)
    uri = totp.provisioning_uri(current_user, secret)
    return render_template(
        "security/totp_enrol.html", form=form, qr=totp.qr_svg(uri), secret=secret.secret
    ), status


@bp.get("/totp")
@signed_in
def totp_enrol():
    if totp.is_enabled(current_user):
        flash(_("An authenticator app is already set up."), "info")
        return redirect(url_for(".overview"))
    return _enrol_page(CodeForm(formdata=None))


@bp.post("/totp/confirm")
@signed_in
def totp_confirm():
    form = CodeForm()
    if form.validate_on_submit():
        try:
            totp.confirm(current_user, form.code.data)
        except Invalid as error:
            form.code.errors = [error.fields["code"]]
        else:
            codes = recovery_codes.renew(current_user, first=True)
            return render_template("security/recovery_codes.html", codes=codes, first=True)
    return _enrol_page(form, status=422)


@bp.post("/totp/disable")
@signed_in
def totp_disable():
    form = DisableTotpForm()
    _checked(form)
    totp.disable(current_user, code=form.code.data or "", password=form.password.data or "")
    second_factor.after_factor_removed(current_user)
    flash(_("The authenticator app is switched off."), "success")
    return redirect(url_for(".overview"))


@bp.post("/recovery-codes")
@signed_in
def recovery_codes_renew():
    _checked(ActionForm())
    if not second_factor.has_second_factor(current_user):
        raise Invalid({"codes": _("Set up an authenticator app or a passkey first.")})
    return render_template("security/recovery_codes.html", codes=recovery_codes.renew(current_user))


@bp.post("/passkeys/register/options")
@signed_in
def passkey_register_options():
    return jsonify(passkeys.registration_options(current_user))


@bp.post("/passkeys/register/verify")
@signed_in
def passkey_register_verify():
    body = _json_body()
    key = passkeys.register(current_user, body.get("credential"), str(body.get("name") or ""))
    flash(_("Passkey “%(name)s” is added.", name=key.name), "success")
    return jsonify(id=key.id, name=key.name, redirect=url_for(".overview")), 201


@bp.post("/passkeys/<int:passkey_id>/rename")
@signed_in
def passkey_rename(passkey_id: int):
    form = RenameForm()
    _checked(form)
    passkeys.rename(current_user, passkey_id, form.name.data)
    flash(_("The passkey is renamed."), "success")
    return redirect(url_for(".overview"))


@bp.post("/passkeys/<int:passkey_id>/remove")
@signed_in
def passkey_remove(passkey_id: int):
    _checked(ActionForm())
    passkeys.remove(current_user, passkey_id)
    second_factor.after_factor_removed(current_user)
    flash(_("The passkey is removed: it no longer signs you in."), "success")
    return redirect(url_for(".overview"))
