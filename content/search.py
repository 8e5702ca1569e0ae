"""Searching documents for a user: the index filters by principals, the database re-checks.

The index answers with hits, totals, facets and snippets computed only over documents the
user's principals may read. The page's hits are then loaded through `visible_documents`, so a
document whose audience was narrowed a moment ago drops out at once, even before the indexer
has applied that change (which is then applied right after the response).

Without a usable index search degrades, it never fails: it answers 503 `index_unavailable`
(the page shows a notice) while one rebuild runs in the background, and serves again as soon
as the new index is in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from content import indexing
from content.glossary import current_glossary
from content.models import KINDS, LANGUAGES, Document
from network import access
from network.errors import DomainError
from network.extensions import db
from search_index import FACET_FIELDS, Hit, IndexUnavailable, QueryError, Vocabulary

log = logging.getLogger("rndd.index")


class BadQuery(DomainError):
    status, code = 400, "bad_query"


class SearchUnavailable(DomainError):
    """No usable index (being rebuilt), or one that cannot be read at the moment."""

    status, code = 503, "index_unavailable"
    default_message = _l("Search is being rebuilt. Please try again in a minute.")
    retry_after = 30


@dataclass
class Found:
    total: int
    page: int
    per_page: int
    items: list[tuple[Document, Hit]]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(
    actor: Any, q: str, filters: dict[str, list[str]] | None = None, *, sort: str = "relevance",
    page: int = 1, per_page: int = 20, language: str | None = None,
) -> Found:  # fmt: skip
    """Raises: BadQuery with a message that shows the syntax (or what paging and sort allow);
    SearchUnavailable without a usable index (starting its rebuild) or on an I/O error (which
    rebuilds nothing: it may pass, and the index may be fine)."""
    try:
        result = indexing.search_index().search(
            q, access.user_principals(actor), filters=filters or {}, sort=sort, page=page,
            per_page=per_page, language=language, glossary=current_glossary(), vocabulary=vocabulary(),
        )  # fmt: skip
    except QueryError as error:
        raise BadQuery(str(error)) from error
    except IndexUnavailable as error:
        indexing.rebuild_in_background()
        raise SearchUnavailable() from error
    except OSError as error:
        log.exception("the search index could not be read; nothing is rebuilt for this")
        raise SearchUnavailable(_("Search is unavailable for a moment. Please try again shortly.")) from error
    ids = [hit.id for hit in result.hits]
    query = db.select(Document).where(access.visible_documents(actor), Document.id.in_(ids))
    docs = {doc.id: doc for doc in db.session.scalars(query).unique()} if ids else {}
    items = [(docs[hit.id], hit) for hit in result.hits if hit.id in docs]
    if len(items) < len(ids):
        g.documents_changed = True  # the index is behind the log: catch up after this response
    return Found(result.total, result.page, result.per_page, items, result.facets, result.suggestion)


def vocabulary() -> Vocabulary:
    """The countries, kinds and languages a query may filter by, from the database and the
    models: a country the network admin adds is a valid filter at once. The countries are
    read only when a query or filter names one."""
    from network.models import Country

    def countries() -> list[str]:
        return list(db.session.scalars(db.select(Country.code)))

    return Vocabulary(countries=countries, kinds=KINDS, languages=LANGUAGES)


def filters_from(args: Any) -> dict[str, list[str]]:
    """Facet filters from a query string (`country=ID&country=TH`), each value checked.

    The countries and topics are read only when the query string filters by them: most
    searches filter by nothing, and would pay two queries for it.

    Raises: BadQuery naming the unknown value and what is allowed.
    """
    from content.models import Topic
    from network.models import Country

    known = {
        "kind": lambda: set(KINDS),
        "language": lambda: set(LANGUAGES),
        "country": lambda: set(db.session.scalars(db.select(Country.code))),
        "topic": lambda: set(db.session.scalars(db.select(Topic.slug))),
    }
    filters: dict[str, list[str]] = {}
    for name in FACET_FIELDS:
        values = [v.strip() for v in args.getlist(name) if v.strip()]
        if name == "country":
            values = [v.upper() for v in values]
        allowed = known[name]() if values and name in known else None
        for value in values:
            if name == "year" and not (value.isdigit() and len(value) == 4):
                raise BadQuery(f"year must be a four-digit year, not {value[:20]!r}.")
            if allowed is not None and value not in allowed:
                raise BadQuery(
                    _(
                        "Unknown %(name)s %(value)r; use one of %(choices)s.",
                        name=name,
                        value=value[:40],
                        choices=", ".join(sorted(allowed)),
                    )
                )
        if values:
            filters[name] = values
    return filters
