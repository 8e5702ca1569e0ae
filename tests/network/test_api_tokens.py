"""API tokens: scopes, hashed storage, the owner's page, revocation, deactivated users, the CLI;
and the private feed key managed on the same page."""

from __future__ import annotations

import hashlib
import re

from content.models import Document
from network import users
from network.extensions import db
from network.models import ApiToken


def _clear_token(page: str) -> str:
    return re.search(r'<code class="wrap" id="new-token">(rndd_[^<]+)</code>', page).group(1)


def _auth(clear: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {clear}"}


def test_a_token_made_on_the_page_is_shown_once_stored_hashed_and_works_in_its_scope(
    app, client, make_user, login, make_document
):
    writer = make_user("ID", "contributor")
    login(writer)
    made = client.post("/account/tokens", data={"name": "news monitor", "scope": "write"})
    assert made.status_code == 200
    clear = _clear_token(made.get_data(as_text=True))

    stored = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == writer.id))
    assert (stored.name, stored.scope, stored.last_used_at) == ("news monitor", "write", None)
    assert stored.token_hash == hashlib.sha256(clear.encode()).hexdigest() != clear
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert clear not in listing and "news monitor" in listing and "never" in listing

    api = app.test_client()  # an integrator's system: no browser session
    me = api.get("/api/v1/me", headers=_auth(clear)).get_json()
    assert (me["id"], me["token_scope"]) == (writer.id, "write")
    created = api.post("/api/v1/documents", headers=_auth(clear), json={"title": "Filed by the monitor"})
    assert created.status_code == 201
    db.session.expire_all()
    assert stored.last_used_at is not None
    assert "never" not in client.get("/account/tokens").get_data(as_text=True)


def test_a_read_token_that_writes_gets_a_403_naming_the_scope(client, make_user, make_document):
    admin = make_user("ID", "country_admin")
    token, clear = ApiToken.issue(admin, scope="read", name="dashboard")
    db.session.add(token)
    db.session.commit()
    doc = make_document("ID", "public", "published")
    assert client.get(f"/api/v1/documents/{doc.id}", headers=_auth(clear)).status_code == 200
    for method, path in [("POST", "/api/v1/documents"), ("PATCH", f"/api/v1/documents/{doc.id}"),
                         ("POST", f"/api/v1/documents/{doc.id}/unpublish"),
                         ("DELETE", f"/api/v1/documents/{doc.id}")]:  # fmt: skip
        refused = client.open(
            path, method=method, json={"title": "x", "version": doc.version}, headers=_auth(clear)
        )
        assert refused.status_code == 403, path
        error = refused.get_json()["error"]
        assert error["code"] == "forbidden" and "'read' scope" in error["message"]
        assert error["required_scope"] == "write"
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "published"


def test_revoking_a_token_stops_it_at_once_and_only_the_owner_can(app, client, make_user, login):
    owner, other = make_user("ID", "reader"), make_user("ID", "country_admin")
    token, clear = ApiToken.issue(owner, scope="read", name="old laptop")
    db.session.add(token)
    db.session.commit()
    api = app.test_client()
    assert api.get("/api/v1/me", headers=_auth(clear)).status_code == 200

    login(other)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert "old laptop" not in client.get("/account/tokens").get_data(as_text=True)
    assert api.get("/api/v1/me", headers=_auth(clear)).status_code == 200

    login(owner)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert "revoked" in client.get("/account/tokens").get_data(as_text=True)
    gone = api.get("/api/v1/me", headers=_auth(clear))
    assert gone.status_code == 401 and gone.get_json()["error"]["code"] == "unauthorized"


def test_a_deactivated_users_tokens_stop_working_at_once(client, make_user):
    admin, user = make_user("ID", "country_admin"), make_user("ID", "contributor")
    token, clear = ApiToken.issue(user, scope="write")
    db.session.add(token)
    db.session.commit()
    assert client.get("/api/v1/me", headers=_auth(clear)).status_code == 200
    users.set_active(admin, user.id, False)
    assert client.get("/api/v1/me", headers=_auth(clear)).status_code == 401
    assert client.post("/api/v1/documents", headers=_auth(clear), json={"title": "x"}).status_code == 401


def test_an_unknown_scope_is_refused_on_the_page(client, make_user, login):
    login(make_user("ID", "reader"))
    response = client.post("/account/tokens", data={"name": "x", "scope": "admin"})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_the_cli_prints_a_working_token_once(runner, client, make_user):
    user = make_user("ID", "contributor", email="trainer@example.org")
    result = runner.invoke(args=["tokens", "create", "trainer@example.org", "--scope", "write"])
    assert result.exit_code == 0, result.output
    clear = result.output.strip()
    assert client.get("/api/v1/me", headers=_auth(clear)).get_json()["token_scope"] == "write"
    assert db.session.scalar(db.select(ApiToken.user_id)) == user.id


def test_the_private_feed_key_is_made_renewed_and_switched_off_by_its_owner(client, make_user, login):
    user = make_user("ID", "reader")
    login(user)
    assert "feed-url" not in client.get("/account/tokens").get_data(as_text=True)
    assert client.post("/account/feed-key").status_code == 302
    first = re.search(r'id="feed-url">([^<]+)<', client.get("/account/tokens").get_data(as_text=True)).group(
        1
    )
    assert first.startswith("http://hub.test/feeds/private/") and first.endswith(".atom")
    path = first.replace("http://hub.test", "")
    assert client.get(path).status_code == 200

    client.post("/account/feed-key")
    second = re.search(r'id="feed-url">([^<]+)<', client.get("/account/tokens").get_data(as_text=True)).group(
        1
    )
    assert second != first
    assert client.get(path).status_code == 404
    assert client.get(second.replace("http://hub.test", "")).status_code == 200

    client.post("/account/feed-key/revoke")
    assert client.get(second.replace("http://hub.test", "")).status_code == 404
    db.session.expire_all()
    assert db.session.get(type(user), user.id).feed_key is None


def test_the_token_page_needs_a_signed_in_user(client):
    assert client.get("/account/tokens").status_code == 302
    assert client.post("/account/feed-key").status_code == 302
