"""The region's languages, their analyzer families, and language detection.

A record's declared language is authoritative; detection is used only when it is "". A query is
parsed under its declared language, the families its scripts call for, and always English,
Indonesian and the folded family. Scripts decide first (Thai, Khmer, Lao, Burmese, Korean,
Japanese, Chinese, Hindi); py3langid, restricted to the region's Latin-script languages, decides
the rest (MEASUREMENTS: 23 of 24 short texts right when restricted).
"""

from __future__ import annotations

import threading
from typing import Any

from search_index.scripts import has_devanagari, script_counts, script_runs

LANGUAGES = ("en", "id", "ms", "th", "vi", "zh", "ja", "ko", "km", "lo", "my", "fil", "hi")

FAMILY_OF_LANGUAGE = {
    "en": "en",
    "id": "id",
    "ms": "id",
    "th": "th",
    "zh": "zh",
    "ja": "ja",
    "ko": "bigram",
    "km": "bigram",
    "lo": "bigram",
    "my": "bigram",
    "hi": "hi",
    "fil": "fil",
}
FAMILIES = ("en", "id", "th", "zh", "ja", "bigram", "hi", "fil", "folded")
# Every query is also parsed as English, Indonesian and Filipino (whose words are Latin, so no
# script tells them apart; its stemmer is a few string tests) and against the folded field, so
# an Indonesian text full of English terms is found either way.
ALWAYS_QUERIED = ("en", "id", "fil", "folded")

_SCRIPT_LANGUAGE = {
    "thai": "th",
    "lao": "lo",
    "khmer": "km",
    "myanmar": "my",
    "hangul": "ko",
    "devanagari": "hi",
}
_SCRIPT_FAMILIES = {
    "thai": ("th",),
    "lao": ("bigram",),
    "khmer": ("bigram",),
    "myanmar": ("bigram",),
    "hangul": ("bigram",),
    "kana": ("ja",),
    "han": ("zh", "ja"),
}
# py3langid codes for the Latin-script languages of the region; tl is Filipino.
_LANGID_CODES = ["en", "id", "ms", "vi", "tl"]
_identifier: Any = None
_identifier_lock = threading.Lock()


def family_of(language: str) -> str:
    """The analyzer family of a BCP 47 code (vi and unknown codes fold)."""
    return FAMILY_OF_LANGUAGE.get(language.split("-")[0].lower(), "folded")


def _langid() -> Any:
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(_LANGID_CODES)
            _identifier = identifier
        return _identifier


def detect_language(text: str) -> str:
    """Best guess of the language of `text` among LANGUAGES ("" for text without letters)."""
    counts = script_counts(text[:5000])
    total = sum(counts.values())
    if not total:
        return ""
    cjk = counts["han"] + counts["kana"]
    candidates = {lang: counts[script] for script, lang in _SCRIPT_LANGUAGE.items()}
    candidates["ja" if counts["kana"] else "zh"] = cjk
    language, best = max(candidates.items(), key=lambda item: item[1])
    if best * 3 >= total:
        return language
    code, _ = _langid().classify(text[:2000])
    return "fil" if code == "tl" else code


def query_families(text: str, language: str | None) -> tuple[str, ...]:
    """Families a query is parsed under: its language's, those of the scripts it uses, then
    English, Indonesian and the folded generic field."""
    families: list[str] = []
    if language:
        families.append(family_of(language))
    if has_devanagari(text):
        families.append("hi")
    for kind, start, end in script_runs(text):
        if kind == "word":
            continue
        if kind == "cjk":
            run = text[start:end]
            counts = script_counts(run)
            scripts = ["kana"] if counts["kana"] else ["han"]
        else:
            scripts = [kind]
        for script in scripts:
            families.extend(_SCRIPT_FAMILIES[script])
    # Text in space-separated scripts only adds nothing here: py3langid could only name en, id,
    # ms, vi or fil, whose families (en, id, folded) are always queried. Not asking it keeps
    # its model (80 MB with numpy) out of the web workers.
    families.extend(ALWAYS_QUERIED)
    return tuple(dict.fromkeys(families))
