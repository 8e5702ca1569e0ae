"""Passkeys verified on the server: registration, second factor, passwordless, and refusals.

A software authenticator (tests/soft_authenticator.py) makes real P-256 signatures, so each
refusal below is the hub's own check at work, not a mock's.
"""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from soft_authenticator import SoftAuthenticator
from support import PASSWORD

from network.audit import AuditEntry
from network.extensions import db
from network.factor_models import Passkey

pytestmark = pytest.mark.both_databases

REGISTER = "/account/security/passkeys/register"


def _register(client, authenticator: SoftAuthenticator, name: str = "Laptop", **bend):
    options = client.post(f"{REGISTER}/options", json={}).get_json()
    return client.post(
        f"{REGISTER}/verify", json={"credential": authenticator.create(options, **bend), "name": name}
    )


def _with_passkey(client, make_user, login, role: str = "reader"):
    user = make_user("ID", role)
    login(user)
    authenticator = SoftAuthenticator()
    assert _register(client, authenticator).status_code == 201
    client.post("/logout")
    return user, authenticator


def _assert(client, authenticator: SoftAuthenticator, purpose: str, **bend):
    options = client.post("/login/passkey/options", json={"purpose": purpose}).get_json()
    credential = authenticator.get(options, **bend)
    return client.post(
        "/login/passkey/verify", json={"purpose": purpose, "credential": credential}
    ), credential


def _signed_in(client) -> bool:
    return client.get("/api/v1/me").status_code == 200


def _failures() -> list[dict]:
    query = db.select(AuditEntry).where(AuditEntry.action == "passkey.failure").order_by(AuditEntry.id)
    return [entry.detail_values for entry in db.session.scalars(query)]


def test_registering_keeps_the_public_key_transports_and_name(client, make_user, login):
    user = make_user("ID", "reader")
    login(user)
    authenticator = SoftAuthenticator()
    options = client.post(f"{REGISTER}/options", json={}).get_json()
    assert (
        options["rp"]["id"] == "hub.test" and options["authenticatorSelection"]["residentKey"] == "required"
    )
    answer = client.post(
        f"{REGISTER}/verify", json={"credential": authenticator.create(options), "name": "Key"}
    )
    assert answer.status_code == 201
    key = db.session.scalars(db.select(Passkey)).one()
    assert (key.user_id, key.name, key.transport_list, key.sign_count) == (user.id, "Key", ["internal"], 0)
    assert "Key" in client.get("/account/security/").get_data(as_text=True)
    assert db.session.scalar(db.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "passkey.added"
    # the user keeps one handle for all their passkeys, and the authenticator is told of this one
    again = client.post(f"{REGISTER}/options", json={}).get_json()
    assert (
        again["user"]["id"] == key.user_handle and again["excludeCredentials"][0]["id"] == key.credential_id
    )


@pytest.mark.parametrize(
    "bend",
    [{"origin": "https://evil.example"}, {"challenge": "AAAA"}],
    ids=["other origin", "other challenge"],
)
def test_a_registration_that_does_not_verify_saves_nothing(client, make_user, login, bend):
    login(make_user("ID", "reader"))
    refused = _register(client, SoftAuthenticator(), **bend)
    assert refused.status_code == 400 and "could not be verified" in refused.get_json()["error"]["message"]
    assert db.session.scalars(db.select(Passkey)).all() == []
    assert len(_failures()) == 1


def test_a_registration_answer_works_once(client, make_user, login):
    login(make_user("ID", "reader"))
    authenticator = SoftAuthenticator()
    options = client.post(f"{REGISTER}/options", json={}).get_json()
    credential = authenticator.create(options)
    assert client.post(f"{REGISTER}/verify", json={"credential": credential}).status_code == 201
    replay = client.post(f"{REGISTER}/verify", json={"credential": credential})
    assert replay.status_code == 400 and "expired" in replay.get_json()["error"]["message"]
    assert len(db.session.scalars(db.select(Passkey)).all()) == 1


def test_a_passkey_is_a_second_factor_after_the_password(client, make_user, login):
    user, authenticator = _with_passkey(client, make_user, login)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).headers["Location"] == (
        "/login/verify"
    )
    assert not _signed_in(client)
    answer, _credential = _assert(
        client, authenticator, "second_factor", verified=False
    )  # presence is enough
    assert answer.status_code == 200 and answer.get_json() == {"redirect": "/"}
    assert _signed_in(client)
    key = db.session.scalars(db.select(Passkey)).one()
    assert key.sign_count == 1 and key.last_used_at is not None
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "signin.success")).all()[-1]
    assert entry.detail_values == {"method": "password+passkey"}


def test_a_discoverable_passkey_signs_in_without_a_password(client, make_user, login):
    user, authenticator = _with_passkey(client, make_user, login)
    options = client.post("/login/passkey/options", json={"purpose": "passwordless"}).get_json()
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    credential = authenticator.get(options)
    answer = client.post("/login/passkey/verify", json={"purpose": "passwordless", "credential": credential})
    assert answer.status_code == 200 and _signed_in(client)
    assert client.get("/api/v1/me").get_json()["email"] == user.email


def test_without_a_password_the_device_must_have_verified_the_user(client, make_user, login):
    _user, authenticator = _with_passkey(client, make_user, login)
    refused, _credential = _assert(client, authenticator, "passwordless", verified=False)
    assert refused.status_code == 400 and not _signed_in(client)
    assert "verif" in _failures()[-1]["reason"]


@pytest.mark.parametrize(
    "bend",
    [
        {"signer": ec.generate_private_key(ec.SECP256R1())},
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
    ],
    ids=["forged signature", "other origin", "other RP id"],
)
def test_a_bad_assertion_is_refused_audited_and_changes_nothing(client, make_user, login, bend):
    _user, authenticator = _with_passkey(client, make_user, login)
    refused, _credential = _assert(client, authenticator, "passwordless", **bend)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"] == "This passkey could not sign you in."
    assert not _signed_in(client)
    key = db.session.scalars(db.select(Passkey)).one()
    assert key.sign_count == 0 and key.last_used_at is None
    assert len(_failures()) == 1


def test_a_replayed_assertion_is_refused(client, make_user, login):
    _user, authenticator = _with_passkey(client, make_user, login)
    answer, credential = _assert(client, authenticator, "passwordless")
    assert answer.status_code == 200
    client.post("/logout")
    body = {"purpose": "passwordless", "credential": credential}
    assert client.post("/login/passkey/verify", json=body).status_code == 400  # its challenge is spent
    client.post("/login/passkey/options", json={"purpose": "passwordless"})
    assert client.post("/login/passkey/verify", json=body).status_code == 400  # not the new challenge
    assert not _signed_in(client)
    assert [f["reason"] for f in _failures()][0] == "no challenge"
    assert "challenge" in _failures()[1]["reason"].lower()


def test_an_expired_challenge_is_refused(client, make_user, login):
    _user, authenticator = _with_passkey(client, make_user, login)
    options = client.post("/login/passkey/options", json={"purpose": "passwordless"}).get_json()
    with client.session_transaction() as session:
        session["webauthn_challenge"] = {**session["webauthn_challenge"], "expires": time.time() - 1}
    credential = authenticator.get(options)
    refused = client.post("/login/passkey/verify", json={"purpose": "passwordless", "credential": credential})
    assert refused.status_code == 400 and not _signed_in(client)


def test_another_users_passkey_is_no_second_factor(client, make_user, login):
    _owner, authenticator = _with_passkey(client, make_user, login)
    other, _other_key = _with_passkey(client, make_user, login)
    client.post("/login", data={"email": other.email, "password": PASSWORD})
    refused, _credential = _assert(client, authenticator, "second_factor")
    assert refused.status_code == 400 and not _signed_in(client)
    assert _failures()[-1]["reason"] == "unknown passkey"


BAD_BODIES = ["nonsense", [], {"purpose": "passwordless"}, {"purpose": "x", "credential": {}}]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_malformed_answers_are_a_4xx(client, body):
    client.post("/login/passkey/options", json={"purpose": "passwordless"})
    response = client.post("/login/passkey/verify", json=body)
    assert 400 <= response.status_code < 500 and response.is_json


def test_garbage_inside_the_credential_is_a_clear_400(client, make_user, login):
    _user, authenticator = _with_passkey(client, make_user, login)
    options = client.post("/login/passkey/options", json={"purpose": "passwordless"}).get_json()
    credential = authenticator.get(options)
    credential["response"]["signature"] = "!!not base64!!"
    refused = client.post("/login/passkey/verify", json={"purpose": "passwordless", "credential": credential})
    assert refused.status_code == 400 and not _signed_in(client)


def test_passkeys_are_renamed_and_removed_by_their_owner_only(client, make_user, login):
    owner, _authenticator = _with_passkey(client, make_user, login)
    key = db.session.scalars(db.select(Passkey)).one()
    login(make_user("ID", "reader"))
    assert client.post(f"/account/security/passkeys/{key.id}/remove").status_code == 404
    assert (
        client.post(f"/account/security/passkeys/{key.id}/rename", data={"name": "Mine"}).status_code == 404
    )
    client.post("/logout")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    _assert(client, _authenticator, "second_factor")
    assert (
        client.post(f"/account/security/passkeys/{key.id}/rename", data={"name": "Desk"}).status_code == 302
    )
    assert db.session.get(Passkey, key.id).name == "Desk"
    assert client.post(f"/account/security/passkeys/{key.id}/remove").status_code == 302
    assert db.session.get(Passkey, key.id) is None
    assert db.session.scalar(db.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "passkey.removed"
