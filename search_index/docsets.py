"""What one searcher's searches can share until the index changes.

The documents each principal may read, the facets' value sets (which also answer filters), the
postings reader and the hits already marked are the same for every search until the next
commit, which replaces the searcher and so this cache. Document numbers are only meaningful
for the searcher they came from.
"""

from __future__ import annotations

from itertools import islice

from whoosh import query as wq
from whoosh.searching import Searcher

from search_index.analyzers import fold
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
        self.postings = PostingReader(searcher)
        self.facets = FacetCounter(searcher, self.postings.postings)
        self.hits = HitMaker(searcher, marks or MarkCache())
        self._principal: dict[str, set[int]] = {}

    def allowed(self, principals: set[str]) -> set[int]:
        """Document numbers carrying at least one of `principals` (the watermark document
        carries none, so it is never among them).

        Cached per principal, not per set: every user has a principal of their own, and a set
        of 30,000 numbers per user would grow each worker by megabytes a user.
        """
        docs: set[int] = set()
        for principal in principals:
            if principal not in self._principal:
                if len(self._principal) >= MAX_PRINCIPALS:
                    self._principal.clear()
                found = self.searcher.docs_for_query(wq.Term("principals", principal))
                self._principal[principal] = set(found)
            docs |= self._principal[principal]
        return docs

    def selected(self, query: wq.Query) -> set[int]:
        """Document numbers a filter query (see `search.filter_query`) selects, from the
        facets' value sets. May include deleted documents: callers intersect with `allowed`."""
        if isinstance(query, wq.And):
            found = self.selected(query.subqueries[0])
            for child in query.subqueries[1:]:
                found = found & self.selected(child)
            return found
        if isinstance(query, wq.Or):
            return set().union(*(self.selected(child) for child in query.subqueries))
        if isinstance(query, wq.Term) and query.fieldname in FACET_FIELDS:
            return self.facets.members(query.fieldname).get(str(query.text), set())
        if isinstance(query, wq.NumericRange) and query.fieldname == "year":
            low, high = query.start, query.end
            return set().union(*(
                docs
                for year, docs in self.facets.members("year").items()
                if (low is None or int(year) >= low) and (high is None or int(year) <= high)
            ))  # fmt: skip
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
