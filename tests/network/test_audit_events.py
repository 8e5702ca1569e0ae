"""Every audited action leaves its entry, in the transaction of the change itself."""

from __future__ import annotations

import pytest

from content import services
from content.models import Document
from network import audit
from network.audit import AuditEntry
from network.extensions import db
from network.models import ApiToken, User

pytestmark = pytest.mark.both_databases

AGENT = {"User-Agent": "audit-test-browser/1.0"}


@pytest.fixture(autouse=True)
def _browser_agent(client):
    """Every request names its browser (sessions are bound to it, so from signing in on)."""
    client.environ_base["HTTP_USER_AGENT"] = AGENT["User-Agent"]


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def _only(action: str) -> AuditEntry:
    entries = _entries(action)
    assert len(entries) == 1, [(e.action, e.object_id) for e in entries]
    return entries[0]


def _by_request(entry: AuditEntry) -> None:
    assert (entry.ip, entry.user_agent) == ("127.0.0.1", AGENT["User-Agent"])


def test_invitations_roles_and_activation_are_recorded(client, login, make_user):
    admin = make_user("ID", "country_admin")
    login(admin)
    client.post("/admin/users", data={"email": "new@example.org", "name": "New", "role": "reader"})
    invited = db.session.scalar(db.select(User).where(User.email == "new@example.org"))
    entry = _only("user.invited")
    assert (entry.actor_id, entry.actor_email, entry.object_type, entry.object_id, entry.object_title) == (
        admin.id, admin.email, "user", str(invited.id), "new@example.org",
    )  # fmt: skip
    assert (entry.country_code, entry.detail_values) == ("ID", {"role": "reader"})
    _by_request(entry)

    assert client.post(f"/admin/users/{invited.id}/role", data={"role": "contributor"}).status_code == 302
    entry = _only("user.role_changed")
    assert entry.detail_values == {"from": "reader", "to": "contributor"}
    assert (entry.actor_id, entry.object_id) == (admin.id, str(invited.id))
    _by_request(entry)

    client.post(f"/admin/users/{invited.id}/active")
    client.post(f"/admin/users/{invited.id}/active")
    assert _only("user.deactivated").object_id == str(invited.id)
    assert _only("user.activated").id > _only("user.deactivated").id


def test_users_created_on_the_command_line_and_by_the_network_admin(runner, client, login, make_user):
    result = runner.invoke(
        args=["users", "create", "ops@example.org", "--name", "Ops", "--country", "PH", "--role", "reader"],
        input="longpassword1\n",
    )
    assert result.exit_code == 0, result.output
    entry = _only("user.created")
    assert (entry.actor_id, entry.actor_email, entry.country_code) == (None, audit.COMMAND_LINE, "PH")
    assert entry.detail_values == {"role": "reader"}

    secretariat = make_user("SG", "network_admin")
    login(secretariat)
    form = {"email": "first@kh.example", "name": "First", "country": "KH"}
    page = client.post("/admin/accounts", data=form)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    entry = _entries("user.created")[-1]
    assert (entry.actor_id, entry.country_code, entry.object_title) == (
        secretariat.id,
        "KH",
        "first@kh.example",
    )
    assert entry.detail_values == {"role": "country_admin", "invited": True}
    _by_request(entry)


def test_the_network_admin_deactivating_an_account_is_recorded(client, login, make_user):
    secretariat = make_user("SG", "network_admin")
    someone = make_user("TH", "contributor")
    login(secretariat)
    assert client.post(f"/admin/accounts/{someone.id}/active").status_code == 302
    entry = _only("user.deactivated")
    assert (entry.actor_id, entry.object_id, entry.country_code) == (secretariat.id, str(someone.id), "TH")


def test_document_workflow_and_audience_changes_are_recorded(make_user, make_document):
    admin = make_user("ID", "country_admin")
    doc = make_document("ID", "country", "review", title="Workflow paper")
    services.publish(admin, doc.id, "countries", ["TH"])
    published = _only("document.published")
    assert (published.actor_id, published.object_id, published.object_title) == (
        admin.id,
        str(doc.id),
        "Workflow paper",
    )
    assert (published.country_code, published.restricted) == ("ID", True)
    assert published.detail_values == {"visibility": "countries", "shared_with": ["TH"]}
    changed = _only("document.audience_changed")
    assert changed.detail_values == {
        "from": {"visibility": "country", "shared_with": []},
        "to": {"visibility": "countries", "shared_with": ["TH"]},
    }

    doc = db.session.get(Document, doc.id)
    services.update_document(admin, doc.id, doc.version, {"visibility": "public", "shared_with": []})
    changed = _entries("document.audience_changed")[-1]
    assert changed.detail_values["to"] == {"visibility": "public", "shared_with": []}
    assert changed.restricted is False
    doc = db.session.get(Document, doc.id)
    services.update_document(admin, doc.id, doc.version, {"summary": "Only the summary changes."})
    assert len(_entries("document.audience_changed")) == 2  # a content edit is not an audience change

    services.unpublish(admin, doc.id)
    assert (_only("document.withdrawn").object_id, _only("document.withdrawn").restricted) == (
        str(doc.id),
        True,
    )
    services.delete_document(admin, doc.id)
    deleted = _only("document.deleted")
    assert (deleted.object_id, deleted.object_title, deleted.actor_id) == (
        str(doc.id),
        "Workflow paper",
        admin.id,
    )
    assert audit.verify().is_intact


def test_publishing_at_creation_is_recorded(make_user):
    admin = make_user("ID", "country_admin")
    doc = services.create_document(admin, {"title": "Straight out"}, publish=True)
    assert _only("document.published").object_id == str(doc.id)


def test_a_change_that_fails_leaves_no_entry(make_user, make_document, monkeypatch):
    """The entry is in the change's own transaction: the rollback takes both."""
    admin = make_user("ID", "country_admin")
    doc = make_document("ID", "public", "published")
    before = len(_entries("document.deleted"))

    def broken_delete(instance):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "delete", broken_delete)
    with pytest.raises(RuntimeError):
        services.delete_document(admin, doc.id)
    monkeypatch.undo()
    assert len(_entries("document.deleted")) == before
    assert db.session.get(Document, doc.id) is not None


def test_tokens_and_feed_keys_are_recorded(runner, client, login, make_user):
    user = make_user("ID", "contributor")
    login(user)
    client.post("/account/tokens", data={"name": "monitor", "scope": "read"})
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    entry = _only("token.created")
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.object_title) == (
        user.id, "token", str(token.id), "monitor",
    )  # fmt: skip
    assert (entry.country_code, entry.detail_values) == ("ID", {"scope": "read"})
    _by_request(entry)
    assert "rndd_" not in entry.details

    client.post(f"/account/tokens/{token.id}/revoke")
    client.post(f"/account/tokens/{token.id}/revoke")  # already revoked: nothing new
    assert _only("token.revoked").object_id == str(token.id)

    client.post("/account/feed-key")
    client.post("/account/feed-key/revoke")
    assert _only("feed_key.renewed").actor_id == user.id
    assert _only("feed_key.revoked").actor_id == user.id

    result = runner.invoke(args=["tokens", "create", user.email, "--scope", "write", "--name", "ops"])
    assert result.exit_code == 0, result.output
    entry = _entries("token.created")[-1]
    assert (entry.actor_id, entry.actor_email, entry.object_title) == (None, audit.COMMAND_LINE, "ops")
    assert entry.detail_values == {"scope": "write", "owner": user.email}


def test_countries_created_and_changed_are_recorded(client, login, make_user):
    login(make_user("SG", "network_admin"))
    form = {
        "code": "TL",
        "name": "Timor-Leste",
        "ministry": "Ministry of Foreign Affairs",
        "default_language": "en",
    }
    assert client.post("/admin/countries/new", data=form).status_code == 302
    created = _only("country.created")
    assert (created.object_type, created.object_id, created.country_code) == ("country", "TL", "TL")
    assert created.detail_values["name"] == {"from": None, "to": "Timor-Leste"}
    _by_request(created)

    assert client.post("/admin/countries/TL", data={**form, "ministry": "MFA"}).status_code == 302
    changed = _only("country.changed")
    assert changed.detail_values == {"ministry": {"from": "Ministry of Foreign Affairs", "to": "MFA"}}
    client.post("/admin/countries/TL", data={**form, "ministry": "MFA"})
    assert len(_entries("country.changed")) == 1  # saving without a change records nothing
