"""Checking a password at sign-in, with a per-account lock after repeated failures.

The lock is counted per normalised e-mail address, whether or not an account has it, and
kept in the database so every worker sees it. An unknown address is verified against a
dummy Argon2 hash (network/models.py verify_password), so it costs the same time and gets
the same answer as a wrong password: neither the message, the lock nor the time tells
whether an address has an account.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import String, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from network import audit
from network.errors import DomainError, Invalid
from network.extensions import db
from network.models import User, utcnow, verify_password

FREE_FAILURES = 5  # the fifth failure in a row locks for 1 minute, the sixth 2, then 4, 8...
MAX_LOCK_MINUTES = 60
FORGET_AFTER = timedelta(hours=24)  # failures this old no longer count
REFUSED = _l("E-mail or password is not right, or the account is inactive.")


class SignInThrottle(db.Model):
    """Failures in a row for one address; the key is the SHA-256 of the normalised address, so
    the addresses people mistype are not stored."""

    __tablename__ = "signin_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TooManyAttempts(DomainError):
    status, code = 429, "rate_limited"

    def __init__(self, minutes: int) -> None:
        super().__init__(
            ngettext(
                "Too many attempts; try again in %(num)s minute.",
                "Too many attempts; try again in %(num)s minutes.",
                minutes,
            )
        )
        self.minutes = minutes


def normalised(email: str) -> str:
    from network.users import normalise_email

    try:
        return normalise_email(email)
    except Invalid:
        return email.strip().lower()


def _key(email: str) -> str:
    return hashlib.sha256(normalised(email).encode()).hexdigest()


def locked_minutes(email: str) -> int:
    """Whole minutes (rounded up) until the address may try again; 0 when it may now."""
    row = db.session.get(SignInThrottle, _key(email), populate_existing=True)
    now = utcnow()
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return max(1, math.ceil((row.locked_until - now).total_seconds() / 60))


def _count_failure(key: str, now: datetime) -> int:
    """One more failure, atomically (two workers failing at once both count)."""
    table = SignInThrottle.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    fresh = table.c.updated_at < now - FORGET_AFTER
    statement = (
        insert(table)
        .values(key=key, failures=1, updated_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"failures": case((fresh, 1), else_=table.c.failures + 1), "updated_at": now},
        )
        .returning(table.c.failures)
    )
    return db.session.execute(statement).scalar_one()


def record_failure(email: str) -> int:
    """Count a failed attempt; returns the minutes of the lock it starts (0 for none)."""
    now = utcnow()
    key = _key(email)
    failures = _count_failure(key, now)
    if failures < FREE_FAILURES:
        return 0
    minutes = min(2 ** (failures - FREE_FAILURES), MAX_LOCK_MINUTES)
    db.session.execute(
        db.update(SignInThrottle)
        .where(SignInThrottle.key == key)
        .values(locked_until=now + timedelta(minutes=minutes))
    )
    return minutes


def forget_failures(email: str) -> None:
    """A completed sign-in or a password reset clears the count; in the caller's transaction."""
    db.session.execute(db.delete(SignInThrottle).where(SignInThrottle.key == _key(email)))


def authenticate(email: str, password: str) -> User:
    """The active user with this address and password. Records failures and locks. Commits
    on refusal (the count must hold even though the caller stops).

    Raises:
        TooManyAttempts: the address is locked (before the password is even checked) or
            this failure locked it.
        Invalid: unknown address, wrong password or inactive account, in the same words.
    """
    address = normalised(email)
    waiting = locked_minutes(address)
    if waiting:
        audit.record(None, "signin.locked", email=address, minutes=waiting)
        db.session.commit()
        raise TooManyAttempts(waiting)
    user = db.session.scalar(db.select(User).where(User.email == address))
    if verify_password(user.password_hash if user else None, password) and user and user.active:
        return user
    minutes = record_failure(address)
    audit.record(None, "signin.failure", email=address, country=user.country_code if user else None)
    if minutes:
        audit.record(None, "signin.locked", email=address, minutes=minutes)
    db.session.commit()
    if minutes:
        raise TooManyAttempts(minutes)
    raise Invalid({"password": str(REFUSED)})
