"""Feeding the search index from the change log (DESIGN section 4).

The database is the truth: the index only ever follows `change_log` by sequence number and
keeps its watermark inside itself, so it can be dropped and rebuilt at any time. Web requests
never open a writer while they run; the rows they committed are applied after the response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask import Flask, current_app, g
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from content import changelog
from content.models import Attachment, Document
from content.rendering import html_text
from network import access
from network.extensions import db
from search_index import IndexRecord, SearchIndex

log = logging.getLogger("rndd.index")
BATCH = 500


def search_index(heal: bool = True) -> SearchIndex:
    """This process's index, with its searcher kept open between requests.

    On first use in a process a missing or unreadable index, or one built with another field
    layout (an older version), is rebuilt from the database.
    """
    found = current_app.extensions.get("rndd_search_index")
    if found is None:
        found = SearchIndex(current_app.config["INDEX_DIR"])
        if heal:
            _heal(found)
        current_app.extensions["rndd_search_index"] = found
    return found


def _heal(index: SearchIndex) -> None:
    try:
        healthy = index.exists() and index.watermark() >= 0
    except Exception:  # noqa: BLE001 - whatever fails to open, the database can rebuild
        healthy = False
    if not healthy:
        log.warning(
            "search index at %s is missing, unreadable or of another layout: rebuilding it from the database",
            current_app.config["INDEX_DIR"],
        )
        index.rebuild(all_records(), changelog.last_seq())


def record_for(doc: Document) -> IndexRecord:
    return IndexRecord(
        id=doc.id,
        version=doc.version,
        kind=doc.kind,
        title=doc.title,
        summary=doc.summary or "",
        body=html_text(doc.body_html or ""),
        extra="\n\n".join(
            [f"{lesson.title}\n{html_text(lesson.body_html or '')}" for lesson in doc.lessons]
            + [attachment.text for attachment in doc.attachments if attachment.text]
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
    that is gone (deleted) is removed from the index.
    """
    index = search_index()
    applied = 0
    while limit is None or applied < limit:
        rows = changelog.changes_since(index.watermark(), BATCH)
        if not rows:
            break
        ids = list(dict.fromkeys(row.document_id for row in rows))
        # populate_existing: a document this session loaded in an earlier batch may have been
        # changed by another process since; index what the database holds now.
        query = _with_relations(db.select(Document).where(Document.id.in_(ids)))
        query = query.execution_options(populate_existing=True)
        docs = {d.id: d for d in db.session.scalars(query)}
        changes = [(doc_id, record_for(docs[doc_id]) if doc_id in docs else None) for doc_id in ids]
        index.apply(changes, rows[-1].seq)
        applied += len(rows)
    db.session.rollback()  # release the read snapshot; nothing was written to the database
    return applied


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


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild from the database into a fresh directory, swap, then catch up from the log."""
    watermark = changelog.last_seq()
    search_index(heal=False).rebuild(all_records(), watermark, progress)
    drain()
    return db.session.scalar(db.select(db.func.count()).select_from(Document)) or 0


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


def register(app: Flask) -> None:
    @app.after_request
    def index_after_response(response):
        if g.get("documents_changed") and app.config["INDEX_AFTER_REQUEST"]:
            response.call_on_close(lambda: _drain_quietly(app))
        return response


def _drain_quietly(app: Flask) -> None:
    with app.app_context():
        try:
            drain()
        except Exception:  # the log keeps the change; `rndd index drain` or the next request applies it
            log.exception("applying changes to the search index failed; they stay in the log")
