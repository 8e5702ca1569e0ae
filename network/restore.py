"""`rndd restore`: an archive of `rndd backup` back into an empty instance.

Everything that can refuse the archive runs before the target is touched: the target is empty
(or `--force`), every member has a safe name and is a plain file, every checksum and size agree
with the manifest, and the schema is one this code knows. Only then is the database replaced
(in one step: SQLite's backup API, or pg_restore in a single transaction) and the files moved in.
A refusal is recorded in the target's audit log when it has one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app
from flask_migrate import upgrade

from network import audit, databases
from network.backup import DATABASE_MEMBERS, FORMAT_VERSION, KEY_MODE, KEYS, MANIFEST, UPLOADS, BackupError
from network.extensions import db

TOP_LEVEL = {MANIFEST, "database", UPLOADS, KEYS}
MANIFEST_KEYS = {"format_version", "created_at", "app_version", "dialect", "schema_revision", "node_name",
                 "files"}  # fmt: skip
CHUNK = 1024 * 1024


class RestoreRefused(BackupError):
    """The archive or the target does not allow a restore; `reason` is a short code for the log."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    upgraded_from: str | None
    indexed: int


def restore_backup(archive: Path, force: bool = False) -> RestoreResult:
    """Check the archive and the target, then restore, upgrade the schema and rebuild the index.

    Raises:
        RestoreRefused: a non-empty target without `force`, or a damaged, altered, unsafe or
            newer-schema archive; nothing in the target changed but the audit entry.
        DatabaseToolError: pg_restore failed (it ran in one transaction, so nothing changed).
    """
    try:
        if not force:
            _refuse_used_target()
        staging_parent = Path(current_app.config["UPLOAD_DIR"]).parent
        with tempfile.TemporaryDirectory(dir=staging_parent, prefix=".rndd-restore-") as staging:
            manifest = unpack(archive, Path(staging))
            _refuse_incompatible(manifest)
            _restore_database(Path(staging) / DATABASE_MEMBERS[manifest["dialect"]])
            _move_files(Path(staging))
    except RestoreRefused as refusal:
        _record_refusal(archive, refusal)
        raise
    upgraded_from = None
    if manifest["schema_revision"] != databases.head_revision():
        upgrade()
        upgraded_from = manifest["schema_revision"]
    from content import indexing

    indexed = indexing.rebuild()
    audit.record(
        None,
        "backup.restored",
        object_type="backup",
        object_id=archive.name,
        path=str(os.path.abspath(archive)),
        created_at=manifest["created_at"],
        node_name=manifest["node_name"],
        upgraded_from=upgraded_from,
    )
    db.session.commit()
    return RestoreResult(manifest, upgraded_from, indexed)


def _refuse_used_target() -> None:
    used = []
    tables = databases.tables_with_rows()
    if tables:
        used.append("rows in " + ", ".join(tables))
    for key, label in (("UPLOAD_DIR", "uploads"), ("KEY_DIR", "keys")):
        folder = Path(current_app.config[key])
        if folder.is_dir() and any(path.is_file() for path in folder.rglob("*")):
            used.append(f"{label} in {folder}")
    if used:
        raise RestoreRefused(
            "not_empty",
            "The target instance is not empty (" + "; ".join(used) + "). "
            "Restore into an empty instance, or pass --force to replace its contents.",
        )


def unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Extract every member into `staging` by our own safe names; return the checked manifest."""
    found: dict[str, dict[str, Any]] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = _safe_name(member)
                if member.isdir():
                    continue
                if name in found:
                    raise RestoreRefused("unsafe", f"The archive holds {name} twice.")
                found[name] = _extract(tar, member, staging / name)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise RestoreRefused("damaged", f"{archive} is damaged or truncated ({error}).") from error
    except OSError as error:
        raise RestoreRefused("unreadable", f"Cannot unpack {archive}: {error.strerror or error}.") from error
    manifest = _read_manifest(staging / MANIFEST, found)
    _refuse_mismatches(manifest, found)
    return manifest


def _safe_name(member: tarfile.TarInfo) -> str:
    """A relative name under one of our folders, of a plain file or folder; anything else refused."""
    path = PurePosixPath(member.name)
    parts = path.parts
    unsafe = (
        not parts
        or path.is_absolute()
        or "\\" in member.name
        or any(part in ("", ".", "..") for part in parts)
        or parts[0] not in TOP_LEVEL
    )
    if unsafe:
        raise RestoreRefused("unsafe", f"The archive holds an unsafe name {member.name!r}.")
    if not (member.isreg() or member.isdir()):
        raise RestoreRefused("unsafe", f"The archive holds a link or special file {member.name!r}.")
    return path.as_posix()


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> dict[str, Any]:
    """Write one member (mode 0600, as the app writes its own files) and hash what was written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(member)
    digest, size = hashlib.sha256(), 0
    with source, os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE), "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _read_manifest(path: Path, found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if MANIFEST not in found:
        raise RestoreRefused(
            "damaged", "The archive has no manifest: it is truncated or not an RNDD Hub backup."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise TypeError("not an object")
        missing = sorted(MANIFEST_KEYS - set(manifest))
    except (ValueError, TypeError) as error:
        raise RestoreRefused("damaged", f"The archive's manifest is unreadable ({error}).") from error
    if missing:
        raise RestoreRefused("damaged", f"The archive's manifest lacks {', '.join(missing)}.")
    version, files = manifest["format_version"], manifest["files"]
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RestoreRefused(
            "newer", f"The archive is in format {version!r}, made by a newer version; upgrade first."
        )
    if not isinstance(files, dict):
        raise RestoreRefused("damaged", "The archive's manifest lists no files.")
    return manifest


def _refuse_mismatches(manifest: dict[str, Any], found: dict[str, dict[str, Any]]) -> None:
    listed, present = set(manifest["files"]), set(found) - {MANIFEST}
    unmatched = sorted(listed ^ present)
    if unmatched:
        name = unmatched[0]
        where = "is missing from the archive" if name in listed else "is not in the manifest"
        raise RestoreRefused("altered", f"{name} {where}: the archive was altered or is incomplete.")
    for name in sorted(listed):
        if manifest["files"][name] != found[name]:
            raise RestoreRefused(
                "altered",
                f"{name} does not match its checksum in the manifest: the archive was altered or damaged.",
            )


def _refuse_incompatible(manifest: dict[str, Any]) -> None:
    dialect, revision = manifest["dialect"], manifest["schema_revision"]
    if dialect != databases.dialect():
        raise RestoreRefused(
            "dialect",
            f"The archive holds a {dialect} database; this instance uses "
            f"{databases.dialect()}. Restore it into a {dialect} instance.",
        )
    if DATABASE_MEMBERS.get(dialect) not in manifest["files"]:
        raise RestoreRefused("damaged", "The archive holds no database.")
    if not isinstance(revision, str) or revision not in databases.known_revisions():
        raise RestoreRefused(
            "newer", f"The archive's schema {revision!r} was made by a newer version; upgrade first."
        )


def _restore_database(dump: Path) -> None:
    """Replace the target database in one step, so a failure leaves it as it was."""
    databases.release_connections()
    if databases.dialect() == "sqlite":
        source, target = sqlite3.connect(dump), sqlite3.connect(databases.sqlite_file())
        try:
            source.backup(target)  # page by page under the target's lock, journal and all: no torn file
        finally:
            source.close()
            target.close()
    else:
        databases.run_pg_tool(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            str(dump),
        )
    databases.release_connections()


def _move_files(staging: Path) -> None:
    for member, key in ((UPLOADS, "UPLOAD_DIR"), (KEYS, "KEY_DIR")):
        source, folder = staging / member, Path(current_app.config[key])
        if not source.is_dir():
            continue
        if member == KEYS:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            target = folder / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
            if member == KEYS:
                target.chmod(KEY_MODE)


def _record_refusal(archive: Path, refusal: RestoreRefused) -> None:
    """The attempt goes in the target's audit log, when the target has one yet."""
    db.session.rollback()
    if not databases.has_table("audit_entry"):
        return
    audit.record(
        None,
        "backup.restore_refused",
        object_type="backup",
        object_id=archive.name,
        path=str(os.path.abspath(archive)),
        reason=refusal.reason,
        message=str(refusal),
    )
    db.session.commit()
