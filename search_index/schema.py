"""The Whoosh schema and how a record becomes a Whoosh document.

Field layout: Whoosh gives each field one analyzer, so each language family has its own
`title_<family>`, `summary_<family>` and `text_<family>` fields (text = body, lessons,
attachments and tags). A document is indexed in its language's family and, when that is not
already the folded family, also in the `*_folded` fields, so exact-ish matches work across
languages. Titles and summaries are boosted for BM25F. Originals are stored once, unanalysed,
for snippets. The change-log watermark lives in a `__meta__` document that has no principals, so
no search, total or facet can ever reach it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search_index.analyzers import ANALYZERS
from search_index.languages import FAMILIES, detect_language, family_of
from search_index.records import IndexRecord

META_ID = "__meta__"
PARTS = ("title", "summary", "text")
FIELD_BOOSTS = {"title": 3.0, "summary": 1.5, "text": 1.0}
FACET_FIELDS = ("kind", "country", "topic", "language", "year")


def text_field(part: str, family: str) -> str:
    return f"{part}_{family}"


def build_schema() -> Schema:
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "version": NUMERIC(int, bits=64, stored=True),
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
    }
    for family in FAMILIES:
        for part in PARTS:
            fields[text_field(part, family)] = TEXT(
                analyzer=ANALYZERS[family], phrase=True, field_boost=FIELD_BOOSTS[part]
            )
    return Schema(**fields)


def _millis(moment: datetime | None) -> int:
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def record_family(record: IndexRecord) -> str:
    language = record.language or detect_language(
        f"{record.title}\n{record.summary}\n{record.body[:2000]}"
    )
    return family_of(language)


def document_fields(record: IndexRecord) -> dict[str, Any]:
    """The Whoosh document for a record."""
    family = record_family(record)
    text = "\n\n".join(part for part in (record.body, record.extra, " ".join(record.tags)) if part)
    keywords = {
        "kind": record.kind,
        "country": record.country.upper(),
        "language": record.language,
        "topic": ",".join(t for t in record.topics if t and "," not in t),
        # A principal with whitespace could not match as one term: dropped (fails closed).
        "principals": " ".join(
            sorted(p for p in record.principals if p and not any(c.isspace() for c in p))
        ),
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
        "body": text,
    }
    if record.year is not None:
        doc["year"] = record.year
    values = {"title": record.title, "summary": record.summary, "text": text}
    for target in dict.fromkeys((family, "folded")):
        for part, value in values.items():
            if value:
                doc[text_field(part, target)] = value
    return doc


def meta_fields(watermark: int) -> dict[str, Any]:
    return {"id": META_ID, "watermark": watermark}
