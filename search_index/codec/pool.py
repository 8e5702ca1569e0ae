"""Postings grouped by term while documents are added, instead of Whoosh's sorting pool.

Whoosh's PostingPool keeps every posting as a tuple, checks each, sorts them all (spilling runs
to disk) and hands them to the field writer one at a time: at a rebuild, more CPU than the
analysis itself. A term's postings arrive in document order, so grouping them by term needs no
sort: each term keeps its document numbers, weights, and (for fields with positions) the
positions' raw bytes and their counts, in growing arrays; the field writer takes each term
whole (`format.ArrayFieldWriter.add_postings`). It holds everything in memory: about 10 bytes a
posting and 4 a position, plus about 300 bytes a term.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.writing import SegmentWriter

Term = tuple[str, bytes]
Run = tuple[array, array, array, bytearray]


class TermRuns:
    """The pool's terms in the order the field writer needs (field, then term bytes)."""

    def __init__(self, terms: dict[Term, Run]) -> None:
        self._terms = terms

    def __iter__(self) -> Iterator[tuple[Term, Run]]:
        for key in sorted(self._terms):
            yield key, self._terms[key]


class TermPool:
    """The pool of a SegmentWriter (`use_term_pool`): `add` as Whoosh calls it."""

    def __init__(self, positional: frozenset[str]) -> None:
        self._positional = positional
        self._terms: dict[Term, Run] = {}
        self.fieldnames: set[str] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, btext, docnum, weight, vbytes = item
        run = self._terms.get((fieldname, btext))
        if run is None:
            run = self._terms[(fieldname, btext)] = (array("I"), array("f"), array("I"), bytearray())
            self.fieldnames.add(fieldname)
        run[0].append(docnum)
        run[1].append(weight)
        if vbytes and fieldname in self._positional:
            run[2].append(len(vbytes) // 4)
            run[3].extend(vbytes)

    def iter_postings(self) -> TermRuns:
        return TermRuns(self._terms)

    def cleanup(self) -> None:
        self._terms = {}


def use_term_pool(writer: SegmentWriter) -> SegmentWriter:
    """`writer` with a TermPool in place of its (still empty) PostingPool."""
    from search_index.codec.format import ArrayPositions

    schema = writer.schema
    positional = frozenset(name for name, field in schema.items() if isinstance(field.format, ArrayPositions))
    writer.pool.cleanup()
    writer.pool = TermPool(positional)
    return writer


def pooled_writer(ix: Any, **options: Any) -> SegmentWriter:
    """`ix.writer(**options)` grouping postings by term (see module)."""
    return use_term_pool(ix.writer(**options))
