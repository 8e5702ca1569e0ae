"""Switching the interface to Bahasa Indonesia and back, in a real browser."""

from __future__ import annotations

import pytest
from browser_steps import sign_in

from network.extensions import db
from network.models import User

pytestmark = pytest.mark.browser


def test_a_visitor_switches_to_indonesian_and_back(live_server, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(live_server("/documents"))
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the browser asks for en-GB
    picker = page.get_by_label("Language", exact=True)
    expect(picker).to_have_value("en")

    picker.select_option("id")  # applies at once (the no-JavaScript button is hidden)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert page.url == live_server("/documents")  # back on the page it was chosen on
    expect(page.get_by_role("link", name="Telusuri")).to_be_visible()
    expect(page.get_by_role("button", name="Cari", exact=True)).to_be_visible()

    page.goto(live_server("/"))  # remembered (a cookie) on the next page
    expect(page.get_by_role("heading", name="Dokumen terbaru")).to_be_visible()

    page.get_by_label("Bahasa", exact=True).select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Latest documents")).to_be_visible()


def test_a_users_choice_follows_them_to_another_browser(live_server, browser_page, make_user):
    from playwright.sync_api import expect

    page = browser_page
    user = make_user("TH", "reader")
    email, user_id = user.email, user.id
    db.session.commit()
    sign_in(page, live_server, email)
    page.get_by_label("Language", exact=True).select_option("id")
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(User, user_id).interface_language == "id"

    page.context.clear_cookies()  # another browser: no session, no language cookie, en-GB
    page.goto(live_server("/login"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill("correct horse battery")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    expect(page.get_by_text("Selamat datang")).to_be_visible()
