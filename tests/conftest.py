"""Shared fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
a fresh instance folder per test, factories for users and documents, and a login helper."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import PASSWORD

import network.models
from content import services
from content.models import Document
from content.seed import seed_topics
from network import create_app
from network.extensions import db
from network.models import User
from network.seed import seed_countries

PG_URL = os.environ.get("TEST_DATABASE_URL")

# Argon2 at its production cost makes every login a quarter second; tests need speed only.
network.models._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `both_databases` run on SQLite and on PostgreSQL; the rest on SQLite."""
    if "backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_databases") is not None
        metafunc.parametrize("backend", ["sqlite", "postgresql"] if both else ["sqlite"],
                             scope="session")  # fmt: skip


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_url() -> str:
    """A database of this xdist worker's own, next to the one TEST_DATABASE_URL names."""
    base = make_url(PG_URL)
    name = f"{base.database}_rndd_{_worker()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One schema per worker and backend, built by the real migrations, once."""
    if backend == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://localhost/test)")
        url = _postgres_url()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield url


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "KEY_DIR": str(tmp_path / "keys"),
        "SERVER_NAME": "hub.test",  # the test client's host
        "BASE_URL": "http://hub.test",
        "INDEX_BATCH_SECONDS": 0,  # drain as the request's last act: a write is searchable at once
    })  # fmt: skip

    def _one_request_one_identity() -> None:
        """The fixture holds one app context that requests reuse; in production each request
        has its own `g`, so forget the previous request's user and token here (first of all hooks)."""
        for key in ("_login_user", "api_token", "documents_changed", "_flask_babel"):
            g.pop(key, None)

    app.before_request_funcs.setdefault(None, []).insert(0, _one_request_one_identity)

    with app.app_context():
        _empty_tables()
        seed_countries()
        seed_topics()
        db.session.commit()
        yield app
        index = app.extensions.get("rndd_search_index")
        if index is not None:
            index.close()  # its searcher holds the index's files open
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    def make(country: str = "ID", role: str = "reader", **fields: Any) -> User:
        n = next(_counter)
        user = User(
            email=fields.pop("email", f"user{n}.{country.lower()}@example.org"),
            name=fields.pop("name", f"{role.title()} {n} of {country}"),
            country_code=country, role=role, **fields,
        )  # fmt: skip
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_document(app, make_user):
    """A document in any state, made through the real services (so revisions and log rows exist)."""
    admins: dict[str, User] = {}

    def make(
        country: str = "ID", visibility: str = "public", status: str = "published",
        author: User | None = None, shared_with: list[str] | None = None, **fields: Any,
    ) -> Document:  # fmt: skip
        if country not in admins:
            admins[country] = make_user(country, "country_admin")
        admin = admins[country]
        author = author or make_user(country, "contributor")
        data = {"title": f"Document {next(_counter)}", "body_markdown": "Some **text**.", **fields}
        doc = services.create_document(author, data)
        if status in ("review", "published", "withdrawn"):
            services.submit_for_review(author, doc.id)
        if status in ("published", "withdrawn"):
            services.publish(admin, doc.id, visibility, shared_with or [])
        elif visibility != doc.visibility or shared_with:
            services.update_document(
                admin,
                doc.id,
                doc.version,
                {"visibility": visibility, "shared_with": shared_with or []},
            )
        if status == "withdrawn":
            services.unpublish(admin, doc.id)
        return db.session.get(Document, doc.id)

    return make


@pytest.fixture
def login(client):
    def sign_in(user: User, password: str = PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return sign_in
