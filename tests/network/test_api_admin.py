"""What a country admin does on the users and history pages, through the API."""

from __future__ import annotations

from content.models import Document, Revision
from network.extensions import db
from network.models import ApiToken, User


def bearer(user, scope: str = "write") -> dict[str, str]:
    token, clear = ApiToken.issue(user, scope=scope, name="test")
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def test_a_country_admin_invites_lists_and_manages_users(client, make_user):
    admin = make_user("ID", "country_admin")
    headers = bearer(admin)
    invite = {"email": "new.diplomat@kemlu.example", "name": "Sari", "role": "contributor"}
    made = client.post("/api/v1/users", headers=headers, json=invite)
    assert made.status_code == 202
    assert made.get_json() == {"email": "new.diplomat@kemlu.example",
                               "message": "Invitation sent to new.diplomat@kemlu.example."}  # fmt: skip
    listed = client.get("/api/v1/users", headers=headers).get_json()["items"]
    assert {u["email"] for u in listed} == {admin.email, "new.diplomat@kemlu.example"}
    user_id = next(u["id"] for u in listed if u["invited"])

    changed = client.patch(
        f"/api/v1/users/{user_id}", headers=headers, json={"role": "reader", "active": False}
    )
    assert changed.status_code == 200
    assert (changed.get_json()["role"], changed.get_json()["active"]) == ("reader", False)
    db.session.expire_all()
    assert (db.session.get(User, user_id).role, db.session.get(User, user_id).active) == ("reader", False)


def test_users_api_refusals(client, make_user):
    admin = make_user("ID", "country_admin")
    other = make_user("TH", "reader")
    reader = make_user("ID", "reader")
    assert client.get("/api/v1/users", headers=bearer(reader)).status_code == 403
    assert client.post("/api/v1/users", headers=bearer(admin, "read"),
                       json={"email": "x@example.org", "name": "X"}).status_code == 403  # fmt: skip
    assert (
        client.patch(
            f"/api/v1/users/{other.id}", headers=bearer(admin), json={"role": "contributor"}
        ).status_code
        == 404
    )
    assert (
        client.patch(f"/api/v1/users/{admin.id}", headers=bearer(admin), json={"role": "reader"}).status_code
        == 403
    )
    bad = client.patch(f"/api/v1/users/{reader.id}", headers=bearer(admin), json={"role": "network_admin"})
    assert bad.status_code == 422 and "role" in bad.get_json()["error"]["fields"]
    typed = client.patch(f"/api/v1/users/{reader.id}", headers=bearer(admin), json={"active": "no"})
    assert typed.status_code == 422 and "active" in typed.get_json()["error"]["fields"]
    invalid = client.post(
        "/api/v1/users", headers=bearer(admin), json={"email": "not-an-address", "name": "X"}
    )
    assert invalid.status_code == 422 and "email" in invalid.get_json()["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(User, reader.id).role == "reader" and db.session.get(User, reader.id).active


def test_a_revision_is_restored_through_the_api(client, make_user, make_document):
    admin = make_user("ID", "country_admin")
    doc = make_document("ID", "network", "published", title="First title", body_markdown="Old text.")
    headers = bearer(admin)
    first_version = doc.version
    change = {"version": first_version, "body_markdown": "New text."}
    edited = client.patch(f"/api/v1/documents/{doc.id}", headers=headers, json=change).get_json()
    stale = client.post(f"/api/v1/documents/{doc.id}/revisions/1/restore", headers=headers,
                        json={"version": first_version})  # fmt: skip
    assert stale.status_code == 409
    restored = client.post(f"/api/v1/documents/{doc.id}/revisions/1/restore", headers=headers,
                           json={"version": edited["version"]})  # fmt: skip
    assert restored.status_code == 200
    assert restored.get_json()["body_markdown"] == "Old text."
    notes = db.session.scalars(db.select(Revision.note).where(Revision.document_id == doc.id)).all()
    assert "Restored revision 1 — Edited text" in notes
    reader = make_user("ID", "reader")
    assert client.post(f"/api/v1/documents/{doc.id}/revisions/1/restore", headers=bearer(reader),
                       json={"version": restored.get_json()["version"]}).status_code == 404  # fmt: skip
    assert db.session.get(Document, doc.id).body_markdown == "Old text."
