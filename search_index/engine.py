"""SearchIndex: apply changes, rebuild, and permission-aware search over one index directory.

One searcher is kept open and replaced when the index changed (opening one per request is six
times slower, MEASUREMENTS). Whoosh searchers share file handles, so searches in one process are
serialised by a lock; web workers are processes, so this costs a threaded dev server only.
Writers are plain `ix.writer(timeout=10, delay=0.01)`: BufferedWriter is slower and AsyncWriter
lost updates under load. Segments are never written as compound files: Whoosh 2.7 opens each
part of a compound segment by copying it into memory (a 700 MB index cost each worker 1.1 GB
before its first search), while the parts of a plain segment are read where they lie.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from whoosh.codec.whoosh3 import W3Codec
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from search_index import store
from search_index.docsets import SearcherCache
from search_index.records import IndexRecord, SearchResult
from search_index.schema import META_ID, build_schema, document_fields, meta_fields
from search_index.search import run_search

WRITER_TIMEOUT = 10.0
WRITER_DELAY = 0.01
# A rebuild analyses in REBUILD_PROCS processes, each writing its own segment (no final merge,
# which is single-threaded): 342 documents/s at 10,000 on 2 cores, against 138 with one
# process. REBUILD_LIMITMB is each process's buffer (MEASUREMENTS: 512 beats the default 128).
REBUILD_PROCS = min(os.cpu_count() or 1, 4)
REBUILD_LIMITMB = 512
# Posting blocks of up to 1,024 postings, not compressed: at 10,000 documents searches ran 17%
# faster than with Whoosh's default (128, zlib level 3), for an index twice the size.
WRITER_OPTIONS = {"compound": False, "codec": W3Codec(blocklimit=1024, compression=0)}
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

    # -- state ---------------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether there is a current index with this version's fields. One built with another
        field layout counts as missing, so that it is rebuilt from the database."""
        current = store.read_pointer(self.root)
        return current is not None and store.is_index(self.root / current, _SCHEMA_NAMES)

    def create(self) -> None:
        """Start an empty index (replacing any current one, as a rebuild with no records)."""
        self.rebuild([], 0)

    def watermark(self) -> int:
        """The last change-log sequence applied, as stored in the index (0 if none)."""
        with self._lock:
            searcher = self._current_searcher()
            if searcher is None:
                return 0
            stored = searcher.document(id=META_ID)
            return int(stored["watermark"]) if stored else 0

    def entries(self) -> dict[int, list[int]]:
        """Document id -> versions present; a duplicated document shows two versions."""
        found: dict[int, list[int]] = {}
        with self._lock:
            searcher = self._current_searcher()
            if searcher is None:
                return found
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

    def apply(self, changes: Sequence[tuple[int, IndexRecord | None]], watermark: int) -> None:
        """Apply change-log entries (None deletes) and store `watermark`, in one commit.

        Several changes for one id are coalesced, the last winning: two update_document calls
        for one id inside one writer would leave two documents (MEASUREMENTS). The stored
        watermark never goes backwards, and a record older than the version already indexed is
        skipped: two drainers may read the database at different moments, and the slower one
        must not put back what the faster one replaced. Raises whoosh's LockError if another
        writer holds the lock for longer than WRITER_TIMEOUT seconds.
        """
        latest: dict[int, IndexRecord | None] = {}
        for doc_id, record in changes:
            latest.pop(doc_id, None)
            latest[doc_id] = record
        if not self.exists():
            with store.creation_lock(self.root):
                if not self.exists():
                    self.create()
        current = store.read_pointer(self.root)
        ix = store.open_index(self.root / str(current))
        writer = ix.writer(timeout=WRITER_TIMEOUT, delay=WRITER_DELAY, **WRITER_OPTIONS)
        try:
            with writer.searcher() as searcher:
                stored = searcher.document(id=META_ID)
                indexed = {d: _indexed_version(searcher, d) for d, r in latest.items() if r is not None}
            previous = int(stored["watermark"]) if stored else 0
            for doc_id, record in latest.items():
                if record is not None and record.version < indexed[doc_id]:
                    continue  # a newer version is already there
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
    ) -> None:
        """Build a complete new index beside the current one, then swap it in atomically.

        `watermark` must be the change-log sequence as of the snapshot `records` come from;
        changes applied to the old index meanwhile are re-applied by the next drain.
        """
        directory = store.new_directory(self.root)
        try:
            ix = store.create_index(directory, build_schema())
            parallel = {"procs": REBUILD_PROCS, "multisegment": True} if REBUILD_PROCS > 1 else {}
            writer = ix.writer(limitmb=REBUILD_LIMITMB, **WRITER_OPTIONS, **parallel)
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
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        if progress and count % PROGRESS_EVERY:
            progress(count)
        store.publish(self.root, directory)
        with self._lock:
            self._current_searcher()  # move this object's searcher off the old directory
        store.cleanup(self.root)

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
    ) -> SearchResult:
        """Search what `principals` may read. Raises QueryError for a bad query or paging.

        An empty query lists every readable document, newest first. Hits, totals, facets,
        snippets and suggestions come only from documents carrying one of `principals`; an
        empty set of principals, or a missing index, gives an empty result. Hits ranked beyond
        the first 10,000 are counted but not returned. "Did you mean" is offered when nothing
        matched.
        """
        with self._lock:
            for attempt in range(2):
                try:
                    return run_search(
                        self._current_cache,
                        q,
                        principals,
                        filters=filters,
                        sort=sort,
                        page=page,
                        per_page=per_page,
                        language=language,
                    )
                except OSError:
                    # A directory removed under us by another process's cleanup: reopen once.
                    self._close_searcher()
                    if attempt:
                        raise
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close the searcher this object keeps open (and its files)."""
        with self._lock:
            self._close_searcher()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- searcher management -------------------------------------------------------------------

    def _current_searcher(self) -> Searcher | None:
        """The open searcher, moved to a new CURRENT or refreshed after commits (caller locks)."""
        current = store.read_pointer(self.root)
        if current is None:
            self._close_searcher()
            return None
        directory = self.root / current
        if self._searcher is not None and directory == self._directory:
            if self._searcher.up_to_date():
                return self._searcher
        # Not Searcher.refresh(): Whoosh 2.7 reuses a segment's reader even when documents in
        # it were deleted since (a deleted document would stay visible) and re-adds segments
        # that a merge removed. A new searcher costs about 36 ms at 10,000 documents, once
        # per commit.
        self._close_searcher()
        self._searcher = store.reading_toc(lambda: store.open_index(directory).searcher(weighting=BM25F()))
        self._directory = directory
        store.mark_open(directory)
        return self._searcher

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            with contextlib.suppress(Exception):
                self._searcher.close()
            if self._directory is not None:
                store.mark_closed(self._directory)
        self._searcher, self._directory, self._cache = None, None, None

    def _current_cache(self) -> SearcherCache | None:
        """The current searcher with its cached document sets (caller locks)."""
        searcher = self._current_searcher()
        if searcher is None:
            return None
        if self._cache is None or self._cache.searcher is not searcher:
            self._cache = SearcherCache(searcher)
        return self._cache


def _indexed_version(searcher: Searcher, doc_id: int) -> int:
    """The highest version indexed for a document (0 when absent)."""
    return max((int(fields["version"]) for fields in searcher.documents(id=str(doc_id))), default=0)
