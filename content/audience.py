"""The audience statement: who can read a document, in plain words (DESIGN section 2)."""

from __future__ import annotations

from dataclasses import dataclass

from content.models import Document
from network.extensions import db
from network.models import Country


@dataclass(frozen=True)
class Audience:
    now: str
    once_published: str
    attachments: str
    federation: str


def _names(codes: list[str]) -> str:
    """The member countries among `codes`, by name ("Indonesia, Japan and Thailand")."""
    names = sorted(c.name for c in db.session.scalars(db.select(Country).where(Country.code.in_(codes))))
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def readers(visibility: str, owner: Country, shared_with: list[str]) -> str:
    """Who may read a published document with this visibility."""
    if visibility == "public":
        return "Everyone on the web, signed in or not."
    if visibility == "network":
        total = db.session.scalar(db.select(db.func.count()).select_from(Country))
        return f"Every signed-in user of the {total} member countries."
    if visibility == "countries":
        return f"Signed-in users of {_names([owner.code, *shared_with])} only."
    return f"Signed-in users of {owner.name} only."


def federation(visibility: str, owner: Country, shared_with: list[str]) -> str:
    if visibility in ("public", "network"):
        return "It is offered to every peer node of the network by federation."
    if visibility == "countries":
        return f"By federation it goes only to peer nodes that host {_names([owner.code, *shared_with])}."
    return "It never leaves this node."


def key(visibility: str, shared: list[str]) -> str:
    """A short name of an audience (`public`, `countries:JP,TH`): what a confirmation showed."""
    return f"{visibility}:{','.join(sorted(shared))}" if visibility == "countries" else visibility


def describe(doc: Document, visibility: str | None = None, shared: list[str] | None = None) -> Audience:
    """The statement for a document as it is, or as it would be with the given audience."""
    visibility = visibility or doc.visibility
    shared = doc.shared_with if shared is None else shared
    owner = doc.country
    later = readers(visibility, owner, shared)
    if doc.status == "published":
        now = later
    elif doc.status == "withdrawn":
        now = f"Withdrawn: only the country admins of {owner.name} can read it."
    else:
        author = doc.author.name if doc.author else "its author"
        now = f"Not published: only {author} and the country admins of {owner.name} can read it."
    return Audience(
        now=now,
        once_published=later,
        attachments="Its attachments and lessons follow the same rule.",
        federation=federation(visibility, owner, shared) if doc.status == "published" or visibility else "",
    )
