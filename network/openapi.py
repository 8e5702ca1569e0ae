"""The OpenAPI 3 description of `/api/v1`, generated from the views themselves.

Why docstrings: the description lives next to the code it describes, so a new endpoint and
its documentation change in the same diff, and `tests/network/test_openapi.py` fails when an
`/api/v1` rule has no documented operation.

Convention for every `/api/v1` view: prose first (for people reading the code), then a line
holding only `---`, then YAML for the OpenAPI *operation* of that view:

    @bp.post("/documents/<int:doc_id>/lessons")
    @write_access
    def create_lesson(doc_id: int):
        \"\"\"Add a lesson to a course.
        ---
        operationId: createLesson
        summary: Add a lesson to a course
        tags: [lessons]
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/LessonWrite'}
        responses:
          201:
            description: The new lesson.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Lesson'}
          404: {$ref: '#/components/responses/NotFound'}
        \"\"\"

- A view answering several methods (`methods=["PATCH", "DELETE"]`) keys its YAML by method:
  `patch: {operationId: ..., ...}` and `delete: {...}`.
- Path parameters (`<int:doc_id>` -> `{doc_id}`, integer) are added from the URL rule; list
  only query parameters. Every operation also gets a `default` Error response, so list the
  error statuses that matter to the caller, by `$ref` to the shared responses below.
- Refer to shared shapes by `$ref: '#/components/schemas/<Name>'`. Schemas defined here:
  Document, DocumentSummary, DocumentList, DocumentWrite, DocumentUpdate, PublishRequest,
  Error, Country, CountryList, Topic, TopicList, Me, Revision, RevisionList, SearchResult,
  Lesson, LessonWrite, Attachment. Shared responses (`#/components/responses/<Name>`):
  BadRequest, Unauthorized, Forbidden, NotFound, Conflict, TooLarge, UnsupportedType, Invalid.
  Shared query parameters (`#/components/parameters/<Name>`): Page, PerPage.
- Multipart uploads: `requestBody: {content: {multipart/form-data: {schema: {type: object,
  properties: {file: {type: string, format: binary}}, required: [file]}}}}`.
- The audit log's shapes: AuditEntry, AuditList.
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any

import markdown
import yaml
from flask import Blueprint, Flask, current_app, jsonify, render_template
from markupsafe import Markup

from content.rendering import sanitize_html
from network.api import MAX_ID

# Shared shapes, in the same YAML the views use. Enums mirror content.models (a test checks).
COMPONENTS: dict[str, Any] = yaml.safe_load(r"""
_write_properties: &write_properties  # the fields a write takes, shared by create and update
  kind: {type: string, enum: [case_study, course, resource, report]}
  title: {type: string, minLength: 1, maxLength: 200}
  summary: {type: string, maxLength: 1000}
  body_markdown: {type: string, maxLength: 200000}
  language: {type: string, enum: [en, id, ms, th, vi, zh, ja, ko, km, lo, my, fil, hi]}
  topics: {type: array, items: {type: string}, description: Topic slugs.}
  tags: {type: array, maxItems: 20, items: {type: string, maxLength: 40}}
  year: {type: integer, nullable: true, minimum: 1990}
  translation_of: {type: integer, nullable: true, minimum: 1, maximum: 2147483647,
                   description: Another document of the same country.}
  visibility: {type: string, enum: [public, network, countries, country], description: Country admins only.}
  shared_with: {type: array, items: {type: string}, description: "Country codes (visibility `countries`)."}
  level: {type: string, nullable: true, enum: [introductory, intermediate, advanced, null],
          description: Courses only.}
  duration_minutes: {type: integer, nullable: true, minimum: 1, maximum: 6000, description: "Courses only."}
  mission: {type: integer, nullable: true, minimum: 1, description: "Reports only: a mission of the owner."}
  concerns: {type: string, nullable: true, maxLength: 60, description: "Reports only: a country or region."}
  urgency: {type: string, nullable: true, enum: [routine, priority, flash, null], description: Reports only.}
  sources: {type: array, maxItems: 10, items: {type: string, format: uri}, description: Reports only.}
schemas:
  Error:
    type: object
    required: [error]
    properties:
      error:
        type: object
        required: [code, message]
        properties:
          code:
            type: string
            description: Stable, machine-readable.
            enum: [bad_request, unauthorized, forbidden, not_found, method_not_allowed, conflict, too_large,
                   unsupported_type, invalid, rate_limited, bad_query, checksum_mismatch, server_error,
                   error]
          message: {type: string, description: For people.}
          fields:
            type: object
            additionalProperties: {type: string}
            description: "invalid: what is wrong with each named field."
          current_version: {type: integer, description: "conflict: the document's version now."}
          required_scope: {type: string, description: "forbidden: the token scope this action needs."}
  Author:
    type: object
    nullable: true
    required: [id, name]
    properties: {id: {type: integer}, name: {type: string}}
  Origin:
    type: object
    nullable: true
    description: Set on a copy received from a peer node.
    required: [node, id, url]
    properties: {node: {type: string}, id: {type: string}, url: {type: string, nullable: true}}
  DocumentSummary:
    type: object
    required: [id, url, kind, title, summary, language, country, author, topics, tags, year,
                                 visibility, shared_with, status, version, created_at, updated_at,
                                 published_at, origin]
    properties: &summary_properties
      id: {type: integer}
      url: {type: string, format: uri, description: The document's page.}
      kind: {type: string, enum: [case_study, course, resource, report]}
      title: {type: string}
      summary: {type: string}
      language: {type: string, enum: [en, id, ms, th, vi, zh, ja, ko, km, lo, my, fil, hi]}
      country: {type: string, description: The owning country's ISO code.}
      author: {$ref: '#/components/schemas/Author'}
      topics: {type: array, items: {type: string}, description: Topic slugs.}
      tags: {type: array, items: {type: string}}
      year: {type: integer, nullable: true}
      visibility: {type: string, enum: [public, network, countries, country]}
      shared_with: {type: array, items: {type: string}, description: Country codes.}
      status: {type: string, enum: [draft, review, published, withdrawn]}
      version: {type: integer, description: Send it back with PATCH.}
      created_at: {type: string, format: date-time}
      updated_at: {type: string, format: date-time}
      published_at: {type: string, format: date-time, nullable: true}
      origin: {$ref: '#/components/schemas/Origin'}
  Document:
    type: object
    required: [id, url, kind, title, summary, language, country, author, topics, tags, year, visibility,
               shared_with, status, version, created_at, updated_at, published_at, origin, body_markdown,
               body_html, attachments]
    properties:
      <<: *summary_properties
      body_markdown: {type: string}
      body_html: {type: string, description: Sanitised HTML rendered from body_markdown.}
      translation_of: {type: integer, nullable: true}
      level: {type: string, nullable: true, description: "Courses: introductory, intermediate or advanced."}
      duration_minutes: {type: integer, nullable: true, description: "Courses only: the estimated time."}
      attachments: {type: array, items: {$ref: '#/components/schemas/Attachment'}}
      mission:
        type: object
        nullable: true
        description: Reports only.
        properties: {id: {type: integer}, name: {type: string}}
      concerns: {type: string, nullable: true, description: "Reports only: a country or region."}
      urgency: {type: string, nullable: true, enum: [routine, priority, flash, null]}
      sources: {type: array, items: {type: string}, description: "Reports only: source links."}
      lessons:
        type: array
        description: >-
          Courses only, in order: the lessons the caller may read (readers the published ones,
          the country's writers drafts and lessons in review too), `position` counted among them.
        items:
          type: object
          required: [id, title, position, status]
          properties:
            id: {type: integer}
            title: {type: string}
            position: {type: integer}
            status: {$ref: '#/components/schemas/LessonStatus'}
  DocumentList:
    type: object
    required: [items, total, page, per_page]
    properties:
      items: {type: array, items: {$ref: '#/components/schemas/DocumentSummary'}}
      total: {type: integer}
      page: {type: integer}
      per_page: {type: integer}
  DocumentWrite:
    type: object
    additionalProperties: false
    description: >-
      A new document; only `title` is required (`kind` defaults to case_study; without `language`
      it is detected from the title, summary and body, or is the country's when the text is too
      short to tell). Unknown fields are a 422.
    required: [title]
    properties:
      <<: *write_properties
      status:
        type: string
        enum: [draft, published]
        default: draft
        description: "`published` publishes at once (country admins only)."
  DocumentUpdate:
    type: object
    additionalProperties: false
    description: The fields to change, and the `version` the edit is based on (stale is a 409).
    required: [version]
    properties:
      <<: *write_properties
      version: {type: integer}
      note: {type: string, maxLength: 300, description: Kept with the revision.}
  PublishRequest:
    type: object
    additionalProperties: false
    description: The audience to publish to; without it, the one already set.
    properties:
      visibility: {type: string, enum: [public, network, countries, country]}
      shared_with: {type: array, items: {type: string}}
  Revision:
    type: object
    required: [number, title, summary, note, author, created_at]
    properties:
      number: {type: integer}
      title: {type: string}
      summary: {type: string}
      body_markdown: {type: string}
      note: {type: string}
      author: {$ref: '#/components/schemas/Author'}
      created_at: {type: string, format: date-time}
  RevisionList:
    type: object
    required: [items]
    properties: {items: {type: array, items: {$ref: '#/components/schemas/Revision'}}}
  Country:
    type: object
    required: [code, name, ministry, default_language]
    properties: {code: {type: string}, name: {type: string}, ministry: {type: string},
                 default_language: {type: string}}
  CountryList:
    type: object
    required: [items]
    properties: {items: {type: array, items: {$ref: '#/components/schemas/Country'}}}
  Mission:
    type: object
    required: [id, country, name, city, posted_in, active]
    properties: {id: {type: integer}, country: {type: string}, name: {type: string}, city: {type: string},
                 posted_in: {type: string}, active: {type: boolean}}
  MissionList:
    type: object
    required: [items]
    properties: {items: {type: array, items: {$ref: '#/components/schemas/Mission'}}}
  Watch:
    type: object
    required: [id, type, value, name, query, filters, delivery, created_at]
    properties:
      id: {type: integer}
      type: {type: string, enum: [topic, country, mission, kind, search]}
      value: {type: string, description: "A topic slug, a country code, a mission id or a kind."}
      name: {type: string, description: A saved search's name.}
      query: {type: string, description: A saved search's words.}
      filters: {type: object, additionalProperties: {type: array, items: {type: string}}}
      delivery: {type: string, enum: [site, immediate, daily, weekly, off]}
      created_at: {type: string, format: date-time}
  WatchList:
    type: object
    required: [items]
    properties: {items: {type: array, items: {$ref: '#/components/schemas/Watch'}}}
  WatchWrite:
    type: object
    additionalProperties: false
    required: [type]
    properties:
      type: {type: string, enum: [topic, country, mission, kind, search]}
      value: {type: string, maxLength: 100}
      name: {type: string, maxLength: 120}
      query: {type: string, maxLength: 500}
      filters: {type: object, additionalProperties: {type: array, items: {type: string}}}
      delivery: {type: string, enum: [site, immediate, daily, weekly, off], default: site}
  WatchUpdate:
    type: object
    additionalProperties: false
    required: [delivery]
    properties: {delivery: {type: string, enum: [site, immediate, daily, weekly, off]}}
  Notification:
    type: object
    required: [id, reason, document, created_at, read]
    properties:
      id: {type: integer}
      reason: {type: string, enum: [watch, flash, review, published, returned]}
      watch: {type: integer, nullable: true}
      document: {$ref: '#/components/schemas/DocumentSummary'}
      created_at: {type: string, format: date-time}
      read: {type: boolean}
  NotificationList:
    type: object
    required: [items, total, unread, page, per_page]
    properties:
      items: {type: array, items: {$ref: '#/components/schemas/Notification'}}
      total: {type: integer}
      unread: {type: integer}
      page: {type: integer}
      per_page: {type: integer}
  NotificationsRead:
    type: object
    additionalProperties: false
    properties:
      ids: {type: array, items: {type: integer}, description: Mark these read.}
      all: {type: boolean, description: Mark every notification read.}
  Topic:
    type: object
    required: [slug, name]
    properties: {slug: {type: string}, name: {type: string}}
  TopicList:
    type: object
    required: [items]
    properties: {items: {type: array, items: {$ref: '#/components/schemas/Topic'}}}
  User:
    type: object
    required: [id, name, email, role, country, active, invited]
    properties:
      id: {type: integer}
      name: {type: string}
      email: {type: string}
      role: {type: string, enum: [reader, contributor, country_admin, network_admin]}
      country: {type: string}
      active: {type: boolean}
      invited: {type: boolean, description: Invited and not yet signed up.}
  UserList:
    type: object
    required: [items]
    properties: {items: {type: array, items: {$ref: '#/components/schemas/User'}}}
  UserInvite:
    type: object
    additionalProperties: false
    required: [email, name]
    properties:
      email: {type: string, format: email}
      name: {type: string, minLength: 1, maxLength: 120}
      role: {type: string, enum: [reader, contributor, country_admin], default: reader}
  InvitationSent:
    type: object
    required: [email, message]
    properties: {email: {type: string}, message: {type: string}}
  UserUpdate:
    type: object
    additionalProperties: false
    properties:
      role: {type: string, enum: [reader, contributor, country_admin]}
      active: {type: boolean}
  AuditEntry:
    type: object
    required: [id, created_at, actor, action, object, country, ip, user_agent, details, hash]
    properties:
      id: {type: integer}
      created_at: {type: string, format: date-time}
      actor:
        type: object
        required: [id, email]
        properties:
          id: {type: integer, nullable: true, description: Null for the command line or an unknown user.}
          email: {type: string}
      action: {type: string, description: "e.g. user.invited, document.published, token.revoked."}
      object:
        type: object
        required: [type, id, title, title_withheld]
        properties:
          type: {type: string, description: "user, document, token, country, or empty."}
          id: {type: string}
          title: {type: string, nullable: true, description: Null where the caller may not see it.}
          title_withheld: {type: boolean}
      country: {type: string, nullable: true, description: The country the entry is filed under.}
      ip: {type: string}
      user_agent: {type: string}
      details: {type: object, description: "What changed, e.g. {from, to}."}
      hash: {type: string, description: SHA-256 linking the entry into the chain.}
  AuditList:
    type: object
    required: [items, total, page, per_page]
    properties:
      items: {type: array, items: {$ref: '#/components/schemas/AuditEntry'}}
      total: {type: integer}
      page: {type: integer}
      per_page: {type: integer}
  Me:
    type: object
    required: [id, name, email, role, country, token_scope]
    properties:
      id: {type: integer}
      name: {type: string}
      email: {type: string}
      role: {type: string, enum: [reader, contributor, country_admin, network_admin]}
      country: {type: string}
      token_scope: {type: string, nullable: true, enum: [read, write, null],
                    description: Null for a browser session.}
  SearchResult:
    type: object
    required: [total, page, per_page, items, facets, suggestion]
    properties:
      total: {type: integer}
      page: {type: integer}
      per_page: {type: integer}
      items:
        type: array
        items:
          type: object
          required: [id, title, kind, country, language, snippet_html, score]
          properties:
            id: {type: integer}
            title: {type: string}
            kind: {type: string}
            country: {type: string}
            language: {type: string}
            snippet_html: {type: string, description: Sanitised; only matched words are marked.}
            score: {type: number}
            url: {type: string}
      facets:
        type: object
        additionalProperties:
          type: array
          items:
            type: object
            required: [value, count]
            properties: {value: {}, count: {type: integer}}
      suggestion: {type: string, nullable: true}
  LessonStatus:
    type: string
    enum: [draft, review, published]
    description: >-
      A lesson added to a published course starts as `draft`; `POST /lessons/{id}/submit` sends it
      to `review`, a country admin's `POST /lessons/{id}/publish` makes it `published` and
      `POST /lessons/{id}/unpublish` takes it back to `draft`. Only published lessons reach readers.
  Lesson:
    type: object
    required: [id, title, position, status]
    properties:
      id: {type: integer}
      document_id: {type: integer, description: The course.}
      title: {type: string}
      position: {type: integer, description: "Place among all the course's lessons, drafts included."}
      status: {$ref: '#/components/schemas/LessonStatus'}
      body_markdown: {type: string}
      body_html: {type: string}
  LessonWrite:
    type: object
    additionalProperties: false
    properties:
      title: {type: string, minLength: 1, maxLength: 200}
      body_markdown: {type: string}
      position: {type: integer, minimum: 0, description: Place in the course; lessons after it move on.}
  Attachment:
    type: object
    required: [id, filename, content_type, size, url]
    properties:
      id: {type: integer}
      filename: {type: string}
      content_type: {type: string}
      size: {type: integer, description: Bytes.}
      url: {type: string, description: Download address (obeys the document's visibility).}
responses:
  Error: {description: An error., content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  BadRequest: {description: "bad_request: malformed JSON or query.",
               content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  Unauthorized: {description: "unauthorized: sign in or send a valid token.",
                 content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  Forbidden: {description: "forbidden: readable, but this action is refused (role, or a read token).",
              content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  NotFound: {description: "not_found: missing, or not readable by the caller (the two look the same).",
             content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  Conflict: {description: "conflict: stale version or wrong workflow state.",
             content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  TooLarge: {description: "too_large: the body is over the limit.",
             content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  UnsupportedType: {description: "unsupported_type: the body is not JSON, or the file type is refused.",
                    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  Invalid: {description: "invalid: `error.fields` names each invalid field.",
            content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
parameters:
  Page: {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 1000000, default: 1}}
  PerPage: {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
""")
COMPONENTS.pop("_write_properties")

METHODS = ("get", "post", "put", "patch", "delete")
PREFIX = "/api/v1"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
DESCRIPTION = (
    "The JSON API of RNDD Hub. Authenticate with `Authorization: Bearer <token>` "
    "(create tokens under /account/tokens) or the browser session (writes then need the CSRF token "
    "in `X-CSRFToken`). A document you may not read is a 404, exactly like a missing one. "
    "A guide with examples ships with the project as `docs/api.md`."
)

bp = Blueprint("openapi", __name__)


def path_of(rule: str) -> str:
    """Flask's `/documents/<int:doc_id>` in OpenAPI form: `/documents/{doc_id}`."""
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    integer = {"type": "integer", "minimum": 1, "maximum": MAX_ID}  # what a key column holds
    return [
        {"name": name, "in": "path", "required": True,
         "schema": integer if conv == "int" else {"type": "string"}}
        for conv, name in _PARAM.findall(rule)
    ]  # fmt: skip


def docstring_yaml(docstring: str | None) -> dict[str, Any]:
    """The YAML after the `---` line of a docstring (empty without one)."""
    parts = _SEPARATOR.split(inspect.cleandoc(docstring or ""), maxsplit=1)
    return (yaml.safe_load(parts[1]) or {}) if len(parts) == 2 else {}


def operations_of(view: Any, methods: set[str]) -> dict[str, dict[str, Any]]:
    """The documented operations of one view, by lower-case method (empty when undocumented)."""
    doc = docstring_yaml(view.__doc__)
    if set(doc) & set(METHODS):
        return {m: doc[m] for m in methods if m in doc}
    return {next(iter(methods)): doc} if doc and len(methods) == 1 else {}


def build_spec(app: Flask) -> dict[str, Any]:
    """Walk the URL map and assemble the description of every `/api/v1` rule."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX):
            continue
        methods = {m.lower() for m in rule.methods or ()} & set(METHODS)
        for method, operation in operations_of(app.view_functions[rule.endpoint], methods).items():
            operation = dict(operation)
            operation["parameters"] = _path_parameters(rule.rule) + list(operation.get("parameters", []))
            responses = {str(code): answer for code, answer in operation.get("responses", {}).items()}
            operation["responses"] = responses
            responses["default"] = {"$ref": "#/components/responses/Error"}
            paths.setdefault(path_of(rule.rule), {})[method] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "RNDD Hub API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {}],
        "paths": paths,
        "components": {**COMPONENTS, "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


def cached_spec() -> dict[str, Any]:
    """Built once per app: the URL map does not change after start-up."""
    store = current_app.extensions.setdefault("rndd_openapi", {})
    if "spec" not in store:
        store["spec"] = build_spec(current_app)
    return store["spec"]


@bp.get(PREFIX + "/openapi.json")
def openapi_json():
    """This description.
    ---
    operationId: getOpenapi
    summary: The OpenAPI 3 description of this API
    tags: [meta]
    security: [{}]
    responses:
      200:
        description: An OpenAPI 3 document.
        content:
          application/json:
            schema: {type: object}
    """
    return jsonify(cached_spec())


@bp.app_template_filter("api_markdown")
def api_markdown(text: str | None, block: bool = False) -> Markup:
    """A description of the spec as people read it: its Markdown rendered (and sanitised, like
    every body); inline unless `block`, so it sits in a table cell or after a heading."""
    return _api_markdown(text or "", block)


@functools.cache
def _api_markdown(text: str, block: bool) -> Markup:
    html = sanitize_html(markdown.markdown(text)).strip()
    if not block and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)  # noqa: S704 (sanitised above)


@bp.get("/api/docs")
def docs_page():
    return render_template("api_docs.html", spec=cached_spec())
