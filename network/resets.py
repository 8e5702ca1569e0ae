"""Password resets by an e-mailed link that works once, for a limited time.

The link is signed (itsdangerous) and carries a fingerprint of the user's current password
hash: setting any password, through this link or otherwise, changes the hash and so kills
every link sent before. No table is needed, and a leaked old link is worthless.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from network import access, audit, credentials, i18n, mail, passwords, sessions
from network.errors import Forbidden, Invalid, NotFound
from network.extensions import db
from network.models import User
from network.urls import external_url

REQUESTED = _l("If an account has this address, a link to choose a new password is on its way to it.")
REFUSED = _l("This link is not valid any more: it was used, it expired, or the password changed since.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="rndd-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash or ''}".encode()).hexdigest()[:20]


def reset_link(user: User) -> str:
    token = _serializer().dumps({"uid": user.id, "fp": _fingerprint(user)})
    return external_url("auth.reset_password", token=token)


def _send(user: User, link: str) -> None:
    minutes = current_app.config["RESET_MAX_AGE_MINUTES"]
    with force_locale(i18n.recipient_language(user)):
        subject = _("Choose a new password for RNDD Hub")
        text = _(
            "Someone, hopefully you, asked to choose a new password for %(email)s on RNDD Hub.\n\n"
            "Choose it here (the link works once, for %(minutes)s minutes):\n%(link)s\n\n"
            "If you did not ask for this, ignore this message: your password stays as it is.\n",
            email=user.email,
            minutes=minutes,
            link=link,
        )
    mail.send(user.email, subject, text)


def request_reset(email: str) -> None:
    """Mail a link to the active account with this address, if there is one. The caller answers
    the same words whether or not there is (REQUESTED). Commits."""
    address = credentials.normalised(email)
    user = db.session.scalar(db.select(User).where(User.email == address))
    if user is not None and user.active:
        _send(user, reset_link(user))
    audit.record(None, "password.reset_requested", email=address, object_type="user",
                 object_id=user.id if user else None, country=user.country_code if user else None,
                 sent=user is not None and user.active)  # fmt: skip
    db.session.commit()


def send_reset(actor: Any, user_id: int) -> User:
    """A country admin sends one of their country's users a reset link. Commits.

    Raises:
        NotFound: not an active user of the actor's country.
        Forbidden: the secretariat's accounts are not reset by country admins.
    """
    user = db.session.get(User, user_id)
    if user is None or not user.active or not access.can_manage_users(actor, user.country_code):
        raise NotFound()
    if user.role == "network_admin" and not getattr(actor, "is_network_admin", False):
        raise Forbidden(_("The secretariat's accounts are managed by the network admin."))
    _send(user, reset_link(user))
    audit.record(actor, "password.reset_requested", object_type="user", object_id=user.id, title=user.name,
                 country=user.country_code, for_email=user.email)  # fmt: skip
    db.session.commit()
    return user


def user_for_reset(token: str, lock: bool = False) -> User:
    """The user a valid, unused, unexpired link names; with `lock`, their row is locked until
    commit, so two uses of one link at the same moment cannot both pass (PostgreSQL).

    Raises:
        NotFound: the link was altered, expired, used, or the password changed since
            (recorded in the audit log).
    """
    max_age = current_app.config["RESET_MAX_AGE_MINUTES"] * 60
    user, why = None, ""
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        why = "expired"
    except BadSignature:
        why = "altered"
    else:
        uid = data.get("uid") if isinstance(data, dict) else None
        user = db.session.get(User, uid, with_for_update=lock, populate_existing=lock) if uid else None
        if user is None or not user.active or data.get("fp") != _fingerprint(user):
            why = "used or superseded"
    if why:
        audit.record(None, "password.reset_refused", email=user.email if user else "", object_type="user",
                     object_id=user.id if user else None, country=user.country_code if user else None,
                     reason=why)  # fmt: skip
        db.session.commit()
        raise NotFound(REFUSED)
    return user


def reset_password(token: str, password: str) -> User:
    """Set the new password; the link dies with the old hash and every session ends. Commits.

    Raises:
        NotFound: see `user_for_reset`.
        Invalid: the new password breaks the policy.
    """
    passwords.check(password)
    user = user_for_reset(token, lock=True)
    user.set_password(password)
    sessions.end_all(user, reason="password reset")
    credentials.forget_failures(user.email)
    audit.record(user, "password.reset_used", object_type="user", object_id=user.id)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password; every other session of the user ends. Commits.

    Raises:
        Invalid: the current password is wrong, or the new one breaks the policy.
        TooManyAttempts: too many wrong current passwords (counted like sign-in failures).
    """
    waiting = credentials.locked_minutes(user.email)
    if waiting:
        raise credentials.TooManyAttempts(waiting)
    if not user.check_password(current):
        minutes = credentials.record_failure(user.email)
        db.session.commit()
        if minutes:
            raise credentials.TooManyAttempts(minutes)
        raise Invalid({"current": _("This is not your current password.")})
    passwords.check(new, "password")
    user.set_password(new)
    sessions.end_all(user, keep_current=True, reason="password changed")
    audit.record(user, "password.changed", object_type="user", object_id=user.id)
    db.session.commit()
