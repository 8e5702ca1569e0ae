"""What backup and restore need to know of the database under the app: its engine, where it
lives, which schema revision it holds, and how to hand it to PostgreSQL's own tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from network.extensions import db

# What `rndd init` seeds, and the migrations' own bookkeeping (Alembic's version, the notification
# follower's starting cursor): rows there do not make an instance used.
REFERENCE_TABLES = frozenset(
    {"alembic_version", "country", "topic", "glossary_concept", "glossary_form", "follower_cursor"}
)


class DatabaseToolError(RuntimeError):
    """pg_dump or pg_restore is missing or failed; the message says which and why."""


def dialect() -> str:
    return db.engine.dialect.name


def sqlite_file() -> Path:
    """The SQLite database file, as the engine resolved it (relative paths are in the instance)."""
    return Path(db.engine.url.database or "")


def libpq_target() -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq URI without the password, and an environment carrying it.

    The password goes in PGPASSWORD, never on a command line where `ps` would show it.
    """
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    without_password = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    )
    uri = without_password.render_as_string(hide_password=False)
    return uri, env


def run_pg_tool(tool: str, *args: str) -> None:
    """Run pg_dump or pg_restore against this app's database, never prompting for a password.

    Raises:
        DatabaseToolError: the tool is not installed or exited non-zero (its stderr is kept).
    """
    executable = shutil.which(tool)
    if executable is None:
        raise DatabaseToolError(f"{tool} is not installed (PostgreSQL's client tools are needed).")
    uri, env = libpq_target()
    done = subprocess.run(  # noqa: S603 - fixed executable, no shell, arguments are ours
        [executable, "--no-password", *args, f"--dbname={uri}"], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise DatabaseToolError(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def schema_revision() -> str | None:
    """The Alembic revision the database is at, or None when it has no schema yet."""
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.rollback()  # hold no snapshot or lock while the backup runs
    return revision


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def head_revision() -> str | None:
    return _scripts().get_current_head()


def known_revisions() -> set[str]:
    """Every revision this code's migrations hold: one outside it was made by a newer version."""
    return {script.revision for script in _scripts().walk_revisions()}


def has_table(name: str) -> bool:
    return inspect(db.engine).has_table(name)


def tables_with_rows() -> list[str]:
    """Tables holding rows beyond the reference data, in name order (empty for a new instance)."""
    quote = db.engine.dialect.identifier_preparer.quote
    used = []
    for name in sorted(inspect(db.engine).get_table_names()):
        if name in REFERENCE_TABLES:
            continue
        if db.session.execute(text(f"SELECT 1 FROM {quote(name)} LIMIT 1")).first():  # noqa: S608
            used.append(name)
    db.session.rollback()
    return used


def release_connections() -> None:
    """Close the session and the pool, so a restore neither waits on nor reuses old connections."""
    db.session.remove()
    db.engine.dispose()
