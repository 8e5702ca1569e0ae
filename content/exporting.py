"""A document (a course with its lessons) as one Markdown file or one self-contained HTML file.

Both hold what the exporting user may read, and no more: the document through
`services.get_readable` (404 otherwise), a course's lessons through `access.readable_lessons`
(readers get the published ones, the course's writers their drafts too).

Images in the HTML are embedded as `data:` URIs. An exported file is read later, offline, or by
a colleague the file is handed to: a link back to `/attachments/<id>` would need a signed-in
session that may read the document (a `network` or `country` document's images would show as
broken), and opening the file would tell this server who read it when. Other files (PDFs,
slides) are too big to embed and are listed with absolute links under RNDD_BASE_URL. The
Markdown file cannot embed images readably, so its links are made absolute the same way.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from markupsafe import Markup

from content import attachments, audience, services
from content.models import Attachment, Document, Lesson
from network import access, labels
from network.errors import DomainError
from network.urls import external_url

# An embedded image larger than this stays a link: a page of tens of megabytes helps nobody.
EMBED_MAX = 5 * 1024 * 1024
_ATTACHMENT_SRC = re.compile(r'src="/attachments/(\d+)(?:\?inline=1)?"')
_RELATIVE_HTML = re.compile(r'(href|src)="/(?!/)')
_RELATIVE_MARKDOWN = re.compile(r"\]\(/(?!/)")


@dataclass(frozen=True)
class Export:
    doc: Document
    lessons: list[Lesson]
    files: list[Attachment]  # the document's own files and those of the lessons shown


def gather(actor: Any, doc_id: int) -> Export:
    """What `actor` may read of the document. Raises: NotFound (missing or unreadable)."""
    doc = services.get_readable(actor, doc_id)
    shown = access.readable_lessons(actor, doc) if doc.kind == "course" else []
    ids = {lesson.id for lesson in shown}
    files = [a for a in doc.attachments if a.lesson_id is None or a.lesson_id in ids]
    return Export(doc, shown, files)


def filename(doc: Document, extension: str) -> str:
    """An ASCII file name from the title (`consular-hotline-12.md`); the id keeps it unique."""
    slug = re.sub(r"[^a-z0-9]+", "-", doc.title.lower()).strip("-")[:60] or "document"
    return f"{slug}-{doc.id}.{extension}"


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def _status(code: str) -> str:
    """A status as the interface names it ("draft", "in review")."""
    return str(labels.name(labels.STATUSES, code))


def _facts(doc: Document) -> list[tuple[str, str]]:
    """The lines of the header both formats carry: country, audience, date, version, source."""
    rows = [
        (_("Country"), f"{doc.country.name} ({doc.country.ministry})"),
        (_("Audience"), audience.describe(doc).now),
        (_("Published") if doc.published_at else _("Updated"), _date(doc.published_at or doc.updated_at)),
        (_("Version"), str(doc.version) + ("" if doc.status == "published" else f" ({_status(doc.status)})")),
        (_("Source"), external_url("content.document", doc_id=doc.id)),
    ]
    if doc.author:
        rows.insert(1, (_("Author"), doc.author.name))
    return rows


def _absolute_markdown(text: str) -> str:
    return _RELATIVE_MARKDOWN.sub("](" + current_app.config["BASE_URL"] + "/", text)


def _file_line(attachment: Attachment) -> str:
    url = external_url("course.download", attachment_id=attachment.id)
    name = re.sub(r"([\[\]\\])", r"\\\1", attachment.filename)
    size = _("%(size)s bytes", size=format(attachment.size, ","))
    return f"- [{name}]({url}) ({attachment.content_type.split(';')[0]}, {size})"


def markdown(actor: Any, doc_id: int) -> tuple[Export, str]:
    """The document as Markdown: a header of facts, the body, the lessons in order, the files."""
    found = gather(actor, doc_id)
    doc = found.doc
    parts = [f"# {doc.title}", "", *(f"- {name}: {value}" for name, value in _facts(doc)), ""]
    if doc.summary:
        parts += [f"> {line}" for line in doc.summary.splitlines()] + [""]
    parts += [_absolute_markdown(doc.body_markdown), ""]
    for number, lesson in enumerate(found.lessons, 1):
        draft = "" if lesson.status == "published" else f" ({_status(lesson.status)})"
        heading = _("Lesson %(number)s: %(title)s", number=number, title=lesson.title)
        parts += [f"## {heading}{draft}", ""]
        parts += [_absolute_markdown(lesson.body_markdown), ""]
    if found.files:
        parts += [f"## {_('Files')}", "", *(_file_line(a) for a in found.files), ""]
    return found, "\n".join(parts).rstrip() + "\n"


def _data_uri(actor: Any, attachment_id: int) -> str | None:
    """The image's verified bytes as a data: URI, if `actor` may read it and it is small enough."""
    try:
        attachment, path = attachments.open_for(actor, attachment_id)
    except DomainError:
        return None
    if not attachment.is_image or attachment.size > EMBED_MAX:
        return None
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{attachment.content_type};base64,{encoded}"


def _self_contained(actor: Any, body_html: str) -> Markup:
    """Stored (already sanitised) HTML with its images embedded and its other links absolute."""

    def embed(match: re.Match[str]) -> str:
        uri = _data_uri(actor, int(match.group(1)))
        return f'src="{uri}"' if uri else match.group(0)

    embedded = _ATTACHMENT_SRC.sub(embed, body_html)
    base = current_app.config["BASE_URL"]
    return Markup(_RELATIVE_HTML.sub(lambda m: f'{m.group(1)}="{base}/', embedded))  # noqa: S704 -- sanitised at save


def html(actor: Any, doc_id: int) -> tuple[Export, str]:
    """The document as one HTML file with its style inline and its images embedded."""
    found = gather(actor, doc_id)
    bodies = {lesson.id: _self_contained(actor, lesson.body_html) for lesson in found.lessons}
    page = render_template(
        "content/export.html", doc=found.doc, facts=_facts(found.doc), lessons=found.lessons,
        body=_self_contained(actor, found.doc.body_html), lesson_bodies=bodies, files=[
            (a, external_url("course.download", attachment_id=a.id)) for a in found.files
        ],
    )  # fmt: skip
    return found, page
