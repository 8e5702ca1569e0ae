"""Limits that cannot be dodged: rate keys only from verified tokens, a per-account lock kept
in the database, and answers (and work) that do not tell whether an address exists."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from flask import g
from support import PASSWORD

import network.models
from network import credentials
from network.extensions import db, rate_limit_key
from network.models import ApiToken, User, utcnow

LOCKED = "Too many attempts; try again in {} minute"


def _attempt(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


# ------------------------------------------------------------------------------------------
# Rate-limit keys
# ------------------------------------------------------------------------------------------


def test_made_up_bearer_headers_buy_no_budget_of_their_own(database_url, tmp_path):
    from network import create_app

    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "LOGIN_RATE_LIMIT": "10 per minute",
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False,
        "INDEX_DIR": str(tmp_path / "i"),
    })  # fmt: skip
    browser = limited.test_client()
    answers = [
        browser.post(
            "/login",
            data={"email": f"guess{n}@example.org", "password": "wrong password"},
            headers={"Authorization": f"Bearer bogus-{n}"},
        )  # fmt: skip
        for n in range(12)
    ]
    assert answers[-1].status_code == 429


def test_the_rate_key_is_the_verified_token_or_the_address(app, make_user):
    user = make_user("ID", "reader")
    token, clear = ApiToken.issue(user)
    db.session.add(token)
    db.session.commit()
    for header, expected in ((f"Bearer {clear}x", "127.0.0.1"), (f"Bearer {clear}", f"token:{token.id}")):
        with app.test_request_context("/api/v1/me", headers={"Authorization": header}):
            g.pop("_login_user", None)
            assert rate_limit_key() == expected


# ------------------------------------------------------------------------------------------
# The per-account lock
# ------------------------------------------------------------------------------------------


def _unlock(email: str) -> None:
    row = db.session.get(credentials.SignInThrottle, credentials._key(email))
    row.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()


@pytest.mark.both_databases
def test_five_failures_lock_the_account_and_the_owner_is_told(app, client, make_user):
    user = make_user("ID", "reader")
    for _ in range(4):
        assert _attempt(client, user.email, "wrong password").status_code == 422
    fifth = _attempt(client, user.email, "wrong password")
    assert fifth.status_code == 429 and LOCKED.format(1) in fifth.get_data(as_text=True)
    assert fifth.headers["Retry-After"] == "60"
    locked = _attempt(app.test_client(), user.email.upper(), PASSWORD)  # right password, another browser
    assert locked.status_code == 429 and LOCKED.format(1) in locked.get_data(as_text=True)

    _unlock(user.email)
    again = _attempt(client, user.email, "wrong password")  # the next failure locks twice as long
    assert again.status_code == 429 and LOCKED.format(2) + "s" in again.get_data(as_text=True)
    _unlock(user.email)
    assert _attempt(client, user.email, PASSWORD).status_code == 302
    assert db.session.get(credentials.SignInThrottle, credentials._key(user.email)) is None
    actions = set(db.session.scalars(db.select(network.audit.AuditEntry.action)))
    assert {"signin.failure", "signin.locked", "signin.success"} <= actions


@pytest.mark.both_databases
def test_unknown_addresses_are_counted_and_answered_the_same(app, make_user):
    user = make_user("ID", "reader")
    known = [_attempt(app.test_client(), user.email, "wrong password") for _ in range(6)]
    unknown = [_attempt(app.test_client(), "no.one@example.org", "wrong password") for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [422] * 4 + [429] * 2
    assert [r.get_data(as_text=True) for r in known] == [
        r.get_data(as_text=True).replace("no.one@example.org", user.email) for r in unknown
    ]


def test_failures_of_a_day_ago_are_forgotten(app, client, make_user):
    user = make_user("ID", "reader")
    for _ in range(4):
        _attempt(client, user.email, "wrong password")
    row = db.session.get(credentials.SignInThrottle, credentials._key(user.email))
    row.updated_at = utcnow() - credentials.FORGET_AFTER - timedelta(minutes=1)
    db.session.commit()
    assert _attempt(client, user.email, "wrong password").status_code == 422  # counted as the first


# ------------------------------------------------------------------------------------------
# Same time, same words
# ------------------------------------------------------------------------------------------


@pytest.fixture
def verifications(monkeypatch):
    """Count Argon2 verifications: each refusal must cost exactly one, like a right password."""
    calls: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str, password: str) -> bool:  # noqa: A002 - argon2's own name
            calls.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(network.models, "_hasher", Counting(time_cost=1, memory_cost=64, parallelism=1))
    return calls


def test_an_unknown_address_verifies_a_dummy_hash(client, make_user, verifications):
    user = make_user("ID", "reader")
    pending = User(email="pending@example.org", name="Pending", country_code="ID", role="reader")
    db.session.add(pending)
    db.session.commit()
    texts = set()
    for email in (user.email, "nobody@example.org", pending.email):
        verifications.clear()
        answer = _attempt(client, email, "wrong password")
        assert len(verifications) == 1, email
        texts.add(answer.get_data(as_text=True).replace(email, ""))
    assert len(texts) == 1
    assert _attempt(client, user.email, PASSWORD).status_code == 302


# ------------------------------------------------------------------------------------------
# Invitations of another country's address
# ------------------------------------------------------------------------------------------


def test_inviting_an_address_of_another_country_answers_as_a_sent_invitation(
    client, login, make_user, caplog
):
    thai = make_user("TH", "contributor", name="Somchai")
    before = (thai.country_code, thai.role, thai.name, thai.password_hash, thai.active)
    login(make_user("ID", "country_admin"))
    with caplog.at_level(logging.INFO, logger="rndd.mail"):
        page = client.post("/admin/users", data={"email": thai.email, "name": "Someone", "role": "reader"})
        fresh = client.post(
            "/admin/users", data={"email": "fresh@example.org", "name": "Fresh", "role": "reader"}
        )
    assert page.status_code == fresh.status_code == 200
    assert f"Invitation sent to {thai.email}." in page.get_data(as_text=True)
    assert "Thailand" not in page.get_data(as_text=True) and "already" not in page.get_data(as_text=True)
    db.session.expire_all()
    thai = db.session.get(User, thai.id)
    assert (thai.country_code, thai.role, thai.name, thai.password_hash, thai.active) == before
    assert thai.email not in caplog.text and "fresh@example.org" in caplog.text
    assert db.session.scalar(db.select(db.func.count()).where(User.email == thai.email)) == 1


def test_the_api_answers_the_same_for_another_countrys_address(client, make_user):
    thai = make_user("TH", "reader")
    admin = make_user("ID", "country_admin")
    token, clear = ApiToken.issue(admin, scope="write")
    db.session.add(token)
    db.session.commit()
    headers = {"Authorization": f"Bearer {clear}"}
    taken = client.post("/api/v1/users", headers=headers, json={"email": thai.email, "name": "X"})
    fresh = client.post("/api/v1/users", headers=headers, json={"email": "new@example.org", "name": "X"})
    assert taken.status_code == fresh.status_code == 202
    assert taken.get_json() == {"email": thai.email, "message": f"Invitation sent to {thai.email}."}
