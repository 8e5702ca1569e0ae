"""Type sniffing and text extraction on real files made here, including hostile ones."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from content import extraction
from content.demo_files import make_docx, make_odt, make_pdf, make_png, make_pptx, make_xlsx
from content.sniffing import FILE_TYPES, read_limited, sniff
from network.api import UnsupportedType
from network.errors import Invalid

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def run(tmp_path: Path, name: str, data: bytes) -> tuple[str, str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    file_type = sniff(path, name)
    text, note = extraction.extract(path, file_type)
    return file_type.content_type, text, note


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Locked away text"]]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_with(document_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(make_docx(["x"]))) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = document_xml if item.filename == "word/document.xml" else source.read(item)
            target.writestr(item.filename, data)
    return out.getvalue()


def test_pdf_pages_in_order(tmp_path):
    pages = [[f"Page {n} talks about topic{n}."] for n in range(1, 21)]
    kind, text, note = run(tmp_path, "twenty.pdf", make_pdf(pages))
    assert kind == "application/pdf" and note == ""
    positions = [text.index(f"topic{n}.") for n in range(1, 21)]
    assert positions == sorted(positions)


def test_office_formats(tmp_path):
    slides = [(f"Slide {n}", [f"point{n}"]) for n in range(1, 12)]
    _, deck, _ = run(tmp_path, "deck.pptx", make_pptx(slides))
    assert deck.index("point2") < deck.index("point10")  # slide10 after slide2: numeric, not text order
    assert run(tmp_path, "a.docx", make_docx(["First paragraph", "Second"]))[1] == "First paragraph\nSecond"
    assert "Budget line" in run(tmp_path, "s.xlsx", make_xlsx([["Budget line", "2024"]]))[1]
    assert run(tmp_path, "t.odt", make_odt(["Hello ODF", "Next"]))[1] == "Hello ODF\nNext"


def test_text_files_and_images(tmp_path):
    kind, text, _ = run(tmp_path, "notes.md", "\ufeff# Title\n\nBody with ünïcode.\n".encode())
    assert kind == "text/markdown; charset=utf-8" and text == "# Title\nBody with ünïcode."
    assert run(tmp_path, "list.csv", b"a,b\n1,2\n")[0] == "text/csv; charset=utf-8"
    assert run(tmp_path, "picture.png", make_png()) == ("image/png", "", "")


def test_the_content_decides_not_the_name(tmp_path):
    assert run(tmp_path, "holiday.png", make_pdf([["Really a PDF"]]))[0] == "application/pdf"
    assert run(tmp_path, "slides.pdf", make_pptx([("Deck", [])]))[0] == FILE_TYPES["pptx"].content_type
    with pytest.raises(UnsupportedType):
        run(tmp_path, "readme.txt", b"MZ\x90\x00" + bytes(64))


def test_a_pdf_that_cannot_be_opened_is_refused_but_one_without_text_is_kept(tmp_path):
    with pytest.raises(Invalid) as refused:
        run(tmp_path, "broken.pdf", b"%PDF-1.5\n" + b"\x00garbage" * 50)
    assert "damaged" in refused.value.fields["file"]
    truncated = make_pdf([["cut short"]])[:120]
    with pytest.raises(Invalid):
        run(tmp_path, "truncated.pdf", truncated)
    _, text, note = run(tmp_path, "scan.pdf", make_pdf([[], []]))
    assert text == "" and "No text was found" in note


def test_encrypted_pdfs(tmp_path):
    _, text, note = run(tmp_path, "locked.pdf", encrypted_pdf("secret"))
    assert text == "" and "password-protected" in note
    _, text, note = run(tmp_path, "owner-only.pdf", encrypted_pdf(""))
    assert text == "Locked away text" and note == ""


def test_hostile_xml_is_not_expanded(tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10 if n > 1 else b"&lol;" * 10)
                         for n in range(1, 10))
              + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")  # fmt: skip
    kind, text, note = run(tmp_path, "laughs.docx", docx_with(laughs))
    assert kind == FILE_TYPES["docx"].content_type and text == "" and "entities" in note
    external = docx_with(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                         b"<d>&x;</d>")  # fmt: skip
    assert run(tmp_path, "external.docx", external)[1] == ""
    utf16 = docx_with('<?xml version="1.0" encoding="UTF-16"?><d><t>hidden</t></d>'.encode("utf-16"))
    assert run(tmp_path, "utf16.docx", utf16)[1] == ""
    broken = docx_with(b"<w:document><w:t>unclosed")
    _, text, note = run(tmp_path, "broken.docx", broken)
    assert text == "" and "not well-formed" in note


def test_deep_nesting_does_not_exhaust_the_stack(tmp_path):
    depth = 20_000
    deep = b"<d>" * depth + b"<t>bottom</t>" + b"</d>" * depth
    assert run(tmp_path, "deep.docx", docx_with(deep))[1] == "bottom"


def test_archive_parts_are_read_with_a_cap(tmp_path):
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", b" " * 3_000_000)  # compresses to a few kB
    with pytest.raises(UnsupportedType):
        sniff(path, "big.docx")
    with zipfile.ZipFile(path) as package, pytest.raises(UnsupportedType):
        read_limited(package, "[Content_Types].xml", limit=1000)


def test_long_text_is_cut_for_search_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(extraction, "TEXT_MAX", 50)
    _, text, note = run(tmp_path, "long.txt", b"word " * 100)
    assert len(text) == 50 and "first 50 characters" in note


# ------------------------------------------------------------------------------------------
# Damaged archives, and the budget of one file
# ------------------------------------------------------------------------------------------


def _central_entry(data: bytes, name: bytes) -> int:
    """The offset of `name`'s central directory header (where zipfile reads CRC and sizes)."""
    at = data.find(b"PK\x01\x02")
    while data[at + 46 : at + 46 + struct.unpack("<H", data[at + 28 : at + 30])[0]] != name:
        at = data.find(b"PK\x01\x02", at + 4)
    return at


def damaged(how: str) -> bytes:
    """A Word file whose body fails one of the archive's own checks."""
    data = bytearray(make_docx(["A paragraph that is long enough to be compressed. " * 20]))
    at = _central_entry(bytes(data), b"word/document.xml")
    if how == "bad CRC":
        data[at + 16 : at + 20] = b"\x00\x00\x00\x00"
    elif how == "size that lies":
        data[at + 24 : at + 28] = struct.pack("<I", 10)
    elif how == "compressed size that lies":
        data[at + 20 : at + 24] = struct.pack("<I", 10)
    elif how == "unknown compression":
        data[at + 10 : at + 12] = struct.pack("<H", 99)
    elif how == "garbled data":
        local = struct.unpack("<I", data[at + 42 : at + 46])[0] + 30 + len(b"word/document.xml")
        data[local + 5 : local + 25] = b"\xff" * 20
    return bytes(data)


DAMAGES = ["bad CRC", "size that lies", "compressed size that lies", "unknown compression", "garbled data"]


@pytest.mark.parametrize("how", DAMAGES)
def test_an_office_file_that_fails_its_archive_checks_is_refused_as_damaged(tmp_path, how):
    with pytest.raises(Invalid) as refused:
        run(tmp_path, "damaged.docx", damaged(how))
    assert "damaged" in refused.value.fields["file"]


def inflating_deck(slides: int, lines: int) -> bytes:
    """A small deck whose slides unpack to much more text than they weigh; slide n says `slideNword`."""
    return make_pptx([(f"Slide {n}", [f"slide{n}word"] * lines) for n in range(1, slides + 1)])


def test_the_budget_in_bytes_keeps_what_was_read_and_says_so(tmp_path):
    deck = inflating_deck(slides=3, lines=20_000)  # about 1.5 MB of XML per slide
    assert len(deck) < 100_000
    _, text, note = run(tmp_path, "deck.pptx", deck)  # the defaults read it all
    assert {"slide1word", "slide3word"} <= set(text.split()) and note == ""
    path = tmp_path / "deck.pptx"
    text, note = extraction.extract(path, sniff(path), max_mb=2)
    words = set(text.split())
    assert "slide1word" in words and "slide2word" in words and "slide3word" not in words
    assert "Only the first 2 MB of this file's content were read for search" in note


def test_the_budget_in_seconds_stops_reading_with_a_note(tmp_path):
    path = tmp_path / "deck.pptx"
    path.write_bytes(inflating_deck(slides=2, lines=2_000))
    text, note = extraction.extract(path, sniff(path), max_seconds=0)
    assert "took longer than 0 s" in note and "slide2word" not in text
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(make_pdf([["page one"], ["page two"]]))
    assert "took longer than 0 s" in extraction.extract(pdf, sniff(pdf), max_seconds=0)[1]


def test_text_files_are_read_within_the_budget(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"first line\n" + b"filler " * 400_000 + b"\nlast line\n")
    text, note = extraction.extract(path, sniff(path), max_mb=1)
    assert text.startswith("first line") and "last line" not in text and "first 1 MB" in note


def test_a_document_of_many_small_runs_is_read_as_a_stream(tmp_path):
    runs = "".join(f"<w:r><w:t>r{n}</w:t></w:r>" for n in range(50_000))
    body = f'<w:document xmlns:w="{W}"><w:body><w:p>{runs}</w:p><w:p><w:t>end</w:t></w:p></w:body>'
    body += "</w:document>"
    _, text, note = run(tmp_path, "runs.docx", docx_with(body.encode()))
    assert text.startswith("r0r1r2") and text.endswith("r49999\nend") and note == ""
