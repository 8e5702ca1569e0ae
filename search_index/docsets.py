"""What one searcher's searches can share until the index changes.

The set of documents a principal set may read, the documents a filter selects, and the facet
columns are the same for every search until the next commit, which replaces the searcher and so
this cache. Document numbers are only meaningful for the searcher they came from.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.searching import Searcher

from search_index.facets import FacetCounter

MAX_ENTRIES = 64


class SearcherCache:
    """Per-searcher document sets; not thread-safe (the engine holds a lock)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.facets = FacetCounter(searcher)
        self._allowed: dict[frozenset[str], set[int]] = {}
        self._selected: dict[str, set[int]] = {}

    def allowed(self, principals: set[str]) -> set[int]:
        """Document numbers carrying at least one of `principals` (the watermark document
        carries none, so it is never among them)."""
        key = frozenset(principals)
        if key not in self._allowed:
            terms = [wq.Term("principals", p) for p in sorted(key)]
            docs = set(self.searcher.docs_for_query(wq.Or(terms))) if terms else set()
            _remember(self._allowed, key, docs)
        return self._allowed[key]

    def selected(self, query: wq.Query) -> set[int]:
        """Document numbers a filter query selects."""
        key = repr(query)
        if key not in self._selected:
            _remember(self._selected, key, set(self.searcher.docs_for_query(query)))
        return self._selected[key]


def _remember(cache: dict, key: object, value: set[int]) -> None:  # type: ignore[type-arg]
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value
