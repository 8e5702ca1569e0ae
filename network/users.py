"""User and country services: creation, invitations, roles, countries."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from network import access, mail, passwords, sessions
from network.errors import Forbidden, Invalid, NotFound
from network.extensions import db
from network.links import absolute_url
from network.models import ROLES, Country, User

INVITABLE_ROLES = ("reader", "contributor", "country_admin")


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid({"email": str(error)}) from error


def _check_new_user(email: str, name: str, country_code: str, role: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if db.session.scalar(db.select(User.id).where(User.email == email)):
        problems["email"] = "A user with this e-mail address already exists."
    if not name.strip() or len(name) > 120:
        problems["name"] = "Give a name of 1 to 120 characters."
    if db.session.get(Country, country_code) is None:
        problems["country"] = f"Unknown country code {country_code!r}."
    if role not in ROLES:
        problems["role"] = f"Role must be one of {', '.join(ROLES)}."
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
    return user


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
        raise Forbidden("Only country admins invite users.")
    email = normalise_email(email)
    problems = _check_new_user(email, name, actor.country_code, role)
    if role not in INVITABLE_ROLES:
        problems["role"] = f"Invite as one of {', '.join(INVITABLE_ROLES)}."
    existing = db.session.scalar(db.select(User).where(User.email == email))
    if existing is not None and existing.country_code != actor.country_code:
        problems.pop("email", None)
        if not problems:
            return None
    if problems:
        raise Invalid(problems)
    user = User(email=email, name=name.strip(), country_code=actor.country_code, role=role)
    db.session.add(user)
    db.session.commit()
    token = _serializer().dumps({"uid": user.id, "pw": None})
    link = absolute_url("auth.accept_invite", token=token)
    days = current_app.config["INVITE_MAX_AGE_DAYS"]
    mail.send(
        user.email,
        "Your invitation to RNDD Hub",
        f"{actor.name} invited you to RNDD Hub, the platform of the Regional Network on "
        f"Digital Diplomacy, as a {role.replace('_', ' ')} of {actor.country.name}.\n\n"
        f"Choose your password here (the link works for {days} days, once):\n{link}\n",
    )
    return user


def user_for_invite(token: str) -> User:
    """The pending user a valid invitation names; single use (no password yet).

    Raises:
        NotFound: the link is unknown, tampered with, expired or already used.
    """
    max_age = current_app.config["INVITE_MAX_AGE_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise NotFound("This invitation has expired; ask your country admin for a new one.") from error
    except BadSignature as error:
        raise NotFound("This invitation link is not valid.") from error
    user = db.session.get(User, data.get("uid"))
    if user is None or user.password_hash is not None or not user.active:
        raise NotFound("This invitation link is not valid or has been used already.")
    return user


def accept_invite(token: str, password: str) -> User:
    user = user_for_invite(token)
    passwords.check(password)
    user.set_password(password)
    db.session.commit()
    return user


def _managed_user(actor: Any, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not access.can_manage_users(actor, user.country_code):
        raise NotFound()
    if user.id == actor.id:
        raise Forbidden("You cannot change your own role or deactivate yourself.")
    if user.role == "network_admin":
        raise Forbidden("The secretariat's accounts are managed by the network admin.")
    return user


def set_role(actor: Any, user_id: int, role: str) -> User:
    """Raises: NotFound (not a user of the actor's country), Forbidden, Invalid."""
    user = _managed_user(actor, user_id)
    if role not in INVITABLE_ROLES:
        raise Invalid({"role": f"Role must be one of {', '.join(INVITABLE_ROLES)}."})
    if user.role != role:
        user.role = role
        sessions.end_all(user, actor=actor, reason="role changed")
    db.session.commit()
    return user


def set_active(actor: Any, user_id: int, active: bool) -> User:
    """Deactivating ends the user's sessions and stops their tokens at once (the token loader
    refuses tokens of inactive users)."""
    user = _managed_user(actor, user_id)
    user.active = active
    if not active:
        sessions.end_all(user, actor=actor, reason="deactivated")
    db.session.commit()
    return user


def country_users(actor: Any) -> list[User]:
    if not access.can_manage_users(actor, actor.country_code):
        raise Forbidden("Only country admins manage users.")
    return list(
        db.session.scalars(db.select(User).where(User.country_code == actor.country_code).order_by(User.name))
    )


def save_country(actor: Any, code: str, name: str, ministry: str, language: str) -> Country:
    """Create or edit a member country (network admin only)."""
    if not access.can_manage_countries(actor):
        raise Forbidden("Only the network admin manages countries.")
    from content.models import LANGUAGES

    code = code.strip().upper()
    problems: dict[str, str] = {}
    if len(code) != 2 or not code.isalpha():
        problems["code"] = "Use the two-letter ISO 3166 code."
    if not name.strip() or len(name) > 100:
        problems["name"] = "Give a name of 1 to 100 characters."
    if not ministry.strip() or len(ministry) > 200:
        problems["ministry"] = "Give the ministry's name (1 to 200 characters)."
    if language not in LANGUAGES:
        problems["default_language"] = "Choose one of the network's languages."
    if problems:
        raise Invalid(problems)
    country = db.session.get(Country, code) or Country(code=code)
    country.name, country.ministry, country.default_language = (
        name.strip(),
        ministry.strip(),
        language,
    )
    db.session.add(country)
    db.session.commit()
    return country
