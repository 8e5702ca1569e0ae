"""Read-only copies of other nodes' documents, written like local ones: one transaction with
their change-log row, so the index (and everything else following the log) sees them.

A copy keeps the origin's audience (visibility and shared_with); `network/access.py` applies it
to this node's users as to any document. Its HTML is rendered here from the Markdown: the
origin's HTML is never trusted. Nobody here edits a copy (`access.can_edit` refuses them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from content import changelog
from content.attachments import blob_path, storage_name
from content.models import Attachment, Document, DocumentShare, Lesson, Topic
from content.rendering import render_markdown
from content.sniffing import FileType
from federation.models import Received
from network.extensions import db
from network.models import Country, utcnow


class Unplaceable(ValueError):
    """The item names an owner country this node does not know."""


@dataclass(frozen=True)
class FileText:
    """What this node learned from an attachment's bytes on arrival (its type sniffed here)."""

    file_type: FileType
    text: str
    note: str


@dataclass
class Known:
    """This node's countries and topics, read once per pull rather than once per copy."""

    countries: set[str]
    topics: dict[str, Topic]  # by slug, in the order of their names

    @classmethod
    def load(cls) -> Known:
        topics = db.session.scalars(db.select(Topic).order_by(Topic.name))
        return cls(set(db.session.scalars(db.select(Country.code))), {t.slug: t for t in topics})


def apply(payload: dict[str, Any], received: Received | None, texts: dict[str, FileText],
          known: Known) -> tuple[Document, list[str]]:  # fmt: skip
    """Create or update the copy of `payload` (already verified) with its log row; returns it
    and the sha256 of the files it no longer has, to clear once unused."""
    if payload["country"] not in known.countries:
        raise Unplaceable(f"unknown owner country {payload['country']}")
    doc = db.session.get(Document, received.document_id) if received and received.document_id else None
    created = doc is None
    with db.session.no_autoflush:  # one flush for the copy, not one per query it makes
        if doc is None:
            doc = Document(origin_node=payload["origin"], origin_id=payload["uid"], author_id=None,
                           status="published", published_at=utcnow())  # fmt: skip
            doc.shares, doc.lessons, doc.attachments = [], [], []
            db.session.add(doc)
        _set_fields(doc, payload, known)
        _set_lessons(doc, payload["lessons"])
    db.session.flush()
    dropped = _set_attachments(doc, payload["attachments"], texts)
    changelog.record(doc, "created" if created else "updated")
    return doc, dropped


def remove(doc: Document) -> list[str]:
    """Delete a copy with its log row; returns the sha256 of its files, to clear once unused."""
    files = [attachment.sha256 for attachment in doc.attachments]
    changelog.record(doc, "deleted")
    db.session.delete(doc)
    return files


def clear_unused(files: list[str]) -> None:
    """After commit: remove the bytes no attachment refers to any more."""
    for sha256 in set(files):
        if not db.session.scalar(db.select(db.func.count()).where(Attachment.sha256 == sha256)):
            blob_path(sha256).unlink(missing_ok=True)


def _set_fields(doc: Document, payload: dict[str, Any], known: Known) -> None:
    for name in ("kind", "title", "summary", "body_markdown", "language", "tags", "year", "visibility"):
        setattr(doc, name, payload[name])
    rendered = render_markdown(doc.body_markdown)
    doc.body_html, doc.toc = rendered.html, rendered.toc
    doc.country_code, doc.status = payload["country"], "published"
    doc.origin_url, doc.updated_at = payload["url"], utcnow()
    shared = sorted(set(payload["shared_with"]) & known.countries)
    if doc.shared_with != shared:
        doc.shares = [DocumentShare(country_code=code) for code in shared]
    wanted = set(payload["topics"])
    doc.topics = [topic for slug, topic in known.topics.items() if slug in wanted]  # no attribute read
    doc.translation_of = _local_copy(payload["origin"], payload["translations"])
    report = payload.get("report") or {}
    doc.concerns, doc.urgency = report.get("concerns") or None, report.get("urgency")
    doc.sources = list(report.get("sources", []))


def _local_copy(origin: str, uids: list[str]) -> Document | None:
    if not uids:
        return None
    query = db.select(Received.document_id).where(Received.origin == origin, Received.uid == uids[0])
    doc_id = db.session.scalar(query)
    return db.session.get(Document, doc_id) if doc_id else None


def _set_lessons(doc: Document, lessons: list[dict[str, Any]]) -> None:
    """Lessons are matched by position (unique per course), so an update never collides."""
    existing = {lesson.position: lesson for lesson in doc.lessons}
    for entry in lessons:
        lesson = existing.pop(entry["position"], None)
        if lesson is None:
            lesson = Lesson(position=entry["position"])
            doc.lessons.append(lesson)
        lesson.title, lesson.body_markdown = entry["title"], entry["body_markdown"]
        lesson.body_html = render_markdown(entry["body_markdown"]).html
        lesson.updated_at = utcnow()
    for lesson in existing.values():
        doc.lessons.remove(lesson)


def _set_attachments(doc: Document, entries: list[dict[str, Any]], texts: dict[str, FileText]) -> list[str]:
    lessons = {lesson.position: lesson.id for lesson in doc.lessons}
    dropped = [a.sha256 for a in doc.attachments if a.sha256 not in {e["sha256"] for e in entries}]
    for attachment in list(doc.attachments):
        doc.attachments.remove(attachment)
    db.session.flush()
    for entry in entries:
        found = texts[entry["sha256"]]
        doc.attachments.append(Attachment(
            lesson_id=lessons.get(entry.get("lesson")), filename=entry["filename"],
            stored_name=storage_name(entry["filename"], found.file_type), sha256=entry["sha256"],
            size=entry["size"], content_type=found.file_type.content_type,
            text=found.text, extraction_note=found.note[:300],
        ))  # fmt: skip
    return dropped
