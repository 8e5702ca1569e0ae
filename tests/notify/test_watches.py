"""The watch list through the API and the pages, with its bad input: unknown items, searches that
do not parse, duplicates, another user's watch, and items removed after they were followed."""

from __future__ import annotations

import pytest

from content.models import Topic
from network.extensions import db
from notify import runner
from notify.models import Watch

pytestmark = pytest.mark.both_databases


def test_follow_change_and_stop_through_the_api(app, client, login, make_user):
    login(make_user("TH", "reader"))
    made = client.post(
        "/api/v1/watches", json={"type": "topic", "value": "crisis-response", "delivery": "daily"}
    )
    assert made.status_code == 201, made.get_json()
    watch = made.get_json()
    assert (watch["type"], watch["value"], watch["delivery"]) == ("topic", "crisis-response", "daily")
    search = client.post(
        "/api/v1/watches",
        json={
            "type": "search",
            "query": '"digital divide"',
            "filters": {"country": ["ID"]},
            "name": "Divide",
        },
    )
    assert search.status_code == 201 and search.get_json()["filters"] == {"country": ["ID"]}
    assert [w["type"] for w in client.get("/api/v1/watches").get_json()["items"]] == ["topic", "search"]
    changed = client.patch(f"/api/v1/watches/{watch['id']}", json={"delivery": "weekly"})
    assert changed.get_json()["delivery"] == "weekly"
    assert client.delete(f"/api/v1/watches/{watch['id']}").status_code == 204
    assert client.get(f"/api/v1/watches/{watch['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "planet", "value": "x"}, "type"),
        ({"type": "topic", "value": "no-such-topic"}, "value"),
        ({"type": "country", "value": "XX"}, "value"),
        ({"type": "mission", "value": "999999"}, "value"),
        ({"type": "kind", "value": "poem"}, "value"),
        ({"type": "topic", "value": "crisis-response", "delivery": "pigeon"}, "delivery"),
        ({"type": "search", "query": '"unclosed phrase'}, "query"),
        ({"type": "search", "query": "vaccine", "filters": {"country": ["XX"]}}, "query"),
        ({"type": "search", "query": "vaccine", "filters": {"country": "ID"}}, "filters"),
        ({"type": "search", "query": ""}, "query"),
    ],
)
def test_bad_watches_are_refused_with_the_field_named(app, client, login, make_user, body, field):
    login(make_user("TH", "reader"))
    response = client.post("/api/v1/watches", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Watch)) == 0


def test_a_duplicate_and_another_users_watch(app, client, login, make_user):
    owner, other = make_user("TH", "reader"), make_user("TH", "reader")
    login(owner)
    body = {"type": "country", "value": "id"}
    watch_id = client.post("/api/v1/watches", json=body).get_json()["id"]
    assert client.post("/api/v1/watches", json=body).status_code == 422
    login(other)
    assert client.get(f"/api/v1/watches/{watch_id}").status_code == 404
    assert client.delete(f"/api/v1/watches/{watch_id}").status_code == 404
    assert client.patch(f"/api/v1/watches/{watch_id}", json={"delivery": "off"}).status_code == 404
    assert client.post("/api/v1/notifications/read", json={"ids": "all"}).status_code == 400
    assert client.get("/api/v1/notifications?unread=maybe").status_code == 400


def test_removed_items_and_broken_searches_are_named_and_match_nothing(
    app, client, login, make_user, make_document
):
    reader = make_user("TH", "reader")
    login(reader)
    client.post("/api/v1/watches", json={"type": "topic", "value": "health-diplomacy"})
    client.post("/api/v1/watches", json={"type": "search", "query": "vaccine", "name": "Vaccines"})
    db.session.execute(db.update(Watch).where(Watch.type == "search").values(query='"broken'))
    db.session.execute(db.delete(Topic).where(Topic.slug == "health-diplomacy"))
    db.session.commit()
    make_document("ID", "network", "published", title="Vaccine news")
    runner.run()  # neither breaks the follower
    page = client.get("/watching").get_data(as_text=True)
    assert "This topic no longer exists; nothing will match." in page
    assert "This saved search no longer works" in page
    assert client.get("/api/v1/notifications").get_json()["total"] == 0
    assert client.get("/whats-new").status_code == 200


def test_following_and_saving_a_search_from_the_pages(app, client, login, make_user, make_document):
    reader = make_user("TH", "reader")
    login(reader)
    assert client.post("/watching", data={"item": "kind:report", "delivery": "site"}).status_code == 302
    assert client.post("/watching", data={"item": "kind:report", "delivery": "site"}).status_code == 422
    saved = client.post(
        "/watching/searches",
        data={
            "query": "evacuation",
            "filters": "kind=case_study&",
            "name": "Evacuations",
            "delivery": "daily",
        },
    )
    assert saved.status_code == 302
    watch = db.session.scalar(db.select(Watch).where(Watch.type == "search"))
    assert (watch.query, watch.filters, watch.delivery) == ("evacuation", {"kind": ["case_study"]}, "daily")
    make_document("ID", "network", "published", title="Evacuation of citizens from a crisis zone")
    runner.run()  # the index catches up (a request would have drained it)
    page = client.get("/whats-new").get_data(as_text=True)
    assert "Evacuation of citizens from a crisis zone" in page
    assert "Evacuation of citizens" not in client.get("/whats-new").get_data(as_text=True)  # seen: not new
