"""Identity: member countries, users and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db

ROLES = ("reader", "contributor", "country_admin", "network_admin")
TOKEN_SCOPES = ("read", "write")

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def utcnow() -> datetime:
    """Naive UTC, the form stored in every timestamp column."""
    return datetime.now(UTC).replace(tzinfo=None)


class Country(db.Model):
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    ministry: Mapped[str] = mapped_column(String(200))
    default_language: Mapped[str] = mapped_column(String(8))
    # Contributors publish their mission reports without review (a country admin's choice).
    reports_published_directly: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Country {self.code}>"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    country_code: Mapped[str] = mapped_column(ForeignKey("country.code"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    feed_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    interface_language: Mapped[str | None] = mapped_column(String(16))

    country: Mapped[Country] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_country_admin(self) -> bool:
        return self.role == "country_admin"

    @property
    def is_network_admin(self) -> bool:
        return self.role == "network_admin"

    @property
    def can_author(self) -> bool:
        return self.role in ("contributor", "country_admin")

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """Verify against the stored hash, or a dummy one when there is none (same time taken)."""
        return verify_password(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}@{self.country_code}>"


def verify_password(password_hash: str | None, password: str) -> bool:
    """Argon2 verification; with no hash (unknown address, pending invitation) a dummy hash of
    the same cost is verified instead, so every refusal costs the same time."""
    global _dummy_hash
    if not password_hash:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
        _verify(_dummy_hash, password)
        return False
    return _verify(password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored (tokens are 256-bit random, so no salt)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10), default="read")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, scope: str = "read", name: str = "") -> tuple[ApiToken, str]:
        """Make a token; the clear text is returned once and never stored."""
        clear = "rndd_" + secrets.token_urlsafe(32)
        return cls(user=user, scope=scope, name=name, token_hash=cls.digest(clear)), clear
