"""The pages run under the Content-Security-Policy without a single violation in Chromium: an inline
script, a `style=` attribute or a script from a CDN left in a template fails here. A document's
external image (a tracking pixel) is refused by the browser before any request leaves it."""

from __future__ import annotations

import io

import pytest
from browser_steps import sign_in

from content import attachments, lessons
from content.demo_files import make_png
from network.extensions import db

pytestmark = pytest.mark.browser

TRACKER = "https://tracker.example/pixel.gif"
# Reports every violation, even one whose console message a page could suppress.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${where})`);
});
"""


class Watch:
    """Console messages and failed requests of one page, to read after each visit."""

    def __init__(self, page) -> None:
        self.page = page
        self.console: list[str] = []
        self.failed: dict[str, str | None] = {}
        page.add_init_script(LISTEN)
        page.on("console", lambda message: self.console.append(message.text))
        page.on("requestfailed", lambda sent: self.failed.update({sent.url: sent.failure}))

    def visit(self, url: str) -> list[str]:
        """Load the page and let its scripts settle; the violations it reported."""
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        self.page.wait_for_load_state("networkidle")
        return self.violations()

    def violations(self) -> list[str]:
        reported = self.page.evaluate("window.__violations")
        logged = [text for text in self.console if "Content Security Policy" in text]
        return reported + logged


def test_home_document_editor_and_api_docs_run_without_a_violation(
    live_server, browser_page, make_user, make_document
):
    from playwright.sync_api import expect

    admin = make_user("ID", "country_admin")
    body = "A course with **bold** text and a list.\n\n- one\n- two"
    course = make_document(
        "ID", "public", "published", kind="course", title="Clean course", body_markdown=body
    )
    for title in ("First lesson", "Second lesson"):
        lessons.add_lesson(admin, course.id, {"title": title})
    attachments.add_attachment(admin, course.id, io.BytesIO(make_png()), "map.png")
    course_id, email = course.id, admin.email
    db.session.commit()
    watch = Watch(browser_page)

    assert watch.visit(live_server("/")) == []
    assert watch.visit(live_server("/api/docs")) == []
    sign_in(browser_page, live_server, email)  # the editor, drag-and-drop and file tools show
    assert watch.visit(live_server(f"/documents/{course_id}")) == []
    expect(browser_page.locator(".attachments img.thumb")).to_be_visible()
    expect(browser_page.locator("ol.lessons li[draggable=true]")).to_have_count(2)
    assert watch.visit(live_server(f"/documents/{course_id}/edit")) == []
    assert watch.visit(live_server("/documents/new")) == []
    browser_page.locator("textarea[name=body_markdown]").fill("## Preview\n\nLive *preview* text.")
    expect(browser_page.locator("#preview h2")).to_have_text("Preview")  # the script ran and fetched
    assert watch.violations() == []


def test_an_external_image_is_refused_before_it_is_requested(live_server, browser_page, make_document):
    doc = make_document("ID", "public", "published", body_markdown=f"Read me.\n\n![pixel]({TRACKER})")
    doc_id = doc.id
    db.session.commit()
    watch = Watch(browser_page)
    violations = watch.visit(live_server(f"/documents/{doc_id}"))
    assert any(v.startswith(f"img-src blocked {TRACKER}") for v in violations), violations
    assert watch.failed[TRACKER] == "csp"  # refused by the browser itself, not by DNS
