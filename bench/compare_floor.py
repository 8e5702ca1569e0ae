"""The numpy floor of `search_compare.py`: the one-word shape's work on plain arrays.

Postings of the shape's words (document numbers, term frequencies), every document's length and
facet codes, and the reader's readable mask, all in numpy: a search masks the postings by the
readable set, scores BM25 with the length norms, takes the top k by argpartition and counts the
facets by bincount. No query parsing, stemming, snippets or Python per posting: what the same
work costs with nothing else around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from compare_engines import FACETS, PRINCIPALS, text_of

K1, B = 1.2, 0.75
WORD = re.compile(r"\w+")


@dataclass
class Floor:
    lengths: np.ndarray
    readable: np.ndarray
    codes: dict[str, np.ndarray]
    sizes: dict[str, int]
    topics: np.ndarray  # documents x topics, 0/1
    average_length: float = 0.0
    postings: dict[str, tuple[np.ndarray, np.ndarray, float]] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        arrays = [self.lengths, self.readable, self.topics, *self.codes.values()]
        arrays += [a for ids, tfs, _ in self.postings.values() for a in (ids, tfs)]
        return sum(a.nbytes for a in arrays)


def build(records: list[dict[str, Any]], words: list[str]) -> Floor:
    """Arrays for `words` (lower-case, unstemmed: the shape's words as written)."""
    n = len(records)
    values: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    codes = {name: np.zeros(n, np.int32) for name in FACETS if name != "topic"}
    topics = np.zeros((n, 16), np.uint8)
    lengths = np.zeros(n, np.float32)
    readable = np.zeros(n, bool)
    found: dict[str, tuple[list[int], list[int]]] = {w: ([], []) for w in words}
    for i, r in enumerate(records):
        tokens = WORD.findall(f"{r['title']} {r['summary']} {text_of(r)}".lower())
        lengths[i] = len(tokens)
        readable[i] = bool(r["principals"] & set(PRINCIPALS))
        for name, column in codes.items():
            column[i] = values[name].setdefault(str(r[name]), len(values[name]))
        for topic in r["topics"]:
            topics[i, values["topic"].setdefault(topic, len(values["topic"]))] = 1
        for w in words:
            if tf := tokens.count(w):
                found[w][0].append(i)
                found[w][1].append(tf)
    sizes = {k: len(v) for k, v in values.items()}
    floor = Floor(lengths, readable, codes, sizes, topics, average_length=float(lengths.mean()))
    for w, (ids, tfs) in found.items():
        idf = float(np.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5)))
        floor.postings[w] = (np.array(ids, np.int32), np.array(tfs, np.float32), idf)
    return floor


def search(floor: Floor, word: str, k: int) -> tuple[int, np.ndarray, dict[str, np.ndarray]]:
    """Total of readable matches, the top k document numbers by BM25, and the facet counts."""
    ids, tfs, idf = floor.postings[word]
    keep = floor.readable[ids]
    ids, tfs = ids[keep], tfs[keep]
    norms = K1 * (1 - B + B * floor.lengths[ids] / floor.average_length)
    scores = idf * tfs * (K1 + 1) / (tfs + norms)
    k = min(k, len(ids))
    top = np.argpartition(-scores, k - 1)[:k] if k else ids[:0]
    top = ids[top[np.argsort(-scores[top])]]
    facets = {name: np.bincount(c[ids], minlength=floor.sizes[name]) for name, c in floor.codes.items()}
    facets["topic"] = floor.topics[ids].sum(axis=0)
    return len(ids), top, facets
