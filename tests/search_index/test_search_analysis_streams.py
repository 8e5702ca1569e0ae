"""The analyzers' token streams stay what they were when `analysis_streams.json` was recorded.

Analysis is made faster without changing what an index holds: an index built before must keep
matching the queries analysed after (ANALYSIS_VERSION was not bumped). The file holds, for real
sentences of every language, the demo documents, the glossary's forms and edge cases, each
analysed by every family in index and query mode: the tokens (text, pos, startchar, endchar) of
the short samples in their own family, and a digest of every stream. Re-record only when analysis
is meant to change (and bump ANALYSIS_VERSION then):

    python -m tests.search_index.test_search_analysis_streams
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from search_index.analyzers import _FOLDABLE_RE, _INVISIBLE, _SPECIAL_LETTERS, ANALYZERS, fold_text
from search_index.languages import FAMILIES, family_of
from tests.search_index.conftest import shipped_concepts
from tests.search_index.test_search_every_language import DOCS

STREAMS_FILE = Path(__file__).with_name("analysis_streams.json")
DEMO_FILE = Path(__file__).parents[2] / "content" / "demo_data" / "documents.json"
MODES = ("index", "query")
EDGE_CASES = {
    "latin-accents": "Café Straße ĐÀ NẴNG naïve coöperation İstanbul ıstanbul Ørsted Łódź Æther œuvre ŧ ħ",
    "kerjasama": "Bekerjasama dengan kerjasamanya; KERJASAMA erat, kerja sama, mengerjakan bekerja.",
    "ascii-punctuation": "snake_case under_score 123 4.5 co-operation e-mail U.S.A. don't ministry's G20 ",
    "full-width": "ＦＵＬＬ ｗｉｄｔｈ ｄｉｐｌｏｍａｃｙ １２３",
    "invisible": "zero\u200bwidth join\u200der\u200c test \ufeffbom word\u2060joiner",
    "mixed-scripts": (
        "Thai ไทยการทูต and 中文外交部 and 한국어 외교 with हिन्दी कूटनीति and ລາວ ខ្មែរ မြန်မာ カタカナ"
    ),
    "ligatures": "ﬁnance ﬂow ﬃ ß ẞ ǅ",
    "digits": "2024 covid-19 ১২৩ ๑๒๓ ٤٥٦ 3rd 10th",
    "marks": "e\u0301te\u0301 combining a\u0308 n\u0303 Greek Διπλωματία Cyrillic Дипломатия",
    "empty": "",
    "blank": "  \n\n\t ",
    "vietnamese": "Ngoại giao số, Bộ Ngoại giao Việt Nam, khóa đào tạo, Hà Nội, Đà Nẵng.",
    "filipino": "pakikipagnegosasyon tutulong aalis sumulat binago umalis kinabukasan pag-asa",
}


def samples() -> dict[str, tuple[str, str]]:
    """name -> (its own family, or "" for none; text). The tokens of the sentences and edge cases
    are kept in full in their own family and the folded one, of the others only digests."""
    found: dict[str, tuple[str, str]] = {}
    for number, (language, text) in DOCS.items():
        found[f"doc-{number}-{language}"] = (family_of(language), text)
    for name, text in EDGE_CASES.items():
        found[f"edge-{name}"] = ("folded", text)
    by_language: dict[str, list[str]] = {}
    for forms in shipped_concepts().values():
        for language, words in forms.items():
            by_language.setdefault(language, []).extend(words)
    for language, words in sorted(by_language.items()):
        found[f"glossary-{language}"] = (family_of(language), "\n".join(words))
    for document in json.loads(DEMO_FILE.read_text(encoding="utf-8")):
        text = "\n\n".join(document[k] for k in ("title", "summary", "body_markdown") if document.get(k))
        found[f"demo-{document['key']}"] = ("", text)
    return found


def stream(family: str, text: str, mode: str) -> list[list[Any]]:
    tokens = ANALYZERS[family](text, positions=True, chars=True, mode=mode)
    return [[t.text, t.pos, t.startchar, t.endchar] for t in tokens]


def digest(tokens: list[list[Any]]) -> str:
    return hashlib.sha256(json.dumps(tokens, ensure_ascii=False).encode()).hexdigest()[:16]


def record() -> dict[str, Any]:
    tokens: dict[str, dict[str, list[list[Any]]]] = {}
    digests: dict[str, dict[str, str]] = {}
    for name, (own, text) in samples().items():
        for family in FAMILIES:
            for mode in MODES:
                found = stream(family, text, mode)
                digests.setdefault(name, {})[f"{family}/{mode}"] = digest(found)
                if own and family in (own, "folded") and not name.startswith("glossary-"):
                    tokens.setdefault(name, {})[f"{family}/{mode}"] = found
    return {"tokens": tokens, "digests": digests}


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return json.loads(STREAMS_FILE.read_text(encoding="utf-8"))


def test_every_sample_was_recorded(recorded):
    assert set(recorded["digests"]) == set(samples())


@pytest.mark.parametrize("name", sorted(samples()))
def test_streams_are_as_recorded(recorded, name):
    _, text = samples()[name]
    for key, expected in recorded["tokens"].get(name, {}).items():
        family, mode = key.split("/")
        assert stream(family, text, mode) == expected, key
    for key, expected in recorded["digests"][name].items():
        family, mode = key.split("/")
        assert digest(stream(family, text, mode)) == expected, key


@pytest.mark.parametrize("name", sorted(samples()))
def test_indexing_without_chars_gives_the_same_terms_and_positions(name):
    """Whoosh indexes with positions and boosts but no chars; the highlighter asks for chars
    without positions: each option must only add fields, never change the tokens."""
    _, text = samples()[name]
    for family in FAMILIES:
        analyzer = ANALYZERS[family]
        full = stream(family, text, "index")
        tokens = analyzer(text, positions=True, boosts=True, mode="index")
        indexed = [[t.text, t.pos, t.boost] for t in tokens]
        assert indexed == [[text, pos, 1.0] for text, pos, _, _ in full], family
        highlighted = [[t.text, t.startchar, t.endchar] for t in analyzer(text, chars=True, mode="index")]
        assert highlighted == [[text, start, end] for text, _, start, end in full], family


def fold_by_characters(text: str) -> str:
    """fold_text as it was written before (a loop over the characters), the reference."""
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
    return unicodedata.normalize("NFC", "".join(out))


@pytest.mark.parametrize("context", ["é{}\u0301\u0308 ", "a{} ", "{}\u0327e ", "\u0915{}\u0301 ", "{}"])
def test_fold_text_folds_every_character_as_the_character_loop_did(context):
    characters = [chr(code) for code in range(0x20000) if not 0xD800 <= code < 0xE000]
    text = "".join(context.format(char) for char in characters)
    assert fold_text(text) == fold_by_characters(text)
    for char in characters[:0x3000]:
        assert fold_text(context.format(char)) == fold_by_characters(context.format(char))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def dump(data: dict[str, dict[str, dict[str, Any]]]) -> str:
    """JSON with one stream or digest per line, for readable diffs."""
    sections = []
    for section, by_name in data.items():
        names = []
        for name, by_key in by_name.items():
            lines = ",\n".join(f"   {json.dumps(k)}: {_json(v)}" for k, v in by_key.items())
            names.append(f"  {_json(name)}: {{\n{lines}\n  }}")
        sections.append(f" {json.dumps(section)}: {{\n" + ",\n".join(names) + "\n }")
    return "{\n" + ",\n".join(sections) + "\n}\n"


if __name__ == "__main__":
    STREAMS_FILE.write_text(dump(record()), encoding="utf-8")
    print(f"recorded {STREAMS_FILE}")
