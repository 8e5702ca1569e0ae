"""Writing, previewing and publishing a document in a real browser, then reading it as others would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_steps import sign_in, sign_out

from content.models import Document
from network.extensions import db

pytestmark = pytest.mark.browser

TITLE = "Running a consular chatbot in Bahasa"
SUMMARY = "What the ministry learnt from a year of answering citizens abroad through a chatbot."
HEADING = "Lessons from the first year"
BOLD = "answer within a minute"
BODY = f"""Our consular team set up a chatbot in 2023.

## {HEADING}

Citizens expect us to **{BOLD}**, day or night.

<script>window.pwned=1</script>
<img src="x" onerror="window.pwned=2">
"""


def test_admin_publishes_to_network_reader_sees_it_anonymous_does_not(
    live_server, browser_page, make_user, tmp_path: Path
):
    from playwright.sync_api import expect

    page = browser_page
    admin = make_user("ID", "country_admin")
    reader = make_user("TH", "reader")
    admin_email, reader_email = admin.email, reader.email

    # The Indonesian country admin writes a draft, watching the live preview.
    sign_in(page, live_server, admin_email)
    page.goto(live_server("/documents/new"))
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill(SUMMARY)
    page.locator("textarea[name=body_markdown]").fill(BODY)

    preview = page.locator("#preview")
    expect(preview.locator("h2")).to_have_text(HEADING)
    expect(preview.locator("strong")).to_have_text(BOLD)
    expect(preview.locator("script")).to_have_count(0)
    expect(preview.locator("[onerror]")).to_have_count(0)
    assert page.evaluate("typeof window.pwned") == "undefined"

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    match = re.search(r"/documents/(\d+)$", page.url)
    assert match, page.url
    doc_path = f"/documents/{match.group(1)}"
    expect(page.locator(".document .badge.status-draft")).to_have_text("draft")

    # Publishing: choose the network, refresh the statement, confirm.
    page.get_by_role("link", name="Publish…").click()
    page.get_by_label("Network: every member country").check()
    page.get_by_role("button", name="Update the statement below").click()
    expect(page.locator("#statement-readers")).to_contain_text("member countries")
    expect(page.get_by_label("Network: every member country")).to_be_checked()
    page.get_by_role("button", name="Publish to this audience").click()

    expect(page.get_by_text("Published.", exact=True)).to_be_visible()
    assert page.url == live_server(doc_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".document .badge")).to_have_count(0)
    expect(page.locator(".document .meta")).not_to_contain_text("draft")
    expect(page.locator(".document .prose h2")).to_have_text(HEADING)
    shot = tmp_path / "published-document.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot of the published document: {shot}")
    sign_out(page)

    # A Thai reader finds it on the home page and reads it.
    sign_in(page, live_server, reader_email)
    page.goto(live_server("/"))
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(live_server(doc_path))
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    expect(page.locator(".prose strong", has_text=BOLD)).to_be_visible()
    assert page.evaluate("typeof window.pwned") == "undefined"
    sign_out(page)

    # Someone not signed in gets the same "Not found" as for a document that does not exist.
    response = page.goto(live_server(doc_path))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.locator(".prose")).to_have_count(0)
    expect(page.get_by_text(BOLD)).to_have_count(0)


def test_the_statement_follows_the_audience_as_it_is_chosen(
    live_server, browser_page, make_user, make_document
):
    """The incident: Public was picked while the box still said "Indonesia only". Now the
    statement changes with each click, and what is published is what it says."""
    from playwright.sync_api import expect

    page = browser_page
    admin = make_user("ID", "country_admin")
    doc = make_document("ID", "country", "review", title="Hotline for citizens abroad")
    admin_email, doc_id = admin.email, doc.id
    db.session.commit()

    sign_in(page, live_server, admin_email)
    page.goto(live_server(f"/documents/{doc_id}/publish"))
    readers = page.locator("#statement-readers")
    expect(readers).to_have_text("Signed-in users of Indonesia only.")

    page.get_by_label("Public: everyone on the web").check()
    expect(readers).to_have_text("Everyone on the web, signed in or not.")
    expect(page.locator("#statement-federation")).to_contain_text("every peer node")

    page.get_by_label("Selected countries").check()
    page.get_by_label("Thailand").check()
    expect(readers).to_have_text("Signed-in users of Indonesia and Thailand only.")
    page.get_by_label("Japan").check()
    expect(readers).to_have_text("Signed-in users of Indonesia, Japan and Thailand only.")
    expect(page.locator("input[name=shown]")).to_have_value("countries:JP,TH")

    page.get_by_label("Public: everyone on the web").check()
    expect(readers).to_have_text("Everyone on the web, signed in or not.")
    page.get_by_role("button", name="Publish to this audience").click()
    expect(page.get_by_text("Published.", exact=True)).to_be_visible()
    db.session.expire_all()
    published = db.session.get(Document, doc_id)
    assert (published.status, published.visibility, published.shared_with) == ("published", "public", [])
    assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0
