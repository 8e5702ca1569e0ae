"""The audit log for admins: a page with filters, its CSV export, and `GET /api/v1/audit`."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user

from network import access, audit_log
from network.api import paged, paging
from network.extensions import db
from network.guards import role_required
from network.models import Country

bp = Blueprint("audit", __name__, url_prefix="/admin")
api = Blueprint("audit_api", __name__, url_prefix="/api/v1")

admins = role_required("country_admin", "network_admin")


@bp.get("/audit")
@admins
def audit_page():
    filters = audit_log.AuditFilters.from_args(request.args)
    page_number, _ = paging()
    page = audit_log.entries_page(current_user, filters, page_number, 50)
    countries = db.session.scalars(db.select(Country).order_by(Country.name))
    return render_template(
        "admin/audit.html", page=page, filters=filters, actions=audit_log.actions(current_user),
        countries=list(countries) if access.can_manage_accounts(current_user) else [],
        withheld=audit_log.WITHHELD,
    )  # fmt: skip


@bp.get("/audit.csv")
@admins
def audit_csv():
    filters = audit_log.AuditFilters.from_args(request.args)
    lines = audit_log.csv_lines(current_user, filters)
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


@api.get("/audit")
@admins
def audit_entries():
    """The audit entries the caller may see, newest first.

    Country admins see their country's entries; the network admin sees all of them, but a
    document's title only where they may read the document (else `title` is null and
    `title_withheld` true).
    ---
    operationId: listAuditEntries
    summary: The audit log (country admins and the network admin)
    tags: [audit]
    parameters:
      - {name: actor, in: query, description: Part of the actor's e-mail address.,
         schema: {type: string, maxLength: 254}}
      - {name: action, in: query, description: "An action name, e.g. user.role_changed.",
         schema: {type: string, maxLength: 60}}
      - {name: country, in: query, description: A country code., schema: {type: string, maxLength: 2}}
      - {name: since, in: query, description: "From this date (YYYY-MM-DD) or ISO 8601 date-time, UTC.",
         schema: {type: string, format: date}}
      - {name: until, in: query, description: "Up to this date (the whole day) or date-time, UTC.",
         schema: {type: string, format: date}}
      - {$ref: '#/components/parameters/Page'}
      - {$ref: '#/components/parameters/PerPage'}
    responses:
      200:
        description: A page of entries.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AuditList'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
    """
    filters = audit_log.AuditFilters.from_args(request.args)
    page_number, per_page = paging()
    page = audit_log.entries_page(current_user, filters, page_number, per_page)
    return paged([shown.as_json() for shown in page.items], page.total, page.page, page.per_page)
