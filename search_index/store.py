"""The index directory: a CURRENT pointer and one Whoosh index per build.

Layout: `<root>/CURRENT` names the active `<root>/ix-<time_ns>-<random>/`. A rebuild writes a new
directory while searches keep using the old one, then replaces CURRENT with os.replace (atomic on
POSIX), so readers see either the old or the new index, never a half-built one. Readers resolve
CURRENT whenever they check for changes. Two lock files serialise what must happen once:
`.rebuild.lock` (one rebuild at a time, across processes) and `.create.lock` (the first index).

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
from collections.abc import Iterator
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.index import FileIndex

from search_index.records import IndexUnavailable, RebuildRunning

CURRENT = "CURRENT"
PREVIOUS = "PREVIOUS"
REBUILD_LOCK = ".rebuild.lock"
CREATE_LOCK = ".create.lock"
_NAME_RE = re.compile(r"^ix-(\d+)-[0-9a-f]+$")

_open_dirs: Counter[str] = Counter()  # absolute paths of directories with an open searcher
_open_lock = threading.Lock()


@contextlib.contextmanager
def locked(root: Path, name: str, wait: bool = True) -> Iterator[None]:
    """Hold the lock file `name` of the index (an flock: a killed holder releases it).

    Raises RebuildRunning when `wait` is false and another holder has it.
    """
    root.mkdir(parents=True, exist_ok=True)
    with open(root / name, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as error:
            raise RebuildRunning(f"{root / name} is held by another process") from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_locked(root: Path, name: str) -> bool:
    """Whether someone holds the lock file `name` right now."""
    try:
        with locked(root, name, wait=False):
            return False
    except RebuildRunning:
        return True


def current(root: Path) -> Path:
    """The directory CURRENT names.

    Raises IndexUnavailable "absent" when no index was ever published in `root`, "corrupt"
    when CURRENT is missing beside index directories, unreadable, or names a directory that
    is gone. Any other failure to read is an OSError, which says nothing about the index.
    """
    try:
        name = (root / CURRENT).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if root.is_dir() and any(root.glob("ix-*")):
            raise IndexUnavailable("corrupt", f"{root / CURRENT} is missing") from None
        raise IndexUnavailable("absent", f"no index in {root}") from None
    except UnicodeDecodeError as error:
        raise IndexUnavailable("corrupt", f"{root / CURRENT} is not a directory name") from error
    if not _NAME_RE.match(name):
        raise IndexUnavailable("corrupt", f"{root / CURRENT} holds {name[:80]!r}, not a directory name")
    if not (root / name).is_dir():
        raise IndexUnavailable("corrupt", f"{root / CURRENT} names {name}, which is gone")
    return root / name


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
    active = read_pointer(root)
    if active is None:
        return
    keep = {active, read_pointer(root, PREVIOUS)}
    with _open_lock:
        in_use = {Path(path).name for path, count in _open_dirs.items() if count > 0}
    for path in root.glob("ix-*"):
        name = path.name
        if name in keep or name in in_use or _stamp(name) > _stamp(active):
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


def mark_open(directory: Path) -> None:
    with _open_lock:
        _open_dirs[str(directory.resolve())] += 1


def mark_closed(directory: Path) -> None:
    with _open_lock:
        key = str(directory.resolve())
        _open_dirs[key] -= 1
        if _open_dirs[key] <= 0:
            del _open_dirs[key]
