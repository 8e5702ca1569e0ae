"""Facet counts over the matched (already permission-filtered) documents.

Whoosh's `groupedby` calls a Python categorizer for every match and facet, and its QueryFacet
re-reads each topic's postings on every search. Here each facet's values are read once per
searcher into a list indexed by document number (topics: one set of documents per topic), so a
search only counts: the same result, several times faster. The searcher is replaced after every
commit, and so is this cache.
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

COLUMN_FACETS = ("kind", "country", "language", "year")


def _is_value(name: str, value: Any) -> bool:
    if name == "year":
        return isinstance(value, int) and 1000 <= value <= 9999  # missing years read as 2**31-1
    return isinstance(value, str) and value != ""


class FacetCounter:
    """Per-searcher caches for counting facets; not thread-safe (the engine holds a lock)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._columns: dict[str, list[Any]] = {}
        self._topics: dict[str, set[int]] | None = None

    def column(self, name: str) -> list[Any]:
        """A sortable field's value for every document number."""
        if name not in self._columns:
            values: list[Any] = []
            for reader, offset in self.searcher.reader().leaf_readers():
                values.extend([None] * (offset - len(values)))  # no-op: segments are contiguous
                count = reader.doc_count_all()
                if reader.has_column(name):
                    column = reader.column_reader(name)
                    values.extend(column[docnum] for docnum in range(count))
                else:
                    values.extend([None] * count)
            self._columns[name] = values
        return self._columns[name]

    def _topic_docs(self) -> dict[str, set[int]]:
        if self._topics is None:
            field = self.searcher.schema["topic"]
            topics = [field.from_bytes(t) for t in self.searcher.reader().lexicon("topic")]
            self._topics = {
                topic: set(self.searcher.docs_for_query(wq.Term("topic", topic)))
                for topic in topics
            }
        return self._topics

    def count(self, docs: set[int]) -> dict[str, list[tuple[str, int]]]:
        """{facet: [(value, count)]}, by count descending then value."""
        counts: dict[str, Counter[str]] = {}
        for name in COLUMN_FACETS:
            column = self.column(name)
            tally = Counter(map(column.__getitem__, docs))
            counts[name] = Counter({str(v): n for v, n in tally.items() if _is_value(name, v)})
        counts["topic"] = Counter(
            {topic: len(members & docs) for topic, members in self._topic_docs().items()}
        )
        return {
            name: sorted(((v, n) for v, n in tally.items() if n), key=lambda i: (-i[1], i[0]))
            for name, tally in counts.items()
        }

    def newest(self, docs: set[int], limit: int) -> list[int]:
        """The `limit` most recently published (then updated) of `docs`, newest first."""
        published, updated = self.column("published"), self.column("updated")
        return heapq.nlargest(limit, docs, key=lambda d: (published[d], updated[d], -d))
