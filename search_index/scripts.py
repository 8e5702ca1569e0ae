"""Splitting text into runs of one writing system.

Whoosh's default tokenizer cuts Thai, Khmer and Lao words at vowel marks, drops Burmese and keeps
a whole Chinese sentence as one token (MEASUREMENTS). Every analyzer therefore first splits text
into runs of one script and then treats each run the way its script needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Scripts written without spaces between words (or, for Hangul, segmented by bigrams here).
SCRIPT_RANGES: dict[str, str] = {
    "thai": "\u0e00-\u0e7f",
    "lao": "\u0e80-\u0eff",
    "myanmar": "\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f",
    "khmer": "\u1780-\u17ff\u19e0-\u19ff",
    "hangul": "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff",
    "kana": "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f",
    "han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f",
}
_ALL_SPECIAL = "".join(SCRIPT_RANGES.values())
# Combining marks and Indic blocks, whose vowel signs Python's \w does not count as word chars.
# The Devanagari danda and double danda (U+0964, U+0965, used by every Indic script) end a
# sentence: they are left out, so a word before them is a word of its own. ZWJ and ZWNJ shape
# Indic conjuncts inside a word (FoldFilter removes them from the token).
_MARKS = (
    "\u0300-\u036f\u0900-\u0963\u0966-\u0dff\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufe20-\ufe2f"
)
# Inside a run, but never starting one: zero-width characters that Khmer, Lao and Burmese
# writers put between words or syllables (the normalisers remove them).
_JOINERS = "\u200b-\u200d\u2060"
# Sentence punctuation of the unspaced scripts, which is not part of any word: Khmer KHAN,
# BARIYOOSAN, CAMNUC PII KUUH and signs; Burmese LITTLE and BIG SECTION; Lao ELLIPSIS.
RUN_RANGES = dict(
    SCRIPT_RANGES,
    lao="\u0e80-\u0eae\u0eb0-\u0eff",
    khmer="\u1780-\u17d3\u17d7\u17dc-\u17ff\u19e0-\u19ff",
    myanmar="\u1000-\u1049\u104c-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f",
)

RUN_RE = re.compile(
    "(?P<thai>[{thai}]+)|(?P<lao>[{lao}][{lao}{joiners}]*)"
    "|(?P<myanmar>[{myanmar}][{myanmar}{joiners}]*)|(?P<khmer>[{khmer}][{khmer}{joiners}]*)"
    "|(?P<hangul>[{hangul}]+)|(?P<cjk>[{kana}{han}]+)"
    "|(?P<word>(?:[^\\W_{special}]|[{marks}])+)".format(
        special=_ALL_SPECIAL, marks=_MARKS, joiners=_JOINERS, **RUN_RANGES
    )
)
# Text with no character of the unspaced scripts and no mark (most English, Indonesian, Filipino
# and Vietnamese text in NFC) has only word runs: a simpler pattern finds the same words faster.
WORD_RE = re.compile(r"[^\W_]+")
_NEEDS_RUNS_RE = re.compile(f"[{_ALL_SPECIAL}{_MARKS}]")
_SCRIPT_RES = {name: re.compile(f"[{chars}]") for name, chars in SCRIPT_RANGES.items()}
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_DEVANAGARI_RE = re.compile("[\u0900-\u097f]")
_ASCII_NON_LETTERS = bytes(code for code in range(128) if not _LATIN_RE.match(chr(code)))


def script_runs(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield (kind, start, end) for each run; kind is word, thai, lao, myanmar, khmer, hangul
    or cjk (Han and kana together, since Japanese mixes them inside one word)."""
    for match in RUN_RE.finditer(text):
        yield match.lastgroup or "word", match.start(), match.end()


def only_words(text: str) -> bool:
    """Whether RUN_RE would find only word runs in `text`, exactly those WORD_RE finds."""
    return text.isascii() or not _NEEDS_RUNS_RE.search(text)


def script_counts(text: str) -> dict[str, int]:
    """Count letters per script: the basis of script-based language detection."""
    if text.isascii():  # Latin letters only, counted without a match object per letter
        counts = dict.fromkeys(_SCRIPT_RES, 0)
        counts["latin"] = len(text.encode("ascii").translate(None, _ASCII_NON_LETTERS))
        counts["devanagari"] = 0
        return counts
    counts = {name: len(regex.findall(text)) for name, regex in _SCRIPT_RES.items()}
    counts["latin"] = len(_LATIN_RE.findall(text))
    counts["devanagari"] = len(_DEVANAGARI_RE.findall(text))
    return counts


def has_devanagari(text: str) -> bool:
    return bool(_DEVANAGARI_RE.search(text))


def is_bigram_script(char: str) -> bool:
    """True for a character of a script that is not segmented into words by spaces."""
    return bool(char) and any(regex.match(char) for regex in _SCRIPT_RES.values())
