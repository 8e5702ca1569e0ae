"""An empty second instance to restore into, and a snapshot of what a restore must bring back."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from content.attachments import blob_path
from content.models import Attachment, Document, Revision
from network import create_app
from network.audit import AuditEntry
from network.extensions import db
from network.models import ApiToken, User


def empty_postgres_database(url: str, suffix: str = "restore") -> str:
    """`<name>_<suffix>` next to the worker's database, dropped and made again: empty."""
    base = make_url(url)
    name = f"{base.database}_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def empty_instance(backend: str, database_url: str, folder: Path) -> Flask:
    """An instance with an empty database and no uploads or keys (not even tables)."""
    if backend == "postgresql":
        url = empty_postgres_database(database_url)
    else:
        url = f"sqlite:///{folder / 'restored.sqlite3'}"
    return create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False, "SERVER_NAME": "hub.test", "BASE_URL": "http://hub.test",
        "INDEX_DIR": str(folder / "index"), "UPLOAD_DIR": str(folder / "uploads"),
        "KEY_DIR": str(folder / "keys"), "INDEX_BATCH_SECONDS": 0,
    })  # fmt: skip


def close(app: Flask) -> None:
    with app.app_context():
        index = app.extensions.get("rndd_search_index")
        if index is not None:
            index.close()
        db.session.remove()
        db.engine.dispose()


def snapshot() -> dict[str, Any]:
    """What the database and the upload folder hold, in comparable plain values."""

    def rows(model: Any, *columns: str) -> list[tuple]:
        query = db.select(*(getattr(model, name) for name in columns)).order_by(getattr(model, columns[0]))
        return [tuple(row) for row in db.session.execute(query)]

    attachments = rows(Attachment, "id", "document_id", "sha256", "size", "filename")
    snap = {
        "documents": rows(Document, "id", "title", "body_markdown", "status", "visibility", "version"),
        "revisions": rows(Revision, "id", "document_id", "number", "title", "body_markdown"),
        "attachments": attachments,
        "bytes": {
            sha: hashlib.sha256(blob_path(sha).read_bytes()).hexdigest() for _, _, sha, *_ in attachments
        },
        "users": rows(User, "id", "email", "password_hash", "role", "country_code"),
        "tokens": rows(ApiToken, "id", "user_id", "token_hash", "scope"),
        "audit": rows(AuditEntry, "id", "action", "hash"),
    }
    db.session.rollback()
    return snap


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
