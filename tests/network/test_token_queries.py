"""Authenticating an API call by its token costs one database query (the user and country with it)."""

from __future__ import annotations

from sqlalchemy import event

from network.extensions import db
from network.models import ApiToken


def test_a_token_request_reads_token_user_and_country_in_one_query(client, make_user):
    user = make_user("ID", "reader")
    token, clear = ApiToken.issue(user, scope="read")
    db.session.add(token)
    db.session.commit()
    headers = {"Authorization": f"Bearer {clear}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # records last use (a write)
    db.session.expunge_all()  # as in a new request of a worker: nothing loaded yet
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        me = client.get("/api/v1/me", headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert me.status_code == 200 and me.get_json()["country"] == "ID"
    assert len(statements) == 1, statements
