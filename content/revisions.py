"""Revision history: listing, line diffs between any two versions, restore."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from content import services
from content.models import Document, Revision
from network import access
from network.errors import NotFound
from network.extensions import db


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def _history_document(actor: Any, doc_id: int) -> Document:
    """History is for the owning country's writers; to anyone else it does not exist."""
    doc = services.get_readable(actor, doc_id)
    if not access.can_see_history(actor, doc):
        raise NotFound()
    return doc


def history(actor: Any, doc_id: int) -> tuple[Document, list[Revision]]:
    doc = _history_document(actor, doc_id)
    revisions = db.session.scalars(
        db.select(Revision).where(Revision.document_id == doc.id).order_by(Revision.number.desc())
    )
    return doc, list(revisions)


def get_revision(actor: Any, doc_id: int, number: int) -> Revision:
    doc = _history_document(actor, doc_id)
    revision = db.session.scalar(
        db.select(Revision).where(Revision.document_id == doc.id, Revision.number == number)
    )
    if revision is None:
        raise NotFound(_("No such revision."))
    return revision


def _text(revision: Revision) -> list[str]:
    return [f"# {revision.title}", "", *revision.summary.splitlines(), "",
            *revision.body_markdown.splitlines()]  # fmt: skip


def diff(old: Revision, new: Revision) -> list[DiffLine]:
    """A line diff of title, summary and body; templates escape every line."""
    lines: list[DiffLine] = []
    for line in difflib.ndiff(_text(old), _text(new)):
        tag, text = line[:2], line[2:]
        if tag == "? ":
            continue
        kind = {"+ ": "added", "- ": "removed"}.get(tag, "same")
        lines.append(DiffLine(kind, text))
    return lines


def restore(actor: Any, doc_id: int, number: int, version: int) -> Document:
    """Bring back an earlier revision's text as a new revision (nothing is rewritten).

    Raises: NotFound, Forbidden, Conflict as `services.update_document`.
    """
    revision = get_revision(actor, doc_id, number)
    data = {"title": revision.title, "summary": revision.summary,
            "body_markdown": revision.body_markdown}  # fmt: skip
    return services.update_document(actor, doc_id, version, data, note=f"Restored revision {revision.number}")
