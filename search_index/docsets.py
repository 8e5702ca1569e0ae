"""What one searcher's searches can share until the index changes.

The documents each principal may read, the facets' value sets (which also answer filters), the
postings reader and the hits already marked are the same for every search until the next
commit, which replaces the searcher and so this cache. Document numbers are only meaningful
for the searcher they came from; sets of them are boolean masks over the searcher's documents.
"""

from __future__ import annotations

from itertools import islice

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from search_index.analyzers import fold
from search_index.codec import SearcherArrays
from search_index.evaluate import PostingReader
from search_index.facets import FacetCounter
from search_index.hits import HitMaker, MarkCache
from search_index.schema import FACET_FIELDS, WORDS_FIELD

MAX_PRINCIPALS = 512  # principals whose documents are kept: countries, groups, recent users
MAX_WORDS = 64  # words a prefix or fuzzy word is looked up as in the stemmed fields


class SearcherCache:
    """Per-searcher document sets; not thread-safe (the engine holds a lock)."""

    def __init__(self, searcher: Searcher, marks: MarkCache | None = None) -> None:
        self.searcher = searcher
        self.arrays = SearcherArrays(searcher)
        self.postings = PostingReader(self.arrays)
        self.facets = FacetCounter(self.arrays)
        self.hits = HitMaker(searcher, marks or MarkCache())
        self._principal: dict[str, np.ndarray] = {}

    def allowed(self, principals: set[str]) -> np.ndarray:
        """Document numbers carrying at least one of `principals` (the watermark document
        carries none, so it is never among them).

        Cached per principal as the live documents' numbers, not per set: every user has a
        principal of their own, and a set per user would grow each worker with every user.
        """
        docs = np.zeros(self.arrays.size, dtype=bool)
        for principal in principals:
            if principal not in self._principal:
                if len(self._principal) >= MAX_PRINCIPALS:
                    self._principal.clear()
                found = self.arrays.postings("principals", principal).docs
                self._principal[principal] = found[self.arrays.live[found]]
            docs[self._principal[principal]] = True
        return docs

    def selected(self, query: wq.Query) -> np.ndarray:
        """Document numbers a filter query (see `search.filter_query`) selects, from the
        facets' value sets. May include deleted documents: callers intersect with `allowed`."""
        if isinstance(query, wq.And):
            found = self.selected(query.subqueries[0])
            for child in query.subqueries[1:]:
                found = found & self.selected(child)
            return found
        if isinstance(query, wq.Or):
            return np.logical_or.reduce([self.selected(child) for child in query.subqueries])
        found = np.zeros(self.arrays.size, dtype=bool)
        if isinstance(query, wq.Term) and query.fieldname in FACET_FIELDS:
            docs = self.facets.members(query.fieldname).get(str(query.text))
            if docs is not None:
                found[docs] = True
            return found
        if isinstance(query, wq.NumericRange) and query.fieldname == "year":
            low, high = query.start, query.end
            for year, docs in self.facets.members("year").items():
                if (low is None or int(year) >= low) and (high is None or int(year) <= high):
                    found[docs] = True
            return found
        raise TypeError(f"not a filter of search.filter_query: {query!r}")

    def expand(self, text: str, fuzzy: int) -> list[str]:
        """The indexed words (see `schema.WORDS_FIELD`) that `text*` (fuzzy 0) or `text~fuzzy`
        stands for, at most MAX_WORDS of them."""
        term = fold(text)
        if not term.isascii() or not term.isalpha():
            return []
        reader = self.searcher.reader()
        if fuzzy:
            found = reader.terms_within(WORDS_FIELD, term, fuzzy, prefix=1)
        else:
            found = (b.decode("utf-8") for b in reader.expand_prefix(WORDS_FIELD, term))
        return sorted(islice(found, MAX_WORDS))
