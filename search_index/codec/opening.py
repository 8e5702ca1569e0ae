"""Opening an index and a searcher safely while other processes commit.

Whoosh opens a searcher's files lazily; the array codec's readers open and map every file of a
segment when the segment is opened (`format`), so what is left here is to open the newest
generation and check that no commit replaced it meanwhile.
"""

from __future__ import annotations

import errno
import pickle
import struct
import time
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex
from whoosh.searching import Searcher

from search_index.codec.format import check_files
from search_index.records import IndexUnavailable

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
            searcher = _searcher(FileIndex(storage), weighting)
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


def _searcher(ix: FileIndex, weighting: Any) -> Searcher:
    """Whoosh leaves open the segments it opened before one that fails: every segment's files
    are checked before any is opened."""
    for segment in ix._segments():
        check_files(ix.storage, segment)
    return ix.searcher(weighting=weighting)
