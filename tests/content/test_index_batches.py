"""Batched drains: the writes of a moment become one index commit in the process's drain
thread, every write is searchable once it has drained, and a thread that dies loses nothing."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from flask_login import AnonymousUserMixin

from content import batched_drains, changelog, indexing
from content.search import search
from network.extensions import db
from network.models import ApiToken
from search_index import codec, store

WRITES = 5


@pytest.fixture
def batched(app):
    """The app as served: writes drain in the background, after a short window."""
    app.config["INDEX_BATCH_SECONDS"] = 0.05
    yield app
    indexing.wait_idle()


@pytest.fixture
def admin_headers(make_user):
    token, clear = ApiToken.issue(make_user("ID", "country_admin"), scope="write", name="test")
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def _publish(client, headers: dict[str, str], word: str) -> None:
    body = {"title": f"Note on {word}", "status": "published", "visibility": "public"}
    with client.post("/api/v1/documents", headers=headers, json=body) as made:  # closed as a server does
        assert made.status_code == 201


def _commits(app) -> int:
    """Whoosh commits so far: each commit writes the next generation of the table of contents."""
    return codec.open_index(store.current(Path(app.config["INDEX_DIR"]))).latest_generation()


def _found(word: str) -> int:
    return search(AnonymousUserMixin(), word).total


def test_writes_in_quick_succession_share_one_commit(batched, client, admin_headers, monkeypatch):
    indexing.search_index().create()  # commits are counted from here
    before = _commits(batched)
    gate, real = threading.Event(), indexing._drain_quietly

    def held(app) -> None:  # type: ignore[no-untyped-def]
        assert gate.wait(30)  # the first drain waits until every write has been made
        real(app)

    monkeypatch.setattr(indexing, "_drain_quietly", held)
    words = [f"quillfern{letter}" for letter in "abcde"[:WRITES]]
    for word in words:
        _publish(client, admin_headers, word)
    assert all(_found(word) == 0 for word in words)  # nothing drained while the requests ran
    gate.set()
    assert indexing.wait_idle()
    assert 1 <= _commits(batched) - before < WRITES
    assert [_found(word) for word in words] == [1] * WRITES
    assert indexing.verify().is_clean


def test_zero_seconds_drains_as_each_request_ends(app, client, admin_headers):
    assert app.config["INDEX_BATCH_SECONDS"] == 0
    _publish(client, admin_headers, "brackenwold")
    assert _found("brackenwold") == 1  # no thread, no waiting
    assert batched_drains.KEY not in app.extensions


@pytest.mark.parametrize("then", ["another write", "rndd index drain"])
def test_a_drain_thread_that_dies_loses_nothing(
    batched, client, runner, admin_headers, monkeypatch, caplog, then
) -> None:
    def boom(app) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("the drain thread fails")

    indexing.search_index().create()
    real = indexing._drain_quietly
    monkeypatch.setattr(indexing, "_drain_quietly", boom)
    _publish(client, admin_headers, "mossgarth")
    assert indexing.wait_idle()  # the thread ended: nobody waits for it
    assert not batched.extensions[batched_drains.KEY].is_usable
    assert "drain thread stopped" in caplog.text
    assert indexing.search_index().watermark() < changelog.last_seq()  # the row is still pending
    assert _found("mossgarth") == 0
    monkeypatch.setattr(indexing, "_drain_quietly", real)
    if then == "another write":
        _publish(client, admin_headers, "fennrow")  # starts a new thread, which drains both
        assert indexing.wait_idle()
        assert _found("fennrow") == 1
    else:
        assert runner.invoke(args=["index", "drain"]).exit_code == 0
    assert _found("mossgarth") == 1
    assert indexing.verify().is_clean


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_drain_thread(batched):
    parent_drains: list[int] = []
    batched_drains.wake(batched, lambda app: parent_drains.append(os.getpid()))
    assert batched_drains.wait_idle(batched) and parent_drains == [os.getpid()]
    pid = os.fork()
    if pid == 0:  # the child: the parent's thread did not come along; a write starts one here
        drained: list[int] = []
        batched_drains.wake(batched, lambda app: drained.append(os.getpid()))
        ok = batched_drains.wait_idle(batched, 10) and drained == [os.getpid()]
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert parent_drains == [os.getpid()]
