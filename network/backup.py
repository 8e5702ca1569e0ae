"""`rndd backup`: one archive of the database, the uploads, the node's keys and a manifest.

The archive is a tar.gz rather than a zip: tar records each member's type and Unix mode, so the
keys keep 0600 and a restore can see (and refuse) a link for what it is; it streams both ways,
so neither side holds the archive or the dump in memory; and Python's standard library writes
and reads it. The site keeps serving: the database is copied from one consistent snapshot
(SQLite's online backup API, or pg_dump's snapshot), and the uploads are content-addressed
files that are never rewritten in place.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from flask import current_app

from network import audit, databases
from network.extensions import db
from network.models import utcnow

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/rndd.sqlite3", "postgresql": "database/rndd.pgdump"}
UPLOADS, KEYS = "uploads", "keys"
KEY_MODE = 0o600
# gzip's own default: on a 160 MB database as small as level 9 (tarfile's default), twice as fast.
COMPRESSION = 6
# In-flight uploads (content/attachments.py writes them here before the rename); not content yet.
UPLOAD_SCRATCH = "tmp"


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message is for the operator."""


@dataclass
class BackupResult:
    path: Path
    size: int
    files: dict[str, dict[str, Any]]
    vanished: list[str] = field(default_factory=list)


class _HashingReader:
    """Hands tarfile a file's bytes and hashes exactly what went into the archive."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def create_backup(target: Path) -> BackupResult:
    """Write the archive to a temporary file beside `target`, then rename it into place.

    Raises:
        BackupError: the target is inside a folder being backed up, or there is no schema.
        DatabaseToolError: pg_dump is missing or failed.
    """
    target = Path(os.path.abspath(target))
    _refuse_target_inside_sources(target)
    revision = databases.schema_revision()
    if revision is None:
        raise BackupError("The database has no schema yet (run `rndd init`); there is nothing to back up.")
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as raw:
            result = _write_archive(raw, target, revision)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    result.size = target.stat().st_size
    if databases.has_table("audit_entry"):  # an older schema may not have the audit log yet
        _record_created(target, result)
    return result


def _record_created(target: Path, result: BackupResult) -> None:
    audit.record(None, "backup.created", object_type="backup", object_id=target.name,
                 path=str(target), size=result.size, files=len(result.files))  # fmt: skip
    db.session.commit()


def _refuse_target_inside_sources(target: Path) -> None:
    for key in ("UPLOAD_DIR", "KEY_DIR"):
        folder = Path(os.path.abspath(current_app.config[key]))
        if target.is_relative_to(folder):
            raise BackupError(f"Write the backup outside {folder}: it would otherwise contain itself.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")


def _write_archive(raw: IO[bytes], target: Path, revision: str) -> BackupResult:
    result = BackupResult(target, 0, {})
    dialect = databases.dialect()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".rndd-backup-") as staging:
        dump = _dump_database(Path(staging), dialect)
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=COMPRESSION) as tar:
            _add_file(tar, dump, DATABASE_MEMBERS[dialect], result)
            uploads = Path(current_app.config["UPLOAD_DIR"])
            for path in _files_under(uploads, skip=uploads / UPLOAD_SCRATCH):
                _add_file(tar, path, f"{UPLOADS}/{path.relative_to(uploads).as_posix()}", result)
            keys = Path(current_app.config["KEY_DIR"])
            for path in _files_under(keys):
                _add_file(tar, path, f"{KEYS}/{path.relative_to(keys).as_posix()}", result, KEY_MODE)
            manifest = _manifest(dialect, revision, result.files)
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
    return result


def _dump_database(staging: Path, dialect: str) -> Path:
    """One consistent snapshot of the live database, written into the staging folder."""
    if dialect == "sqlite":
        out = staging / "rndd.sqlite3"
        source, copy = sqlite3.connect(databases.sqlite_file()), sqlite3.connect(out)
        try:
            source.backup(copy)  # all pages in one step, under one read lock: a consistent copy
        finally:
            source.close()
            copy.close()
        return out
    if dialect == "postgresql":
        out = staging / "rndd.pgdump"
        databases.run_pg_tool("pg_dump", "--format=custom", f"--file={out}")
        return out
    raise BackupError(f"Backups of a {dialect} database are not supported (SQLite and PostgreSQL are).")


def _files_under(folder: Path, skip: Path | None = None) -> Iterator[Path]:
    """Regular files under a folder in a stable order; links are not followed or kept."""
    if not folder.is_dir():
        return
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if Path(root, d) != skip)
        for name in sorted(names):
            path = Path(root, name)
            if path.is_file() and not path.is_symlink():
                yield path


def _add_file(
    tar: tarfile.TarFile, path: Path, name: str, result: BackupResult, mode: int | None = None
) -> None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:  # deleted since it was listed (an attachment removed meanwhile)
        result.vanished.append(name)
        return
    with handle:
        info = tar.gettarinfo(arcname=name, fileobj=handle)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        if mode is not None:
            info.mode = mode
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    result.files[name] = {"sha256": reader.digest.hexdigest(), "size": info.size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o644, int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _manifest(dialect: str, revision: str, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "created_at": utcnow().isoformat(timespec="seconds") + "Z",
        "app_version": _app_version(),
        "dialect": dialect,
        "schema_revision": revision,
        "node_name": current_app.config["NODE_NAME"],
        "files": files,
    }


def _app_version() -> str:
    try:
        return metadata.version("rndd")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"
