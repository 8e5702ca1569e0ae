"""Checking document fields from forms and JSON alike, before anything is saved."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from content.models import KINDS, LANGUAGES, LEVELS, URGENCIES, VISIBILITIES, Document, Mission, Topic
from network import access
from network.api import id_from
from network.extensions import db
from network.models import Country

EDITABLE = (
    "kind", "title", "summary", "body_markdown", "language", "topics", "tags", "year",
    "translation_of", "visibility", "shared_with", "level", "duration_minutes",
    "mission", "concerns", "urgency", "sources",
)  # fmt: skip
REPORT_FIELDS = ("mission", "concerns", "urgency", "sources")
SOURCES_MAX = 10
DURATION_MAX = 100 * 60  # minutes: a course of a hundred hours at the most
AUDIENCE = ("visibility", "shared_with")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    raise TypeError


def clean(data: dict[str, Any], owner: str, actor: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the given fields; returns (clean values, problems by field name).

    Only keys present in `data` are checked, so a partial update checks only what it sends.
    `actor` is who writes: a translation links only to a document they may read.
    """
    cfg = current_app.config
    out: dict[str, Any] = {}
    problems: dict[str, str] = {}

    def check(name: str, fn) -> None:
        if name not in data:
            return
        try:
            out[name] = fn(data[name])
        except (TypeError, ValueError) as error:
            problems[name] = str(error) or f"{name} has the wrong type."

    def text(limit: int, required: bool = False):
        def fn(value: Any) -> str:
            if not isinstance(value, str):
                raise TypeError(_("Must be text."))
            value = value.replace("\r\n", "\n").replace("\x00", "").strip()
            if required and not value:
                raise ValueError(_("Must not be empty."))
            if len(value) > limit:
                raise ValueError(
                    _(
                        "At most %(limit)s characters (this has %(length)s).",
                        limit=format_decimal(limit),
                        length=format_decimal(len(value)),
                    )
                )
            return value

        return fn

    def one_of(options, label: str):
        def fn(value: Any) -> str:
            if value not in options:
                raise ValueError(
                    _(
                        "Unknown %(name)s %(value)r; use one of %(choices)s.",
                        name=label,
                        value=value,
                        choices=", ".join(options),
                    )
                )
            return value

        return fn

    check("title", text(cfg["TITLE_MAX"], required=True))
    check("summary", text(cfg["SUMMARY_MAX"]))
    check("body_markdown", text(cfg["BODY_MAX"]))
    check("kind", one_of(tuple(KINDS), "kind"))
    check("language", one_of(tuple(LANGUAGES), "language"))
    check("visibility", one_of(VISIBILITIES, "visibility"))
    check("year", _year)
    check("level", lambda v: None if v in (None, "") else one_of(LEVELS, "level")(v))
    check("duration_minutes", _minutes)
    check("tags", lambda v: _tags(v, cfg["TAGS_MAX"], cfg["TAG_MAX"]))
    check("topics", _topics)
    check("shared_with", lambda v: _countries(v, owner))
    check("translation_of", lambda v: _translation_of(v, owner, actor))
    check("mission", lambda v: _mission(v, owner))
    check("concerns", lambda v: text(60)(v or "") or None)
    check("urgency", lambda v: None if v in (None, "") else one_of(URGENCIES, "urgency")(v))
    check("sources", _sources)
    return out, problems


def _mission(value: Any, owner: str) -> Mission | None:
    """A report is filed in the name of one of its own country's active missions."""
    if value in (None, "", 0):
        return None
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or not str(value).isdigit():
        raise ValueError(_("Must be the id of one of your country's missions."))
    mission = db.session.get(Mission, int(value))
    if mission is None or mission.country_code != owner or not mission.active:
        raise ValueError(_("Choose one of your country's missions (the country admins keep the list)."))
    return mission


def _sources(value: Any) -> list[str]:
    """Links the report is based on: http(s) addresses, one per line or a list."""
    if isinstance(value, str):
        value = value.split()
    links = list(dict.fromkeys(_as_list(value)))
    if len(links) > SOURCES_MAX:
        raise ValueError(_("At most %(most)s source links.", most=SOURCES_MAX))
    for link in links:
        if not link.lower().startswith(("http://", "https://")) or len(link) > 500 or " " in link:
            problem = _("Not a web address: %(link)s (use http:// or https://).", link=repr(link[:60]))
            raise ValueError(problem)
    return links


def _year(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(_("Must be a year such as 2021."))
    try:
        year = int(value)
    except ValueError as error:
        raise ValueError(_("Must be a year such as 2021.")) from error
    if not 1990 <= year <= date.today().year + 1:
        raise ValueError(_("Must be between 1990 and %(last)s.", last=date.today().year + 1))
    return year


def _minutes(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(_("Must be a whole number of minutes."))
    try:
        minutes = int(value)
    except ValueError as error:
        raise ValueError(
            _("A whole number of minutes, 1 to %(most)s.", most=format_decimal(DURATION_MAX))
        ) from error
    if not 1 <= minutes <= DURATION_MAX:
        raise ValueError(_("A whole number of minutes, 1 to %(most)s.", most=format_decimal(DURATION_MAX)))
    return minutes


def _tags(value: Any, most: int, longest: int) -> list[str]:
    tags = list(dict.fromkeys(tag.lower() for tag in _as_list(value)))
    if len(tags) > most:
        raise ValueError(_("At most %(most)s tags.", most=most))
    if any(len(tag) > longest for tag in tags):
        raise ValueError(_("A tag has at most %(longest)s characters.", longest=longest))
    return tags


def _topics(value: Any) -> list[Topic]:
    slugs = list(dict.fromkeys(_as_list(value)))
    found = {t.slug: t for t in db.session.scalars(db.select(Topic).where(Topic.slug.in_(slugs)))}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise ValueError(_("Unknown topic: %(names)s.", names=", ".join(unknown)))
    return [found[slug] for slug in slugs]


def _countries(value: Any, owner: str) -> list[str]:
    codes = list(dict.fromkeys(code.upper() for code in _as_list(value)))
    known = set(db.session.scalars(db.select(Country.code).where(Country.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValueError(_("Unknown country: %(names)s.", names=", ".join(unknown)))
    return [code for code in codes if code != owner]


NOT_LINKABLE = _l(
    "No such document: a translation links to a document of the same country that you can read."
)


def _translation_of(value: Any, owner: str, actor: Any) -> Document | None:
    """The original a translation links to. A missing id, another country's document and one the
    actor may not read get the same answer: the form reveals nothing about other documents."""
    if value in (None, "") or (value == 0 and not isinstance(value, bool)):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ValueError(_("Must be the id of a document."))
    doc_id = id_from(value)
    doc = db.session.get(Document, doc_id) if doc_id else None
    original = doc and (doc.translation_of or doc)
    if doc is None or not all(access.can_read(actor, d) and d.country_code == owner for d in (doc, original)):
        raise ValueError(str(NOT_LINKABLE))
    return original
