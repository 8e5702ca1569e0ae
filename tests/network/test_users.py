"""Identity: the CLI, API tokens, invitations, roles, countries, sign-in, start-up configuration."""

from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import urljoin, urlsplit

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import text
from support import PASSWORD

from content.models import GlossaryConcept, Topic
from network import passwords
from network.config import ConfigError
from network.errors import Invalid
from network.extensions import db
from network.models import ApiToken, Country, User


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.email == email))


def _sign_in(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def _me(client, **headers):
    return client.get("/api/v1/me", headers=headers)


# ------------------------------------------------------------------------------------------
# rndd users create
# ------------------------------------------------------------------------------------------


def test_cli_creates_a_user_who_can_sign_in(runner, client):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Ana.Cruz@Example.org",
            "--name",
            "Ana Cruz",
            "--country",
            "ph",
            "--role",
            "reader",
        ],
        input="longpassword1\n",
    )
    assert result.exit_code == 0, result.output
    user = _user("ana.cruz@example.org")
    assert (user.name, user.country_code, user.role, user.active) == ("Ana Cruz", "PH", "reader", True)
    assert user.password_hash and "longpassword1" not in user.password_hash
    assert _sign_in(client, "ana.cruz@example.org", "longpassword1").status_code == 302
    me = _me(client)
    assert me.status_code == 200
    assert (me.get_json()["email"], me.get_json()["country"]) == ("ana.cruz@example.org", "PH")


@pytest.mark.parametrize(
    ("args", "password", "complaint"),
    [
        (["--country", "ID", "--role", "reader"], "short", "password"),
        (["--country", "ZZ", "--role", "reader"], "longpassword1", "country"),
        (["--country", "ID", "--role", "emperor"], "longpassword1", "role"),
    ],
)
def test_cli_refuses_bad_users(args, password, complaint, runner):
    result = runner.invoke(
        args=["users", "create", "bad@example.org", "--name", "Bad", *args], input=f"{password}\n"
    )
    assert result.exit_code != 0
    if complaint != "role":  # click itself refuses a role outside the choice, with exit code 2
        assert result.exit_code == 1
    assert complaint in result.output.lower()
    assert _user("bad@example.org") is None


def test_cli_refuses_a_duplicate_email(runner, make_user):
    existing = make_user("ID", "reader")
    result = runner.invoke(
        args=["users", "create", existing.email, "--name", "Twin", "--country", "ID", "--role", "reader"],
        input="longpassword1\n",
    )
    assert result.exit_code == 1
    assert "email" in result.output.lower()
    assert db.session.scalar(db.select(db.func.count()).where(User.email == existing.email)) == 1


# ------------------------------------------------------------------------------------------
# rndd tokens create
# ------------------------------------------------------------------------------------------


def _issue(runner, email: str, scope: str = "read") -> str:
    result = runner.invoke(args=["tokens", "create", email, "--scope", scope])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1].strip()


@pytest.mark.parametrize("scope", ["read", "write"])
def test_a_cli_token_authenticates_the_api_and_only_its_hash_is_stored(scope, runner, client, make_user):
    user = make_user("TH", "contributor")
    token = _issue(runner, user.email, scope)
    assert len(token) >= 40

    me = _me(client, Authorization=f"Bearer {token}")
    assert me.status_code == 200
    assert me.get_json()["id"] == user.id
    assert me.get_json()["email"] == user.email
    assert me.get_json()["token_scope"] == scope

    rows = db.session.execute(text("SELECT * FROM api_token")).mappings().all()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    for row in rows:
        assert not any(token in str(value) for value in row.values())
        assert not any(token[5:25] in str(value) for value in row.values())

    assert _me(client, Authorization=f"Bearer {token}x").status_code == 401
    assert _me(client).status_code == 401  # the token is not remembered as a session


def test_tokens_for_unknown_or_inactive_users_are_refused(runner, make_user):
    assert runner.invoke(args=["tokens", "create", "nobody@example.org"]).exit_code == 1
    sleeper = make_user("TH", "reader", active=False)
    result = runner.invoke(args=["tokens", "create", sleeper.email])
    assert result.exit_code == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_deactivation_stops_tokens_and_sessions_at_once(app, runner, client, make_user):
    admin = make_user("ID", "country_admin")
    user = make_user("ID", "contributor")
    token = _issue(runner, user.email)
    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    assert _me(client).status_code == 200
    assert _me(app.test_client(), Authorization=f"Bearer {token}").status_code == 200

    admin_browser = app.test_client()
    assert _sign_in(admin_browser, admin.email, PASSWORD).status_code == 302
    assert admin_browser.post(f"/admin/users/{user.id}/active").status_code == 302
    assert _user(user.email).active is False

    refused = _me(app.test_client(), Authorization=f"Bearer {token}")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"
    assert _me(client).status_code == 401  # the old session
    drafts = client.get("/drafts")
    assert drafts.status_code == 302 and "/login" in drafts.headers["Location"]
    assert _sign_in(client, user.email, PASSWORD).status_code == 422  # and no new one


# ------------------------------------------------------------------------------------------
# Invitations
# ------------------------------------------------------------------------------------------

LINK = re.compile(r"https?://[^\s<>\"']+/invite/[A-Za-z0-9._\-]+")


def _invite(app, client, login, make_user, caplog, email="new.colleague@example.org", role="contributor"):
    admin = make_user("ID", "country_admin")
    login(admin)
    with caplog.at_level(logging.INFO, logger="rndd.mail"):
        page = client.post("/admin/users", data={"email": email, "name": "New Colleague", "role": role})
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    in_page = LINK.findall(page.get_data(as_text=True))
    in_log = LINK.findall(caplog.text)
    assert in_page or in_log
    link = (in_page or in_log)[0]
    if in_page and in_log:
        assert in_page[0] == in_log[0]
    invited = _user(email)
    assert (invited.country_code, invited.role, invited.password_hash) == ("ID", role, None)
    return urlsplit(link).path


def test_an_invited_user_sets_a_password_and_signs_in(app, client, login, make_user, caplog):
    path = _invite(app, client, login, make_user, caplog)
    browser = app.test_client()
    welcome = browser.get(path)
    assert welcome.status_code == 200
    assert "New Colleague" in welcome.get_data(as_text=True)
    too_short = browser.post(path, data={"password": "short", "confirm": "short"})
    assert too_short.status_code in (200, 422)
    assert _user("new.colleague@example.org").password_hash is None
    accepted = browser.post(
        path, data={"password": "a good long password", "confirm": "a good long password"}
    )
    assert accepted.status_code == 302
    assert _me(browser).get_json()["email"] == "new.colleague@example.org"

    other = app.test_client()
    assert _sign_in(other, "new.colleague@example.org", "a good long password").status_code == 302
    assert _me(other).get_json()["role"] == "contributor"


def test_an_invitation_works_once(app, client, login, make_user, caplog):
    path = _invite(app, client, login, make_user, caplog)
    first = app.test_client()
    assert (
        first.post(path, data={"password": "first password!", "confirm": "first password!"}).status_code
        == 302
    )
    second = app.test_client()
    assert second.get(path).status_code == 404
    taken_over = second.post(path, data={"password": "second password", "confirm": "second password"})
    assert taken_over.status_code == 404
    assert _sign_in(second, "new.colleague@example.org", "second password").status_code == 422
    assert _user("new.colleague@example.org").check_password("first password!")


def test_a_tampered_invitation_is_not_found(app, client, login, make_user, caplog):
    path = _invite(app, client, login, make_user, caplog)
    token = path.rsplit("/", 1)[1]
    payload, _, rest = token.partition(".")
    for bad in (("A" if payload[0] != "A" else "B") + token[1:], payload + "." + rest[::-1], "garbage"):
        browser = app.test_client()
        assert browser.get(f"/invite/{bad}").status_code == 404
        assert (
            browser.post(
                f"/invite/{bad}", data={"password": "tampered pw!", "confirm": "tampered pw!"}
            ).status_code
            == 404
        )
    assert _user("new.colleague@example.org").password_hash is None


def test_an_invitation_signed_for_another_user_is_not_found(app, make_user):
    """A valid signature with another key (or salt) must not open anyone's account."""
    from itsdangerous import URLSafeTimedSerializer

    pending = User(email="pending@example.org", name="Pending", country_code="ID", role="reader")
    db.session.add(pending)
    db.session.commit()
    forged = URLSafeTimedSerializer("not-the-secret", salt="rndd-invite").dumps(
        {"uid": pending.id, "pw": None}
    )
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps({"uid": pending.id})
    for token in (forged, other_salt):
        assert app.test_client().get(f"/invite/{token}").status_code == 404


def test_an_expired_invitation_is_not_found(app, client, login, make_user, caplog, monkeypatch):
    path = _invite(app, client, login, make_user, caplog)
    days = app.config["INVITE_MAX_AGE_DAYS"]
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + (days + 1) * 86400)
    browser = app.test_client()
    assert browser.get(path).status_code == 404
    assert browser.post(path, data={"password": "too late now", "confirm": "too late now"}).status_code == 404
    assert _user("new.colleague@example.org").password_hash is None


def test_invite_max_age_zero_expires_links_at_once(app, client, login, make_user, caplog, monkeypatch):
    path = _invite(app, client, login, make_user, caplog)
    app.config["INVITE_MAX_AGE_DAYS"] = 0
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 2)
    assert app.test_client().get(path).status_code == 404


def test_admins_invite_only_into_their_own_country_and_not_as_network_admin(app, client, login, make_user):
    login(make_user("ID", "country_admin"))
    page = client.post(
        "/admin/users", data={"email": "boss@example.org", "name": "Boss", "role": "network_admin"}
    )
    assert page.status_code == 422
    assert _user("boss@example.org") is None


# ------------------------------------------------------------------------------------------
# Roles
# ------------------------------------------------------------------------------------------


def test_a_country_admin_changes_roles_of_their_own_country_only(client, login, make_user):
    admin = make_user("ID", "country_admin")
    colleague = make_user("ID", "reader")
    foreigner = make_user("TH", "reader")
    login(admin)
    assert client.post(f"/admin/users/{colleague.id}/role", data={"role": "contributor"}).status_code == 302
    assert _user(colleague.email).role == "contributor"

    assert client.post(f"/admin/users/{foreigner.id}/role", data={"role": "country_admin"}).status_code == 404
    assert _user(foreigner.email).role == "reader"
    assert client.post(f"/admin/users/{foreigner.id}/active").status_code == 404
    assert _user(foreigner.email).active is True
    assert client.post("/admin/users/999999/role", data={"role": "reader"}).status_code == 404

    assert client.post(f"/admin/users/{admin.id}/role", data={"role": "reader"}).status_code == 403
    assert _user(admin.email).role == "country_admin"
    assert client.post(f"/admin/users/{admin.id}/active").status_code == 403
    assert _user(admin.email).active is True

    listing = client.get("/admin/users").get_data(as_text=True)
    assert colleague.email in listing and foreigner.email not in listing


def test_a_country_admin_cannot_touch_the_network_admin(client, login, make_user):
    secretariat = make_user("ID", "network_admin")
    login(make_user("ID", "country_admin"))
    assert client.post(f"/admin/users/{secretariat.id}/role", data={"role": "reader"}).status_code == 403
    assert _user(secretariat.email).role == "network_admin"


@pytest.mark.parametrize("role", ["reader", "contributor", "network_admin"])
def test_only_country_admins_open_the_user_pages(role, client, login, make_user):
    victim = make_user("ID", "reader")
    login(make_user("ID", role))
    assert client.get("/admin/users").status_code == 403
    assert (
        client.post(
            "/admin/users", data={"email": "x@example.org", "name": "X", "role": "reader"}
        ).status_code
        == 403
    )
    assert client.post(f"/admin/users/{victim.id}/role", data={"role": "country_admin"}).status_code == 403
    assert _user(victim.email).role == "reader"
    assert _user("x@example.org") is None


# ------------------------------------------------------------------------------------------
# The network admin: countries, and no extra reading rights
# ------------------------------------------------------------------------------------------


def test_the_network_admin_edits_and_adds_countries(client, login, make_user):
    login(make_user("SG", "network_admin"))
    assert client.get("/admin/countries").status_code == 200
    assert client.get("/admin/countries/ID").status_code == 200
    edited = client.post(
        "/admin/countries/ID",
        data={
            "code": "ID",
            "name": "Indonesia",
            "ministry": "Kementerian Luar Negeri Republik Indonesia",
            "default_language": "id",
        },
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(Country, "ID").ministry == "Kementerian Luar Negeri Republik Indonesia"

    added = client.post(
        "/admin/countries/new",
        data={
            "code": "tl",
            "name": "Timor-Leste",
            "ministry": "Ministry of Foreign Affairs and Cooperation",
            "default_language": "en",
        },
    )
    assert added.status_code == 302
    timor = db.session.get(Country, "TL")
    assert (timor.name, timor.default_language) == ("Timor-Leste", "en")
    assert db.session.scalar(db.select(db.func.count()).select_from(Country)) == 17
    codes = [c["code"] for c in client.get("/api/v1/countries").get_json()["items"]]
    assert "TL" in codes

    bad = client.post(
        "/admin/countries/new", data={"code": "T1", "name": "", "ministry": "M", "default_language": "xx"}
    )
    assert bad.status_code == 422
    assert client.get("/admin/countries/QQ").status_code == 404


@pytest.mark.parametrize("role", ["reader", "contributor", "country_admin"])
def test_only_the_network_admin_manages_countries(role, client, login, make_user):
    login(make_user("ID", role))
    assert client.get("/admin/countries").status_code == 403
    assert (
        client.post(
            "/admin/countries/new",
            data={"code": "TL", "name": "Timor-Leste", "ministry": "M", "default_language": "en"},
        ).status_code
        == 403
    )
    assert db.session.get(Country, "TL") is None


@pytest.mark.parametrize(
    ("visibility", "status"),
    [("country", "published"), ("countries", "published"), ("public", "draft"), ("public", "withdrawn")],
)
def test_the_network_admin_cannot_read_a_ministrys_restricted_documents(
    visibility, status, client, login, make_user, make_document
):
    """Least privilege (DESIGN section 1): running the hub gives no right to read ID's documents."""
    doc = make_document(
        "ID",
        visibility,
        status,
        shared_with=["TH"] if visibility == "countries" else None,
        title="Ministry confidential",
    )
    login(make_user("SG", "network_admin"))
    assert client.get(f"/documents/{doc.id}").status_code == 404
    assert client.get(f"/api/v1/documents/{doc.id}").status_code == 404
    listing = client.get("/api/v1/documents?per_page=100").get_json()
    assert doc.id not in [item["id"] for item in listing["items"]]
    assert "Ministry confidential" not in client.get("/documents?country=ID").get_data(as_text=True)


# ------------------------------------------------------------------------------------------
# Signing in
# ------------------------------------------------------------------------------------------


def test_a_wrong_password_is_a_422_and_signs_nobody_in(client, make_user):
    user = make_user("ID", "reader")
    refused = _sign_in(client, user.email, "not the password")
    assert refused.status_code == 422
    assert "not right" in refused.get_data(as_text=True)
    assert _me(client).status_code == 401
    assert _sign_in(client, "nobody@example.org", PASSWORD).status_code == 422
    assert _me(client).status_code == 401


def _where_a_browser_goes(location: str) -> str:
    """Resolve a Location header the way browsers do (WHATWG URL: tabs and newlines are dropped,
    a backslash counts as a slash), relative to the login page."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urljoin("http://hub.test/login", cleaned)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example/",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        " //evil.example",
        "javascript:alert(1)",
    ],
)
def test_sign_in_never_redirects_off_site(target, client, make_user):
    user = make_user("ID", "reader")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    landed = urlsplit(_where_a_browser_goes(response.headers["Location"]))
    assert landed.scheme == "http" and landed.netloc == "hub.test", response.headers["Location"]


def test_sign_in_follows_a_local_next(client, make_user):
    user = make_user("ID", "reader")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/documents?country=ID"}
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/documents"
    assert urlsplit(response.headers["Location"]).query == "country=ID"


# ------------------------------------------------------------------------------------------
# rndd init, and start-up configuration
# ------------------------------------------------------------------------------------------


def test_init_twice_on_a_new_database(tmp_path):
    from network import create_app

    fresh = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.sqlite3'}",
            "INDEX_DIR": str(tmp_path / "index"),
            "UPLOAD_DIR": str(tmp_path / "up"),
        }
    )
    with fresh.app_context():
        try:
            runner = fresh.test_cli_runner()
            for attempt in range(2):
                result = runner.invoke(args=["init"])
                assert result.exit_code == 0, (attempt, result.output)
                countries = db.session.scalars(db.select(Country.code)).all()
                slugs = db.session.scalars(db.select(Topic.slug)).all()
                assert len(countries) == len(set(countries)) == 16
                assert len(slugs) == len(set(slugs)) == 10
                concepts = db.session.scalars(db.select(GlossaryConcept.name)).all()
                assert len(concepts) == len(set(concepts)) >= 40
                if attempt == 0:
                    assert f"{len(concepts)} glossary concepts added" in result.output
            assert "0 countries, 0 topics and 0 glossary concepts added" in result.output
        finally:
            db.session.remove()
            db.engine.dispose()


def test_init_keeps_edits_to_countries(runner):
    country = db.session.get(Country, "ID")
    country.ministry = "Edited by the network admin"
    db.session.commit()
    assert runner.invoke(args=["init"]).exit_code == 0
    assert runner.invoke(args=["init"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Country, "ID").ministry == "Edited by the network admin"
    assert db.session.scalar(db.select(db.func.count()).select_from(Country)) == 16


def test_a_missing_secret_key_stops_start_up_outside_debug_and_tests(tmp_path, monkeypatch):
    from network import create_app

    for name in ("RNDD_SECRET_KEY", "RNDD_DEBUG", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    with pytest.raises(ConfigError) as error:
        create_app(dict(config))
    assert "RNDD_SECRET_KEY" in str(error.value)
    monkeypatch.setenv("RNDD_SECRET_KEY", "")  # empty is missing too
    with pytest.raises(ConfigError):
        create_app(dict(config))

    monkeypatch.setenv("RNDD_SECRET_KEY", "a" * 64)
    monkeypatch.setenv("RNDD_BASE_URL", "https://hub.example.org")
    assert create_app(dict(config)).config["SECRET_KEY"] == "a" * 64
    monkeypatch.delenv("RNDD_SECRET_KEY")
    monkeypatch.setenv("RNDD_DEBUG", "1")
    assert create_app(dict(config)).config["SECRET_KEY"]  # a throwaway key while debugging


def test_the_password_policy_refuses_short_passwords():
    with pytest.raises(Invalid):
        passwords.check("x" * (passwords.PASSWORD_MIN - 1))
    passwords.check("x" * passwords.PASSWORD_MIN)
