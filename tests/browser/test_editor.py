"""In Chromium: a contributor writes a new document with the editor's toolbar (mouse and keyboard)
and a pasted image, which saves the draft first and attaches the image to it; the text kept in the
browser is offered back after leaving the page unsaved."""

from __future__ import annotations

import base64
import re

import pytest
from browser_steps import sign_in

from content.demo_files import make_png
from content.models import Attachment, Document
from network.extensions import db

pytestmark = pytest.mark.browser

PASTE = """(b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], "harbour.png", { type: "image/png" }));
  const area = document.querySelector("textarea[name=body_markdown]");
  area.focus();
  area.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""


def test_writing_a_document_with_the_toolbar_and_a_pasted_image(live_server, browser_page, make_user):
    from playwright.sync_api import expect

    page = browser_page
    writer = make_user("ID", "contributor")
    email = writer.email
    db.session.commit()
    sign_in(page, live_server, email)
    page.goto(live_server("/documents/new"))
    page.get_by_label("Title").fill("Harbour safety")
    text = page.locator("textarea[name=body_markdown]")
    toolbar = page.get_by_role("toolbar", name="Formatting")

    text.focus()
    toolbar.get_by_role("button", name="Heading").click()
    page.keyboard.type("Before you sail")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="Bold (Ctrl+B)").click()  # selects its placeholder
    page.keyboard.type("Life jackets")
    page.keyboard.press("End")
    page.keyboard.type(" for everyone")
    page.keyboard.press("Control+i")
    page.keyboard.type("always")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    # The keyboard way into the toolbar: one Tab stop, arrows inside it.
    toolbar.get_by_role("button", name="Heading").focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(toolbar.get_by_role("button", name="Bulleted list")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.type("Check the radio")
    expect(page.locator("#preview h2")).to_have_text("Before you sail")
    expect(page.locator("#preview strong")).to_have_text("Life jackets")
    expect(page.locator("#preview li")).to_have_text("Check the radio")

    page.evaluate(PASTE, base64.b64encode(make_png()).decode())
    expect(page.locator("#editor-status")).to_contain_text("uploaded and inserted")
    expect(page).to_have_url(re.compile(r"/documents/\d+/edit$"))  # saved as a draft first
    expect(page.locator("#preview img")).to_have_count(1)
    assert re.search(r"!\[harbour\]\(/attachments/\d+\)", text.input_value())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.locator(".prose img[alt=harbour]")).to_be_visible()

    db.session.expire_all()
    docs = db.session.scalars(db.select(Document).where(Document.title == "Harbour safety")).all()
    assert len(docs) == 1  # the draft saved for the image is the one the form then saved
    body = docs[0].body_markdown
    assert body.startswith("## Before you sail\n\n**Life jackets** for everyone_always_\n\n- Check the radio")
    image = db.session.scalar(db.select(Attachment).where(Attachment.document_id == docs[0].id))
    assert image.content_type == "image/png" and f"](/attachments/{image.id})" in body

    # Text typed and left unsaved is offered back on the next visit.
    edit_path = f"/documents/{docs[0].id}/edit"
    page.goto(live_server(edit_path))
    text.press("End")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nA paragraph not saved yet.")
    page.goto(live_server("/"))
    page.goto(live_server(edit_path))
    offer = page.locator(".kept-text")
    expect(offer).to_contain_text("kept in this browser")
    offer.get_by_role("button", name="Restore it").click()
    expect(text).to_have_value(re.compile("A paragraph not saved yet.$"))
