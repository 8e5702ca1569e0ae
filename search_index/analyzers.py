"""Whoosh analyzers, one per language family.

Whoosh pickles the schema, analyzers included, into the index: every class here is defined at
module level, keeps no loaded library as an attribute, and must keep its import path
(`search_index.analyzers.<Name>`) for as long as indexes built with it exist.

Modes: Whoosh indexes with mode="index"; the query compiler analyses with mode="query". Index
mode emits extra tokens at the same position (Thai inner words, Chinese compound parts, the last
character of a bigram run) that would make a query needlessly broad.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from typing import Any

from whoosh.analysis import CompositeAnalyzer, Filter, Token, Tokenizer
from whoosh.lang.snowball.english import EnglishStemmer

from search_index import normalize, segmenters
from search_index.scripts import RUN_RE, WORD_RE, only_words
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
_SPECIAL_RE = re.compile(f"[{''.join(map(chr, _SPECIAL_LETTERS))}]")
_INVISIBLE_RE = re.compile(f"[{''.join(map(chr, _INVISIBLE))}]")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Case-fold, and strip accents from Latin letters (Ngoại -> ngoai, đ -> d).

    Marks on other scripts are kept: NFKD would split Thai SARA AM or Devanagari nukta forms.
    Cached: meant for words; use `fold_text` for long texts.
    """
    return fold_text(text)


def fold_text(text: str) -> str:
    """`fold` without the cache."""
    if text.isascii():  # casefold is lower here, and no special letter or mark can occur
        return text.lower()
    # str.translate looks each character of a non-ASCII text up in its table (50 ns each):
    # only when a character to replace occurs.
    text = text.casefold()
    if _SPECIAL_RE.search(text):
        text = text.translate(_SPECIAL_LETTERS)
    if text.isascii():
        return text
    if _INVISIBLE_RE.search(text):
        text = text.translate(_INVISIBLE)
        if text.isascii():
            return text
    if not _FOLDABLE_RE.search(text):
        return unicodedata.normalize("NFC", text)
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", _latin_marks_re().sub(_without_marks, decomposed))


@cache
def _latin_marks_re() -> re.Pattern[str]:
    """Runs of combining characters, and of astral characters (which `_without_marks` sorts
    out), right after a character below U+0250 (a Latin letter): the accents folding drops.
    Every combining character is at or above U+0300, so the one before a run is its base. The
    BMP's combining characters are listed (from unicodedata, 40 ms) so that the class stays a
    bitmap."""
    marks = [code for code in range(0x10000) if unicodedata.combining(chr(code))]
    ranges, start = [], marks[0]
    for previous, code in itertools.pairwise([*marks, -1]):
        if code != previous + 1:
            ranges.append(f"\\u{start:04x}-\\u{previous:04x}")
            start = code
    return re.compile(f"(?<=[\\x00-\\u024f])(?:[{''.join(ranges)}]|[\\U00010000-\\U0010ffff])+")


def _without_marks(match: re.Match[str]) -> str:
    """A run found by `_latin_marks_re` without its leading combining characters: after the
    first that is not one, the marks belong to that character."""
    run = match.group()
    for index, char in enumerate(run):
        if not unicodedata.combining(char):
            return run[index:]
    return ""


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


def as_is(text: str) -> tuple[str, ...]:
    return (text,)


class ScriptTokenizer(Tokenizer):
    """Words of space-separated scripts as tokens, Burmese as syllables, other scripts as
    character bigrams; Khmer, Lao and Burmese runs are normalised first (`normalize`).

    Subclasses segment their own script properly and fall back to these for the rest.
    `FamilyAnalyzer` passes its filters as `terms`, which makes each piece its terms.
    """

    def segment(self, kind: str, run: str, index_mode: bool) -> Iterator[Piece]:
        if kind == "word":
            yield run, 0, len(run), False
        elif kind in normalize.NORMALIZERS:
            yield from normalized_pieces(kind, run, index_mode)
        else:
            yield from bigram_pieces(run, index_mode)

    def pieces(self, value: str, index_mode: bool) -> Iterator[Piece]:
        """Every piece of `value`, at offsets into it."""
        if only_words(value):
            for match in WORD_RE.finditer(value):
                yield match.group(), match.start(), match.end(), False
            return
        for match in RUN_RE.finditer(value):
            kind, run_start = match.lastgroup, match.start()
            if kind == "word":  # most tokens: no segmenter, no generator
                yield match.group(), run_start, match.end(), False
                continue
            for text, start, end, same_pos in self.segment(kind or "word", match.group(), index_mode):
                yield text, run_start + start, run_start + end, same_pos

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
        terms: Callable[[str], tuple[str, ...]] = as_is,
        **kwargs: Any,
    ) -> Iterator[Token]:
        # One token object, yielded again and again, as Whoosh's own tokenizers do; boost and
        # stopped are set once (no filter here changes them). Not itself a generator: a
        # `yield from` would add a frame switch per token.
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost, token.stopped = 1.0, False
        if not tokenize:
            token.original = token.text = value
            token.pos, token.startchar = start_pos, start_char
            token.endchar = start_char + len(value)
            return iter((token,))
        if positions and not (chars or keeporiginal) and only_words(value):
            return _indexed_words(token, value, terms, start_pos)
        return self._tokens(token, value, terms, start_pos, start_char, keeporiginal)

    def _tokens(
        self,
        token: Token,
        value: str,
        terms: Callable[[str], tuple[str, ...]],
        start_pos: int,
        start_char: int,
        keeporiginal: bool,
    ) -> Iterator[Token]:
        positions, chars = token.positions, token.chars
        pos, shift = start_pos - 1, 0  # shift: positions added by pieces of several terms
        for text, start, end, same_pos in self.pieces(value, token.mode != "query"):
            if not same_pos or pos < start_pos:
                pos += 1
            found = terms(text)
            if keeporiginal:
                token.original = text
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            for offset, term in enumerate(found):
                token.text = term
                if positions:
                    token.pos = pos + shift + offset
                yield token
            if len(found) > 1:
                shift += len(found) - 1


def _indexed_words(
    token: Token, value: str, terms: Callable[[str], tuple[str, ...]], start_pos: int
) -> Iterator[Token]:
    """ScriptTokenizer's loop for text of words only, as Whoosh indexes it (positions, no
    character offsets): the bulk of an index build."""
    pos = start_pos
    for word in WORD_RE.findall(value):
        found = terms(word)
        if len(found) == 1:
            token.text, token.pos = found[0], pos
            yield token
        else:
            for offset, term in enumerate(found):
                token.text, token.pos = term, pos + offset
                yield token
            pos += max(len(found) - 1, 0)
        pos += 1


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


class TermFilter(Filter):
    """A filter that makes each token's text zero or more terms (`terms`); the terms of one
    token take consecutive positions, and later tokens shift by the extra ones."""

    def terms(self, text: str) -> tuple[str, ...]:
        raise NotImplementedError

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        shift = 0
        for token in tokens:
            found = self.terms(token.text)
            if token.positions:
                token.pos += shift
            for offset, term in enumerate(found):
                token.text = term
                if offset and token.positions:
                    token.pos += 1
                yield token
            shift += max(len(found) - 1, 0)


class FoldFilter(TermFilter):
    """Case and accent folding (see `fold`); a token that folds to nothing is dropped."""

    def terms(self, text: str) -> tuple[str, ...]:
        folded = fold(text)
        return (folded,) if folded else ()


@lru_cache(maxsize=100_000)
def stem_english(word: str) -> str:
    return _english_stemmer().stem(word)


@lru_cache(maxsize=1)
def _english_stemmer() -> EnglishStemmer:
    return EnglishStemmer()


class EnglishStemFilter(TermFilter):
    """Snowball (Porter2) English: unifies negotiating and negotiations, which Porter misses."""

    def terms(self, text: str) -> tuple[str, ...]:
        return (stem_english(text),) if text.isascii() and text.isalpha() else (text,)


@lru_cache(maxsize=1)
def _sastrawi() -> Any:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem_indonesian(word: str) -> str:
    return _sastrawi().stem(word) or word


class IndonesianStemFilter(TermFilter):
    """Sastrawi stemming for Indonesian and Malay (berdiplomasi -> diplomasi).

    Sastrawi does not unify kerjasama with kerja sama, so the joined form is emitted as the two
    words at consecutive positions and later tokens shift by one.
    """

    def terms(self, text: str) -> tuple[str, ...]:
        if text.isascii() and text.isalpha() and len(text) > 3:
            text = stem_indonesian(text)
        if "kerjasama" in text:  # also bekerjasama, kerjasamanya, which Sastrawi keeps
            return ("kerja", "sama")
        return (text,)


class HindiStemFilter(TermFilter):
    """Ramanathan and Rao's light stemmer for Devanagari words (see `stemmers`)."""

    def terms(self, text: str) -> tuple[str, ...]:
        return (stem_hindi(text),)


class FilipinoStemFilter(TermFilter):
    """A light Filipino affix stemmer for Latin words (see `stemmers`)."""

    def terms(self, text: str) -> tuple[str, ...]:
        return (stem_filipino(text),)


@cache
def chained_terms(filters: tuple[type[TermFilter], ...]) -> Callable[[str], tuple[str, ...]]:
    """The terms a piece becomes through `filters` in turn, cached per piece: most words of a
    text were seen before, so fold and stem run once per distinct word, not per token. A
    TermFilter keeps no settings: its type is all the cache needs to know of it."""
    chain = [kind() for kind in filters]

    @lru_cache(maxsize=100_000)
    def terms(text: str) -> tuple[str, ...]:
        found = (text,)
        for term_filter in chain:
            found = tuple(term for piece in found for term in term_filter.terms(piece))
        return found

    return terms


class FamilyAnalyzer(CompositeAnalyzer):
    """A ScriptTokenizer and TermFilters, run as one loop: the tokenizer takes the filters'
    terms per piece (`chained_terms`) instead of passing each token through a generator per
    filter. The tokens are those of the plain chain (`CompositeAnalyzer.__call__`)."""

    def __call__(self, value: str, no_morph: bool = False, **kwargs: Any) -> Iterator[Token]:
        tokenizer, *filters = self.items
        if no_morph:
            return super().__call__(value, no_morph=no_morph, **kwargs)
        return tokenizer(value, terms=chained_terms(tuple(type(f) for f in filters)), **kwargs)


def build_analyzers() -> dict[str, Any]:
    """One analyzer per language family; keys are the field suffixes in the schema.

    No stop words are removed: phrases are matched in the stemmed fields by position, and a
    query may consist of a stop word (documents are indexed once, without a folded copy).
    """
    return {
        "en": FamilyAnalyzer(ScriptTokenizer(), FoldFilter(), EnglishStemFilter()),
        "id": FamilyAnalyzer(ScriptTokenizer(), FoldFilter(), IndonesianStemFilter()),
        "th": FamilyAnalyzer(ThaiTokenizer(), FoldFilter()),
        "zh": FamilyAnalyzer(ChineseTokenizer(), FoldFilter()),
        "ja": FamilyAnalyzer(JapaneseTokenizer(), FoldFilter()),
        "bigram": FamilyAnalyzer(ScriptTokenizer(), FoldFilter()),
        "hi": FamilyAnalyzer(ScriptTokenizer(), FoldFilter(), HindiStemFilter()),
        "fil": FamilyAnalyzer(ScriptTokenizer(), FoldFilter(), FilipinoStemFilter()),
        "folded": FamilyAnalyzer(ScriptTokenizer(), FoldFilter()),
    }


ANALYZERS = build_analyzers()


def analyze(family: str, text: str, mode: str = "query") -> list[tuple[str, int]]:
    """(term, position) pairs of `text` under a family's analyzer."""
    return [(t.text, t.pos) for t in ANALYZERS[family](text, positions=True, mode=mode)]
