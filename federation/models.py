"""Federation state: peers, what went to each peer, what came from each peer, seen nonces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from network.extensions import db
from network.models import utcnow

PEER_STATES = ("pending", "active", "paused")


class Peer(db.Model):
    """Another node, as its node document described it when the network admin confirmed it.

    Both directions use this row: its key verifies the requests it signs for our feed and the
    items it sends us; its countries decide which `countries` documents it may receive; its
    cursor is the last change-log sequence of its feed we have applied.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base_url: Mapped[str] = mapped_column(String(300), unique=True)
    countries: Mapped[list] = mapped_column(JSON, default=list)
    public_key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(80), index=True)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    cursor: Mapped[int] = mapped_column(default=0)
    items_received: Mapped[int] = mapped_column(default=0)
    tombstones_applied: Mapped[int] = mapped_column(default=0)
    items_refused: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    last_sync_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    key_checked_at: Mapped[datetime | None]
    sync_lease_until: Mapped[datetime | None]  # a pull of this peer runs until then (or died)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.state == "active"


class Delivery(db.Model):
    """The last version of one of our documents that went to a peer (a tombstone: `deleted`).

    A tombstone goes only to a peer with a row here, so a peer that never had a document
    never hears of it.
    """

    __tablename__ = "federation_delivery"

    peer_id: Mapped[int] = mapped_column(db.ForeignKey("peer.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int]
    deleted: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Received(db.Model):
    """The newest version of an origin's document this node applied; kept after a tombstone
    (`deleted`), so an older version can never return."""

    __tablename__ = "federation_received"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(100))
    uid: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    deleted: Mapped[bool] = mapped_column(default=False)
    document_id: Mapped[int | None] = mapped_column(index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("origin", "uid"),)


class SeenNonce(db.Model):
    """Nonces of signed requests of the last few minutes: a request is accepted once."""

    __tablename__ = "federation_nonce"

    nonce: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
