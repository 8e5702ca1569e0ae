"""TOTP and recovery codes: enrolment confirms a code, a code works once, REQUIRE_2FA gates admins."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from support import PASSWORD

from network import recovery_codes, totp
from network.audit import AuditEntry
from network.config import ConfigError
from network.extensions import db
from network.factor_models import RecoveryCode
from network.models import ApiToken

pytestmark = pytest.mark.both_databases


def _actions(user=None) -> list[str]:
    query = db.select(AuditEntry.action).order_by(AuditEntry.id)
    if user is not None:
        query = query.where(AuditEntry.object_id == str(user.id))
    return list(db.session.scalars(query))


def _enable_totp(user) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol `user` through the services; returns their app and their recovery codes."""
    secret = totp.begin_enrolment(user)
    app_ = pyotp.TOTP(secret.secret)
    totp.confirm(user, app_.now())
    return app_, recovery_codes.renew(user, first=True)


def _next_code(app_: pyotp.TOTP) -> str:
    """The code of the next 30-second step: newer than the one enrolment used, inside the drift window."""
    return app_.at(time.time() + app_.interval)


def _password_step(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _signed_in(client) -> bool:
    return client.get("/api/v1/me").status_code == 200


def test_enrolment_shows_inline_svg_and_takes_effect_only_once_a_code_is_confirmed(client, make_user, login):
    user = make_user("ID", "reader")
    login(user)
    page = client.get("/account/security/totp").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert "<path" in svg and "style" not in svg and "<script" not in svg and "data:" not in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert not totp.is_enabled(user)

    wrong = client.post("/account/security/totp/confirm", data={"code": "000000"})
    assert wrong.status_code == 422 and not totp.is_enabled(user)
    confirmed = client.post("/account/security/totp/confirm", data={"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200 and totp.is_enabled(user)
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", confirmed.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(
        db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert not set(codes) & set(stored)  # only digests are kept
    assert "totp.enabled" in _actions(user) and "totp.failure" in _actions(user)


def test_an_unconfirmed_enrolment_does_not_ask_for_a_code(client, make_user):
    user = make_user("ID", "reader")
    totp.begin_enrolment(user)
    assert _password_step(client, user).headers["Location"] == "/"
    assert _signed_in(client)


def test_the_password_alone_does_not_sign_in_a_user_with_totp(client, make_user):
    user = make_user("ID", "reader")
    app_, _codes = _enable_totp(user)
    assert _password_step(client, user).headers["Location"] == "/login/verify"
    assert not _signed_in(client)
    assert client.post("/login/verify", data={"code": "123456"}).status_code == 422
    assert not _signed_in(client)
    signed = client.post("/login/verify", data={"code": _next_code(app_)})
    assert signed.status_code == 302 and _signed_in(client)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "signin.success")).one()
    assert entry.detail_values == {"method": "password+totp"} and entry.actor_id == user.id


def test_a_code_is_accepted_once_and_a_replay_in_its_step_is_refused(client, make_user):
    user = make_user("ID", "reader")
    app_, _codes = _enable_totp(user)
    code = _next_code(app_)
    _password_step(client, user)
    assert client.post("/login/verify", data={"code": code}).status_code == 302
    client.post("/logout")
    _password_step(client, user)
    replay = client.post("/login/verify", data={"code": code})
    assert replay.status_code == 422 and not _signed_in(client)
    assert _actions(user).count("totp.failure") == 1


def test_check_code_keeps_the_last_step_and_allows_one_step_of_drift(app, make_user):
    user = make_user("ID", "reader")
    secret = totp.begin_enrolment(user)
    app_, now = pyotp.TOTP(secret.secret), 1_800_000_000.0
    assert totp.check_code(user, app_.at(now), confirming=True, now=now)
    assert not totp.check_code(user, app_.at(now), confirming=True, now=now)  # replay
    assert not totp.check_code(user, app_.at(now - 30), confirming=True, now=now)  # older than the last
    assert totp.check_code(user, app_.at(now + 30), confirming=True, now=now)  # clock a step ahead
    assert not totp.check_code(user, app_.at(now + 90), confirming=True, now=now)  # too far ahead
    assert not totp.check_code(user, app_.at(now + 120), now=now + 120)  # not confirmed: no sign-in


def test_a_pending_sign_in_expires(client, make_user):
    user = make_user("ID", "reader")
    app_, _codes = _enable_totp(user)
    _password_step(client, user)
    with client.session_transaction() as session:
        session["second_factor_pending"] = {**session["second_factor_pending"], "expires": time.time() - 1}
    late = client.post("/login/verify", data={"code": _next_code(app_)})
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert not _signed_in(client)


def test_a_recovery_code_signs_in_once(client, make_user):
    user = make_user("ID", "reader")
    _app, codes = _enable_totp(user)
    _password_step(client, user)
    assert client.post("/login/verify", data={"code": codes[0].upper()}).status_code == 302
    assert _signed_in(client) and recovery_codes.remaining(user) == 9
    client.post("/logout")
    _password_step(client, user)
    assert client.post("/login/verify", data={"code": codes[0]}).status_code == 422
    assert not _signed_in(client)
    assert _actions(user).count("recovery_code.used") == 1
    assert _actions(user).count("recovery_code.failure") == 1


def test_renewed_codes_replace_the_old_ones(client, make_user):
    user = make_user("ID", "reader")
    _app, old = _enable_totp(user)
    _password_step(client, user)
    client.post("/login/verify", data={"code": old[0]})
    page = client.post("/account/security/recovery-codes").get_data(as_text=True)
    new = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", page)
    assert len(new) == 10 and recovery_codes.remaining(user) == 10
    assert "recovery_codes.renewed" in _actions(user)
    assert not recovery_codes.use(user, old[1])
    assert recovery_codes.use(user, new[0])


def test_disabling_totp_needs_a_current_code_or_the_password(client, make_user):
    user = make_user("ID", "reader")
    app_, codes = _enable_totp(user)
    _password_step(client, user)
    client.post("/login/verify", data={"code": codes[1]})
    assert _signed_in(client)
    refused = client.post("/account/security/totp/disable", data={"password": "not it"})
    assert refused.status_code == 422 and totp.is_enabled(user)
    assert client.post("/account/security/totp/disable", data={"code": "000000"}).status_code == 422
    assert totp.is_enabled(user)
    done = client.post("/account/security/totp/disable", data={"code": _next_code(app_)})
    assert done.status_code == 302 and not totp.is_enabled(user)
    assert recovery_codes.remaining(user) == 0  # no factor left: the codes went with it
    assert "totp.disabled" in _actions(user)


# ------------------------------------------------------------------------------------------
# RNDD_REQUIRE_2FA
# ------------------------------------------------------------------------------------------


def test_an_admin_without_a_second_factor_can_only_enrol(app, client, make_user, login):
    app.config["REQUIRE_2FA"] = "admins"
    admin = make_user("ID", "country_admin")
    login(admin)
    for path in ("/", "/admin/users", "/account/tokens", "/documents/new"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/security/", path
    refused = client.get("/api/v1/me")
    assert refused.status_code == 403 and refused.get_json()["error"]["reason"] == "second_factor_required"
    assert client.get("/account/security/").status_code == 200
    assert client.get("/account/security/totp").status_code == 200
    with client.get("/static/site.css") as stylesheet:
        assert stylesheet.status_code == 200

    token, clear = ApiToken.issue(admin, "read")
    db.session.add(token)
    db.session.commit()
    other = app.test_client()
    assert other.get("/api/v1/me", headers={"Authorization": f"Bearer {clear}"}).status_code == 200

    secret = totp.secret_of(admin)
    client.post("/account/security/totp/confirm", data={"code": pyotp.TOTP(secret.secret).now()})
    assert client.get("/admin/users").status_code == 200
    assert client.post("/logout").status_code == 302


def test_readers_are_gated_only_with_all(app, client, make_user, login):
    reader = make_user("ID", "reader")
    app.config["REQUIRE_2FA"] = "admins"
    login(reader)
    assert client.get("/account/tokens").status_code == 200
    app.config["REQUIRE_2FA"] = "all"
    assert client.get("/account/tokens").status_code == 302
    app.config["REQUIRE_2FA"] = "none"
    assert client.get("/account/tokens").status_code == 200


def test_admins_are_gated_by_default_outside_tests(app, make_user):
    from network import second_factor

    app.config["REQUIRE_2FA"] = None
    admin, reader = make_user("ID", "network_admin"), make_user("ID", "reader")
    assert not second_factor.required_for(admin)  # tests default to none
    app.testing = False
    try:
        assert second_factor.required_for(admin) and not second_factor.required_for(reader)
    finally:
        app.testing = True


def test_an_unknown_require_2fa_value_stops_the_start():
    from network import create_app

    with pytest.raises(ConfigError, match="RNDD_REQUIRE_2FA"):
        create_app({"TESTING": True, "REQUIRE_2FA": "everyone", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
