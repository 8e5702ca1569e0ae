"""The audience statement: who can read a document, in plain words (docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from content.models import Document
from network import i18n
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
    rows = db.session.scalars(db.select(Country).where(Country.code.in_(codes)))
    names = sorted(i18n.country_name(c.code, c.name) for c in rows)
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])


def readers(visibility: str, owner: Country, shared_with: list[str]) -> str:
    """Who may read a published document with this visibility."""
    if visibility == "public":
        return _("Everyone on the web, signed in or not.")
    if visibility == "network":
        total = db.session.scalar(db.select(db.func.count()).select_from(Country))
        return _("Every signed-in user of the %(total)s member countries.", total=total)
    if visibility == "countries":
        return _("Signed-in users of %(countries)s only.", countries=_names([owner.code, *shared_with]))
    return _("Signed-in users of %(country)s only.", country=i18n.country_name(owner.code, owner.name))


def federation(visibility: str, owner: Country, shared_with: list[str]) -> str:
    if visibility in ("public", "network"):
        return _("It is offered to every peer node of the network by federation.")
    if visibility == "countries":
        return _(
            "By federation it goes only to peer nodes that host %(countries)s.",
            countries=_names([owner.code, *shared_with]),
        )
    return _("It never leaves this node.")


def key(visibility: str, shared: list[str]) -> str:
    """A short name of an audience (`public`, `countries:JP,TH`): what a confirmation showed."""
    return f"{visibility}:{','.join(sorted(shared))}" if visibility == "countries" else visibility


def describe(doc: Document, visibility: str | None = None, shared: list[str] | None = None) -> Audience:
    """The statement for a document as it is, or as it would be with the given audience."""
    visibility = visibility or doc.visibility
    shared = doc.shared_with if shared is None else shared
    owner = doc.country
    country = i18n.country_name(owner.code, owner.name)
    later = readers(visibility, owner, shared)
    if doc.status == "published":
        now = later
    elif doc.status == "withdrawn":
        now = _("Withdrawn: only the country admins of %(country)s can read it.", country=country)
    else:
        author = doc.author.name if doc.author else _("its author")
        now = _(
            "Not published: only %(author)s and the country admins of %(country)s can read it.",
            author=author,
            country=country,
        )
    return Audience(
        now=now,
        once_published=later,
        attachments=_("Its attachments and lessons follow the same rule."),
        federation=federation(visibility, owner, shared) if doc.status == "published" or visibility else "",
    )
