"""Facet counts over the matched (already permission-filtered) documents, and newest-first order.

Each facet value's documents are read once per searcher from its postings (a few dozen values:
kinds, countries, languages, topics, years); a one-valued facet becomes a code per document, so
a search counts with one `bincount`. Publication dates for sorting are the codec's sort-key
arrays. The searcher is replaced after every commit, and so is this cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from search_index.codec import SearcherArrays
from search_index.schema import FACET_FIELDS

MULTI_VALUED = ("topic",)  # counted per value; the others by a code per document


def _is_value(name: str, value: Any) -> bool:
    if name == "year":
        return isinstance(value, int) and 1000 <= value <= 9999
    return isinstance(value, str) and value != ""


class FacetCounter:
    """Per-searcher caches for counting facets; not thread-safe (the engine holds a lock).

    Value sets include deleted documents: counts are only ever taken over readable matches,
    which exclude them.
    """

    def __init__(self, arrays: SearcherArrays) -> None:
        self.arrays = arrays
        self._members: dict[str, dict[str, np.ndarray]] = {}
        self._codes: dict[str, tuple[list[str], np.ndarray]] = {}
        self._order: np.ndarray | None = None

    def members(self, name: str) -> dict[str, np.ndarray]:
        """{value: document numbers with it} for one facet."""
        if name not in self._members:
            field = self.arrays.searcher.schema[name]
            reader = self.arrays.searcher.reader()
            values = [field.from_bytes(term) for term in field.sortable_terms(reader, name)]
            self._members[name] = {
                str(value): self.arrays.postings(name, value).docs
                for value in values
                if _is_value(name, value)
            }
        return self._members[name]

    def count(self, docs: np.ndarray) -> dict[str, list[tuple[str, int]]]:
        """{facet: [(value, count)]} over a mask of documents, by count descending then value."""
        counted = {}
        matched = np.flatnonzero(docs)
        for name in FACET_FIELDS:
            if name in MULTI_VALUED:
                tally = {
                    value: int(np.count_nonzero(docs[found])) for value, found in self.members(name).items()
                }
            else:
                values, codes = self._column(name)
                counts = np.bincount(codes[matched], minlength=len(values) + 1)[1:]
                tally = dict(zip(values, counts.tolist(), strict=True))
            counted[name] = sorted(((v, n) for v, n in tally.items() if n), key=lambda i: (-i[1], i[0]))
        return counted

    def _column(self, name: str) -> tuple[list[str], np.ndarray]:
        """A one-valued facet's values, and per document 1 + the index of its value (0: none)."""
        if name not in self._codes:
            codes = np.zeros(self.arrays.size, dtype=np.int64)
            members = self.members(name)
            for code, found in enumerate(members.values(), start=1):
                codes[found] = code
            self._codes[name] = (list(members), codes)
        return self._codes[name]

    def newest(self, docs: np.ndarray, limit: int) -> list[int]:
        """The `limit` most recently published (then updated) of a mask of documents, newest
        first (then by document number)."""
        if self._order is None:
            published, updated = self.arrays.sort_key("published"), self.arrays.sort_key("updated")
            numbers = np.arange(self.arrays.size)
            self._order = np.lexsort((numbers, ~updated, ~published))  # ~ reverses unsigned order
        return self._order[docs[self._order]][:limit].tolist()
