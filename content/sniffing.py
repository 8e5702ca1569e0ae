"""What a file really is, decided from its bytes: never from its name or declared type.

An allowlist: a file is one of FILE_TYPES or it is refused. Office documents are ZIP packages,
so a ZIP is opened and judged by its `[Content_Types].xml` (OOXML) or `mimetype` entry
(OpenDocument); any other archive is refused. Text must be UTF-8 without NUL bytes and must not
be markup a browser would run (HTML, SVG, XML).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from network.api import UnsupportedType

ACCEPTED = (
    "PDF, Word (.docx, .odt), PowerPoint (.pptx, .odp), spreadsheets (.xlsx, .ods, .csv), "
    "plain text and Markdown (UTF-8), and PNG, JPEG or WebP images"
)
ZIP_MAX_ENTRIES = 5_000
ZIP_MAX_TOTAL = 500 * 1024 * 1024  # declared uncompressed size of all entries: a zip bomb guard
XML_PART_MAX = 2 * 1024 * 1024  # [Content_Types].xml and `mimetype` are tiny in real files
TEXT_HEAD = 4096


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # the canonical one, given to the download name when the name lacks it
    family: str  # pdf, ooxml, odf, text, image: which extractor applies
    extensions: tuple[str, ...] = ()


def _t(content_type: str, family: str, *extensions: str) -> FileType:
    return FileType(content_type, extensions[0], family, extensions)


OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."
FILE_TYPES = {
    "pdf": _t("application/pdf", "pdf", ".pdf"),
    "docx": _t(OOXML + "wordprocessingml.document", "ooxml", ".docx"),
    "pptx": _t(OOXML + "presentationml.presentation", "ooxml", ".pptx"),
    "xlsx": _t(OOXML + "spreadsheetml.sheet", "ooxml", ".xlsx"),
    "odt": _t(ODF + "text", "odf", ".odt"),
    "odp": _t(ODF + "presentation", "odf", ".odp"),
    "ods": _t(ODF + "spreadsheet", "odf", ".ods"),
    "txt": _t("text/plain; charset=utf-8", "text", ".txt", ".text", ".log"),
    "md": _t("text/markdown; charset=utf-8", "text", ".md", ".markdown"),
    "csv": _t("text/csv; charset=utf-8", "text", ".csv", ".tsv"),
    "png": _t("image/png", "image", ".png"),
    "jpeg": _t("image/jpeg", "image", ".jpg", ".jpeg"),
    "webp": _t("image/webp", "image", ".webp"),
}
# The main part's content type names an OOXML package; macro-enabled variants are not accepted.
OOXML_MAIN = {
    OOXML + "wordprocessingml.document.main+xml": "docx",
    OOXML + "presentationml.presentation.main+xml": "pptx",
    OOXML + "spreadsheetml.sheet.main+xml": "xlsx",
}
ODF_MIMETYPES = {FILE_TYPES[k].content_type: k for k in ("odt", "odp", "ods")}
_MARKUP = re.compile(
    rb"^\s*<\s*(!doctype|html|head|body|svg|\?xml|script|iframe|object|embed|meta|style)\b", re.I
)
_ACTIVE = re.compile(rb"<\s*(script|svg|iframe)\b", re.I)
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_REFUSED_HINTS = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"\xcf\xfa\xed\xfe", "a program"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (save it as .docx, .pptx or .xlsx)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"GIF8", "a GIF image"),
)


def _refuse(what: str | None = None) -> UnsupportedType:
    if what:
        return UnsupportedType(
            _(
                "This file looks like %(what)s, which is not accepted. Accepted: %(accepted)s.",
                what=what,
                accepted=ACCEPTED,
            )
        )
    return UnsupportedType(_("Accepted: %(accepted)s.", accepted=ACCEPTED))


def sniff(path: Path, name: str = "") -> FileType:
    """The type of the file at `path`. `name` only picks among text types (.md, .csv, .txt).

    Raises:
        UnsupportedType: anything not on the allowlist, with what is accepted.
    """
    with path.open("rb") as stream:
        head = stream.read(TEXT_HEAD)
    if head.startswith(b"%PDF-"):
        return FILE_TYPES["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FILE_TYPES["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return FILE_TYPES["jpeg"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FILE_TYPES["webp"]
    if head.startswith(b"PK\x03\x04"):
        return FILE_TYPES[_office_kind(path)]
    for magic, what in _REFUSED_HINTS:
        if head.startswith(magic):
            raise _refuse(what)
    return _text_kind(path, head, name)


def _office_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as package:
            entries = package.infolist()
            if len(entries) > ZIP_MAX_ENTRIES or sum(e.file_size for e in entries) > ZIP_MAX_TOTAL:
                raise _refuse("an archive too large to unpack safely")
            names = {e.filename for e in entries}
            if "mimetype" in names:
                declared = read_limited(package, "mimetype").decode("ascii", "replace").strip()
                if declared in ODF_MIMETYPES:
                    return ODF_MIMETYPES[declared]
            if "[Content_Types].xml" in names:
                types = read_limited(package, "[Content_Types].xml").decode("utf-8", "replace")
                for main, kind in OOXML_MAIN.items():
                    if f'ContentType="{main}"' in types:
                        return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, RuntimeError, OSError, EOFError) as error:
        raise _refuse("a damaged or unreadable archive") from error
    raise _refuse("a ZIP archive that is not an office document")


def read_limited(package: zipfile.ZipFile, name: str, limit: int = XML_PART_MAX) -> bytes:
    """Read one entry, refusing more than `limit` bytes whatever its header declares."""
    with package.open(name) as entry:
        data = entry.read(limit + 1)
    if len(data) > limit:
        raise _refuse("an archive with an oversized part")
    return data


def _text_kind(path: Path, head: bytes, name: str) -> FileType:
    data = path.read_bytes()
    if b"\x00" in data or _CONTROL.search(data):
        raise _refuse("a binary file")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _refuse("text that is not UTF-8 (save it as UTF-8)") from error
    body = head.removeprefix(b"\xef\xbb\xbf")
    if _MARKUP.match(body) or _ACTIVE.search(data):
        raise _refuse("HTML, SVG or XML (a browser could run scripts in it)")
    suffix = Path(name).suffix.lower()
    for kind in ("md", "csv"):
        if suffix in FILE_TYPES[kind].extensions:
            return FILE_TYPES[kind]
    return FILE_TYPES["txt"]
