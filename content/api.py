"""The documents part of the JSON API (`/api/v1/documents`)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from content import queries, services
from content.models import KINDS, LANGUAGES, STATUSES
from content.serializers import document_full, document_summary
from network.api import paging
from network.errors import BadRequest
from network.extensions import csrf

bp = Blueprint("content_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

FILTERS = {"kind": KINDS, "language": tuple(LANGUAGES), "status": STATUSES}


@bp.get("/documents")
def documents():
    page, per_page = paging()
    filters = {k: request.args.get(k) for k in ("kind", "country", "topic", "language", "status")}
    for name, allowed in FILTERS.items():
        if filters[name] and filters[name] not in allowed:
            raise BadRequest(f"Unknown {name} {filters[name]!r}; use one of {', '.join(allowed)}.")
    result = queries.documents(current_user, page=page, per_page=per_page, **filters)
    return jsonify(
        items=[document_summary(doc) for doc in result.items],
        total=result.total, page=result.page, per_page=result.per_page,
    )  # fmt: skip


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int):
    return jsonify(document_full(services.get_readable(current_user, doc_id)))
