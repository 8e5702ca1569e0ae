"""The append-only change log: the source the search index and federation feeds follow."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import text

from content.models import CHANGE_ACTIONS, ChangeLog, Document
from network.extensions import db

# Arbitrary application-wide key for PostgreSQL's transaction-scoped advisory lock.
_PG_LOCK_KEY = 727_2019


def record(doc: Document, action: str, actor: Any = None) -> ChangeLog:
    """Add a change row to the current transaction (the caller commits both together).

    On PostgreSQL the insert takes a transaction-scoped advisory lock, so rows commit in
    sequence order and a follower that remembers the last sequence it applied never skips
    a row committed late by a slower transaction. SQLite serialises writers already.
    """
    if action not in CHANGE_ACTIONS:
        raise ValueError(f"unknown change action {action!r}")
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    db.session.flush()
    row = ChangeLog(
        document_id=doc.id,
        action=action,
        version=doc.version,
        country_code=doc.country_code,
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    if has_request_context():
        g.documents_changed = True
    return row


def changes_since(seq: int, limit: int = 1000) -> list[ChangeLog]:
    return list(
        db.session.scalars(
            db.select(ChangeLog).where(ChangeLog.seq > seq).order_by(ChangeLog.seq).limit(limit)
        )
    )


def last_seq() -> int:
    return db.session.scalar(db.select(db.func.max(ChangeLog.seq))) or 0
