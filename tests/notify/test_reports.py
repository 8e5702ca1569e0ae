"""Mission reports: filed from the quick form and the API in a mission's name, kept to the
owner's active missions, published directly where the country allows it, listed on the
monitoring page with its filters, searchable and in the feeds like every document."""

from __future__ import annotations

import io

import pytest

from content import indexing, missions
from content.models import Document
from network.extensions import db

pytestmark = pytest.mark.both_databases


def _report(mission_id, **extra):
    return {
        "title": "Port of Yangon reopened",
        "kind": "report",
        "mission": mission_id,
        "body_markdown": "Ships are moving again.",
        **extra,
    }


def test_a_report_is_filed_in_a_mission_of_its_own_country(app, client, login, make_user, make_mission):
    mine, theirs = make_mission("ID"), make_mission("TH")
    login(make_user("ID", "contributor"))
    made = client.post(
        "/api/v1/documents",
        json=_report(mine.id, concerns="MM", urgency="priority", sources=["https://example.org/port"]),
    )
    assert made.status_code == 201, made.get_json()
    doc = made.get_json()
    assert doc["mission"] == {"id": mine.id, "name": mine.name}
    assert (doc["concerns"], doc["urgency"], doc["sources"]) == (
        "MM",
        "priority",
        ["https://example.org/port"],
    )
    assert doc["status"] == "draft"

    for body, field in [
        ({"title": "No mission", "kind": "report"}, "mission"),
        (_report(theirs.id), "mission"),
        (_report(mine.id, urgency="panic"), "urgency"),
        (_report(mine.id, sources=["javascript:alert(1)"]), "sources"),
        ({"title": "Not a report", "kind": "case_study", "mission": mine.id}, "mission"),
    ]:
        refused = client.post("/api/v1/documents", json=body)
        assert refused.status_code == 422, body
        assert field in refused.get_json()["error"]["fields"], body
    missions.set_active(make_user("ID", "country_admin"), mine.id, False)
    assert client.post("/api/v1/documents", json=_report(mine.id)).status_code == 422  # retired
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 1


def test_contributors_publish_reports_directly_only_where_allowed(
    app, client, login, make_user, make_mission
):
    mission = make_mission("ID")
    admin, contributor = make_user("ID", "country_admin"), make_user("ID", "contributor")
    login(contributor)
    form = {
        "title": "Flash: embassy closed",
        "mission": str(mission.id),
        "urgency": "flash",
        "body_markdown": "Closed until further notice.",
        "visibility": "network",
        "publish": "Publish now",
    }
    assert "Publish now" not in client.get("/reports/new").get_data(as_text=True)
    client.post("/reports/new", data=form)
    assert db.session.scalar(db.select(Document.status)) == "draft"  # not allowed yet: kept as a draft

    login(admin)
    assert client.post("/missions/settings", data={"direct": "y"}).status_code == 302
    login(contributor)
    assert "Publish now" in client.get("/reports/new").get_data(as_text=True)
    response = client.post(
        "/reports/new", data={**form, "file": (io.BytesIO(b"%PDF-1.4 not really"), "x.pdf")}
    )
    assert response.status_code == 302
    newest = db.session.scalars(db.select(Document).order_by(Document.id.desc())).first()
    # The damaged PDF was refused: the report waits as a draft, with what was typed, for a fix.
    assert (newest.status, newest.body_markdown) == ("draft", "Closed until further notice.")
    assert response.headers["Location"].endswith(f"/documents/{newest.id}/edit")
    assert client.post("/reports/new", data=form).status_code == 302
    newest = db.session.scalars(db.select(Document).order_by(Document.id.desc())).first()
    assert (newest.status, newest.visibility, newest.urgency) == ("published", "network", "flash")
    # A contributor publishes their own reports only, and no other kind.
    assert (
        client.post("/api/v1/documents", json={"title": "A case study", "status": "published"}).status_code
        == 403
    )


def test_a_report_without_a_mission_keeps_what_was_typed(app, client, login, make_user, make_mission):
    make_mission("ID")
    login(make_user("ID", "contributor"))
    page = client.post(
        "/reports/new",
        data={"title": "Typed on a phone", "body_markdown": "Long text typed.", "save": "Save as draft"},
    )
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Choose the mission that files this report." in text and "Long text typed." in text


def test_the_monitoring_page_lists_readable_reports_with_filters(
    app, client, login, make_user, make_document, make_mission
):
    jakarta, bangkok = make_mission("ID", "Embassy in Yangon"), make_mission("ID", "Consulate in Mandalay")
    make_document(
        "ID",
        "network",
        "published",
        kind="report",
        mission=jakarta.id,
        title="Yangon routine",
        concerns="MM",
        topics=["crisis-response"],
    )
    make_document(
        "ID",
        "network",
        "published",
        kind="report",
        mission=bangkok.id,
        title="Mandalay flash",
        urgency="flash",
        concerns="MM",
    )
    make_document("ID", "country", "published", kind="report", mission=jakarta.id, title="Yangon restricted")
    make_document("ID", "network", "published", title="A case study, not a report")
    login(make_user("TH", "reader"))

    def titles(query: str = "") -> set[str]:
        page = client.get(f"/monitoring{query}").get_data(as_text=True)
        return {
            t for t in ("Yangon routine", "Mandalay flash", "Yangon restricted", "A case study") if t in page
        }

    assert titles() == {"Yangon routine", "Mandalay flash"}
    assert titles(f"?mission={jakarta.id}") == {"Yangon routine"}
    assert titles("?urgency=flash") == {"Mandalay flash"}
    assert titles("?topic=crisis-response") == {"Yangon routine"}
    assert titles("?concerns=mm&view=timeline") == {"Yangon routine", "Mandalay flash"}
    assert client.get("/monitoring?urgency=panic").status_code == 400
    assert client.get("/monitoring?mission=abc").status_code == 400
    login(make_user("ID", "reader"))
    assert "Yangon restricted" in client.get("/monitoring").get_data(as_text=True)


def test_reports_are_searchable_and_in_the_feeds(app, client, make_document, make_mission):
    mission = make_mission("ID")
    make_document(
        "ID", "public", "published", kind="report", mission=mission.id, title="Typhoon landfall report"
    )
    indexing.drain()
    found = client.get("/api/v1/search?q=typhoon&kind=report").get_json()
    assert [item["title"] for item in found["items"]] == ["Typhoon landfall report"]
    assert client.get("/api/v1/search?q=kind:report").get_json()["total"] == 1
    assert b"Typhoon landfall report" in client.get("/feeds/latest.atom").data


def test_missions_are_kept_by_their_country_admins(app, client, login, make_user):
    admin = make_user("ID", "country_admin")
    login(admin)
    assert (
        client.post(
            "/missions",
            data={
                "name": "Embassy of Indonesia in Wellington",
                "city": "Wellington",
                "posted_in": "New Zealand",
            },
        ).status_code
        == 302
    )
    assert client.post("/missions", data={"name": "Embassy of Indonesia in Wellington"}).status_code == 422
    assert client.post("/missions", data={"name": ""}).status_code == 422
    [mission] = client.get("/api/v1/missions?country=ID").get_json()["items"]
    assert mission["name"] == "Embassy of Indonesia in Wellington"
    login(make_user("TH", "country_admin"))
    assert client.post(f"/missions/{mission['id']}/retire").status_code == 403
    login(admin)
    assert client.post(f"/missions/{mission['id']}/retire").status_code == 302
    assert client.get("/api/v1/missions?country=ID").get_json()["items"] == []
    login(make_user("ID", "reader"))
    assert client.get("/missions").status_code == 403
