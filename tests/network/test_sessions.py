"""Server-side sessions: every copy of a cookie ends with its row; sign-in starts afresh;
idle timeout and absolute lifetime; the events that end all of a user's sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie
from support import PASSWORD

from network import audit
from network.extensions import db
from network.models import User, utcnow
from network.sessions import UserSession, device_label

pytestmark = pytest.mark.both_databases

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _me(client):
    return client.get("/api/v1/me")


def _sign_in(client, user: User, password: str = PASSWORD, **headers):
    response = client.post("/login", data={"email": user.email, "password": password}, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def _copy_cookie(source, target) -> None:
    cookie = source.get_cookie("session", domain="hub.test")
    target.set_cookie("session", cookie.value, domain="hub.test")


def _rows(user: User) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(UserSession).where(UserSession.user_id == user.id)))


def _live(user: User) -> list[UserSession]:
    return [row for row in _rows(user) if row.revoked_at is None]


def test_logout_ends_every_copy_of_the_cookie(app, client, make_user):
    user = make_user("ID", "reader")
    _sign_in(client, user)
    thief = app.test_client()
    _copy_cookie(client, thief)
    assert _me(thief).status_code == 200  # a copied cookie works while the session lives...
    assert client.post("/logout").status_code == 302
    assert _me(client).status_code == 401
    assert _me(thief).status_code == 401  # ...and not once its owner signed out
    assert [row.revoked_at is not None for row in _rows(user)] == [True]


def test_the_database_keeps_only_a_hash_of_the_session_key(app, client, make_user):
    user = make_user("ID", "reader")
    _sign_in(client, user, **{"User-Agent": FIREFOX})
    with client.session_transaction() as session:
        key = session["sid"]
    (row,) = _rows(user)
    assert key not in row.id and len(row.id) == 64
    assert (row.method, row.second_factor, row.device) == ("password", False, "Firefox on Windows")


def test_sign_in_starts_a_new_session_with_a_new_csrf_token(app, client, make_user):
    user = make_user("ID", "reader")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    with client.session_transaction() as session:
        before = session["csrf_token"]
        session["planted"] = "by someone who had this browser before"
    signed_in = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    client.get("/account/password")  # a page with a form: it makes the session's CSRF token
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["csrf_token"] != before


def test_signing_in_again_ends_the_browsers_previous_session(app, client, make_user):
    first, second = make_user("ID", "reader"), make_user("TH", "reader")
    _sign_in(client, first)
    _sign_in(client, second)
    assert _live(first) == [] and len(_live(second)) == 1
    assert _me(client).get_json()["email"] == second.email


def test_a_remember_me_cookie_signs_nobody_in(app, client, make_user):
    user = make_user("ID", "reader")
    client.set_cookie("remember_token", encode_cookie(str(user.id)), domain="hub.test")
    assert _me(client).status_code == 401


def test_the_sessions_page_lists_and_revokes(app, client, make_user):
    user = make_user("ID", "reader")
    _sign_in(client, user, **{"User-Agent": FIREFOX})
    phone = app.test_client()
    _sign_in(
        phone, user, **{"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36"}
    )
    page = client.get("/account/sessions", headers={"User-Agent": FIREFOX}).get_data(as_text=True)
    assert "Firefox on Windows" in page and "(this one)" in page and "Chrome on Android" in page
    phone_row = next(row for row in _live(user) if "Android" in row.user_agent)
    assert (
        client.post(f"/account/sessions/{phone_row.id}/revoke", headers={"User-Agent": FIREFOX}).status_code
        == 302
    )
    assert _me(phone).status_code == 401
    assert client.get("/api/v1/me", headers={"User-Agent": FIREFOX}).status_code == 200
    other = make_user("TH", "reader")
    _sign_in(phone, other)
    (foreign,) = _live(other)
    assert (
        client.post(f"/account/sessions/{foreign.id}/revoke", headers={"User-Agent": FIREFOX}).status_code
        == 404
    )
    assert _me(phone).status_code == 200
    assert db.session.scalar(
        db.select(audit.AuditEntry.action).where(audit.AuditEntry.action == "session.revoked")
    )


def test_sign_out_everywhere(app, client, make_user):
    user = make_user("ID", "reader")
    browsers = [app.test_client() for _ in range(3)]
    for browser in browsers:
        _sign_in(browser, user)
    assert browsers[0].post("/account/sessions/revoke-all").status_code == 302
    assert [_me(browser).status_code for browser in browsers] == [401, 401, 401]
    assert _live(user) == []


def _change_role(app, user):
    admin = make_admin(app, user.country_code)
    assert admin.post(f"/admin/users/{user.id}/role", data={"role": "contributor"}).status_code == 302


def _deactivate(app, user):
    admin = make_admin(app, user.country_code)
    assert admin.post(f"/admin/users/{user.id}/active").status_code == 302


def _change_password(app, user):
    browser = app.test_client()
    _sign_in(browser, user)
    data = {"current": PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    assert browser.post("/account/password", data=data).status_code == 302
    assert _me(browser).status_code == 200  # the session that changed it goes on


def make_admin(app, country: str):
    admin = User(email=f"admin.{country.lower()}@example.org", name="Admin", country_code=country,
                 role="country_admin")  # fmt: skip
    admin.set_password(PASSWORD)
    db.session.add(admin)
    db.session.commit()
    browser = app.test_client()
    _sign_in(browser, admin)
    return browser


@pytest.mark.parametrize("event", [_change_role, _deactivate, _change_password])
def test_these_end_all_of_the_users_other_sessions(event, app, make_user):
    user = make_user("ID", "reader")
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        _sign_in(browser, user)
    event(app, user)
    assert [_me(browser).status_code for browser in browsers] == [401, 401]
    assert db.session.scalar(
        db.select(db.func.count()).where(audit.AuditEntry.action == "sessions.revoked_all")
    )


def _move(user: User, **shifts: timedelta) -> None:
    for row in _live(user):
        for column, shift in shifts.items():
            setattr(row, column, getattr(row, column) - shift)
    db.session.commit()


def test_an_idle_session_ends(app, client, make_user):
    user = make_user("ID", "reader")
    _sign_in(client, user)
    _move(user, last_seen_at=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1))
    assert _me(client).status_code == 200  # used within the timeout: it goes on, and is touched
    _move(user, last_seen_at=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
    assert _me(client).status_code == 401


def test_a_session_ends_at_its_absolute_lifetime_however_busy(app, client, make_user):
    user = make_user("ID", "reader")
    _sign_in(client, user)
    _move(user, created_at=timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=-1))
    assert _me(client).status_code == 200
    _move(user, created_at=timedelta(minutes=2))
    assert _me(client).status_code == 401


def test_last_seen_is_written_at_most_once_a_minute(app, client, make_user):
    user = make_user("ID", "reader")
    _sign_in(client, user)
    _move(user, last_seen_at=timedelta(seconds=30))
    (row,) = _live(user)
    seen = row.last_seen_at
    assert _me(client).status_code == 200
    assert _live(user)[0].last_seen_at == seen
    _move(user, last_seen_at=timedelta(seconds=60))
    assert _me(client).status_code == 200
    assert utcnow() - _live(user)[0].last_seen_at < timedelta(seconds=30)


def test_device_labels():
    assert device_label(FIREFOX) == "Firefox on Windows"
    assert device_label("curl/8.5.0") == "curl"
    assert device_label("") == "Unknown device"
