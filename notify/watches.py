"""The watch list: what a user follows and how they hear of it, and their notification settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from content.models import KINDS, Mission, Topic
from network.errors import Invalid, NotFound
from network.extensions import db
from network.models import Country
from notify.models import DELIVERIES, WATCH_TYPES, NotifySettings, Watch

WATCHES_MAX = 100


def listed(actor: Any) -> list[Watch]:
    return list(db.session.scalars(db.select(Watch).where(Watch.user_id == actor.id).order_by(Watch.id)))


def get_own(actor: Any, watch_id: int) -> Watch:
    """Raises NotFound for a missing watch and for another user's (they look the same)."""
    watch = db.session.get(Watch, watch_id)
    if watch is None or watch.user_id != actor.id:
        raise NotFound(_("No such item on your watch list."))
    return watch


def _check_delivery(delivery: Any) -> str:
    if delivery not in DELIVERIES:
        raise Invalid({"delivery": _("delivery is one of %(choices)s.", choices=", ".join(DELIVERIES))})
    return delivery


def _check_value(kind: str, value: str) -> str:
    """The followed item must exist now (it may be removed later: the watch then matches nothing)."""
    value = (value or "").strip()
    found = {
        "topic": lambda: db.session.scalar(db.select(Topic.id).where(Topic.slug == value)),
        "country": lambda: db.session.get(Country, value.upper()),
        "mission": lambda: value.isdigit() and len(value) < 10 and db.session.get(Mission, int(value)),
        "kind": lambda: value in KINDS,
    }[kind]()
    if not value or not found:
        raise Invalid({"value": _("No such %(kind)s: %(value)s.", kind=kind, value=repr(value[:40]))})
    return value.upper() if kind == "country" else value


def _check_search(query: str, filters: Any) -> tuple[str, dict[str, list[str]]]:
    """A saved search must parse now, with filters the search page would accept."""
    from content.search import BadQuery, filters_from
    from search_index import QueryError
    from search_index.parse import parse_query

    query = (query or "").strip()
    if not isinstance(filters, dict) or not all(isinstance(v, list) for v in filters.values()):
        raise Invalid({"filters": _("filters map a facet name to a list of values.")})
    args = MultiDict([(name, str(value)) for name, values in filters.items() for value in values])
    try:
        cleaned = filters_from(args)
        parse_query(query)
    except (BadQuery, QueryError) as error:
        raise Invalid({"query": str(error)}) from error
    if not query and not cleaned:
        raise Invalid({"query": _("Give words or filters to search for.")})
    return query, cleaned


def add(actor: Any, data: dict[str, Any]) -> Watch:
    """Follow something. Raises Invalid naming the field that is wrong; nothing is saved then."""
    kind = data.get("type")
    if kind not in WATCH_TYPES:
        raise Invalid({"type": _("type is one of %(choices)s.", choices=", ".join(WATCH_TYPES))})
    delivery = _check_delivery(data.get("delivery", "site"))
    watch = Watch(user_id=actor.id, type=kind, delivery=delivery, value="", name="", query="", filters={})
    if kind == "search":
        watch.query, watch.filters = _check_search(str(data.get("query") or ""), data.get("filters") or {})
        watch.name = (str(data.get("name") or "") or watch.query or _("Saved search")).strip()[:120]
    else:
        watch.value = _check_value(kind, str(data.get("value") or ""))
    mine = listed(actor)
    if len(mine) >= WATCHES_MAX:
        raise Invalid({"type": _("You follow %(most)s items already; remove one first.", most=WATCHES_MAX)})
    if any(_same(w, watch) for w in mine):
        raise Invalid({"value": _("You follow this already.")})
    db.session.add(watch)
    db.session.commit()
    return watch


def _same(a: Watch, b: Watch) -> bool:
    return (a.type, a.value, a.query, a.filters or {}) == (b.type, b.value, b.query, b.filters or {})


def set_delivery(actor: Any, watch_id: int, delivery: Any) -> Watch:
    watch = get_own(actor, watch_id)
    watch.delivery = _check_delivery(delivery)
    db.session.commit()
    return watch


def remove(actor: Any, watch_id: int) -> None:
    db.session.delete(get_own(actor, watch_id))
    db.session.commit()


def current_settings(user: Any) -> NotifySettings:
    """The user's settings, or the defaults (not stored) when they have none."""
    row = db.session.get(NotifySettings, user.id)
    if row is None:
        row = NotifySettings.defaults(user.id)
    return row


def settings_for(user: Any) -> NotifySettings:
    """The user's settings row, added to the session (the caller commits) when they have none."""
    row = current_settings(user)
    if row not in db.session:
        db.session.add(row)
    return row


def update_settings(actor: Any, *, email_enabled: bool, flash_always: bool, workflow_email: bool) -> None:
    """Saving the settings also resumes mail to an address that was refused: the user says it works."""
    row = settings_for(actor)
    row.email_enabled, row.flash_always, row.workflow_email = email_enabled, flash_always, workflow_email
    row.bounced_at, row.bounced_address = None, ""
    db.session.commit()


@dataclass
class Described:
    watch: Watch
    label: str
    problem: str = ""  # why it matches nothing now (a removed topic, a search that no longer parses)


def describe(watches: list[Watch]) -> list[Described]:
    """Labels for people, and a clear word on items that no longer exist."""
    topics = dict(db.session.execute(db.select(Topic.slug, Topic.name)).all())
    countries = dict(db.session.execute(db.select(Country.code, Country.name)).all())
    missions = {str(i): n for i, n in db.session.execute(db.select(Mission.id, Mission.name)).all()}
    out = []
    types = {"topic": _("Topic"), "country": _("Country"), "mission": _("Mission"), "kind": _("Kind")}
    for w in watches:
        names = {"topic": topics, "country": countries, "mission": missions, "kind": KINDS}.get(w.type)
        if names is not None:
            name = names.get(w.value)
            gone = (
                ""
                if name
                else _("This %(type)s no longer exists; nothing will match.", type=types[w.type].lower())
            )
            out.append(Described(w, f"{types[w.type]}: {name or w.value}", gone))
            continue
        try:
            _check_search(w.query, w.filters or {})
            problem = ""
        except Invalid as error:
            reason = "; ".join(map(str, error.fields.values()))
            problem = _("This saved search no longer works: %(reason)s", reason=reason)
        out.append(Described(w, _("Search: %(name)s", name=w.name), problem))
    return out
