"""Evaluating a compiled query with sets of document numbers, and BM25 over the matches only.

Whoosh's matchers walk a union over several per-language fields one document at a time in
Python and score every match before the permission filter can drop it: at 10,000 documents one
word cost 46 ms, almost all of it there. Here each term's postings are read a block at a time
into a dict {document number: weight}; AND, OR and NOT are set operations (in C); phrases check
positions only for documents that hold all their words and may be read; and BM25 is computed
only for the readable matches, from per-field length norms cached for the searcher.

Scores are BM25F with each field normalised over the documents that have it: a language family's
fields are filled by that family's documents only, and Whoosh's average length (and idf) over
all documents made a body match in a sparse family's field count as many times the average
length, so an English case study saying "diplomacy" ranked below documents that only named the
concept in another language (the dense `concept` field). Glossary equivalents are scored apart
from the query's own words (`Equivalents`): a document found only through them scores below
every document that has the words themselves.

Posting blocks, length columns and positions are read with `internals` (Whoosh's private parts).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search_index.internals import length_bytes, positions, posting_blocks

B, K1 = 0.75, 1.2
MAX_TERMS = 512  # indexed terms a prefix or fuzzy query may stand for per field (Whoosh: 1024)
# A document found only through glossary equivalents scores at most this share of the weakest
# document that has the query's own words.
EQUIVALENT_SHARE = 0.5

Postings = dict[int, float]
Values = dict[int, bytes]
Leaf = tuple[str, str, float]


class Equivalents(wq.Or):
    """The query's own words (`exact`) or their glossary equivalents, scored apart (see
    `Evaluation.scores`); Whoosh itself would evaluate it as a plain Or."""

    def __init__(self, exact: wq.Query, equivalents: list[wq.Query]) -> None:
        super().__init__([exact, *equivalents])
        self.exact, self.equivalents = exact, equivalents


class PostingReader:
    """Per-searcher access to postings and field-length norms (replaced with the searcher)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.leaves = list(searcher.reader().leaf_readers())
        self._norms: dict[str, array] = {}
        self._filled: dict[str, tuple[int, float]] = {}

    def postings(self, fieldname: str, text: str) -> Postings:
        """{global document number: weight} of one term (deleted documents included: every
        search intersects with the readable set, which excludes them)."""
        return self.read(fieldname, text)[0]

    def read(self, fieldname: str, text: str, values: bool = False) -> tuple[Postings, Values]:
        """The term's weights and, with `values`, its encoded positions, in one pass."""
        weights: Postings = {}
        encoded: Values = {}
        for reader, offset in self.leaves:
            if (fieldname, text) not in reader:
                continue
            for ids, block_weights, block_values in posting_blocks(reader.postings(fieldname, text), values):
                if offset:
                    ids = [docnum + offset for docnum in ids]
                weights.update(zip(ids, block_weights, strict=True))
                if values:
                    encoded.update(zip(ids, block_values, strict=True))
        return weights, encoded

    def filled(self, fieldname: str) -> tuple[int, float]:
        """(documents with a non-empty `fieldname`, their average length): a family's fields
        are measured over that family's documents only."""
        if fieldname not in self._filled:
            count, total = 0, 0
            for reader, _offset in self.leaves:
                lengths = length_bytes(reader, fieldname)
                count += len(lengths) - lengths.count(0)
                total += reader.field_length(fieldname) if lengths else 0
            self._filled[fieldname] = (count, (total / count) if count else 1.0)
        return self._filled[fieldname]

    def norms(self, fieldname: str) -> array:
        """K1 * (1 - B + B * length / average length) per document: BM25's length part."""
        if fieldname not in self._norms:
            average = self.filled(fieldname)[1] or 1.0
            scale = [K1 * (1 - B + B * byte_to_length(b) / average) for b in range(256)]
            norms = array("f")
            for reader, _offset in self.leaves:  # segments are numbered contiguously
                norms.extend(scale[b] for b in length_bytes(reader, fieldname))
            self._norms[fieldname] = norms
        return self._norms[fieldname]

    def idf(self, fieldname: str, text: str) -> float:
        """Whoosh's idf, log(N / (df + 1)) + 1, with N the documents that have the field."""
        count = self.filled(fieldname)[0] or self.searcher.doc_count_all()
        frequency = self.searcher.doc_frequency(fieldname, text)
        return math.log(max(count, frequency) / (frequency + 1)) + 1


@dataclass
class Scoring:
    """What a document's score is made of: terms, and groups of words with their equivalents."""

    leaves: list[Leaf] = field(default_factory=list)
    groups: list[tuple[Scoring, Scoring, set[int]]] = field(default_factory=list)


@dataclass
class Evaluation:
    """The documents a query matches within `universe`, and what their scores are made of."""

    reader: PostingReader
    universe: set[int]
    scoring: Scoring = field(default_factory=Scoring)
    _postings: dict[tuple[str, str], Postings] = field(default_factory=dict)
    _values: dict[tuple[str, str], Values] = field(default_factory=dict)

    def term(self, fieldname: str, text: str) -> Postings:
        key = (fieldname, text)
        if key not in self._postings:
            self._postings[key] = self.reader.postings(fieldname, text)
        return self._postings[key]

    def term_values(self, fieldname: str, text: str) -> Values:
        """The term's encoded positions per document (read with its weights, in one pass)."""
        key = (fieldname, text)
        if key not in self._values:
            self._postings[key], self._values[key] = self.reader.read(fieldname, text, values=True)
        return self._values[key]

    def docs(self, q: wq.Query, positive: bool = True) -> set[int]:
        """Matching documents of `universe`; terms under a positive branch are kept for scoring."""
        handler = _HANDLERS.get(type(q))
        if handler is None:
            for kind, fn in _HANDLERS.items():
                if isinstance(q, kind):
                    handler = fn
                    break
        if handler is None:
            return set(self.reader.searcher.docs_for_query(q)) & self.universe
        return handler(self, q, positive)

    @property
    def scored(self) -> list[Leaf]:
        return self.scoring.leaves

    def scores(self, docs: set[int]) -> dict[int, float]:
        """BM25F of each document of `docs`: the sum over the query's positive terms."""
        parts = self._parts(docs, self.scoring)
        parts.sort(key=len, reverse=True)
        totals = dict.fromkeys(docs, 0.0)
        totals.update(parts[0] if parts else {})  # the longest part in one C call
        for part in parts[1:]:
            for docnum, score in part.items():
                totals[docnum] += score
        return totals

    def _parts(self, docs: set[int], scoring: Scoring) -> list[dict[int, float]]:
        parts = [self._term_scores(docs, *leaf) for leaf in dict.fromkeys(scoring.leaves)]
        parts.extend(self._group_scores(docs, *group) for group in scoring.groups)
        return parts

    def _sum(self, docs: set[int], scoring: Scoring) -> dict[int, float]:
        totals: dict[int, float] = {}
        for part in self._parts(docs, scoring):
            for docnum, score in part.items():
                totals[docnum] = totals.get(docnum, 0.0) + score
        return totals

    def _group_scores(
        self, docs: set[int], exact: Scoring, other: Scoring, found: set[int]
    ) -> dict[int, float]:
        """Documents with the words score by them; those found only through equivalents score
        below the weakest of those, in the order of their own BM25F."""
        direct = self._sum(docs & found, exact)
        indirect = self._sum(docs - found, other)
        if direct and indirect:
            ceiling = EQUIVALENT_SHARE * min(direct.values())
            top = max(indirect.values()) or 1.0
            indirect = {docnum: ceiling * score / top for docnum, score in indirect.items()}
        return direct | indirect

    def _term_scores(self, docs: set[int], fieldname: str, text: str, boost: float) -> dict[int, float]:
        postings = self.term(fieldname, text)
        present = docs & postings.keys()
        searcher = self.reader.searcher
        if not present:
            return {}
        if not searcher.schema[fieldname].scorable:
            return {docnum: boost * postings[docnum] for docnum in present}
        factor = boost * self.reader.idf(fieldname, text) * (K1 + 1)
        norms = self.reader.norms(fieldname)
        return {d: factor * (w := postings[d]) / (w + norms[d]) for d in present}


def _term(ev: Evaluation, q: wq.Term, positive: bool) -> set[int]:
    if positive:
        ev.scored.append((q.fieldname, q.text, q.boost))
    return ev.term(q.fieldname, q.text).keys() & ev.universe


def _equivalents(ev: Evaluation, q: Equivalents, positive: bool) -> set[int]:
    if not positive:
        return _or(ev, q, positive)
    outer = ev.scoring
    ev.scoring = exact = Scoring()
    found = ev.docs(q.exact, positive)
    ev.scoring = other = Scoring()
    indirect: set[int] = set()
    for child in q.equivalents:
        indirect |= ev.docs(child, positive)
    ev.scoring = outer
    outer.groups.append((exact, other, found))
    return found | indirect


def _or(ev: Evaluation, q: wq.Or, positive: bool) -> set[int]:
    found: set[int] = set()
    for child in q.subqueries:
        found |= ev.docs(child, positive)
    return found


def _and(ev: Evaluation, q: wq.And, positive: bool) -> set[int]:
    found: set[int] | None = None
    excluded: set[int] = set()
    for child in q.subqueries:
        if isinstance(child, wq.Not):
            excluded |= ev.docs(child.query, positive=False)
            continue
        docs = ev.docs(child, positive)
        found = docs if found is None else found & docs
    if found is None:
        found = set(ev.universe)
    return found - excluded


def _not(ev: Evaluation, q: wq.Not, positive: bool) -> set[int]:
    return ev.universe - ev.docs(q.query, positive=False)


def _and_maybe(ev: Evaluation, q: wq.AndMaybe, positive: bool) -> set[int]:
    found = ev.docs(q.a, positive)
    ev.docs(q.b, positive)  # only adds scoring terms
    return found


def _every(ev: Evaluation, q: wq.Every, positive: bool) -> set[int]:
    return set(ev.universe)


def _null(ev: Evaluation, q: wq.Query, positive: bool) -> set[int]:
    return set()


def _phrase(ev: Evaluation, q: wq.Phrase, positive: bool) -> set[int]:
    words = list(q.words)
    candidates = set(ev.universe)
    encoded = []
    for word in words:
        encoded.append(ev.term_values(q.fieldname, word))
        candidates &= encoded[-1].keys()
        if not candidates:
            return set()
    offsets = getattr(q, "offsets", None) or list(range(len(words)))
    found = {docnum for docnum in candidates if _in_place(encoded, docnum, offsets, q.slop)}
    if positive and found:
        ev.scored.extend((q.fieldname, word, q.boost) for word in words)
    return found


def _in_place(encoded: list[dict[int, bytes]], docnum: int, offsets: list[int], slop: int) -> bool:
    """Whether each word occurs at its offset from the first (up to `slop` - 1 later); positions
    are decoded word by word, and not at all once a word is out of place."""
    starts = positions(encoded[0][docnum])
    for offset, values in zip(offsets[1:], encoded[1:], strict=True):
        later = positions(values[docnum])
        if slop <= 1:
            starts = {p for p in starts if p + offset in later}
        else:
            starts = {p for p in starts if any(p + offset + s in later for s in range(slop))}
        if not starts:
            return False
    return True


def _multi_term(ev: Evaluation, q: wq.MultiTerm, positive: bool) -> set[int]:
    reader = ev.reader.searcher.reader()
    from_bytes = reader.schema[q.fieldname].from_bytes
    found: set[int] = set()
    for count, (_fieldname, btext) in enumerate(q.expanded_terms(reader)):
        if count >= MAX_TERMS:
            break
        text = from_bytes(btext) if isinstance(btext, bytes) else btext
        if positive:
            ev.scored.append((q.fieldname, text, q.boost))
        found |= ev.term(q.fieldname, text).keys() & ev.universe
    return found


_HANDLERS: dict[type, Callable[[Evaluation, wq.Query, bool], set[int]]] = {
    Equivalents: _equivalents,
    wq.Term: _term,
    wq.Phrase: _phrase,
    wq.AndMaybe: _and_maybe,
    wq.And: _and,
    wq.Or: _or,
    wq.Not: _not,
    wq.Every: _every,
    type(wq.NullQuery): _null,
    wq.Prefix: _multi_term,
    wq.FuzzyTerm: _multi_term,
}
