"""A contributor files a flash report from a 390 px phone, in Chromium, and it appears on the
monitoring page; neither page is wider than the phone."""

from __future__ import annotations

import pytest
from browser_steps import sign_in

from content.models import Document, Mission
from network.extensions import db

pytestmark = pytest.mark.browser


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_flash_report_filed_from_a_phone(live_server, browser_page, make_user):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    contributor = make_user("ID", "contributor")
    contributor.country.reports_published_directly = True
    db.session.add(
        Mission(country_code="ID", name="Embassy of Indonesia in Yangon", city="Yangon", posted_in="Myanmar")
    )
    email = contributor.email
    db.session.commit()

    sign_in(page, live_server, email)
    page.goto(live_server("/monitoring"))
    page.get_by_role("link", name="File a report").click()
    assert _fits(page)
    page.get_by_label("Title").fill("Flash: floods close the Yangon highway")
    page.get_by_label("Filed by").select_option(label="Embassy of Indonesia in Yangon")
    page.get_by_label("Flash").check()
    page.get_by_label("Concerns (a country or region)").fill("MM")
    page.get_by_label("Report (Markdown)").fill("Road closed for three days; 140 citizens registered nearby.")
    page.get_by_label("Network: every member country").check()
    page.get_by_role("button", name="Publish now").click()

    expect(page.get_by_role("heading", name="Flash: floods close the Yangon highway")).to_be_visible()
    expect(page.get_by_text("Embassy of Indonesia in Yangon")).to_be_visible()
    assert _fits(page)
    page.goto(live_server("/monitoring?urgency=flash"))
    expect(page.get_by_role("link", name="Flash: floods close the Yangon highway")).to_be_visible()
    assert _fits(page)
    db.session.expire_all()
    report = db.session.scalar(db.select(Document).where(Document.kind == "report"))
    assert (report.status, report.urgency, report.visibility, report.concerns) == (
        "published",
        "flash",
        "network",
        "MM",
    )
