"""`search_index.codec` against public Whoosh: the array postings, positions, lengths and sort
keys read what Whoosh's own readers read, through segments with deletions, merges and a writer
killed mid-commit; and the rebuild's worker processes fail loudly and stop when told."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from search_index import SearchIndex, codec, engine, store
from search_index.codec import SearcherArrays
from search_index.codec.parallel import _SegmentTask
from search_index.schema import META_ID

PUBLIC = {"public"}
TERMS = (("text_en", "crisi"), ("text_id", "portal"), ("lead_en", "portal"), ("principals", "public"))


def _segmented(root: Path, make_record) -> SearchIndex:  # type: ignore[no-untyped-def]
    """Several segments, one with a deleted document, in two languages."""
    ix = SearchIndex(root)
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
    return ix


@pytest.fixture(scope="module")
def segmented(tmp_path_factory: pytest.TempPathFactory, make_record) -> Iterator[SearchIndex]:  # type: ignore[no-untyped-def]
    ix = _segmented(tmp_path_factory.mktemp("codec") / "index", make_record)
    yield ix
    ix.close()


def _searcher(ix: SearchIndex):  # type: ignore[no-untyped-def]
    return codec.open_searcher(store.current(ix.root), BM25F())


def _public_postings(searcher, fieldname: str, text: str) -> dict[int, tuple[float, list[int] | None]]:  # type: ignore[no-untyped-def]
    """{global document number: (weight, positions)} through Whoosh's public matcher."""
    found = {}
    has_positions = searcher.schema[fieldname].format.supports("positions")
    for leaf, offset in searcher.reader().leaf_readers():
        if (fieldname, text) not in leaf:
            continue
        matcher = leaf.postings(fieldname, text)  # skips deleted documents
        while matcher.is_active():
            positions = matcher.value_as("positions") if has_positions else None
            found[matcher.id() + offset] = (matcher.weight(), positions)
            matcher.next()
    return found


def _array_postings(
    arrays: SearcherArrays, fieldname: str, text: str
) -> dict[int, tuple[float, list[int] | None]]:
    term = arrays.postings(fieldname, text)
    live = arrays.live[term.docs]
    owners, positions = arrays.positions(term, np.arange(len(term.docs)))
    has_positions = arrays.searcher.schema[fieldname].format.supports("positions")
    return {
        int(doc): (float(weight), sorted(positions[owners == doc].tolist()) if has_positions else None)
        for doc, weight in zip(term.docs[live], term.weights[live], strict=True)
    }


def _assert_as_whoosh_reads(ix: SearchIndex) -> int:
    """Every array read equals the public one; returns how many postings were compared."""
    compared = 0
    with _searcher(ix) as searcher:
        arrays = SearcherArrays(searcher)
        for fieldname, text in TERMS:
            public = _public_postings(searcher, fieldname, text)
            assert _array_postings(arrays, fieldname, text) == public
            compared += len(public)
        assert np.flatnonzero(arrays.live).tolist() == list(searcher.reader().all_doc_ids())
        for fieldname in ("text_en", "lead_id", "words"):
            lengths = arrays.lengths(fieldname)
            for docnum in searcher.reader().all_doc_ids():
                length = byte_to_length(lengths[docnum]) if lengths[docnum] else 0
                assert length == (searcher.reader().doc_field_length(docnum, fieldname, 0) or 0)
        for name in ("published", "updated"):  # the watermark document has none
            keys = arrays.sort_key(name)
            for leaf, offset in searcher.reader().leaf_readers():
                public = leaf.column_reader(name, translate=False) if leaf.has_column(name) else None
                for docnum in range(leaf.doc_count_all()):
                    if leaf.stored_fields(docnum)["id"] != META_ID:
                        assert keys[offset + docnum] == public[docnum]
    return compared


def test_array_postings_read_what_whoosh_reads_through_deletions(segmented):
    with _searcher(segmented) as searcher:
        assert len(list(searcher.reader().leaf_readers())) > 1
        assert searcher.doc_count() < searcher.doc_count_all()  # a deleted document
    assert _assert_as_whoosh_reads(segmented) > 20


def test_a_rebuild_writes_what_whoosh_reads(tmp_path, make_record):
    records = [
        make_record(id=n, title=f"crisis portal {n}", body="consular crisis " * (n % 4 + 1),
                    language="en" if n % 2 else "id", year=2015 + n, published_days=n)
        for n in range(1, 16)
    ]  # fmt: skip
    with SearchIndex(tmp_path / "index") as ix:
        ix.rebuild(records, 4)  # postings grouped by term (codec.pool), not Whoosh's pool
        assert _assert_as_whoosh_reads(ix) > 20


@pytest.mark.parametrize("pooled", [False, True], ids=["whoosh pool", "term pool"])
def test_a_merge_keeps_every_posting(tmp_path, make_record, pooled):
    ix = _segmented(tmp_path / "index", make_record)
    before = ix.search("crisis", PUBLIC)
    directory = store.current(ix.root)
    index = codec.open_index(directory)
    options = engine.WRITER_OPTIONS
    writer = codec.pooled_writer(index, **options) if pooled else index.writer(**options)
    writer.commit(optimize=True)  # Whoosh merges the segments through the codec's readers
    with _searcher(ix) as searcher:
        assert len(list(searcher.reader().leaf_readers())) == 1
    assert _assert_as_whoosh_reads(ix) > 20
    after = ix.search("crisis", PUBLIC)
    # the same documents; scores move a little, the deleted document no longer counting in idf
    assert (
        sorted(h.id for h in after.hits) == sorted(h.id for h in before.hits) and after.total == before.total
    )
    assert ix.search('"crisis portal"', PUBLIC).total == before.total
    ix.close()


def test_a_searcher_reads_its_files_after_another_commit_deleted_them(tmp_path, make_record):
    ix = _segmented(tmp_path / "index", make_record)
    searcher = _searcher(ix)
    arrays = SearcherArrays(searcher)
    writer = codec.open_index(store.current(ix.root)).writer(**engine.WRITER_OPTIONS)
    writer.commit(optimize=True)  # deletes the files of the merged segments
    with searcher:
        docs = arrays.postings("text_en", "crisi").docs
        assert len(docs) > 3 and arrays.lengths("text_en")[docs].all()
        assert searcher.stored_fields(int(docs[0]))["title"].startswith("crisis portal")
    ix.close()


_KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys
    from whoosh.codec import whoosh3
    from search_index import SearchIndex
    sys.path.insert(0, sys.argv[2])
    from conftest import record
    close = whoosh3.W3PerDocWriter.close
    def close_then_die(self):
        close(self)  # the segment's columns are written, its postings and table of contents not
        os.kill(os.getpid(), signal.SIGKILL)
    whoosh3.W3PerDocWriter.close = close_then_die
    ix = SearchIndex(sys.argv[1])
    ix.apply([(n, record(id=n, title=f"lost {n}")) for n in range(100, 120)], 9)
""")


def test_a_writer_killed_mid_commit_leaves_the_index_as_it_was(tmp_path, make_record):
    ix = _segmented(tmp_path / "index", make_record)
    before = sorted(ix.entries())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    conftest_dir = str(Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, str(ix.root), conftest_dir], env=env, timeout=120
    )
    assert done.returncode == -signal.SIGKILL
    ix.close()
    ix = SearchIndex(tmp_path / "index")
    assert sorted(ix.entries()) == before and ix.watermark() == 4
    assert ix.search("lost", PUBLIC).total == 0
    ix.apply([(200, make_record(id=200, title="found after the crash"))], 10)  # the lock died with it
    assert ix.search("found", PUBLIC).total == 1 and ix.watermark() == 10
    assert _assert_as_whoosh_reads(ix) > 20
    ix.close()


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
    monkeypatch.setattr(_SegmentTask, "start", lambda task: started.append(task))
    with SearchIndex(tmp_path / "index") as ix:
        ix.rebuild((english(n) for n in range(1, 51)), 1)
        assert started == [] and len(ix.entries()) == 50
