"""The audit trail: who did what to which object, when and from where, in a hash chain.

Each entry carries the SHA-256 of its own fields and of the previous entry's hash, so a row
changed or removed in the database behind the application's back breaks the chain at that
point, and `verify()` names the first entry that no longer fits. Nothing here updates or
deletes entries; on PostgreSQL a trigger (migration 0003) refuses UPDATE and DELETE outright.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from network.extensions import db
from network.models import utcnow

GENESIS = "0" * 64
COMMAND_LINE = "(command line)"  # the actor named for what the operator does with `rndd`
# Arbitrary key of the transaction-scoped advisory lock that serialises appends on PostgreSQL.
_PG_LOCK_KEY = 727_2021
_HASHED = (
    "created_at", "actor_id", "actor_email", "action", "object_type", "object_id",
    "object_title", "restricted", "country_code", "ip", "user_agent", "details", "prev_hash",
)  # fmt: skip


class AuditEntry(db.Model):
    """One audited action. No foreign keys: an entry must outlive what it speaks of unchanged."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(30), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    object_title: Mapped[str] = mapped_column(String(200), default="")
    restricted: Mapped[bool] = mapped_column(default=False)
    country_code: Mapped[str | None] = mapped_column(String(2), index=True)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def detail_values(self) -> dict[str, Any]:
        return json.loads(self.details or "{}")


def entry_hash(entry: Any) -> str:
    """SHA-256 over the canonical JSON of every field but the hash (an entry or a result row)."""
    values = {name: getattr(entry, name) for name in _HASHED}
    values["created_at"] = entry.created_at.isoformat(timespec="microseconds")
    values["restricted"] = bool(entry.restricted)
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _request_origin() -> tuple[str, str]:
    if not has_request_context():
        return "", ""
    return (request.remote_addr or "")[:45], (request.user_agent.string or "")[:300]


def _lock_chain() -> None:
    """Appends are serialised so each entry links to the one committed just before it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _last_hash() -> str:
    last = db.session.scalar(db.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    return last or GENESIS


def record(
    actor: Any,
    action: str,
    *,
    object_type: str = "",
    object_id: Any = None,
    title: str = "",
    country: str | None = None,
    restricted: bool = False,
    email: str | None = None,
    **details: Any,
) -> AuditEntry:
    """Append an entry to the current transaction; the caller commits it with the change.

    `actor` is the acting user (or None for an anonymous or failed attempt, then `email` names
    who was tried); `restricted` marks a title only readers of the object may see.
    """
    _lock_chain()
    ip, agent = _request_origin()
    entry = AuditEntry(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_email=(email if email is not None else getattr(actor, "email", "")) or "",
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        object_title=(title or "")[:200],
        restricted=restricted,
        country_code=country if country is not None else getattr(actor, "country_code", None),
        ip=ip,
        user_agent=agent,
        details=json.dumps(details, sort_keys=True, separators=(",", ":"), default=str),
        prev_hash=_last_hash(),
    )
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


def record_document(actor: Any, action: str, doc: Any, **details: Any) -> AuditEntry:
    """An entry about a document; its title counts as restricted unless the document is public."""
    restricted = not (doc.status == "published" and doc.visibility in ("public", "network"))
    return record(
        actor, action, object_type="document", object_id=doc.id, title=doc.title,
        country=doc.country_code, restricted=restricted, **details,
    )  # fmt: skip


@dataclass
class ChainReport:
    checked: int
    bad_id: int | None = None
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return self.bad_id is None


def verify(batch: int = 1000) -> ChainReport:
    """Walk the chain in id order; the first entry whose hash or link does not hold is named."""
    columns = AuditEntry.__table__.c
    previous, checked, after = GENESIS, 0, 0
    while True:
        query = db.select(columns).where(columns.id > after).order_by(columns.id).limit(batch)
        rows = db.session.execute(query).all()  # plain rows: a long log never fills the session
        if not rows:
            return ChainReport(checked)
        for entry in rows:
            if entry.prev_hash != previous:
                return ChainReport(checked, entry.id, "does not follow the entry before it (one was removed)")
            if entry_hash(entry) != entry.hash:
                return ChainReport(checked, entry.id, "was changed after it was written")
            previous, checked, after = entry.hash, checked + 1, entry.id
