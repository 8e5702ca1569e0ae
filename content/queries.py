"""Read-side queries: every listing is filtered by `access.visible_documents`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from content.models import Document, Lesson, Topic
from network import access, paging
from network.extensions import db

Page = paging.Page  # of Document


def _filtered(actor: Any, filters: dict[str, Any]) -> Select:
    query = db.select(Document).where(access.visible_documents(actor))
    if filters.get("published_only"):
        query = query.where(Document.status == "published")
    if filters.get("status"):
        query = query.where(Document.status == filters["status"])
    if filters.get("kind"):
        query = query.where(Document.kind == filters["kind"])
    if filters.get("country"):
        query = query.where(Document.country_code == filters["country"].upper())
    if filters.get("language"):
        query = query.where(Document.language == filters["language"])
    if filters.get("topic"):
        query = query.where(Document.topics.any(Topic.slug == filters["topic"]))
    if filters.get("mission"):
        query = query.where(Document.mission_id == filters["mission"])
    if filters.get("concerns"):
        query = query.where(db.func.lower(Document.concerns) == filters["concerns"].lower())
    if filters.get("urgency"):
        query = query.where(Document.urgency == filters["urgency"])
    return query


def documents(actor: Any, page: int = 1, per_page: int = 20, **filters: Any) -> Page:
    """Readable documents, newest first (by publication, then by last change)."""
    query = _filtered(actor, filters)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery())) or 0
    newest = query.order_by(
        db.func.coalesce(Document.published_at, Document.updated_at).desc(), Document.id.desc()
    )
    items = db.session.scalars(newest.limit(per_page).offset((page - 1) * per_page)).unique()
    return Page(list(items), total, page, per_page)


def my_drafts(actor: Any) -> list[Document]:
    query = (
        db.select(Document)
        .where(access.visible_documents(actor))
        .where(Document.author_id == actor.id, Document.status.in_(("draft", "review")))
        .order_by(Document.updated_at.desc())
    )
    return list(db.session.scalars(query).unique())


def review_queue(actor: Any) -> list[Document]:
    """Documents awaiting the actor's decision as country admin (empty for anyone else)."""
    if actor.role != "country_admin":
        return []
    query = (
        db.select(Document)
        .where(access.visible_documents(actor))
        .where(Document.country_code == actor.country_code, Document.status == "review")
        .order_by(Document.updated_at)
    )
    return list(db.session.scalars(query).unique())


def lessons_in_review(actor: Any) -> list[Lesson]:
    """Lessons of the actor's country's courses submitted for review (empty for non-admins)."""
    if actor.role != "country_admin":
        return []
    query = (
        db.select(Lesson).join(Document, Lesson.document_id == Document.id)
        .where(Document.country_code == actor.country_code, Document.origin_node.is_(None))
        .where(Lesson.status == "review")
        .order_by(Lesson.updated_at)
    )  # fmt: skip
    return [lesson for lesson in db.session.scalars(query) if access.can_publish_lesson(actor, lesson)]


def withdrawn(actor: Any) -> list[Document]:
    query = (
        db.select(Document)
        .where(access.visible_documents(actor))
        .where(Document.status == "withdrawn", Document.country_code == actor.country_code)
        .order_by(Document.updated_at.desc())
    )
    return list(db.session.scalars(query).unique())


def translations(actor: Any, doc: Document) -> list[Document]:
    """The readable documents of the same translation group, this one included."""
    root = doc.translation_root_id
    query = (
        db.select(Document)
        .where(access.visible_documents(actor))
        .where((Document.id == root) | (Document.translation_of_id == root))
        .order_by(Document.language)
    )
    return list(db.session.scalars(query).unique())


def topics() -> list[Topic]:
    return list(db.session.scalars(db.select(Topic).order_by(Topic.name)))
