"""Making visually identical text identical, per script, keeping each character's offset.

Khmer is typed with COENG DA or COENG TA for the same subscript (they render alike), Lao and Thai
with SARA AM as one character or as NIKHAHIT + SARA AA, and much Burmese in the Zawgyi encoding,
which reuses the Myanmar block with another order and meaning of characters. Search compares
code points, so such texts never matched. A run is rewritten before it is segmented; the offsets
map each character of the result to where it came from, so snippets still mark the original.
"""

from __future__ import annotations

import re

from search_index import segmenters

# (text, offsets): offsets[i] is the original position of text[i]; offsets[len(text)] the end.
Mapped = tuple[str, list[int]]

# Each pair renders alike; the first is rewritten as the second.
KHMER_SEQUENCES = (
    ("\u17d2\u178a", "\u17d2\u178f"),  # COENG DA -> COENG TA (identical subscript)
    ("\u17c1\u17b8", "\u17be"),  # E + II -> OE
    ("\u17c1\u17b6", "\u17c4"),  # E + AA -> OO
    ("\u17a3", "\u17a2"),  # deprecated independent vowel QAQ -> QA
    ("\u17a4", "\u17a2\u17b6"),  # deprecated QAA -> QA + AA
    ("\u17d8", "\u17d4\u179b\u17d4"),  # deprecated BEYYAL -> KHAN LO KHAN
    ("\u17b4", ""),  # invisible inherent vowels
    ("\u17b5", ""),
)
LAO_SEQUENCES = (("\u0ecd\u0eb2", "\u0eb3"), ("\u0edc", "\u0eab\u0e99"), ("\u0edd", "\u0eab\u0ea1"))
# Zero-width characters inside a run: ZWSP marks word breaks in Khmer and Burmese text, ZWJ/ZWNJ
# and the word joiner only shape glyphs; a query typed without them must still match.
INVISIBLE = ("\u200b", ""), ("\u200c", ""), ("\u200d", ""), ("\u2060", ""), ("\ufeff", "")
ZAWGYI_THRESHOLD = 0.95  # myanmartools' probability above which a run is taken as Zawgyi


def _replacer(pairs: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    table = {old: new for old, new in pairs if old != new}
    keys = sorted(table, key=len, reverse=True)
    return re.compile("|".join(re.escape(key) for key in keys)), table


_KHMER = _replacer(KHMER_SEQUENCES + INVISIBLE)
_LAO = _replacer(LAO_SEQUENCES + INVISIBLE)
_INVISIBLE = _replacer(INVISIBLE)


def identity(run: str) -> Mapped:
    return run, list(range(len(run) + 1))


def _rewrite(run: str, replacer: tuple[re.Pattern[str], dict[str, str]]) -> Mapped:
    pattern, table = replacer
    if not pattern.search(run):
        return identity(run)
    out: list[str] = []
    offsets: list[int] = []
    cursor = 0
    for match in pattern.finditer(run):
        out.append(run[cursor : match.start()])
        offsets.extend(range(cursor, match.start()))
        new = table[match.group()]
        out.append(new)
        offsets.extend([match.start()] * len(new))
        cursor = match.end()
    out.append(run[cursor:])
    offsets.extend(range(cursor, len(run) + 1))
    return "".join(out), offsets


# A COENG RO typed before another subscript renders as if typed after it (Unicode's order).
_COENG_RO_FIRST_RE = re.compile("(\u17d2\u179a)(\u17d2[\u1780-\u17a2])")


def khmer(run: str) -> Mapped:
    # The swap keeps the length: each character keeps an offset inside its own cluster.
    return _rewrite(_COENG_RO_FIRST_RE.sub(r"\2\1", run), _KHMER)


def lao(run: str) -> Mapped:
    return _rewrite(run, _LAO)


def myanmar(run: str) -> Mapped:
    """A Burmese run in Unicode: converted syllable by syllable when it reads as Zawgyi."""
    text, offsets = _rewrite(run, _INVISIBLE)
    if not segmenters.looks_like_zawgyi(text):
        return text, offsets
    out: list[str] = []
    mapped: list[int] = []
    cursor = 0
    for syllable, converted in segmenters.zawgyi_syllables(text):
        out.append(converted)
        mapped.extend([offsets[cursor]] * len(converted))
        cursor += len(syllable)
    mapped.append(offsets[len(text)])
    return "".join(out), mapped


def zawgyi_to_unicode(text: str) -> str:
    """Whole text in Unicode Burmese (runs that read as Zawgyi converted), for display and
    detection; searching converts run by run in the analyzers."""
    from search_index.scripts import SCRIPT_RANGES

    pattern = re.compile(f"[{SCRIPT_RANGES['myanmar']}\u200b-\u200d]+")
    return pattern.sub(lambda match: myanmar(match.group())[0], text)


NORMALIZERS = {"khmer": khmer, "lao": lao, "myanmar": myanmar}


def normalized(kind: str, run: str) -> Mapped:
    """The run as it is compared, with offsets (runs of other kinds are left as they are)."""
    normalizer = NORMALIZERS.get(kind)
    return normalizer(run) if normalizer else identity(run)
