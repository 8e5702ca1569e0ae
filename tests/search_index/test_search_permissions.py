"""Principals filter hits, totals, facets, snippets and suggestions inside Whoosh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from search_index import SearchIndex

READER_ID = {"public", "network", "country:ID", "user:5"}
READER_TH = {"public", "network", "country:TH"}


@pytest.fixture(scope="session")
def guarded(tmp_path_factory, make_record) -> Iterator[SearchIndex]:
    docs = [
        make_record(
            id=1,
            title="Regional cooperation on digital diplomacy",
            country="ID",
            body="Cooperation between ministries grows every year.",
            year=2021,
        ),
        make_record(
            id=2,
            title="Operation zanzibarian",
            country="TH",
            kind="resource",
            principals={"country:TH"},
            topics=["health-diplomacy"],
            year=2026,
            language="th",
            summary="quillfeather digital diplomacy",
            body="The zanzibarian quillfeather protocol for digital diplomacy.",
        ),
        make_record(
            id=3,
            title="Network newsletter on digital diplomacy",
            principals={"network"},
            country="SG",
            year=2022,
        ),
        make_record(id=4, title="Indonesian digital diplomacy notes", principals={"country:ID"}, year=2023),
        make_record(id=5, title="My draft on digital diplomacy", principals={"user:5"}),
        make_record(id=6, title="Admins only digital diplomacy", principals={"admins:ID"}),
    ]
    ix = SearchIndex(tmp_path_factory.mktemp("guarded") / "index")
    ix.apply([(d.id, d) for d in docs], 6)
    yield ix
    ix.close()


def trace_free(result) -> None:  # type: ignore[no-untyped-def]
    """No hit, snippet, facet value or suggestion reveals document 2."""
    assert 2 not in {hit.id for hit in result.hits}
    for hit in result.hits:
        for html in (hit.snippet_html, hit.title_html):
            assert "zanzibarian" not in html.lower() and "quillfeather" not in html.lower()
    facet_values = {value for values in result.facets.values() for value, _ in values}
    assert not facet_values & {"TH", "th", "resource", "health-diplomacy", "2026"}
    assert "zanzibarian" not in (result.suggestion or "")
    assert "quillfeather" not in (result.suggestion or "")


@pytest.mark.parametrize(
    "query",
    [
        "zanzibarian",
        "zanzibarin",
        "quillfeathers",
        "quilfeather",
        "zanzibar*",
        "zanzibarian~",
        '"quillfeather protocol"',
        "digital diplomacy",
        "",
        "country:TH",
        "year:2026",
        "topic:health-diplomacy",
        "kind:resource",
    ],
)
def test_secret_document_leaves_no_trace(guarded, query):
    result = guarded.search(query, READER_ID)
    trace_free(result)
    if query.startswith(("zanzibar", "quil", '"quill')) or ":" in query:
        assert result.total == 0 and result.hits == []


def test_totals_and_facets_count_readable_documents_only(guarded):
    result = guarded.search("digital diplomacy", READER_ID)
    assert {hit.id for hit in result.hits} == {1, 3, 4, 5}
    assert result.total == 4
    assert sum(count for _, count in result.facets["country"]) == 4
    assert dict(result.facets["kind"]) == {"case_study": 4}


def test_the_secret_is_found_by_those_who_may_read_it(guarded):
    result = guarded.search("zanzibarian", READER_TH)
    assert [hit.id for hit in result.hits] == [2]
    assert "<mark>zanzibarian</mark>" in result.hits[0].snippet_html.lower()
    assert guarded.search("zanzibarin", READER_TH).suggestion == "zanzibarian"


def test_suggestions_come_from_readable_words(guarded):
    result = guarded.search("cooperaton", READER_ID)
    assert result.total == 0
    assert result.suggestion == "cooperation"
    assert guarded.search("ministires cooperation", READER_ID).suggestion == ("ministries cooperation")
    assert guarded.search("cooperation", READER_ID).suggestion is None


@pytest.mark.parametrize("principals", [set(), {"country:XX"}, {""}, {"public "}])
def test_no_matching_principals_sees_nothing(guarded, principals):
    for query in ("", "digital", "zanzibarian"):
        result = guarded.search(query, principals)
        assert result.total == 0 and result.hits == [] and result.suggestion is None
        assert all(values == [] for values in result.facets.values())


def test_each_principal_opens_its_documents(guarded):
    def visible(principals: set[str]) -> set[int]:
        return {h.id for h in guarded.search("", principals, per_page=100).hits}

    assert visible({"public"}) == {1}
    assert visible({"network"}) == {3}
    assert visible({"admins:ID"}) == {6}
    assert visible({"user:5", "country:ID"}) == {4, 5}


def test_filters_cannot_widen_what_principals_allow(guarded):
    result = guarded.search("", READER_ID, filters={"country": "TH"})
    assert result.total == 0
    trace_free(result)
