"""Fixtures for browser tests: the app served over real HTTP, and a Chromium page driven by Playwright.

Chromium is Debian's (/usr/bin/chromium); Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from network.extensions import db
from network.urls import set_base_url

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The test app on 127.0.0.1 (a free port), in a daemon thread, with real CSRF tokens.

    The `app` fixture keeps an app context (and its session) open in the test thread; each request
    in the server thread gets a context and session of its own on the same database file, so
    anything the test makes must be committed before the browser asks for it.
    """
    app.config["SERVER_NAME"] = None
    app.config["WTF_CSRF_ENABLED"] = True
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    set_base_url(app, f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def browser_page():
    """A fresh Chromium context and page; skipped when Debian's Chromium is not installed."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(5_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
