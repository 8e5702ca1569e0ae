"""Several writing processes, and a writer killed mid-apply."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

from search_index import IndexRecord, SearchIndex

PUBLIC = {"public"}
_fork = multiprocessing.get_context("fork")
_WORDS = (
    "ministry embassy digital diplomacy negotiation citizens crisis response trade regional "
    "cooperation platform training capacity public message network security health"
).split()


def english_record(doc_id: int, words: int) -> IndexRecord:
    body = " ".join(_WORDS[(doc_id * 7 + i * 3) % len(_WORDS)] for i in range(words))
    now = datetime(2024, 1, 1, tzinfo=UTC)
    return IndexRecord(
        id=doc_id,
        version=1,
        kind="resource",
        title=f"Note {doc_id}",
        summary="",
        body=body,
        extra="",
        language="en",
        country="ID",
        topics=[],
        tags=[],
        year=2024,
        principals={"public"},
        published_at=now,
        updated_at=now,
    )


def _apply_batches(root: str, first_id: int, batches: int, per_batch: int) -> None:
    ix = SearchIndex(root)
    for batch in range(batches):
        start = first_id + batch * per_batch
        changes = [(i, english_record(i, words=40)) for i in range(start, start + per_batch)]
        ix.apply(changes, watermark=start)
    ix.close()


def test_two_processes_applying_at_once_lose_nothing(tmp_path: Path):
    root = tmp_path / "index"
    with SearchIndex(root) as ix:
        ix.create()
    workers = [
        _fork.Process(target=_apply_batches, args=(str(root), first, 12, 5)) for first in (1_000, 2_000)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    with SearchIndex(root) as ix:
        entries = ix.entries()
        assert ix.search("", PUBLIC).total == 120
    expected = set(range(1_000, 1_060)) | set(range(2_000, 2_060))
    assert set(entries) == expected
    assert all(versions == [1] for versions in entries.values())


def _apply_forever(root: str, started) -> None:  # type: ignore[no-untyped-def]
    ix = SearchIndex(root)
    changes = [(i, english_record(i, words=300)) for i in range(100, 3_100)]
    started.set()
    ix.apply(changes, watermark=99)


def test_a_writer_killed_mid_apply_leaves_the_index_readable(tmp_path: Path):
    root = tmp_path / "index"
    ix = SearchIndex(root)
    ix.apply([(1, english_record(1, words=20))], watermark=1)
    started = _fork.Event()
    child = _fork.Process(target=_apply_forever, args=(str(root), started))
    child.start()
    assert started.wait(60)
    time.sleep(0.7)
    assert child.is_alive(), "the batch finished before the kill: make it bigger"
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    assert child.exitcode == -signal.SIGKILL

    reopened = SearchIndex(root)
    assert reopened.watermark() == 1
    assert set(reopened.entries()) == {1}
    assert reopened.search("", PUBLIC).total == 1
    started_at = time.monotonic()
    reopened.apply([(2, english_record(2, words=20))], watermark=2)  # the lock is free again
    assert time.monotonic() - started_at < 5
    assert set(reopened.entries()) == {1, 2} and reopened.watermark() == 2
    assert ix.search("", PUBLIC).total == 2
    reopened.close()
    ix.close()
