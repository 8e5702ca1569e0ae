"""The network admin manages accounts, not content: every user, a country's first admin,
(de)activation; no role in another country and no extra reading."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from support import PASSWORD

from content import services
from content.models import STATUSES, VISIBILITIES
from network import access
from network.extensions import db
from network.models import User

pytestmark = pytest.mark.both_databases


class _Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 -- aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox(app):
    """A real SMTP server on a free local port, and the app sending to it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield handler
    controller.stop()


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.email == email))


@pytest.fixture
def secretariat(make_user):
    return make_user("SG", "network_admin")


def test_the_network_admin_lists_every_account_by_country_and_role(client, login, make_user, secretariat):
    people = [make_user("ID", "reader"), make_user("TH", "country_admin"), make_user("JP", "contributor")]
    login(secretariat)
    page = client.get("/admin/accounts").get_data(as_text=True)
    assert all(p.email in page for p in people + [secretariat])
    only_th = client.get("/admin/accounts?country=TH").get_data(as_text=True)
    assert people[1].email in only_th and people[0].email not in only_th
    contributors = client.get("/admin/accounts?role=contributor").get_data(as_text=True)
    assert people[2].email in contributors and people[1].email not in contributors
    assert client.get("/admin/accounts?country=ZZ&role=emperor").status_code == 200  # no such filter: all


def test_the_network_admin_invites_a_countrys_first_admin(app, client, login, secretariat, inbox):
    login(secretariat)
    page = client.post(
        "/admin/accounts", data={"email": "first@kh.example", "name": "First Admin", "country": "KH"}
    )
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    invited = _user("first@kh.example")
    assert (invited.country_code, invited.role, invited.password_hash) == ("KH", "country_admin", None)
    [mail] = inbox.messages
    assert mail["To"] == "first@kh.example"
    body = mail.get_payload(decode=True).decode()
    assert "country admin of Cambodia" in body
    path = urlsplit(re.search(r"https?://\S+/invite/\S+", body).group(0)).path
    newcomer = app.test_client()
    accepted = newcomer.post(
        path, data={"password": "a good long password", "confirm": "a good long password"}
    )
    assert accepted.status_code == 302
    assert newcomer.get("/api/v1/me").get_json()["role"] == "country_admin"


def test_a_country_with_an_admin_gets_no_second_one_from_the_network_admin(
    client, login, make_user, secretariat
):
    make_user("TH", "country_admin")
    login(secretariat)
    page = client.post(
        "/admin/accounts", data={"email": "extra@th.example", "name": "Extra", "country": "TH"}
    )
    assert page.status_code == 422
    assert "has an admin already" in page.get_data(as_text=True)
    assert _user("extra@th.example") is None
    own = client.post("/admin/accounts", data={"email": secretariat.email, "name": "Me", "country": "KH"})
    assert own.status_code == 422 and _user(secretariat.email).role == "network_admin"


def test_the_network_admin_deactivates_and_reactivates_any_account(
    app, client, login, make_user, secretariat
):
    th_admin = make_user("TH", "country_admin")
    login(secretariat)
    assert client.post(f"/admin/accounts/{th_admin.id}/active").status_code == 302
    assert _user(th_admin.email).active is False
    assert (
        app.test_client().post("/login", data={"email": th_admin.email, "password": PASSWORD}).status_code
        == 422
    )
    restored = client.patch(f"/api/v1/users/{th_admin.id}", json={"active": True})
    assert restored.status_code == 200 and restored.get_json()["active"] is True
    assert client.post(f"/admin/accounts/{secretariat.id}/active").status_code == 403  # not themselves
    assert client.post("/admin/accounts/999999/active").status_code == 404


def test_the_network_admin_has_no_role_in_another_country(
    client, login, make_user, make_document, secretariat
):
    th_user = make_user("TH", "reader")
    in_review = make_document("TH", "country", "review")
    login(secretariat)
    me = client.patch(f"/api/v1/users/{secretariat.id}", json={"role": "country_admin"})
    assert me.status_code in (403, 404)
    assert client.patch(f"/api/v1/users/{secretariat.id}", json={"country": "TH"}).status_code == 422
    assert client.patch(f"/api/v1/users/{th_user.id}", json={"role": "country_admin"}).status_code == 404
    assert _user(th_user.email).role == "reader" and _user(secretariat.email).role == "network_admin"
    assert _user(secretariat.email).country_code == "SG"
    assert client.get("/admin/users").status_code == 403
    assert (
        client.post("/admin/users", data={"email": "x@th.example", "name": "X", "role": "reader"}).status_code
        == 403
    )
    assert client.get("/api/v1/users").status_code == 403
    assert client.post(f"/api/v1/documents/{in_review.id}/publish", json={}).status_code == 404
    assert client.get(f"/documents/{in_review.id}").status_code == 404


def test_the_network_admin_reads_no_more_than_a_reader_of_the_same_country(
    make_user, make_document, secretariat
):
    reader = make_user("SG", "reader")
    for visibility in VISIBILITIES:
        for status in STATUSES:
            doc = make_document(
                "TH", visibility, status, shared_with=["SG"] if visibility == "countries" else []
            )
            assert access.can_read(secretariat, doc) is access.can_read(reader, doc), (visibility, status)
            assert not access.can_edit(secretariat, doc) and not access.can_publish(secretariat, doc)
    assert access.user_principals(secretariat) == access.user_principals(reader) - {f"user:{reader.id}"} | {
        f"user:{secretariat.id}"
    }
    with pytest.raises(services.Forbidden):
        services.create_document(secretariat, {"title": "Not theirs to write"})


def test_country_admins_do_not_manage_the_network_s_accounts(client, login, make_user):
    login(make_user("ID", "country_admin"))
    assert client.get("/admin/accounts").status_code == 403
    other = make_user("TH", "reader")
    assert client.post(f"/admin/users/{other.id}/active").status_code == 404  # not of their country
    assert _user(other.email).active is True


@pytest.mark.parametrize(
    ("role", "links"),
    [("reader", set()), ("country_admin", {"Audit"}), ("network_admin", {"Audit", "Accounts"})],
)
def test_the_navigation_shows_the_admin_pages_to_their_roles(role, links, client, login, make_user):
    login(make_user("SG", role))
    nav = client.get("/").get_data(as_text=True)
    for name in ("Audit", "Accounts"):
        assert (f">{name}</a>" in nav) is (name in links), name
