"""The receiver's side: pull each active peer's feed from its cursor, verify every item with
its origin's key, fetch and check attachments, and apply what is newer, page by page.

A page is applied in one transaction together with the new cursor, so a process that dies
loses nothing and applies nothing twice. An item that fails verification is logged, counted
and skipped, never applied. A peer that cannot be reached is retried later with backoff.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app

from content import extraction, indexing, sniffing
from content.attachments import blob_path, temp_dir
from content.models import Document
from federation import client, copies, indexer, keys, payloads, peers
from federation.models import Peer, Received
from network.errors import DomainError
from network.extensions import db
from network.models import utcnow

log = logging.getLogger("rndd.federation")
PAGE_LIMIT = 200
FETCHERS = 4  # files fetched at once
BACKOFF_MAX = timedelta(hours=1)
LEASE = timedelta(minutes=15)


class Refused(ValueError):
    """This item is not applied (bad signature, wrong origin, bad file): counted and skipped."""


@dataclass
class Outcome:
    peer: str
    received: int = 0
    tombstones: int = 0
    ignored: int = 0
    refused: int = 0
    error: str = ""
    refusals: list[str] = field(default_factory=list)
    hosted: set[str] = field(default_factory=set, repr=False)  # this node's countries, read once
    known: copies.Known | None = field(default=None, repr=False)
    files: dict[str, Future] = field(default_factory=dict, repr=False)  # this page's, fetched ahead
    have: dict[tuple[str, str], Received] = field(default_factory=dict, repr=False)  # this page's
    unused: list[str] = field(default_factory=list, repr=False)  # files copies let go of


def due_peers() -> list[Peer]:
    now = utcnow()
    query = db.select(Peer).where(Peer.state == "active").order_by(Peer.name)
    return [p for p in db.session.scalars(query) if p.next_attempt_at is None or p.next_attempt_at <= now]


def sync(name: str | None = None) -> list[Outcome]:
    """Pull the peers that are due (or the one named, due or not), then index what came."""
    chosen = [peers.by_name(name)] if name else due_peers()
    with indexer.indexing_alongside() as alongside, client.connections():
        outcomes = [sync_peer(peer, alongside) for peer in chosen if peer.is_active]
    _index()
    return outcomes


def sync_peer(peer: Peer, alongside: indexer.Alongside | None = None) -> Outcome:
    """Pull until the peer has no more; on failure record it and schedule a retry.

    One pull of a peer at a time, across processes: a lease on the peer's row, taken by one
    atomic UPDATE, released at the end (a killed process's lease runs out).
    """
    outcome = Outcome(peer.name, hosted=set(peers.node_countries()), known=copies.Known.load())
    if not _take_lease(peer):
        outcome.error = "another sync of this peer is running"
        return outcome
    try:
        _pull_all(peer, outcome, alongside)
    finally:
        db.session.rollback()
        peer.sync_lease_until = None
        db.session.commit()
    return outcome


def _take_lease(peer: Peer) -> bool:
    now = utcnow()
    taken = db.session.execute(
        db.update(Peer)
        .where(Peer.id == peer.id, (Peer.sync_lease_until.is_(None)) | (Peer.sync_lease_until < now))
        .values(sync_lease_until=now + LEASE, last_sync_at=now)
    ).rowcount
    db.session.commit()
    db.session.refresh(peer)
    return taken == 1


def _pull_all(peer: Peer, outcome: Outcome, alongside: indexer.Alongside | None) -> None:
    try:
        peers.refresh_key(peer, force=True)
        while _pull_page(peer, outcome):
            if alongside is not None:  # a long pull: index its pages meanwhile, on the other core
                alongside.start()
    except (client.PeerUnreachable, client.PeerRefused, client.BadAnswer, keys.RotationRefused) as error:
        db.session.rollback()
        _failed(peer, outcome, error)
    else:
        peer.failures, peer.next_attempt_at, peer.last_error = 0, None, ""
        peer.last_success_at = utcnow()
        db.session.commit()


def _failed(peer: Peer, outcome: Outcome, error: Exception) -> None:
    if isinstance(error, client.PeerRefused) and error.code == "cursor_past_end":
        log.warning("peer %s: cursor %d is past its log (restored?): reading it again from 0", peer.name,
                    peer.cursor)  # fmt: skip
        peer.cursor = 0
    peer.failures += 1
    delay = min(timedelta(minutes=2 ** min(peer.failures - 1, 10)), BACKOFF_MAX)
    peer.next_attempt_at = utcnow() + delay
    peer.last_error = f"{utcnow():%Y-%m-%d %H:%M:%S} {type(error).__name__}: {error}"[:2000]
    outcome.error = peer.last_error
    db.session.commit()
    log.warning("peer %s: sync failed (%s); next attempt in %s", peer.name, error, delay)


def _pull_page(peer: Peer, outcome: Outcome) -> bool:
    """Apply one page; True when the peer has more after it."""
    since = peer.cursor
    page = client.signed_json(peer.base_url, "/federation/v1/changes", {"since": since, "limit": PAGE_LIMIT})
    items, next_seq, has_more = _page_parts(peer, page)
    outcome.have = _received(items)
    outcome.files = _prefetch(peer, items, outcome)
    for raw in items:
        try:
            _apply_item(peer, raw, outcome)
        except client.PeerUnreachable:
            db.session.commit()  # what came before this item stays, with the cursor just before it
            raise
        peer.cursor = raw["seq"]
    peer.cursor, peer.sync_lease_until = next_seq, utcnow() + LEASE
    db.session.commit()
    copies.clear_unused(outcome.unused)
    outcome.unused.clear()
    return has_more and next_seq > since


def _received(items: list[dict[str, Any]]) -> dict[tuple[str, str], Received]:
    """What this node already has of the page's documents, in one query (not one per item)."""
    pairs = set()
    for raw in items:
        payload = raw.get("payload")
        key = (payload.get("origin"), payload.get("uid")) if isinstance(payload, dict) else None
        if key and all(isinstance(part, str) for part in key):
            pairs.add(key)
    if not pairs:
        return {}
    query = db.select(Received).where(db.tuple_(Received.origin, Received.uid).in_(pairs))
    return {(row.origin, row.uid): row for row in db.session.scalars(query)}


def _page_parts(peer: Peer, page: dict[str, Any]) -> tuple[list[dict[str, Any]], int, bool]:
    """Raises BadAnswer unless the page is from this peer and its numbers follow the cursor."""
    items, next_seq, has_more = page.get("items"), page.get("next"), page.get("has_more")
    if page.get("origin") != peer.name:
        raise client.BadAnswer(f"the page names origin {page.get('origin')!r}, not {peer.name!r}")
    if not isinstance(items, list) or not isinstance(has_more, bool) or not payloads.is_int(next_seq):
        raise client.BadAnswer("a page has items (a list), next (a number) and has_more")
    seqs = [item.get("seq") if isinstance(item, dict) else None for item in items]
    in_order = all(payloads.is_int(seq) for seq in seqs) and seqs == sorted(set(seqs))
    if next_seq < peer.cursor or not in_order or any(not peer.cursor < seq <= next_seq for seq in seqs):
        raise client.BadAnswer("the page's sequence numbers do not follow the cursor")
    return items, next_seq, has_more


def _apply_item(peer: Peer, raw: Any, outcome: Outcome) -> None:
    """Verify and apply one item inside the page's transaction (a savepoint: all or nothing)."""
    try:
        item = payloads.parse_item(raw)
        origin = _origin_peer(peer, item)
        _verify(origin, item)
        with db.session.begin_nested():
            received = _store(origin, peer, item, outcome)
        outcome.have[(item.origin, item.uid)] = received  # kept only once its savepoint held
    except (payloads.BadItem, Refused, copies.Unplaceable, DomainError) as error:
        outcome.refused += 1
        peer.items_refused += 1
        outcome.refusals.append(str(error))
        log.warning("peer %s: item refused, not applied: %s", peer.name, error)


def _origin_peer(peer: Peer, item: payloads.Item) -> Peer:
    """The item's origin: the peer itself, or (relayed by a hub) another active peer we know."""
    if item.origin == peer.name:
        return peer
    origin = db.session.scalar(db.select(Peer).where(Peer.name == item.origin, Peer.state == "active"))
    if origin is None:
        raise Refused(f"item {item.uid} claims origin {item.origin!r}, which is not a peer of this node")
    return origin


def _verify(origin: Peer, item: payloads.Item) -> None:
    data = keys.canonical(item.payload)
    if keys.verify(origin.public_key, item.signature, data):
        return
    if peers.refresh_key(origin) and keys.verify(origin.public_key, item.signature, data):
        return
    raise Refused(f"item {item.uid} of {item.origin}: the signature does not verify with the origin's key")


def _store(origin: Peer, via: Peer, item: payloads.Item, outcome: Outcome) -> Received:
    received = outcome.have.get((item.origin, item.uid))
    if received is not None and not _is_newer(item, received):
        outcome.ignored += 1
        return received
    if received is None:
        received = Received(origin=item.origin, uid=item.uid, version=item.version)
        db.session.add(received)
    if item.deleted:
        _apply_tombstone(received, origin, outcome)
    else:
        _check_audience(item, origin, outcome.hosted)
        texts = {entry["sha256"]: _file(via, entry, outcome.files) for entry in item.payload["attachments"]}
        doc, dropped = copies.apply(item.payload, received, texts, outcome.known)
        outcome.unused += dropped
        received.document_id, received.deleted = doc.id, False
        outcome.received += 1
        origin.items_received += 1
    received.version, received.received_at = item.version, utcnow()
    db.session.flush()
    return received


def _check_audience(item: payloads.Item, origin: Peer, hosted: set[str]) -> None:
    """The origin owns only its own countries' documents, and a `countries` document is held
    only by a node hosting one of its readers (a relaying hub cannot widen where it goes)."""
    owner, shared = item.payload["country"], set(item.payload["shared_with"])
    if owner not in origin.countries:
        raise Refused(f"item {item.uid}: {item.origin} does not host {owner}")
    if item.payload["visibility"] == "countries" and not ({owner} | shared) & hosted:
        raise Refused(f"item {item.uid}: shared with countries this node does not host")


def _is_newer(item: payloads.Item, received: Received) -> bool:
    """A newer version wins; at the same version only a tombstone over a live copy does."""
    return item.version > received.version or (
        item.version == received.version and item.deleted and not received.deleted
    )


def _apply_tombstone(received: Received, origin: Peer, outcome: Outcome) -> None:
    doc = db.session.get(Document, received.document_id) if received.document_id else None
    if doc is not None:
        outcome.unused += copies.remove(doc)
    received.deleted, received.document_id = True, None
    outcome.tombstones += 1
    origin.tombstones_applied += 1


def _prefetch(peer: Peer, items: list[dict[str, Any]], outcome: Outcome) -> dict[str, Future]:
    """Start fetching, FETCHERS at a time, the files of the page's items that will be applied:
    signed by the peer itself, newer than what this node has, of an audience it may hold.
    Downloads wait on the network, so threads overlap them; the items are still applied in order.
    """
    wanted: dict[str, dict[str, Any]] = {}
    for item in _applicable(peer, items, outcome):
        for entry in item.payload["attachments"]:
            wanted.setdefault(entry["sha256"], entry)
    if not wanted:
        return {}
    app, base_url = current_app._get_current_object(), peer.base_url

    def fetch(entry: dict[str, Any]) -> copies.FileText:
        with app.app_context():
            return _fetch_file(base_url, entry)

    with ThreadPoolExecutor(FETCHERS, thread_name_prefix="rndd-fetch") as pool:
        futures = {sha256: pool.submit(fetch, entry) for sha256, entry in wanted.items()}
    return futures


def _applicable(peer: Peer, items: list[dict[str, Any]], outcome: Outcome) -> list[payloads.Item]:
    parsed = []
    for raw in items:
        try:
            item = payloads.parse_item(raw)
        except payloads.BadItem:
            continue
        if not item.deleted and item.origin == peer.name and item.payload["attachments"]:
            parsed.append(item)
    found = []
    for item in parsed:
        known = outcome.have.get((item.origin, item.uid))
        if known is not None and not _is_newer(item, known):
            continue
        try:
            _check_audience(item, peer, outcome.hosted)
        except Refused:
            continue
        if keys.verify(peer.public_key, item.signature, keys.canonical(item.payload)):
            found.append(item)
    return found


def _file(peer: Peer, entry: dict[str, Any], fetched: dict[str, Future]) -> copies.FileText:
    """The file as fetched ahead (its error raised here, at its item), or fetched now."""
    future = fetched.get(entry["sha256"])
    return future.result() if future is not None else _fetch_file(peer.base_url, entry)


def _fetch_file(base_url: str, entry: dict[str, Any]) -> copies.FileText:
    """The attachment's bytes, by checksum: typed and read here, and only then put in place."""
    sha256, size = entry["sha256"], entry["size"]
    target = blob_path(sha256)
    if target.exists() and target.stat().st_size == size:  # content-addressed: checked when it came
        return _read_file(target, entry)
    folder = temp_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix="upload-")
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            _download(base_url, sha256, size, out)
        found = _read_file(temp, entry)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return found


def _read_file(path: Path, entry: dict[str, Any]) -> copies.FileText:
    """Raises Refused for a type this node does not accept or a damaged file."""
    config = current_app.config
    try:
        file_type = sniffing.sniff(path, entry["filename"])
        budget = config["EXTRACT_MAX_MB"], config["EXTRACT_MAX_SECONDS"]
        text, note = extraction.extract(path, file_type, *budget)
    except DomainError as error:
        raise Refused(f"attachment {entry['sha256']}: {error}") from error
    return copies.FileText(file_type, text, note)


def _download(base_url: str, sha256: str, size: int, out: Any) -> None:
    """Stream the bytes into `out`, counting and hashing them. Raises Refused on a mismatch."""
    digest, got = hashlib.sha256(), 0
    try:
        with client.signed_stream(base_url, f"/federation/v1/attachments/{sha256}") as response:
            for chunk in response.iter_content(client.CHUNK):
                got += len(chunk)
                if got > size:
                    raise Refused(f"attachment {sha256}: more bytes than its announced {size}")
                digest.update(chunk)
                out.write(chunk)
    except client.PeerRefused as error:
        raise Refused(f"attachment {sha256}: {error}") from error
    if got != size or digest.hexdigest() != sha256:
        raise Refused(f"attachment {sha256}: the bytes do not match its checksum and size")


def _index() -> None:
    try:
        indexing.drain()
    except Exception:  # the log keeps the rows; the next drain or search applies them
        log.exception("copies stay in the change log until the next drain")
