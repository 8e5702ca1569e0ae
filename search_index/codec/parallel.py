"""A rebuild in several processes, each writing a segment of its own."""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from multiprocessing.connection import wait
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from search_index.codec.pool import use_term_pool

_SPAWN = multiprocessing.get_context("spawn")


class ParallelWriter(SegmentWriter):
    """Whoosh's MpWriter with `multisegment=True`, made safe to kill and to fail.

    Documents go to `procs` worker processes in batches; each writes a segment of its own, and
    the parent commits them together (no final, single-threaded merge). Unlike MpWriter, the
    workers are spawned, not forked, so they never inherit the parent's sockets: a forked
    worker kept the parent's database connection open after the parent was killed, with its
    transaction, which blocked `ALTER TABLE`. They exit when the parent dies, `cancel()` stops
    them, and a worker that fails fails the commit (MpWriter dropped its segment). The last,
    partial batch is indexed by the parent itself, so a small rebuild starts no process.
    """

    def __init__(self, ix: whoosh_index.FileIndex, procs: int, batchsize: int = 100, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        use_term_pool(self)
        self._procs, self._batchsize, self._subargs = procs, batchsize, kwargs
        self._jobs = _SPAWN.Queue(procs * 4)
        self._results = _SPAWN.Queue()
        self._tasks: list[_SegmentTask] = []
        self._buffer: list[dict[str, Any]] = []

    def add_document(self, **fields: Any) -> None:
        self._buffer.append(fields)
        if len(self._buffer) >= self._batchsize:
            if len(self._tasks) < self._procs:
                task = _SegmentTask(self.storage.folder, self.indexname, self._jobs, self._results)
                task.kwargs = self._subargs
                task.start()
                self._tasks.append(task)
            self._put(self._buffer)
            self._buffer = []

    def commit(self, mergetype: Any = None, optimize: Any = None, merge: Any = None) -> None:
        for fields in self._buffer:
            SegmentWriter.add_document(self, **fields)
        self._buffer = []
        for _task in self._tasks:
            self._put(None)
        segments = self._collect()
        for task in self._tasks:
            task.join()
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(list(self.segments) + segments)
        self._finish()

    def cancel(self) -> None:
        for task in self._tasks:
            task.terminate()
        for task in self._tasks:
            task.join()
        for channel in (self._jobs, self._results):
            # Batches no worker will read: without this, the queue's feeder thread waits at
            # interpreter exit to hand them over, and the process never ends.
            channel.cancel_join_thread()
            channel.close()
        super().cancel()

    def _put(self, item: list[dict[str, Any]] | None) -> None:
        while True:
            try:
                self._jobs.put(item, timeout=1)
                return
            except queue.Full:
                self._check_tasks()

    def _collect(self) -> list[Any]:
        segments: list[Any] = []
        while len(segments) < len(self._tasks):
            try:
                segments.append(self._results.get(timeout=1))
            except queue.Empty:
                self._check_tasks(all_done_is_failure=True)
        return segments

    def _check_tasks(self, all_done_is_failure: bool = False) -> None:
        for task in self._tasks:
            if task.exitcode not in (None, 0):
                raise RuntimeError(f"index worker {task.pid} exited with {task.exitcode}")
        if all_done_is_failure and all(task.exitcode == 0 for task in self._tasks):
            raise RuntimeError("an index worker ended without handing over its segment")


class _SegmentTask(_SPAWN.Process):  # type: ignore[name-defined]
    """One worker: indexes the batches it takes off the queue into a segment of its own."""

    kwargs: dict[str, Any]  # the sub-writer's options

    def __init__(self, folder: str, indexname: str, jobs: Any, results: Any) -> None:
        super().__init__(daemon=True, name="rndd-index-worker")
        self.folder, self.indexname, self.jobs, self.results = folder, indexname, jobs, results

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the parent, which cancels
        _exit_with_parent()
        ix = whoosh_index.open_dir(self.folder, indexname=self.indexname)
        writer = use_term_pool(SegmentWriter(ix, _lk=False, **self.kwargs))  # the parent holds the lock
        while (batch := self.jobs.get()) is not None:
            for fields in batch:
                writer.add_document(**fields)
        self.results.put(writer._finalize_segment())


def _exit_with_parent() -> None:
    """Exit as soon as the parent process is gone, however it ended (even SIGKILL)."""
    sentinel = multiprocessing.parent_process().sentinel  # type: ignore[union-attr]

    def watch() -> None:
        wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="rndd-parent-watch").start()
