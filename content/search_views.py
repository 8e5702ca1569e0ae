"""The search page and `GET /api/v1/search`."""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response, render_template, request
from flask_login import current_user

from content.models import KINDS, LANGUAGES, Topic
from content.search import BadQuery, SearchUnavailable, filters_from, search
from network import i18n
from network.api import paging
from network.extensions import db
from network.models import Country

bp = Blueprint("search", __name__, template_folder="templates")

EXAMPLES = [
    ("citizen protection", "both words, in any order"),
    ('"crisis communication"', "an exact phrase"),
    ("diplomasi OR diplomacy", "either word"),
    ("negotiation -trade", "leave out documents with a word"),
    ("negoti*", "words that start with it"),
    ("diplomcy~", "close spellings"),
    ("portal country:ID year:[2019 TO 2021]", "filter by country, kind, topic, language or year"),
]


def facet_names() -> dict[str, dict[str, str]]:
    """Readable labels for facet values (codes and slugs stay in the URLs)."""
    return {
        "country": {
            code: i18n.country_name(code, name)
            for code, name in db.session.execute(db.select(Country.code, Country.name))
        },
        "topic": {slug: name for slug, name in db.session.execute(db.select(Topic.slug, Topic.name))},
        "language": {code: i18n.language_name(code, name) for code, name in LANGUAGES.items()},
        "kind": {k: str(v) for k, v in KINDS.items()},
    }


def _run():
    page, per_page = paging()
    return search(
        current_user, request.args.get("q", ""), filters_from(request.args),
        sort=request.args.get("sort", "relevance"), page=page, per_page=per_page,
        language=request.args.get("lang") or None,
    )  # fmt: skip


@bp.route("/search")
def search_page():
    query = request.args.get("q", "").strip()
    filters, found, problem, unavailable = {}, None, None, None
    if query or any(request.args.getlist(name) for name in ("kind", "country", "topic", "language", "year")):
        try:
            filters = filters_from(request.args)
            found = _run()
        except BadQuery as error:
            problem = error.message
        except SearchUnavailable as error:
            unavailable = error
    response = make_response(render_template(
        "content/search.html", query=query, found=found, filters=filters, problem=problem,
        unavailable=unavailable and unavailable.message, examples=EXAMPLES,
        sort=request.args.get("sort", "relevance"), names=facet_names(),
    ), 503 if unavailable else 400 if problem else 200)  # fmt: skip
    if unavailable:
        response.headers["Retry-After"] = str(unavailable.retry_after)
    return response


api = Blueprint("search_api", __name__, url_prefix="/api/v1")


@api.get("/search")
def search_api():
    """Full-text search over what the caller may read; hits, counts and facets are filtered alike.
    ---
    operationId: search
    summary: Search documents
    tags: [search]
    parameters:
      - {name: q, in: query, schema: {type: string},
         description: 'Words, "a phrase", OR, NOT/-word, word*, word~, field:value, year:[2019 TO 2021].'}
      - {name: kind, in: query, schema: {type: string}}
      - {name: country, in: query, schema: {type: string}}
      - {name: topic, in: query, schema: {type: string}}
      - {name: language, in: query, schema: {type: string}}
      - {name: year, in: query, schema: {type: string}}
      - {name: sort, in: query, schema: {type: string, enum: [relevance, newest]}}
      - {$ref: '#/components/parameters/Page'}
      - {$ref: '#/components/parameters/PerPage'}
    responses:
      200:
        description: One page of hits, with facets and a spelling suggestion.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/SearchResult'}
      400:
        description: "bad_query: the query cannot be parsed (the message says why)."
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Error'}
      503:
        description: "index_unavailable: the index is being rebuilt or cannot be read now; retry after
          the seconds of the Retry-After header."
        headers:
          Retry-After: {schema: {type: integer}, description: Seconds to wait before retrying.}
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Error'}
    """
    found = _run()
    return jsonify(
        total=found.total, page=found.page, per_page=found.per_page,
        items=[
            {"id": doc.id, "title": doc.title, "kind": doc.kind, "country": doc.country_code,
             "language": doc.language, "snippet_html": hit.snippet_html, "score": round(hit.score, 4),
             "url": f"/documents/{doc.id}"}
            for doc, hit in found.items
        ],
        facets={name: [{"value": v, "count": c} for v, c in found.facets.get(name, [])]
                for name in ("kind", "country", "topic", "language", "year")},
        suggestion=found.suggestion,
    )  # fmt: skip
