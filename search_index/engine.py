"""SearchIndex: apply changes, rebuild, and permission-aware search over one index directory.

One searcher is kept open and replaced when the index changed (opening one per request is six
times slower, MEASUREMENTS); it holds every file it reads open from the start (`codec`), so
another process's commit can never take a file from under a search. Whoosh searchers share file
handles, so searches in one process are serialised by a lock; web workers are processes, so
this costs a threaded dev server only. Writers are plain `ix.writer(timeout=10, delay=0.01)`:
BufferedWriter is slower and AsyncWriter lost updates under load. Segments are never written as
compound files: Whoosh 2.7 opens each part of a compound segment by copying it into memory (a
700 MB index cost each worker 1.1 GB before its first search), while the parts of a plain
segment are read where they lie.

An index that is absent, corrupt or of another field layout raises IndexUnavailable; this
package never decides to rebuild by itself. An I/O error is raised as it is: it may pass, and
deciding from it that a healthy index is missing would replace the index with an empty one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from whoosh.reading import IndexReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from search_index import codec, store
from search_index.backend import ChangedSince
from search_index.codec import ArrayCodec
from search_index.docsets import SearcherCache
from search_index.glossary import Glossary
from search_index.hits import MarkCache
from search_index.parse import ANY, Vocabulary
from search_index.records import IndexRecord, IndexReplaced, IndexUnavailable, RebuildRunning, SearchResult
from search_index.schema import META_ID, build_schema, document_fields, meta_fields
from search_index.search import run_search

WRITER_TIMEOUT = 10.0
WRITER_DELAY = 0.01
# A rebuild analyses in REBUILD_PROCS processes, each writing its own segment (no final merge,
# which is single-threaded): 342 documents/s at 10,000 on 2 cores, against 138 with one
# process. REBUILD_LIMITMB is each process's buffer (MEASUREMENTS: 512 beats the default 128).
REBUILD_PROCS = min(os.cpu_count() or 1, 4)
REBUILD_LIMITMB = 512
# Postings, positions and columns as arrays (see codec.format).
WRITER_OPTIONS = {"compound": False, "codec": ArrayCodec()}
PROGRESS_EVERY = 100

_SCHEMA_NAMES = frozenset(build_schema().names())


class SearchIndex:
    """A Whoosh index in `path`, created lazily; see `store` for the directory layout."""

    def __init__(self, path: str | Path) -> None:
        self.root = Path(path)
        self._lock = threading.RLock()
        self._searcher: Searcher | None = None
        self._directory: Path | None = None
        self._cache: SearcherCache | None = None
        self._marks = MarkCache()  # marked hits by stored text: they outlive searchers

    # -- state ---------------------------------------------------------------------------------

    def create(self) -> None:
        """Start an empty index (replacing any current one, as a rebuild with no records)."""
        self.rebuild([], 0)

    def is_rebuilding(self) -> bool:
        """Whether a rebuild of this index runs now, in this process or another."""
        return store.is_locked(self.root, store.REBUILD_LOCK)

    def watermark(self) -> int:
        """The last change-log sequence applied, as stored in the index; 0 when there is no
        index yet (the first `apply` creates it). Raises IndexUnavailable when it is corrupt
        or of another field layout."""
        with self._lock:
            try:
                searcher = self._current_searcher()
            except IndexUnavailable as error:
                if error.reason == "absent":
                    return 0
                raise
            stored = searcher.document(id=META_ID)
            return int(stored["watermark"]) if stored else 0

    def entries(self) -> dict[int, list[int]]:
        """Document id -> versions present; a duplicated document shows two versions.

        Raises IndexUnavailable when there is no usable index.
        """
        found: dict[int, list[int]] = {}
        with self._lock:
            searcher = self._current_searcher()
            # From the id lexicon and the version column: reading stored fields would load
            # every body.
            reader = searcher.reader()
            versions = reader.column_reader("version")
            for term in reader.lexicon("id"):
                doc_id = term.decode("utf-8")
                if doc_id == META_ID:
                    continue
                for docnum in reader.postings("id", term).all_ids():
                    if not reader.is_deleted(docnum):
                        found.setdefault(int(doc_id), []).append(int(versions[docnum]))
        return {doc_id: sorted(versions) for doc_id, versions in found.items()}

    # -- writing -------------------------------------------------------------------------------

    def apply(
        self,
        changes: Sequence[tuple[int, IndexRecord | None]],
        watermark: int,
        *,
        since: int = 0,
        changed_since: ChangedSince | None = None,
    ) -> None:
        """Apply change-log entries (None deletes) and store `watermark`, in one commit.

        `since` is the watermark the changes were read from, `changed_since(ids)` names those
        of `ids` that have change-log rows after `watermark`; it is asked while this writer
        holds the index's lock, so no other drainer applies a change between the answer and
        this commit. Such a document is left alone: its record may be older than that change (a slower drainer
        that read it before a deletion would otherwise put the deleted document back), and
        the drain that reads that change writes it. The stored watermark never goes
        backwards, and a record older than the version already indexed is skipped.

        Several changes for one id are coalesced, the last winning: two update_document calls
        for one id inside one writer would leave two documents (MEASUREMENTS). There being no
        index yet, an empty one is created first. Raises IndexReplaced when the stored
        watermark is below `since` (the index was rebuilt or created meanwhile: nothing is
        written), IndexUnavailable when the index is corrupt or of another layout, and
        whoosh's LockError if another writer holds the lock for longer than WRITER_TIMEOUT.
        """
        latest: dict[int, IndexRecord | None] = {}
        for doc_id, record in changes:
            latest.pop(doc_id, None)
            latest[doc_id] = record
        writer = self._writer()
        try:
            previous, indexed = self._indexed(writer, [d for d, r in latest.items() if r is not None])
            if previous < since:
                raise IndexReplaced(f"the index holds changes up to {previous}, the batch starts at {since}")
            newer = set(changed_since(list(latest))) if changed_since and latest else set()
            for doc_id, record in latest.items():
                if doc_id in newer or (record is not None and record.version < indexed[doc_id]):
                    continue
                writer.delete_by_term("id", str(doc_id))
                if record is not None:
                    writer.add_document(**document_fields(record))
            writer.delete_by_term("id", META_ID)
            writer.add_document(**meta_fields(max(previous, watermark)))
            writer.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            raise

    def rebuild(
        self,
        records: Iterable[IndexRecord],
        watermark: int,
        progress: Callable[[int], None] | None = None,
        *,
        wait: bool = True,
    ) -> None:
        """Build a complete new index beside the current one, then swap it in atomically.

        `watermark` must be the change-log sequence as of the snapshot `records` come from;
        changes applied to the old index meanwhile are re-applied by the next drain. One
        rebuild runs at a time: this waits for another to finish, or with `wait=False` raises
        RebuildRunning before reading any record.
        """
        with store.locked(self.root, store.REBUILD_LOCK, wait):
            directory = store.new_directory(self.root)
            try:
                count = self._build(directory, records, watermark, progress)
            except BaseException:
                shutil.rmtree(directory, ignore_errors=True)
                raise
            if progress and count % PROGRESS_EVERY:
                progress(count)
            store.publish(self.root, directory)
        with self._lock:
            self._close_searcher()  # off the old directory; the next search opens the new one
        store.cleanup(self.root)

    @staticmethod
    def _build(
        directory: Path,
        records: Iterable[IndexRecord],
        watermark: int,
        progress: Callable[[int], None] | None,
    ) -> int:
        ix = store.create_index(directory, build_schema())
        if REBUILD_PROCS > 1:
            writer: Any = codec.ParallelWriter(
                ix, procs=REBUILD_PROCS, limitmb=REBUILD_LIMITMB, **WRITER_OPTIONS
            )
        else:
            writer = codec.pooled_writer(ix, limitmb=REBUILD_LIMITMB, **WRITER_OPTIONS)
        count = 0
        try:
            for record in records:
                writer.add_document(**document_fields(record))
                count += 1
                if progress and count % PROGRESS_EVERY == 0:
                    progress(count)
            writer.add_document(**meta_fields(watermark))
            writer.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            raise
        ix.close()
        return count

    # -- searching -----------------------------------------------------------------------------

    def search(
        self,
        q: str,
        principals: set[str],
        *,
        filters: dict[str, list[str] | str] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
        language: str | None = None,
        glossary: Glossary | None = None,
        vocabulary: Vocabulary = ANY,
        only_ids: Collection[int] | None = None,
    ) -> SearchResult:
        """Search what `principals` may read. Raises QueryError for a bad query or paging.

        `glossary` adds the other forms of the concepts the query names; `vocabulary` names the
        countries, kinds and languages filters may use (both from the caller's database).
        `only_ids` searches among these documents only (which new documents a saved search finds).

        An empty query lists every readable document, newest first. Hits, totals, facets,
        snippets and suggestions come only from documents carrying one of `principals`; an
        empty set of principals gives an empty result. Hits ranked beyond the first 10,000
        are counted but not returned. "Did you mean" is offered when nothing matched. Raises
        IndexUnavailable when there is no usable index.
        """
        with self._lock:
            return run_search(
                self._current_cache,
                q,
                principals,
                filters=filters,
                sort=sort,
                page=page,
                per_page=per_page,
                language=language,
                glossary=glossary,
                vocabulary=vocabulary,
                only_ids=only_ids,
            )

    def close(self) -> None:
        """Close the searcher this object keeps open (and its files)."""
        with self._lock:
            self._close_searcher()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writer management ---------------------------------------------------------------------

    def _writer(self) -> Any:
        """A writer on the current index, created empty when there is none yet.

        Raises IndexUnavailable for a corrupt index or one of another field layout.
        """
        try:
            directory = store.current(self.root)
        except IndexUnavailable as error:
            if error.reason != "absent":
                raise
            directory = self._create_if_absent()
        writer = codec.open_index(directory).writer(
            timeout=WRITER_TIMEOUT, delay=WRITER_DELAY, **WRITER_OPTIONS
        )
        if frozenset(writer.schema.names()) != _SCHEMA_NAMES:  # as read under the writer's lock
            writer.cancel()
            raise IndexUnavailable("outdated", f"{directory.name} was built with another field layout")
        return writer

    def _create_if_absent(self) -> Path:
        """Serialised across processes, so two first writers do not each publish an index of
        their own and lose the other's changes; a rebuild under way is not waited for."""
        with store.locked(self.root, store.CREATE_LOCK):
            try:
                return store.current(self.root)
            except IndexUnavailable as error:
                if error.reason != "absent":
                    raise
            try:
                self.rebuild([], 0, wait=False)
            except RebuildRunning as error:
                raise IndexUnavailable("absent", "the first build is still running") from error
            return store.current(self.root)

    @staticmethod
    def _indexed(writer: Any, ids: list[int]) -> tuple[int, dict[int, int]]:
        """The stored watermark, and the highest version indexed of each of `ids` (0: none),
        read while `writer` holds the lock (so as of its generation). Raises IndexUnavailable
        when a file is missing or damaged."""
        with codec.open_searcher(Path(writer.storage.folder), BM25F()) as searcher:
            stored = searcher.document(id=META_ID)
            reader = searcher.reader()
            versions = reader.column_reader("version")
            indexed = {doc_id: _indexed_version(reader, versions, doc_id) for doc_id in ids}
        return (int(stored["watermark"]) if stored else 0), indexed

    # -- searcher management -------------------------------------------------------------------

    def _current_searcher(self) -> Searcher:
        """The open searcher, moved to a new CURRENT or refreshed after commits (caller locks).

        Raises IndexUnavailable (closing any searcher) when there is no usable index.
        """
        try:
            directory = store.current(self.root)
        except IndexUnavailable:
            self._close_searcher()
            raise
        if self._searcher is not None and directory == self._directory and self._is_fresh():
            return self._searcher
        # Not Searcher.refresh(): Whoosh 2.7 reuses a segment's reader even when documents in
        # it were deleted since (a deleted document would stay visible) and re-adds segments
        # that a merge removed. A new searcher costs about 36 ms at 10,000 documents, once
        # per commit.
        self._close_searcher()
        searcher = codec.open_searcher(directory, BM25F())
        if frozenset(searcher.schema.names()) != _SCHEMA_NAMES:
            searcher.close()
            raise IndexUnavailable("outdated", f"{directory.name} was built with another field layout")
        self._searcher, self._directory = searcher, directory
        store.mark_open(directory)
        return searcher

    def _is_fresh(self) -> bool:
        try:
            return self._searcher is not None and self._searcher.up_to_date()
        except FileNotFoundError:  # its directory was removed after newer rebuilds
            return False

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            with contextlib.suppress(Exception):
                self._searcher.close()
            if self._directory is not None:
                store.mark_closed(self._directory)
        self._searcher, self._directory, self._cache = None, None, None

    def _current_cache(self) -> SearcherCache:
        """The current searcher with its cached document sets (caller locks)."""
        searcher = self._current_searcher()
        if self._cache is None or self._cache.searcher is not searcher:
            self._cache = SearcherCache(searcher, self._marks)
        return self._cache


def _indexed_version(reader: IndexReader, versions: Any, doc_id: int) -> int:
    """The highest version indexed for a document (0 when absent), from the id postings and the
    version column: its stored fields would bring its text along."""
    term = str(doc_id)
    if ("id", term) not in reader:
        return 0
    live = (docnum for docnum in reader.postings("id", term).all_ids() if not reader.is_deleted(docnum))
    return max((int(versions[docnum]) for docnum in live), default=0)
