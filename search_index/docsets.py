"""What one searcher's searches can share until the index changes.

The set of documents a principal set may read, the documents a filter selects, and the facet
columns are the same for every search until the next commit, which replaces the searcher and so
this cache. Document numbers are only meaningful for the searcher they came from.
"""

from __future__ import annotations

from itertools import islice

from whoosh import query as wq
from whoosh.searching import Searcher

from search_index.analyzers import fold
from search_index.evaluate import PostingReader
from search_index.facets import FacetCounter
from search_index.schema import WORDS_FIELD

MAX_ENTRIES = 64
MAX_EXPANSIONS = 64  # words a prefix or fuzzy word is looked up as in the stemmed fields


class SearcherCache:
    """Per-searcher document sets; not thread-safe (the engine holds a lock)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.postings = PostingReader(searcher)
        self.facets = FacetCounter(searcher, self.postings.postings)
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


    def expand(self, text: str, fuzzy: int) -> list[str]:
        """The indexed words (see `schema.WORDS_FIELD`) that `text*` (fuzzy 0) or `text~fuzzy`
        stands for, at most MAX_EXPANSIONS of them."""
        term = fold(text)
        if not term.isascii() or not term.isalpha():
            return []
        reader = self.searcher.reader()
        if fuzzy:
            found = reader.terms_within(WORDS_FIELD, term, fuzzy, prefix=1)
        else:
            found = (b.decode("utf-8") for b in reader.expand_prefix(WORDS_FIELD, term))
        return sorted(islice(found, MAX_EXPANSIONS))


def _remember(cache: dict, key: object, value: set[int]) -> None:  # type: ignore[type-arg]
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value
