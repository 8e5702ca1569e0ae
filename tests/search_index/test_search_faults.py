"""What the engine does when another process commits under a reader, when an I/O error passes,
and when the index is damaged: reads stay consistent, nothing is rebuilt or emptied by itself,
and damage is named (IndexUnavailable) instead of failing somewhere later."""

from __future__ import annotations

import errno
import gc
import os
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, Schema

from search_index import IndexReplaced, IndexUnavailable, RebuildRunning, SearchIndex, engine, store
from search_index.schema import ANALYSIS_VERSION, build_schema

PUBLIC = {"public"}


def _segments(ix: SearchIndex, make_record, count: int = 3) -> None:
    """`count` documents, one commit each: several segments."""
    for i in range(1, count + 1):
        ix.apply([(i, make_record(id=i, title=f"steady {i}", published_days=i))], i)


def _current(root: Path) -> Path:
    return root / (root / store.CURRENT).read_text().strip()


def _optimize(directory: Path) -> set[str]:
    """Another process's commit that merges every segment into one; the files it removed."""
    before = set(os.listdir(directory))
    writer = whoosh_index.open_dir(str(directory)).writer(**engine.WRITER_OPTIONS)
    writer.commit(optimize=True)
    return before - set(os.listdir(directory))


def test_a_search_reads_what_it_opened_while_another_commit_removes_it(tmp_path, make_record, monkeypatch):
    # The cause of the rare 500 while documents were written: Whoosh opens a segment's column
    # files (stored fields, sort keys, lengths) on first use; a commit in another process that
    # merged the segment away had deleted them by then (stored fields: TypeError).
    root = tmp_path / "index"
    writer = SearchIndex(root)
    _segments(writer, make_record)
    reader = SearchIndex(root)
    real = engine.run_search
    removed: set[str] = set()

    def commit_meanwhile(get_cache, *args, **kwargs):  # type: ignore[no-untyped-def]
        cache = get_cache()  # this search's searcher, opened before the commit
        removed.update(_optimize(reader._directory))
        return real(lambda: cache, *args, **kwargs)

    monkeypatch.setattr(engine, "run_search", commit_meanwhile)
    result = reader.search("steady", PUBLIC, sort="newest")
    assert any(name.endswith("._stored.col") for name in removed)
    assert [hit.id for hit in result.hits] == [3, 2, 1]
    assert all("steady" in hit.title_html for hit in result.hits)
    assert result.total == 3 and result.facets["country"] == [("ID", 3)]
    monkeypatch.undo()
    assert [hit.id for hit in reader.search("steady", PUBLIC, sort="newest").hits] == [3, 2, 1]
    reader.close()
    writer.close()


def test_a_generation_removed_while_it_is_opened_is_opened_again(tmp_path, make_record, monkeypatch):
    root = tmp_path / "index"
    writer = SearchIndex(root)
    _segments(writer, make_record)
    real, calls = whoosh_index.TOC.read, []

    def commit_first(cls, storage, indexname, gen=None, schema=None):  # type: ignore[no-untyped-def]
        calls.append(gen)
        if len(calls) == 1:  # between finding the newest table of contents and reading it
            _optimize(_current(root))
        return real(storage, indexname, gen, schema)

    monkeypatch.setattr(whoosh_index.TOC, "read", classmethod(commit_first))
    reader = SearchIndex(root)
    assert reader.search("steady", PUBLIC).total == 3
    assert len(calls) > 1
    reader.close()
    writer.close()


def test_a_passing_io_error_never_replaces_the_index_with_an_empty_one(tmp_path, make_record, monkeypatch):
    root = tmp_path / "index"
    with SearchIndex(root) as ix:
        ix.apply([(1, make_record(id=1, title="kept"))], 5)
    failures = [OSError(errno.EIO, "Input/output error"), OSError(errno.EMFILE, "Too many open files")]
    read_text = Path.read_text

    def flaky(self: Path, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        if self.name == store.CURRENT and failures:
            raise failures.pop(0)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", flaky)
    ix = SearchIndex(root)
    with pytest.raises(OSError):
        ix.apply([(2, make_record(id=2))], 6)
    with pytest.raises(OSError):
        ix.search("kept", PUBLIC)
    assert ix.entries() == {1: [1]} and ix.watermark() == 5
    assert [hit.id for hit in ix.search("kept", PUBLIC).hits] == [1]
    ix.close()


def _damage(root: Path, how: str) -> None:
    directory = _current(root)
    files = sorted(os.listdir(directory))
    if how == "no CURRENT":
        (root / store.CURRENT).unlink()
    elif how == "garbage CURRENT":
        (root / store.CURRENT).write_text("../../etc\n")
    elif how == "dangling CURRENT":
        (root / store.CURRENT).write_text("ix-1-00000000\n")
    elif how == "no table of contents":
        for name in files:
            if name.endswith(".toc"):
                (directory / name).unlink()
    elif how == "garbage table of contents":
        toc = next(name for name in files if name.endswith(".toc"))
        (directory / toc).write_bytes(b"garbage" * 20)
    elif how == "a terms file gone":
        (directory / next(name for name in files if name.endswith(".trm"))).unlink()
    elif how == "stored fields gone":
        (directory / next(name for name in files if name.endswith("._stored.col"))).unlink()


# Whoosh leaves open a table of contents it cannot parse, and the segments it opened before
# one it could not: a ResourceWarning when they are collected.
_LEAKS_FILES = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
DAMAGES = [
    "no CURRENT", "garbage CURRENT", "dangling CURRENT", "no table of contents",
    pytest.param("garbage table of contents", marks=_LEAKS_FILES),
    pytest.param("a terms file gone", marks=_LEAKS_FILES), "stored fields gone",
]  # fmt: skip


@pytest.mark.parametrize("how", DAMAGES)
def test_damage_is_named_and_nothing_is_written_over_it(tmp_path, make_record, how):
    root = tmp_path / "index"
    with SearchIndex(root) as ix:
        _segments(ix, make_record)
    _damage(root, how)
    directories = sorted(p.name for p in root.glob("ix-*"))
    ix = SearchIndex(root)
    for use in (
        lambda: ix.search("steady", PUBLIC),
        ix.entries,
        ix.watermark,
        lambda: ix.apply([(9, make_record(id=9))], 9),
    ):
        with pytest.raises(IndexUnavailable) as raised:
            use()
        assert raised.value.reason == "corrupt", raised.value
    del raised
    gc.collect()  # what Whoosh left open is reported here, not in a later test
    assert sorted(p.name for p in root.glob("ix-*")) == directories  # no new, empty index
    ix.rebuild([make_record(id=1, title="steady again")], 20)  # what cures it
    assert [hit.id for hit in ix.search("steady", PUBLIC).hits] == [1] and ix.watermark() == 20
    ix.close()


def test_an_index_of_another_layout_is_outdated_for_readers_and_writers(tmp_path, make_record):
    root = tmp_path / "index"
    old = store.new_directory(root)
    store.create_index(old, Schema(id=ID(stored=True), text_folded=ID())).close()
    store.publish(root, old)
    ix = SearchIndex(root)
    for use in (lambda: ix.search("x", PUBLIC), ix.watermark, lambda: ix.apply([(1, make_record(id=1))], 1)):
        with pytest.raises(IndexUnavailable) as raised:
            use()
        assert raised.value.reason == "outdated"
    ix.close()


def test_one_rebuild_at_a_time(tmp_path, make_record):
    root = tmp_path / "index"
    ix = SearchIndex(root)
    ix.apply([(1, make_record(id=1, title="before"))], 1)
    assert not ix.is_rebuilding()
    with store.locked(root, store.REBUILD_LOCK):  # as another process's rebuild would
        assert ix.is_rebuilding()
        records_read = []

        def records():  # type: ignore[no-untyped-def]
            records_read.append(1)
            yield make_record(id=2)

        with pytest.raises(RebuildRunning):
            ix.rebuild(records(), 2, wait=False)
        assert not records_read
    assert not ix.is_rebuilding()
    assert [hit.id for hit in ix.search("before", PUBLIC).hits] == [1]
    ix.close()


def test_a_batch_read_before_the_index_was_replaced_is_refused(tmp_path, make_record):
    ix = SearchIndex(tmp_path / "index")
    ix.apply([(1, make_record(id=1))], 40)
    ix.rebuild([make_record(id=1)], 10)  # a rebuild from a snapshot at sequence 10
    with pytest.raises(IndexReplaced):
        ix.apply([(2, make_record(id=2))], 50, since=40)  # read from the old index's 40
    assert ix.entries() == {1: [1]} and ix.watermark() == 10
    ix.apply([(2, make_record(id=2))], 50, since=10)
    assert ix.entries() == {1: [1], 2: [1]} and ix.watermark() == 50
    ix.close()


def test_documents_changed_after_the_batch_are_left_to_a_later_drain(tmp_path, make_record):
    ix = SearchIndex(tmp_path / "index")
    ix.apply([(1, make_record(id=1, title="alpha")), (2, make_record(id=2, title="alpha"))], 10)
    asked = []

    def changed_since(ids):  # type: ignore[no-untyped-def]
        asked.append(sorted(ids))
        return {2}  # 2 was deleted at sequence 12, after this batch's 11

    ix.apply(
        [(1, make_record(id=1, version=2, title="bravo")), (2, make_record(id=2, version=2, title="bravo"))],
        11,
        since=10,
        changed_since=changed_since,
    )
    assert asked == [[1, 2]]
    assert ix.entries() == {1: [2], 2: [1]} and ix.watermark() == 11
    ix.apply([(2, None)], 12, since=11, changed_since=lambda ids: set())
    assert ix.entries() == {1: [2]}
    ix.close()


QUERIES = [
    ("crisis", {}), ('"consular crisis"', {}), ("cris*", {}), ("crsis~", {}), ("crisis -portal", {}),
    ("portal OR diplomasi", {}), ("", {"country": ["ID"], "year": ["2016"]}), ("negotiatons", {}),
    ("外交", {}), ("การทูต", {}), ("crisis", {"topic": ["crisis-response"], "kind": "case_study"}),
]  # fmt: skip


def test_an_open_searcher_never_opens_another_file(tmp_path, make_record, monkeypatch):
    # What makes the commit race above impossible, whatever a search reads: stored fields,
    # lengths, sort keys, postings, the words for suggestions.
    from whoosh.filedb.filestore import FileStorage

    ix = SearchIndex(tmp_path / "index")
    languages = ["en", "id", "zh", "th", "fil"]
    for n in range(1, 11):
        body = {"zh": "中国外交部", "th": "นักการทูต"}.get(languages[n % 5], "consular crisis portal diplomasi")
        record = make_record(
            id=n, language=languages[n % 5], body=body, topics=["crisis-response"], year=2015 + n
        )
        ix.apply([(n, record)], n)
    ix.apply([(4, None)], 11)
    assert ix.search("crisis", PUBLIC).total  # opened
    opened: list[str] = []
    open_file = FileStorage.open_file
    monkeypatch.setattr(
        FileStorage, "open_file", lambda self, name, **kw: opened.append(name) or open_file(self, name, **kw)
    )
    for q, filters in QUERIES:
        for sort in ("relevance", "newest"):
            for page in (1, 2):
                ix.search(q, PUBLIC, filters=filters, sort=sort, page=page, per_page=3)
    assert ix.watermark() == 11 and len(ix.entries()) == 9
    assert opened == []
    ix.close()


def test_an_index_built_with_the_previous_analysis_is_outdated_until_rebuilt(tmp_path, make_record):
    """Same fields, older analyzers (Hindi in the folded fields, no Zawgyi conversion): searched
    with today's query analysis it would silently miss words, so it is reported, then rebuilt."""
    root = tmp_path / "index"
    previous = build_schema()
    previous.remove(f"analysis_v{ANALYSIS_VERSION}")
    old = store.new_directory(root)
    store.create_index(old, previous).close()
    store.publish(root, old)
    ix = SearchIndex(root)
    with pytest.raises(IndexUnavailable) as raised:
        ix.search("x", PUBLIC)
    assert raised.value.reason == "outdated"
    ix.rebuild([make_record(id=1, language="hi", body="डिजिटल कूटनीति।")], 2)
    assert [hit.id for hit in ix.search("कूटनीति", PUBLIC).hits] == [1]
    ix.close()
