"""Reading the audit log: the entries a viewer may see, filtered, paged, exported.

Which entries and which titles a viewer sees is decided by the access policy
(`access.audit_entries_visible` in the query, `access.audit_title_shown` per entry), so the
page, the CSV file and the API cannot disagree.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select

from content.models import Document
from network import access, paging
from network.audit import AuditEntry
from network.errors import BadRequest, Forbidden
from network.extensions import db

WITHHELD = "restricted"
CSV_COLUMNS = ("id", "created_at", "actor_id", "actor_email", "action", "object_type", "object_id",
               "title", "country", "ip", "user_agent", "details", "hash")  # fmt: skip
# A spreadsheet runs a cell starting with one of these as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_COUNTRY = re.compile(r"[A-Z]{2}")


def _text(args: Mapping[str, str], name: str, longest: int) -> str:
    value = (args.get(name) or "").strip()
    if len(value) > longest or _CONTROL.search(value):
        raise BadRequest(
            _(
                "%(name)s is text of at most %(longest)s characters, without control characters.",
                name=name,
                longest=longest,
            )
        )
    return value


def _moment(args: Mapping[str, str], name: str, end_of_day: bool) -> datetime | None:
    """A date (the whole day counts) or an ISO 8601 date-time, as the naive UTC of the columns."""
    value = _text(args, name, 40)
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time.max if end_of_day else time.min)
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError) as error:
        raise BadRequest(_("%(name)s is a date (YYYY-MM-DD) or an ISO 8601 date-time.", name=name)) from error


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    country: str = ""
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilters:
        """Raises: BadRequest naming the argument that is not understood."""
        country = _text(args, "country", 2).upper()
        if country and not _COUNTRY.fullmatch(country):
            raise BadRequest(_("country is a two-letter country code."))
        return cls(
            actor=_text(args, "actor", 254), action=_text(args, "action", 60), country=country,
            since=_moment(args, "since", end_of_day=False), until=_moment(args, "until", end_of_day=True),
        )  # fmt: skip

    def where(self, query: Select) -> Select:
        if self.actor:
            query = query.where(AuditEntry.actor_email.icontains(self.actor, autoescape=True))
        if self.action:
            query = query.where(AuditEntry.action == self.action)
        if self.country:
            query = query.where(AuditEntry.country_code == self.country)
        if self.since:
            query = query.where(AuditEntry.created_at >= self.since)
        if self.until:
            query = query.where(AuditEntry.created_at <= self.until)
        return query


@dataclass
class ShownEntry:
    """An entry as one viewer sees it: `title` is None where the policy withholds it."""

    entry: AuditEntry
    title: str | None

    def as_json(self) -> dict[str, Any]:
        e = self.entry
        return {
            "id": e.id, "created_at": e.created_at.isoformat() + "Z",
            "actor": {"id": e.actor_id, "email": e.actor_email}, "action": e.action,
            "object": {"type": e.object_type, "id": e.object_id, "title": self.title,
                       "title_withheld": self.title is None},
            "country": e.country_code, "ip": e.ip, "user_agent": e.user_agent,
            "details": e.detail_values, "hash": e.hash,
        }  # fmt: skip

    def as_row(self) -> list[Any]:
        e = self.entry
        title = WITHHELD if self.title is None else self.title
        return [e.id, e.created_at.isoformat(), e.actor_id or "", e.actor_email, e.action, e.object_type,
                e.object_id, title, e.country_code or "", e.ip, e.user_agent, e.details, e.hash]  # fmt: skip


AuditPage = paging.Page  # of ShownEntry


def _visible(viewer: Any, filters: AuditFilters) -> Select:
    """Raises: Forbidden for anyone but country admins and the network admin."""
    if not access.can_see_audit(viewer):
        raise Forbidden(_("Only country admins and the network admin read the audit log."))
    return filters.where(db.select(AuditEntry).where(access.audit_entries_visible(viewer)))


def _document_id(entry: AuditEntry) -> int | None:
    is_document = entry.object_type == "document" and entry.object_id.isdigit()
    return int(entry.object_id) if is_document else None


def _shown(viewer: Any, entries: list[AuditEntry]) -> list[ShownEntry]:
    """Titles decided per entry by the policy, with the documents named loaded in one query."""
    ids = {n for n in map(_document_id, entries) if n is not None}
    found = db.session.scalars(db.select(Document).where(Document.id.in_(ids))) if ids else []
    docs = {doc.id: doc for doc in found}
    shown = []
    for entry in entries:
        doc = docs.get(_document_id(entry))  # type: ignore[arg-type]
        title = entry.object_title if access.audit_title_shown(viewer, entry, doc) else None
        shown.append(ShownEntry(entry, title))
    return shown


def entries_page(viewer: Any, filters: AuditFilters, page: int, per_page: int) -> AuditPage:
    """One page of the entries the viewer may see, newest first."""
    query = _visible(viewer, filters)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return AuditPage(_shown(viewer, list(rows)), total, page, per_page)


def all_entries(viewer: Any, filters: AuditFilters, batch: int = 500) -> Iterator[ShownEntry]:
    """Every matching entry, newest first, read in batches (an export of a long log stays small).

    Access is checked at the call, before anything is read.
    """
    query = _visible(viewer, filters).order_by(AuditEntry.id.desc()).limit(batch)

    def batches() -> Iterator[ShownEntry]:
        before: int | None = None
        while True:
            rows = list(db.session.scalars(query if before is None else query.where(AuditEntry.id < before)))
            yield from _shown(viewer, rows)
            if len(rows) < batch:
                return
            before = rows[-1].id

    return batches()


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading quote; it then shows as text."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def csv_lines(viewer: Any, filters: AuditFilters) -> Iterator[str]:
    """The filtered entries as CSV, line by line, the header first; access is checked at the call."""
    entries = all_entries(viewer, filters)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(c) for c in cells])
        return buffer.getvalue()

    def lines() -> Iterator[str]:
        yield line(list(CSV_COLUMNS))
        for shown in entries:
            yield line(shown.as_row())

    return lines()


def actions(viewer: Any) -> list[str]:
    """The action names found among the entries the viewer may see (for the filter's choices)."""
    query = _visible(viewer, AuditFilters()).with_only_columns(AuditEntry.action).distinct()
    return sorted(db.session.scalars(query))
