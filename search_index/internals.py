"""Every use of Whoosh's private parts, checked against the one version it was written for.

The rest of the package uses Whoosh's public API only. What is here reads or replaces what
Whoosh 2.7.5 keeps private, for speed (posting blocks, length and sort columns read in one
piece) or for safety (searchers that never open a file after they were opened, rebuild workers
that die with their parent); tests/search_index/test_search_internals.py compares each read with
its public, slower equivalent, so a Whoosh upgrade that changes them fails there first.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import pickle
import queue
import signal
import struct
import threading
import time
from collections.abc import Iterator
from itertools import accumulate
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

import whoosh
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher, W3PerDocReader
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex
from whoosh.matching import Matcher, WrappingMatcher
from whoosh.reading import IndexReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from search_index.records import IndexUnavailable

WRITTEN_FOR = "2.7.5"
if whoosh.versionstring() != WRITTEN_FOR:  # pragma: no cover - the pin in pyproject.toml holds
    raise ImportError(f"search_index.internals reads Whoosh {WRITTEN_FOR}, not {whoosh.versionstring()}")

# What a damaged index raises while its table of contents and files are opened.
CORRUPTION = (
    FileNotFoundError,
    whoosh_index.IndexError,  # includes EmptyIndexError: no table of contents at all
    pickle.UnpicklingError,
    EOFError,
    struct.error,
    ValueError,
)
OPEN_ATTEMPTS = 10
INDEX_NAME = "MAIN"  # Whoosh's default name, the one store.create_index uses
_STORED = "_stored"


# -- opening a searcher -------------------------------------------------------------------------


def open_searcher(directory: Path, weighting: Any) -> Searcher:
    """A searcher on the newest generation of `directory` with every file it will read open.

    Whoosh opens a segment's column files (stored fields, field lengths, sort keys) on first
    use, and another process's commit deletes the files of the segments it merged away. A
    searcher that opened before such a commit and read a column after it found the file gone:
    stored fields failed with a TypeError (a 500), lengths and sort keys read as zeros. Here
    they are all opened at once, and the searcher is kept only if no commit happened meanwhile
    (one that did may have deleted files before they were opened: then open again).

    Raises IndexUnavailable("corrupt") for a missing or damaged file when no commit happened
    (so nothing raced the opening); OSError when the index kept changing or could not be read.
    """
    storage = FileStorage(str(directory))
    for _attempt in range(OPEN_ATTEMPTS):
        generation = _generation(storage)
        try:
            searcher = _pinned_searcher(FileIndex(storage), weighting)
        except CORRUPTION as error:
            _raise_unless_changed(storage, generation, directory, error)
            continue
        if _generation(storage) == generation:
            return searcher
        searcher.close()
        time.sleep(0.01)
    raise _kept_changing(directory)


def open_index(directory: Path) -> FileIndex:
    """The index in `directory`, its table of contents read (raises as `open_searcher`)."""
    storage = FileStorage(str(directory))
    for _attempt in range(OPEN_ATTEMPTS):
        generation = _generation(storage)
        try:
            return FileIndex(storage)
        except CORRUPTION as error:
            _raise_unless_changed(storage, generation, directory, error)
    raise _kept_changing(directory)


def _generation(storage: FileStorage) -> int:
    return TOC._latest_generation(storage, INDEX_NAME)


def _kept_changing(directory: Path) -> OSError:
    return BlockingIOError(errno.EAGAIN, f"{directory} changed {OPEN_ATTEMPTS} times while it was opened")


def _raise_unless_changed(storage: FileStorage, generation: int, directory: Path, error: Exception) -> None:
    """A commit since `generation` explains a vanished file (retry); otherwise it is damage."""
    if _generation(storage) == generation:
        raise IndexUnavailable("corrupt", f"{directory.name}: {type(error).__name__}: {error}") from error
    time.sleep(0.01)


def _pinned_searcher(ix: FileIndex, weighting: Any) -> Searcher:
    searcher = ix.searcher(weighting=weighting)
    try:
        _pin_columns(searcher, ix.storage)
    except BaseException:
        searcher.close()
        raise
    return searcher


class PinnedColumns(W3PerDocReader):
    """A segment's per-document reader whose column files are all open from the start."""

    def __init__(self, storage: Any, segment: Any, files: dict[str, str]) -> None:
        super().__init__(storage, segment)
        try:
            for fieldname, filename in files.items():
                handle = storage.open_file(filename)
                self._colfiles[fieldname] = (handle, 0, os.fstat(handle.fileno()).st_size)
        except BaseException:
            self.close()
            raise

    def has_column(self, fieldname: str) -> bool:
        """From the files opened, never the directory: another commit may have emptied it."""
        return fieldname in self._colfiles


def _pin_columns(searcher: Searcher, storage: FileStorage) -> None:
    leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers() if isinstance(leaf, SegmentReader)]
    files = storage.list() if leaves else []
    for leaf in leaves:
        segment = leaf.segment()
        if segment.is_compound() or type(leaf._perdoc) is not W3PerDocReader:
            continue  # a compound file is read whole when opened; no other codec is written
        prefix, suffix = segment.make_filename("."), W3Codec.COLUMN_EXT
        columns = {
            name[len(prefix) : -len(suffix)]: name
            for name in files
            if name.startswith(prefix) and name.endswith(suffix)
        }
        if segment.doc_count_all() and _STORED not in columns:
            missing = segment.make_filename(f".{_STORED}{suffix}")
            raise FileNotFoundError(errno.ENOENT, "a segment's stored fields are missing", missing)
        pinned = PinnedColumns(storage, segment, columns)
        leaf._perdoc.close()
        leaf._perdoc = pinned


# -- reading postings and columns in one piece ---------------------------------------------------


def posting_blocks(matcher: Matcher, values: bool = False) -> Iterator[tuple[list[int], Any, Any]]:
    """(ids, weights, values or None) per posting block of a term's postings, read beneath the
    filter Whoosh adds for a segment with deleted documents (callers intersect with readable
    documents, which exclude them)."""
    while isinstance(matcher, WrappingMatcher):
        matcher = matcher.child
    # Every term of our segments has its own posting list: W3Codec's inlinelimit of 1 inlines
    # no list into the term table (it inlines lists shorter than the limit).
    if not isinstance(matcher, W3LeafMatcher):
        raise TypeError(f"postings read through {type(matcher).__name__}, not W3LeafMatcher")
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids = matcher._data[0]
        ids = list(ids if matcher._byteids else accumulate(ids))  # _read_ids, in C
        weights = matcher._data[1]  # what _read_weights makes of it, without a generator
        if weights is None or isinstance(weights, float):
            weights = [1.0 if weights is None else weights] * len(ids)
        if values:
            matcher._read_values()
        yield ids, weights, matcher._values if values else None
        matcher._next_block()


def length_bytes(reader: IndexReader, fieldname: str) -> bytes:
    """The encoded field length of every document of a segment, read in one piece."""
    count = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN) if perdoc else None
    if column is None:
        return bytes(count)
    stored = column._dbfile.get(column._basepos, column._count)
    return bytes(stored) + bytes(count - len(stored))


def column_values(reader: IndexReader, name: str) -> list[int]:
    """Every value of a segment's numeric column (its sortable form), unpacked in one call."""
    count = reader.doc_count_all()
    if not reader.has_column(name):
        return [0] * count
    column = reader.column_reader(name, translate=False)
    size = column._fixedlen
    raw = column._dbfile.get(column._basepos, column._count * size)
    values = [value for (value,) in struct.iter_unpack("!" + column._typecode, raw)]
    return values + [column._default] * (count - len(values))


def positions(value: bytes) -> frozenset[int]:
    """whoosh.formats.Positions.decode_positions: a 4-byte count, then the pickled position
    deltas (stored without pickle's final STOP)."""
    pickled = value[4:] if value.endswith(b".") else value[4:] + b"."
    return frozenset(accumulate(pickle.loads(pickled)))  # noqa: S301 - our own index, as Whoosh reads it


# -- a rebuild in several processes ---------------------------------------------------------------

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
        writer = SegmentWriter(ix, _lk=False, **self.kwargs)  # the parent holds the write lock
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
