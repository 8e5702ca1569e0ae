"""Feeding the search index from the change log (docs/architecture.md).

The database is the truth: the index only ever follows `change_log` by sequence number and
keeps its watermark inside itself, so it can be dropped and rebuilt at any time. Web requests
never open a writer while they run; the rows they committed are applied after the response,
by this process's drain thread, which gathers the writes of a short window into one commit
(`batched_drains`).

Only two things rebuild: `rndd index rebuild`, and a search that finds no usable index (absent,
corrupt or of another layout), which starts one rebuild in the background. A drain never does:
on an index it cannot use it fails, and an I/O error decides nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import partial

from flask import Flask, current_app, g
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from content import batched_drains, changelog
from content.models import Attachment, ChangeLog, Document
from content.rendering import html_text
from network import access
from network.extensions import db
from search_index import (
    IndexRecord,
    IndexReplaced,
    IndexUnavailable,
    RebuildRunning,
    SearchBackend,
    open_backend,
)

log = logging.getLogger("rndd.index")
BATCH = 500
_starting = threading.Lock()


def search_index() -> SearchBackend:
    """This process's index, with its searcher kept open between requests: the one place the
    app opens a backend (`RNDD_SEARCH_BACKEND` on `RNDD_INDEX_DIR`)."""
    found = current_app.extensions.get("rndd_search_index")
    if found is None:
        config = current_app.config
        found = current_app.extensions.setdefault(
            "rndd_search_index", open_backend(config["SEARCH_BACKEND"], config["INDEX_DIR"])
        )
    return found


def record_for(doc: Document) -> IndexRecord:
    """What every reader of `doc` may find: published lessons only, and no file of a draft lesson."""
    lessons = access.published_lessons(doc)
    shown = {lesson.id for lesson in lessons}
    return IndexRecord(
        id=doc.id,
        version=doc.version,
        kind=doc.kind,
        title=doc.title,
        summary=doc.summary or "",
        body=html_text(doc.body_html or ""),
        extra="\n\n".join(
            [f"{lesson.title}\n{html_text(lesson.body_html or '')}" for lesson in lessons]
            + [a.text for a in doc.attachments if a.text and (a.lesson_id is None or a.lesson_id in shown)]
        ),
        language=doc.language or "",
        country=doc.country_code,
        topics=[t.slug for t in doc.topics],
        tags=list(doc.tags or []),
        year=doc.year,
        principals=access.document_principals(doc),
        published_at=doc.published_at,
        updated_at=doc.updated_at,
    )


def drain(limit: int | None = None) -> int:
    """Apply pending change-log rows in sequence order; returns how many rows were applied.

    Several changes of one document coalesce into one re-index of its current row; a document
    that is gone (deleted) is removed from the index. With no index yet, one is created and
    the whole log applied. Rows logged after the drain started are left to the drain their
    writer wakes: chasing them cost one more commit each time (every commit makes every worker
    reopen its searcher). Raises IndexUnavailable for a corrupt index or one of another layout
    (`rndd index rebuild` cures it), OSError when the index cannot be read now.
    """
    index = search_index()
    applied = 0
    try:
        upto = changelog.last_seq()
        while limit is None or applied < limit:
            since = index.watermark()
            rows = [row for row in changelog.changes_since(since, BATCH) if row.seq <= upto]
            if not rows:
                break
            last = rows[-1].seq
            try:
                index.apply(_changes(rows), last, since=since, changed_since=partial(_changed_after, last))
            except IndexReplaced:
                continue  # rebuilt or created meanwhile: read again from its watermark
            applied += len(rows)
    finally:
        db.session.rollback()  # release the read snapshot; nothing was written to the database
    return applied


def _changes(rows: list[ChangeLog]) -> list[tuple[int, IndexRecord | None]]:
    """Each document of `rows` as the database holds it now (None: deleted)."""
    ids = list(dict.fromkeys(row.document_id for row in rows))
    # populate_existing: a document this session loaded in an earlier batch may have been
    # changed by another process since; index what the database holds now.
    query = _with_relations(db.select(Document).where(Document.id.in_(ids)))
    query = query.execution_options(populate_existing=True)
    docs = {d.id: d for d in db.session.scalars(query)}
    return [(doc_id, record_for(docs[doc_id]) if doc_id in docs else None) for doc_id in ids]


def _changed_after(seq: int, ids: Collection[int]) -> set[int]:
    """Those of `ids` with a change-log row after `seq`, as committed now (the index asks
    while it holds its writer's lock; see SearchBackend.apply). The rows after `seq` are the
    log's newest, so the primary key finds them without reading the rest."""
    db.session.rollback()  # a fresh snapshot, whatever the isolation level
    query = db.select(ChangeLog.document_id).where(ChangeLog.seq > seq, ChangeLog.document_id.in_(ids))
    return set(db.session.scalars(query.distinct()))


def _with_relations(query: Select) -> Select:
    """Load in bulk what `record_for` needs beyond topics and shares (always loaded so):
    lessons, and attachments with their text."""
    return query.options(
        selectinload(Document.lessons), selectinload(Document.attachments).undefer(Attachment.text)
    )


def all_records() -> Iterator[IndexRecord]:
    query = _with_relations(db.select(Document).order_by(Document.id)).execution_options(yield_per=200)
    for doc in db.session.scalars(query):
        yield record_for(doc)


def rebuild(progress: Callable[[int], None] | None = None, *, wait: bool = True) -> int:
    """Rebuild from the database into a fresh directory, swap, then catch up from the log.

    Waits for a rebuild another process runs, or with `wait=False` raises RebuildRunning.
    """
    watermark = changelog.last_seq()
    search_index().rebuild(all_records(), watermark, progress, wait=wait)
    drain()
    return db.session.scalar(db.select(db.func.count()).select_from(Document)) or 0


def rebuild_in_background() -> None:
    """Start one rebuild in a thread of this process, unless one runs already, here or in
    another process (the index's rebuild lock tells). Searches meanwhile answer that search
    is being rebuilt, and use the new index as soon as it is swapped in."""
    app = current_app._get_current_object()
    with _starting:
        running = app.extensions.get("rndd_index_rebuild")
        if (running is not None and running.is_alive()) or search_index().is_rebuilding():
            return
        thread = threading.Thread(
            target=_rebuild_quietly, args=(app,), name="rndd-index-rebuild", daemon=True
        )
        app.extensions["rndd_index_rebuild"] = thread
        thread.start()


def _rebuild_quietly(app: Flask) -> None:
    with app.app_context():
        log.warning(
            "search index at %s is unusable: rebuilding it from the database", app.config["INDEX_DIR"]
        )
        try:
            log.info("search index rebuilt in the background: %d documents", rebuild(wait=False))
        except RebuildRunning:
            log.info("another process is rebuilding the search index")
        except Exception:  # logged; the next search that finds no usable index starts again
            log.exception("rebuilding the search index in the background failed")


@dataclass
class Report:
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    duplicate: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)

    @property
    def is_clean(self) -> bool:
        return not (self.missing or self.stale or self.duplicate or self.extra)


def verify() -> Report:
    """Compare `(id, version)` in the index and the database."""
    indexed = search_index().entries()
    report = Report()
    for doc_id, version in db.session.execute(db.select(Document.id, Document.version)):
        versions = indexed.pop(doc_id, [])
        if not versions:
            report.missing.append(doc_id)
        elif len(versions) > 1:
            report.duplicate.append(doc_id)
        elif versions[0] != version:
            report.stale.append(doc_id)
    report.extra = sorted(indexed)
    return report


AFTER_DRAIN = "rndd_after_drain"  # app.extensions key: callables run after each drain of this process


def register(app: Flask) -> None:
    """After a request that changed documents, drain: in this process's drain thread, which
    gathers the writes of INDEX_BATCH_SECONDS into one commit, or with 0 right after the
    response, as the request's last act (tests see their writes in search at once)."""

    @app.after_request
    def index_after_response(response):
        if g.get("documents_changed") and app.config["INDEX_AFTER_REQUEST"]:
            response.call_on_close(partial(_after_response, app))
        return response


def _after_response(app: Flask) -> None:
    if app.config["INDEX_BATCH_SECONDS"] > 0:
        batched_drains.wake(app, lambda app: _drain_quietly(app))  # looked up late: tests replace it
    else:
        _drain_quietly(app)


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until this process's drain thread has applied every write so far; see
    `batched_drains.wait_idle`."""
    return batched_drains.wait_idle(current_app._get_current_object(), timeout)


def _drain_quietly(app: Flask) -> None:
    with app.app_context():
        try:
            drain()
            for follower in app.extensions.get(AFTER_DRAIN, ()):
                follower(app)  # followers that need the index to have caught up (notifications)
        except IndexUnavailable as error:  # a search starts the rebuild, which applies them
            log.warning("changes stay in the log: %s", error)
        except Exception:  # the log keeps the change; `rndd index drain` or the next request applies it
            log.exception("applying changes to the search index failed; they stay in the log")
