"""The access table of DESIGN section 2, written out independently of the policy module.

Shared by every test that checks a read path (policy, pages, API, search).
"""

from __future__ import annotations

OWNER, SHARED, OTHER = "ID", "TH", "JP"
RELATIONS = {"own": OWNER, "shared": SHARED, "other": OTHER}
ROLES = ("reader", "contributor", "country_admin", "network_admin")
PRINCIPALS = [("anonymous", None), ("author", "own")] + [
    (role, relation) for role in ROLES for relation in RELATIONS
]


def expected(role: str, relation: str | None, visibility: str, status: str) -> bool:
    """May this principal read a document of OWNER in this state (shared with SHARED)?"""
    if role == "anonymous":
        return status == "published" and visibility == "public"
    own = relation == "own"
    if status == "published":
        if visibility in ("public", "network"):
            return True
        if visibility == "countries":
            return own or relation == "shared"
        return own
    if status in ("draft", "review"):
        return role == "author" or (role == "country_admin" and own)
    return role == "country_admin" and own  # withdrawn
