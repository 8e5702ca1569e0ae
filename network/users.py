"""User and country services: creation, invitations, roles, countries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from network import access, audit, i18n, labels, mail, passwords, sessions
from network.errors import Forbidden, Invalid, NotFound
from network.extensions import db
from network.models import ROLES, Country, User
from network.urls import external_url

INVITABLE_ROLES = ("reader", "contributor", "country_admin")


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid({"email": str(error)}) from error


def _check_new_user(email: str, name: str, country_code: str, role: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if db.session.scalar(db.select(User.id).where(User.email == email)):
        problems["email"] = _("A user with this e-mail address already exists.")
    if not name.strip() or len(name) > 120:
        problems["name"] = _("Give a name of 1 to 120 characters.")
    if db.session.get(Country, country_code) is None:
        problems["country"] = _("Unknown country code %(code)r.", code=country_code)
    if role not in ROLES:
        problems["role"] = _("Role must be one of %(choices)s.", choices=", ".join(ROLES))
    return problems


def create_user(email: str, name: str, country_code: str, role: str, password: str) -> User:
    """Create an active user (CLI and demo); the caller commits."""
    email = normalise_email(email)
    country_code = country_code.upper()
    problems = _check_new_user(email, name, country_code, role)
    if passwords.problem(password):
        problems["password"] = passwords.problem(password) or ""
    if problems:
        raise Invalid(problems)
    user = User(email=email, name=name.strip(), country_code=country_code, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    _audit(None, "user.created", user, role=role, email=audit.COMMAND_LINE)
    return user


def _audit(actor: Any, action: str, user: User, **details: Any) -> None:
    """An audit entry about an account, filed under the account's country."""
    audit.record(actor, action, object_type="user", object_id=user.id, title=user.email,
                 country=user.country_code, **details)  # fmt: skip


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="rndd-invite")


def invite(actor: Any, email: str, name: str, role: str) -> User | None:
    """Create a pending user of the actor's country and send them a signed, expiring link.

    An address that already has an account in another country changes nothing and returns
    None; the caller answers as for a sent invitation, so the admin learns nothing of the
    other country's users.

    Raises:
        Forbidden: the actor is not a country admin.
        Invalid: bad e-mail, name or role, or a user of the actor's own country has the address.
    """
    if not access.can_manage_users(actor, actor.country_code):
        raise Forbidden(_("Only country admins invite users."))
    email = normalise_email(email)
    existing = db.session.scalar(db.select(User.country_code).where(User.email == email))
    if existing is not None and existing != actor.country_code:
        problems = _invite_problems(email, name, actor.country_code, role)
        problems.pop("email", None)
        if problems:
            raise Invalid(problems)
        return None
    user = _pending_user(email, name, actor.country_code, role)
    _audit(actor, "user.invited", user, role=role)
    _send_invitation(actor, user)
    return user


def invite_country_admin(actor: Any, email: str, name: str, country_code: str) -> User:
    """The network admin creates a country's first admin, who gets the invitation link.

    Only for a country without an active (or still invited) admin: once a country has one,
    its own admins choose who joins them, and the secretariat cannot add itself an admin's
    reach into a ministry (deactivating that admin, which is audited, comes first).

    Raises:
        Forbidden: the actor is not the network admin.
        Invalid: bad e-mail or name, unknown country, or the country has an admin already.
    """
    if not access.can_manage_accounts(actor):
        raise Forbidden(_("Only the network admin creates a country's first admin."))
    country_code = (country_code or "").strip().upper()
    has_admin = db.select(User.id).where(
        User.country_code == country_code, User.role == "country_admin", User.active.is_(True)
    )
    if db.session.scalar(has_admin.limit(1)):
        raise Invalid({"country": _("This country has an admin already; its admins invite the others.")})
    user = _pending_user(email, name, country_code, "country_admin")
    _audit(actor, "user.created", user, role=user.role, invited=True)
    _send_invitation(actor, user)
    return user


def _invite_problems(email: str, name: str, country_code: str, role: str) -> dict[str, str]:
    problems = _check_new_user(email, name, country_code, role)
    if role not in INVITABLE_ROLES:
        problems["role"] = _("Invite as one of %(choices)s.", choices=", ".join(INVITABLE_ROLES))
    return problems


def _pending_user(email: str, name: str, country_code: str, role: str) -> User:
    """A user without a password yet, added to the session; raises Invalid for bad input."""
    email = normalise_email(email)
    problems = _invite_problems(email, name, country_code, role)
    if problems:
        raise Invalid(problems)
    user = User(email=email, name=name.strip(), country_code=country_code, role=role)
    user.country = db.session.get(Country, country_code)
    db.session.add(user)
    db.session.flush()
    return user


def _send_invitation(actor: Any, user: User) -> None:
    """Commit the pending user (and its audit entry), then mail the signed link.

    The link goes only to the invited address (or the log without SMTP), never to the inviter:
    whoever holds it can take the account.
    """
    db.session.commit()
    token = _serializer().dumps({"uid": user.id, "pw": None})
    link = external_url("auth.accept_invite", token=token)
    days = current_app.config["INVITE_MAX_AGE_DAYS"]
    with force_locale(i18n.recipient_language(user)):
        subject = _("Your invitation to RNDD Hub")
        text = _(
            "%(inviter)s invited you to RNDD Hub, the platform of the Regional Network on Digital "
            "Diplomacy, as %(role)s of %(country)s.\n\n"
            "Choose your password here (the link works for %(days)s days, once):\n%(link)s\n",
            inviter=actor.name,
            role=labels.name(labels.ROLES, user.role),
            country=i18n.country_name(user.country.code, user.country.name),
            days=days,
            link=link,
        )
    mail.send(user.email, subject, text)


def user_for_invite(token: str) -> User:
    """The pending user a valid invitation names; single use (no password yet).

    Raises:
        NotFound: the link is unknown, tampered with, expired or already used.
    """
    max_age = current_app.config["INVITE_MAX_AGE_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise NotFound(_("This invitation has expired; ask your country admin for a new one.")) from error
    except BadSignature as error:
        raise NotFound(_("This invitation link is not valid.")) from error
    user = db.session.get(User, data.get("uid"))
    if user is None or user.password_hash is not None or not user.active:
        raise NotFound(_("This invitation link is not valid or has been used already."))
    return user


def accept_invite(token: str, password: str) -> User:
    user = user_for_invite(token)
    passwords.check(password)
    user.set_password(password)
    db.session.commit()
    return user


def _managed_user(actor: Any, user_id: int, may: Callable[[Any, User], bool] = access.can_set_role) -> User:
    user = db.session.get(User, user_id)
    if user is None or not may(actor, user):
        raise NotFound()
    if user.id == actor.id:
        raise Forbidden(_("You cannot change your own role or deactivate yourself."))
    if user.role == "network_admin" and not access.can_manage_accounts(actor):
        raise Forbidden(_("The secretariat's accounts are managed by the network admin."))
    return user


def set_role(actor: Any, user_id: int, role: str) -> User:
    """Raises: NotFound (not a user of the actor's country), Forbidden, Invalid."""
    user = _managed_user(actor, user_id)
    if role not in INVITABLE_ROLES:
        raise Invalid({"role": _("Role must be one of %(choices)s.", choices=", ".join(INVITABLE_ROLES))})
    if user.role != role:
        previous, user.role = user.role, role
        _audit(actor, "user.role_changed", user, **{"from": previous, "to": role})
        sessions.end_all(user, actor=actor, reason="role changed")
    db.session.commit()
    return user


def set_active(actor: Any, user_id: int, active: bool) -> User:
    """Deactivating ends the user's sessions and stops their tokens at once (the token loader
    refuses tokens of inactive users)."""
    user = _managed_user(actor, user_id, access.can_set_active)
    user.active = active
    _audit(actor, "user.activated" if active else "user.deactivated", user)
    if not active:
        sessions.end_all(user, actor=actor, reason="deactivated")
    db.session.commit()
    return user


def country_users(actor: Any) -> list[User]:
    if not access.can_manage_users(actor, actor.country_code):
        raise Forbidden(_("Only country admins manage users."))
    return list(
        db.session.scalars(db.select(User).where(User.country_code == actor.country_code).order_by(User.name))
    )


def all_users(actor: Any, country_code: str | None = None, role: str | None = None) -> list[User]:
    """Every account of the network, by country and name (network admin only)."""
    if not access.can_manage_accounts(actor):
        raise Forbidden(_("Only the network admin sees every account."))
    query = db.select(User).order_by(User.country_code, User.name)
    if country_code:
        query = query.where(User.country_code == country_code)
    if role:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))


def save_country(actor: Any, code: str, name: str, ministry: str, language: str) -> Country:
    """Create or edit a member country (network admin only)."""
    if not access.can_manage_countries(actor):
        raise Forbidden(_("Only the network admin manages countries."))
    from content.models import LANGUAGES

    code = code.strip().upper()
    problems: dict[str, str] = {}
    if len(code) != 2 or not code.isalpha():
        problems["code"] = _("Use the two-letter ISO 3166 code.")
    if not name.strip() or len(name) > 100:
        problems["name"] = _("Give a name of 1 to 100 characters.")
    if not ministry.strip() or len(ministry) > 200:
        problems["ministry"] = _("Give the ministry's name (1 to 200 characters).")
    if language not in LANGUAGES:
        problems["default_language"] = _("Choose one of the network's languages.")
    if problems:
        raise Invalid(problems)
    country = db.session.get(Country, code)
    action = "country.changed" if country else "country.created"
    country = country or Country(code=code)
    before = {k: getattr(country, k) for k in ("name", "ministry", "default_language")}
    country.name, country.ministry, country.default_language = (
        name.strip(),
        ministry.strip(),
        language,
    )
    after = {k: getattr(country, k) for k in before}
    changes = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
    db.session.add(country)
    if changes:
        audit.record(actor, action, object_type="country", object_id=code, title=country.name, country=code,
                     **changes)  # fmt: skip
    db.session.commit()
    return country


def set_interface_language(actor: Any, code: str) -> None:
    """Remember a signed-in user's language of the interface (one of the complete catalogs)."""
    from network.i18n import interface_languages

    if code not in interface_languages():
        raise Invalid({"language": _("Choose one of the languages offered.")})
    if actor.interface_language != code:
        actor.interface_language = code
        db.session.commit()
