"""Whoosh analyzers, one per language family.

Whoosh pickles the schema, analyzers included, into the index: every class here is defined at
module level, keeps no loaded library as an attribute, and must keep its import path
(`search_index.analyzers.<Name>`) for as long as indexes built with it exist.

Modes: Whoosh indexes with mode="index"; the query compiler analyses with mode="query". Index
mode emits extra tokens at the same position (Thai inner words, Chinese compound parts, the last
character of a bigram run) that would make a query needlessly broad.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.lang.snowball.english import EnglishStemmer

from search_index import normalize, segmenters
from search_index.scripts import RUN_RE
from search_index.stemmers import stem_filipino, stem_hindi

# (text, start, end, same_position_as_previous)
Piece = tuple[str, int, int, bool]

_SPECIAL_LETTERS = str.maketrans(
    {"đ": "d", "ð": "d", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "ŧ": "t"}
)
# Latin letters with accents, combining marks, and full-width forms: what NFKD folding is for.
_FOLDABLE_RE = re.compile("[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff\uff00-\uffef]")
# Zero-width characters only shape glyphs (ZWJ, ZWNJ in Indic conjuncts) or mark breaks: a token
# never keeps them, or a query typed without them would not match.
_INVISIBLE = str.maketrans(dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]))


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Case-fold, and strip accents from Latin letters (Ngoại -> ngoai, đ -> d).

    Marks on other scripts are kept: NFKD would split Thai SARA AM or Devanagari nukta forms.
    Cached: meant for words; use `fold_text` for long texts.
    """
    return fold_text(text)


def fold_text(text: str) -> str:
    """`fold` without the cache."""
    text = text.casefold().translate(_SPECIAL_LETTERS)
    if text.isascii():
        return text
    text = text.translate(_INVISIBLE)
    if text.isascii():
        return text
    if not _FOLDABLE_RE.search(text):
        return unicodedata.normalize("NFC", text)
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and out and ord(out[-1][-1]) < 0x250:
            continue
        out.append(char)
    folded = "".join(out)
    return unicodedata.normalize("NFC", folded)


def bigram_pieces(run: str, index_mode: bool) -> Iterator[Piece]:
    """Overlapping character bigrams; in index mode also the run's last character (at the last
    bigram's position) so a one-character query can match by prefix."""
    if len(run) == 1:
        yield run, 0, 1, False
        return
    for i in range(len(run) - 1):
        yield run[i : i + 2], i, i + 2, False
    if index_mode:
        yield run[-1], len(run) - 1, len(run), True


def normalized_pieces(kind: str, run: str, index_mode: bool) -> Iterator[Piece]:
    """Pieces of a normalised run (Burmese syllables, else bigrams), at original offsets."""
    text, offsets = normalize.normalized(kind, run)
    if not text:
        return
    if kind == "myanmar":
        pieces: Iterable[Piece] = ((w, s, e, False) for w, s, e in segmenters.myanmar_syllables(text))
    else:
        pieces = bigram_pieces(text, index_mode)
    for piece, start, end, same in pieces:
        yield piece, offsets[start], offsets[end], same


class ScriptTokenizer(Tokenizer):
    """Words of space-separated scripts as tokens, Burmese as syllables, other scripts as
    character bigrams; Khmer, Lao and Burmese runs are normalised first (`normalize`).

    Subclasses segment their own script properly and fall back to these for the rest.
    """

    def segment(self, kind: str, run: str, index_mode: bool) -> Iterator[Piece]:
        if kind == "word":
            yield run, 0, len(run), False
        elif kind in normalize.NORMALIZERS:
            yield from normalized_pieces(kind, run, index_mode)
        else:
            yield from bigram_pieces(run, index_mode)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost, token.stopped = 1.0, False
            token.pos, token.startchar = start_pos, start_char
            token.endchar = start_char + len(value)
            yield token
            return
        index_mode = mode != "query"
        pos = start_pos - 1
        for match in RUN_RE.finditer(value):
            kind, run_start = match.lastgroup, match.start()
            if kind == "word":  # most tokens: no segmenter, no generator
                pieces: Iterable[Piece] = ((match.group(), 0, match.end() - run_start, False),)
            else:
                pieces = self.segment(kind or "word", match.group(), index_mode)
            for text, start, end, same_pos in pieces:
                if not same_pos or pos < start_pos:
                    pos += 1
                token.text = text
                token.boost, token.stopped = 1.0, False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + run_start + start
                    token.endchar = start_char + run_start + end
                yield token


class ThaiTokenizer(ScriptTokenizer):
    """Thai by pythainlp newmm, plus the dictionary words inside compounds when indexing."""

    def segment(self, kind: str, run: str, index_mode: bool) -> Iterator[Piece]:
        if kind != "thai":
            yield from super().segment(kind, run, index_mode)
            return
        for word, start, end in segmenters.thai_words(run):
            yield word, start, end, False
            if index_mode:
                for sub, offset in segmenters.thai_subwords(word):
                    yield sub, start + offset, start + offset + len(sub), True


class ChineseTokenizer(ScriptTokenizer):
    """Han by jieba: search mode when indexing (parts of compounds share the position)."""

    def segment(self, kind: str, run: str, index_mode: bool) -> Iterator[Piece]:
        if kind != "cjk":
            yield from super().segment(kind, run, index_mode)
            return
        covered = 0
        for word, start, end in segmenters.chinese_words(run, search_mode=index_mode):
            yield word, start, end, start < covered
            covered = max(covered, end)


class JapaneseTokenizer(ScriptTokenizer):
    """Japanese (kana and kanji) by janome, as base forms."""

    def segment(self, kind: str, run: str, index_mode: bool) -> Iterator[Piece]:
        if kind != "cjk":
            yield from super().segment(kind, run, index_mode)
            return
        for word, start, end in segmenters.japanese_words(run):
            yield word, start, end, False


class FoldFilter(Filter):
    """Case and accent folding (see `fold`)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold(token.text)
            if token.text:
                yield token


@lru_cache(maxsize=100_000)
def stem_english(word: str) -> str:
    return _english_stemmer().stem(word)


@lru_cache(maxsize=1)
def _english_stemmer() -> EnglishStemmer:
    return EnglishStemmer()


class EnglishStemFilter(Filter):
    """Snowball (Porter2) English: unifies negotiating and negotiations, which Porter misses."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if token.text.isascii() and token.text.isalpha():
                token.text = stem_english(token.text)
            yield token


@lru_cache(maxsize=1)
def _sastrawi() -> Any:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem_indonesian(word: str) -> str:
    return _sastrawi().stem(word) or word


class IndonesianStemFilter(Filter):
    """Sastrawi stemming for Indonesian and Malay (berdiplomasi -> diplomasi).

    Sastrawi does not unify kerjasama with kerja sama, so the joined form is emitted as the two
    words at consecutive positions and later tokens shift by one.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        shift = 0
        for token in tokens:
            if shift and token.positions:
                token.pos += shift
            text = token.text
            if text.isascii() and text.isalpha() and len(text) > 3:
                text = stem_indonesian(text)
            if "kerjasama" in text:  # also bekerjasama, kerjasamanya, which Sastrawi keeps
                token.text = "kerja"
                yield token
                token.text = "sama"
                if token.positions:
                    token.pos += 1
                shift += 1
                yield token
                continue
            token.text = text
            yield token


class HindiStemFilter(Filter):
    """Ramanathan and Rao's light stemmer for Devanagari words (see `stemmers`)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = stem_hindi(token.text)
            yield token


class FilipinoStemFilter(Filter):
    """A light Filipino affix stemmer for Latin words (see `stemmers`)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = stem_filipino(token.text)
            yield token


def build_analyzers() -> dict[str, Any]:
    """One analyzer per language family; keys are the field suffixes in the schema.

    No stop words are removed: phrases are matched in the stemmed fields by position, and a
    query may consist of a stop word (documents are indexed once, without a folded copy).
    """
    return {
        "en": ScriptTokenizer() | FoldFilter() | EnglishStemFilter(),
        "id": ScriptTokenizer() | FoldFilter() | IndonesianStemFilter(),
        "th": ThaiTokenizer() | FoldFilter(),
        "zh": ChineseTokenizer() | FoldFilter(),
        "ja": JapaneseTokenizer() | FoldFilter(),
        "bigram": ScriptTokenizer() | FoldFilter(),
        "hi": ScriptTokenizer() | FoldFilter() | HindiStemFilter(),
        "fil": ScriptTokenizer() | FoldFilter() | FilipinoStemFilter(),
        "folded": ScriptTokenizer() | FoldFilter(),
    }


ANALYZERS = build_analyzers()


def analyze(family: str, text: str, mode: str = "query") -> list[tuple[str, int]]:
    """(term, position) pairs of `text` under a family's analyzer."""
    return [(t.text, t.pos) for t in ANALYZERS[family](text, positions=True, mode=mode)]
