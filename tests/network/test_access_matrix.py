"""The access matrix of DESIGN section 2, one table run against every read path.

role x relation to the owner x visibility x status; each case checks the policy function,
the SQL filter, the document page, the API document, and the API listing.
"""

from __future__ import annotations

import itertools

import pytest
from access_table import OWNER, PRINCIPALS, RELATIONS, SHARED, expected

from content.models import STATUSES, VISIBILITIES, Document
from network import access
from network.extensions import db

CASES = list(itertools.product(PRINCIPALS, VISIBILITIES, STATUSES))

pytestmark = pytest.mark.both_databases


def _case_id(case) -> str:
    (role, relation), visibility, status = case
    return f"{role}-{relation or 'none'}-{visibility}-{status}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_every_read_path_agrees_with_the_design(case, client, make_user, make_document, login):
    (role, relation), visibility, status = case
    shared = [SHARED] if visibility == "countries" else []
    doc = make_document(OWNER, visibility, status, shared_with=shared,
                        title="Matrix document", summary="secret-summary-word")  # fmt: skip
    if role == "anonymous":
        user = None
    elif role == "author":
        user = doc.author
    else:
        user = make_user(RELATIONS[relation], role)
    want = expected(role, relation, visibility, status)

    from flask_login import AnonymousUserMixin

    actor = user or AnonymousUserMixin()
    assert access.can_read(actor, doc) is want
    visible = db.session.scalars(
        db.select(Document.id).where(access.visible_documents(actor), Document.id == doc.id)
    ).all()
    assert (visible == [doc.id]) is want

    if user is not None:
        login(user)
    page = client.get(f"/documents/{doc.id}")
    assert page.status_code == (200 if want else 404)
    api = client.get(f"/api/v1/documents/{doc.id}")
    assert api.status_code == (200 if want else 404)
    if not want:
        assert "secret-summary-word" not in page.get_data(as_text=True)
        assert api.get_json() == {
            "error": {"code": "not_found", "message": api.get_json()["error"]["message"]}
        }
    listing = client.get("/api/v1/documents?per_page=100").get_json()
    assert (doc.id in [item["id"] for item in listing["items"]]) is want
    assert listing["total"] == len(listing["items"])
