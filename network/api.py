"""The JSON API's shared parts (`/api/v1`): request bodies, write access, paging, reference data."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from network.errors import BadRequest, DomainError, Forbidden, Invalid, NotFound, Unauthorized
from network.extensions import csrf, db
from network.guards import signed_in
from network.identity import token_scope
from network.models import Country
from network.urls import external_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PAGE_MAX = 1_000_000  # far past any real list, and keeps the offset within a database integer


def paging() -> tuple[int, int]:
    """`page` and `per_page` from the query string, checked against the configured limit."""
    most = current_app.config["PER_PAGE_MAX"]
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError as error:
        raise BadRequest(_("page and per_page must be whole numbers.")) from error
    if not 1 <= page <= PAGE_MAX or not 1 <= per_page <= most:
        raise BadRequest(
            _(
                "page is between 1 and %(pages)s; per_page is between 1 and %(most)s.",
                pages=format(PAGE_MAX, ","),
                most=most,
            )
        )
    return page, per_page


class TooLarge(DomainError):
    status, code = 413, "too_large"


class UnsupportedType(DomainError):
    status, code = 415, "unsupported_type"


# Keys and numbers are INTEGER columns: 32-bit on PostgreSQL, which refuses a larger value in a
# query (a 500), while SQLite would simply find nothing. Flask's `int` converter has no limit.
# tests/network/test_input_screening.py checks that every integer key column has this range.
MAX_ID = 2**31 - 1
_ID_DIGITS = len(str(MAX_ID))


def page_arg() -> int:
    """A forgiving page number for people's pages (the API answers 400 instead, see `paging`)."""
    try:
        return min(max(1, int(request.args.get("page", 1))), PAGE_MAX)
    except ValueError:
        return 1


def id_from(raw: Any) -> int | None:
    """An id a row could have, from a query string, form field or JSON value; None for anything else.

    JSON's `true`, `1.5`, `-3`, `"²"` and numbers past the column's range are not ids.
    """
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= _ID_DIGITS:
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if 0 < raw <= MAX_ID else None


def bounded_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An id no row can have is simply not found, on every URL of the app (pages too).

    Registered app-wide once, with this blueprint, so no view has to remember it.

    Raises: NotFound (instead of the database's "integer out of range", a 500).
    """
    if any(isinstance(v, int) and v > MAX_ID for v in (values or {}).values()):
        raise NotFound()


_SURROGATE = re.compile("[\ud800-\udfff]")  # unpaired: JSON decodes a pair to one character


def _unstorable(text: str | None) -> bool:
    """NUL or a lone surrogate; `None` is what Werkzeug gives for a multipart part without a name."""
    return text is not None and ("\x00" in text or _SURROGATE.search(text) is not None)


def _texts(value: Any) -> Iterator[str]:
    """Every key and string inside a decoded JSON value."""
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from value.keys()
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


_NOT_JSON = object()


def _json_of_request() -> Any:
    """The decoded JSON body, or `_NOT_JSON` (not JSON, too long, malformed: `json_body` says why)."""
    limit = current_app.config["API_MAX_BODY"]
    if not request.is_json or (request.content_length or 0) > limit:
        return _NOT_JSON
    data = request.get_data(cache=True)
    try:
        return json.loads(data) if len(data) <= limit else _NOT_JSON
    except (ValueError, RecursionError):
        return _NOT_JSON


def screen_input() -> None:
    """Input no view could store or read is refused here, once for the app, with a 400:

    - a NUL character (PostgreSQL cannot store it) or an unpaired surrogate (no database can) in
      the path, the query string, a form field or a JSON string;
    - on pages (not the API), a JSON body that is not an object: Flask-WTF reads a JSON body
      as the form's fields, and a list or a string there is no form at all.

    Raises: BadRequest naming what and where.
    """
    body = _json_of_request()
    places = {
        "the address": [request.path],
        "the query string": [text for pair in request.args.items(multi=True) for text in pair],
        "a form field": [text for pair in request.form.items(multi=True) for text in pair],
        "the JSON body": [] if body is _NOT_JSON else _texts(body),
    }
    for place, texts in places.items():
        if any(_unstorable(text) for text in texts):
            raise BadRequest(
                _(
                    "There is a NUL character or an unpaired surrogate in %(place)s; such text cannot be "
                    "stored. Remove it and send the request again.",
                    place=place,
                )
            )
    on_a_page = not request.path.startswith(("/api/", "/federation/"))
    if on_a_page and body is not _NOT_JSON and not isinstance(body, dict):
        raise BadRequest(_("Pages take a form, or a JSON object of its fields; this body is neither."))


def _bind_app_wide(state: BlueprintSetupState) -> None:
    state.app.url_value_preprocessor(bounded_ids)
    state.app.before_request(screen_input)


bp.record_once(_bind_app_wide)

# `url_for` takes these names as its own arguments (`_external` builds from the Host header).
URL_FOR_OPTIONS = frozenset({"endpoint", "_external", "_anchor", "_scheme", "_method"})


def link_args() -> MultiDict[str, str]:
    """This request's query arguments, safe to hand to `url_for` for a link to the same page.

    Names `url_for` takes as its own (and any other leading `_`) and the path's own names are
    dropped: a query string can neither make a link absolute nor point it elsewhere nor 500.
    """
    skip = URL_FOR_OPTIONS | set(request.view_args or {})
    return MultiDict(
        [(k, v) for k, v in request.args.items(multi=True) if k not in skip and not k.startswith("_")]
    )


def json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, refused early and clearly when it is anything else.

    `optional`: an empty body is `{}` (an action whose options may be left out).

    Raises:
        TooLarge: over `API_MAX_BODY` bytes (checked before reading when the length is declared).
        UnsupportedType: the Content-Type is not JSON.
        BadRequest: malformed JSON, or JSON that is not an object.
    """
    limit = current_app.config["API_MAX_BODY"]
    if (request.content_length or 0) > limit:
        raise TooLarge(_("The body is over the limit of %(size)s bytes.", size=format_decimal(limit)))
    data = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH when no length is declared
    if len(data) > limit:
        raise TooLarge(_("The body is over the limit of %(size)s bytes.", size=format_decimal(limit)))
    consumed = bool(request.content_length) and not data  # already read as a form: not JSON
    if optional and not data.strip() and not consumed:
        return {}
    if not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
        raise UnsupportedType(_("Send the body as JSON, with Content-Type: application/json."))
    try:
        body = json.loads(data)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise BadRequest(_("The body is not valid JSON: %(error)s", error=error)) from error
    if not isinstance(body, dict):
        raise BadRequest(_("The body must be a JSON object."))
    return body


def known_fields(body: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Raises: Invalid naming every field the endpoint does not take (nothing is half-applied)."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Invalid(
            {name: _("Unknown field.") for name in unknown},
            _("Unknown fields: %(names)s.", names=", ".join(unknown)),
        )
    return body


def write_access(view: Callable) -> Callable:
    """Signed in, and allowed to write by this means: a `write` token, or a session with CSRF.

    A read token that writes is refused whatever the user's role (403 naming the scope); the
    services then apply the same role, country and workflow rules as the pages.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            raise Unauthorized()
        scope = token_scope()
        if scope is None and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # a browser session: the page's CSRF token, as for forms
        elif scope is not None and scope != "write":
            raise Forbidden(
                _(
                    "This API token has the '%(scope)s' scope; writing needs a token with the 'write' scope.",
                    scope=scope,
                ),
                required_scope="write",
            )
        return view(*args, **kwargs)

    wrapper.guard = "signed_in"  # type: ignore[attr-defined]
    return wrapper


def link_header(page: int, per_page: int, total: int) -> str:
    """RFC 8288 `Link` to the first, previous, next and last pages, keeping the other arguments."""
    last = max(1, -(-total // per_page))
    args = {k: v for k, v in link_args().lists() if k not in ("page", "per_page")}
    args.update(request.view_args or {})
    pages = {"first": 1, "prev": page - 1 if page > 1 else None,
             "next": page + 1 if page < last else None, "last": last}  # fmt: skip
    return ", ".join(
        f'<{external_url(request.endpoint, page=n, per_page=per_page, **args)}>; rel="{rel}"'
        for rel, n in pages.items()
        if n is not None
    )


def created(body: dict[str, Any], location: str) -> Response:
    """201 with the new resource, and its API address in `Location`."""
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def paged(items: list[Any], total: int, page: int, per_page: int, **extra: Any) -> Response:
    """A page of a list in the shape docs/api.md describes (plus `extra` members), with its `Link` header."""
    response = jsonify(items=items, total=total, page=page, per_page=per_page, **extra)
    response.headers["Link"] = link_header(page, per_page, total)
    return response


def country_json(country: Country) -> dict[str, Any]:
    return {"code": country.code, "name": country.name, "ministry": country.ministry,
            "default_language": country.default_language}  # fmt: skip


@bp.get("/countries")
def countries():
    """The member countries.
    ---
    operationId: listCountries
    summary: The member countries
    tags: [reference]
    security: [{}]
    responses:
      200:
        description: All countries, by name.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/CountryList'}
    """
    rows = db.session.scalars(db.select(Country).order_by(Country.name))
    return jsonify(items=[country_json(c) for c in rows])


@bp.get("/topics")
def topics():
    """The shared taxonomy.
    ---
    operationId: listTopics
    summary: The network's topics
    tags: [reference]
    security: [{}]
    responses:
      200:
        description: All topics.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/TopicList'}
    """
    from content.queries import topics as all_topics

    return jsonify(items=[{"slug": t.slug, "name": t.name} for t in all_topics()])


@bp.get("/me")
@signed_in
def me():
    """Who the caller is, and by what means.
    ---
    operationId: getMe
    summary: The caller
    tags: [reference]
    responses:
      200:
        description: The signed-in user, and the scope of the token used (null for a session).
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Me'}
      401: {$ref: '#/components/responses/Unauthorized'}
    """
    user = current_user
    return jsonify(
        id=user.id, name=user.name, email=user.email, role=user.role,
        country=user.country_code, token_scope=token_scope(),
    )  # fmt: skip
