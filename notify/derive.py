"""Deriving notifications from the change log, by sequence number, like the search index.

One batch is one transaction: the notifications, the e-mails they queue and the new cursor
commit together, so a process that dies leaves the cursor where it was and the next run
derives the same batch again. Two processes take turns: the cursor row is locked on
PostgreSQL, and on SQLite, which locks no row, a file lock beside the database serialises the
batches. (user, change, reason) is unique besides, so nothing can be derived twice.

The decision is taken with the access policy on the document as it is when the batch runs,
and again when each e-mail is sent and each list is shown.
"""

from __future__ import annotations

import fcntl
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, or_
from sqlalchemy.exc import IntegrityError

from content import changelog, indexing
from content.glossary import current_glossary
from content.models import ChangeLog, Document
from content.search import vocabulary
from network import access
from network.extensions import db
from network.models import User, utcnow
from notify import mailing
from notify.models import FollowerCursor, Notification, NotifySettings, Watch
from search_index import IndexUnavailable, QueryError

log = logging.getLogger("rndd.notify")
CURSOR = "notify"
BATCH = 500
PRIORITY = {"immediate": 0, "daily": 1, "weekly": 2, "site": 3}
FLUSH_ROWS = 20_000  # notifications held before they are inserted (memory, not transactions)


def derive(limit: int = BATCH) -> int:
    """Handle the next batch of change-log rows; returns how many rows it handled."""
    with _turn():
        return _derive(limit)


def _derive(limit: int) -> int:
    cursor = _cursor()
    rows = _rows(cursor.seq, limit)
    if not rows:
        db.session.rollback()
        return 0
    docs = _documents(row.document_id for row in rows)
    found = _search_matches([docs[r.document_id] for r in rows if _arrives(r, docs.get(r.document_id))])
    batch = _Batch()
    with db.session.no_autoflush:
        for row in rows:
            doc = docs.get(row.document_id)
            if doc is not None:
                _derive_row(batch, row, doc, found)
    batch.insert()
    cursor.seq, cursor.updated_at = rows[-1].seq, utcnow()
    mailing.queue_immediate()
    db.session.commit()
    return len(rows)


def derive_all() -> int:
    total = 0
    while count := derive():
        total += count
    return total


@contextmanager
def _turn() -> Iterator[None]:
    """On SQLite, one batch at a time across processes and threads (an flock beside the database
    file; SELECT ... FOR UPDATE locks nothing there); elsewhere the cursor row's lock does it."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    with open(f"{url.database}.notify-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed, or the process dies
        yield


def _cursor() -> FollowerCursor:
    """This follower's row, locked on PostgreSQL so two processes take turns."""
    query = db.select(FollowerCursor).where(FollowerCursor.name == CURSOR)
    if db.session.scalar(query) is None:  # a database without the migration's row
        try:
            db.session.add(FollowerCursor(name=CURSOR, seq=0, updated_at=utcnow()))
            db.session.commit()
        except IntegrityError:  # another follower made it first
            db.session.rollback()
    return db.session.scalar(query.with_for_update())


def _rows(after: int, limit: int) -> list[ChangeLog]:
    """Rows after the cursor; with saved searches to match, only those the index has applied."""
    rows = changelog.changes_since(after, limit)
    has_searches = db.session.scalar(db.select(Watch.id).where(Watch.type == "search").limit(1))
    if rows and has_searches:
        try:
            ceiling = indexing.search_index().watermark()
        except IndexUnavailable:
            log.warning("notifications wait for the search index to be rebuilt")
            return []
        rows = [row for row in rows if row.seq <= ceiling]
    return rows


def _documents(ids: Iterable[int]) -> dict[int, Document]:
    query = db.select(Document).where(Document.id.in_(set(ids)))
    return {doc.id: doc for doc in db.session.scalars(query).unique()}


def _arrives(row: ChangeLog, doc: Document | None) -> bool:
    """A document arrives when it is published (a copy from a peer arrives published)."""
    if doc is None or doc.status != "published":
        return False
    return row.action == "published" or (row.action == "created" and doc.origin_node is not None)


@dataclass(frozen=True)
class Reader:
    """What the access policy needs of a user, read as one row: deciding for thousands of
    followers must not load thousands of ORM objects."""

    id: int
    country_code: str
    role: str
    active: bool
    is_authenticated: bool = True

    @property
    def is_active(self) -> bool:
        return self.active


class _Batch:
    """The notifications of one batch, inserted together; one change notifies a user once per
    reason, and only a user who may read the document."""

    def __init__(self) -> None:
        self.keys: set[tuple[int, int, str]] = set()
        self.rows: list[dict[str, Any]] = []
        self._readers: dict[int, Reader | None] = {}
        self._labels: dict[int, set[str]] = {}

    def readers(self, ids: Iterable[int]) -> list[Reader]:
        ids = list(ids)
        missing = [i for i in set(ids) if i not in self._readers]
        for chunk in range(0, len(missing), 500):
            query = db.select(User.id, User.country_code, User.role, User.active).where(
                User.id.in_(missing[chunk : chunk + 500])
            )
            for row in db.session.execute(query):
                self._readers[row.id] = Reader(row.id, row.country_code, row.role, row.active)
        return [r for i in ids if (r := self._readers.get(i)) is not None]

    def add(self, reader: Reader, row: ChangeLog, doc_id: int, doc_labels: set[str], reason: str,
            delivery: str, watch_id: int | None = None) -> None:  # fmt: skip
        key = (reader.id, row.seq, reason)
        if key in self.keys or not reader.is_active:
            return
        if reader.id not in self._labels:
            self._labels[reader.id] = access.user_principals(reader)
        if not access.labels_meet(self._labels[reader.id], doc_labels):
            return
        self.keys.add(key)
        if len(self.rows) >= FLUSH_ROWS:
            self.insert()
        self.rows.append({"user_id": reader.id, "document_id": doc_id, "seq": row.seq, "reason": reason,
                          "watch_id": watch_id, "delivery": delivery, "created_at": utcnow()})  # fmt: skip

    def insert(self) -> None:
        if self.rows:
            db.session.execute(insert(Notification), self.rows)
            self.rows = []


def _derive_row(batch: _Batch, row: ChangeLog, doc: Document, found: dict[int, list[int]]) -> None:
    labels = access.document_principals(doc)
    if row.action == "submitted" and doc.status == "review":
        admins = db.select(User.id).where(User.country_code == doc.country_code, User.role == "country_admin")
        for admin in batch.readers(i for i in db.session.scalars(admins) if i != row.actor_id):
            batch.add(admin, row, doc.id, labels, "review", _workflow_delivery(admin.id))
    elif row.action == "returned" and doc.status == "draft":
        _tell_author(batch, row, doc, labels, "returned")
    elif _arrives(row, doc):
        if row.action == "published":
            _tell_author(batch, row, doc, labels, "published")
        _arrivals(batch, row, doc, labels, found.get(doc.id, []))


def _tell_author(batch: _Batch, row: ChangeLog, doc: Document, labels: set[str], reason: str) -> None:
    if doc.author_id is not None and doc.author_id != row.actor_id:
        for author in batch.readers([doc.author_id]):
            batch.add(author, row, doc.id, labels, reason, _workflow_delivery(author.id))


def _workflow_delivery(user_id: int) -> str:
    settings = db.session.get(NotifySettings, user_id)
    return "immediate" if settings is None or settings.workflow_email else "site"


def _arrivals(
    batch: _Batch, row: ChangeLog, doc: Document, labels: set[str], search_watch_ids: list[int]
) -> None:
    """Tell everyone who follows something this document matches, once, by their most
    immediate choice; flash reports at once to those who asked for every flash report."""
    best: dict[int, tuple[str, int | None]] = {}
    query = db.select(Watch.user_id, Watch.delivery, Watch.id).where(
        Watch.delivery != "off", _matching(doc, search_watch_ids)
    )
    for user_id, delivery, watch_id in db.session.execute(query):
        if user_id not in best or PRIORITY[delivery] < PRIORITY[best[user_id][0]]:
            best[user_id] = (delivery, watch_id)
    if doc.kind == "report" and doc.urgency == "flash":
        flash = db.select(NotifySettings.user_id).where(NotifySettings.flash_always.is_(True))
        for user_id in db.session.scalars(flash):
            best[user_id] = ("immediate", best.get(user_id, (None, None))[1])
    if not best:
        return
    told = db.select(Notification.user_id).where(
        Notification.document_id == doc.id, Notification.reason.in_(("watch", "flash"))
    )
    for user_id in db.session.scalars(told):  # told when it was published before
        best.pop(user_id, None)
    for reader in batch.readers(sorted(best)):
        delivery, watch_id = best[reader.id]
        batch.add(reader, row, doc.id, labels, "watch" if watch_id else "flash", delivery, watch_id)


def _matching(doc: Document, search_watch_ids: list[int]) -> Any:
    """Watches this document matches: its kind, its owner or the country a report concerns,
    its topics, its mission, and the saved searches that found it."""
    countries = {doc.country_code} | ({doc.concerns.upper()} if doc.concerns else set())
    clauses = [
        and_(Watch.type == "kind", Watch.value == doc.kind),
        and_(Watch.type == "country", Watch.value.in_(countries)),
    ]
    slugs = [topic.slug for topic in doc.topics]
    if slugs:
        clauses.append(and_(Watch.type == "topic", Watch.value.in_(slugs)))
    if doc.mission_id:
        clauses.append(and_(Watch.type == "mission", Watch.value == str(doc.mission_id)))
    if search_watch_ids:
        clauses.append(Watch.id.in_(search_watch_ids))
    return or_(*clauses)


def _search_matches(arriving: list[Document]) -> dict[int, list[int]]:
    """Which saved searches find which arriving documents: each distinct search runs once, over
    the principals of the arriving documents; each user's own access is checked afterwards."""
    if not arriving:
        return {}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    query = db.select(Watch.id, Watch.query, Watch.filters).where(
        Watch.type == "search", Watch.delivery != "off"
    )
    for watch_id, words, filters in db.session.execute(query):
        groups[(words, json.dumps(filters or {}, sort_keys=True))].append(watch_id)
    if not groups:
        return {}
    principals = set().union(*(access.document_principals(doc) for doc in arriving))
    wanted = {doc.id for doc in arriving}
    out: dict[int, list[int]] = defaultdict(list)
    for (words, filters), watch_ids in groups.items():
        for doc_id in _found(words, json.loads(filters), principals, wanted):
            out[doc_id].extend(watch_ids)
    return out


def _found(words: str, filters: dict[str, list[str]], principals: set[str], wanted: set[int]) -> set[int]:
    """The wanted documents the search finds, with the glossary and vocabulary of a user's search."""
    index, found = indexing.search_index(), set()
    options = {"glossary": current_glossary(), "vocabulary": vocabulary(), "only_ids": wanted}
    for page in range(1, len(wanted) // 100 + 2):
        try:
            result = index.search(words, principals, filters=filters, sort="newest", page=page, per_page=100,
                                  **options)  # fmt: skip
        except QueryError:
            return set()  # no longer parses: the watch list says so
        found |= {hit.id for hit in result.hits}
        if len(result.hits) < 100:
            break
    return found
