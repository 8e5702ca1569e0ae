"""Suggestions ("did you mean") drawn only from documents the user may read.

Whoosh's corrector reads a field's whole lexicon, so it would offer a word that exists only in a
document the user may not read, and so reveal it. Here candidates come from the lexicon of the
`words` field (each document's distinct folded Latin words), near the typed word in edit
distance, and each is kept only if at least one readable document contains it; ranking uses
the readable-document count, not the global one.
"""

from __future__ import annotations

from itertools import islice

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from search_index.analyzers import analyze
from search_index.parse import ParsedQuery
from search_index.schema import WORDS_FIELD

FIELDS = (WORDS_FIELD,)
MAX_CANDIDATES = 200
MIN_WORD_CHARS = 3


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), as Whoosh's automata use."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1]


def readable_count(searcher: Searcher, allowed: np.ndarray, term: str) -> int:
    """How many readable documents contain `term`."""
    docs: set[int] = set()
    reader = searcher.reader()
    for name in FIELDS:
        if reader.doc_frequency(name, term):
            docs.update(searcher.docs_for_query(wq.Term(name, term)))
    return int(np.count_nonzero(allowed[np.fromiter(docs, dtype=np.int64, count=len(docs))]))


def correction(searcher: Searcher, allowed: np.ndarray, term: str) -> str | None:
    """The closest readable word to `term`, preferring words in more readable documents."""
    reader = searcher.reader()
    candidates: set[str] = set()
    for maxdist in (1, 2):
        if maxdist == 2 and len(term) < 5:
            break
        for name in FIELDS:
            candidates.update(islice(reader.terms_within(name, term, maxdist, prefix=1), 100))
        ranked = []
        for candidate in sorted(candidates - {term})[:MAX_CANDIDATES]:
            count = readable_count(searcher, allowed, candidate)
            if count:
                ranked.append((edit_distance(candidate, term), -count, candidate))
        if ranked:
            return min(ranked)[2]
    return None


def suggestion(searcher: Searcher, allowed: np.ndarray, parsed: ParsedQuery) -> str | None:
    """The query with unknown words replaced by readable corrections, or None."""
    if not allowed.any():
        return None
    replacements = []
    for word in parsed.words:
        if word.prefix or word.fuzzy:
            continue
        tokens = analyze("folded", word.text)
        if len(tokens) != 1:
            continue
        term = tokens[0][0]
        if len(term) < MIN_WORD_CHARS or not term.isalpha() or not term.isascii():
            continue
        if readable_count(searcher, allowed, term):
            continue
        better = correction(searcher, allowed, term)
        if better:
            replacements.append((word.start, word.end, better))
    if not replacements:
        return None
    text = parsed.text
    for start, end, better in reversed(replacements):
        text = text[:start] + better + text[end:]
    return " ".join(text.split())
