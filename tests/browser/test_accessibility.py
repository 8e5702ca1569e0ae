"""axe-core finds no serious or critical accessibility violation on any page type, in Chromium.

axe-core's script comes with the `axe-playwright-python` package (no download at test time);
each page of `page_types.pages` is checked as its user sees it, and every violation is named
with its page, rule and first element, so the failure says what to fix.
"""

from __future__ import annotations

import pytest
from browser_steps import sign_in, sign_out
from page_types import make_site, pages

pytestmark = pytest.mark.browser
BLOCKING = ("serious", "critical")


@pytest.fixture
def site(make_user, make_document):
    return make_site(make_user, make_document)


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['help']}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def test_no_page_type_has_a_serious_or_critical_violation(live_server, browser_page, site):
    pytest.importorskip("axe_playwright_python", reason="the axe-core test needs axe-playwright-python")
    page, problems = browser_page, []
    for email, paths in pages(site).items():
        if email:
            sign_in(page, live_server, email)
        for path in paths:
            page.goto(live_server(path))
            problems += [f"{path} as {email or 'a visitor'}: {v}" for v in _violations(page)]
        if email:
            sign_out(page)
    assert problems == [], "\n".join(problems)
