"""The second step of signing in (a code, a recovery code or a passkey) and passkey-only sign-in.

These answer people who are not signed in yet; what lets them through is the pending sign-in
that the password step left in the session (network/second_factor.py), or a passkey.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from network import passkeys, recovery_codes, second_factor, totp
from network.auth import _safe_next
from network.errors import BadRequest, Invalid
from network.extensions import limiter
from network.form_messages import Form

bp = Blueprint("signin", __name__, url_prefix="/login")
_limit = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])


class VerifyForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


def _expired():
    flash(_("Your sign-in took too long; give your e-mail and password again."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/verify", methods=["GET", "POST"])
@_limit
def verify():
    user = second_factor.pending_user()
    if user is None:
        return _expired()
    form = VerifyForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        if "".join(code.split()).isdigit():
            accepted, method = totp.check_code(user, code), "password+totp"
        else:
            accepted, method = recovery_codes.use(user, code), "password+recovery_code"
        if accepted:
            next_url = _safe_next(second_factor.pending_next())
            second_factor.finish_sign_in(user, method)
            if method == "password+recovery_code":
                left = recovery_codes.remaining(user)
                flash(
                    ngettext(
                        "You used a recovery code; %(num)s is left.",
                        "You used a recovery code; %(num)s are left.",
                        left,
                    ),
                    "warning",
                )
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(next_url)
        form.code.errors.append(_("That code is not right, or it was already used."))
    return render_template(
        "security/verify.html", form=form, totp_enabled=totp.is_enabled(user),
        has_passkeys=bool(passkeys.own_passkeys(user)),
    ), (422 if form.errors else 200)  # fmt: skip


def _purpose() -> tuple[str, object]:
    """`second_factor` after a password (the pending user), else `passwordless`."""
    body = request.get_json(silent=True)
    purpose = body.get("purpose") if isinstance(body, dict) else None
    if purpose == "second_factor":
        user = second_factor.pending_user()
        if user is None:
            raise BadRequest(_("Your sign-in took too long; give your e-mail and password again."))
        return purpose, user
    if purpose == "passwordless":
        return purpose, None
    raise BadRequest(_("Say whether the passkey follows a password or stands alone."))


@bp.post("/passkey/options")
@_limit
def passkey_options():
    purpose, user = _purpose()
    return jsonify(passkeys.authentication_options(purpose, user))


@bp.post("/passkey/verify")
@_limit
def passkey_verify():
    purpose, user = _purpose()
    body = request.get_json(silent=True)
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise Invalid({"credential": _("Send the passkey's answer as a JSON object.")})
    next_url = _safe_next(second_factor.pending_next() if user else str(body.get("next") or ""))
    owner = passkeys.authenticate(credential, purpose, user)
    second_factor.finish_sign_in(owner, "password+passkey" if user else "passkey")
    flash(_("Welcome, %(name)s.", name=owner.name), "success")
    return jsonify(redirect=next_url)
