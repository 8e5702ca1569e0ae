"""The note a history entry carries: what changed, in words, so that every version a reader can
see says why it exists ("Visibility: country → network", "Attachment report.pdf added").

A snapshot is taken before a change and compared after it; text fields are named, short
values are shown before and after.
"""

from __future__ import annotations

from typing import Any

from content.models import Document

NOTE_MAX = 300
TEXT_FIELDS = {"title": "title", "summary": "summary", "body_markdown": "text"}
LABELS = {
    "kind": "Kind", "language": "Language", "topics": "Topics", "tags": "Tags", "year": "Year",
    "visibility": "Visibility", "shared_with": "Shared with", "translation_of": "Translation of",
    "level": "Level", "duration_minutes": "Estimated time (minutes)",
}  # fmt: skip
VALUE_MAX = 60


def snapshot(doc: Document) -> dict[str, Any]:
    """The fields a history note speaks of, as comparable plain values."""
    return {
        **{name: getattr(doc, name) for name in TEXT_FIELDS},
        "kind": doc.kind, "language": doc.language, "topics": [t.slug for t in doc.topics],
        "tags": list(doc.tags or []), "year": doc.year, "visibility": doc.visibility,
        "shared_with": doc.shared_with, "translation_of": doc.translation_of_id,
        "level": doc.level, "duration_minutes": doc.duration_minutes,
    }  # fmt: skip


def _shown(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "—"
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def describe(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Say what differs ("Edited title, text · Visibility: country → network"), or ""."""
    parts: list[str] = []
    edited = [label for name, label in TEXT_FIELDS.items() if before[name] != after[name]]
    if edited:
        parts.append("Edited " + ", ".join(edited))
    for name, label in LABELS.items():
        if before[name] != after[name]:
            parts.append(f"{label}: {_shown(before[name])} → {_shown(after[name])}")
    return " · ".join(parts)


def joined(*parts: str) -> str:
    """Non-empty parts joined, cut to what the note column holds."""
    note = " — ".join(part.strip() for part in parts if part and part.strip())
    return note if len(note) <= NOTE_MAX else note[: NOTE_MAX - 1] + "…"
