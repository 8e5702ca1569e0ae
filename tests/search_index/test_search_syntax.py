"""The query syntax of DESIGN 5, filters, sorting, paging, facets and bad input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from search_index import QueryError, SearchIndex, SearchResult, Vocabulary
from search_index.records import SYNTAX_HELP

PUBLIC = {"public"}
# What content/search.py passes: the countries of the database, the kinds of the model.
VOCABULARY = Vocabulary(countries={"ID", "MY", "TH", "SG"}, kinds=("case_study", "course", "resource"))


@pytest.fixture(scope="session")
def small(tmp_path_factory, make_record) -> Iterator[SearchIndex]:
    docs = [
        make_record(
            id=1,
            title="Trade negotiations in Jakarta",
            country="ID",
            year=2019,
            topics=["economic-diplomacy"],
            published_days=1,
        ),
        make_record(
            id=2,
            title="Trade and economy forum",
            country="TH",
            kind="course",
            year=2020,
            topics=["economic-diplomacy", "capacity-building"],
            published_days=2,
        ),
        make_record(
            id=3,
            title="Economy of the digital divide",
            country="SG",
            kind="resource",
            year=2021,
            topics=["digital-divide"],
            published_days=3,
        ),
        make_record(
            id=4,
            title="Crisis response drills",
            country="PH",
            kind="course",
            year=2023,
            topics=["crisis-response"],
            published_days=5,
        ),
        make_record(
            id=5,
            title="Trade crisis in the economy",
            country="MY",
            year=2022,
            summary="A summary about markets.",
            published_days=4,
        ),
    ]
    ix = SearchIndex(tmp_path_factory.mktemp("syntax") / "index")
    ix.apply([(d.id, d) for d in docs], 5)
    yield ix
    ix.close()


def found(ix: SearchIndex, q: str, **kwargs: object) -> set[int]:
    return {hit.id for hit in ix.search(q, PUBLIC, per_page=100, **kwargs).hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("trade economy", {2, 5}),  # all words must match
        ("trade AND economy", {2, 5}),
        ("trade OR crisis", {1, 2, 4, 5}),
        ("trade -crisis", {1, 2}),
        ("trade NOT crisis", {1, 2}),
        ("-trade", {3, 4}),
        ('"digital divide"', {3}),
        ('"divide digital"', set()),
        ("negoti*", {1}),
        ("ecomony~", {2, 3, 5}),
        ("negotiatons~2", {1}),
        ("country:ID", {1}),
        ("country:id", {1}),
        ("kind:course", {2, 4}),
        ("kind:case-study", {1, 5}),
        ("topic:economic-diplomacy", {1, 2}),
        ("language:en", {1, 2, 3, 4, 5}),
        ("year:2020", {2}),
        ("year:[2019 TO 2021]", {1, 2, 3}),
        ("year:[2022 TO *]", {4, 5}),
        ("(trade OR crisis) country:MY", {5}),
        ("trade OR crisis country:PH", {4}),  # OR binds tighter than the implicit AND
        ("economy -(trade crisis)", {2, 3}),
        ("markets", {5}),  # the summary is searched
        ("the economy", {3, 5}),  # a stop word still has to occur
        ("economies", {2, 3, 5}),  # stemming
    ],
)
def test_query_syntax(small, query, expected):
    assert found(small, query) == expected


def test_filters_and_between_fields_or_within(small):
    assert found(small, "", filters={"kind": ["course", "resource"]}) == {2, 3, 4}
    assert found(small, "", filters={"kind": ["course", "resource"], "year": "2023"}) == {4}
    assert found(small, "trade", filters={"country": ["ID", "MY"]}) == {1, 5}
    assert found(small, "", filters={"year": 2019, "topic": []}) == {1}
    assert found(small, "", filters={"year": "[2020 TO 2021]"}) == {2, 3}
    with pytest.raises(QueryError, match="unknown filter"):
        small.search("", PUBLIC, filters={"author": "x"})
    with pytest.raises(QueryError, match="unknown country"):
        small.search("", PUBLIC, filters={"country": "XX"}, vocabulary=VOCABULARY)


def test_field_values_come_from_the_callers_vocabulary(small):
    # A country the caller knows is valid at once; its list is read only when one is named.
    asked: list[int] = []

    def countries() -> set[str]:
        asked.append(1)
        return {"ID", "TL"}

    vocabulary = Vocabulary(countries=countries, kinds=("case_study", "report"))
    assert small.search("trade", PUBLIC, vocabulary=vocabulary).total == 3 and not asked
    assert small.search("country:tl", PUBLIC, vocabulary=vocabulary).total == 0
    assert small.search("kind:report", PUBLIC, vocabulary=vocabulary).total == 0
    with pytest.raises(QueryError, match='unknown kind "course": use one of case_study, report'):
        small.search("kind:course", PUBLIC, vocabulary=vocabulary)
    with pytest.raises(QueryError, match='unknown country code "MY": use one of ID TL'):
        small.search("trade", PUBLIC, filters={"country": "my"}, vocabulary=vocabulary)
    # Without a vocabulary any code of the right shape is accepted, and nothing else.
    assert found(small, "country:my") == {5}
    with pytest.raises(QueryError, match="unknown country code"):
        small.search("country:M1", PUBLIC)


def test_empty_query_lists_everything_newest_first(small):
    result = small.search("", PUBLIC)
    assert result.total == 5
    assert [hit.id for hit in result.hits] == [4, 5, 3, 2, 1]


def test_sort_newest(small):
    assert [h.id for h in small.search("trade", PUBLIC, sort="newest").hits] == [5, 2, 1]
    relevance = small.search("trade", PUBLIC)
    assert all(hit.score > 0 for hit in relevance.hits)


def test_facets_count_matches_sorted_by_count_then_value(small):
    facets = small.search("trade OR economy", PUBLIC).facets
    assert set(facets) == {"kind", "country", "topic", "language", "year"}
    assert facets["kind"] == [("case_study", 2), ("course", 1), ("resource", 1)]
    assert facets["topic"] == [
        ("economic-diplomacy", 2),
        ("capacity-building", 1),
        ("digital-divide", 1),
    ]
    assert facets["country"] == [("ID", 1), ("MY", 1), ("SG", 1), ("TH", 1)]
    assert facets["language"] == [("en", 4)]
    assert facets["year"] == [("2019", 1), ("2020", 1), ("2021", 1), ("2022", 1)]


def test_paging(small):
    first = small.search("", PUBLIC, per_page=2, page=1)
    second = small.search("", PUBLIC, per_page=2, page=2)
    third = small.search("", PUBLIC, per_page=2, page=3)
    assert (first.total, second.total, third.total) == (5, 5, 5)
    seen = [h.id for h in first.hits + second.hits + third.hits]
    assert sorted(seen) == [1, 2, 3, 4, 5]
    beyond = small.search("", PUBLIC, per_page=2, page=9)
    assert beyond.hits == [] and beyond.total == 5 and beyond.page == 9


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page": 0},
        {"page": -1},
        {"per_page": 0},
        {"per_page": 101},
        {"sort": "oldest"},
        {"page": "2"},
    ],
)
def test_bad_paging_is_a_query_error(small, kwargs):
    with pytest.raises(QueryError) as error:
        small.search("trade", PUBLIC, **kwargs)
    assert isinstance(error.value, ValueError)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("author:x", "country, kind, topic, language, year"),
        ("country:XX", "unknown country code"),
        ("kind:blog", "unknown kind"),
        ("language:xx", "unknown language"),
        ("topic:Not/A/Slug", "topic slug"),
        ("year:abc", "not a year"),
        ("year:[2021 TO 2019]", "must not be after"),
        ("year:[2019 TO", "[ is not closed"),
        ("country:", "needs a value"),
        ('"unclosed phrase', "quotation mark"),
        ("(trade", "( is not closed"),
        ("trade)", ") has no matching ("),
        ("*", "alone is not a query"),
        ("~", "alone is not a query"),
        ("t*", "at least 2"),
        ("tr*de", "may only end a word"),
        ("trade OR", "OR needs a word"),
        ("OR trade", "OR needs a word"),
        ("trade NOT", "NOT and - need"),
        ("x" * 5000, "the limit is 500"),
        ("(" * 20 + "trade" + ")" * 20, "nested"),
        ("!!! ???", "no words that can be searched"),
        (" ".join(["word"] * 40), "more than 32 terms"),
    ],
)
def test_bad_queries_raise_a_helpful_query_error(small, query, says):
    with pytest.raises(QueryError) as error:
        small.search(query, PUBLIC, vocabulary=VOCABULARY)
    message = str(error.value)
    assert says in message
    assert SYNTAX_HELP in message


@pytest.mark.parametrize(
    "query",
    [
        "\x00trade\x07",
        "trade\u200b",
        "   ",
        "-",
        "AND",
        "trade -",
        "e-diplomacy",
        "10:30",
        "C++ & <script>",
        "trade~1",
        "\ud7ff\uffff",
        "𝔱𝔯𝔞𝔡𝔢 😀",
        "' OR 1=1 --",
        "%00 %s %n {0}",
    ],
)
def test_odd_input_gives_a_result_or_a_query_error(small, query):
    try:
        result = small.search(query, PUBLIC)
    except QueryError:
        return
    assert isinstance(result, SearchResult)


def test_control_characters_are_stripped(small):
    assert found(small, "\x00trade\x1f") == found(small, "trade")
