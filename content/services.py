"""Document services: every write goes through here, with its revision and change-log row.

Each function takes the acting user first, checks the access policy, and commits one
transaction holding the document, its revision and its change-log row together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from content import change_notes, changelog, fields
from content.models import Document, DocumentShare, Revision
from content.rendering import render_markdown
from network import access, audit
from network.errors import Conflict, Forbidden, Invalid, NotFound
from network.extensions import db
from network.models import utcnow
from search_index.languages import detect_language

CONTENT = ("title", "summary", "body_markdown")
# Fewer letters than this (a title alone) say too little for detection: the country's language.
MIN_LETTERS_TO_DETECT = 20


def get_readable(actor: Any, doc_id: int) -> Document:
    """Raises: NotFound when missing or not readable (the two look the same)."""
    doc = db.session.get(Document, doc_id)
    if not access.can_read(actor, doc):
        raise NotFound()
    return doc


def get_editable(actor: Any, doc_id: int) -> Document:
    """Raises: NotFound (unreadable), Forbidden (readable but not editable)."""
    doc = get_readable(actor, doc_id)
    if not access.can_edit(actor, doc):
        raise Forbidden(_("You may read this document but not edit it."))
    return doc


def get_publishable(actor: Any, doc_id: int) -> Document:
    """For the publishing confirmation, which exists only for those who may publish.

    Raises: NotFound when missing, unreadable, or not the actor's to publish (another country's).
    """
    doc = get_readable(actor, doc_id)
    if not access.can_publish(actor, doc):
        raise NotFound()
    return doc


def _publishable(actor: Any, doc_id: int) -> Document:
    doc = get_readable(actor, doc_id)
    if not access.can_publish(actor, doc):
        raise Forbidden(_("Only the country admins of the owning country publish and withdraw."))
    return doc


def _apply(doc: Document, values: dict[str, Any]) -> set[str]:
    """Set the cleaned values on the document; returns the names that really changed."""
    changed: set[str] = set()
    for name, value in values.items():
        if name == "topics":
            if [t.id for t in doc.topics] != [t.id for t in value]:
                doc.topics = value
                changed.add(name)
        elif name == "shared_with":
            if doc.shared_with != sorted(value):
                doc.shares = [DocumentShare(country_code=code) for code in value]
                changed.add(name)
        elif name == "translation_of":
            if doc.translation_of is not value and value is not doc:
                doc.translation_of = value
                changed.add(name)
        elif getattr(doc, name) != value:
            setattr(doc, name, value)
            changed.add(name)
    if "body_markdown" in changed:
        rendered = render_markdown(doc.body_markdown)
        doc.body_html, doc.toc = rendered.html, rendered.toc
    return changed


def _check_audience(actor: Any, doc: Document, values: dict[str, Any]) -> None:
    """Only admins set the audience, and `shared_with` needs visibility `countries`."""
    wants = {k: values[k] for k in fields.AUDIENCE if k in values}
    differs = ("visibility" in wants and wants["visibility"] != doc.visibility) or (
        "shared_with" in wants and sorted(wants["shared_with"]) != doc.shared_with
    )
    if differs and not access.can_publish(actor, doc):
        raise Forbidden(_("Only country admins set who may read a document."))
    visibility = wants.get("visibility", doc.visibility)
    shared = wants.get("shared_with", doc.shared_with if "visibility" not in wants else [])
    if visibility == "countries" and not shared:
        raise Invalid({"shared_with": _("Choose at least one country to share with.")})
    if visibility != "countries" and shared:
        raise Invalid({"shared_with": _("Sharing with countries needs visibility 'countries'.")})
    values["shared_with"] = shared


def _check_report(doc: Document, values: dict[str, Any]) -> None:
    """A report is filed in a mission's name; its urgency defaults to routine. Other kinds keep
    no report fields."""
    kind = values.get("kind", doc.kind)
    if kind != "report":
        for name in fields.REPORT_FIELDS:
            if values.get(name):
                raise Invalid({name: _("Only mission reports have a mission, urgency and sources.")})
        return
    if values.get("mission", doc.mission if "mission" not in values else None) is None:
        raise Invalid({"mission": _("Choose the mission that files this report.")})
    if not values.get("urgency") and not doc.urgency:
        values["urgency"] = "routine"


def _audience(doc: Document) -> dict[str, Any]:
    return {"visibility": doc.visibility, "shared_with": doc.shared_with}


def _audit_audience(actor: Any, doc: Document, before: dict[str, Any]) -> None:
    """An audit entry when who may read the document changed (the entry follows the change)."""
    after = _audience(doc)
    if after != before:
        audit.record_document(actor, "document.audience_changed", doc, **{"from": before, "to": after})


def _add_revision(actor: Any, doc: Document, note: str = "") -> Revision:
    number = (
        db.session.scalar(db.select(db.func.max(Revision.number)).where(Revision.document_id == doc.id)) or 0
    ) + 1
    revision = Revision(
        document_id=doc.id, number=number, title=doc.title, summary=doc.summary,
        body_markdown=doc.body_markdown, author_id=getattr(actor, "id", None), note=note[:300],
    )  # fmt: skip
    db.session.add(revision)
    return revision


def record_change(actor: Any, doc: Document, note: str, action: str = "updated") -> None:
    """A new version of `doc`, with its history entry and its change-log row, in the caller's
    transaction. Every change that moves the version comes here, once per transaction, so the
    version a reader sees is always the number of history entries (call after the last change
    to the document's row: the flush here is the one that moves the version).
    """
    doc.updated_at = utcnow()
    db.session.flush()
    _add_revision(actor, doc, note)
    changelog.record(doc, action, actor)


@contextmanager
def _saving() -> Iterator[None]:
    """One transaction for the document, its revision and its log row, committed together.

    A row changed by someone else since it was read fails at whichever flush touches it first;
    that is a Conflict. Any failure rolls everything back, so nothing is saved half-way.
    """
    try:
        yield
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict(_("This document was changed by someone else while you were saving.")) from error
    except BaseException:
        db.session.rollback()
        raise


def written_in(values: dict[str, Any], default: str) -> str:
    """The language of a document whose author declared none: by its script where that decides,
    else by py3langid among the region's languages; `default` (the country's) when the text
    is too short to tell. A declared language is never second-guessed."""
    text = "\n".join(values.get(name) or "" for name in CONTENT)
    if sum(char.isalpha() for char in text) < MIN_LETTERS_TO_DETECT:
        return default
    return detect_language(text) or default


def create_document(actor: Any, data: dict[str, Any], publish: bool = False) -> Document:
    """Create a draft (or publish at once when the actor may and asks to).

    Raises:
        Forbidden: the actor may not write documents.
        Invalid: a field is wrong; nothing is saved.
    """
    if not access.can_create(actor):
        raise Forbidden(_("Only contributors and country admins write documents."))
    data = {"kind": "case_study", **data}
    if data.get("language") in (None, ""):
        data.pop("language", None)
    data.setdefault("title", "")
    values, problems = fields.clean(data, actor.country_code, actor)
    if problems:
        raise Invalid(problems)
    if not values.get("language"):  # detection loads a model of about 80 MB into the worker
        values["language"] = written_in(values, actor.country.default_language)
    doc = Document(country_code=actor.country_code, author_id=actor.id, visibility="country", status="draft")
    doc.shares, doc.sources = [], []
    if "visibility" not in values:
        values.pop("shared_with", None)
    _check_report(doc, values)
    _check_audience(actor, doc, values)
    doc.country = actor.country
    _apply(doc, values)
    doc.body_html = doc.body_html or render_markdown(doc.body_markdown or "").html
    if publish:
        if not access.can_publish(actor, doc):
            raise Forbidden(_("Only country admins publish."))
        doc.status, doc.published_at = "published", utcnow()
    with _saving():
        db.session.add(doc)
        db.session.flush()
        _add_revision(actor, doc, "Created and published" if publish else "Created")
        changelog.record(doc, "published" if publish else "created", actor)
        if publish:
            audit.record_document(actor, "document.published", doc, **_audience(doc))
    return doc


def update_document(actor: Any, doc_id: int, version: int, data: dict[str, Any], note: str = "") -> Document:
    """Save an edit based on `version`; a stale version is refused, nothing overwritten.

    Raises:
        NotFound, Forbidden: see `get_editable`.
        Conflict: the document changed since `version` (`details['current_version']`).
        Invalid: a field is wrong; nothing is saved.
    """
    doc = get_editable(actor, doc_id)
    if version != doc.version:
        raise Conflict(
            _(
                "This document was changed by someone else (now version %(current)s, "
                "your edit is based on version %(version)s).",
                current=doc.version,
                version=version,
            ),
            current_version=doc.version,
        )
    unknown = set(data) - set(fields.EDITABLE)
    if unknown:
        raise Invalid({name: _("Unknown field.") for name in sorted(unknown)})
    values, problems = fields.clean(data, doc.country_code, actor)
    if problems:
        raise Invalid(problems)
    if {"visibility", "shared_with"} & set(values):
        _check_audience(actor, doc, values)
    if values.get("translation_of") is doc:
        raise Invalid({"translation_of": _("A document cannot be its own translation.")})
    if doc.kind != "course" and values.get("kind", doc.kind) != "course":
        if values.get("level") or values.get("duration_minutes"):
            raise Invalid({"level": _("Only courses have a level and a duration.")})
    _check_report(doc, values)
    with _saving():
        before, was = _audience(doc), change_notes.snapshot(doc)
        changed = _apply(doc, values)
        if changed:
            audience_changed = bool(changed & set(fields.AUDIENCE))
            what = change_notes.describe(was, change_notes.snapshot(doc))
            record_change(actor, doc, change_notes.joined(note, what),
                          "visibility_changed" if audience_changed else "updated")  # fmt: skip
        _audit_audience(actor, doc, before)
    return doc


def _set_status(
    actor: Any, doc: Document, status: str, action: str, note: str, audience: dict[str, Any] | None = None,
    audited: str | None = None,
) -> Document:  # fmt: skip
    """`note`: the history entry's; `audited`: the audit action this change is recorded under,
    if it is one the log keeps."""
    with _saving():
        before, was = _audience(doc), change_notes.snapshot(doc)
        if audience:
            _apply(doc, audience)
        if status == "published":
            doc.published_at = doc.published_at or utcnow()
        doc.status = status
        what = change_notes.describe(was, change_notes.snapshot(doc))
        record_change(actor, doc, change_notes.joined(note, what), action)
        if audited:
            audit.record_document(actor, audited, doc, **_audience(doc))
            _audit_audience(actor, doc, before)
    return doc


def submit_for_review(actor: Any, doc_id: int) -> Document:
    doc = get_editable(actor, doc_id)
    if doc.status != "draft":
        raise Conflict(_("Only a draft can be submitted for review."))
    return _set_status(actor, doc, "review", "submitted", "Submitted for review")


def return_to_draft(actor: Any, doc_id: int) -> Document:
    doc = get_editable(actor, doc_id)
    if doc.status not in ("review", "withdrawn"):
        raise Conflict(_("Only a document in review or withdrawn goes back to draft."))
    return _set_status(actor, doc, "draft", "returned", "Returned to draft")


def publish(
    actor: Any, doc_id: int, visibility: str | None = None, shared_with: list[str] | None = None
) -> Document:
    """Publish to the given audience (or the one already set).

    Raises: NotFound, Forbidden (not an admin of the owner), Conflict (already published),
    Invalid (bad audience).
    """
    doc = _publishable(actor, doc_id)
    if doc.status == "published":
        raise Conflict(_("This document is already published."))
    audience: dict[str, Any] = {}
    if visibility is not None:
        audience["visibility"] = visibility
    if shared_with is not None:
        audience["shared_with"] = shared_with
    values, problems = fields.clean(audience, doc.country_code, actor)
    if problems:
        raise Invalid(problems)
    _check_audience(actor, doc, values)
    return _set_status(
        actor, doc, "published", "published", "Published", values, audited="document.published"
    )


def unpublish(actor: Any, doc_id: int) -> Document:
    doc = _publishable(actor, doc_id)
    if doc.status != "published":
        raise Conflict(_("Only a published document can be withdrawn."))
    return _set_status(actor, doc, "withdrawn", "unpublished", "Withdrawn", audited="document.withdrawn")


def delete_document(actor: Any, doc_id: int) -> None:
    """Raises: NotFound, Forbidden (admins delete; authors only never-published drafts)."""
    doc = get_readable(actor, doc_id)
    if not access.can_delete(actor, doc):
        raise Forbidden(_("Only country admins delete documents (authors: their own drafts)."))
    translations = db.select(Document).where(Document.translation_of_id == doc.id)
    with _saving():
        changelog.record(doc, "deleted", actor)
        audit.record_document(actor, "document.deleted", doc)
        for translation in db.session.scalars(translations):
            translation.translation_of = None
            record_change(actor, translation, f"Translation of: {doc.id} → — (that document was deleted)")
        db.session.delete(doc)
