"""Server-side sign-in sessions: each browser session is a row the server can end.

Flask's signed cookie carries a random session key; the database keeps only its SHA-256
(the row's id), so a copy of the table opens no session. The user loader accepts a cookie
only while its row is live: not revoked, used within the idle timeout, younger than the
absolute lifetime. Ending the row ends every copy of the cookie at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g, request, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import ForeignKey, String, update
from sqlalchemy.orm import Mapped, mapped_column

from network import audit, credentials
from network.errors import NotFound
from network.extensions import db
from network.models import User, utcnow

SESSION_KEY = "sid"
SECOND_FACTOR_METHODS = ("passkey",)  # besides any "first+second" method such as "password+totp"
TOUCH_INTERVAL = timedelta(minutes=1)


class UserSession(db.Model):
    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's key
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(30))
    second_factor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    revoked_at: Mapped[datetime | None]

    @property
    def device(self) -> str:
        return device_label(self.user_agent)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    cfg = current_app.config
    return timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]), timedelta(hours=cfg["SESSION_MAX_HOURS"])


def _is_live(row: UserSession, now: datetime) -> bool:
    idle, lifetime = _limits()
    return row.revoked_at is None and now - row.last_seen_at <= idle and now - row.created_at <= lifetime


def _current_id() -> str | None:
    key = session.get(SESSION_KEY)
    return digest(key) if isinstance(key, str) and key else None


def live_session(user_id: int) -> UserSession | None:
    """The live row of this request's cookie for `user_id`; last seen is written at most once
    a minute, so an ordinary request costs one read and no write."""
    row_id = _current_id()
    if row_id is None:
        return None
    query = db.select(UserSession).where(UserSession.id == row_id, UserSession.user_id == user_id)
    row = db.session.scalar(query.execution_options(populate_existing=True))
    now = utcnow()
    if row is None or not _is_live(row, now):
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    g.user_session = row
    return row


def sign_in(user: User, method: str) -> None:
    """Everything a completed sign-in needs, for every way of signing in (`password`,
    `passkey`, `password+totp`...): the browser's previous session ends and nothing of it is
    kept (so no session fixation, and a new CSRF token), a new server-side row and key, the
    Flask-Login user, an audit entry. Commits."""
    _end_current()
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's per-request copy
    key = secrets.token_urlsafe(32)
    now = utcnow()
    ip, agent = _origin()
    row = UserSession(
        id=digest(key), user_id=user.id, method=method, second_factor=has_second_factor(method),
        created_at=now, last_seen_at=now, ip=ip, user_agent=agent,
    )  # fmt: skip
    db.session.add(row)
    session[SESSION_KEY] = key
    login_user(user)
    g.user_session = row
    credentials.forget_failures(user.email)
    audit.record(user, "signin.success", object_type="user", object_id=user.id, method=method)
    db.session.commit()


def has_second_factor(method: str) -> bool:
    return "+" in method or method in SECOND_FACTOR_METHODS


def sign_out() -> None:
    """End this browser's session row, for every copy of its cookie, and forget the cookie."""
    _end_current()
    logout_user()
    session.clear()
    db.session.commit()


def _end_current() -> None:
    row_id = _current_id()
    if row_id:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == row_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_all(user: User, keep_current: bool = False, *, actor: Any = None, reason: str = "") -> int:
    """End every live session of `user` (but this browser's with `keep_current`); in the
    caller's transaction, which commits. Returns how many ended."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    current = _current_id() if keep_current else None
    if current:
        query = query.where(UserSession.id != current)
    ended = db.session.execute(query.values(revoked_at=utcnow())).rowcount or 0
    if ended:
        audit.record(
            actor if actor is not None else user, "sessions.revoked_all", object_type="user",
            object_id=user.id, title=user.name, country=user.country_code, ended=ended, reason=reason,
        )  # fmt: skip
    return ended


def active_sessions(user: User) -> list[UserSession]:
    """The user's live sessions, most recently used first."""
    query = db.select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    rows = db.session.scalars(query.order_by(UserSession.last_seen_at.desc()))
    now = utcnow()
    return [row for row in rows if _is_live(row, now)]


def is_current(row: UserSession) -> bool:
    return row.id == _current_id()


def revoke(user: User, session_id: str) -> None:
    """End one of the user's own sessions. Commits.

    Raises:
        NotFound: no live session of this user has that id.
    """
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound(_("This session has ended already."))
    row.revoked_at = utcnow()
    audit.record(user, "session.revoked", object_type="session", object_id=row.id[:12], device=row.device)
    db.session.commit()


def _origin() -> tuple[str, str]:
    return (request.remote_addr or "")[:45], (request.user_agent.string or "")[:300]


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"), ("curl/", "curl"))  # fmt: skip
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))  # fmt: skip


def device_label(user_agent: str) -> str:
    """A label such as "Firefox on Windows": enough to recognise one's own devices."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
