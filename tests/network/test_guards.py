"""Every view is guarded (network/guards.py) or deliberately public, and CSRF protects forms.

A new endpoint without a guard fails here until it is guarded or added to PUBLIC with a reason.
"""

from __future__ import annotations

import re

from content.models import Document
from network.extensions import db
from network.models import User

# endpoint -> why anyone may call it
PUBLIC = {
    "static": "stylesheet and scripts",
    "content.home": "the front page lists public documents (policy-filtered)",
    "content.browse": "browsing, filtered by the access policy",
    "content.country": "a country's page, filtered by the access policy",
    "content.topic": "a topic's page, filtered by the access policy",
    "content.document": "one document, through services.get_readable",
    "content.export": "one document as a file, through exporting.gather (services.get_readable)",
    "auth.login": "signing in",
    "auth.accept_invite": "the signed invitation link is the credential",
    "auth.forgot_password": "asking for a reset link; the same answer for any address",
    "auth.reset_password": "the signed, single-use reset link is the credential",
    "api.countries": "reference data",
    "api.topics": "reference data",
    "content_api.documents": "readable documents, filtered by the access policy",
    "content_api.document": "one document, through services.get_readable",
    "search.search_page": "anyone searches public documents (DESIGN 1); hits are principal-filtered",
    "search_api.search_api": "the same search as JSON (DESIGN 5)",
    "course.lesson": "one lesson, through lessons.get_lesson (its course's access)",
    "course.download": "a file, through attachments.open_for (its document's access)",
    "course_api.lesson": "one lesson as JSON, through lessons.readable_lesson",
    "course_api.download": "a file through the API, through attachments.open_for",
    "openapi.openapi_json": "the API description",
    "openapi.docs_page": "the API description for people",
    "feeds.latest": "public documents only",
    "feeds.country": "a country's public documents only",
    "feeds.topic": "a topic's public documents only",
    "feeds.private": "the revocable key in the URL is the credential; policy-filtered",
    "signin.verify": "second sign-in step: the pending sign-in the password left in the session",
    "signin.passkey_options": "a passkey challenge, for the pending sign-in or a passwordless one",
    "signin.passkey_verify": "the passkey's signature over that challenge is the credential",
    "federation.node": "the node document (name, countries, public key) is public by design",
    "reports_api.mission_api": "reference data: the missions of member countries",
    "reports.monitoring": "the latest reports, filtered by the access policy (public ones for anyone)",
    "notify.unsubscribe": "RFC 8058 one-click: the signed link in the e-mail is the credential",
    "favicon": "the site's icon",
    "language.choose": "the interface's language: a visitor's in their cookie, a user's on the account",
}


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)


def _sample_path(rule) -> str:
    """A concrete URL for the rule: 1 for numbers, a harmless word for strings."""

    def value(match: re.Match) -> str:
        converter = match.group(1) or "default"
        return "1" if converter in ("int", "float") else "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", value, rule.rule)


def test_every_endpoint_is_guarded_or_deliberately_public(app):
    unguarded = []
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC:
            continue
        if not getattr(view, "guard", None):
            unguarded.append(f"{rule.endpoint} {rule.rule}")
    assert unguarded == [], "unguarded endpoints: guard them (network/guards.py) or justify them in PUBLIC"


def test_the_public_list_names_real_unguarded_endpoints(app):
    """An entry for a removed endpoint, or one that is guarded after all, should leave the list."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PUBLIC) <= endpoints
    assert [e for e in PUBLIC if getattr(app.view_functions[e], "guard", None)] == []


def test_guards_say_what_they_require(app):
    guards = {
        rule.endpoint: getattr(app.view_functions[rule.endpoint], "guard", None)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in PUBLIC
    }
    assert all(
        re.fullmatch(r"signed_in|peer_signature|role:[a-z_]+(,[a-z_]+)*", guard or "")
        for guard in guards.values()
    ), guards
    assert guards["admin.user_list"] == "role:country_admin"
    assert guards["admin.country_list"] == "role:network_admin"
    assert guards["content.publish"] == "role:country_admin"
    assert guards["content.withdraw"] == "role:country_admin"
    assert guards["federation.changes"] == guards["federation.attachment"] == "peer_signature"
    assert guards["peers.peer_list"] == "role:network_admin"
    glossary = [e for e in guards if e.startswith("glossary.")]
    assert sorted(glossary) == ["glossary.concept_detail", "glossary.concept_list", "glossary.remove_concept",
                                "glossary.remove_form"]  # fmt: skip
    assert {guards[e] for e in glossary} == {"role:network_admin"}


def _guarded_requests(app):
    for rule in _rules(app):
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, _sample_path(rule)


def test_every_guarded_endpoint_refuses_anonymous_callers(app, client, make_document):
    make_document("ID", "public", "published")  # document 1 exists, and is public
    checked = 0
    for rule, method, path in _guarded_requests(app):
        response = client.open(path, method=method, data={"title": "x", "role": "reader"})
        where = f"{method} {path} ({rule.endpoint})"
        assert response.status_code != 200, where
        if path.startswith("/api/"):
            assert response.status_code == 401, where
            assert response.get_json()["error"]["code"] == "unauthorized", where
        elif path.startswith("/federation/"):  # peers sign every request; nobody signs in
            assert response.status_code == 401, where
            assert response.get_json()["error"]["code"] == "signature_refused", where
        else:
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/login"), where
        checked += 1
    assert checked >= 20
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 2  # make_document's two


def test_an_anonymous_api_call_never_gets_a_login_page(client):
    response = client.get("/api/v1/me", headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert response.is_json


def test_public_endpoints_answer_anonymous_callers(client, make_document):
    doc = make_document("ID", "public", "published", title="Open to all")
    for path in (
        "/",
        "/documents",
        "/countries/ID",
        "/topics/crisis-response",
        f"/documents/{doc.id}",
        "/login",
        "/api/v1/countries",
        "/api/v1/topics",
        "/api/v1/documents",
        f"/api/v1/documents/{doc.id}",
        "/static/site.css",
    ):
        with client.get(path) as response:
            assert response.status_code == 200, path


# ------------------------------------------------------------------------------------------
# CSRF
# ------------------------------------------------------------------------------------------


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_form_post_without_its_csrf_token_is_refused(app, client, make_user, login):
    admin = make_user("ID", "country_admin")
    login(admin)  # signing in needs no token while CSRF is off in the fixtures
    app.config["WTF_CSRF_ENABLED"] = True
    documents = db.session.scalar(db.select(db.func.count()).select_from(Document))

    form = {"title": "Forged", "body_markdown": "x", "kind": "case_study", "language": "id", "save": "Save"}
    refused = client.post("/documents/new", data=form)
    assert refused.status_code == 400
    assert "Forged" not in refused.get_data(as_text=True) or "csrf" in refused.get_data(as_text=True).lower()
    assert client.post("/documents/new", data={**form, "csrf_token": "not-a-token"}).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == documents

    invited = client.post("/admin/users", data={"email": "forged@example.org", "name": "F", "role": "reader"})
    assert invited.status_code == 400
    assert db.session.scalar(db.select(User).where(User.email == "forged@example.org")) is None

    assert client.post("/logout").status_code == 400
    assert client.get("/api/v1/me").status_code == 200  # still signed in

    # With the token the page gave, the same post goes through: the 400s above were the token.
    token = _token(client.get("/documents/new").get_data(as_text=True))
    accepted = client.post("/documents/new", data={**form, "csrf_token": token})
    assert accepted.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == documents + 1


def test_signing_in_needs_the_csrf_token_too(app, client, make_user):
    user = make_user("ID", "reader")
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert refused.status_code == 400
    assert client.get("/api/v1/me").status_code == 401
