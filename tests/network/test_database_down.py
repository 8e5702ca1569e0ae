"""The database goes away and comes back (a TCP proxy in front of PostgreSQL, cut and restored):
pages and API answer 503 with Retry-After meanwhile, the error page needs no query, and service
returns by itself."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
from sqlalchemy.engine import make_url
from support import PASSWORD

from network import create_app
from network.extensions import db

pytestmark = pytest.mark.both_databases


class Proxy:
    """Forwards 127.0.0.1:<port> to the database; `cut()` drops every connection and refuses
    new ones until `restore()` listens on the same port again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        assert self._listener is not None
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() that close() would not
        self._listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _unavailable(response, json: bool) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503 and response.headers["Retry-After"] == "15"
    if json:
        assert response.get_json()["error"]["code"] == "unavailable"
    else:
        text = response.get_data(as_text=True)
        assert "Unavailable for a moment" in text and "Sign in" in text


def test_503_until_the_database_returns(backend, app, database_url, make_user, make_document):
    if backend != "postgresql":
        pytest.skip("the database is taken away through a proxy in front of PostgreSQL")
    doc = make_document("ID", "public", "published", title="Consular portal")
    reader = make_user("ID", "reader")
    url = make_url(database_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.restore()
    served = create_app({
        "TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SERVER_NAME": "hub.test",
        "BASE_URL": "http://hub.test",
        "SQLALCHEMY_DATABASE_URI": url.set(host="127.0.0.1", port=proxy.port).render_as_string(False),
        "INDEX_DIR": app.config["INDEX_DIR"], "INDEX_AFTER_REQUEST": False,
    })  # fmt: skip
    browser, api = served.test_client(), served.test_client()
    try:
        assert browser.post("/login", data={"email": reader.email, "password": PASSWORD}).status_code == 302
        assert browser.get(f"/documents/{doc.id}").status_code == 200
        assert api.get("/api/v1/documents").status_code == 200

        proxy.cut()
        for path in (f"/documents/{doc.id}", "/documents", "/"):
            _unavailable(browser.get(path), json=False)
        _unavailable(api.get("/api/v1/documents"), json=True)
        _unavailable(api.get(f"/api/v1/documents/{doc.id}"), json=True)

        proxy.restore()
        assert browser.get(f"/documents/{doc.id}").status_code == 200  # still signed in
        assert api.get("/api/v1/documents").get_json()["total"] == 1
    finally:
        proxy.cut()
        with served.app_context():
            db.engine.dispose()
