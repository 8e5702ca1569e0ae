"""The network admin keeps the glossary in Chromium, and search follows at once."""

from __future__ import annotations

import pytest
from browser_steps import sign_in

from content import glossary, indexing
from network.extensions import db

pytestmark = pytest.mark.browser


def test_network_admin_adds_a_form_sees_it_and_search_finds_through_it(
    live_server, browser_page, make_user, make_document
):
    from playwright.sync_api import expect

    page = browser_page
    glossary.seed_glossary()
    admin = make_user("SG", "network_admin")
    make_document("ID", "public", "published", language="id", title="Pendanaan iklim di kawasan",
                  body_markdown="Skema pendanaan iklim untuk negara kepulauan.")  # fmt: skip
    indexing.drain()
    db.session.commit()

    def search_titles(query: str) -> list[str]:
        page.goto(live_server(f"/search?q={query}"))
        page.get_by_role("heading", level=2).first.wait_for()
        return page.locator("article.card h3 a").all_inner_texts()

    sign_in(page, live_server, admin.email)
    assert "Pendanaan iklim di kawasan" not in search_titles("climate finance")

    page.get_by_role("link", name="Glossary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossary")
    expect(page.get_by_role("link", name="citizen protection")).to_be_visible()  # the seeded concepts
    page.get_by_label("New concept (its English name)").fill("climate finance")
    page.get_by_role("button", name="Add the concept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("climate finance")

    # Language names are the interface's (Babel's, in English here): Indonesian, not Bahasa Indonesia.
    forms = (("en", "English", "climate finance"), ("id", "Indonesian", "pendanaan iklim"))
    for code, language, text in forms:
        page.locator("main").get_by_label("Language").select_option(value=code)
        page.get_by_label("Form", exact=True).fill(text)
        page.get_by_role("button", name="Add the form").click()
        expect(page.get_by_text(f"“{text}” added in {language}.")).to_be_visible()
    row = page.get_by_role("row", name="Indonesian")
    expect(row.locator(".glossary-form")).to_have_text("pendanaan iklim")

    assert "Pendanaan iklim di kawasan" in search_titles("climate finance")

    page.goto(live_server("/admin/glossary"))
    page.get_by_role("link", name="climate finance").click()
    page.get_by_role("button", name="Remove pendanaan iklim").click()
    expect(page.get_by_text("Form removed.")).to_be_visible()
    expect(page.get_by_role("row", name="Indonesian")).to_contain_text("none yet")
    assert "Pendanaan iklim di kawasan" not in search_titles("climate finance")
