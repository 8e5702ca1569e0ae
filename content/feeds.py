"""Atom feeds (RFC 4287): the latest public documents, per country and per topic, and a private
feed per user behind a revocable key.

Every feed lists documents through `queries.documents`, so `access.visible_documents` decides
what appears: public feeds ask as an anonymous visitor, the private feed as its owner. Entries
carry the summary and a link, never the body, so a feed reader's cache holds no full text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 -- builds XML, parses nothing
from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from flask_babel import gettext as _

from content import queries
from content.models import Document, Topic
from content.serializers import iso
from network.errors import NotFound
from network.extensions import db
from network.identity import Anonymous
from network.models import Country, User, utcnow
from network.urls import external_url

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50
# Characters XML 1.0 cannot carry at all; a stray one would make the whole feed unreadable.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ET.register_namespace("", ATOM)


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = _text(text)
    return element


def _timestamp(value: datetime | None) -> str:
    return iso(value or utcnow()) or ""


def _entry(feed: ET.Element, doc: Document) -> None:
    entry = _add(feed, "entry")
    page = external_url("content.document", doc_id=doc.id)
    _add(entry, "id", page)
    _add(entry, "title", doc.title)
    _add(entry, "updated", _timestamp(doc.updated_at))
    if doc.published_at:
        _add(entry, "published", _timestamp(doc.published_at))
    _add(entry, "link", rel="alternate", type="text/html", href=page, hreflang=doc.language)
    author = _add(entry, "author")
    _add(author, "name", doc.author.name if doc.author else doc.country.ministry)
    for topic in doc.topics:
        _add(entry, "category", term=topic.slug, label=_text(topic.name))
    _add(entry, "summary", doc.summary or doc.title, type="text")


def atom(title: str, self_url: str, docs: list[Document], private: bool = False) -> Response:
    """One feed document; `updated` is the newest entry's (or now, for an empty feed)."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", self_url)
    _add(feed, "title", f"RNDD Hub: {title}")
    _add(feed, "updated", _timestamp(max((d.updated_at for d in docs), default=None)))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=external_url("content.home"))
    _add(_add(feed, "author"), "name", "RNDD Hub")
    _add(feed, "generator", "RNDD Hub")
    for doc in docs:
        _entry(feed, doc)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _latest(reader: Any, **filters: Any) -> list[Document]:
    return queries.documents(reader, page=1, per_page=ENTRIES, published_only=True, **filters).items


@bp.get("/latest.atom")
def latest():
    return atom("latest public documents", external_url(".latest"), _latest(Anonymous()))


@bp.get("/countries/<code>.atom")
def country(code: str):
    found = db.session.get(Country, code.upper())
    if found is None:
        raise NotFound(_("No such country."))
    self_url = external_url(".country", code=found.code)
    return atom(f"public documents of {found.name}", self_url, _latest(Anonymous(), country=found.code))


@bp.get("/topics/<slug>.atom")
def topic(slug: str):
    found = db.session.scalar(db.select(Topic).where(Topic.slug == slug))
    if found is None:
        raise NotFound(_("No such topic."))
    self_url = external_url(".topic", slug=found.slug)
    return atom(f"public documents on {found.name}", self_url, _latest(Anonymous(), topic=found.slug))


@bp.get("/private/<key>.atom")
def private(key: str):
    """The key is the credential: a revoked key, or one of a deactivated user, finds nothing."""
    owner = db.session.scalar(db.select(User).where(User.feed_key == key)) if len(key) >= 32 else None
    if owner is None or not owner.active:
        raise NotFound()
    docs = _latest(owner)
    return atom(f"latest for {owner.name}", external_url(".private", key=key), docs, private=True)
