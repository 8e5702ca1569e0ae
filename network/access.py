"""The one access policy: who may read, edit and publish which document.

Everything is derived from *principals*, labels shared by documents and users:

    public          anyone
    network         any signed-in user of a member country
    country:XX      signed-in users of country XX
    user:42         user 42 (the author of a draft)
    admins:XX       the country admins of XX

A user may read a document when the two label sets meet. `can_read` intersects them in Python,
`visible_documents` builds the same test as a SQL clause, and the search index stores
`document_principals` and filters by `user_principals`, so the three cannot drift apart.
A user with no matching label sees nothing (fail closed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from content.models import Document, DocumentShare, Lesson
from network.audit import AuditEntry

PUBLIC = "public"
NETWORK = "network"
EDITABLE_BY_AUTHOR = ("draft", "review")
ADMIN_ONLY_STATUSES = ("draft", "review", "withdrawn")


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def user_principals(user: Any) -> set[str]:
    """Labels the user holds; anonymous and deactivated users hold `public` only."""
    if not _signed_in(user):
        return {PUBLIC}
    labels = {PUBLIC, NETWORK, f"country:{user.country_code}", f"user:{user.id}"}
    if user.role == "country_admin":
        labels.add(f"admins:{user.country_code}")
    return labels


def document_principals(doc: Document) -> set[str]:
    """Labels a reader needs one of; the table in docs/architecture.md."""
    owner = doc.country_code
    if doc.status == "published":
        if doc.visibility == PUBLIC:
            return {PUBLIC}
        if doc.visibility == NETWORK:
            return {NETWORK}
        if doc.visibility == "countries":
            return {f"country:{owner}"} | {f"country:{code}" for code in doc.shared_with}
        if doc.visibility == "country":
            return {f"country:{owner}"}
        return set()
    if doc.status in EDITABLE_BY_AUTHOR:
        labels = {f"admins:{owner}"}
        if doc.author_id is not None:
            labels.add(f"user:{doc.author_id}")
        return labels
    if doc.status == "withdrawn":
        return {f"admins:{owner}"}
    return set()


def _principal_clause(label: str) -> ColumnElement[bool]:
    """SQL for "the document carries this label", mirroring `document_principals`."""
    published = Document.status == "published"
    kind, _, value = label.partition(":")
    if label == PUBLIC:
        return and_(published, Document.visibility == PUBLIC)
    if label == NETWORK:
        return and_(published, Document.visibility == NETWORK)
    if kind == "country":
        owned = and_(Document.visibility.in_(("countries", "country")), Document.country_code == value)
        shared = and_(
            Document.visibility == "countries",
            Document.shares.any(DocumentShare.country_code == value),
        )
        return and_(published, or_(owned, shared))
    if kind == "user":
        return and_(Document.status.in_(EDITABLE_BY_AUTHOR), Document.author_id == int(value))
    if kind == "admins":
        return and_(Document.status.in_(ADMIN_ONLY_STATUSES), Document.country_code == value)
    return false()


def visible_documents(user: Any) -> ColumnElement[bool]:
    """A WHERE clause matching exactly the documents `can_read` allows."""
    clauses = [_principal_clause(label) for label in sorted(user_principals(user))]
    return or_(false(), *clauses)


def can_read(user: Any, doc: Document | None) -> bool:
    return doc is not None and labels_meet(user_principals(user), document_principals(doc))


def labels_meet(user_labels: set[str], doc_labels: set[str]) -> bool:
    """`can_read` on label sets computed once, for a follower deciding for many readers."""
    return bool(user_labels & doc_labels)


def _is_admin_of(user: Any, country_code: str) -> bool:
    return _signed_in(user) and user.role == "country_admin" and user.country_code == country_code


def can_create(user: Any) -> bool:
    """Contributors and country admins write documents for their own country."""
    return _signed_in(user) and user.role in ("contributor", "country_admin")


def can_edit(user: Any, doc: Document) -> bool:
    """Country admins edit all their country's documents; authors their own drafts."""
    if not can_read(user, doc) or doc.origin_node:
        return False
    if _is_admin_of(user, doc.country_code):
        return True
    return (
        can_create(user)
        and doc.author_id == user.id
        and doc.country_code == user.country_code
        and doc.status in EDITABLE_BY_AUTHOR
    )


def can_publish(user: Any, doc: Document) -> bool:
    """Publishing, withdrawing and setting the audience belong to the owner's admins, and to
    the author of a mission report where the country lets contributors publish reports."""
    if not can_read(user, doc) or doc.origin_node:
        return False
    return _is_admin_of(user, doc.country_code) or _publishes_own_report(user, doc)


def _publishes_own_report(user: Any, doc: Document) -> bool:
    return (
        doc.kind == "report"
        and can_create(user)
        and doc.author_id == user.id
        and doc.country_code == user.country_code
        and bool(doc.country and doc.country.reports_published_directly)
    )


def can_publish_new_report(user: Any) -> bool:
    """Whether a report this user files now may be published at once (the same rule as above,
    before the report exists)."""
    if _is_admin_of(user, getattr(user, "country_code", "")):
        return True
    return can_create(user) and bool(user.country and user.country.reports_published_directly)


def can_manage_missions(user: Any, country_code: str) -> bool:
    """A country's missions, and whether its contributors publish reports directly, are its
    admins' to decide."""
    return _is_admin_of(user, country_code)


def can_delete(user: Any, doc: Document) -> bool:
    """Admins delete any of their country's documents; authors their never-published drafts."""
    if can_publish(user, doc):
        return True
    return can_edit(user, doc) and doc.status == "draft" and doc.published_at is None


def can_see_history(user: Any, doc: Document) -> bool:
    """Revisions go to the owning country's contributors and admins only (docs/architecture.md)."""
    return can_read(user, doc) and can_create(user) and user.country_code == doc.country_code


def _writes_for(user: Any, country_code: str) -> bool:
    return can_create(user) and user.country_code == country_code


def can_add_lesson(user: Any, course: Document) -> bool:
    """Who edits the course adds lessons; to a published course, every contributor of its
    country too (the lesson starts as a draft, so nothing reaches readers unreviewed)."""
    if can_edit(user, course):
        return True
    return (
        can_read(user, course) and not course.origin_node and course.kind == "course"
        and course.status == "published" and _writes_for(user, course.country_code)
    )  # fmt: skip


def can_edit_lesson(user: Any, lesson: Lesson) -> bool:
    """Course editors edit every lesson; the country's contributors its draft and review ones."""
    course = lesson.document
    if can_edit(user, course):
        return True
    return can_add_lesson(user, course) and lesson.status in EDITABLE_BY_AUTHOR


def can_publish_lesson(user: Any, lesson: Lesson) -> bool:
    """Publishing a lesson, and taking it back to draft, belong to the course's admins."""
    return can_publish(user, lesson.document)


def can_read_lesson(user: Any, lesson: Lesson | None) -> bool:
    """A published lesson reads as its course; a draft or one in review only to its writers."""
    if lesson is None or not can_read(user, lesson.document):
        return False
    return lesson.status == "published" or can_edit_lesson(user, lesson) or can_publish_lesson(user, lesson)


def readable_lessons(user: Any, course: Document) -> list[Lesson]:
    """The course's lessons `user` may read, in order (their place among these is their number)."""
    return [lesson for lesson in course.lessons if can_read_lesson(user, lesson)]


def published_lessons(course: Document) -> list[Lesson]:
    """What every reader of the course sees: the index and the federation feed carry these only."""
    return [lesson for lesson in course.lessons if lesson.status == "published"]


def can_manage_users(user: Any, country_code: str) -> bool:
    return _is_admin_of(user, country_code)


def can_set_role(user: Any, account: Any) -> bool:
    """Roles are given by the account's own country admins only, never by the network admin."""
    return can_manage_users(user, account.country_code)


def can_manage_countries(user: Any) -> bool:
    return _signed_in(user) and user.role == "network_admin"


def can_manage_glossary(user: Any) -> bool:
    """The glossary serves every member's searches: the network admin keeps it."""
    return _signed_in(user) and user.role == "network_admin"


def can_manage_accounts(user: Any) -> bool:
    """The network admin sees every account, creates a country's first admin, (de)activates."""
    return _signed_in(user) and user.role == "network_admin"


def can_set_active(user: Any, account: Any) -> bool:
    """Country admins (de)activate their country's users; the network admin any account."""
    return can_manage_users(user, account.country_code) or can_manage_accounts(user)


def can_see_audit(user: Any) -> bool:
    return _signed_in(user) and user.role in ("country_admin", "network_admin")


def audit_entries_visible(user: Any) -> ColumnElement[bool]:
    """A WHERE clause on the audit log: country admins see their country's entries, the network
    admin all of them, everyone else none (fail closed)."""
    if can_manage_accounts(user):
        return true()
    if _signed_in(user) and user.role == "country_admin":
        return AuditEntry.country_code == user.country_code
    return false()


def audit_title_shown(user: Any, entry: Any, doc: Document | None) -> bool:
    """May `user` see the title an entry they can see carries?

    A document entry shows its title only to who may read the document now; `doc` is the
    document the entry names, or None when it is gone. A document created after the entry is
    another one that reuses the id (SQLite does that), so it counts as gone. Without the
    document, the title shows when the entry was not marked restricted, or to the admins of
    its country (who could read every one of their country's documents).
    """
    if entry.object_type == "document" and doc is not None and doc.created_at <= entry.created_at:
        return can_read(user, doc)
    return not entry.restricted or _is_admin_of(user, entry.country_code or "")


FEDERATED_VISIBILITIES = ("public", "network", "countries")


def peer_may_receive(doc: Document, peer_countries: set[str]) -> bool:
    """May a peer node hosting `peer_countries` hold a copy of `doc` now? (docs/federation.md)

    Only this node's own published `public`, `network` and `countries` documents travel, a
    `countries` one only to a peer hosting the owner or a country it is shared with; copies
    received from other nodes are never passed on.
    """
    if doc.origin_node or doc.status != "published" or doc.visibility not in FEDERATED_VISIBILITIES:
        return False
    if doc.visibility == "countries":
        return bool(({doc.country_code} | set(doc.shared_with)) & peer_countries)
    return True


def can_manage_peers(user: Any) -> bool:
    """Peers are the network secretariat's: registering one decides what leaves this node."""
    return _signed_in(user) and user.role == "network_admin"
