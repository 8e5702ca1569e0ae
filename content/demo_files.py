"""Small real files made in code: the demo's course material, and the fixtures of tests and bench.

Each function returns the bytes of a minimal but valid file of its kind, so nothing binary is
shipped in the repository and tests can make exactly the file they need.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with one page per item, each line set in Helvetica (Latin-1 text only)."""
    objects: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                            b"/Encoding /WinAnsiEncoding >>"]  # fmt: skip
    kids = []
    for lines in pages:
        ops = ["BT /F1 12 Tf 14 TL 72 760 Td"]
        for line in lines:
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({safe}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1", "replace")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content)  # fmt: skip
        kids.append(b"%d 0 R" % len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _zip(parts: dict[str, str], first: tuple[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        if first:  # OpenDocument: `mimetype` first and stored, so tools can sniff it
            package.writestr(zipfile.ZipInfo(first[0]), first[1], compress_type=zipfile.ZIP_STORED)
        for name, text in parts.items():
            package.writestr(name, text)
    return out.getvalue()


XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
PKG = "http://schemas.openxmlformats.org/package/2006/"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument."
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
NAMESPACES = f'xmlns:a="{NS_A}" xmlns:r="{DOC_REL}" xmlns:p="{NS_P}"'


def _content_types(overrides: dict[str, str]) -> str:
    items = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides.items())
    return (f'{XML}<Types xmlns="{PKG}content-types"><Default Extension="rels" '
            f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{items}</Types>')  # fmt: skip


def _rels(targets: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<Relationship Id="rId{n}" Type="{DOC_REL}/{kind}" Target="{target}"/>'
        for n, (kind, target) in enumerate(targets, start=1)
    )
    return f'{XML}<Relationships xmlns="{PKG}relationships">{items}</Relationships>'


def make_docx(paragraphs: list[str]) -> bytes:
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs)
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    return _zip({
        "[Content_Types].xml": _content_types(
            {"/word/document.xml": OFFICE + "wordprocessingml.document.main+xml"}),
        "_rels/.rels": _rels([("officeDocument", "word/document.xml")]),
        "word/document.xml": f'{XML}<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>',
    })  # fmt: skip


def make_xlsx(rows: list[list[str]]) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    cells = "".join(
        f'<row r="{r}">'
        + "".join(f'<c t="inlineStr"><is><t>{escape(v)}</t></is></c>' for v in row)
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    return _zip({
        "[Content_Types].xml": _content_types({
            "/xl/workbook.xml": OFFICE + "spreadsheetml.sheet.main+xml",
            "/xl/worksheets/sheet1.xml": OFFICE + "spreadsheetml.worksheet+xml"}),
        "_rels/.rels": _rels([("officeDocument", "xl/workbook.xml")]),
        "xl/workbook.xml": f'{XML}<workbook xmlns="{ns}" xmlns:r="{DOC_REL}"><sheets>'
                           '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": _rels([("worksheet", "worksheets/sheet1.xml")]),
        "xl/worksheets/sheet1.xml":
            f'{XML}<worksheet xmlns="{ns}"><sheetData>{cells}</sheetData></worksheet>',
    })  # fmt: skip


def make_odt(paragraphs: list[str]) -> bytes:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    manifest_ns = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
    manifest = (
        f'{XML}<manifest:manifest xmlns:manifest="{manifest_ns}" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    content = (f'{XML}<office:document-content xmlns:office="{office}" xmlns:text="{text_ns}" '
               f'office:version="1.2"><office:body><office:text>{body}</office:text></office:body>'
               '</office:document-content>')  # fmt: skip
    return _zip({"META-INF/manifest.xml": manifest, "content.xml": content},
                first=("mimetype", "application/vnd.oasis.opendocument.text"))  # fmt: skip


_THEME = (
    f'{XML}<a:theme xmlns:a="{NS_A}" name="RNDD"><a:themeElements><a:clrScheme name="RNDD">'
    '<a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1>'
    '<a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>'
    + "".join(f'<a:{n}><a:srgbClr val="{c}"/></a:{n}>' for n, c in (
        ("dk2", "0D2F52"), ("lt2", "F6F7F9"), ("accent1", "0B5EA8"), ("accent2", "1F7A45"),
        ("accent3", "9A5B00"), ("accent4", "B3261E"), ("accent5", "5A6677"), ("accent6", "F0B400"),
        ("hlink", "0B5EA8"), ("folHlink", "5A6677")))
    + '</a:clrScheme><a:fontScheme name="RNDD">'
    + "".join(f'<a:{f}><a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/></a:{f}>'
              for f in ("majorFont", "minorFont"))
    + '</a:fontScheme><a:fmtScheme name="RNDD"><a:fillStyleLst>'
    + '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>' * 3
    + "</a:fillStyleLst><a:lnStyleLst>"
    + '<a:ln w="9525"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln>' * 3
    + "</a:lnStyleLst><a:effectStyleLst>" + "<a:effectStyle><a:effectLst/></a:effectStyle>" * 3
    + "</a:effectStyleLst><a:bgFillStyleLst>" + '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>' * 3
    + "</a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>"
)  # fmt: skip
_TREE = ('<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
         '<p:grpSpPr/>')  # fmt: skip
_CLR_MAP = ('<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" '
            'accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" '
            'folHlink="folHlink"/>')  # fmt: skip


def _text_box(shape_id: int, y: int, height: int, lines: list[str], size: int) -> str:
    paragraphs = "".join(
        f'<a:p><a:r><a:rPr lang="en-US" sz="{size}"/><a:t>{escape(line)}</a:t></a:r></a:p>' for line in lines
    )
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="Text {shape_id}"/><p:cNvSpPr txBox="1"/>'
            f'<p:nvPr/></p:nvSpPr><p:spPr><a:xfrm><a:off x="457200" y="{y}"/><a:ext cx="8229600" '
            f'cy="{height}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr>'
            f'<p:txBody><a:bodyPr wrap="square"/><a:lstStyle/>{paragraphs}</p:txBody></p:sp>')  # fmt: skip


def make_pptx(slides: list[tuple[str, list[str]]]) -> bytes:
    """A 4:3 deck, one slide per (title, bullet lines), with the master, layout and theme it needs."""
    overrides = {
        "/ppt/presentation.xml": OFFICE + "presentationml.presentation.main+xml",
        "/ppt/slideMasters/slideMaster1.xml": OFFICE + "presentationml.slideMaster+xml",
        "/ppt/slideLayouts/slideLayout1.xml": OFFICE + "presentationml.slideLayout+xml",
        "/ppt/theme/theme1.xml": OFFICE + "theme+xml",
    }
    parts: dict[str, str] = {}
    slide_ids = ""
    for n, (title, lines) in enumerate(slides, start=1):
        overrides[f"/ppt/slides/slide{n}.xml"] = OFFICE + "presentationml.slide+xml"
        parts[f"ppt/slides/slide{n}.xml"] = (
            f"{XML}<p:sld {NAMESPACES}><p:cSld><p:spTree>{_TREE}"
            f"{_text_box(2, 457200, 1143000, [title], 3600)}{_text_box(3, 1828800, 4114800, lines, 2400)}"
            "</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"
        )
        parts[f"ppt/slides/_rels/slide{n}.xml.rels"] = _rels(
            [("slideLayout", "../slideLayouts/slideLayout1.xml")]
        )
        slide_ids += f'<p:sldId id="{255 + n}" r:id="rId{n + 2}"/>'
    presentation = (
        f'{XML}<p:presentation {NAMESPACES}><p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/>'
        f'</p:sldMasterIdLst><p:sldIdLst>{slide_ids}</p:sldIdLst><p:sldSz cx="9144000" cy="6858000" '
        'type="screen4x3"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>'
    )
    master = (
        f"{XML}<p:sldMaster {NAMESPACES}><p:cSld><p:spTree>{_TREE}</p:spTree></p:cSld>{_CLR_MAP}"
        '<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst></p:sldMaster>'
    )
    layout = (
        f'{XML}<p:sldLayout {NAMESPACES} type="blank" preserve="1"><p:cSld name="Blank"><p:spTree>'
        f"{_TREE}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>"
    )
    slide_rels = [("slide", f"slides/slide{n}.xml") for n in range(1, len(slides) + 1)]
    parts.update({
        "[Content_Types].xml": _content_types(overrides),
        "_rels/.rels": _rels([("officeDocument", "ppt/presentation.xml")]),
        "ppt/presentation.xml": presentation,
        "ppt/_rels/presentation.xml.rels": _rels(
            [("slideMaster", "slideMasters/slideMaster1.xml"), ("theme", "theme/theme1.xml"), *slide_rels]),
        "ppt/slideMasters/slideMaster1.xml": master,
        "ppt/slideMasters/_rels/slideMaster1.xml.rels": _rels(
            [("slideLayout", "../slideLayouts/slideLayout1.xml"), ("theme", "../theme/theme1.xml")]),
        "ppt/slideLayouts/slideLayout1.xml": layout,
        "ppt/slideLayouts/_rels/slideLayout1.xml.rels":
            _rels([("slideMaster", "../slideMasters/slideMaster1.xml")]),
        "ppt/theme/theme1.xml": _THEME,
    })  # fmt: skip
    return _zip(parts)


def make_png(width: int = 96, height: int = 48, rgb: tuple[int, int, int] = (11, 94, 168)) -> bytes:
    """A striped RGB image, enough to see that an embedded picture shows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    light = bytes((255, 255, 255))
    rows = b"".join(
        b"\x00" + b"".join(bytes(rgb) if (x // 8 + y // 8) % 2 else light for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
