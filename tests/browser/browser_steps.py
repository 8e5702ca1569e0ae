"""Steps the browser tests share."""

from __future__ import annotations

from support import PASSWORD


def sign_in(page, live_server, email: str) -> None:
    page.goto(live_server("/login"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Sign out").wait_for()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()
