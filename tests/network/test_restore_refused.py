"""`rndd restore` refuses a damaged, altered, newer or crafted archive, and a used target,
with a clear message and exit 1, changing nothing but the audit entry of the attempt."""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from backup_support import close, empty_instance

from network import databases
from network.audit import AuditEntry
from network.extensions import db

Members = list[tuple[tarfile.TarInfo, bytes]]
# Where an absolute member would land if it were let through: somewhere harmless.
ABSOLUTE = str(Path(tempfile.gettempdir()) / "rndd-escaped.txt")


@pytest.fixture
def archive(app, make_user, make_document, tmp_path: Path) -> Path:
    doc = make_document(title="Backed up")
    from content import attachments

    attachments.add_attachment(
        make_user("ID", "country_admin"), doc.id, io.BytesIO(b"Some notes.\n"), "notes.txt"
    )
    path = tmp_path / "hub.tar.gz"
    made = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert made.exit_code == 0, made.output
    return path


@pytest.fixture
def target(backend, database_url, tmp_path: Path):
    """An initialised empty instance: it has the audit table, and only reference data."""
    instance = empty_instance(backend, database_url, tmp_path / "target")
    with instance.app_context():
        assert instance.test_cli_runner().invoke(args=["init"]).exit_code == 0
        db.session.remove()
    yield instance
    close(instance)


def members(path: Path) -> Members:
    with tarfile.open(path) as tar:
        return [(m, tar.extractfile(m).read() if m.isreg() else b"") for m in tar.getmembers()]


def write(path: Path, entries: Members) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in entries:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def edit_manifest(change: Callable[[dict], None]) -> Callable[[Members], Members]:
    def apply(entries: Members) -> Members:
        out = []
        for info, data in entries:
            if info.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            out.append((info, data))
        return out

    return apply


def flip_upload_byte(entries: Members) -> Members:
    out = []
    for info, data in entries:
        if info.name.startswith("uploads/"):
            data = bytes([data[0] ^ 1]) + data[1:]
        out.append((info, data))
    return out


def drop_uploads(entries: Members) -> Members:
    return [(info, data) for info, data in entries if not info.name.startswith("uploads/")]


def with_member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> Callable[[Members], Members]:
    def apply(entries: Members) -> Members:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, link
        return [(info, b"escaped" if kind == tarfile.REGTYPE else b""), *entries]

    return apply


def set_revision(manifest: dict) -> None:
    manifest["schema_revision"] = "9999"


def set_format(manifest: dict) -> None:
    manifest["format_version"] = 2


def set_dialect(manifest: dict) -> None:
    manifest["dialect"] = "mysql"


CRAFTED = {
    "altered": (flip_upload_byte, "does not match its checksum"),
    "incomplete": (drop_uploads, "is missing from the archive"),
    "newer schema": (edit_manifest(set_revision), "made by a newer version; upgrade first"),
    "newer format": (edit_manifest(set_format), "made by a newer version; upgrade first"),
    "other database": (edit_manifest(set_dialect), "holds a mysql database"),
    "parent folder": (with_member("../escaped.txt"), "unsafe name '../escaped.txt'"),
    "nested parent": (with_member("uploads/../../escaped.txt"), "unsafe name"),
    "absolute name": (with_member(ABSOLUTE), f"unsafe name '{ABSOLUTE}'"),
    "symlink": (with_member("uploads/link", tarfile.SYMTYPE, "/etc/passwd"), "link or special file"),
    "hard link": (with_member("uploads/hard", tarfile.LNKTYPE, "manifest.json"), "link or special file"),
    "stranger": (with_member("elsewhere/file.txt"), "unsafe name"),
}


def everything_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def assert_refused(target, path: Path, message: str, tmp_path: Path) -> None:
    before = everything_under(tmp_path)
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert "Nothing was restored." in result.output
        assert everything_under(tmp_path) == before
        assert not Path(ABSOLUTE).exists()
        assert databases.tables_with_rows() == ["audit_entry"]
        entries = db.session.scalars(db.select(AuditEntry)).all()
        assert [e.action for e in entries] == ["backup.restore_refused"]
        assert entries[0].detail_values["path"] == str(path)


@pytest.mark.both_databases
def test_a_truncated_archive_is_refused(archive, target, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert_refused(target, truncated, "damaged or truncated", tmp_path)


@pytest.mark.both_databases
@pytest.mark.parametrize("case", CRAFTED)
def test_a_crafted_archive_is_refused(archive, target, tmp_path, case):
    change, message = CRAFTED[case]
    crafted = write(tmp_path / "crafted.tar.gz", change(members(archive)))
    assert_refused(target, crafted, message, tmp_path)


def test_not_an_archive_at_all_is_refused(target, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"this is not a backup")
    assert_refused(target, junk, "damaged or truncated", tmp_path)


def test_a_target_without_the_audit_table_is_left_untouched(archive, backend, database_url, tmp_path):
    bare = empty_instance(backend, database_url, tmp_path / "bare")
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:1000])
    try:
        with bare.app_context():
            result = bare.test_cli_runner().invoke(args=["restore", str(truncated)])
            assert result.exit_code == 1
            assert not databases.has_table("audit_entry")
    finally:
        close(bare)


def test_a_used_target_is_refused_without_force(archive, target, tmp_path):
    with target.app_context():
        runner = target.test_cli_runner()
        assert runner.invoke(args=["restore", str(archive)]).exit_code == 0
        again = runner.invoke(args=["restore", str(archive)])
        assert again.exit_code == 1
        assert "not empty" in again.output and "--force" in again.output
        actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-2:] == ["backup.restored", "backup.restore_refused"]
        forced = runner.invoke(args=["restore", "--force", str(archive)])
        assert forced.exit_code == 0, forced.output
        actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-1] == "backup.restored" and "backup.restore_refused" not in actions
