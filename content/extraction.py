"""Searchable text from an accepted file: PDF (pypdf), OOXML and OpenDocument (their XML), text.

`extract` answers (text, note). A file that is structurally broken (a PDF pypdf cannot open, an
office file whose archive fails its checks) is refused with `Invalid`; a sound file whose text
cannot be had (a scan, an encrypted PDF, an odd XML part) is kept with an empty text and a note
that tells the uploader why.

Every file has one budget across all its parts: at most `max_mb` megabytes of uncompressed
content read and `max_seconds` seconds (RNDD_EXTRACT_MAX_MB, RNDD_EXTRACT_MAX_SECONDS). XML is
read as a stream, chunk by chunk, so a small archive that unpacks to gigabytes holds neither
memory nor a worker; when the budget runs out the text read so far is kept, with a note.
XML parts that declare a DTD are refused, so entity expansion ("billion laughs") and external
entities never happen.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO
from xml.parsers import expat

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from content.sniffing import FileType
from network.errors import Invalid

log = logging.getLogger("rndd.extraction")
TEXT_MAX = 1_000_000  # characters kept for search; the rest of a huge file is not indexed
PDF_PAGES_MAX = 2_000
MAX_MB = 20  # defaults of RNDD_EXTRACT_MAX_MB and RNDD_EXTRACT_MAX_SECONDS
MAX_SECONDS = 5.0
CHUNK = 64 * 1024  # bytes read (and parsed) between two looks at the budget
_BREAKS = {"p", "h", "br", "tab", "tr", "row", "si", "list-item", "line-break"}
_TEXT_TAGS = {"t"}  # w:t, a:t and the spreadsheet t: text runs of OOXML
_ODF = "urn:oasis:names:tc:opendocument"
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, RuntimeError)


NO_TEXT = "No text was found in this file, so its content is not searchable (a scan or images only?)."


class ExtractionFailed(Exception):
    """The file is fine but its text cannot be had; the message is the note shown."""


class BudgetSpent(Exception):
    """Reading stops here; the message is the note shown, the text read so far is kept."""


class Reading:
    """One file's extraction: the text found so far, and what is left of its budget."""

    def __init__(self, max_mb: float, max_seconds: float) -> None:
        self.max_mb, self.max_seconds = max_mb, max_seconds
        self.bytes_left = int(max_mb * 1024 * 1024)
        self.deadline = time.monotonic() + max_seconds
        self.parts: list[str] = []
        self.chars = 0

    def spend(self, size: int) -> None:
        """Account for `size` more bytes read. Raises: BudgetSpent past either limit."""
        self.bytes_left -= size
        if self.bytes_left < 0:
            raise BudgetSpent(
                f"Only the first {self.max_mb:g} MB of this file's content were read for search "
                "(the limit for one file); the rest is stored, not searchable."
            )
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() >= self.deadline:
            raise BudgetSpent(
                f"Reading this file's text took longer than {self.max_seconds:g} s (the limit for one "
                "file), so only its first part is searchable."
            )

    def add(self, text: str) -> None:
        """Keep `text`; stop once there is more than search keeps (whitespace is squeezed later)."""
        self.parts.append(text)
        self.chars += len(text)
        if self.chars > 2 * TEXT_MAX:
            raise BudgetSpent("")


def extract(path: Path, file_type: FileType, max_mb: float = MAX_MB,
            max_seconds: float = MAX_SECONDS) -> tuple[str, str]:  # fmt: skip
    """Raises: Invalid when the file claims a type its body does not hold (a corrupt PDF or archive)."""
    reading = Reading(max_mb, max_seconds)
    note = ""
    try:
        if file_type.family == "pdf":
            _pdf(path, reading)
        elif file_type.family == "ooxml":
            _office(path, _ooxml_parts, reading)
        elif file_type.family == "odf":
            _office(path, lambda names: [n for n in ("content.xml",) if n in names], reading)
        elif file_type.family == "text":
            _text(path, reading)
        else:
            return "", ""  # images carry no text to search
    except ExtractionFailed as failure:
        return "", str(failure)
    except BudgetSpent as spent:
        note = str(spent)
        log.info("%s: %s", path.name, note or "text cut at the search limit")
    text = _tidy("".join(reading.parts))
    cut = len(text) > TEXT_MAX or reading.chars > 2 * TEXT_MAX
    text = text[:TEXT_MAX]
    if not text:
        return "", note or NO_TEXT
    if cut:
        note = note or f"Only the first {len(text):,} characters are searchable."
    return text, note


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no database stores them


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in _UNSTORABLE.sub("", text).splitlines())
    return "\n".join(line for line in lines if line)


def _text(path: Path, reading: Reading) -> None:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            reading.spend(len(chunk))
            reading.add(decoder.decode(chunk))
    reading.add(decoder.decode(b"", final=True))


def _pdf(path: Path, reading: Reading) -> None:
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

    def on_operator(*_: object) -> None:  # the deadline holds inside a long page too
        reading.check_time()

    for number in range(min(count, PDF_PAGES_MAX)):
        reading.check_time()
        try:
            text = pages[number].extract_text(visitor_operand_before=on_operator) or ""
        except BudgetSpent:
            raise
        except Exception as error:  # noqa: BLE001 - one bad page must not lose the others
            log.info("pdf page %s of %s: no text (%s)", number + 1, path.name, error)
            continue
        reading.spend(len(text))  # characters: near enough to bytes for a budget
        reading.add(text + "\n")


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


def _office(path: Path, parts: Callable[[set[str]], Iterable[str]], reading: Reading) -> None:
    try:
        with zipfile.ZipFile(path) as package:
            for name in parts({e.filename for e in package.infolist()}):
                with package.open(name) as entry:
                    try:
                        _xml_text(entry, reading)
                    except expat.ExpatError as error:
                        raise ExtractionFailed(f"Part {name} of this file is not well-formed, so its text "
                                               "could not be read for search.") from error  # fmt: skip
                reading.add("\n")
    except _ARCHIVE_ERRORS as error:  # a bad CRC, a size that lies, damaged compressed data
        problem = "This file is damaged (its archive fails its own checks); export it again and retry."
        raise Invalid({"file": problem}) from error


def _xml_text(entry: IO[bytes], reading: Reading) -> None:
    """Stream one office XML part into `reading`: the text runs of OOXML, all character data of
    OpenDocument, a line break after paragraphs and rows. No tree is built."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"odf": None, "in_text": False}

    def refuse_dtd(*_: object) -> None:
        raise ExtractionFailed("This file declares XML entities, which are not read for safety.")

    def start(name: str, _attributes: dict) -> None:
        uri, _, local = name.rpartition(" ")
        if state["odf"] is None:
            state["odf"] = uri.startswith(_ODF)
        state["in_text"] = local in _TEXT_TAGS

    def end(name: str) -> None:
        local = name.rpartition(" ")[2]
        state["in_text"] = False
        if local in _BREAKS:
            reading.add("\n")
        elif local in ("s", "c"):
            reading.add(" ")

    def characters(data: str) -> None:
        if state["odf"] or state["in_text"]:
            reading.add(data)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    first = True
    while chunk := entry.read(CHUNK):
        if first and chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ExtractionFailed("This file's text is not in UTF-8, so it could not be read for search.")
        first = False
        reading.spend(len(chunk))
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
