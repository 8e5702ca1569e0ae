"""A listing costs the same number of database queries whatever its length (no query per item)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from content import indexing
from network.extensions import db

PATHS = ["/api/v1/documents?per_page=50", "/documents", "/feeds/latest.atom", "/api/v1/search?q=text"]


def _queries(client, path: str) -> int:
    seen = []

    def count(*_args: object, **_kwargs: object) -> None:
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


def _publish(make_document, n: int) -> None:
    for _ in range(n):
        make_document("ID", "public", "published", shared_with=None, topics=["crisis-response"])
    indexing.drain()


@pytest.mark.parametrize("path", PATHS)
def test_a_longer_listing_costs_no_more_queries(client, make_document, path):
    _publish(make_document, 2)
    _queries(client, path)  # first use: opens the index, loads the topics
    few = _queries(client, path)
    _publish(make_document, 10)
    _queries(client, path)
    assert _queries(client, path) == few


def test_a_search_reads_the_countries_and_topics_only_when_it_filters_by_them(client, make_document):
    _publish(make_document, 2)
    client.get("/api/v1/search?q=text")  # first use: opens the index
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        plain = client.get("/api/v1/search?q=text")
        read_plain = [s for s in statements if "FROM country" in s or "FROM topic" in s]
        filtered = client.get("/api/v1/search?q=text&country=id&topic=crisis-response")
        unknown = client.get("/api/v1/search?q=text&topic=no-such-topic")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert plain.status_code == 200 and plain.get_json()["total"] == 2
    assert read_plain == []
    assert filtered.status_code == 200 and filtered.get_json()["total"] == 2
    assert unknown.status_code == 400 and "no-such-topic" in unknown.get_json()["error"]["message"]
