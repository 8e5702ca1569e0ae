"""The write side of `/api/v1`: the role x scope x visibility matrix, the workflow, conflicts,
and every kind of bad input answered with its code while nothing changes.
"""

from __future__ import annotations

import itertools
import json

import pytest
from access_table import OWNER, RELATIONS, SHARED, expected

from content.models import VISIBILITIES, ChangeLog, Document, Revision
from network.extensions import db
from network.models import ApiToken

ROLES = ("reader", "contributor", "country_admin", "network_admin")
SCOPES = ("read", "write")
ACTIONS = ("create", "update", "publish", "unpublish", "delete")
# The table: action x role x token scope (parametrised) x relation to the owner x visibility.
CELLS = list(itertools.product(ACTIONS, ROLES, SCOPES))


@pytest.fixture(autouse=True)
def _no_indexing(app):
    """The search index is not under test here; skipping it keeps the matrix fast."""
    app.config["INDEX_AFTER_REQUEST"] = False


def bearer(user, scope: str = "write") -> dict[str, str]:
    token, clear = ApiToken.issue(user, scope=scope, name="test")
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(m)) for m in (Document, ChangeLog, Revision)
    )


def snapshot(doc_id: int) -> tuple | None:
    db.session.expire_all()
    doc = db.session.get(Document, doc_id)
    if doc is None:
        return None
    return (doc.title, doc.summary, doc.body_markdown, doc.visibility, doc.shared_with, doc.status,
            doc.version, list(doc.tags), [t.slug for t in doc.topics])  # fmt: skip


def audience(visibility: str) -> dict:
    return {"visibility": visibility, "shared_with": [SHARED] if visibility == "countries" else []}


def want_status(action: str, role: str, scope: str, relation: str, visibility: str) -> int:
    """The oracle, written from DESIGN sections 1, 2 and 5 rather than from access.py."""
    if scope == "read":
        return 403
    admin_here = role == "country_admin" and relation == "own"
    if action == "create":
        if role not in ("contributor", "country_admin"):
            return 403
        return 201 if role == "country_admin" or visibility == "country" else 403  # admins set audiences
    status = "review" if action == "publish" else "published"
    if not expected(role, relation, visibility, status):
        return 404
    if not admin_here:
        return 403
    return 204 if action == "delete" else 200


def _attempt(client, make_user, make_document, action, role, scope, relation, visibility) -> list[str]:
    """Run one cell of the matrix; returns what went against the oracle (empty when all is well)."""
    user = make_user(RELATIONS[relation], role)
    headers = bearer(user, scope)
    want = want_status(action, role, scope, relation, visibility)
    doc = None
    if action != "create":
        status = "review" if action == "publish" else "published"
        now = "country" if action == "publish" else visibility
        doc = make_document(OWNER, now, status, shared_with=[SHARED] if now == "countries" else None)
    before, before_doc = counts(), doc and snapshot(doc.id)

    if action == "create":
        response = client.post(
            "/api/v1/documents", headers=headers, json={"title": "By API", **audience(visibility)}
        )
    elif action == "update":
        response = client.patch(f"/api/v1/documents/{doc.id}", headers=headers,
                                json={"version": doc.version, "title": "Changed by API"})  # fmt: skip
    elif action == "publish":
        response = client.post(
            f"/api/v1/documents/{doc.id}/publish", headers=headers, json=audience(visibility)
        )
    elif action == "unpublish":
        response = client.post(f"/api/v1/documents/{doc.id}/unpublish", headers=headers)
    else:
        response = client.delete(f"/api/v1/documents/{doc.id}", headers=headers)

    if response.status_code != want:
        answer = response.get_data(as_text=True)
        return [f"{relation}/{visibility}: {response.status_code} instead of {want}: {answer}"]
    problems = []
    if want >= 400:
        error = response.get_json()["error"]
        if error["code"] != {403: "forbidden", 404: "not_found"}[want]:
            problems.append(f"{relation}/{visibility}: code {error['code']}")
        if scope == "read" and not ("'read' scope" in error["message"] and "'write'" in error["message"]):
            problems.append(f"{relation}/{visibility}: the message does not name the scopes")
        if counts() != before or (doc is not None and snapshot(doc.id) != before_doc):
            problems.append(f"{relation}/{visibility}: a refused write changed something")
        return problems
    db.session.expire_all()
    body = response.get_json()
    done = {
        "create": lambda: (
            (body["title"], body["status"], body["visibility"], body["country"])
            == ("By API", "draft", visibility, user.country_code)
        ),
        "update": lambda: body["title"] == "Changed by API" and body["version"] == doc.version,
        "publish": lambda: (body["status"], body["visibility"]) == ("published", visibility),
        "unpublish": lambda: body["status"] == "withdrawn",
        "delete": lambda: response.data == b"" and db.session.get(Document, doc.id) is None,
    }[action]()
    return [] if done else [f"{relation}/{visibility}: answered {want} but the result is wrong: {body}"]


@pytest.mark.parametrize("action,role,scope", CELLS, ids=["-".join(c) for c in CELLS])
def test_every_write_follows_role_scope_country_and_visibility(
    action, role, scope, client, make_user, make_document
):
    """One test per action x role x scope; inside, every relation to the owner x visibility."""
    problems = []
    for relation, visibility in itertools.product(("own", "other"), VISIBILITIES):
        problems += _attempt(client, make_user, make_document, action, role, scope, relation, visibility)
    assert problems == []


# ------------------------------------------------------------------------------------------
# What a trainer and a country admin do in the pages, done through the API
# ------------------------------------------------------------------------------------------


def test_a_trainer_and_an_admin_take_a_course_from_draft_to_withdrawn(client, make_user):
    trainer, admin = make_user("ID", "contributor"), make_user("ID", "country_admin")
    thai = make_user("TH", "reader")
    as_trainer, as_admin = bearer(trainer), bearer(admin)

    created = client.post("/api/v1/documents", headers=as_trainer, json={
        "kind": "course", "title": "Consular crisis basics", "summary": "For new consuls.",
        "body_markdown": "# Day one\n\nCall the **hotline**.", "language": "en",
        "topics": ["crisis-response"], "tags": ["Consular", "crisis"], "year": 2021,
    })  # fmt: skip
    assert created.status_code == 201, created.get_json()
    doc = created.get_json()
    assert created.headers["Location"] == f"http://hub.test/api/v1/documents/{doc['id']}"
    assert client.get(created.headers["Location"], headers=as_trainer).get_json() == doc
    assert doc["status"] == "draft" and doc["lessons"] == [] and doc["tags"] == ["consular", "crisis"]
    assert "<strong>hotline</strong>" in doc["body_html"]

    edited = client.patch(f"/api/v1/documents/{doc['id']}", headers=as_trainer,
                          json={"version": doc["version"], "summary": "For new consuls and their staff.",
                                "note": "wider audience"})  # fmt: skip
    assert edited.status_code == 200 and edited.get_json()["version"] == doc["version"] + 1
    submitted = client.post(f"/api/v1/documents/{doc['id']}/submit", headers=as_trainer)
    assert submitted.get_json()["status"] == "review"
    assert client.post(f"/api/v1/documents/{doc['id']}/publish", headers=as_trainer).status_code == 403

    published = client.post(f"/api/v1/documents/{doc['id']}/publish", headers=as_admin,
                            json={"visibility": "countries", "shared_with": ["TH"]})  # fmt: skip
    assert published.status_code == 200
    assert (published.get_json()["status"], published.get_json()["shared_with"]) == ("published", ["TH"])
    assert client.get(f"/api/v1/documents/{doc['id']}", headers=bearer(thai, "read")).status_code == 200

    history = client.get(f"/api/v1/documents/{doc['id']}/revisions", headers=as_trainer).get_json()["items"]
    assert [(r["number"], r["note"]) for r in history] == [
        (4, "Published — Visibility: country → countries · Shared with: — → TH"),
        (3, "Submitted for review"),
        (2, "wider audience — Edited summary"),
        (1, "Created"),
    ]
    assert published.get_json()["version"] == 4

    assert client.post(f"/api/v1/documents/{doc['id']}/publish", headers=as_admin).status_code == 409
    assert (
        client.post(f"/api/v1/documents/{doc['id']}/unpublish", headers=as_admin).get_json()["status"]
        == "withdrawn"
    )
    assert client.get(f"/api/v1/documents/{doc['id']}", headers=bearer(thai, "read")).status_code == 404
    back = client.post(f"/api/v1/documents/{doc['id']}/return", headers=as_admin)
    assert back.get_json()["status"] == "draft"
    assert client.delete(f"/api/v1/documents/{doc['id']}", headers=as_admin).status_code == 204
    assert client.get(f"/api/v1/documents/{doc['id']}", headers=as_admin).status_code == 404


def test_an_admin_may_publish_at_once_and_a_contributor_may_not(client, make_user):
    admin, writer = make_user("ID", "country_admin"), make_user("ID", "contributor")
    body = {"title": "Straight out", "status": "published", "visibility": "public"}
    made = client.post("/api/v1/documents", headers=bearer(admin), json=body)
    assert made.status_code == 201 and made.get_json()["status"] == "published"
    assert made.get_json()["published_at"] is not None
    before = counts()
    refused = client.post("/api/v1/documents", headers=bearer(writer), json={**body, "visibility": "country"})
    assert refused.status_code == 403 and counts() == before
    odd = client.post("/api/v1/documents", headers=bearer(admin), json={"title": "x", "status": "review"})
    assert odd.status_code == 422 and "status" in odd.get_json()["error"]["fields"]


def test_an_author_deletes_a_never_published_draft_but_not_a_published_document(
    client, make_user, make_document
):
    writer = make_user("ID", "contributor")
    draft = make_document("ID", "country", "draft", author=writer)
    published = make_document("ID", "public", "published", author=writer)
    assert client.delete(f"/api/v1/documents/{draft.id}", headers=bearer(writer)).status_code == 204
    refused = client.delete(f"/api/v1/documents/{published.id}", headers=bearer(writer))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"


def test_revision_history_is_for_the_owning_countrys_writers_only(client, make_user, make_document):
    doc = make_document("ID", "public", "published")
    cases = [("contributor", "ID", 200), ("country_admin", "ID", 200), ("reader", "ID", 404),
             ("country_admin", "TH", 404), ("network_admin", "ID", 404)]  # fmt: skip
    for role, country, want in cases:
        response = client.get(
            f"/api/v1/documents/{doc.id}/revisions", headers=bearer(make_user(country, role), "read")
        )
        assert response.status_code == want, (role, country)
    assert client.get(f"/api/v1/documents/{doc.id}/revisions").status_code == 401


# ------------------------------------------------------------------------------------------
# Conflicts
# ------------------------------------------------------------------------------------------


def test_a_stale_version_is_a_409_naming_the_current_version_and_nothing_is_overwritten(
    client, make_user, make_document
):
    admin = make_user("ID", "country_admin")
    doc = make_document("ID", "country", "draft")
    seen = doc.version
    first = client.patch(f"/api/v1/documents/{doc.id}", headers=bearer(admin),
                         json={"version": seen, "title": "First edit"})  # fmt: skip
    assert first.status_code == 200
    before, before_doc = counts(), snapshot(doc.id)
    stale = client.patch(f"/api/v1/documents/{doc.id}", headers=bearer(admin),
                         json={"version": seen, "title": "Second edit, from the old copy"})  # fmt: skip
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    current = first.get_json()["version"]
    assert error["code"] == "conflict" and error["current_version"] == current
    assert f"version {current}" in error["message"]
    assert counts() == before and snapshot(doc.id) == before_doc


# ------------------------------------------------------------------------------------------
# Bad input: its own code, never a 500, nothing changes
# ------------------------------------------------------------------------------------------

JSON = {"Content-Type": "application/json"}
BAD_BODIES = [
    ("malformed-json", b'{"title": "unfinished', JSON, 400, "bad_request"),
    ("not-an-object", b'["a", "list"]', JSON, 400, "bad_request"),
    ("not-utf8", b'{"title": "\xff\xfe"}', JSON, 400, "bad_request"),
    ("deeply-nested", b"[" * 50_000 + b"]" * 50_000, JSON, 400, "bad_request"),
    ("text-plain", b'{"title": "x"}', {"Content-Type": "text/plain"}, 415, "unsupported_type"),
    ("form", b"title=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_type"),
    ("no-content-type", b'{"title": "x"}', {}, 415, "unsupported_type"),
    (
        "too-large",
        json.dumps({"title": "x", "body_markdown": "a" * 1_100_000}).encode(),
        JSON,
        413,
        "too_large",
    ),
    ("unknown-field", b'{"title": "x", "secret_flag": true}', JSON, 422, "invalid"),
    ("wrong-types", b'{"title": 5, "tags": {"a": 1}, "year": "soon", "topics": 7}', JSON, 422, "invalid"),
    ("bad-enum", b'{"title": "x", "kind": "novel", "language": "xx"}', JSON, 422, "invalid"),
    ("empty-title", b'{"title": "   "}', JSON, 422, "invalid"),
]


@pytest.mark.parametrize("name,body,headers,status,code", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
@pytest.mark.parametrize("target", ["create", "update", "publish"])
def test_bad_bodies_get_their_code_and_change_nothing(
    target, name, body, headers, status, code, client, make_user, make_document
):
    admin = make_user("ID", "country_admin")
    doc = make_document("ID", "country", "review")
    url, method = {
        "create": ("/api/v1/documents", "POST"),
        "update": (f"/api/v1/documents/{doc.id}", "PATCH"),
        "publish": (f"/api/v1/documents/{doc.id}/publish", "POST"),
    }[target]
    if target == "update" and body.startswith(b"{") and code == "invalid":
        body = b'{"version": %d, ' % doc.version + body[1:]
    if target == "publish" and code == "invalid":
        body = (
            b'{"visibility": "galaxy", "shared_with": 3}'
            if name != "unknown-field"
            else b'{"secret_flag": 1}'
        )
    before, before_doc = counts(), snapshot(doc.id)
    response = client.open(url, method=method, data=body, headers={**bearer(admin), **headers})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    if code == "invalid":
        assert error["fields"]
    assert counts() == before and snapshot(doc.id) == before_doc


def test_invalid_answers_name_every_bad_field(client, make_user):
    admin = make_user("ID", "country_admin")
    response = client.post("/api/v1/documents", headers=bearer(admin),
                           json={"title": 5, "year": "soon", "colour": "red", "owner": "me"})  # fmt: skip
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"colour", "owner"}  # unknown fields first
    response = client.post("/api/v1/documents", headers=bearer(admin), json={"title": 5, "year": "soon"})
    assert set(response.get_json()["error"]["fields"]) == {"title", "year"}


@pytest.mark.parametrize("body", [{"title": "x"}, {"version": "3", "title": "x"}, {"version": True}])
def test_patch_needs_an_integer_version(body, client, make_user, make_document):
    admin = make_user("ID", "country_admin")
    doc = make_document("ID", "country", "draft")
    before = snapshot(doc.id)
    response = client.patch(f"/api/v1/documents/{doc.id}", headers=bearer(admin), json=body)
    assert response.status_code == 422 and "version" in response.get_json()["error"]["fields"]
    assert snapshot(doc.id) == before


def test_the_body_limit_is_configurable(app, client, make_user):
    app.config["API_MAX_BODY"] = 100
    admin = make_user("ID", "country_admin")
    response = client.post("/api/v1/documents", headers=bearer(admin), json={"title": "x" * 200})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_unknown_and_unreadable_ids_look_the_same(client, make_user, make_document):
    admin = make_user("ID", "country_admin")
    hidden = make_document("TH", "country", "published")
    headers = bearer(admin)
    calls = [("PATCH", "", {"version": 1, "title": "x"}), ("POST", "/publish", None),
             ("POST", "/unpublish", None), ("DELETE", "", None), ("GET", "", None),
             ("GET", "/revisions", None), ("POST", "/submit", None), ("POST", "/return", None)]  # fmt: skip
    for method, suffix, body in calls:
        answers = [client.open(f"/api/v1/documents/{n}{suffix}", method=method, json=body, headers=headers)
                   for n in (hidden.id, 999_999)]  # fmt: skip
        assert [a.status_code for a in answers] == [404, 404], (method, suffix)
        assert answers[0].get_json() == answers[1].get_json()
    assert snapshot(hidden.id)[5] == "published"


def test_ids_no_database_can_hold_are_not_found_rather_than_errors(client, make_user):
    headers = bearer(make_user("ID", "country_admin"))
    huge = 2**64 + 1
    for method, path in [("GET", f"/api/v1/documents/{huge}"), ("PATCH", f"/api/v1/documents/{huge}"),
                         ("DELETE", f"/api/v1/documents/{huge}"), ("GET", f"/documents/{huge}")]:  # fmt: skip
        response = client.open(path, method=method, json={"version": 1}, headers=headers)
        assert response.status_code == 404, path


def test_anonymous_writes_are_401_before_the_body_is_looked_at(client):
    response = client.post("/api/v1/documents", data=b"not json", headers={"Content-Type": "text/plain"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert client.post("/api/v1/documents", json={"title": "x"},
                       headers={"Authorization": "Bearer rndd_forged"}).status_code == 401  # fmt: skip


def test_browser_session_writes_need_the_csrf_token(app, client, make_user, login):
    admin = make_user("ID", "country_admin")
    login(admin)
    app.config["WTF_CSRF_ENABLED"] = True
    before = counts()
    refused = client.post("/api/v1/documents", json={"title": "From the page's script"})
    assert refused.status_code == 400 and counts() == before
    page = client.get("/documents/new").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    accepted = client.post(
        "/api/v1/documents", json={"title": "From the page's script"}, headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201


# ------------------------------------------------------------------------------------------
# Paging
# ------------------------------------------------------------------------------------------


def test_lists_page_with_totals_and_link_headers(client, make_document):
    for _ in range(5):
        make_document("ID", "public", "published")
    response = client.get("/api/v1/documents?per_page=2&page=2&kind=case_study")
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (5, 2, 2, 2)
    links = dict(
        (part.split("; ")[1].split('"')[1], part.split(">")[0].lstrip("<"))
        for part in response.headers["Link"].split(", ")
    )
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=3" in links["last"] and "page=1" in links["prev"] and "kind=case_study" in links["next"]
    last = client.get(links["last"].replace("http://hub.test", ""))
    assert len(last.get_json()["items"]) == 1 and 'rel="next"' not in last.headers["Link"]
    for query in ("page=0", "per_page=1000", "page=x", "kind=novel", "page=100000000000000000000"):
        bad = client.get(f"/api/v1/documents?{query}")
        assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_request", query


# ------------------------------------------------------------------------------------------
# The remaining error codes of DESIGN section 5
# ------------------------------------------------------------------------------------------


def test_an_unparseable_search_is_bad_query(client):
    response = client.get("/api/v1/search?q=x&sort=sideways")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_query"


def test_too_many_calls_are_rate_limited_with_the_json_shape(database_url, tmp_path):
    """The default limit is bound once per process, so the per-view login limit shows the shape."""
    from network import create_app

    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "LOGIN_RATE_LIMIT": "2 per minute",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False, "INDEX_DIR": str(tmp_path / "i"),
    })  # fmt: skip
    api = limited.test_client()
    form, accept = {"email": "a@b.c", "password": "x"}, {"Accept": "application/json"}
    answers = [api.post("/login", data=form, headers=accept) for _ in range(3)]
    assert answers[-1].status_code == 429
    assert answers[-1].get_json()["error"]["code"] == "rate_limited"


def test_a_wrong_method_is_a_json_405(client):
    response = client.put("/api/v1/documents")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_a_translation_of_id_past_64_bits_is_invalid_not_a_server_error(client, make_user):
    body = {"title": "x", "translation_of": 2**64}
    response = client.post("/api/v1/documents", headers=bearer(make_user("ID", "country_admin")), json=body)
    assert response.status_code == 422  # found by schemathesis: it was an OverflowError, a 500
    assert "translation_of" in response.get_json()["error"]["fields"]
