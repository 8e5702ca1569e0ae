"""`search_index.internals` against public Whoosh: each private read gives what the public, slower
API gives, and the rebuild's worker processes fail loudly and stop when told."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

import pytest
from whoosh.formats import Positions
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from search_index import SearchIndex, engine, internals, store
from search_index.schema import FACET_FIELDS

PUBLIC = {"public"}


@pytest.fixture(scope="module")
def segmented(tmp_path_factory: pytest.TempPathFactory, make_record) -> Iterator[SearchIndex]:  # type: ignore[no-untyped-def]
    """Several segments, one with a deleted document, in two languages."""
    ix = SearchIndex(tmp_path_factory.mktemp("internals") / "index")
    for batch in range(3):
        ix.apply(
            [
                (n, make_record(id=n, title=f"crisis portal {n}", body="consular crisis " * (n % 4 + 1),
                                language="en" if n % 2 else "id", year=2015 + n, published_days=n))
                for n in range(batch * 5 + 1, batch * 5 + 6)
            ],
            batch + 1,
        )  # fmt: skip
    ix.apply([(3, None)], 4)
    yield ix
    ix.close()


def _leaves(ix: SearchIndex):  # type: ignore[no-untyped-def]
    searcher = internals.open_searcher(store.current(ix.root), BM25F())
    return searcher, [leaf for leaf, _offset in searcher.reader().leaf_readers()]


def test_posting_blocks_and_positions_are_what_the_public_matcher_reads(segmented):
    searcher, leaves = _leaves(segmented)
    with searcher:
        compared = 0
        for leaf in leaves:
            for fieldname, text in (("text_en", "crisi"), ("text_id", "portal"), ("principals", "public")):
                if (fieldname, text) not in leaf:
                    continue
                read = {}
                blocks = internals.posting_blocks(leaf.postings(fieldname, text), values=True)
                for ids, weights, values in blocks:
                    read.update(zip(ids, zip(weights, values or [None] * len(ids), strict=True), strict=True))
                matcher = leaf.postings(fieldname, text)  # skips deleted documents
                while matcher.is_active():
                    weight, value = read.pop(matcher.id())
                    assert weight == matcher.weight()
                    if isinstance(leaf.schema[fieldname].format, Positions):
                        assert internals.positions(value) == set(matcher.value_as("positions"))
                    matcher.next()
                    compared += 1
                assert all(leaf.is_deleted(docnum) for docnum in read)  # only deleted ones left
        assert compared > 20


def test_length_and_sort_columns_are_what_the_public_readers_give(segmented):
    searcher, leaves = _leaves(segmented)
    with searcher:
        for leaf in leaves:
            for fieldname in ("text_en", "lead_id", "words"):
                lengths = internals.length_bytes(leaf, fieldname)
                for docnum in range(leaf.doc_count_all()):
                    length = byte_to_length(lengths[docnum]) if lengths[docnum] else 0
                    assert length == (leaf.doc_field_length(docnum, fieldname, 0) or 0)  # None for 0
            for name in ("published", "updated", "version"):
                values = internals.column_values(leaf, name)
                if leaf.has_column(name):
                    public = leaf.column_reader(name, translate=False)
                    assert values == [public[docnum] for docnum in range(leaf.doc_count_all())]
                else:
                    assert values == [0] * leaf.doc_count_all()


def test_a_pinned_searcher_reads_what_whoosh_reads(segmented):
    searcher, leaves = _leaves(segmented)
    plain = store.open_index(store.current(segmented.root)).searcher()
    with searcher, plain:
        assert [type(leaf._perdoc) for leaf in leaves] == [internals.PinnedColumns] * len(leaves)
        for docnum in range(searcher.doc_count_all()):
            assert searcher.stored_fields(docnum) == plain.stored_fields(docnum)
        for name in FACET_FIELDS:
            if searcher.schema[name].column_type:
                pinned_column = searcher.reader().column_reader(name)
                plain_column = plain.reader().column_reader(name)
                assert list(pinned_column) == list(plain_column)


@pytest.fixture
def english(make_record):  # type: ignore[no-untyped-def]
    def english(n: int, **fields):  # type: ignore[no-untyped-def]
        return make_record(**{"id": n, "title": f"Note {n}", "body": "regional cooperation " * 20, **fields})

    return english


@pytest.fixture
def two_workers(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(engine, "REBUILD_PROCS", 2)
    yield
    for child in multiprocessing.active_children():  # what a broken writer would leave
        child.kill()


@pytest.mark.usefixtures("two_workers")
def test_a_rebuild_in_worker_processes_indexes_every_document(tmp_path, english):
    with SearchIndex(tmp_path / "index") as ix:
        ix.rebuild((english(n) for n in range(1, 351)), 7)
        assert not multiprocessing.active_children()
        assert len(ix.entries()) == 350 and ix.search("cooperation", PUBLIC).total == 350
        assert ix.watermark() == 7


@pytest.mark.usefixtures("two_workers")
def test_a_worker_that_fails_fails_the_rebuild(tmp_path, english):
    # Whoosh's MpWriter dropped a failed worker's segment: the rebuild "succeeded" without it.
    ix = SearchIndex(tmp_path / "index")
    ix.apply([(1, english(1, title="kept"))], 5)
    records = [english(n) for n in range(2, 352)]
    records[4].year = "not a year"  # indexed by the first worker, which fails on it
    with pytest.raises(RuntimeError, match="index worker"):
        ix.rebuild(records, 9)
    assert not multiprocessing.active_children()
    assert ix.watermark() == 5 and [hit.id for hit in ix.search("kept", PUBLIC).hits] == [1]
    assert len(list((tmp_path / "index").glob("ix-*"))) == 1
    ix.close()


@pytest.mark.usefixtures("two_workers")
def test_a_rebuild_that_fails_midway_stops_its_workers(tmp_path, english):
    def records() -> Iterator:
        for n in range(1, 401):
            yield english(n)
        raise RuntimeError("database went away")

    with SearchIndex(tmp_path / "index") as ix:
        with pytest.raises(RuntimeError, match="database went away"):
            ix.rebuild(records(), 9)
        assert not multiprocessing.active_children()


@pytest.mark.usefixtures("two_workers")
def test_a_small_rebuild_starts_no_process(tmp_path, monkeypatch, english):
    started = []
    monkeypatch.setattr(internals._SegmentTask, "start", lambda task: started.append(task))
    with SearchIndex(tmp_path / "index") as ix:
        ix.rebuild((english(n) for n in range(1, 51)), 1)
        assert started == [] and len(ix.entries()) == 50
