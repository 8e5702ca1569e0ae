"""The audit log's hash chain: entries link up, and tampering behind the app's back is found."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from network import audit
from network.extensions import db

pytestmark = pytest.mark.both_databases


def _entries(app, make_user, count: int = 4) -> list[int]:
    actor = make_user("ID", "country_admin")
    ids = [audit.record(actor, "test.action", object_type="user", object_id=n, n=n).id for n in range(count)]
    db.session.commit()
    return ids


def _tamper(sql: str, **params) -> None:
    """Change the table as an intruder with database access would: around the app's trigger."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        if postgres:
            conn.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        conn.execute(text(sql), params)
        if postgres:
            conn.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))


def test_an_untouched_chain_holds(app, make_user, runner):
    _entries(app, make_user)
    assert audit.verify().is_intact
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "4 entries" in result.output


def test_an_update_behind_the_apps_back_is_named(app, make_user, runner):
    ids = _entries(app, make_user)
    _tamper("UPDATE audit_entry SET actor_email = 'someone@else.example' WHERE id = :id", id=ids[2])
    report = audit.verify()
    assert report.bad_id == ids[2]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert f"Audit entry {ids[2]} was changed" in result.output


def test_a_delete_behind_the_apps_back_is_named(app, make_user, runner):
    ids = _entries(app, make_user)
    _tamper("DELETE FROM audit_entry WHERE id = :id", id=ids[1])
    report = audit.verify()
    assert report.bad_id == ids[2]
    assert "removed" in report.problem
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_postgresql_refuses_update_and_delete(app, make_user, backend):
    if backend != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    ids = _entries(app, make_user, 1)
    for sql in (
        "UPDATE audit_entry SET action = 'x' WHERE id = :id",
        "DELETE FROM audit_entry WHERE id = :id",
    ):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql), {"id": ids[0]})
