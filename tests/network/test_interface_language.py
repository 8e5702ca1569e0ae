"""The interface's languages: complete catalogs, the choice of language, and what follows it."""

from __future__ import annotations

import shutil

import pytest
from babel.messages.catalog import Catalog

from content import indexing
from network import catalogs, i18n
from network.extensions import db


def _ids(catalog: Catalog) -> set:
    return {message.id for message in catalog if message.id}


def test_the_template_holds_every_message_of_the_code():
    """messages.pot is what the picker measures catalogs against: it must be the code's messages."""
    extracted, shipped = _ids(catalogs.extract()), _ids(i18n.read_catalog(i18n.TEMPLATE))
    assert extracted - shipped == set(), "run `python -m network.catalogs update`: new messages are missing"
    assert shipped - extracted == set(), "run `python -m network.catalogs update`: messages.pot is stale"


@pytest.mark.parametrize("code", i18n.shipped_catalogs())
def test_every_shipped_catalog_translates_every_message(code):
    template = catalogs.extract()
    missing = i18n.missing_messages(code, template)
    assert missing == [], f"{code} misses {len(missing)} message(s):\n" + "\n".join(
        f"  {m!r}" for m in missing
    )


@pytest.mark.parametrize("code", i18n.shipped_catalogs())
def test_translations_keep_their_placeholders(code):
    """A translation that drops or renames `%(name)s` would fail at run time, in that language only."""
    problems = [(message.id, [str(e) for e in errors]) for message, errors in
                i18n.read_catalog(i18n.catalog_path(code)).check()]  # fmt: skip
    assert problems == []


def test_english_and_indonesian_are_offered():
    assert {"en", "id"} <= set(i18n.interface_languages())


def test_the_picker_offers_only_complete_catalogs(tmp_path, monkeypatch):
    """A catalog missing one message is shipped but not offered."""
    shutil.copytree(i18n.TRANSLATIONS, tmp_path, dirs_exist_ok=True)
    partial = i18n.read_catalog(tmp_path / "id" / "LC_MESSAGES" / "messages.po")
    partial.locale, dropped = "lo", next(m.id for m in partial if m.id)
    partial.delete(dropped)
    (tmp_path / "lo" / "LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / "lo" / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        from babel.messages.pofile import write_po

        write_po(handle, partial)
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    monkeypatch.setattr(i18n, "TEMPLATE", tmp_path / "messages.pot")
    i18n.interface_languages.cache_clear()
    try:
        assert "lo" in i18n.shipped_catalogs()
        assert i18n.missing_messages("lo") == [dropped]
        offered = i18n.interface_languages()
        assert "lo" not in offered and {"en", "id"} <= set(offered)
    finally:
        i18n.interface_languages.cache_clear()


def test_accept_language_chooses_the_first_language(client):
    page = client.get("/", headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Masuk" in page and "Sign in" not in page
    english = client.get("/", headers={"Accept-Language": "fr, de"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Sign in" in english


def test_a_visitors_choice_is_kept_in_a_cookie(client):
    answer = client.post("/language", data={"language": "id", "next": "/documents"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/documents")
    assert client.get_cookie(i18n.COOKIE, domain="hub.test").value == "id"
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Dokumen terbaru" in page
    client.post("/language", data={"language": "en", "next": "/"})
    assert "Latest documents" in client.get("/").get_data(as_text=True)


def test_a_users_choice_is_kept_on_the_account(app, client, login, make_user):
    user = make_user("TH", "reader")
    login(user)
    client.post("/language", data={"language": "id", "next": "/"})
    db.session.refresh(user)
    assert user.interface_language == "id"
    other = app.test_client()  # another browser: no cookie, an English Accept-Language
    other.post("/login", data={"email": user.email, "password": "correct horse battery"})
    page = other.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Keluar" in page and "Sign out" not in page


def test_a_language_not_offered_is_refused(client):
    answer = client.post("/language", data={"language": "xx"}, headers={"Accept": "application/json"})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "invalid"


def test_a_redirect_elsewhere_is_refused(client):
    answer = client.post("/language", data={"language": "id", "next": "https://evil.example/"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_api_error_messages_follow_the_language(client):
    body = client.get("/api/v1/documents/999999", headers={"Accept-Language": "id"}).get_json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"] == "Tidak ditemukan, atau Anda tidak memiliki izin untuk melihatnya."
    english = client.get("/api/v1/documents/999999").get_json()
    assert english["error"]["message"] == "Not found, or you do not have permission to see it."


def test_form_errors_follow_the_language(client):
    page = client.post("/login", data={"email": "", "password": ""}, headers={"Accept-Language": "id"})
    text = page.get_data(as_text=True)
    assert "Kata sandi" in text  # the field's label
    assert "This field is required." not in text  # WTForms' own messages are translated too


def test_dates_numbers_and_names_follow_the_language(client, make_document):
    doc = make_document("JP", language="ja")
    page = client.get(f"/documents/{doc.id}", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Jepang" in page  # the country's name in Indonesian
    assert "Jepang</a>" in page and "Japan</a>" not in page
    assert "Bahasa Jepang" in page or "Jepang" in page
    month = doc.updated_at.month
    indonesian_months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    assert f"{doc.updated_at.day} {indonesian_months[month - 1]} {doc.updated_at.year}" in page


@pytest.mark.parametrize("code", i18n.interface_languages())
def test_every_offered_language_renders_the_pages(app, client, login, make_user, make_document, code):
    """Each complete catalog, on pages of every kind: a translation that broke a placeholder or
    the markup would answer 500 here, in that language only."""
    doc = make_document("ID", "public", "published")
    indexing.drain()
    login(make_user("ID", "country_admin"))
    client.post("/language", data={"language": code, "next": "/"})
    for path in ("/", "/documents", f"/documents/{doc.id}", f"/documents/{doc.id}/history", "/documents/new",
                 "/search?q=text", "/admin/users", "/admin/audit", "/account/tokens", "/account/security/",
                 "/account/sessions", "/api/docs", "/documents/999999"):  # fmt: skip
        page = client.get(path)
        assert page.status_code in (200, 404), f"{code} {path}: {page.status_code}"
        assert f'<html lang="{code}">' in page.get_data(as_text=True), f"{code} {path}"
    api = client.get("/api/v1/documents/999999").get_json()
    assert api["error"]["code"] == "not_found" and api["error"]["message"]
