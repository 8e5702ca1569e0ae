"""Passkeys in Chromium with a virtual authenticator: add one, then sign in with it, with and
without the password.

WebAuthn needs a secure context and a domain as RP id, so the page is opened on `localhost`
(the live server listens on 127.0.0.1; an IP address cannot be an RP id).
"""

from __future__ import annotations

import pytest
from browser_steps import sign_in, sign_out
from support import PASSWORD

from network.extensions import db
from network.factor_models import Passkey
from network.urls import set_base_url

pytestmark = pytest.mark.browser

AUTHENTICATOR = {
    "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
    "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
}  # fmt: skip


def test_register_a_passkey_sign_out_and_sign_in_with_it(app, live_server, browser_page, make_user):
    from playwright.sync_api import expect

    page = browser_page
    email = make_user("ID", "reader").email
    db.session.commit()
    site = live_server.url.replace("127.0.0.1", "localhost")
    set_base_url(app, site)  # the RP id and origin come from the base URL only
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})[
        "authenticatorId"
    ]

    sign_in(page, lambda path: site + path, email)
    page.goto(site + "/account/security/")
    page.get_by_label("Name of a new passkey").fill("Virtual key")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Passkey “Virtual key” is added.")).to_be_visible()
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1
    sign_out(page)

    # Without a password: the discoverable credential names the account.
    page.goto(site + "/login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.get_by_role("button", name="Sign out").wait_for()
    expect(page.get_by_text("Welcome,")).to_be_visible()
    sign_out(page)

    # After the password, the passkey is the second step.
    page.goto(site + "/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="One more step").wait_for()
    page.get_by_role("button", name="Use your passkey").click()
    page.get_by_role("button", name="Sign out").wait_for()

    db.session.expire_all()
    key = db.session.scalars(db.select(Passkey)).one()
    assert key.name == "Virtual key" and key.last_used_at is not None and key.sign_count >= 2
