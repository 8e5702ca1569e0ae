"""A country admin uploads a PDF to a course and reorders its lessons in Chromium; a reader of
another member country downloads the same bytes; someone signed out gets a 404 for the same URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_steps import sign_in, sign_out

from content import lessons
from content.demo_files import make_pdf
from content.models import Lesson
from network.extensions import db

pytestmark = pytest.mark.browser

HANDOUT = make_pdf([["Crisis cell checklist", "Publish a holding message within sixty minutes."]] * 3)


def test_admin_uploads_a_pdf_and_a_reader_downloads_it(
    live_server, browser_page, make_user, make_document, tmp_path: Path
):
    from playwright.sync_api import expect

    page = browser_page
    admin = make_user("ID", "country_admin")
    reader = make_user("TH", "reader")
    course = make_document("ID", "network", "published", kind="course", title="Crisis Communication Clinic")
    ids = [
        lessons.add_lesson(admin, course.id, {"title": title}, publish=True).id
        for title in ("Alpha", "Bravo", "Charlie")
    ]
    course_path, admin_email, reader_email = f"/documents/{course.id}", admin.email, reader.email
    db.session.commit()
    handout = tmp_path / "handout.pdf"
    handout.write_bytes(HANDOUT)

    # The admin uploads through the page's form, and a renamed program is refused on the form.
    sign_in(page, live_server, admin_email)
    page.goto(live_server(course_path))
    program = tmp_path / "agenda.pdf"
    program.write_bytes(b"MZ\x90\x00" + bytes(2048))
    page.locator("#upload-file").set_input_files(str(program))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-error")).to_contain_text("Windows program")
    page.locator("#upload-file").set_input_files(str(handout))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("“handout.pdf” uploaded.")).to_be_visible()
    link = page.locator(".attachments a[download]", has_text="handout.pdf")
    expect(link).to_have_count(1)
    file_url = link.get_attribute("href")

    # Drag "Charlie" above "Alpha": the script saves the order without a page load.
    page.drag_and_drop(f"ol.lessons li[data-id='{ids[2]}']", f"ol.lessons li[data-id='{ids[0]}']")
    expect(page.get_by_text("Order saved.")).to_be_visible()
    db.session.expire_all()
    order = db.session.scalars(db.select(Lesson.title).where(Lesson.document_id == course.id)
                               .order_by(Lesson.position)).all()  # fmt: skip
    assert order == ["Charlie", "Alpha", "Bravo"]
    sign_out(page)

    # A Thai reader downloads exactly the uploaded bytes.
    sign_in(page, live_server, reader_email)
    page.goto(live_server(course_path))
    expect(page.locator(".outline li").first).to_contain_text("Charlie")
    expect(page.get_by_role("button", name="Upload")).to_have_count(0)
    with page.expect_download() as info:
        page.locator(".attachments a[download]", has_text="handout.pdf").click()
    download = info.value
    assert download.suggested_filename == "handout.pdf"
    assert Path(download.path()).read_bytes() == HANDOUT
    sign_out(page)

    # Signed out, the same URL is a plain 404.
    answer = page.request.get(live_server(file_url))
    assert answer.status == 404 and b"%PDF" not in answer.body()
