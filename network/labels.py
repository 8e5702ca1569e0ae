"""The interface's names of the data model's codes (roles, statuses, audiences, levels, peer states).

Lazy, so each is translated in the language of the request that shows it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLES = {  # as a sentence or a table names them
    "reader": _l("reader"),
    "contributor": _l("contributor"),
    "country_admin": _l("country admin"),
    "network_admin": _l("network admin"),
}
ROLE_TITLES = {  # as a list of choices offers them
    "reader": _l("Reader"),
    "contributor": _l("Contributor"),
    "country_admin": _l("Country admin"),
    "network_admin": _l("Network admin"),
}
STATUSES = {
    "draft": _l("draft"),
    "review": _l("in review"),
    "published": _l("published"),
    "withdrawn": _l("withdrawn"),
}
VISIBILITIES = {
    "public": _l("public"),
    "network": _l("network"),
    "countries": _l("selected countries"),
    "country": _l("own country"),
}
LEVELS = {"introductory": _l("Introductory"), "intermediate": _l("Intermediate"), "advanced": _l("Advanced")}
URGENCIES = {"routine": _l("Routine"), "priority": _l("Priority"), "flash": _l("Flash")}  # mission reports
PEER_STATES = {"pending": _l("pending"), "active": _l("active"), "paused": _l("paused")}
TOKEN_SCOPES = {"read": _l("read"), "write": _l("read and write")}


def name(table: dict, code: str | None) -> str:
    """The interface's name of `code`, or the code itself when the table does not know it."""
    return str(table.get(code, code or ""))
