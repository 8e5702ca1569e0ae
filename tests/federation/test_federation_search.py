"""Copies are searched on the receiving node under their original audience, for its own users."""

from __future__ import annotations

from nodes import PASSWORD, link


def _found(node, user, word: str) -> set[str]:
    """Titles the user finds through the node's search API (signed in with a session)."""
    client = node.app.test_client()
    if user is not None:
        answer = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert answer.status_code == 302
    response = client.get(f"/api/v1/search?q={word}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["title"] for item in response.get_json()["items"]}


def test_copies_are_found_by_exactly_the_readers_their_audience_names(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH", "MY"])
    link(jakarta, bangkok)
    jakarta.publish("ID", "public", title="Seaweed diplomacy for all", body_markdown="seaweed")
    jakarta.publish("ID", "network", title="Seaweed diplomacy for members", body_markdown="seaweed")
    jakarta.publish(
        "ID", "countries", ["TH"], title="Seaweed diplomacy for Thailand", body_markdown="seaweed"
    )
    bangkok.sync()
    thai, malaysian = bangkok.user("TH"), bangkok.user("MY")

    everyone = {"Seaweed diplomacy for all"}
    members = everyone | {"Seaweed diplomacy for members"}
    assert _found(bangkok, None, "seaweed") == everyone
    assert _found(bangkok, malaysian, "seaweed") == members
    assert _found(bangkok, thai, "seaweed") == members | {"Seaweed diplomacy for Thailand"}


def test_a_copy_shows_its_origin_and_cannot_be_edited(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    link(jakarta, bangkok)
    origin_id = jakarta.publish("ID", "public", title="From Jakarta")
    bangkok.sync()
    copy = bangkok.copies()[str(origin_id)]
    client = bangkok.app.test_client()
    data = client.get(f"/api/v1/documents/{copy.id}").get_json()
    assert data["origin"] == {
        "node": "jakarta",
        "id": str(origin_id),
        "url": f"{jakarta.url}/documents/{origin_id}",
    }
    page = client.get(f"/documents/{copy.id}").get_data(as_text=True)
    assert "jakarta" in page and f"{jakarta.url}/documents/{origin_id}" in page

    admin = bangkok.admin("ID")  # even an admin of the owning country, on this node
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    refused = client.patch(f"/api/v1/documents/{copy.id}", json={"version": copy.version, "title": "Changed"})
    assert refused.status_code == 403
    assert bangkok.copies()[str(origin_id)].title == "From Jakarta"
