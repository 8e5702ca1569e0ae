"""The origin's side: which changes a peer may hold, read from the change log by sequence.

Each page scans change-log rows after the peer's cursor and gives, per document, its current
state: the signed document when the peer may hold it now (`access.peer_may_receive`), a signed
tombstone when it may not but once received it, and nothing at all otherwise. What went to
the peer is recorded in the same transaction, so the next tombstone finds it. Answers are
idempotent (a peer that lost one asks again from its cursor and gets the same items), and
the receiver ignores what it already applied.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from content import changelog
from content.models import Attachment, ChangeLog, Document
from federation import keys, payloads
from federation.models import Delivery, Peer
from network import access
from network.errors import BadRequest, Unavailable
from network.extensions import db
from network.models import utcnow

LIMIT_DEFAULT, LIMIT_MAX = 100, 500
PAGE_BYTES = 8 * 1024 * 1024  # a page stops growing past this; the rest comes with `next`


class CursorPastEnd(BadRequest):
    code = "cursor_past_end"
    default_message = "This node's change log ends before that sequence number."


def changes_for(peer: Peer, since: int, limit: int) -> dict[str, Any]:
    """One page of the feed for `peer`. Raises CursorPastEnd when `since` is beyond the log."""
    if since > changelog.last_seq():
        raise CursorPastEnd()
    rows = changelog.changes_since(since, limit)
    latest = _latest_per_document(rows)
    docs = _documents(list(latest))
    sent = _deliveries(peer, list(latest))
    key, origin = keys.node_key(), current_app.config["NODE_NAME"]
    countries = set(peer.countries)
    items: list[dict[str, Any]] = []
    size, cut = 0, None
    for doc_id, row in latest.items():
        payload = _payload_for(docs.get(doc_id), row, sent.get(doc_id), countries, origin)
        if payload is None:
            continue
        item = payloads.signed_item(row.seq, payload, key)
        size += len(keys.canonical(item))
        if items and size > PAGE_BYTES:
            cut = row.seq - 1
            break
        _remember(peer, sent, doc_id, payload)
        items.append(item)
    _commit()
    next_seq = cut if cut is not None else (rows[-1].seq if rows else since)
    return {"origin": origin, "items": items, "next": next_seq,
            "has_more": cut is not None or len(rows) == limit}  # fmt: skip


def _latest_per_document(rows: list[ChangeLog]) -> dict[int, ChangeLog]:
    """Each document once, at its last row of the page, in the order of those rows."""
    latest: dict[int, ChangeLog] = {}
    for row in rows:
        latest.pop(row.document_id, None)
        latest[row.document_id] = row
    return latest


def _documents(ids: list[int]) -> dict[int, Document]:
    query = db.select(Document).where(Document.id.in_(ids)).options(
        selectinload(Document.lessons), selectinload(Document.attachments)
    )
    return {doc.id: doc for doc in db.session.scalars(query)}


def _deliveries(peer: Peer, ids: list[int]) -> dict[int, Delivery]:
    query = db.select(Delivery).where(Delivery.peer_id == peer.id, Delivery.document_id.in_(ids))
    return {row.document_id: row for row in db.session.scalars(query)}


def _payload_for(doc: Document | None, row: ChangeLog, sent: Delivery | None, countries: set[str],
                 origin: str) -> dict[str, Any] | None:  # fmt: skip
    if doc is not None and access.peer_may_receive(doc, countries):
        return payloads.document_payload(doc, origin)
    if sent is not None:  # again after a tombstone: the answer that carried it may have been lost
        version = max(doc.version if doc is not None else row.version, sent.version)
        return payloads.tombstone_payload(row.document_id, version, origin)
    return None


def _remember(peer: Peer, sent: dict[int, Delivery], doc_id: int, payload: dict[str, Any]) -> None:
    row = sent.get(doc_id)
    if row is None:
        row = sent[doc_id] = Delivery(peer_id=peer.id, document_id=doc_id)
        db.session.add(row)
    row.version, row.deleted, row.sent_at = payload["version"], payload["deleted"], utcnow()


def _commit() -> None:
    """Two pulls of one peer at once may both record a first delivery: one of them retries."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise Unavailable("Another pull of this peer is being answered; try again.") from error


def peer_may_fetch(peer: Peer, sha256: str) -> bool:
    """An attachment goes to a peer that may hold one of the documents carrying it now."""
    query = db.select(Document).join(Attachment, Attachment.document_id == Document.id).where(
        Attachment.sha256 == sha256
    )
    countries = set(peer.countries)
    return any(access.peer_may_receive(doc, countries) for doc in db.session.scalars(query))
