"""Odd input is a clear 4xx: ids past the column's range, NUL and lone surrogates, and query
names that `url_for` would take as its own. Each of these answered 500 (or an absolute link
built from the Host header) before; PostgreSQL is where most of them showed."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import BigInteger, Integer

from content.models import Document
from network.api import MAX_ID, id_from
from network.extensions import db

pytestmark = pytest.mark.both_databases

NUL_MESSAGE = "NUL character or an unpaired surrogate"


def _documents() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(Document))


def test_max_id_is_the_range_of_every_integer_key_column():
    """ids are INTEGER (32-bit on PostgreSQL): a model moving to BIGINT must move MAX_ID too."""
    keys = [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if (column.primary_key or column.foreign_keys) and isinstance(column.type, Integer)
    ]
    assert keys, "no integer keys found"
    assert not [f"{c.table.name}.{c.name}" for c in keys if isinstance(c.type, BigInteger)]
    assert MAX_ID == 2**31 - 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (12, 12), (str(MAX_ID), MAX_ID), (MAX_ID + 1, None), (str(MAX_ID + 1), None), ("0", None),
     (-3, None), (True, None), (1.0, None), ("²", None), ("9" * 5000, None), ("1e3", None), (None, None)],
)  # fmt: skip
def test_id_from(raw, expected):
    assert id_from(raw) == expected


@pytest.mark.parametrize(
    "path",
    [f"/documents/{2**31}", f"/api/v1/documents/{2**31}", f"/api/v1/documents/{2**63}",
     f"/api/v1/lessons/{2**40}", f"/attachments/{2**31}", f"/documents/1/revisions/{2**31}",
     f"/api/v1/attachments/{2**64}"],
)  # fmt: skip
def test_path_ids_past_the_column_range_are_not_found(backend, client, make_user, login, path):
    login(make_user("ID", "country_admin"))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/countries/I%00D", "/topics/crisis%00", "/documents?country=I%00D", "/api/v1/documents?topic=a%00",
     "/search?q=trade%00", "/api/v1/search?q=%00", "/documents/1%00"],
)  # fmt: skip
def test_a_nul_in_the_path_or_query_is_a_400(backend, client, path):
    answer = client.get(path, headers={"Accept": "application/json"})
    assert answer.status_code in (400, 404), path  # /documents/1%00 matches no rule: 404
    if answer.status_code == 400:
        assert answer.get_json()["error"]["code"] == "bad_request"
        assert NUL_MESSAGE in answer.get_json()["error"]["message"]


def test_a_nul_in_a_form_field_is_a_400_and_nothing_is_saved(backend, client, make_user, login):
    login(make_user("ID", "country_admin"))
    form = {"title": "Half\x00title", "kind": "case_study", "language": "id", "save": "Save"}
    answer = client.post("/documents/new", data=form)
    assert answer.status_code == 400 and NUL_MESSAGE in answer.get_data(as_text=True)
    assert _documents() == 0


@pytest.mark.parametrize(
    "body",
    ['{"title": "a\\u0000b"}', '{"title": "ok", "tags": ["x\\u0000"]}', '{"title\\u0000": "ok"}',
     '{"title": "\\ud800"}', '{"title": "ok", "summary": "tail \\udfff"}'],
)  # fmt: skip
def test_nul_and_lone_surrogates_in_json_are_a_400(backend, client, make_user, login, body):
    login(make_user("ID", "country_admin"))
    answer = client.post("/api/v1/documents", data=body, content_type="application/json")
    assert answer.status_code == 400, answer.get_json()
    assert NUL_MESSAGE in answer.get_json()["error"]["message"]
    assert _documents() == 0


def test_a_surrogate_pair_is_a_real_character_and_welcome(backend, client, make_user, login):
    login(make_user("ID", "country_admin"))
    body = json.dumps({"title": "Emoji \U0001f30f"})  # sent as the escaped pair \ud83c\udf0f
    assert "\\ud83c\\udf0f" in body
    answer = client.post("/api/v1/documents", data=body, content_type="application/json")
    assert answer.status_code == 201 and answer.get_json()["title"] == "Emoji \U0001f30f"


# ------------------------------------------------------------------------------------------
# Names url_for takes as its own
# ------------------------------------------------------------------------------------------

URL_FOR_NAMES = "_external=1&_scheme=https&_anchor=x&_method=POST&endpoint=auth.login"


def _links(page: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', page)


# A request for another Host is a 400 now (tests/network/test_base_url.py); a forwarded host
# without RNDD_PROXY_HOPS is ignored, and links must not take it from anywhere either.
FORWARDED_ELSEWHERE = {"X-Forwarded-Host": "evil.example"}


def test_query_names_of_url_for_neither_fail_nor_make_links_absolute(backend, client, make_document):
    for n in range(22):
        make_document("ID", "public", "published", title=f"Paper {n}", topics=["crisis-response"])
    evil = FORWARDED_ELSEWHERE
    for path in ("/documents", "/countries/ID", "/topics/crisis-response"):
        answer = client.get(f"{path}?page=1&{URL_FOR_NAMES}", headers=evil)
        assert answer.status_code == 200, path
        links = _links(answer.get_data(as_text=True))
        pager = [link for link in links if "page=2" in link]
        assert pager and all(link.startswith(path + "?") and "endpoint" not in link for link in pager), path
        assert not [link for link in links if "evil.example" in link], path
    api = client.get(f"/api/v1/documents?per_page=5&{URL_FOR_NAMES}", headers=evil)
    assert api.status_code == 200
    assert "endpoint" not in api.headers["Link"] and "_scheme" not in api.headers["Link"]


def test_a_query_name_of_the_path_cannot_point_links_elsewhere(backend, client, make_document):
    for n in range(22):
        make_document("ID", "public", "published", title=f"Paper {n}")
    page = client.get("/countries/ID?code=TH").get_data(as_text=True)
    pager = [link for link in _links(page) if "page=2" in link]
    assert pager and all(link.startswith("/countries/ID?") and "TH" not in link for link in pager)


def test_search_facet_and_page_links_stay_relative(backend, client, make_document):
    from content import indexing

    for n in range(22):
        make_document("ID", "public", "published", title=f"Trade paper {n}", language="en")
    indexing.drain()
    answer = client.get(f"/search?q=trade&{URL_FOR_NAMES}", headers=FORWARDED_ELSEWHERE)
    assert answer.status_code == 200
    links = _links(answer.get_data(as_text=True))
    assert not [link for link in links if "evil.example" in link]
    search = [link for link in links if link.startswith("/search?")]
    assert any("country=ID" in link for link in search) and any("page=2" in link for link in search)
    assert not [link for link in search if "endpoint" in link or "_external" in link]
