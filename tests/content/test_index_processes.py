"""A rebuild killed midway leaves nothing behind: its worker processes die with it, and none of
them keeps the parent's database connection (with its transaction) open."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parents[2]
# The parent: a real `indexing.rebuild()` of the app, whose records (the database's, then
# made-up ones) stop coming once both workers run, inside the rebuild's database transaction.
PARENT = r"""
import json, multiprocessing, sys, time
from datetime import UTC, datetime
from pathlib import Path

from content import indexing
from network import create_app
from search_index import IndexRecord, engine

ready, url, index_dir = sys.argv[1:4]
engine.REBUILD_PROCS = 2
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INDEX_DIR": index_dir})
now = datetime(2024, 1, 1, tzinfo=UTC)


def records():
    yield from database_records()
    for n in range(1, 100_000):
        yield IndexRecord(n, 1, "resource", f"Note {n}", "", "words " * 50, "", "en", "ID", [], [],
                          2024, {"public"}, now, now)
        if n == 500:
            Path(ready).write_text(json.dumps([p.pid for p in multiprocessing.active_children()]))
            time.sleep(600)


with app.app_context():
    database_records, indexing.all_records = indexing.all_records, records
    indexing.rebuild()
"""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent to reap it is gone as far as this test goes)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _eventually(condition, what: str, seconds: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _backends(url: str, name: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = text("SELECT state FROM pg_stat_activity WHERE application_name = :name")
            return list(conn.scalars(query, {"name": name}))
    finally:
        engine.dispose()


def test_killing_a_rebuild_leaves_no_worker_and_no_open_transaction(app, backend, database_url, tmp_path):
    name = f"rndd-rebuild-test-{secrets.token_hex(4)}"
    url = database_url
    if backend == "postgresql":
        url = make_url(database_url).update_query_dict({"application_name": name}).render_as_string(False)
    ready = tmp_path / "ready.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(tmp_path / "parent.log", "wb") as log:
        parent = subprocess.Popen(  # noqa: S603 - this interpreter, our own script
            [sys.executable, "-c", PARENT, str(ready), url, str(tmp_path / "index")],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    workers: list[int] = []
    try:
        _eventually(lambda: ready.exists() or parent.poll() is not None, "the rebuild started no workers")
        assert parent.poll() is None, (tmp_path / "parent.log").read_text()
        workers = json.loads(ready.read_text())
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        if backend == "postgresql":
            assert _backends(database_url, name) == ["idle in transaction"]  # what the kill must end

        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(30)
        _eventually(lambda: not any(_alive(pid) for pid in workers), "the rebuild's workers outlived it")
        if backend == "postgresql":
            _eventually(lambda: not _backends(database_url, name), "its database connection stayed open")
    finally:
        for pid in [parent.pid, *workers]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        parent.wait(30)
