"""The documents part of the JSON API (`/api/v1/documents`): reads, writes and the workflow.

Views only parse and render: every rule (role, country, visibility, workflow, versions) is
decided by `content.services` and `network.access`, exactly as for the pages. The YAML after
`---` in each docstring is the view's OpenAPI operation (see `network/openapi.py`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from content import fields, queries, revisions, services
from content.models import KINDS, LANGUAGES, STATUSES, Revision
from content.serializers import document_full, document_summary, iso
from network.api import created, json_body, known_fields, paged, paging, write_access
from network.errors import BadRequest, Invalid
from network.extensions import csrf
from network.guards import signed_in
from network.urls import external_url

bp = Blueprint("content_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens carry no CSRF risk; `write_access` checks it for sessions

FILTERS = {"kind": tuple(KINDS), "language": tuple(LANGUAGES), "status": STATUSES}
CREATE_FIELDS = (*fields.EDITABLE, "status")
UPDATE_FIELDS = (*fields.EDITABLE, "version", "note")
PUBLISH_FIELDS = fields.AUDIENCE


def _document(doc_id: int):
    """The document as the caller now sees it, after a write."""
    return jsonify(document_full(services.get_readable(current_user, doc_id), current_user))


@bp.get("/documents")
def documents():
    """Readable documents, newest first.
    ---
    operationId: listDocuments
    summary: List the documents the caller may read
    tags: [documents]
    parameters:
      - {name: kind, in: query, schema: {type: string, enum: [case_study, course, resource, report]}}
      - {name: country, in: query, schema: {type: string}, description: ISO code of the owner.}
      - {name: topic, in: query, schema: {type: string}, description: A topic slug.}
      - {name: language, in: query, schema: {type: string, enum: [en, id, ms, th, vi, zh, ja, ko, km, lo,
                                                                      my, fil, hi]}}
      - {name: status, in: query, schema: {type: string, enum: [draft, review, published, withdrawn]}}
      - {$ref: '#/components/parameters/Page'}
      - {$ref: '#/components/parameters/PerPage'}
    responses:
      200:
        description: A page of documents; `Link` points to the first, previous, next and last pages.
        headers:
          Link: {schema: {type: string}, description: RFC 8288 page links.}
        content:
          application/json:
            schema: {$ref: '#/components/schemas/DocumentList'}
      400: {$ref: '#/components/responses/BadRequest'}
    """
    page, per_page = paging()
    filters = {k: request.args.get(k) for k in ("kind", "country", "topic", "language", "status")}
    for name, allowed in FILTERS.items():
        if filters[name] and filters[name] not in allowed:
            raise BadRequest(
                _(
                    "Unknown %(name)s %(value)r; use one of %(choices)s.",
                    name=name,
                    value=filters[name],
                    choices=", ".join(allowed),
                )
            )
    result = queries.documents(current_user, page=page, per_page=per_page, **filters)
    return paged([document_summary(doc) for doc in result.items], result.total, result.page, result.per_page)


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int):
    """One document.
    ---
    operationId: getDocument
    summary: One document, with its body, attachments and lessons
    tags: [documents]
    responses:
      200:
        description: The document.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Document'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(document_full(services.get_readable(current_user, doc_id), current_user))


@bp.post("/documents")
@write_access
def create_document():
    """Create a document: a draft, or published at once by a country admin who asks.
    ---
    operationId: createDocument
    summary: Create a document
    tags: [documents]
    requestBody:
      required: true
      content:
        application/json:
          schema: {$ref: '#/components/schemas/DocumentWrite'}
    responses:
      201:
        description: The new document; `Location` is its API address.
        headers:
          Location: {schema: {type: string}, description: The new document's API URL.}
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Document'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      413: {$ref: '#/components/responses/TooLarge'}
      415: {$ref: '#/components/responses/UnsupportedType'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    data = known_fields(json_body(), CREATE_FIELDS)
    status = data.pop("status", "draft")
    if status not in ("draft", "published"):
        raise Invalid({"status": _("A new document is 'draft' or 'published'.")})
    doc = services.create_document(current_user, data, publish=status == "published")
    return created(document_full(doc, current_user), external_url(".document", doc_id=doc.id))


@bp.patch("/documents/<int:doc_id>")
@write_access
def update_document(doc_id: int):
    """Change some fields of a document, based on the `version` the caller last saw.
    ---
    operationId: updateDocument
    summary: Update a document
    tags: [documents]
    requestBody:
      required: true
      content:
        application/json:
          schema: {$ref: '#/components/schemas/DocumentUpdate'}
    responses:
      200:
        description: The updated document.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Document'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      404: {$ref: '#/components/responses/NotFound'}
      409: {$ref: '#/components/responses/Conflict'}
      413: {$ref: '#/components/responses/TooLarge'}
      415: {$ref: '#/components/responses/UnsupportedType'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    data = known_fields(json_body(), UPDATE_FIELDS)
    version, note = data.pop("version", None), data.pop("note", "")
    problems = {}
    if not isinstance(version, int) or isinstance(version, bool):
        problems["version"] = _("Send the integer version this edit is based on.")
    if not isinstance(note, str):
        problems["note"] = _("Must be text.")
    if problems:
        raise Invalid(problems)
    services.update_document(current_user, doc_id, version, data, note=note)
    return _document(doc_id)


def _workflow(operation_id: str, summary: str) -> str:
    """Docstring YAML shared by the body-less workflow actions."""
    return f"""{summary}.
    ---
    operationId: {operation_id}
    summary: {summary}
    tags: [workflow]
    responses:
      200:
        description: The document in its new state.
        content:
          application/json:
            schema: {{$ref: '#/components/schemas/Document'}}
      401: {{$ref: '#/components/responses/Unauthorized'}}
      403: {{$ref: '#/components/responses/Forbidden'}}
      404: {{$ref: '#/components/responses/NotFound'}}
      409: {{$ref: '#/components/responses/Conflict'}}
    """


@bp.post("/documents/<int:doc_id>/publish")
@write_access
def publish(doc_id: int):
    """Publish (country admins of the owner), optionally to a new audience.
    ---
    operationId: publishDocument
    summary: Publish a document
    tags: [workflow]
    requestBody:
      required: false
      content:
        application/json:
          schema: {$ref: '#/components/schemas/PublishRequest'}
    responses:
      200:
        description: The published document.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Document'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      404: {$ref: '#/components/responses/NotFound'}
      409: {$ref: '#/components/responses/Conflict'}
      413: {$ref: '#/components/responses/TooLarge'}
      415: {$ref: '#/components/responses/UnsupportedType'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    audience = known_fields(json_body(optional=True), PUBLISH_FIELDS)
    services.publish(current_user, doc_id, audience.get("visibility"), audience.get("shared_with"))
    return _document(doc_id)


@bp.post("/documents/<int:doc_id>/unpublish")
@write_access
def unpublish(doc_id: int):
    services.unpublish(current_user, doc_id)
    return _document(doc_id)


@bp.post("/documents/<int:doc_id>/submit")
@write_access
def submit(doc_id: int):
    services.submit_for_review(current_user, doc_id)
    return _document(doc_id)


@bp.post("/documents/<int:doc_id>/return")
@write_access
def return_to_draft(doc_id: int):
    services.return_to_draft(current_user, doc_id)
    return _document(doc_id)


unpublish.__doc__ = _workflow("unpublishDocument", "Withdraw a published document")
submit.__doc__ = _workflow("submitDocument", "Submit a draft for review")
return_to_draft.__doc__ = _workflow("returnDocumentToDraft", "Send a document back to draft")


@bp.delete("/documents/<int:doc_id>")
@write_access
def delete_document(doc_id: int):
    """Delete a document (country admins; authors their never-published drafts).
    ---
    operationId: deleteDocument
    summary: Delete a document
    tags: [documents]
    responses:
      204: {description: Deleted.}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    services.delete_document(current_user, doc_id)
    return "", 204


def revision_json(revision: Revision) -> dict[str, Any]:
    author = revision.author
    return {
        "number": revision.number, "title": revision.title, "summary": revision.summary,
        "body_markdown": revision.body_markdown, "note": revision.note,
        "author": {"id": author.id, "name": author.name} if author else None,
        "created_at": iso(revision.created_at),
    }  # fmt: skip


@bp.get("/documents/<int:doc_id>/revisions")
@signed_in
def document_revisions(doc_id: int):
    """The saved versions, newest first: only for the owning country's contributors and admins.
    ---
    operationId: listRevisions
    summary: A document's revision history
    tags: [documents]
    responses:
      200:
        description: Revisions, newest first.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/RevisionList'}
      401: {$ref: '#/components/responses/Unauthorized'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    _doc, found = revisions.history(current_user, doc_id)
    return jsonify(items=[revision_json(revision) for revision in found])


@bp.post("/documents/<int:doc_id>/revisions/<int:number>/restore")
@write_access
def restore_revision(doc_id: int, number: int):
    """Bring back an earlier revision's text as a new revision.
    ---
    operationId: restoreRevision
    summary: Restore an earlier revision (as a new one)
    tags: [documents]
    requestBody:
      required: true
      content:
        application/json:
          schema:
            type: object
            additionalProperties: false
            required: [version]
            properties: {version: {type: integer, description: The version the restore is based on.}}
    responses:
      200:
        description: The document with the restored text.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Document'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      404: {$ref: '#/components/responses/NotFound'}
      409: {$ref: '#/components/responses/Conflict'}
      413: {$ref: '#/components/responses/TooLarge'}
      415: {$ref: '#/components/responses/UnsupportedType'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    body = known_fields(json_body(), ("version",))
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise Invalid({"version": _("Send the version the restore is based on (a whole number).")})
    revisions.restore(current_user, doc_id, number, version)
    return _document(doc_id)
