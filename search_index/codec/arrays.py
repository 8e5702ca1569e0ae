"""One searcher's segments seen as arrays over global document numbers.

The evaluator, facets and the readable sets read postings, lengths and sort keys through this
class only; it is the one place that reaches a segment's readers, so nothing else in the
package touches Whoosh's internals. Segments are numbered contiguously: a segment's document n
is `offset + n`. Arrays of several segments are concatenated per term or column, once per
searcher for columns (the searcher is replaced after every commit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh.reading import IndexReader, SegmentReader
from whoosh.searching import Searcher

from search_index.codec.format import ArrayPerDocReader, ArrayTermsReader
from search_index.codec.postings import TermArrays


@dataclass(frozen=True)
class TermPostings:
    """A term's postings in one searcher: global document numbers (ascending) and weights."""

    docs: np.ndarray  # int64
    weights: np.ndarray  # float64
    parts: tuple[tuple[ArrayTermsReader, TermArrays, int], ...] = ()  # per segment: its first row


class SearcherArrays:
    """Postings and columns of one searcher's segments, as numpy arrays."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.leaves: list[tuple[SegmentReader, int]] = []
        for reader, offset in searcher.reader().leaf_readers():
            if reader.doc_count_all():
                self.leaves.append((_segment_reader(reader), offset))
        self.size = searcher.doc_count_all()
        self.live = self._live()

    def _live(self) -> np.ndarray:
        """True for every document number that is not deleted."""
        live = np.ones(self.size, dtype=bool)
        for reader, offset in self.leaves:
            deleted = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
            live[deleted + offset] = False
        return live

    def postings(self, fieldname: str, text: str) -> TermPostings:
        """A term's postings across segments (deleted documents included: callers intersect
        with readable documents, which exclude them)."""
        field = self.searcher.schema[fieldname]
        tbytes, unit = field.to_bytes(text), field.format.field_boost
        docs, weights, parts, row = [], [], [], 0
        for reader, offset in self.leaves:
            if (fieldname, tbytes) not in reader:
                continue
            terms = reader._terms
            term = terms.arrays(fieldname, tbytes, unit)
            parts.append((terms, term, row))
            row += len(term.ids)
            docs.append(term.ids + offset if offset else term.ids)
            weights.append(term.weights)
        if not docs:
            return TermPostings(_NO_DOCS, _NO_WEIGHTS)
        if len(docs) == 1:
            return TermPostings(docs[0], weights[0], tuple(parts))
        return TermPostings(np.concatenate(docs), np.concatenate(weights), tuple(parts))

    def positions(self, term: TermPostings, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For the postings at `rows` (indexes into term.docs, ascending): the document of each
        position and the position, read from `.apos` for those postings only."""
        owners, found = [], []
        for terms, arrays, first in term.parts:
            mine = rows[(rows >= first) & (rows < first + len(arrays.ids))]
            owner, positions = terms.positions(arrays, mine - first)
            owners.append(term.docs[mine][owner])
            found.append(positions)
        if not owners:
            return _NO_DOCS, _NO_DOCS
        return np.concatenate(owners), np.concatenate(found)

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's encoded length (Whoosh's one byte) of `fieldname`, 0 when absent."""
        return self._column(f"len:{fieldname}", np.uint8)

    def sort_key(self, name: str) -> np.ndarray:
        """A sort column (see format.SORT_COLUMNS) per document, in its order-preserving unsigned form."""
        return self._column(f"key:{name}", np.uint64)

    def _column(self, name: str, dtype: type) -> np.ndarray:
        column = np.zeros(self.size, dtype=dtype)
        for reader, offset in self.leaves:
            found = reader._perdoc.array(name)
            if found is not None:
                column[offset : offset + len(found)] = found
        return column


def _segment_reader(reader: IndexReader) -> SegmentReader:
    if not isinstance(reader, SegmentReader) or not isinstance(reader._terms, ArrayTermsReader):
        raise TypeError(f"a segment not written by the array codec: {type(reader).__name__}")
    if not isinstance(reader._perdoc, ArrayPerDocReader):
        raise TypeError("a segment's columns not written by the array codec")
    return reader


_NO_DOCS = np.zeros(0, dtype=np.int64)
_NO_WEIGHTS = np.zeros(0, dtype=np.float64)
