"""In Chromium: a contributor drafts a lesson on their country's published course; a reader of
another country does not see it until the country admin publishes it."""

from __future__ import annotations

import pytest
from browser_steps import sign_in, sign_out

from content import lessons
from content.models import Lesson
from network.extensions import db

pytestmark = pytest.mark.browser


def test_a_drafted_lesson_reaches_readers_when_the_admin_publishes_it(
    live_server, browser_page, make_user, make_document
):
    from playwright.sync_api import expect

    page = browser_page
    trainer, admin, reader = make_user("ID", "contributor"), make_user("ID", "country_admin"), make_user("TH")
    course = make_document("ID", "network", "published", kind="course", title="Crisis Communication Clinic")
    lessons.add_lesson(admin, course.id, {"title": "Opening"}, publish=True)
    course_path = f"/documents/{course.id}"
    emails = {"trainer": trainer.email, "admin": admin.email, "reader": reader.email}
    db.session.commit()

    # The trainer writes a lesson from the course's outline and submits it.
    sign_in(page, live_server, emails["trainer"])
    page.goto(live_server(course_path))
    page.get_by_role("link", name="Add a lesson").click()
    page.get_by_label("Title").fill("Holding statements")
    page.locator("textarea[name=body_markdown]").fill("Publish a **holding statement** within the hour.")
    page.get_by_role("button", name="Save lesson").click()
    expect(page.get_by_role("heading", name="Holding statements")).to_be_visible()
    expect(page.locator(".lesson-state")).to_contain_text("This lesson is a draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Lesson submitted for review.")).to_be_visible()
    expect(page.locator(".outline .lesson-status")).to_have_text("in review")
    lesson_path = page.url.removeprefix(live_server(""))
    sign_out(page)

    # A reader of another member country sees the course without it; its address is a 404.
    sign_in(page, live_server, emails["reader"])
    page.goto(live_server(course_path))
    expect(page.locator(".outline ol.lessons li")).to_have_count(1)
    expect(page.locator(".outline")).not_to_contain_text("Holding statements")
    assert page.goto(live_server(lesson_path)).status == 404
    sign_out(page)

    # The country admin finds it marked in the outline and publishes it.
    sign_in(page, live_server, emails["admin"])
    page.goto(live_server(course_path))
    page.locator(".outline").get_by_role("link", name="Holding statements", exact=True).click()
    page.get_by_role("button", name="Publish lesson").click()
    expect(page.get_by_text("Lesson published")).to_be_visible()
    expect(page.locator(".lesson-state")).to_have_count(0)
    sign_out(page)

    # Now the reader has it, in its place.
    sign_in(page, live_server, emails["reader"])
    page.goto(live_server(course_path))
    expect(page.locator(".outline ol.lessons li")).to_have_count(2)
    page.locator(".outline").get_by_role("link", name="Holding statements", exact=True).click()
    expect(page.locator(".prose strong")).to_have_text("holding statement")
    expect(page.locator(".kind", has_text="Lesson 2 of 2")).to_be_visible()
    db.session.expire_all()
    status = db.session.scalar(db.select(Lesson.status).where(Lesson.title == "Holding statements"))
    assert status == "published"
