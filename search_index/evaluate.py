"""Evaluating a compiled query with arrays of document numbers, and BM25 over the matches only.

Whoosh's matchers walk a union over several per-language fields one document at a time in
Python and score every match before the permission filter can drop it. Here a set of documents
is a boolean mask over the searcher's document numbers; each term's postings are read as arrays
(`codec`); AND, OR and NOT are mask operations; phrases read positions only for documents that
hold all their words and may be read; BM25 is computed only for the readable matches, from
per-field length norms cached for the searcher.

Scores are BM25F with each field normalised over the documents that have it: a language family's
fields are filled by that family's documents only, and Whoosh's average length (and idf) over
all documents made a body match in a sparse family's field count as many times the average
length, so an English case study saying "diplomacy" ranked below documents that only named the
concept in another language (the dense `concept` field). Glossary equivalents are scored apart
from the query's own words (`Equivalents`): a document found only through them scores below
every document that has the words themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq
from whoosh.util.numeric import byte_to_length

from search_index.codec import SearcherArrays, TermPostings

B, K1 = 0.75, 1.2
MAX_TERMS = 512  # indexed terms a prefix or fuzzy query may stand for per field (Whoosh: 1024)
# A document found only through glossary equivalents scores at most this share of the weakest
# document that has the query's own words.
EQUIVALENT_SHARE = 0.5

Mask = np.ndarray  # bool, one per document number of the searcher
Part = tuple[np.ndarray, np.ndarray]  # (document numbers, scores)
Leaf = tuple[str, str, float]


class Equivalents(wq.Or):
    """The query's own words (`exact`) or their glossary equivalents, scored apart (see
    `Evaluation.scores`); Whoosh itself would evaluate it as a plain Or."""

    def __init__(self, exact: wq.Query, equivalents: list[wq.Query]) -> None:
        super().__init__([exact, *equivalents])
        self.exact, self.equivalents = exact, equivalents


class PostingReader:
    """Per-searcher postings and field-length norms (replaced with the searcher)."""

    def __init__(self, arrays: SearcherArrays) -> None:
        self.arrays = arrays
        self.searcher = arrays.searcher
        self._norms: dict[str, np.ndarray] = {}
        self._filled: dict[str, tuple[int, float]] = {}

    def mask(self, docs: np.ndarray) -> Mask:
        found = np.zeros(self.arrays.size, dtype=bool)
        found[docs] = True
        return found

    def filled(self, fieldname: str) -> tuple[int, float]:
        """(documents with a non-empty `fieldname`, their average length): a family's fields
        are measured over that family's documents only."""
        if fieldname not in self._filled:
            count = int(np.count_nonzero(self.arrays.lengths(fieldname)))
            total = self.searcher.reader().field_length(fieldname) if count else 0
            self._filled[fieldname] = (count, (total / count) if count else 1.0)
        return self._filled[fieldname]

    def norms(self, fieldname: str) -> np.ndarray:
        """K1 * (1 - B + B * length / average length) per document: BM25's length part."""
        if fieldname not in self._norms:
            average = self.filled(fieldname)[1] or 1.0
            scale = np.array(
                [K1 * (1 - B + B * byte_to_length(b) / average) for b in range(256)], dtype=np.float32
            )
            self._norms[fieldname] = scale[self.arrays.lengths(fieldname)].astype(np.float64)
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
    groups: list[tuple[Scoring, Scoring, Mask]] = field(default_factory=list)


@dataclass
class Evaluation:
    """The documents a query matches within `universe`, and what their scores are made of."""

    reader: PostingReader
    universe: Mask
    scoring: Scoring = field(default_factory=Scoring)
    _postings: dict[tuple[str, str], TermPostings] = field(default_factory=dict)

    def term(self, fieldname: str, text: str) -> TermPostings:
        key = (fieldname, text)
        if key not in self._postings:
            self._postings[key] = self.reader.arrays.postings(fieldname, text)
        return self._postings[key]

    def within(self, docs: np.ndarray) -> Mask:
        """The documents of `docs` (document numbers) that are in the universe."""
        found = np.zeros_like(self.universe)
        found[docs[self.universe[docs]]] = True
        return found

    def none(self) -> Mask:
        return np.zeros_like(self.universe)

    def docs(self, q: wq.Query, positive: bool = True) -> Mask:
        """Matching documents of `universe`; terms under a positive branch are kept for scoring."""
        handler = _HANDLERS.get(type(q))
        if handler is None:
            for kind, fn in _HANDLERS.items():
                if isinstance(q, kind):
                    handler = fn
                    break
        if handler is None:
            found = np.fromiter(self.reader.searcher.docs_for_query(q), dtype=np.int64)
            return self.within(found)
        return handler(self, q, positive)

    @property
    def scored(self) -> list[Leaf]:
        return self.scoring.leaves

    def scores(self, docs: Mask) -> np.ndarray:
        """BM25F of every document (0 outside `docs`): the sum over the query's positive terms."""
        parts = self._parts(docs, self.scoring)
        parts.sort(key=lambda part: len(part[0]), reverse=True)
        totals = np.zeros(len(docs), dtype=np.float64)
        for ids, scores in parts:
            totals[ids] += scores
        return totals

    def _parts(self, docs: Mask, scoring: Scoring) -> list[Part]:
        parts = [self._term_scores(docs, *leaf) for leaf in dict.fromkeys(scoring.leaves)]
        parts.extend(self._group_scores(docs, *group) for group in scoring.groups)
        return [part for part in parts if len(part[0])]

    def _sum(self, docs: Mask, scoring: Scoring) -> Part:
        totals = np.zeros(len(docs), dtype=np.float64)
        present = np.zeros(len(docs), dtype=bool)
        for ids, scores in self._parts(docs, scoring):
            totals[ids] += scores
            present[ids] = True
        ids = np.flatnonzero(present)
        return ids, totals[ids]

    def _group_scores(self, docs: Mask, exact: Scoring, other: Scoring, found: Mask) -> Part:
        """Documents with the words score by them; those found only through equivalents score
        below the weakest of those, in the order of their own BM25F."""
        direct_ids, direct = self._sum(docs & found, exact)
        indirect_ids, indirect = self._sum(docs & ~found, other)
        if len(direct) and len(indirect):
            ceiling = EQUIVALENT_SHARE * float(direct.min())
            top = float(indirect.max()) or 1.0
            indirect = ceiling * indirect / top
        return np.concatenate([direct_ids, indirect_ids]), np.concatenate([direct, indirect])

    def _term_scores(self, docs: Mask, fieldname: str, text: str, boost: float) -> Part:
        postings = self.term(fieldname, text)
        keep = docs[postings.docs]
        present, weights = postings.docs[keep], postings.weights[keep]
        if not len(present):
            return present, weights
        if not self.reader.searcher.schema[fieldname].scorable:
            return present, boost * weights
        factor = boost * self.reader.idf(fieldname, text) * (K1 + 1)
        return present, factor * weights / (weights + self.reader.norms(fieldname)[present])


def _term(ev: Evaluation, q: wq.Term, positive: bool) -> Mask:
    if positive:
        ev.scored.append((q.fieldname, q.text, q.boost))
    return ev.within(ev.term(q.fieldname, q.text).docs)


def _equivalents(ev: Evaluation, q: Equivalents, positive: bool) -> Mask:
    if not positive:
        return _or(ev, q, positive)
    outer = ev.scoring
    ev.scoring = exact = Scoring()
    found = ev.docs(q.exact, positive)
    ev.scoring = other = Scoring()
    indirect = ev.none()
    for child in q.equivalents:
        indirect |= ev.docs(child, positive)
    ev.scoring = outer
    outer.groups.append((exact, other, found))
    return found | indirect


def _or(ev: Evaluation, q: wq.Or, positive: bool) -> Mask:
    found = ev.none()
    for child in q.subqueries:
        found |= ev.docs(child, positive)
    return found


def _and(ev: Evaluation, q: wq.And, positive: bool) -> Mask:
    found: Mask | None = None
    excluded = ev.none()
    for child in q.subqueries:
        if isinstance(child, wq.Not):
            excluded |= ev.docs(child.query, positive=False)
            continue
        docs = ev.docs(child, positive)
        found = docs if found is None else found & docs
    if found is None:
        found = ev.universe.copy()
    return found & ~excluded


def _not(ev: Evaluation, q: wq.Not, positive: bool) -> Mask:
    return ev.universe & ~ev.docs(q.query, positive=False)


def _and_maybe(ev: Evaluation, q: wq.AndMaybe, positive: bool) -> Mask:
    found = ev.docs(q.a, positive)
    ev.docs(q.b, positive)  # only adds scoring terms
    return found


def _every(ev: Evaluation, q: wq.Every, positive: bool) -> Mask:
    return ev.universe.copy()


def _null(ev: Evaluation, q: wq.Query, positive: bool) -> Mask:
    return ev.none()


def _phrase(ev: Evaluation, q: wq.Phrase, positive: bool) -> Mask:
    words = list(q.words)
    candidates = ev.universe.copy()
    postings = []
    for word in words:
        postings.append(ev.term(q.fieldname, word))
        candidates &= ev.reader.mask(postings[-1].docs)
        if not candidates.any():
            return candidates
    offsets = getattr(q, "offsets", None) or list(range(len(words)))
    found = ev.reader.mask(_in_place(ev.reader.arrays, postings, candidates, offsets, q.slop))
    if positive and found.any():
        ev.scored.extend((q.fieldname, word, q.boost) for word in words)
    return found


def _in_place(
    arrays: SearcherArrays, postings: list[TermPostings], candidates: Mask, offsets: list[int], slop: int
) -> np.ndarray:
    """The candidates where each word occurs at its offset from the first (up to `slop` - 1
    later), as (document << 32 | position of the first word) keys intersected word by word;
    each word's positions are read for the documents still in question only."""
    docs = np.flatnonzero(candidates)
    starts: np.ndarray | None = None
    for offset, term in zip(offsets, postings, strict=True):
        owners, positions = arrays.positions(term, np.searchsorted(term.docs, docs))
        keys = (owners << 32) + positions - offset
        keys = keys[positions >= offset]
        if starts is not None and slop > 1:
            keys = np.concatenate([keys - shift for shift in range(slop)])
        starts = np.unique(keys) if starts is None else np.intersect1d(starts, keys)
        if not len(starts):
            break
        docs = np.unique(starts >> 32)
    return np.unique(starts >> 32) if starts is not None else docs


def _multi_term(ev: Evaluation, q: wq.MultiTerm, positive: bool) -> Mask:
    reader = ev.reader.searcher.reader()
    from_bytes = reader.schema[q.fieldname].from_bytes
    found = ev.none()
    for count, (_fieldname, btext) in enumerate(q.expanded_terms(reader)):
        if count >= MAX_TERMS:
            break
        text = from_bytes(btext) if isinstance(btext, bytes) else btext
        if positive:
            ev.scored.append((q.fieldname, text, q.boost))
        found |= ev.within(ev.term(q.fieldname, text).docs)
    return found


_HANDLERS: dict[type, Callable[[Evaluation, wq.Query, bool], Mask]] = {
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
