"""Search without a usable index degrades, never fails: the page shows a notice and the API
answers 503 `index_unavailable` with Retry-After, while one rebuild (one, however many worker
processes ask) runs in the background; search then serves again by itself."""

from __future__ import annotations

import errno
import shutil
import threading
import time
from pathlib import Path

import pytest

from content import indexing
from network import create_app
from network.extensions import db
from search_index import store

WORD = "quillostrade"


def _damage(app, how: str) -> None:  # type: ignore[no-untyped-def]
    root = Path(app.config["INDEX_DIR"])
    if how == "corrupt":
        for toc in (root / (root / store.CURRENT).read_text().strip()).glob("*.toc"):
            toc.unlink()
    else:
        shutil.rmtree(root)


def _eventually(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _rebuild_thread(app):  # type: ignore[no-untyped-def]
    return app.extensions.get("rndd_index_rebuild")


@pytest.mark.parametrize("how", ["corrupt", "absent"])
def test_search_degrades_while_one_rebuild_runs_and_recovers(app, client, make_document, monkeypatch, how):
    doc = make_document("ID", "public", "published", title=f"Embassy portal {WORD}")
    indexing.drain()
    _damage(app, how)
    other = create_app({key: app.config[key] for key in ("TESTING", "SQLALCHEMY_DATABASE_URI", "INDEX_DIR")})
    other_client = other.test_client()  # another worker process of the same site
    started, release = [], threading.Event()
    database_records = indexing.all_records

    def held_records():  # type: ignore[no-untyped-def]
        started.append(threading.current_thread())
        assert release.wait(60)
        yield from database_records()

    monkeypatch.setattr(indexing, "all_records", held_records)
    try:
        for _ in range(2):
            page = client.get(f"/search?q={WORD}")
            assert page.status_code == 503 and page.headers["Retry-After"] == "30"
            assert "Search is being rebuilt" in page.get_data(as_text=True)
            api = other_client.get(f"/api/v1/search?q={WORD}")
            assert api.status_code == 503 and api.headers["Retry-After"] == "30"
            assert api.get_json()["error"]["code"] == "index_unavailable"
            _eventually(lambda: started, "no rebuild started")
        for process in (app, other):  # the one that lost the race for the lock gave up at once
            thread = _rebuild_thread(process)
            if thread is not None and thread not in started:
                thread.join(60)
        assert len(started) == 1
        assert client.get("/api/v1/documents").status_code == 200  # the rest of the site serves
    finally:
        release.set()
        for process in (app, other):
            thread = _rebuild_thread(process)
            if thread is not None:
                thread.join(60)
    found = client.get(f"/api/v1/search?q={WORD}")
    assert found.status_code == 200 and [item["id"] for item in found.get_json()["items"]] == [doc.id]
    assert other_client.get(f"/api/v1/search?q={WORD}").get_json()["total"] == 1
    assert client.get(f"/search?q={WORD}").status_code == 200
    with other.app_context():
        indexing.search_index().close()
        db.engine.dispose()


def test_an_index_unreadable_for_a_moment_is_a_503_without_rebuild(app, client, make_document, monkeypatch):
    make_document("ID", "public", "published", title=f"Embassy portal {WORD}")
    indexing.drain()
    indexing.search_index().close()
    read_text, failures = Path.read_text, [OSError(errno.EMFILE, "Too many open files")]

    def flaky(self: Path, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        if self.name == store.CURRENT and failures:
            raise failures.pop(0)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", flaky)
    api = client.get(f"/api/v1/search?q={WORD}")
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert api.get_json()["error"] == {
        "code": "index_unavailable",
        "message": "Search is unavailable for a moment. Please try again shortly.",
    }
    assert _rebuild_thread(app) is None
    assert client.get(f"/api/v1/search?q={WORD}").get_json()["total"] == 1
