"""`rndd backup` and `rndd restore`: a round trip brings everything back, also while writes go on."""

from __future__ import annotations

import io
import json
import stat
import tarfile
import threading
from pathlib import Path

import pytest
from backup_support import close, empty_instance, snapshot
from flask_migrate import upgrade

from content import attachments, services
from network import audit, backup, create_app, databases
from network.audit import AuditEntry
from network.extensions import db
from network.models import ApiToken, User

KEY = b"-----BEGIN PRIVATE KEY-----\nnot a real key\n-----END PRIVATE KEY-----\n"


@pytest.fixture
def target(backend, database_url, tmp_path: Path):
    instance = empty_instance(backend, database_url, tmp_path / "target")
    yield instance
    close(instance)


def populate(make_user, make_document, key_dir: Path) -> None:
    """Documents of several audiences with revisions, an attachment, a token, audit entries, a key."""
    admin = make_user("ID", "country_admin")
    doc = make_document(title="Zanzibarite consular hotline", visibility="public")
    doc = services.update_document(admin, doc.id, doc.version, {"body_markdown": "Second **version**."})
    make_document(visibility="country", status="draft")
    make_document(visibility="countries", shared_with=["TH"])
    attachments.add_attachment(admin, doc.id, io.BytesIO(b"Evacuation plan, step by step.\n"), "plan.txt")
    token, _ = ApiToken.issue(admin, scope="write", name="sync")
    db.session.add(token)
    audit.record(admin, "test.action", object_type="document", object_id=doc.id)
    db.session.commit()
    key_dir.mkdir()
    (key_dir / "node.key").write_bytes(KEY)
    (key_dir / "node.key").chmod(0o600)


@pytest.mark.both_databases
def test_a_round_trip_brings_everything_back(app, target, make_user, make_document, tmp_path):
    populate(make_user, make_document, Path(app.config["KEY_DIR"]))
    before = snapshot()
    archive = tmp_path / "hub.tar.gz"

    made = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert (
        db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()[-1] == "backup.created"
    )

    with target.app_context():
        runner = target.test_cli_runner()
        restored = runner.invoke(args=["restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        after = snapshot()
        assert after.pop("audit")[:-1] == before.pop("audit")
        assert after == before
        assert (
            db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()[-1]
            == "backup.restored"
        )
        verified = runner.invoke(args=["audit", "verify"])
        assert verified.exit_code == 0, verified.output
        found = target.test_client().get("/api/v1/search?q=zanzibarite").get_json()
        assert [item["title"] for item in found["items"]] == ["Zanzibarite consular hotline"]
        key = Path(target.config["KEY_DIR"]) / "node.key"
        assert key.read_bytes() == KEY
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_the_manifest_describes_the_archive(app, make_user, make_document, tmp_path):
    populate(make_user, make_document, Path(app.config["KEY_DIR"]))
    archive = tmp_path / "hub.tar.gz"
    backup.create_backup(archive)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        key = tar.getmember("keys/node.key")
    assert manifest["format_version"] == 1
    assert manifest["dialect"] == "sqlite"
    assert manifest["schema_revision"] == databases.head_revision()
    assert manifest["node_name"] == app.config["NODE_NAME"]
    assert manifest["app_version"] and manifest["created_at"].endswith("Z")
    assert set(manifest["files"]) >= {"database/rndd.sqlite3", "keys/node.key"}
    assert any(name.startswith("uploads/") for name in manifest["files"])
    assert manifest["files"]["keys/node.key"]["size"] == len(KEY)
    assert stat.S_IMODE(key.mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds password hashes and the node key


@pytest.mark.both_databases
def test_a_backup_taken_while_documents_are_written_restores_consistent(app, target, make_user, tmp_path):
    """A writer thread keeps creating documents through the services during the backup."""
    author_id = make_user("ID", "contributor").id
    written, stop = [], threading.Event()

    def write() -> None:
        with app.app_context():
            author = db.session.get(User, author_id)
            while not stop.is_set():
                doc = services.create_document(
                    author, {"title": f"Busy {len(written)}", "body_markdown": "x"}
                )
                written.append(doc.id)
            db.session.remove()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 3:
            stop.wait(0.01)
        made = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "busy.tar.gz")])
        during = len(written)
    finally:
        stop.set()
        writer.join()
    assert made.exit_code == 0, made.output

    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "busy.tar.gz")])
        assert restored.exit_code == 0, restored.output
        from content import indexing
        from content.models import ChangeLog, Document, Revision

        docs = db.session.scalars(db.select(Document.id)).all()
        assert 3 <= len(docs) <= during + 1
        assert set(db.session.scalars(db.select(Revision.document_id))) == set(docs)
        assert set(db.session.scalars(db.select(ChangeLog.document_id))) == set(docs)
        assert indexing.verify().is_clean
        # the restored sequences go on after the restored rows: the instance takes new writes
        author = db.session.get(User, author_id)
        assert services.create_document(author, {"title": "After the restore"}).id > max(docs)


def test_an_archive_of_an_older_schema_is_upgraded_after_restore(target, tmp_path):
    old = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}",
        "UPLOAD_DIR": str(tmp_path / "old-uploads"), "KEY_DIR": str(tmp_path / "old-keys"),
    })  # fmt: skip
    with old.app_context():
        upgrade(revision="0002")
        made = old.test_cli_runner().invoke(args=["backup", str(tmp_path / "old.tar.gz")])
        assert made.exit_code == 0, made.output
        db.engine.dispose()
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "old.tar.gz")])
        assert restored.exit_code == 0, restored.output
        assert "upgraded from schema 0002" in restored.output
        assert databases.schema_revision() == databases.head_revision()
        assert db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all() == [
            "backup.restored"
        ]


def test_a_failed_backup_leaves_no_partial_archive(app, make_user, make_document, tmp_path, monkeypatch):
    populate(make_user, make_document, Path(app.config["KEY_DIR"]))
    archive = tmp_path / "hub.tar.gz"
    archive.write_bytes(b"yesterday's backup")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_add_bytes", disk_full)
    made = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert made.exit_code == 1
    assert "No space left on device" in made.output
    assert archive.read_bytes() == b"yesterday's backup"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_backup_inside_the_uploads_is_refused(app, tmp_path):
    made = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "uploads" / "x.tar.gz")])
    assert made.exit_code == 1
    assert "outside" in made.output


def test_the_postgresql_password_travels_in_the_environment_only(app):
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        "postgresql+psycopg://rndd:s%40cret@db.example:5433/hub?sslmode=require"
    )
    uri, env = databases.libpq_target()
    assert uri == "postgresql://rndd@db.example:5433/hub?sslmode=require"
    assert env["PGPASSWORD"] == "s@cret"
