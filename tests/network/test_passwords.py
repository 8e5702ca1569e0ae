"""Passwords: the policy everywhere a password is set, reset links by real mail (aiosmtpd),
the change-password page, the admin's reset button and `rndd users reset-link`."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from itsdangerous.timed import TimestampSigner
from support import PASSWORD

from network import passwords, resets
from network.audit import AuditEntry
from network.extensions import db
from network.models import User

NEW = "a fresh long passphrase"
LINK = re.compile(r"https?://\S+/password/reset/\S+")


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def links(self, to: str) -> list[str]:
        found = []
        for message in self.messages:
            if message["To"] == to:
                found += LINK.findall(message.get_payload(decode=True).decode())
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app):
    """A real SMTP server on the loopback; the app sends to it without TLS."""
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    yield box
    controller.stop()


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.email == email))


def _signs_in(app, email: str, password: str) -> bool:
    return app.test_client().post("/login", data={"email": email, "password": password}).status_code == 302


def _actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))


# ------------------------------------------------------------------------------------------
# The policy
# ------------------------------------------------------------------------------------------

REFUSED = ["short", "elevenchars", "qwerty123456", "QWERTY123456", "1qaz2wsx3edc"]


@pytest.mark.parametrize("password", REFUSED)
def test_short_and_common_passwords_are_refused(password):
    assert passwords.problem(password)


def test_long_uncommon_passwords_pass_without_composition_rules():
    for password in (PASSWORD, "diplomacy-demo", "alllowercaseletters", "二〇二六年の新しいパスワード"):
        assert passwords.problem(password) is None
    assert len(passwords.common_passwords()) == 10_000


@pytest.mark.parametrize("password", ["elevenchars", "qwerty123456"])
def test_the_cli_applies_the_policy(password, runner):
    args = ["users", "create", "ana@example.org", "--name", "Ana", "--country", "PH", "--role", "reader"]
    result = runner.invoke(args=args, input=f"{password}\n")
    assert result.exit_code == 1 and "password" in result.output
    assert _user("ana@example.org") is None


@pytest.mark.parametrize("password", ["elevenchars", "qwerty123456"])
def test_an_invitation_applies_the_policy(password, app):
    from network.users import _serializer

    pending = User(email="pending@example.org", name="Pending", country_code="ID", role="reader")
    db.session.add(pending)
    db.session.commit()
    token = _serializer().dumps({"uid": pending.id, "pw": None})
    answer = app.test_client().post(f"/invite/{token}", data={"password": password, "confirm": password})
    assert answer.status_code == 422
    assert _user("pending@example.org").password_hash is None


# ------------------------------------------------------------------------------------------
# Resets by mail
# ------------------------------------------------------------------------------------------


def _ask(app, email: str):
    return app.test_client().post("/password/forgot", data={"email": email}, follow_redirects=True)


def test_a_reset_link_by_mail_works_once_and_ends_every_session(app, inbox, make_user):
    user = make_user("ID", "reader")
    signed_in = app.test_client()
    assert signed_in.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302

    assert _ask(app, user.email.upper()).status_code == 200
    (link,) = inbox.links(user.email)
    path = urlsplit(link).path
    browser = app.test_client()
    assert browser.get(path).status_code == 200
    assert browser.post(path, data={"password": "qwerty123456", "confirm": "qwerty123456"}).status_code == 422
    done = browser.post(path, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/login"

    assert signed_in.get("/api/v1/me").status_code == 401
    assert _signs_in(app, user.email, NEW) and not _signs_in(app, user.email, PASSWORD)
    again = app.test_client()
    assert again.get(path).status_code == 404
    assert again.post(path, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}
                      ).status_code == 404  # fmt: skip
    assert _user(user.email).check_password(NEW)
    actions = _actions()
    assert {"password.reset_requested", "password.reset_used", "password.reset_refused"} <= set(actions)


def test_the_answer_is_the_same_whether_or_not_the_address_exists(app, inbox, make_user):
    user = make_user("ID", "reader")
    known, unknown = _ask(app, user.email), _ask(app, "nobody.here@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token"[^>]*>')
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub("", unknown.get_data(as_text=True))
    assert str(resets.REQUESTED) in known.get_data(as_text=True)
    assert [m["To"] for m in inbox.messages] == [user.email]


def test_an_expired_or_altered_link_is_refused(app, inbox, make_user, monkeypatch):
    user = make_user("ID", "reader")
    _ask(app, user.email)
    (link,) = inbox.links(user.email)
    path = urlsplit(link).path
    altered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert app.test_client().get(altered).status_code == 404
    real = TimestampSigner.get_timestamp
    minutes = app.config["RESET_MAX_AGE_MINUTES"]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + minutes * 60 + 5)
    assert app.test_client().post(path, data={"password": NEW, "confirm": NEW}).status_code == 404
    assert _user(user.email).check_password(PASSWORD)
    reasons = db.session.scalars(
        db.select(AuditEntry.details).where(AuditEntry.action == "password.reset_refused")
    )
    assert {'{"reason":"altered"}', '{"reason":"expired"}'} == set(reasons)


def test_a_link_dies_when_the_password_changes_otherwise(app, inbox, make_user, login, client):
    user = make_user("ID", "reader")
    _ask(app, user.email)
    (link,) = inbox.links(user.email)
    login(user)
    assert client.post("/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW}
                       ).status_code == 302  # fmt: skip
    assert app.test_client().get(urlsplit(link).path).status_code == 404


def test_a_country_admin_sends_a_reset_link_to_their_users_only(app, inbox, client, login, make_user):
    admin, colleague, foreigner = make_user("ID", "country_admin"), make_user("ID", "reader"), make_user("TH")
    login(admin)
    assert "Send password reset link" in client.get("/admin/users").get_data(as_text=True)
    assert client.post(f"/admin/users/{colleague.id}/reset-link").status_code == 302
    (link,) = inbox.links(colleague.email)
    path = urlsplit(link).path
    assert app.test_client().post(path, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert _signs_in(app, colleague.email, NEW)
    assert client.post(f"/admin/users/{foreigner.id}/reset-link").status_code == 404
    assert inbox.links(foreigner.email) == []


def test_the_operator_prints_a_reset_link(app, runner, make_user):
    user = make_user("ID", "reader")
    result = runner.invoke(args=["users", "reset-link", user.email])
    assert result.exit_code == 0, result.output
    path = urlsplit(result.output.strip()).path
    assert app.test_client().post(path, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert _signs_in(app, user.email, NEW)
    assert runner.invoke(args=["users", "reset-link", "nobody@example.org"]).exit_code == 1


# ------------------------------------------------------------------------------------------
# Changing one's password
# ------------------------------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one_and_the_policy(app, client, login, make_user):
    user = make_user("ID", "reader")
    login(user)
    assert client.get("/account/password").status_code == 200
    wrong = client.post(
        "/account/password", data={"current": "not my password", "password": NEW, "confirm": NEW}
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    common = {"current": PASSWORD, "password": "qwerty123456", "confirm": "qwerty123456"}
    assert client.post("/account/password", data=common).status_code == 422
    assert _user(user.email).check_password(PASSWORD)
    assert client.post("/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW}
                       ).status_code == 302  # fmt: skip
    assert _signs_in(app, user.email, NEW)
    assert "password.changed" in _actions()
