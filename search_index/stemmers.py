"""Light stemmers for Hindi and Filipino: rules only, no dictionary, nothing to load.

Hindi: the light stemmer of Ramanathan and Rao ("A Lightweight Stemmer for Hindi", 2003), as
Lucene's HindiStemmer applies it: the longest suffix of their list is removed when enough of the
word is left, after Lucene's light normalisation (nukta, chandrabindu). It unifies plural and
oblique forms: राजनयिकों and राजनयिक, देशों and देश.

Filipino: affixes are removed in the order they attach (Bonus, "A Stemming Algorithm for
Tagalog Words", 2012, lightened): the longest known prefix (pakikipag-, nakikipag-, ipinag-,
ipag-, mag-, nag-, pag-, ...), then the infixes -um- and -in-, then partial reduplication of the
first syllable (tutulong -> tulong), then the suffixes -han, -hin, -an, -in; a rule applies only
when at least MIN_FILIPINO_STEM letters remain. Over-stemming is tolerable here: the same rules
run on queries and documents, and only documents indexed as Filipino are searched with them.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Ramanathan & Rao's suffixes by length, longest first.
HINDI_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("ाएंगी", "ाएंगे", "ाऊंगी", "ाऊंगा", "ाइयाँ", "ाइयों", "ाइयां"),
    ("ाएगी", "ाएगा", "ाओगी", "ाओगे", "एंगी", "ेंगी", "एंगे", "ेंगे", "ूंगी", "ूंगा", "ातीं", "नाओं", "नाएं",
     "ताओं", "ताएं", "ियाँ", "ियों", "ियां"),
    ("ाकर", "ाइए", "ाईं", "ाया", "ेगी", "ेगा", "ोगी", "ोगे", "ाने", "ाना", "ाते", "ाती", "ाता", "तीं", "ाओं",
     "ाएं", "ुओं", "ुएं", "ुआं"),
    ("कर", "ाओ", "िए", "ाई", "ाए", "ने", "नी", "ना", "ते", "ीं", "ती", "ता", "ाँ", "ां", "ों", "ें"),
    ("ो", "े", "ू", "ु", "ी", "ि", "ा"),
)  # fmt: skip
_HINDI_NORMAL = str.maketrans({"\u093c": None, "\u0901": "\u0902", "\u200c": None, "\u200d": None})
_DEVANAGARI_RE = re.compile("[\u0900-\u097f]")

FILIPINO_PREFIXES = (
    "pakikipag", "nakikipag", "makikipag", "pinakikipag", "pakikipa", "pakiki", "nakiki", "makiki",
    "nakipag", "makipag", "pakipag", "ipinag", "ipagpa", "pinag", "ipag", "pagka", "magka", "nagka",
    "pagpa", "magpa", "nagpa", "mag", "nag", "pag", "ika", "ipa", "naka", "maka",
)  # fmt: skip
_FILIPINO_PREFIXES = tuple(sorted(FILIPINO_PREFIXES, key=len, reverse=True))
FILIPINO_SUFFIXES = ("han", "hin", "an", "in")
MIN_FILIPINO_STEM = 4
_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=100_000)
def stem_hindi(word: str) -> str:
    """The light stem of a Devanagari word (other words are returned as they are)."""
    if not _DEVANAGARI_RE.search(word):
        return word
    word = word.translate(_HINDI_NORMAL)
    for index, suffixes in enumerate(HINDI_SUFFIXES):
        length = len(HINDI_SUFFIXES) - index
        if len(word) > length + 1:
            for suffix in suffixes:
                if word.endswith(suffix):
                    return word[: -len(suffix)]
    return word


def _has_vowel(text: str) -> bool:
    return any(char in _VOWELS for char in text)


def _long_enough(stem: str) -> bool:
    return len(stem) >= MIN_FILIPINO_STEM and _has_vowel(stem)


def _without_prefix(word: str) -> str:
    for prefix in _FILIPINO_PREFIXES:
        if word.startswith(prefix) and _long_enough(word[len(prefix) :].lstrip("-")):
            return word[len(prefix) :].lstrip("-")
    return word


def _without_infix(word: str) -> str:
    # -um-/-in- after the first consonant (sumulat, binago), or as a prefix before a vowel (umalis)
    if len(word) > 4 and word[0] not in _VOWELS and word[1:3] in ("um", "in") and word[3] in _VOWELS:
        if _long_enough(word[0] + word[3:]):
            return word[0] + word[3:]
    if word[:2] in ("um", "in") and len(word) > 5 and word[2] in _VOWELS and _long_enough(word[2:]):
        return word[2:]
    return word


def _without_reduplication(word: str) -> str:
    # CV-CV... (tutulong) or V-V... (aalis)
    if len(word) > 4 and word[0] not in _VOWELS and word[:2] == word[2:4] and _long_enough(word[2:]):
        return word[2:]
    if word[:1] in _VOWELS and word[0] == word[1:2] and _long_enough(word[1:]):
        return word[1:]
    return word


def _without_suffix(word: str) -> str:
    for suffix in FILIPINO_SUFFIXES:
        if word.endswith(suffix) and _long_enough(word[: -len(suffix)]):
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=100_000)
def stem_filipino(word: str) -> str:
    """The light stem of a folded Filipino word: pakikipagnegosasyon -> negosasyon."""
    if not (word.isascii() and word.isalpha()) or len(word) <= MIN_FILIPINO_STEM:
        return word
    stem = _without_reduplication(_without_infix(_without_prefix(word)))
    return _without_suffix(stem)
