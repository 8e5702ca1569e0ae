"""Mission reports: filing one quickly, and the monitoring list of the reports a user may read."""

from __future__ import annotations

from typing import IO, Any

from content import attachments, queries, services
from content.models import URGENCIES, Document
from network.errors import BadRequest, DomainError

MONITOR_FILTERS = ("mission", "concerns", "topic", "urgency")


def file_report(
    actor: Any, data: dict[str, Any], *, publish: bool = False, audience: dict[str, Any] | None = None,
    upload: tuple[IO[bytes], str] | None = None,
) -> tuple[Document, DomainError | None]:  # fmt: skip
    """Save the report (a draft), attach the file, then publish when asked and allowed.

    The report is saved first, so a refused file loses nothing typed: the error comes back
    with the saved draft for the author to fix.

    Raises: Invalid, Forbidden as `services.create_document` and `services.publish` do.
    """
    doc = services.create_document(actor, {**data, "kind": "report"})
    if upload is not None:
        try:
            attachments.add_attachment(actor, doc.id, upload[0], upload[1])
        except DomainError as error:
            return doc, error
    if publish:
        audience = audience or {}
        doc = services.publish(actor, doc.id, audience.get("visibility"), audience.get("shared_with"))
    return doc, None


def monitoring_filters(args: Any) -> dict[str, Any]:
    """Filters from a query string; a bad value is a 400 naming what is allowed."""
    filters: dict[str, Any] = {}
    mission = (args.get("mission") or "").strip()
    if mission:
        if not mission.isdigit() or len(mission) > 9:
            raise BadRequest("mission must be a mission's number.")
        filters["mission"] = int(mission)
    urgency = (args.get("urgency") or "").strip()
    if urgency:
        if urgency not in URGENCIES:
            raise BadRequest(f"urgency is one of {', '.join(URGENCIES)}.")
        filters["urgency"] = urgency
    for name in ("concerns", "topic"):
        value = (args.get(name) or "").strip()[:60]
        if value:
            filters[name] = value
    return filters


def latest(actor: Any, filters: dict[str, Any], page: int = 1, per_page: int = 30) -> queries.Page:
    """Published reports the actor may read, newest first."""
    return queries.documents(
        actor, page=page, per_page=per_page, kind="report", published_only=True, **filters
    )
