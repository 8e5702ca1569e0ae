"""The Whoosh schema and how a record becomes a Whoosh document.

Field layout: Whoosh gives each field one analyzer, so each language family has its own
`lead_<family>` (title and summary, boosted) and `text_<family>` (everything: title, summary,
body, lessons, attachments and tags) fields. A document is indexed once, in its language's
family: every family's analyzer also folds the Latin-script words of a text, so a query word is
looked up in every family's fields (see query.py) and is found across languages without a second,
folded copy of each document (which cost a third of the build time and half the index). The
`words` field lists the document's distinct folded Latin words, for "did you mean". Originals
are stored once, unanalysed, for snippets. The change-log watermark lives in a `__meta__`
document that has no principals, so no search, total or facet can ever reach it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search_index.analyzers import ANALYZERS, fold_text
from search_index.codec import ArrayPositions
from search_index.languages import FAMILIES, detect_language, family_of
from search_index.records import IndexRecord

META_ID = "__meta__"
# lead = title and summary (boosted); text = all of it: title, summary, body, lessons,
# attachments and tags. Queries match on text and use lead for scoring only (see query.py).
PARTS = ("lead", "text")
FIELD_BOOSTS = {"lead": 2.5, "text": 1.0}
FACET_FIELDS = ("kind", "country", "topic", "language", "year")
STEMMED_FAMILIES = ("en", "id", "hi", "fil")
# Bumped whenever analysis changes what an index holds: it names a field, so an index built
# before is "of another field layout" (IndexUnavailable("outdated")) and is rebuilt, never
# searched with analyzers it was not built with. 2: Hindi and Filipino stemmed, Khmer, Lao and
# Burmese normalised (Zawgyi converted), Burmese by syllables, the danda splits words. 3: the
# array codec (positions as arrays, and only in the `text` fields).
ANALYSIS_VERSION = 3
WORDS_FIELD = "words"
# Of the text (body, lessons, attachments, tags) only the start is stored: snippets analyse no
# more than this (highlight.py), and stored fields are read whole, so a long attachment's text
# stored in full made every search that showed it decompress all of it.
STORED_TEXT_CHARS = 20_000
_SUGGESTIBLE_RE = re.compile(r"[a-z]{3,}")


def text_field(part: str, family: str) -> str:
    return f"{part}_{family}"


def build_schema() -> Schema:
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "version": NUMERIC(int, bits=64, stored=True, sortable=True),
        "kind": ID(stored=True, sortable=True),
        "country": ID(stored=True, sortable=True),
        "language": ID(stored=True, sortable=True),
        "topic": KEYWORD(stored=True, commas=True, scorable=False),
        "year": NUMERIC(int, stored=True, sortable=True),
        "principals": KEYWORD(scorable=False),
        "published": NUMERIC(int, bits=64, sortable=True),
        "updated": NUMERIC(int, bits=64, sortable=True),
        "family": STORED(),
        "title": STORED(),
        "summary": STORED(),
        "body": STORED(),
        "watermark": NUMERIC(int, bits=64, stored=True),
        f"analysis_v{ANALYSIS_VERSION}": STORED(),
    }
    # Read from their columns or stored values, never searched: not indexed (a 64-bit number
    # is 16 terms per document, two thirds of the index's terms).
    for name in ("version", "published", "updated", "watermark"):
        fields[name].indexed = False
    # Scorable only so that it has a length column: without one, Whoosh's writer looks for the
    # missing column file (a stat call) for every posting, a fifth of the build time.
    fields[WORDS_FIELD] = KEYWORD(scorable=True)
    for family in FAMILIES:
        for part in PARTS:
            # Only `text` is matched, so only it keeps positions (for phrases), as the codec's arrays.
            phrase = part == "text"
            text = TEXT(analyzer=ANALYZERS[family], phrase=phrase, field_boost=FIELD_BOOSTS[part])
            if phrase:
                text.format = ArrayPositions(field_boost=FIELD_BOOSTS[part])
            fields[text_field(part, family)] = text
    return Schema(**fields)


def _millis(moment: datetime | None) -> int:
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def record_language(record: IndexRecord) -> str:
    """The declared language, or the detected one when none is declared."""
    return record.language or detect_language(f"{record.title}\n{record.summary}\n{record.body[:2000]}")


def record_family(record: IndexRecord) -> str:
    return family_of(record_language(record))


def document_fields(record: IndexRecord) -> dict[str, Any]:
    """The Whoosh document for a record."""
    language = record_language(record)
    family = family_of(language)
    text = "\n\n".join(part for part in (record.body, record.extra, " ".join(record.tags)) if part)
    keywords = {
        "kind": record.kind,
        "country": record.country.upper(),
        "language": record.language,
        "topic": ",".join(t for t in record.topics if t and "," not in t),
        # A principal with whitespace could not match as one term: dropped (fails closed).
        "principals": " ".join(sorted(p for p in record.principals if p and not any(c.isspace() for c in p))),
    }
    doc: dict[str, Any] = {k: v for k, v in keywords.items() if v}
    doc |= {
        "id": str(record.id),
        "version": record.version,
        "published": _millis(record.published_at),
        "updated": _millis(record.updated_at),
        "family": family,
        "title": record.title,
        "summary": record.summary,
        "body": text[:STORED_TEXT_CHARS],
    }
    if record.year is not None:
        doc["year"] = record.year
    lead = "\n".join(part for part in (record.title, record.summary) if part)
    # text holds everything (it alone is matched); lead only adds the title and summary boost.
    values = {"lead": lead, "text": f"{lead}\n\n{text}" if lead else text}
    doc[WORDS_FIELD] = " ".join(set(_SUGGESTIBLE_RE.findall(fold_text(values["text"]))))
    for part, value in values.items():
        if value:
            doc[text_field(part, family)] = value
    return doc


def meta_fields(watermark: int) -> dict[str, Any]:
    return {"id": META_ID, "watermark": watermark}
