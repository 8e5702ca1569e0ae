"""A cross-language glossary of the network's key terms, applied at query time.

A query word (or run of words) that names a concept in any language also finds documents that
name the concept in another language, with a lower boost so documents that use the query's own
words rank first. The glossary is data the caller passes in (the network admin edits it), so
nothing about it is stored in the index: a change applies to the next search, without
re-indexing.

Forms are matched through their language's analyzer, so they inflect as that language does
(negotiations, perundingannya). A form of several words is matched as a loose phrase of its
content words: function words (of, ng, mga, की) are dropped and up to `LOOSE_SLOP` - 1 other
words may come between, so "proteksyon ng mamamayan" finds "proteksyon ng mga mamamayang
Pilipino"; Filipino words are also tried with and without the linker -ng/-g.

Forms are analysed lazily, per language family, and searched only in the families some indexed
document is in: a worker whose index holds no Japanese never analyses a Japanese form (which
would load Janome), and looking up a Latin-script query analyses no Thai, Chinese or Japanese form.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from search_index.analyzers import analyze, fold
from search_index.languages import family_of

EQUIVALENT_BOOST = 0.3
MAX_TERM_WORDS = 5
# A phrase's later words may sit up to LOOSE_SLOP - 1 positions after their place in the form.
LOOSE_SLOP = 4
MAX_VARIANTS = 8
# Folded function words left out of multi-word forms (the content words still match in order),
# per language; a family drops those of its languages (Vietnamese dân is not Indonesian dan).
STOPWORDS = {
    "en": frozenset("a an and for in of on the to".split()),
    "id": frozenset("dan di ke dari yang untuk pada atas".split()),
    "ms": frozenset("dan di ke dari yang untuk pada atas".split()),
    "fil": frozenset("ang ng mga sa na at para ni si nang".split()),
    "hi": frozenset("का की के में और से को".split()),
}
_VOWELS = frozenset("aeiou")

Concepts = Mapping[str, Mapping[str, Sequence[str]]]  # concept -> language -> forms


@dataclass(frozen=True)
class Equivalent:
    """A form of a concept as its language's analyzer reads it: one phrase per spelling
    variant, each (terms, offsets) with offsets from the first term."""

    concept: str
    language: str
    text: str
    family: str
    phrases: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]
    loose: bool  # several content words: others may come between them (LOOSE_SLOP)


@lru_cache(maxsize=32)
def family_stopwords(family: str) -> frozenset[str]:
    return frozenset().union(*(words for lang, words in STOPWORDS.items() if family_of(lang) == family))


def _function_words(family: str, words: Sequence[str]) -> list[bool]:
    """Which words are function words (none, when that is all there is)."""
    stopwords = family_stopwords(family)
    marks = [fold(word) in stopwords for word in words]
    return [False] * len(words) if all(marks) else marks


def content_words(family: str, text: str) -> list[str]:
    """The words of a form or query run without function words."""
    words = text.split()
    return [word for word, skip in zip(words, _function_words(family, words), strict=True) if not skip]


def _spellings(text: str, language: str) -> list[str]:
    """The form and, for Filipino, its words with and without the linker (mamamayan, mamamayang)."""
    if language != "fil":
        return [text]
    options = []
    for word in text.split():
        low = fold(word)
        forms = [word]
        if low[-1:] in _VOWELS:
            forms.append(word + "ng")
        elif low.endswith("n"):
            forms.append(word + "g")
        elif low.endswith("ng") and len(low) >= 7:  # migranteng -> migrante (short words: tulong)
            forms.append(word[:-1] if low[-3] == "n" else word[:-2])
        options.append(forms)
    return [" ".join(combo) for combo in itertools.islice(itertools.product(*options), MAX_VARIANTS)]


def _phrase(family: str, text: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Terms and relative positions of a form's content words (function words keep their place)."""
    words = text.split()
    terms: list[str] = []
    places: list[int] = []
    base = 0
    for word, skip in zip(words, _function_words(family, words), strict=True):
        analysed = analyze(family, word)
        if not skip:
            terms.extend(term for term, _ in analysed)
            places.extend(base + pos for _, pos in analysed)
        base += max((pos for _, pos in analysed), default=0) + 1
    first = places[0] if places else 0
    return tuple(terms), tuple(place - first for place in places)


def key_of(family: str, words: Iterable[str]) -> tuple[str, ...]:
    """How a run of words is looked up under a family: its content words' terms."""
    return tuple(term for word in content_words(family, " ".join(words)) for term, _ in analyze(family, word))


def _equivalent(concept: str, language: str, form: str, family: str) -> Equivalent | None:
    phrases = {_phrase(family, spelling) for spelling in _spellings(form, language)}
    phrases = {phrase for phrase in phrases if phrase[0]}
    if not phrases:
        return None
    loose = len(content_words(family, form)) > 1
    return Equivalent(concept, language, form, family, tuple(sorted(phrases)), loose)


class Glossary:
    """Concepts and their forms per language; lookups and analyses are computed on first use."""

    def __init__(self, concepts: Concepts) -> None:
        self.forms: dict[str, tuple[tuple[str, str], ...]] = {
            concept: tuple((language, form) for language, forms in by_language.items() for form in forms)
            for concept, by_language in concepts.items()
        }
        self._lock = threading.Lock()
        self._keys: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {}
        self._equivalents: dict[tuple[str, str, str], Equivalent | None] = {}

    def __len__(self) -> int:
        return len(self.forms)

    def _family_keys(self, family: str) -> dict[tuple[str, ...], tuple[str, ...]]:
        with self._lock:
            keys = self._keys.get(family)
            if keys is None:
                found: dict[tuple[str, ...], list[str]] = {}
                for concept, forms in self.forms.items():
                    for language, form in forms:
                        if family_of(language) == family and (key := key_of(family, form.split())):
                            found.setdefault(key, [])
                            if concept not in found[key]:
                                found[key].append(concept)
                keys = self._keys[family] = {key: tuple(names) for key, names in found.items()}
            return keys

    def concepts_of(self, words: Sequence[str], families: Iterable[str]) -> tuple[str, ...]:
        """The concepts a run of query words names under any of `families` (a few, rarely two:
        Malay keamanan is peace, Indonesian keamanan security)."""
        if not 0 < len(words) <= MAX_TERM_WORDS:
            return ()
        found: list[str] = []
        for family in families:
            key = key_of(family, words)
            if key:
                found.extend(self._family_keys(family).get(key, ()))
        return tuple(dict.fromkeys(found))

    def equivalents(self, concept: str, families: frozenset[str] | None = None) -> list[Equivalent]:
        """The forms of `concept` (only those of `families`), analysed in their language's
        family; a form is analysed once, when first asked for."""
        found = []
        for language, form in self.forms.get(concept, ()):
            family = family_of(language)
            if families is not None and family not in families:
                continue
            key = (concept, language, form)
            with self._lock:
                known = key in self._equivalents
                equivalent = self._equivalents.get(key)
            if not known:
                equivalent = _equivalent(concept, language, form, family)
                with self._lock:
                    self._equivalents[key] = equivalent
            if equivalent is not None:
                found.append(equivalent)
        return found

    def equivalents_for(
        self, words: Sequence[str], families: Sequence[str], only: frozenset[str] | None = None
    ) -> list[Equivalent]:
        """Forms of the concepts `words` name, except those the words themselves match (the
        plain query finds them already); with `only`, just the forms of those families."""
        concepts = self.concepts_of(words, families)
        if not concepts:
            return []
        own = {(family, key_of(family, words)) for family in families}
        found: dict[tuple[str, tuple], Equivalent] = {}
        for concept in concepts:
            for equivalent in self.equivalents(concept, only):
                if (equivalent.family, key_of(equivalent.family, equivalent.text.split())) in own:
                    continue
                found.setdefault((equivalent.family, equivalent.phrases), equivalent)
        return list(found.values())
