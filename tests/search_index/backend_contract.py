"""What every search backend must do (search_index/backend.py, docs/search-backends.md).

`BackendContract` holds the tests; a backend's own module subclasses it as `Test...` and
provides two fixtures (`backend` is the database's, tests/conftest.py):

    index_backend  a backend on a fresh, empty location (no index yet)
    reopen         a callable giving another backend on that same location, as another
                   worker process or host would open it

Everything goes through the protocol's operations, so the same tests judge Whoosh in a
directory or an engine across the network.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator

import pytest

from search_index import (
    FACET_FIELDS,
    IndexRecord,
    IndexReplaced,
    IndexUnavailable,
    QueryError,
    RebuildRunning,
    SearchBackend,
    Vocabulary,
)
from tests.search_index.conftest import record

PUBLIC, THAI, AUTHOR = "public", "country:TH", "user:7"
OPERATIONS = ("create", "is_rebuilding", "watermark", "entries", "apply", "rebuild", "search", "close")


def corpus() -> list[IndexRecord]:
    """Three audiences, two countries, two kinds: enough to tell a leak from a filter."""
    return [
        record(id=1, title="Public diplomacy", body="Diplomacy on social media.", country="SG",
               principals={PUBLIC}, published_days=1),
        record(id=2, title="Submarine treaty", body="Submarine negotiations with diplomacy.", country="TH",
               kind="lesson", principals={THAI}, published_days=2),
        record(id=3, title="Draft diplomacy notes", body="Consular diplomacy drafts.", country="ID",
               principals={AUTHOR, "admins:ID"}, published_days=3),
        record(id=4, title="Regional diplomacy", body="Diplomacy across the region.", country="TH",
               principals={PUBLIC, THAI}, published_days=4),
    ]  # fmt: skip


def ids(index_backend: SearchBackend, q: str, principals: set[str], **options) -> list[int]:
    return [hit.id for hit in index_backend.search(q, principals, **options).hits]


class BackendContract:
    """Subclass as `Test<Name>Backend` with `index_backend` and `reopen` fixtures."""

    @pytest.fixture
    def filled(self, index_backend: SearchBackend) -> SearchBackend:
        index_backend.apply([(r.id, r) for r in corpus()], 10)
        return index_backend

    # -- the shape -----------------------------------------------------------------------------

    @pytest.mark.parametrize("name", OPERATIONS)
    def test_operations_have_the_protocols_signature(self, index_backend, name):
        expected = inspect.signature(getattr(SearchBackend, name))
        actual = inspect.signature(getattr(type(index_backend), name))
        shape = [(p.name, p.kind, p.default) for p in expected.parameters.values()]
        assert [(p.name, p.kind, p.default) for p in actual.parameters.values()] == shape

    # -- reading what was applied ---------------------------------------------------------------

    def test_a_fresh_location_has_watermark_zero_and_no_index(self, index_backend):
        assert index_backend.watermark() == 0
        with pytest.raises(IndexUnavailable) as raised:
            index_backend.search("diplomacy", {PUBLIC})
        assert raised.value.reason == "absent"

    def test_create_publishes_an_empty_index(self, index_backend):
        index_backend.create()
        assert (index_backend.watermark(), index_backend.entries()) == (0, {})
        assert index_backend.search("", {PUBLIC}).total == 0

    def test_a_document_is_found_only_with_one_of_its_principals(self, filled):
        assert ids(filled, "diplomacy", {PUBLIC}, sort="newest") == [4, 1]
        assert ids(filled, "diplomacy", {THAI}, sort="newest") == [4, 2]
        assert ids(filled, "diplomacy", {AUTHOR}) == [3]
        assert ids(filled, "diplomacy", {"country:VN"}) == []
        assert sorted(ids(filled, "diplomacy", {PUBLIC, THAI, AUTHOR})) == [1, 2, 3, 4]

    def test_no_principals_finds_nothing_at_all(self, filled):
        for principals in (set(), {""}):
            result = filled.search("", principals)
            assert (result.total, result.hits, result.suggestion) == (0, [], None)
            assert all(result.facets[name] == [] for name in FACET_FIELDS)

    def test_an_empty_query_lists_the_readable_newest_first(self, filled):
        result = filled.search("", {PUBLIC, AUTHOR})
        assert [hit.id for hit in result.hits] == [4, 3, 1]
        assert result.total == 3

    def test_totals_facets_and_suggestions_come_from_readable_documents_only(self, filled):
        public = filled.search("", {PUBLIC})
        assert dict(public.facets["country"]) == {"SG": 1, "TH": 1}
        assert dict(public.facets["kind"]) == {"case_study": 2}
        assert set(public.facets) == set(FACET_FIELDS)
        assert filled.search("submarine", {PUBLIC}).total == 0
        assert filled.search("submarinne", {PUBLIC}).suggestion is None
        assert filled.search("submarinne", {THAI}).suggestion == "submarine"

    def test_filters_and_between_fields_or_within_one(self, filled):
        everyone = {PUBLIC, THAI, AUTHOR}
        assert sorted(ids(filled, "", everyone, filters={"country": ["SG", "ID"]})) == [1, 3]
        assert ids(filled, "", everyone, filters={"country": "TH", "kind": ["lesson"]}) == [2]
        assert ids(filled, "", {PUBLIC}, filters={"kind": "lesson"}) == []

    def test_filter_values_are_checked_against_the_callers_vocabulary(self, filled):
        vocabulary = Vocabulary(countries=["SG", "TH", "ID"], kinds=["case_study", "lesson"])
        assert ids(filled, "", {PUBLIC}, filters={"country": "SG"}, vocabulary=vocabulary) == [1]
        for filters in ({"country": "VN"}, {"kind": "memo"}, {"colour": "red"}):
            with pytest.raises(QueryError):
                filled.search("", {PUBLIC}, filters=filters, vocabulary=vocabulary)
        with pytest.raises(QueryError):
            filled.search("country:VN", {PUBLIC}, vocabulary=vocabulary)

    @pytest.mark.parametrize(
        "options",
        [
            {"page": 0}, {"page": "2"}, {"per_page": 0}, {"per_page": 101},
            {"sort": "oldest"}, {"language": "xx"},
        ],  # fmt: skip
    )
    def test_unusable_paging_raises_query_error(self, filled, options):
        with pytest.raises(QueryError):
            filled.search("diplomacy", {PUBLIC}, **options)

    @pytest.mark.parametrize("q", ['"unclosed', "(diplomacy", "title:diplomacy"])
    def test_an_unparsable_query_raises_query_error(self, filled, q):
        with pytest.raises(QueryError):
            filled.search(q, {PUBLIC})

    def test_pages_split_the_readable_matches(self, filled):
        everyone = {PUBLIC, THAI, AUTHOR}
        first = filled.search("", everyone, page=1, per_page=3)
        second = filled.search("", everyone, page=2, per_page=3)
        assert (first.total, second.total, second.page, second.per_page) == (4, 4, 2, 3)
        assert [h.id for h in first.hits] + [h.id for h in second.hits] == [4, 3, 2, 1]
        assert filled.search("", everyone, page=3, per_page=3).hits == []

    def test_only_ids_narrows_to_those_documents_still_by_principals(self, filled):
        assert ids(filled, "diplomacy", {PUBLIC}, only_ids={1, 2}) == [1]
        assert ids(filled, "diplomacy", {PUBLIC}, only_ids={2, 3}) == []
        assert ids(filled, "diplomacy", {PUBLIC}, only_ids=set()) == []

    # -- applying changes ----------------------------------------------------------------------

    def test_entries_list_each_id_with_its_version(self, filled):
        filled.apply([(2, record(id=2, version=5, title="Submarine", principals={THAI}))], 11, since=10)
        assert filled.entries() == {1: [1], 2: [5], 3: [1], 4: [1]}

    def test_none_deletes_from_search_and_entries(self, filled):
        filled.apply([(1, None), (99, None)], 11, since=10)
        assert 1 not in filled.entries()
        assert ids(filled, "", {PUBLIC}) == [4]

    def test_a_newer_version_replaces_and_an_older_one_is_skipped(self, filled):
        newer = record(id=1, version=3, title="Trade talks", principals={PUBLIC})
        filled.apply([(1, newer)], 11, since=10)
        assert ids(filled, "trade", {PUBLIC}) == [1]
        assert ids(filled, "social", {PUBLIC}) == []
        filled.apply([(1, record(id=1, version=2, title="Stale words", principals={PUBLIC}))], 12, since=11)
        assert filled.entries()[1] == [3]
        assert ids(filled, "stale", {PUBLIC}) == []
        assert filled.watermark() == 12  # the skipped record still moves the watermark

    def test_a_narrowed_audience_takes_effect(self, filled):
        narrowed = record(id=1, version=2, title="Public diplomacy", principals={THAI})
        filled.apply([(1, narrowed)], 11, since=10)
        assert ids(filled, "diplomacy", {PUBLIC}) == [4]
        assert 1 in ids(filled, "diplomacy", {THAI})

    def test_changes_of_one_id_in_a_batch_coalesce_the_last_winning(self, index_backend):
        first, second = record(id=5, version=1, title="First"), record(id=5, version=2, title="Second")
        index_backend.apply([(5, first), (5, second), (6, record(id=6)), (6, None)], 2)
        assert index_backend.entries() == {5: [2]}
        assert ids(index_backend, "second", {PUBLIC}) == [5]

    def test_ids_changed_since_the_batch_are_left_alone(self, filled):
        asked: list[set[int]] = []

        def changed_since(wanted):
            asked.append(set(wanted))
            return {1}

        changes = [(1, None), (4, record(id=4, version=2, title="Regional", principals={PUBLIC}))]
        filled.apply(changes, 11, since=10, changed_since=changed_since)
        assert asked == [{1, 4}]
        assert filled.entries()[1] == [1]  # left for the drain that reads its newer change
        assert filled.entries()[4] == [2]

    def test_the_watermark_never_goes_backwards(self, filled):
        assert filled.watermark() == 10
        filled.apply([(7, record(id=7))], 8)
        assert filled.watermark() == 10
        assert 7 in filled.entries()

    def test_a_batch_read_from_a_watermark_the_index_no_longer_holds_is_refused(self, filled):
        before = filled.entries()
        with pytest.raises(IndexReplaced):
            filled.apply([(1, None), (8, record(id=8))], 20, since=11)
        assert (filled.watermark(), filled.entries()) == (10, before)

    def test_the_first_apply_creates_the_index(self, index_backend):
        index_backend.apply([(1, record(id=1, title="Alone"))], 4)
        assert (index_backend.watermark(), index_backend.entries()) == (4, {1: [1]})

    def test_create_replaces_the_index_so_a_pending_batch_is_refused(self, filled):
        filled.create()
        assert (filled.watermark(), filled.entries()) == (0, {})
        with pytest.raises(IndexReplaced):
            filled.apply([(1, None)], 11, since=10)

    # -- rebuilding ----------------------------------------------------------------------------

    def test_rebuild_replaces_everything_and_sets_the_watermark(self, filled):
        counts: list[int] = []
        fresh = [record(id=20, title="Fresh one"), record(id=21, version=4, title="Fresh two")]
        filled.rebuild(fresh, 42, counts.append)
        assert (filled.watermark(), filled.entries()) == (42, {20: [1], 21: [4]})
        assert sorted(ids(filled, "fresh", {PUBLIC})) == [20, 21]
        assert counts[-1] == 2

    def test_a_failed_rebuild_leaves_the_old_index_in_place(self, filled):
        def broken() -> Iterator[IndexRecord]:
            yield record(id=30)
            raise RuntimeError("the database went away")

        with pytest.raises(RuntimeError):
            filled.rebuild(broken(), 99)
        assert (filled.watermark(), sorted(filled.entries())) == (10, [1, 2, 3, 4])
        assert not filled.is_rebuilding()

    def test_searches_see_the_old_index_until_the_swap_and_one_rebuild_runs_at_a_time(self, filled, reopen):
        reading, release = threading.Event(), threading.Event()

        def slow() -> Iterator[IndexRecord]:
            yield record(id=40, title="Rebuilt")
            reading.set()
            release.wait(30)

        errors: list[BaseException] = []
        worker = threading.Thread(target=_run, args=(errors, filled.rebuild, slow(), 50))
        worker.start()
        try:
            assert reading.wait(30)
            other = reopen()
            assert other.is_rebuilding()
            assert ids(other, "rebuilt", {PUBLIC}) == []
            assert other.watermark() == 10
            read: list[int] = []
            with pytest.raises(RebuildRunning):
                other.rebuild(_counting(read), 60, wait=False)
            assert read == []  # refused before reading any record
        finally:
            release.set()
            worker.join(60)
        assert errors == []
        assert not filled.is_rebuilding()
        assert ids(other, "rebuilt", {PUBLIC}) == [40]
        assert other.watermark() == 50
        other.close()

    # -- sharing and closing -------------------------------------------------------------------

    def test_another_backend_on_the_same_location_shares_the_index(self, filled, reopen):
        other = reopen()
        assert other.watermark() == 10
        other.apply([(1, None)], 11, since=10)
        assert filled.watermark() == 11
        assert ids(filled, "", {PUBLIC}) == [4]
        other.close()

    def test_a_closed_backend_reopens_what_it_needs(self, filled):
        filled.close()
        assert ids(filled, "social", {PUBLIC}) == [1]
        filled.close()
        filled.close()  # closing twice is harmless


def _run(errors: list[BaseException], function: Callable[..., object], *args: object) -> None:
    try:
        function(*args)
    except BaseException as error:  # reported by the test thread
        errors.append(error)


def _counting(read: list[int]) -> Iterator[IndexRecord]:
    read.append(1)
    yield record(id=60)
