"""Word segmenters for Thai, Chinese and Japanese, Burmese syllables and the Zawgyi encoding,
loaded lazily and once per process.

pythainlp, jieba and janome each take up to a second to load their dictionaries, so nothing is
loaded until a text in that script is analysed (myanmartools' Zawgyi model and python-myanmar's
tables: 25 ms and 4 MB, loaded at the first Burmese text). Each function returns plain (word, start, end)
tuples relative to the run it was given.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import warnings
from functools import lru_cache
from typing import Any

_lock = threading.Lock()
_loaded: dict[str, Any] = {}

Span = tuple[str, int, int]
MIN_SUBWORD_CHARS = 3  # two-character pieces (กา, ทู) are mostly noise


def _thai() -> Any:
    with _lock:
        if "thai" not in _loaded:
            from pythainlp.corpus import thai_words
            from pythainlp.tokenize import word_tokenize
            from pythainlp.tokenize.tcc import tcc_pos

            _loaded["thai"] = (word_tokenize, frozenset(thai_words()), tcc_pos)
        return _loaded["thai"]


def _jieba() -> Any:
    with _lock:
        if "jieba" not in _loaded:
            # jieba 0.42 imports pkg_resources, deprecated in recent setuptools.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", UserWarning)
                import jieba
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.tmp_dir = tempfile.gettempdir()
            tokenizer.cache_file = os.path.join(tempfile.gettempdir(), "rndd-search-jieba.cache")
            tokenizer.initialize()
            _loaded["jieba"] = tokenizer
        return _loaded["jieba"]


def _janome() -> Any:
    with _lock:
        if "janome" not in _loaded:
            from janome.tokenizer import Tokenizer

            _loaded["janome"] = (Tokenizer(), threading.Lock())
        return _loaded["janome"]


def _zawgyi() -> Any:
    with _lock:
        if "zawgyi" not in _loaded:
            # myanmartools 1.2.1 reads its model with importlib.resources.open_binary, deprecated.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                from myanmar import converter, language
                from myanmartools import ZawgyiDetector

                _loaded["zawgyi"] = (ZawgyiDetector(), converter, language)
        return _loaded["zawgyi"]


def looks_like_zawgyi(run: str) -> bool:
    """Whether a run of Myanmar-block text reads as Zawgyi (myanmartools' model)."""
    detector, _, _ = _zawgyi()
    return detector.get_zawgyi_probability(run) > ZAWGYI_THRESHOLD


def zawgyi_syllables(run: str) -> list[tuple[str, str]]:
    """(Zawgyi syllable, its Unicode form) for each syllable of a Zawgyi run, by python-myanmar
    (whose conversion tables follow the Rabbit rules); syllable by syllable so that offsets
    into the original survive the reordering."""
    _, converter, language = _zawgyi()
    zawgyi = converter.encoders["zawgyi"]
    pieces = [unit["syllable"] for unit in language.MorphoSyllableBreak(text=run, encoding=zawgyi)]
    return [(piece, converter.convert(piece, "zawgyi", "unicode")) for piece in pieces]


# Burmese syllables (Unicode): a syllable starts at a consonant that is neither stacked under
# the previous one (after VIRAMA) nor itself a final (before ASAT or VIRAMA), or at an
# independent vowel or digit: the rule of Ye Kyaw Thu's sylbreak.
_MYANMAR_BREAK_RE = re.compile(
    "(?:(?<!\u1039)[\u1000-\u1021](?![\u103a\u1039])|[\u1023-\u102a\u103f\u1040-\u1049\u104c-\u104f])"
)
ZAWGYI_THRESHOLD = 0.95


def myanmar_syllables(run: str) -> list[Span]:
    """Split a run of Unicode Burmese into syllables (no dictionary: pure rules)."""
    starts = [match.start() for match in _MYANMAR_BREAK_RE.finditer(run)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    ends = [*starts[1:], len(run)]
    return [(run[s:e], s, e) for s, e in zip(starts, ends, strict=True) if s < e]


@lru_cache(maxsize=50_000)
def thai_subwords(word: str) -> tuple[tuple[str, int], ...]:
    """Dictionary words inside a longer Thai word, with their offsets.

    newmm keeps compounds such as นักการทูต whole; emitting the inner words (การทูต, ทูต)
    at the same position lets a search for การทูต find it. Cuts are taken only at Thai
    Character Cluster boundaries so no word is split inside a syllable.
    """
    if len(word) < 4:
        return ()
    _, words, tcc_pos = _thai()
    cuts = sorted({0, len(word), *tcc_pos(word)})
    found = []
    for i, start in enumerate(cuts):
        for end in cuts[i + 1 :]:
            inner = (start, end) != (0, len(word))
            if inner and end - start >= MIN_SUBWORD_CHARS and word[start:end] in words:
                found.append((word[start:end], start))
    return tuple(found)


def thai_words(run: str) -> list[Span]:
    """Segment a run of Thai script with pythainlp's newmm."""
    word_tokenize, _, _ = _thai()
    spans, cursor = [], 0
    for word in word_tokenize(run, engine="newmm", keep_whitespace=False):
        start = run.find(word, cursor)
        if start < 0:
            continue
        cursor = start + len(word)
        spans.append((word, start, cursor))
    return spans


def chinese_words(run: str, search_mode: bool) -> list[Span]:
    """Segment a run of Han script with jieba; search mode also yields the parts of compounds
    (外交 inside 中国外交部), which is wanted when indexing but not when querying."""
    tokenizer = _jieba()
    mode = "search" if search_mode else "default"
    return [(w, s, e) for w, s, e in tokenizer.tokenize(run, mode=mode) if w.strip()]


def japanese_words(run: str) -> list[Span]:
    """Segment a run of Japanese with janome, giving base forms (し -> する) and the surface
    span, skipping symbols."""
    tokenizer, lock = _janome()
    with lock:
        tokens = list(tokenizer.tokenize(run))
    spans, cursor = [], 0
    for token in tokens:
        surface = token.surface
        start = run.find(surface, cursor)
        if start < 0:
            continue
        cursor = start + len(surface)
        if token.part_of_speech.startswith("記号"):
            continue
        base = token.base_form if token.base_form not in ("", "*") else surface
        spans.append((base, start, cursor))
    return spans
