"""The seam between the web app and a search engine: what `content/` asks of an index, and nothing more.

`content/` (and `notify/`, `network/cli.py` through it) reaches the index only through
`SearchBackend`, obtained once per process from `open_backend`. `SearchIndex` (engine.py, Whoosh
in a local directory) is the one backend today; docs/search-backends.md says how one on a
distributed engine would sit here, and tests/search_index/backend_contract.py is what any
backend must pass.

Everything a backend needs comes in as plain values: `IndexRecord`s with their principals, the
reader's principals, and the reference data of a search (`Glossary`; `Vocabulary` of countries,
kinds and languages), read by the caller from its database. A backend imports nothing of Flask,
SQLAlchemy, `content` or `network`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Protocol

from search_index.glossary import Glossary
from search_index.parse import ANY, Vocabulary
from search_index.records import IndexRecord, SearchResult

BACKENDS = ("whoosh",)
# changed_since(ids): those of `ids` with change-log rows after the batch being applied.
ChangedSince = Callable[[Collection[int]], Collection[int]]


class SearchBackend(Protocol):
    """A permission-aware full-text index that follows the database's change log.

    The index is derived data: it can be dropped and rebuilt from the database at any time, and
    keeps inside itself the *watermark*, the last change-log sequence it has applied, so that
    every process (and every host sharing the index) resumes from the index's own state. Errors,
    all from `search_index.records`:

    - IndexUnavailable(reason): no usable index ("absent", "corrupt", "outdated" layout); only
      a rebuild cures it, and the backend never starts one by itself. A transient failure (I/O,
      network, timeout) is never reported so, but raised as an OSError (ConnectionError and
      TimeoutError are): the caller answers "unavailable for a moment" and rebuilds nothing.
    - IndexReplaced: `apply` refused a batch read from a watermark the index no longer holds.
    - RebuildRunning: `rebuild(wait=False)` found another rebuild under way.
    - QueryError: a query, filter or paging value that cannot be used (the caller's 400).
    """

    def create(self) -> None:
        """Publish an empty index with watermark 0, replacing any current one."""

    def is_rebuilding(self) -> bool:
        """Whether a rebuild of this index runs now, in this process or any other."""

    def watermark(self) -> int:
        """The last change-log sequence applied, as stored in the index itself; 0 when there is
        no index yet (the first `apply` creates one). Never goes backwards except through
        `rebuild`/`create`. Raises IndexUnavailable for a corrupt or outdated index."""

    def entries(self) -> dict[int, list[int]]:
        """Every document indexed: id -> the versions present, sorted (two versions of one id
        are a duplicate `rndd index verify` reports). Raises IndexUnavailable without a usable
        index."""

    def apply(
        self,
        changes: Sequence[tuple[int, IndexRecord | None]],
        watermark: int,
        *,
        since: int = 0,
        changed_since: ChangedSince | None = None,
    ) -> None:
        """Apply change-log entries (id, record; None deletes) and store `watermark`.

        The watermark is stored only once every change of the batch is: it never claims a
        change the index lacks (applying a batch twice is harmless, skipping one is not).
        Whoosh writes both in one commit; an engine without transactions writes it last.

        - Several changes of one id coalesce, the last winning; one id is never indexed twice.
        - A record older than the version indexed is skipped (a slow drainer never undoes a
          newer one); so is an id that `changed_since(ids)` names, asked while the backend
          excludes every other writer until its commit.
        - The stored watermark becomes max(stored, `watermark`): it never goes backwards.
        - Raises IndexReplaced, writing nothing, when the stored watermark is below `since` (the
          watermark the batch was read from): the index was rebuilt or created meanwhile.
        - With no index yet, an empty one is created first.
        """

    def rebuild(
        self,
        records: Iterable[IndexRecord],
        watermark: int,
        progress: Callable[[int], None] | None = None,
        *,
        wait: bool = True,
    ) -> None:
        """Build a complete index of `records` beside the current one, then swap it in
        atomically with `watermark` (the change-log sequence of the snapshot `records` come
        from). Searches go on against the old index until the swap; a failed rebuild leaves it
        in place. `progress(count)` reports documents written. One rebuild at a time: wait for
        another, or with `wait=False` raise RebuildRunning before reading any record."""

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
        """Search the documents carrying at least one of `principals`, and only those.

        Hits, total, facet counts, snippets and the "did you mean" suggestion all come from
        readable documents only; an empty set of principals gives an empty result (fail closed,
        never "no filter"). The caller re-checks each hit against the database and answers 404
        (not 403) for what the reader may not see; the backend only never leaks.

        `q` follows `search_index.parse` (the same syntax on every backend); an empty `q` lists
        every readable document, newest first. `filters` AND between fields, OR within one;
        values are checked against `vocabulary` (the caller's countries, kinds, languages) like
        field:value. `glossary` adds the other forms of the concepts the query names. `language`
        is the reader's, preferred in ranking. `only_ids` searches among these documents only.
        Facets are counted for every FACET_FIELDS name. Hits ranked beyond the first 10,000
        are counted but not returned.

        Raises QueryError for a query, filter, sort, language or paging (page >= 1, 1 <=
        per_page <= 100) that cannot be used; IndexUnavailable without a usable index.
        """

    def close(self) -> None:
        """Release what this object holds open (searchers, files, connections). It may be used
        again afterwards: it reopens what it needs."""


def open_backend(kind: str, location: str | Path) -> SearchBackend:
    """The backend named `kind` (one of BACKENDS) on `location` (for "whoosh", a directory).

    Raises ValueError for an unknown kind (the configuration check names BACKENDS first).
    """
    if kind == "whoosh":
        from search_index.engine import SearchIndex  # the backend's imports stay out of the seam

        return SearchIndex(location)
    raise ValueError(f"unknown search backend {kind!r}: use one of {', '.join(BACKENDS)}")
