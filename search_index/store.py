"""The index directory: a CURRENT pointer and one Whoosh index per build.

Layout: `<root>/CURRENT` names the active `<root>/ix-<time_ns>-<random>/`. A rebuild writes a new
directory while searches keep using the old one, then replaces CURRENT with os.replace (atomic on
POSIX), so readers see either the old or the new index, never a half-built one. Readers resolve
CURRENT whenever they check for changes.

Old directories are removed best effort after a swap. Other processes may still be reading the
directory that was current until the swap, so that one is kept until the next rebuild; so is any
directory an index object of this process has open, and any directory newer than the current
one (another rebuild still writing it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.index import FileIndex

CURRENT = "CURRENT"
PREVIOUS = "PREVIOUS"
TOC_ATTEMPTS = 5
T = TypeVar("T")
_NAME_RE = re.compile(r"^ix-(\d+)-[0-9a-f]+$")

_open_dirs: Counter[str] = Counter()  # absolute paths of directories with an open searcher
_open_lock = threading.Lock()


@contextlib.contextmanager
def creation_lock(root: Path) -> Iterator[None]:
    """Serialise "create the index if there is none" across processes, so two first writers
    do not each publish an index of their own and lose the other's changes."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".create.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_pointer(root: Path, name: str = CURRENT) -> str | None:
    """The directory name a pointer file holds, if it is valid and the directory exists."""
    try:
        value = (root / name).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not _NAME_RE.match(value) or not (root / value).is_dir():
        return None
    return value


def new_directory(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"ix-{time.time_ns()}-{secrets.token_hex(4)}"
    path.mkdir()
    return path


def _write_pointer(root: Path, name: str, value: str) -> None:
    tmp = root / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    with open(tmp, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, root / name)


def publish(root: Path, directory: Path) -> None:
    """Make `directory` the current index, atomically, and remember the one it replaces."""
    previous = read_pointer(root)
    if previous and previous != directory.name:
        _write_pointer(root, PREVIOUS, previous)
    _write_pointer(root, CURRENT, directory.name)
    with contextlib.suppress(OSError):
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _stamp(name: str) -> int:
    match = _NAME_RE.match(name)
    return int(match.group(1)) if match else 0


def cleanup(root: Path) -> None:
    """Remove index directories nobody should be using any more (best effort)."""
    current = read_pointer(root)
    if current is None:
        return
    keep = {current, read_pointer(root, PREVIOUS)}
    with _open_lock:
        in_use = {Path(path).name for path, count in _open_dirs.items() if count > 0}
    for path in root.glob("ix-*"):
        name = path.name
        if name in keep or name in in_use or _stamp(name) > _stamp(current):
            continue
        shutil.rmtree(path, ignore_errors=True)
    for tmp in root.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > 3600:
                tmp.unlink()


def create_index(directory: Path, schema: Schema) -> FileIndex:
    return whoosh_index.create_in(str(directory), schema)


def open_index(directory: Path) -> FileIndex:
    return whoosh_index.open_dir(str(directory))


def is_index(directory: Path, fields: frozenset[str] | None = None) -> bool:
    """Whether `directory` holds a Whoosh index (with exactly these `fields`, if given)."""
    if not whoosh_index.exists_in(str(directory)):
        return False
    return fields is None or _field_names(str(directory)) == fields


@lru_cache(maxsize=64)
def _field_names(directory: str) -> frozenset[str]:
    """A build's field names; directories are never reused, so the answer never changes."""
    return reading_toc(lambda: frozenset(whoosh_index.open_dir(directory).schema.names()))


def reading_toc(read: Callable[[], T]) -> T:
    """`read()`, again if another process's commit removed the generation it was reading (its
    TOC file) between finding and opening it: the next attempt reads the newer one."""
    for attempt in range(TOC_ATTEMPTS):
        try:
            return read()
        except FileNotFoundError:
            if attempt == TOC_ATTEMPTS - 1:
                raise
            time.sleep(0.01)
    raise AssertionError("unreachable")  # pragma: no cover


def mark_open(directory: Path) -> None:
    with _open_lock:
        _open_dirs[str(directory.resolve())] += 1


def mark_closed(directory: Path) -> None:
    with _open_lock:
        key = str(directory.resolve())
        _open_dirs[key] -= 1
        if _open_dirs[key] <= 0:
            del _open_dirs[key]
