"""Two or three real nodes per test, each with its own database, index, uploads and key.

Nodes use SQLite files copied from one migrated template; tests marked `both_databases` run a
second time with each node on a PostgreSQL database of its own when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from nodes import Node
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from content.seed import seed_topics
from network import create_app
from network.extensions import db
from network.seed import seed_countries


def _prepare(url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        seed_countries()
        seed_topics()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated and seeded SQLite file per worker, copied for every node."""
    path = tmp_path_factory.mktemp("federation-template") / "template.sqlite3"
    _prepare(f"sqlite:///{path}")
    return path


def _postgres_database(name: str) -> str:
    """A fresh, migrated database `<base>_fed_<worker>_<name>` next to TEST_DATABASE_URL's."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    database = f"{base.database}_fed_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{name}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    url = base.set(database=database, drivername="postgresql+psycopg").render_as_string(hide_password=False)
    _prepare(url)
    return url


@pytest.fixture
def make_node(backend: str, tmp_path: Path, template_db: Path) -> Iterator[Callable[..., Node]]:
    if backend == "postgresql" and not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://localhost/test)")
    made: list[Node] = []

    def make(name: str, countries: list[str]) -> Node:
        url = _postgres_database(name) if backend == "postgresql" else None
        node = Node(name, tmp_path / name, template_db, countries, database_url=url)
        made.append(node)
        return node

    yield make
    for node in made:
        node.close()
