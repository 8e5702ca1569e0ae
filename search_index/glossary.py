"""A small cross-language glossary of the network's key terms.

A query word (or run of words) that names one of these concepts in any listed language also finds
documents that name the concept in another language, with a lower boost so documents that use
the query's own words rank first. Query words are matched after case and accent folding, and
English and Indonesian words also by their stems (negotiations matches negotiation).

The concepts a document names are found once, when it is indexed (`concepts_in`), and stored
in its `concept` field: expanding a query into a dozen phrases in other languages instead made
every search with a key term three times slower.
"""

from __future__ import annotations

import re
from functools import lru_cache

from search_index.analyzers import fold, fold_text, stem_english, stem_indonesian

EQUIVALENT_BOOST = 0.3
MAX_TERM_WORDS = 5

# concept -> language -> names; a name may be several words.
GLOSSARY: dict[str, dict[str, tuple[str, ...]]] = {
    "diplomacy": {
        "en": ("diplomacy",),
        "id": ("diplomasi",),
        "ms": ("diplomasi",),
        "th": ("การทูต",),
        "vi": ("ngoại giao",),
        "zh": ("外交",),
        "ja": ("外交",),
        "ko": ("외교",),
        "fil": ("diplomasya",),
        "km": ("ការទូត",),
        "lo": ("ການທູດ",),
        "hi": ("कूटनीति",),
    },
    "diplomat": {
        "en": ("diplomat",),
        "id": ("diplomat",),
        "th": ("นักการทูต",),
        "vi": ("nhà ngoại giao",),
        "zh": ("外交官",),
        "ja": ("外交官",),
        "ko": ("외교관",),
        "fil": ("diplomatiko",),
    },
    "negotiation": {
        "en": ("negotiation",),
        "id": ("negosiasi", "perundingan"),
        "ms": ("rundingan",),
        "th": ("การเจรจา",),
        "vi": ("đàm phán",),
        "zh": ("谈判",),
        "ja": ("交渉",),
        "ko": ("협상",),
        "fil": ("negosasyon",),
    },
    "cooperation": {
        "en": ("cooperation", "collaboration"),
        "id": ("kerja sama",),
        "ms": ("kerjasama",),
        "th": ("ความร่วมมือ",),
        "vi": ("hợp tác",),
        "zh": ("合作",),
        "ja": ("協力",),
        "ko": ("협력",),
        "fil": ("pagtutulungan",),
    },
    "citizen protection": {
        "en": ("citizen protection", "protection of nationals"),
        "id": ("pelindungan wni", "perlindungan wni", "perlindungan warga negara"),
        "ms": ("perlindungan rakyat",),
        "th": ("คุ้มครองคนไทย",),
        "vi": ("bảo hộ công dân",),
        "zh": ("领事保护",),
        "ja": ("邦人保護",),
        "ko": ("재외국민 보호",),
        "fil": ("proteksyon ng mamamayan",),
    },
    "crisis": {
        "en": ("crisis",),
        "id": ("krisis",),
        "th": ("วิกฤต",),
        "vi": ("khủng hoảng",),
        "zh": ("危机",),
        "ja": ("危機",),
        "ko": ("위기",),
        "fil": ("krisis",),
    },
    "embassy": {
        "en": ("embassy",),
        "id": ("kedutaan besar", "kedubes"),
        "ms": ("kedutaan",),
        "th": ("สถานทูต",),
        "vi": ("đại sứ quán",),
        "zh": ("大使馆",),
        "ja": ("大使館",),
        "ko": ("대사관",),
        "fil": ("embahada",),
    },
    "consular": {
        "en": ("consular", "consulate"),
        "id": ("konsuler", "konsulat"),
        "ms": ("konsular",),
        "th": ("กงสุล",),
        "vi": ("lãnh sự",),
        "zh": ("领事",),
        "ja": ("領事",),
        "ko": ("영사",),
        "fil": ("konsulado",),
    },
    "disaster": {
        "en": ("disaster",),
        "id": ("bencana",),
        "th": ("ภัยพิบัติ",),
        "vi": ("thảm họa", "thiên tai"),
        "zh": ("灾害",),
        "ja": ("災害",),
        "ko": ("재난",),
        "fil": ("sakuna",),
    },
    "digital": {
        "en": ("digital",),
        "id": ("digital",),
        "th": ("ดิจิทัล",),
        "vi": ("kỹ thuật số",),
        "zh": ("数字",),
        "ja": ("デジタル",),
        "ko": ("디지털",),
        "fil": ("dihital",),
    },
    "security": {
        "en": ("security",),
        "id": ("keamanan",),
        "ms": ("keselamatan",),
        "th": ("ความมั่นคง",),
        "vi": ("an ninh",),
        "zh": ("安全",),
        "ja": ("安全保障",),
        "ko": ("안보",),
        "fil": ("seguridad",),
    },
    "cybersecurity": {
        "en": ("cybersecurity", "cyber security"),
        "id": ("keamanan siber",),
        "ms": ("keselamatan siber",),
        "th": ("ความมั่นคงปลอดภัยไซเบอร์",),
        "vi": ("an ninh mạng",),
        "zh": ("网络安全",),
        "ja": ("サイバーセキュリティ",),
        "ko": ("사이버 보안",),
        "fil": ("seguridad sa cyber",),
    },
    "trade": {
        "en": ("trade",),
        "id": ("perdagangan",),
        "th": ("การค้า",),
        "vi": ("thương mại",),
        "zh": ("贸易",),
        "ja": ("貿易",),
        "ko": ("무역",),
        "fil": ("kalakalan",),
    },
    "ministry of foreign affairs": {
        "en": ("ministry of foreign affairs", "foreign ministry"),
        "id": ("kementerian luar negeri", "kemlu"),
        "ms": ("wisma putra",),
        "th": ("กระทรวงการต่างประเทศ",),
        "vi": ("bộ ngoại giao",),
        "zh": ("外交部",),
        "ja": ("外務省",),
        "ko": ("외교부",),
        "fil": ("kagawaran ng ugnayang panlabas",),
    },
    "social media": {
        "en": ("social media",),
        "id": ("media sosial",),
        "th": ("สื่อสังคมออนไลน์",),
        "vi": ("mạng xã hội",),
        "zh": ("社交媒体",),
        "ja": ("ソーシャルメディア",),
        "ko": ("소셜 미디어",),
        "fil": ("social media",),
    },
    "capacity building": {
        "en": ("capacity building",),
        "id": ("peningkatan kapasitas",),
        "ms": ("pembinaan kapasiti",),
        "th": ("เสริมสร้างขีดความสามารถ",),
        "vi": ("nâng cao năng lực",),
        "zh": ("能力建设",),
        "ja": ("能力構築",),
        "ko": ("역량 강화",),
        "fil": ("pagpapalakas ng kakayahan",),
    },
    "health": {
        "en": ("health",),
        "id": ("kesehatan",),
        "ms": ("kesihatan",),
        "th": ("สุขภาพ",),
        "vi": ("y tế",),
        "zh": ("卫生",),
        "ja": ("保健",),
        "ko": ("보건",),
        "fil": ("kalusugan",),
    },
}


def _keys(words: list[str]) -> set[str]:
    """Lookup keys for a run of words: folded, and stemmed as English and as Indonesian."""
    folded = [fold(w) for w in words]
    latin = all(w.isascii() and w.isalpha() for w in folded)
    keys = {" ".join(folded)}
    if latin:
        keys.add(" ".join(stem_english(w) for w in folded))
        keys.add(" ".join(stem_indonesian(w) for w in folded))
    return keys


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for concept, names in GLOSSARY.items():
        for terms in names.values():
            for term in terms:
                for key in _keys(term.split()):
                    index.setdefault(key, concept)
    return index


def concept_of(words: list[str]) -> str | None:
    """The concept a run of query words names, if any."""
    if not 0 < len(words) <= MAX_TERM_WORDS:
        return None
    index = _index()
    return next((index[key] for key in _keys(words) if key in index), None)


def equivalents(concept: str, words: list[str]) -> list[tuple[str, str]]:
    """(language, term) names of a concept, except the one the query used."""
    used = " ".join(fold(w) for w in words)
    seen: set[str] = {used}
    found = []
    for language, terms in GLOSSARY[concept].items():
        for term in terms:
            key = fold(term)
            if key not in seen:
                seen.add(key)
                found.append((language, term))
    return found


def concept_key(concept: str, language: str) -> str:
    """A term of the `concept` field: a concept named in one language (embassy.th)."""
    return f"{concept.replace(' ', '-')}.{language}"


def concept_terms(concept: str, words: list[str]) -> list[str]:
    """`concept` field terms for a query naming `concept` with `words`: every language except
    those whose names the words themselves match (the plain query already finds those, and
    their posting lists are the longest)."""
    used = _keys(words)
    return [
        concept_key(concept, language)
        for language, terms in GLOSSARY[concept].items()
        if not any(_keys(term.split()) & used for term in terms)
    ]


# Affixes that inflect a Latin-script term in running text (English plurals and participles,
# Indonesian and Malay verb and noun affixes: berdiplomasi, perundingannya, bekerjasama).
_PREFIX = r"(?:ber|be|me|mem|men|meng|meny|di|ke|per|pe|pem|pen|peng|ter|se)?"
_SUFFIX = r"(?:s|es|ing|ed|al|an|kan|i|nya)?"
_LANGUAGE_GROUPS = {"id": ("id", "ms"), "ms": ("id", "ms")}


def _matcher(term: str, language: str) -> tuple[str, re.Pattern[str] | None]:
    """A cheap substring that must occur, and the pattern to confirm it (None: the substring
    is enough, as for scripts without spaces: การทูต inside นักการทูต)."""
    words = fold(term).split()
    if words[0].isascii():
        body = r"\s+".join(re.escape(word) for word in words)
        if language == "en" and stem_english(words[-1]) != words[-1]:
            # negotiation -> negoti\w*: also negotiating, negotiated
            stem = r"\s+".join([*map(re.escape, words[:-1]), re.escape(stem_english(words[-1]))])
            body = f"(?:{body}|{stem}\\w*)"
        core = words[0] if len(words) > 1 else words[0][:5]
        return core, re.compile(rf"(?<![a-z0-9]){_PREFIX}{body}{_SUFFIX}(?![a-z0-9])")
    if len(words) == 1:
        return words[0], None
    return words[0], re.compile(r"\s*".join(re.escape(word) for word in words))


@lru_cache(maxsize=32)
def _matchers(language: str) -> list[tuple[str, list[tuple[str, re.Pattern[str] | None]]]]:
    languages = {"en", *_LANGUAGE_GROUPS.get(language, (language,))}
    table = []
    for concept, names in GLOSSARY.items():
        for lang, terms in names.items():
            if lang in languages or not language:
                matchers = [_matcher(term, lang) for term in terms]
                table.append((concept_key(concept, lang), matchers))
    return table


def concepts_in(text: str, language: str) -> set[str]:
    """`concept` terms for what `text` names in its language or in English ("" = any)."""
    folded = fold_text(text)
    found = set()
    for key, terms in _matchers(language):
        if any(core in folded and (p is None or p.search(folded)) for core, p in terms):
            found.add(key)
    return found
