"""Where a snippet may begin or end: between words, in every script.

Snippet fragments begin and end at token boundaries, which are words only in spaced scripts:
Thai inner words, Khmer and Lao bigrams and Chinese compound parts start inside words, and a
Khmer bigram may even start on a subscript consonant. A cut is moved to the nearest boundary
of its script: a spaced word's edges (Latin, Devanagari, Hangul words), a newmm word (Thai), a
syllable (Burmese, also in Zawgyi), and for Khmer and Lao, which have no segmenter here, the
run's edge (a space) when it is near, else a cluster boundary (never inside a consonant stack,
never before a vowel sign or after a COENG).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from search_index import normalize, segmenters
from search_index.scripts import RUN_RE

WINDOW = 120  # characters each side of a cut that are looked at
NEAR_EDGE = 30  # a Khmer or Lao cut moves to its run's edge (a space) when it is this close
# Khmer: consonants and independent vowels start a cluster, unless they follow a COENG.
_KHMER_BASES = frozenset(chr(c) for c in range(0x1780, 0x17B4))
_KHMER_COENG = "\u17d2"
# Lao: consonants, independent vowel-like letters and the prefixed vowels (e, ae, o, ai, ay).
_LAO_BASES = frozenset([chr(c) for c in range(0x0E81, 0x0EAF)] + [chr(c) for c in range(0x0EC0, 0x0EC5)])
_LAO_LEADING = frozenset(chr(c) for c in range(0x0EC0, 0x0EC5))


def _run_at(text: str, position: int) -> tuple[str, int, int] | None:
    """(kind, start, end) of the script run that `position` falls strictly inside."""
    low = max(0, position - WINDOW)
    for match in RUN_RE.finditer(text, low, min(len(text), position + WINDOW)):
        if match.start() < position < match.end():
            return match.lastgroup or "word", match.start(), match.end()
        if match.start() >= position:
            break
    return None


def _cluster_bounds(kind: str, run: str) -> list[int]:
    bases = _KHMER_BASES if kind == "khmer" else _LAO_BASES
    bounds = [0]
    for i in range(1, len(run)):
        if run[i] in bases and run[i - 1] != _KHMER_COENG:
            if kind == "lao" and run[i - 1] in _LAO_LEADING:
                continue  # a consonant after a prefixed vowel belongs to it
            bounds.append(i)
    bounds.append(len(run))
    return bounds


def _bounds(kind: str, run: str) -> list[int]:
    """Sorted positions inside `run` where it may be cut (0 and len(run) included)."""
    if kind == "thai":
        spans = segmenters.thai_words(run)
        return sorted({0, len(run), *(s for _, s, _ in spans), *(e for _, _, e in spans)})
    if kind == "myanmar":
        converted, offsets = normalize.normalized(kind, run)
        syllables = segmenters.myanmar_syllables(converted)
        return sorted({0, len(run), *(offsets[s] for _, s, _ in syllables)})
    if kind in ("khmer", "lao"):
        return _cluster_bounds(kind, run)
    if kind == "cjk":
        return list(range(len(run) + 1))  # every Han and kana character stands alone
    return [0, len(run)]  # spaced words, Hangul words


def _snap(text: str, position: int, forward: bool) -> int:
    if position <= 0 or position >= len(text):
        return max(0, min(position, len(text)))
    found = _run_at(text, position)
    if found is None:
        return position
    kind, start, end = found
    relative = position - start
    if kind in ("khmer", "lao"):
        edge = end - start if forward else 0
        if abs(edge - relative) <= NEAR_EDGE:
            return start + edge
    bounds = _bounds(kind, text[start:end])
    if forward:
        return start + bounds[bisect_left(bounds, relative)]
    return start + bounds[bisect_right(bounds, relative) - 1]


def cut_before(text: str, position: int) -> int:
    """The nearest boundary at or before `position`."""
    return _snap(text, position, forward=False)


def cut_after(text: str, position: int) -> int:
    """The nearest boundary at or after `position`."""
    return _snap(text, position, forward=True)
