"""Documents as JSON, with the names of the API (docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from content.models import Document
from network import access
from network.urls import external_url


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def document_summary(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "url": external_url("content.document", doc_id=doc.id),
        "kind": doc.kind,
        "title": doc.title,
        "summary": doc.summary,
        "language": doc.language,
        "country": doc.country_code,
        "author": {"id": doc.author.id, "name": doc.author.name} if doc.author else None,
        "topics": [t.slug for t in doc.topics],
        "tags": list(doc.tags or []),
        "year": doc.year,
        "visibility": doc.visibility,
        "shared_with": doc.shared_with,
        "status": doc.status,
        "version": doc.version,
        "created_at": iso(doc.created_at),
        "updated_at": iso(doc.updated_at),
        "published_at": iso(doc.published_at),
        "origin": (
            {"node": doc.origin_node, "id": doc.origin_id, "url": doc.origin_url} if doc.origin_node else None
        ),
    }


def document_full(doc: Document, viewer: Any) -> dict[str, Any]:
    """The document as `viewer` may read it: a course lists the lessons they may read, numbered
    among those (a reader's list has no gap where a draft is), with their status."""
    data = document_summary(doc)
    data["body_markdown"] = doc.body_markdown
    data["body_html"] = doc.body_html
    data["translation_of"] = doc.translation_of_id
    shown = access.readable_lessons(viewer, doc) if doc.kind == "course" else []
    shown_ids = {lesson.id for lesson in shown}
    data["attachments"] = [
        {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
         "url": external_url("course_api.download", attachment_id=a.id)}
        for a in doc.attachments if a.lesson_id is None or a.lesson_id in shown_ids
    ]  # fmt: skip
    if doc.kind == "report":
        data.update(report_fields(doc))
    if doc.kind == "course":
        data["lessons"] = [
            {"id": lesson.id, "title": lesson.title, "position": number, "status": lesson.status}
            for number, lesson in enumerate(shown, 1)
        ]
        data["level"], data["duration_minutes"] = doc.level, doc.duration_minutes
    return data


def report_fields(doc: Document) -> dict[str, Any]:
    mission = doc.mission
    return {
        "mission": {"id": mission.id, "name": mission.name} if mission else None,
        "concerns": doc.concerns,
        "urgency": doc.urgency,
        "sources": list(doc.sources or []),
    }


def mission_json(mission: Any) -> dict[str, Any]:
    return {"id": mission.id, "country": mission.country_code, "name": mission.name, "city": mission.city,
            "posted_in": mission.posted_in, "active": mission.active}  # fmt: skip
