"""Drains that overlap, fail or meet a damaged index: a deleted document never comes back, a
passing I/O error rebuilds nothing, and `rndd index verify` reports damage instead of curing it
quietly."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import pytest
from flask_login import AnonymousUserMixin

from content import indexing, services
from content.search import search
from network import create_app
from network.extensions import db
from search_index import SearchIndex, store

pytestmark = pytest.mark.both_databases


def _second_process(app):  # type: ignore[no-untyped-def]
    """Another app on the same database and index, as another worker process would have."""
    keys = ("TESTING", "SQLALCHEMY_DATABASE_URI", "INDEX_DIR", "UPLOAD_DIR", "SERVER_NAME")
    return create_app({key: app.config[key] for key in keys})


def _forget_index(app) -> None:  # type: ignore[no-untyped-def]
    """As in a process that has not opened the index yet."""
    opened = app.extensions.pop("rndd_search_index", None)
    if opened is not None:
        opened.close()


def test_a_slower_drainer_never_puts_back_a_deleted_document(app, make_user, make_document, monkeypatch):
    admin = make_user("ID", "country_admin")
    doc = make_document("ID", "public", "published", title="Consular hotline vesperkind")
    indexing.drain()
    services.update_document(admin, doc.id, doc.version, {"summary": "Open all night."})
    doc_id = doc.id
    loaded, go, errors = threading.Event(), threading.Event(), []
    real_apply = SearchIndex.apply

    def apply_when_told(self, changes, watermark, **options):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "slow-drainer":
            loaded.set()  # it has read the update and the document as it was then
            assert go.wait(60)
        return real_apply(self, changes, watermark, **options)

    monkeypatch.setattr(SearchIndex, "apply", apply_when_told)
    other = _second_process(app)

    def slow_drain() -> None:
        with other.app_context():
            try:
                indexing.drain()
            except Exception as error:  # reported by the main thread below
                errors.append(error)
            finally:
                _forget_index(other)
                db.session.remove()
                db.engine.dispose()

    slow = threading.Thread(target=slow_drain, name="slow-drainer")
    slow.start()
    try:
        assert loaded.wait(60)
        services.delete_document(admin, doc_id)
        indexing.drain()  # the faster drainer applies the deletion
        assert search(AnonymousUserMixin(), "vesperkind").total == 0
    finally:
        go.set()
        slow.join(60)
    assert not errors
    found = search(AnonymousUserMixin(), "vesperkind")
    assert found.total == 0 and found.facets["country"] == []
    assert search(AnonymousUserMixin(), "").total == 0
    assert indexing.verify().is_clean


def test_a_passing_io_error_makes_a_drain_fail_and_rebuilds_nothing(app, make_document, monkeypatch):
    make_document("ID", "public", "published", title="Trade desk mirovant")
    indexing.drain()
    root = Path(app.config["INDEX_DIR"])
    before = (root / store.CURRENT).read_text()
    _forget_index(app)
    make_document("ID", "public", "published", title="Trade desk orlavine")  # a change to apply
    rebuilt: list[object] = []
    monkeypatch.setattr(SearchIndex, "rebuild", lambda *args, **kwargs: rebuilt.append(args))
    failures = [OSError(errno.EIO, "Input/output error"), OSError(errno.EMFILE, "Too many open files")]
    read_text = Path.read_text

    def flaky(self: Path, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        if self.name == store.CURRENT and failures:
            raise failures.pop(0)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", flaky)
    with pytest.raises(OSError):
        indexing.drain()
    assert rebuilt == [] and read_text(root / store.CURRENT) == before
    failures.clear()
    assert indexing.drain() > 0
    assert indexing.verify().is_clean and rebuilt == []


def _corrupt(app) -> tuple[Path, list[str]]:  # type: ignore[no-untyped-def]
    root = Path(app.config["INDEX_DIR"])
    directory = root / (root / store.CURRENT).read_text().strip()
    for toc in directory.glob("*.toc"):
        toc.unlink()
    _forget_index(app)
    return root, sorted(p.name for p in root.glob("ix-*"))


def test_verify_and_drain_report_a_corrupt_index_and_change_nothing(app, runner, make_document):
    make_document("ID", "public", "published", title="Visa office pellquist")
    indexing.drain()
    root, directories = _corrupt(app)
    make_document("ID", "public", "published", title="Visa office tramoven")

    verify = runner.invoke(args=["index", "verify"])
    assert verify.exit_code == 1, verify.output
    assert "corrupt" in verify.output and "rndd index rebuild" in verify.output
    drain = runner.invoke(args=["index", "drain"])
    assert drain.exit_code == 1 and "corrupt" in drain.output
    assert sorted(p.name for p in root.glob("ix-*")) == directories and not list(root.glob("ix-*/*.toc"))

    rebuilt = runner.invoke(args=["index", "rebuild"])
    assert rebuilt.exit_code == 0 and "Index rebuilt: 2 documents." in rebuilt.output
    verify = runner.invoke(args=["index", "verify"])
    assert verify.exit_code == 0 and "agree" in verify.output
