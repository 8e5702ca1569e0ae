"""Applying changes, the watermark, entries for verify, and rebuilding with an atomic swap."""

from __future__ import annotations

import pickle
import threading
import time

import pytest

from search_index import IndexUnavailable, SearchIndex
from search_index.analyzers import ANALYZERS
from search_index.engine import WRITER_OPTIONS
from search_index.schema import build_schema
from search_index.store import CURRENT, open_index

PUBLIC = {"public"}


def found(ix: SearchIndex, q: str) -> set[int]:
    return {hit.id for hit in ix.search(q, PUBLIC, per_page=100).hits}


def test_a_new_index_is_absent_until_created(tmp_path, make_record):
    ix = SearchIndex(tmp_path / "index")
    assert ix.watermark() == 0  # nothing applied yet
    for read in (ix.entries, lambda: ix.search("anything", PUBLIC)):
        with pytest.raises(IndexUnavailable) as raised:
            read()
        assert raised.value.reason == "absent"
    assert ix.search("anything", set()).total == 0  # no principals: nothing to read, no index needed
    assert not (tmp_path / "index").exists()
    ix.create()
    assert ix.watermark() == 0 and ix.entries() == {}
    assert ix.search("", PUBLIC).total == 0  # the watermark document is never a hit
    ix.close()
    lazily = SearchIndex(tmp_path / "other")
    lazily.apply([(1, make_record(id=1))], 3)  # the first apply creates it
    assert lazily.entries() == {1: [1]} and lazily.watermark() == 3
    lazily.close()


def test_several_changes_for_one_id_are_coalesced_last_wins(index, make_record):
    first = make_record(id=7, version=1, title="alpha draft")
    second = make_record(id=7, version=2, title="bravo final")
    index.apply([(7, first), (7, second)], 2)
    assert index.entries() == {7: [2]}
    assert found(index, "bravo") == {7} and found(index, "alpha") == set()
    index.apply([(7, make_record(id=7, version=3, title="charlie")), (7, None)], 3)
    assert index.entries() == {}


def test_updates_replace_and_deletes_remove(index, make_record):
    index.apply([(1, make_record(id=1, title="alpha")), (2, make_record(id=2, title="alpha"))], 1)
    assert found(index, "alpha") == {1, 2}  # the searcher is now open
    index.apply([(1, make_record(id=1, version=2, title="bravo"))], 2)
    index.apply([(2, None)], 3)
    assert found(index, "alpha") == set()  # stale documents must not stay visible
    assert found(index, "bravo") == {1}
    assert index.entries() == {1: [2]}
    assert index.search("", PUBLIC).total == 1


def test_every_query_form_skips_deleted_documents_of_a_segment(index, make_record):
    # Whoosh filters a segment's deleted documents in a wrapper around its postings; the
    # evaluator reads the postings beneath it and must still never return them.
    body = "The crisis communication protocol worked."
    old = [make_record(id=i, title="alpha", body=body, country="SG", topics=["crisis"]) for i in (1, 2)]
    index.apply([(r.id, r) for r in old], 1)
    index.apply([(1, make_record(id=1, version=2, title="bravo", body="Nothing here."))], 2)
    for query in ('"crisis communication protocol"', "crisis", "protoc*", "protocl~1", "alpha"):
        result = index.search(query, PUBLIC)
        assert [hit.id for hit in result.hits] == [2], query
        assert result.total == 1
        assert result.facets["country"] == [("SG", 1)] and result.facets["topic"] == [("crisis", 1)]
    assert index.search("", PUBLIC, sort="newest").total == 2


def test_changes_from_another_index_object_are_seen(tmp_path, make_record):
    reader, writer = SearchIndex(tmp_path / "ix"), SearchIndex(tmp_path / "ix")
    writer.apply([(1, make_record(id=1, title="alpha"))], 1)
    assert found(reader, "alpha") == {1}
    writer.apply([(1, None), (2, make_record(id=2, title="alpha"))], 2)
    assert found(reader, "alpha") == {2}
    reader.close()
    writer.close()


def test_watermark_is_stored_in_the_index_and_survives_reopening(tmp_path, make_record):
    ix = SearchIndex(tmp_path / "index")
    ix.apply([(1, make_record(id=1))], 42)
    ix.close()
    reopened = SearchIndex(tmp_path / "index")
    assert reopened.watermark() == 42
    reopened.apply([], 43)
    assert reopened.watermark() == 43
    reopened.apply([(2, make_record(id=2))], 10)  # a late, stale drain never moves it back
    assert reopened.watermark() == 43
    assert reopened.entries() == {1: [1], 2: [1]}
    reopened.close()


def test_entries_show_duplicates_as_two_versions(index, make_record):
    index.apply([(5, make_record(id=5, version=1))], 1)
    # Simulate the Whoosh pitfall (two update_document calls for one id in one writer).
    ix = open_index(index.root / (index.root / CURRENT).read_text().strip())
    with ix.writer(**WRITER_OPTIONS) as writer:
        writer.add_document(id="5", version=2, principals="public", title="dup")
    assert index.entries() == {5: [1, 2]}


def test_schema_and_analyzers_pickle_with_stable_paths():
    schema = pickle.loads(pickle.dumps(build_schema()))  # noqa: S301 - our own bytes
    assert "text_th" in schema.names()
    for analyzer in ANALYZERS.values():
        for part in analyzer.items:
            assert type(part).__module__.startswith(("search_index.", "whoosh."))


def test_rebuild_swaps_atomically_while_searches_continue(tmp_path, make_record):
    root = tmp_path / "index"
    old = [make_record(id=i, title=f"common old {i}") for i in range(1, 31)]
    new = [make_record(id=i, title=f"common new {i}", body="fresh " * 50) for i in range(1, 81)]
    builder = SearchIndex(root)
    builder.rebuild(old, 100)
    first_dir = (root / CURRENT).read_text().strip()
    searcher = SearchIndex(root)
    totals: list[int] = []
    errors: list[Exception] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                result = searcher.search("common", PUBLIC)
                totals.append(result.total)
                assert len(result.hits) == min(result.total, 20)
            except Exception as error:  # reported by the main thread below
                errors.append(error)
                return

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        time.sleep(0.05)
        progress: list[int] = []
        builder.rebuild(new, 200, progress=progress.append)
        time.sleep(0.05)
    finally:
        stop.set()
        thread.join(30)
    assert not errors
    assert set(totals) <= {30, 80} and 30 in totals
    assert searcher.search("common", PUBLIC).total == 80
    assert searcher.watermark() == 200
    assert progress[-1] == 80
    assert (root / CURRENT).read_text().strip() != first_dir
    # The directory replaced last is kept for readers elsewhere; the one before it is removed.
    builder.rebuild(new[:10], 300)
    directories = sorted(p.name for p in root.glob("ix-*"))
    assert first_dir not in directories and len(directories) == 2
    assert searcher.search("common", PUBLIC).total == 10
    searcher.close()
    builder.close()


def test_a_failed_rebuild_leaves_the_current_index(tmp_path, make_record):
    ix = SearchIndex(tmp_path / "index")
    ix.apply([(1, make_record(id=1, title="kept"))], 5)

    def broken():  # type: ignore[no-untyped-def]
        yield make_record(id=2)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        ix.rebuild(broken(), 9)
    assert found(ix, "kept") == {1} and ix.watermark() == 5
    assert len(list((tmp_path / "index").glob("ix-*"))) == 1
    ix.close()


def test_counts_stay_right_across_many_commits_and_segment_merges(index, make_record):
    # Whoosh's Searcher.refresh() would re-add merged-away segments; the engine reopens instead.
    for batch in range(12):
        index.apply([(batch, make_record(id=batch, title="steady"))], batch + 1)
        assert index.search("steady", PUBLIC).total == batch + 1
    index.apply([(0, None), (1, None)], 20)
    assert index.search("steady", PUBLIC).total == 10
    assert len(index.entries()) == 10


def test_one_index_object_shared_by_threads_while_another_applies(index, make_record):
    index.apply([(i, make_record(id=i, title=f"shared {i}")) for i in range(1, 21)], 1)
    errors: list[Exception] = []

    def search() -> None:
        try:
            for _ in range(25):
                assert index.search("shared", PUBLIC).total >= 20
        except Exception as error:  # reported by the main thread below
            errors.append(error)

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    for i in range(21, 26):
        index.apply([(i, make_record(id=i, title="shared"))], i)
    for thread in threads:
        thread.join(60)
    assert not errors
    assert index.search("shared", PUBLIC).total == 25
