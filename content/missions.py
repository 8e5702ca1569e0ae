"""Missions (embassies and consulates) per country, kept by the country's admins."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from content.models import Mission
from network import access, audit
from network.errors import Forbidden, Invalid, NotFound
from network.extensions import db
from network.models import Country


def listed(country_code: str | None = None, *, include_retired: bool = False) -> list[Mission]:
    query = db.select(Mission).order_by(Mission.country_code, Mission.name)
    if country_code:
        query = query.where(Mission.country_code == country_code.upper())
    if not include_retired:
        query = query.where(Mission.active.is_(True))
    return list(db.session.scalars(query))


def _admin_of(actor: Any, country_code: str) -> None:
    if not access.can_manage_missions(actor, country_code):
        raise Forbidden(_("Only the country's admins keep its list of missions."))


def add(actor: Any, name: str, city: str = "", posted_in: str = "") -> Mission:
    """Raises: Forbidden (not a country admin), Invalid (no name, too long, or a duplicate)."""
    _admin_of(actor, actor.country_code)
    name, city, posted_in = (name or "").strip(), (city or "").strip(), (posted_in or "").strip()
    problems = {}
    if not name:
        problems["name"] = _("Give the mission's name, e.g. Embassy of Indonesia in Canberra.")
    for field, value, most in (("name", name, 150), ("city", city, 100), ("posted_in", posted_in, 100)):
        if len(value) > most:
            problems[field] = _("At most %(most)s characters.", most=most)
    if problems:
        raise Invalid(problems)
    mission = Mission(country_code=actor.country_code, name=name, city=city, posted_in=posted_in)
    db.session.add(mission)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise Invalid({"name": _("Your country already has a mission of that name.")}) from error
    audit.record(actor, "mission.added", object_type="mission", object_id=mission.id, title=name,
                 country=actor.country_code)  # fmt: skip
    db.session.commit()
    return mission


def set_active(actor: Any, mission_id: int, active: bool) -> Mission:
    """Retire a mission (reports keep it; no new report is filed in its name) or restore it."""
    mission = db.session.get(Mission, mission_id)
    if mission is None:
        raise NotFound()
    _admin_of(actor, mission.country_code)
    mission.active = active
    audit.record(actor, "mission.restored" if active else "mission.retired", object_type="mission",
                 object_id=mission.id, title=mission.name, country=mission.country_code)  # fmt: skip
    db.session.commit()
    return mission


def set_reports_published_directly(actor: Any, value: bool) -> Country:
    _admin_of(actor, actor.country_code)
    country = db.session.get(Country, actor.country_code)
    country.reports_published_directly = value
    audit.record(actor, "country.reports_direct", object_type="country", object_id=None,
                 title=country.code, country=country.code, value=value)  # fmt: skip
    db.session.commit()
    return country
