"""Attachment services: safe upload, content-addressed storage, access-checked download.

Upload order: stream to a temporary file (counting and hashing, stopping at the size limit),
sniff the type from the bytes, extract the text, move the file into place under its sha256,
then commit the row and the document's change-log row in one transaction. Any refusal removes
the temporary file, so a refused upload leaves nothing behind. If the commit fails after the
move, the content-addressed file may stay: harmless, the same bytes would land there again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from content import change_notes, extraction, services, sniffing
from content.models import Attachment, Document, Lesson
from network import access
from network.api import MAX_ID, TooLarge
from network.errors import DomainError, Forbidden, Invalid, NotFound
from network.extensions import db

log = logging.getLogger("rndd.attachments")
CHUNK = 1024 * 1024
NAME_MAX = 255
TEMP_MAX_AGE = 3600  # seconds
_UNSAFE = re.compile(r'[<>:"/\\|?*;]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}


class ChecksumMismatch(DomainError):
    """The stored bytes are not the ones uploaded: never serve them (500: our fault, logged)."""

    status, code = 500, "checksum_mismatch"
    default_message = _l("This file is damaged on the server and cannot be downloaded; the error was logged.")


def display_name(name: str) -> str:
    """The file's base name as the uploader gave it, without control characters or any path
    (`C:\\Users\\me\\x.pdf` and `../x.pdf` are `x.pdf`), for display (escaped by templates)."""
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    return re.split(r"[/\\]", cleaned)[-1].strip()[:NAME_MAX] or "attachment"


def storage_name(name: str, file_type: sniffing.FileType) -> str:
    """A safe download name: no path, no control or reserved characters, the right extension."""
    base = _UNSAFE.sub("_", display_name(name)).strip(" .") or "attachment"
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    if stem.lower() in _RESERVED:
        stem = "_" + stem
    extension = f".{suffix.lower()}" if suffix else ""
    if extension not in file_type.extensions:
        stem, extension = (f"{stem}.{suffix}" if suffix else stem), file_type.extension
    return stem[: NAME_MAX - len(extension)] + extension


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def blob_path(sha256: str) -> Path:
    return _upload_dir() / sha256[:2] / sha256[2:4] / sha256


def temp_dir() -> Path:
    """Where uploads wait while they are checked; empty whenever no upload is in progress."""
    return _upload_dir() / "tmp"


def _sweep(folder: Path) -> None:
    """Remove what a killed worker left behind (its `finally` never ran): no upload takes an hour."""
    stale = time.time() - TEMP_MAX_AGE
    for leftover in folder.glob("upload-*"):
        with contextlib.suppress(FileNotFoundError):  # another worker swept it first
            if leftover.stat().st_mtime < stale:
                leftover.unlink()


def _receive(stream: IO[bytes], limit: int) -> tuple[Path, str, int]:
    """Copy the upload to a temporary file beside the store; (path, sha256, size)."""
    tmp_dir = temp_dir()
    tmp_dir.mkdir(parents=True, exist_ok=True)
    _sweep(tmp_dir)
    handle, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(
                        _("The file is over the limit of %(size)s MB.", size=limit // (1024 * 1024))
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name), digest.hexdigest(), size


def add_attachment(actor: Any, doc_id: int, stream: IO[bytes] | None, filename: str,
                   lesson_id: int | None = None) -> Attachment:  # fmt: skip
    """Store a file on a document (or one of its lessons) for an actor who may edit it.

    Raises:
        NotFound: the document (or lesson) is missing or unreadable.
        Forbidden: readable but not editable by the actor.
        Invalid: no file, an empty file, or a damaged PDF (422).
        TooLarge: over RNDD_MAX_UPLOAD_MB (413).
        UnsupportedType: not one of the accepted types (415).
    """
    doc, lesson = _editable_target(actor, doc_id, lesson_id)
    if stream is None or not filename:
        raise Invalid({"file": _("Choose a file to upload.")})
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    temp, sha256, size = _receive(stream, limit)
    try:
        if size == 0:
            raise Invalid({"file": _("The file is empty.")})
        file_type = sniffing.sniff(temp, filename)
        text, note = extraction.extract(
            temp, file_type, current_app.config["EXTRACT_MAX_MB"], current_app.config["EXTRACT_MAX_SECONDS"]
        )
        target = blob_path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, target)  # same bytes, same name: replacing an existing copy is harmless
    finally:
        temp.unlink(missing_ok=True)
    attachment = Attachment(
        document_id=doc.id, lesson_id=lesson.id if lesson else None, filename=display_name(filename),
        stored_name=storage_name(filename, file_type), sha256=sha256, size=size,
        content_type=file_type.content_type, text=text, extraction_note=note[:300],
        uploader_id=getattr(actor, "id", None),
    )  # fmt: skip
    with services._saving():
        db.session.add(attachment)
        services.record_change(actor, doc, _note(attachment, lesson, "added"))
    return attachment


def _editable_target(actor: Any, doc_id: int, lesson_id: int | None) -> tuple[Document, Lesson | None]:
    """The document (and lesson) a file goes on or comes off: a lesson's files are edited by who
    may edit the lesson (a contributor's draft lesson on a published course, too).

    Raises: NotFound (document or lesson missing or unreadable), Forbidden (not editable).
    """
    if lesson_id is None:
        return services.get_editable(actor, doc_id), None
    doc = services.get_readable(actor, doc_id)
    lesson = db.session.get(Lesson, lesson_id) if 0 < lesson_id <= MAX_ID else None
    if lesson is None or lesson.document_id != doc.id or not access.can_read_lesson(actor, lesson):
        raise NotFound(_("No such lesson in this course."))
    if not access.can_edit_lesson(actor, lesson):
        raise Forbidden(_("You may read this lesson but not edit it."))
    return doc, lesson


def _note(attachment: Attachment, lesson: Lesson | None, what: str) -> str:
    where = f" (lesson “{lesson.title}”)" if lesson is not None else ""
    return change_notes.joined(f"Attachment {attachment.filename} {what}{where}")


def delete_attachment(actor: Any, attachment_id: int) -> int:
    """Remove an attachment; returns its document's id. The bytes go once nothing refers to them.

    Raises: NotFound (missing or unreadable), Forbidden (not editable by the actor).
    """
    attachment = get_readable(actor, attachment_id)
    doc, lesson = _editable_target(actor, attachment.document_id, attachment.lesson_id)
    sha256, note = attachment.sha256, _note(attachment, lesson, "removed")
    with services._saving():
        db.session.delete(attachment)
        services.record_change(actor, doc, note)
    still_used = db.session.scalar(db.select(db.func.count()).where(Attachment.sha256 == sha256))
    if not still_used:
        blob_path(sha256).unlink(missing_ok=True)
    return doc.id


def get_readable(actor: Any, attachment_id: int) -> Attachment:
    """Raises: NotFound when missing or when its document is not readable (the two look the same)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    services.get_readable(actor, attachment.document_id)
    if attachment.lesson_id is not None and not access.can_read_lesson(actor, attachment.lesson):
        raise NotFound()  # a file of a draft lesson is its writers' only
    return attachment


def open_for(actor: Any, attachment_id: int) -> tuple[Attachment, Path]:
    """The attachment and the path of its verified bytes, for a reader of its document.

    Raises:
        NotFound: missing, or its document is not readable by the actor.
        ChecksumMismatch: the stored file is missing or its sha256 differs (logged).
    """
    attachment = get_readable(actor, attachment_id)
    path = blob_path(attachment.sha256)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        log.error("attachment %s: file %s is missing", attachment.id, path)
        raise ChecksumMismatch() from None
    if digest.hexdigest() != attachment.sha256:
        log.error("attachment %s: checksum mismatch for %s (got %s)", attachment.id, path, digest.hexdigest())
        raise ChecksumMismatch()
    return attachment, path
