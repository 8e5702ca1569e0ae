"""Who sees which audit entries and titles, on the page, in the CSV export and in the API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from content import services
from network import access, audit_log
from network.audit import AuditEntry
from network.extensions import db
from network.tokens import issue_token

pytestmark = pytest.mark.both_databases

RESTRICTED_ELSEWHERE = ("Secret ID paper", "Gone ID secret", "Withdrawn ID paper", "Secret TH memo")
OPEN = ("Open ID paper", "Gone open paper", "TH note shared with SG")


@pytest.fixture
def world(make_user, make_document):
    """Entries about documents of ID and TH in every situation the title rule distinguishes."""
    w = SimpleNamespace(
        id_admin=make_user("ID", "country_admin"),
        th_admin=make_user("TH", "country_admin"),
        secretariat=make_user("SG", "network_admin"),
    )
    w.secret_id = make_document("ID", "country", "review", title="Secret ID paper")
    services.publish(w.id_admin, w.secret_id.id, "country", [])
    make_document("ID", "public", "published", title="Open ID paper")
    withdrawn = make_document("ID", "public", "published", title="Withdrawn ID paper")
    services.unpublish(w.id_admin, withdrawn.id)  # public when published: its title is not public now
    make_document("TH", "country", "published", title="Secret TH memo")
    make_document("TH", "countries", "published", shared_with=["SG"], title="TH note shared with SG")
    for title, visibility in (("Gone ID secret", "country"), ("Gone open paper", "public")):
        gone = make_document("ID", visibility, "published", title=title)
        services.delete_document(w.id_admin, gone.id)
    return w


def _everything(client, login, user) -> dict[str, bytes]:
    login(user)
    return {
        "page": client.get("/admin/audit").get_data(),
        "csv": client.get("/admin/audit.csv").get_data(),
        "api": client.get("/api/v1/audit?per_page=100").get_data(),
    }


def _count(*where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(*where))


@pytest.mark.parametrize("role", ["reader", "contributor"])
def test_readers_and_contributors_are_refused(role, client, login, make_user, world):
    login(make_user("ID", role))
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
    api = client.get("/api/v1/audit")
    assert (api.status_code, api.get_json()["error"]["code"]) == (403, "forbidden")
    assert b"Audit</a>" not in client.get("/").get_data()


def test_anonymous_callers_sign_in_first(client, world):
    assert client.get("/admin/audit").status_code == 302
    assert client.get("/api/v1/audit").status_code == 401


def test_a_country_admin_sees_their_countrys_entries_only(client, login, world):
    seen = _everything(client, login, world.id_admin)
    items = client.get("/api/v1/audit?per_page=100").get_json()
    assert items["total"] == _count(AuditEntry.country_code == "ID") == len(items["items"]) > 5
    assert {item["country"] for item in items["items"]} == {"ID"}
    rows = list(csv.DictReader(io.StringIO(seen["csv"].decode())))
    assert len(rows) == items["total"] and {row["country"] for row in rows} == {"ID"}
    for where, body in seen.items():
        assert b"Secret TH memo" not in body, where
        assert world.th_admin.email.encode() not in body, where
        for title in ("Secret ID paper", "Gone ID secret", "Withdrawn ID paper"):  # their own country's
            assert title.encode() in body, (where, title)
    assert client.get("/api/v1/audit?country=TH").get_json()["total"] == 0


def test_the_network_admin_sees_all_entries_but_no_restricted_title_of_another_country(client, login, world):
    seen = _everything(client, login, world.secretariat)
    items = client.get("/api/v1/audit?per_page=100").get_json()
    assert items["total"] == _count() == len(items["items"])
    assert {"ID", "TH"} <= {item["country"] for item in items["items"]}
    for where, body in seen.items():
        for title in RESTRICTED_ELSEWHERE:
            assert title.encode() not in body, (where, title)
        for title in OPEN:
            assert title.encode() in body, (where, title)
    about_secret = [i for i in items["items"] if i["object"]["id"] == str(world.secret_id.id)]
    assert about_secret and all(
        i["object"]["title"] is None and i["object"]["title_withheld"] for i in about_secret
    )
    assert b"restricted" in seen["page"] and str(world.secret_id.id).encode() in seen["page"]
    rows = list(csv.DictReader(io.StringIO(seen["csv"].decode())))
    assert {row["title"] for row in rows if row["object_id"] == str(world.secret_id.id)} == {"restricted"}


def test_filters_and_paging(client, login, world):
    login(world.secretariat)
    api = "/api/v1/audit"
    by_actor = client.get(f"{api}?actor={world.id_admin.email.split('@')[0].upper()}&per_page=100").get_json()
    assert by_actor["total"] == _count(AuditEntry.actor_id == world.id_admin.id) >= 4
    assert {i["actor"]["email"] for i in by_actor["items"]} == {world.id_admin.email}
    deleted = client.get(f"{api}?action=document.deleted").get_json()
    assert deleted["total"] == 2 and {i["action"] for i in deleted["items"]} == {"document.deleted"}
    assert client.get(f"{api}?country=th&per_page=100").get_json()["total"] == _count(
        AuditEntry.country_code == "TH"
    )
    today = datetime.now(UTC).date()
    assert client.get(f"{api}?since={today}&until={today}").get_json()["total"] == _count()
    assert client.get(f"{api}?since={today + timedelta(days=1)}").get_json()["total"] == 0
    assert client.get(f"{api}?until={today - timedelta(days=1)}").get_json()["total"] == 0
    later = {"since": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()}  # a date-time with its offset
    assert client.get(api, query_string=later).get_json()["total"] == 0

    first = client.get(f"{api}?per_page=3")
    second = client.get(f"{api}?per_page=3&page=2").get_json()
    ids = [i["id"] for i in first.get_json()["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    assert first.get_json()["items"][-1]["id"] > second["items"][0]["id"]
    assert 'rel="next"' in first.headers["Link"]

    page = client.get("/admin/audit?action=document.deleted").get_data(as_text=True)
    assert "Gone open paper" in page and "Open ID paper" not in page
    csv_rows = list(
        csv.DictReader(
            io.StringIO(client.get("/admin/audit.csv?action=document.deleted").get_data(as_text=True))
        )
    )
    assert len(csv_rows) == 2


@pytest.mark.parametrize(
    "query", ["country=XYZ", "since=yesterday", "until=2026-13-01", "actor=a%00b", "page=0", "per_page=1000"]
)
def test_bad_filters_are_a_400(query, client, login, world):
    login(world.id_admin)
    api = client.get(f"/api/v1/audit?{query}")
    assert (api.status_code, api.get_json()["error"]["code"]) == (400, "bad_request")
    assert client.get(f"/admin/audit?{query}").status_code == 400
    if not query.startswith(("page", "per_page")):  # the export has no pages
        assert client.get(f"/admin/audit.csv?{query}").status_code == 400


def test_the_csv_export_cannot_carry_a_formula(client, login, make_user, world):
    author = make_user("ID", "contributor")
    names = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "plain name"]
    for name in names:
        issue_token(author, name, "read")
    login(world.id_admin)
    response = client.get("/admin/audit.csv?action=token.created")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = csv.reader(io.StringIO(response.get_data(as_text=True)))
    assert next(reader) == list(audit_log.CSV_COLUMNS)
    titles = sorted(row[audit_log.CSV_COLUMNS.index("title")] for row in reader)
    assert titles == sorted(["'" + n for n in names[:4]] + ["plain name"])


def test_the_title_rule(world, make_user):
    """Unit checks of `access.audit_title_shown`, including an id reused by a later document."""
    doc = world.secret_id
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_id == str(doc.id))).first()
    assert access.audit_title_shown(world.id_admin, entry, doc)
    assert not access.audit_title_shown(world.secretariat, entry, doc)
    assert not access.audit_title_shown(world.th_admin, entry, doc)
    gone = SimpleNamespace(
        object_type="document", restricted=True, country_code="ID", created_at=entry.created_at
    )
    assert access.audit_title_shown(world.id_admin, gone, None)
    assert not access.audit_title_shown(world.secretariat, gone, None)
    assert access.audit_title_shown(
        world.secretariat, SimpleNamespace(**{**vars(gone), "restricted": False}), None
    )
    reused = {
        "status": "published",
        "visibility": "public",
        "country_code": "TH",
        "shared_with": [],
        "author_id": None,
    }
    later = SimpleNamespace(created_at=entry.created_at + timedelta(seconds=1), **reused)
    assert not access.audit_title_shown(world.secretariat, gone, later)  # another document with the same id
    assert access.audit_entries_visible(make_user("ID", "reader")).compare(access.false())


def test_the_api_is_described(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/audit"]["get"]
    names = {p.get("name") for p in operation["parameters"]}
    assert {"actor", "action", "country", "since", "until"} <= names
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AuditList"
    )
