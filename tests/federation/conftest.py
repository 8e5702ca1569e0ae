"""Two or three real nodes per test, each with its own database, index, uploads and key.

Nodes use SQLite files copied from one migrated template; tests marked `both_databases` run a
second time with each node on a PostgreSQL database of its own when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from backup_support import empty_postgres_database
from flask_migrate import upgrade
from nodes import Node

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


@pytest.fixture
def make_node(backend: str, tmp_path: Path, template_db: Path, request) -> Iterator[Callable[..., Node]]:
    """A node per call; with the PostgreSQL backend each on a fresh, migrated database of its own
    next to the worker's (`database_url` skips when TEST_DATABASE_URL is not set)."""
    worker_url = request.getfixturevalue("database_url") if backend == "postgresql" else None
    made: list[Node] = []

    def make(name: str, countries: list[str]) -> Node:
        url = None
        if worker_url is not None:
            url = empty_postgres_database(worker_url, f"fed_{name}")
            _prepare(url)
        node = Node(name, tmp_path / name, template_db, countries, database_url=url)
        made.append(node)
        return node

    yield make
    for node in made:
        node.close()
