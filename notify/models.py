"""Watches, notifications, the e-mail outbox and the follower's cursor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db
from network.models import User, utcnow

WATCH_TYPES = ("topic", "country", "mission", "kind", "search")
DELIVERIES = ("site", "immediate", "daily", "weekly", "off")
REASONS = ("watch", "flash", "review", "published", "returned")
EMAIL_STATES = ("pending", "sent", "failed", "dropped")


class Watch(db.Model):
    """One thing a user follows, and how they want to hear of it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(100), default="")  # slug, code, mission id or kind
    name: Mapped[str] = mapped_column(String(120), default="")  # a saved search's name
    query: Mapped[str] = mapped_column(String(500), default="")  # a saved search's words
    filters: Mapped[dict] = mapped_column(JSON, default=dict)  # a saved search's facet filters
    delivery: Mapped[str] = mapped_column(String(10), default="site")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (Index("ix_watch_type_value", "type", "value"),)


class NotifySettings(db.Model):
    """A user's notification choices; a missing row means the defaults."""

    __tablename__ = "notify_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    email_enabled: Mapped[bool] = mapped_column(default=True)
    flash_always: Mapped[bool] = mapped_column(default=False)  # every readable flash report, at once
    workflow_email: Mapped[bool] = mapped_column(default=True)  # review and publication notices
    bounced_at: Mapped[datetime | None]  # the address was refused; no mail until it changes
    bounced_address: Mapped[str] = mapped_column(String(254), default="")
    last_daily_at: Mapped[datetime | None]
    last_weekly_at: Mapped[datetime | None]
    whats_new_seen_at: Mapped[datetime | None]

    @classmethod
    def defaults(cls, user_id: int) -> NotifySettings:
        """A user's settings before they change any (column defaults apply only when inserted)."""
        return cls(
            user_id=user_id, email_enabled=True, flash_always=False, workflow_email=True, bounced_address=""
        )

    def mail_paused_for(self, address: str) -> bool:
        """Mail to `address` was refused, and the user has not said since that it works."""
        return self.bounced_at is not None and self.bounced_address == address


class Email(db.Model):
    """One message to one user, in the outbox until sent. Its content is composed at each
    attempt from its notifications, so a document narrowed meanwhile is left out."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # immediate, daily, weekly
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    items_sent: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()

    __table_args__ = (Index("ix_email_state_next", "state", "next_attempt_at"),)


class Notification(db.Model):
    """One thing one user is told about. (user, change, reason) is unique, so a change is never
    notified twice, whoever derives it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]  # the change-log row it was derived from
    reason: Mapped[str] = mapped_column(String(10))
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watch.id", ondelete="SET NULL"))
    delivery: Mapped[str] = mapped_column(String(10))  # site, immediate, daily, weekly
    email_id: Mapped[int | None] = mapped_column(ForeignKey("email.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    watch: Mapped[Watch | None] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "seq", "reason"),
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_waiting", "delivery", "email_id", "user_id"),
    )


class FollowerCursor(db.Model):
    """The last change-log sequence a follower has handled (one row per follower)."""

    __tablename__ = "follower_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsedUnsubscribe(db.Model):
    """Unsubscribe links already used: a second use says so instead of acting again."""

    __tablename__ = "used_unsubscribe"

    nonce: Mapped[str] = mapped_column(String(40), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
