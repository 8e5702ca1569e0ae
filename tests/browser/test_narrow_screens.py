"""Every page type on a 390 px phone: nothing wider than the screen (tables scroll in their own box),
search facets a collapsible block above the results; and the page as printed, and the buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_steps import sign_in
from page_types import LONG_TITLE, make_site, pages

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(make_user, make_document):
    return make_site(make_user, make_document)


def _overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= window.innerWidth + 0.5)
  .slice(0, 3)
  .map(e => [e.tagName.toLowerCase(), ...e.classList].join(".") + " to "
    + Math.round(e.getBoundingClientRect().right) + " px")"""


def test_no_page_is_wider_than_a_phone(live_server, browser_page, site, tmp_path: Path):
    page = browser_page
    page.set_viewport_size(PHONE)
    too_wide = []
    for email, paths in pages(site).items():
        if email:
            page.context.clear_cookies()
            sign_in(page, live_server, email)
        for path in paths:
            page.goto(live_server(path))
            if _overflow(page) > 0:
                culprits = ", ".join(page.evaluate(WIDEST))
                too_wide.append(f"{path} ({email or 'anonymous'}): {_overflow(page)} px too wide: {culprits}")
                page.screenshot(path=str(tmp_path / ((path.strip("/").replace("/", "_") or "home") + ".png")))
    assert too_wide == [], "\n".join(too_wide)


def test_wide_tables_scroll_in_their_own_box(live_server, browser_page, site):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, site["admin"])
    page.goto(live_server("/admin/users"))
    table = page.locator("table.list").first
    box = table.evaluate("t => [t.scrollWidth, t.clientWidth, getComputedStyle(t).overflowX]")
    assert box[0] > box[1] and box[2] == "auto"  # wider than its box, which scrolls
    assert _overflow(page) == 0


def test_search_facets_are_a_collapsible_block_above_the_results(live_server, browser_page, site):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, site["admin"])
    page.goto(live_server("/search?q=crisis"))
    facets, results = page.locator("details#facets"), page.locator("#results-h")
    expect(facets).not_to_have_attribute("open", "")
    assert facets.bounding_box()["y"] < results.bounding_box()["y"]
    page.get_by_text("Refine", exact=True).click()
    expect(facets.get_by_role("heading", name="Country")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(facets).to_have_attribute("open", "")  # beside the results on a wide screen
    assert facets.bounding_box()["x"] > results.bounding_box()["x"]


def test_a_printed_document_shows_what_it_is_without_the_site(live_server, browser_page, site):
    from playwright.sync_api import expect

    page = browser_page
    sign_in(page, live_server, site["admin"])
    page.goto(live_server(f"/documents/{site['doc']}"))
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_have_text(LONG_TITLE)
    facts = page.locator(".print-facts")
    expect(facts).to_be_visible()
    expect(facts).to_contain_text("Indonesia")
    expect(facts).to_contain_text("Every signed-in user of the")  # the audience, in words
    expect(facts).to_contain_text("Published")
    expect(page.locator(".prose table")).to_be_visible()  # the body
    for hidden in ("header.site", "footer.site", ".actions", "nav[aria-label=Main]", "form.language"):
        expect(page.locator(hidden).first).to_be_hidden()
    page.emulate_media(media="screen")
    expect(facts).to_be_hidden()
    expect(page.locator("header.site")).to_be_visible()


def test_buttons_look_alike_and_the_primary_action_stands_out(live_server, browser_page, site):
    page = browser_page
    sign_in(page, live_server, site["admin"])
    page.goto(live_server(f"/documents/{site['doc']}/edit"))
    style = (
        "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.borderRadius, s.paddingTop]; }"
    )
    save = page.locator("input[type=submit].primary").evaluate(style)
    preview = page.locator("input[type=submit]:not(.primary)").first.evaluate(style)
    page.goto(live_server(f"/documents/{site['doc']}"))
    plain_button = page.get_by_role("button", name="Withdraw", exact=True).evaluate(style)
    assert save[0] != preview[0]  # the primary action is filled
    assert preview == plain_button  # an <input type=submit> looks like a <button>
    assert save[1:] == preview[1:]  # and the primary one has their shape
    page.goto(live_server("/favicon.ico"))
    assert page.evaluate("document.contentType") == "image/svg+xml"
