"""The migrations build the models' schema from an empty database, and go back down."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from network.extensions import db

pytestmark = pytest.mark.both_databases


def test_upgrade_from_empty_matches_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_to_base_and_up_again(app):
    db.session.remove()
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"document", "change_log", "revision", "user", "country", "api_token"} <= tables
