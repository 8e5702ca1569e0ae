"""Items of the federation feed: a document as canonical JSON signed by its origin, a
tombstone, and the checks a receiver makes on an item before it stores anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from content.models import KINDS, LANGUAGES, URGENCIES, Document
from federation import keys
from network import access
from network.urls import external_url

CONTENT_FIELDS = ("kind", "visibility", "shared_with", "status", "title", "summary", "body_markdown",
                  "language", "topics", "tags", "year", "translations", "lessons", "attachments")  # fmt: skip
SHARED_VISIBILITIES = ("public", "network", "countries")
SHA256_LENGTH = 64


class BadItem(ValueError):
    """An item that is not what the protocol says: refused, counted, never applied."""


def document_payload(doc: Document, origin: str) -> dict[str, Any]:
    """Everything a peer needs to show, search and serve a read-only copy: the published
    lessons only, numbered 1..n among themselves, and no file of a draft lesson."""
    published = access.published_lessons(doc)
    lesson_positions = {lesson.id: number for number, lesson in enumerate(published, 1)}
    return {
        "uid": str(doc.id),
        "origin": origin,
        "url": external_url("content.document", doc_id=doc.id),
        "version": doc.version,
        "country": doc.country_code,
        "kind": doc.kind,
        "visibility": doc.visibility,
        "shared_with": doc.shared_with,
        "status": doc.status,
        "title": doc.title,
        "summary": doc.summary or "",
        "body_markdown": doc.body_markdown or "",
        "language": doc.language,
        "topics": [topic.slug for topic in doc.topics],
        "tags": list(doc.tags or []),
        "year": doc.year,
        "translations": [str(doc.translation_of_id)] if doc.translation_of_id else [],
        "lessons": [
            {"position": number, "title": lesson.title, "body_markdown": lesson.body_markdown}
            for number, lesson in enumerate(published, 1)
        ],
        "attachments": [
            {"sha256": a.sha256, "size": a.size, "filename": a.filename, "content_type": a.content_type,
             "lesson": lesson_positions.get(a.lesson_id)}
            for a in doc.attachments if a.lesson_id is None or a.lesson_id in lesson_positions
        ],  # fmt: skip
        "report": _report(doc),
        "deleted": False,
    }


def _report(doc: Document) -> dict[str, Any] | None:
    """A report's own fields; its mission travels by name (the peer has no such mission row)."""
    if doc.kind != "report":
        return None
    return {"mission": doc.mission.name if doc.mission else "", "concerns": doc.concerns or "",
            "urgency": doc.urgency or "routine", "sources": list(doc.sources or [])}  # fmt: skip


def tombstone_payload(doc_id: int, version: int, origin: str) -> dict[str, Any]:
    return {"uid": str(doc_id), "origin": origin, "version": version, "deleted": True}


def signed_item(seq: int, payload: dict[str, Any], key: keys.NodeKey) -> dict[str, Any]:
    return {"seq": seq, "payload": payload, "signature": key.sign(keys.canonical(payload))}


@dataclass(frozen=True)
class Item:
    seq: int
    payload: dict[str, Any]
    signature: str

    @property
    def origin(self) -> str:
        return self.payload["origin"]

    @property
    def uid(self) -> str:
        return self.payload["uid"]

    @property
    def version(self) -> int:
        return self.payload["version"]

    @property
    def deleted(self) -> bool:
        return self.payload["deleted"]


def parse_item(raw: Any) -> Item:
    """The envelope and the fields every item has. Raises BadItem."""
    if not isinstance(raw, dict) or set(raw) != {"seq", "payload", "signature"}:
        raise BadItem("an item has exactly seq, payload and signature")
    seq, payload, signature = raw["seq"], raw["payload"], raw["signature"]
    if not is_int(seq) or seq < 1 or not isinstance(signature, str) or not isinstance(payload, dict):
        raise BadItem("an item's seq is a positive integer, its signature text, its payload an object")
    _check(payload, "uid", str, 100, required=True)
    _check(payload, "origin", str, 100, required=True)
    if not is_int(payload.get("version")) or payload["version"] < 1:
        raise BadItem("version must be a positive integer")
    if not isinstance(payload.get("deleted"), bool):
        raise BadItem("deleted must be true or false")
    if not payload["deleted"]:
        try:
            check_content(payload)
        except (KeyError, TypeError, AttributeError) as error:  # a shape the checks did not foresee
            raise BadItem(f"malformed item: {type(error).__name__}: {error}") from error
    return Item(seq, payload, signature)


def check_content(payload: dict[str, Any]) -> None:
    """Shape and limits of a document's fields; anything else is refused whole."""
    cfg = current_app.config
    missing = [name for name in (*CONTENT_FIELDS, "country", "url") if name not in payload]
    if missing:
        raise BadItem(f"missing fields: {', '.join(missing)}")
    for name in ("kind", "language", "status", "visibility"):
        if not isinstance(payload[name], str):
            raise BadItem(f"{name} must be text")
    if payload["kind"] not in KINDS or payload["language"] not in LANGUAGES:
        raise BadItem("unknown kind or language")
    if payload["status"] != "published" or payload["visibility"] not in SHARED_VISIBILITIES:
        raise BadItem("only published documents of a shared audience travel")
    _check(payload, "country", str, 2, required=True)
    _check(payload, "url", str, 500, required=True)
    if not payload["url"].startswith(("https://", "http://")):
        raise BadItem("url must be an http(s) address")
    _check(payload, "title", str, cfg["TITLE_MAX"], required=True)
    _check(payload, "summary", str, cfg["SUMMARY_MAX"])
    _check(payload, "body_markdown", str, cfg["BODY_MAX"])
    _strings(payload, "shared_with", 20, 2)
    _strings(payload, "topics", 20, 60)
    _strings(payload, "tags", cfg["TAGS_MAX"], cfg["TAG_MAX"])
    _strings(payload, "translations", 20, 100)
    if payload["year"] is not None and not (is_int(payload["year"]) and 1900 <= payload["year"] <= 2200):
        raise BadItem("year must be empty or a year")
    if (payload["visibility"] == "countries") != bool(payload["shared_with"]):
        raise BadItem("shared_with goes with visibility 'countries' and only with it")
    _lessons(payload["lessons"], cfg["BODY_MAX"])
    _attachments(payload["attachments"], len(payload["lessons"]))
    _report_fields(payload.get("report"))


def _report_fields(report: Any) -> None:
    """Optional (a node of an earlier version sends none); checked like a local report's."""
    if report is None:
        return
    if not isinstance(report, dict):
        raise BadItem("report must be an object")
    _check(report, "mission", str, 150)
    _check(report, "concerns", str, 60)
    if report.get("urgency") not in URGENCIES:
        raise BadItem("report urgency must be routine, priority or flash")
    if "sources" not in report:
        raise BadItem("report sources missing")
    _strings(report, "sources", 10, 500)
    if not all(link.lower().startswith(("https://", "http://")) for link in report["sources"]):
        raise BadItem("report sources must be http(s) addresses")  # they become links on our pages


def is_sha256(value: Any) -> bool:
    hexdigits = "0123456789abcdef"
    return isinstance(value, str) and len(value) == SHA256_LENGTH and all(c in hexdigits for c in value)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31


def _check(payload: dict[str, Any], name: str, kind: type, longest: int, required: bool = False) -> None:
    value = payload.get(name)
    if not isinstance(value, kind) or len(value) > longest or (required and not value) or "\x00" in value:
        raise BadItem(f"{name} must be text of at most {longest} characters")


def _strings(payload: dict[str, Any], name: str, most: int, longest: int) -> None:
    value = payload[name]
    if not isinstance(value, list) or len(value) > most:
        raise BadItem(f"{name} must be a list of at most {most}")
    for entry in value:
        if not isinstance(entry, str) or not entry or len(entry) > longest or "\x00" in entry:
            raise BadItem(f"{name} holds text of at most {longest} characters")


def _lessons(lessons: Any, longest: int) -> None:
    if not isinstance(lessons, list) or len(lessons) > 500:
        raise BadItem("lessons must be a list of at most 500")
    for number, lesson in enumerate(lessons, 1):
        if not isinstance(lesson, dict) or lesson.get("position") != number:
            raise BadItem("lessons come in order, positions 1 to n")
        _check(lesson, "title", str, 200, required=True)
        _check(lesson, "body_markdown", str, longest)


def _attachments(attachments: Any, lessons: int) -> None:
    if not isinstance(attachments, list) or len(attachments) > 200:
        raise BadItem("attachments must be a list of at most 200")
    for entry in attachments:
        if not isinstance(entry, dict):
            raise BadItem("an attachment is an object")
        sha = entry.get("sha256")
        if not is_sha256(sha):
            raise BadItem("an attachment names its sha256 in lowercase hex")
        if not is_int(entry.get("size")) or entry["size"] < 1:
            raise BadItem("an attachment's size is a positive integer")
        _check(entry, "filename", str, 255, required=True)
        _check(entry, "content_type", str, 100, required=True)
        lesson = entry.get("lesson")
        if lesson is not None and not (is_int(lesson) and 1 <= lesson <= lessons):
            raise BadItem("an attachment's lesson is a lesson's position or null")
