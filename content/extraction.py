"""Searchable text from an accepted file: PDF (pypdf), OOXML and OpenDocument (their XML), text.

`extract` answers (text, note). A file that is structurally broken (a PDF pypdf cannot open)
is refused with `Invalid`; a sound file whose text cannot be had (a scan, an encrypted PDF, an
odd XML part) is kept with an empty text and a note that tells the uploader why.
XML parts are read with a size cap and refused when they declare a DTD, so entity expansion
("billion laughs") and external entities never reach the parser.
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from content.sniffing import FileType, read_limited
from network.errors import Invalid

log = logging.getLogger("rndd.extraction")
TEXT_MAX = 1_000_000  # characters kept for search; the rest of a huge file is not indexed
PDF_PAGES_MAX = 2_000
PART_MAX = 50 * 1024 * 1024  # bytes read from one XML part of an office file
_BREAKS = {"p", "h", "br", "tab", "tr", "row", "si", "list-item", "line-break"}
_TEXT_TAGS = {"t"}  # w:t, a:t and the spreadsheet t: text runs of OOXML


class ExtractionFailed(Exception):
    """The file is fine but its text cannot be had; the message is the note shown."""


def extract(path: Path, file_type: FileType) -> tuple[str, str]:
    """Raises: Invalid when the file claims a type its body does not hold (a corrupt PDF)."""
    try:
        if file_type.family == "pdf":
            text = _pdf(path)
        elif file_type.family == "ooxml":
            text = _office(path, _ooxml_parts)
        elif file_type.family == "odf":
            text = _office(path, lambda names: [n for n in ("content.xml",) if n in names])
        elif file_type.family == "text":
            text = path.read_text(encoding="utf-8-sig")
        else:
            return "", ""  # images carry no text to search
    except ExtractionFailed as failure:
        return "", str(failure)
    text = _tidy(text)
    note = ""
    if not text:
        note = "No text was found in this file, so its content is not searchable (a scan or images only?)."
    elif len(text) > TEXT_MAX:
        text, note = text[:TEXT_MAX], f"Only the first {TEXT_MAX:,} characters are searchable."
    return text, note


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\x00", "").splitlines())
    return "\n".join(line for line in lines if line)


def _pdf(path: Path) -> str:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionFailed("The PDF is password-protected, so its text could not be read for search.")
        pages = reader.pages
        count = len(pages)
    except ExtractionFailed:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        problem = "This PDF is damaged and cannot be opened; export it again and retry."
        raise Invalid({"file": problem}) from error
    parts: list[str] = []
    size = 0
    for number in range(min(count, PDF_PAGES_MAX)):
        try:
            text = pages[number].extract_text() or ""
        except Exception as error:  # noqa: BLE001 - one bad page must not lose the others
            log.info("pdf page %s of %s: no text (%s)", number + 1, path.name, error)
            continue
        parts.append(text)
        size += len(text)
        if size > TEXT_MAX:
            break
    return "\n".join(parts)


def _ooxml_parts(names: set[str]) -> list[str]:
    """Word's body, notes and comments; slides in their order; a workbook's strings and sheets."""
    numbered = re.compile(r"(\d+)\.xml$")

    def in_order(prefix: str) -> list[str]:
        found = [n for n in names if n.startswith(prefix) and numbered.search(n)]
        return sorted(found, key=lambda n: int(numbered.search(n).group(1)))

    word = [n for n in ("word/document.xml", "word/footnotes.xml", "word/comments.xml") if n in names]
    sheets = ["xl/sharedStrings.xml"] if "xl/sharedStrings.xml" in names else []
    slides = in_order("ppt/slides/slide") + in_order("ppt/notesSlides/notesSlide")
    return word + slides + sheets + in_order("xl/worksheets/sheet")


def _office(path: Path, parts) -> str:
    texts: list[str] = []
    with zipfile.ZipFile(path) as package:
        for name in parts({e.filename for e in package.infolist()}):
            try:
                texts.append(_xml_text(read_limited(package, name, PART_MAX)))
            except ElementTree.ParseError as error:
                raise ExtractionFailed(f"Part {name} of this file is not well-formed, so its text "
                                       "could not be read for search.") from error  # fmt: skip
    return "\n".join(texts)


def _xml_text(data: bytes) -> str:
    """Text of an office XML part: text runs for OOXML, all character data for OpenDocument."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ExtractionFailed("This file declares XML entities, which are not read for safety.")
    root = ElementTree.fromstring(data)  # noqa: S314 - no DTD possible (checked above); expat caps growth
    odf = root.tag.startswith("{urn:oasis:names:tc:opendocument")
    out: list[str] = []
    stack: list[tuple[ElementTree.Element, bool]] = [(root, False)]
    while stack:  # iterative: a maliciously deep file cannot exhaust the recursion limit
        element, closing = stack.pop()
        local = element.tag.rsplit("}", 1)[-1]
        if closing:
            out.append("\n" if local in _BREAKS else " " if local in ("s", "c") else "")
            if odf and element.tail:
                out.append(element.tail)
            continue
        if (odf or local in _TEXT_TAGS) and element.text:
            out.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return "".join(out)
