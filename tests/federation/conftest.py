"""Two or three real nodes per test, each with its own database, index, uploads and key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from nodes import Node

from content.seed import seed_topics
from network import create_app
from network.extensions import db
from network.seed import seed_countries


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated and seeded SQLite file per worker, copied for every node."""
    path = tmp_path_factory.mktemp("federation-template") / "template.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        seed_countries()
        seed_topics()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def make_node(tmp_path: Path, template_db: Path) -> Iterator[Callable[..., Node]]:
    made: list[Node] = []

    def make(name: str, countries: list[str]) -> Node:
        node = Node(name, tmp_path / name, template_db, countries)
        made.append(node)
        return node

    yield make
    for node in made:
        node.close()
