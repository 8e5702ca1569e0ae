"""The second step of signing in, and the rule that admins (or everyone) must have a second factor.

After the password, a user with a second factor is only *pending*: their id waits in the session
for PENDING_SECONDS while they give a code or use a passkey. `finish_sign_in` is the one place a
sign-in completes, whatever the method.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from network import recovery_codes, sessions
from network.errors import Forbidden, wants_json
from network.extensions import db
from network.factor_models import Passkey, TotpSecret
from network.models import User

PENDING_SECONDS = 300
_PENDING_KEY = "second_factor_pending"
# What a user who must enrol may still reach: the enrolment pages, signing out, static files.
ENROLMENT_ENDPOINTS = {
    "security.overview", "security.totp_enrol", "security.totp_confirm",
    "security.passkey_register_options", "security.passkey_register_verify", "auth.logout", "static",
}  # fmt: skip


def has_second_factor(user: User) -> bool:
    """One query: it runs before every request of a user RNDD_REQUIRE_2FA covers."""
    confirmed = db.select(TotpSecret.user_id).where(
        TotpSecret.user_id == user.id, TotpSecret.confirmed_at.is_not(None)
    )
    keys = db.select(Passkey.user_id).where(Passkey.user_id == user.id)
    return bool(db.session.scalar(db.select(confirmed.exists() | keys.exists())))


def required_for(user: User) -> bool:
    """Whether RNDD_REQUIRE_2FA asks `user` to have a second factor (`none` in tests unless set)."""
    rule = current_app.config.get("REQUIRE_2FA") or ("none" if current_app.testing else "admins")
    if rule == "all":
        return True
    return rule == "admins" and user.role in ("country_admin", "network_admin")


def must_enrol(user: User) -> bool:
    return required_for(user) and not has_second_factor(user)


def remember_pending(user: User, next_url: str) -> None:
    """The password was right; the second factor is still to come."""
    session[_PENDING_KEY] = {"user_id": user.id, "next": next_url, "expires": time.time() + PENDING_SECONDS}


def pending_user() -> User | None:
    """The user between password and second factor, if that wait has not expired."""
    pending = session.get(_PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("expires", 0) < time.time():
        return None
    if not isinstance(pending.get("user_id"), int):
        return None
    user = db.session.get(User, pending["user_id"])
    return user if user is not None and user.active else None


def pending_next() -> str:
    pending = session.get(_PENDING_KEY)
    return pending.get("next", "") if isinstance(pending, dict) else ""


def finish_sign_in(user: User, method: str) -> None:
    """Sign `user` in (a new server-side session; the pending step ends with the old session)."""
    sessions.sign_in(user, method)


def after_factor_removed(user: User) -> None:
    """Recovery codes stand in for a second factor, so they go with the last one."""
    if not has_second_factor(user):
        recovery_codes.discard(user)
        db.session.commit()


def register(app: Flask) -> None:
    app.before_request(enforce_enrolment)


def enforce_enrolment():
    """A signed-in user the rule covers, without a second factor, may do nothing but enrol.

    API calls with a bearer token are not affected: the token is the credential.
    """
    if request.endpoint in ENROLMENT_ENDPOINTS or not current_user.is_authenticated:
        return None
    if g.get("api_token") is not None:
        return None
    if not must_enrol(current_user):
        return None
    if wants_json():
        raise Forbidden(_("Set up a second factor (an authenticator app or a passkey) first."),
                        reason="second_factor_required")  # fmt: skip
    return redirect(url_for("security.overview"))
