"""Uploading attachments: every rule of the issue, with real files made here; refusals store nothing."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from content import lessons
from content.demo_files import make_docx, make_odt, make_pdf, make_png, make_pptx, make_xlsx
from content.models import Attachment, ChangeLog, Document
from network.extensions import db
from network.models import ApiToken

pytestmark = pytest.mark.both_databases

OOXML = "application/vnd.openxmlformats-officedocument."
PDF = make_pdf([["Consular handbook", "The word marsquelle appears only here."]])
ACCEPTED = {
    "handout.pdf": (PDF, "application/pdf"),
    "notes.docx": (make_docx(["Word notes"]), OOXML + "wordprocessingml.document"),
    "deck.pptx": (make_pptx([("Title", ["point"])]),
                  OOXML + "presentationml.presentation"),
    "sheet.xlsx": (make_xlsx([["a", "b"]]), OOXML + "spreadsheetml.sheet"),
    "text.odt": (make_odt(["OpenDocument"]), "application/vnd.oasis.opendocument.text"),
    "readme.txt": ("Plain text, ünïcode.\n".encode(), "text/plain; charset=utf-8"),
    "lesson.md": (b"# Heading\n\nSome *Markdown*.\n", "text/markdown; charset=utf-8"),
    "table.csv": (b"country,score\nID,3\n", "text/csv; charset=utf-8"),
    "map.png": (make_png(), "image/png"),
    "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200), "image/jpeg"),
    "pic.webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(200), "image/webp"),
}  # fmt: skip


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return out.getvalue()


DOCM_TYPES = (b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override '
              b'PartName="/word/document.xml" '
              b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
              b"</Types>")  # fmt: skip
REFUSED = {
    "renamed Windows program": ("report.pdf", b"MZ\x90\x00\x03" + bytes(500), 415),
    "renamed Linux program": ("slides.pptx", b"\x7fELF\x02\x01\x01" + bytes(500), 415),
    "HTML with a script": ("notes.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>", 415),
    "HTML fragment with a script": ("notes.md", b"Hello\n\n<p>hi</p><script>alert(1)</script>", 415),
    "SVG with a script": ("map.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>go()</script>", 415),
    "XML-wrapped SVG": ("map.md", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', 415),
    "plain ZIP archive": ("archive.docx", _zip({"a.txt": b"hello"}), 415),
    "macro-enabled Word": ("macro.docx", _zip({"[Content_Types].xml": DOCM_TYPES}), 415),
    "GIF image": ("anim.gif", b"GIF89a" + bytes(100), 415),
    "binary noise": ("data.txt", bytes(range(256)) * 4, 415),
    "Latin-1 text": ("old.txt", "Café résumé".encode("latin-1"), 415),
    "zero bytes": ("empty.pdf", b"", 422),
    "corrupt PDF": ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nrubbish" + bytes(9), 422),
    "too many ZIP entries": ("bomb.docx", _zip({f"f{n}.xml": b"" for n in range(5_001)}), 415),
}  # fmt: skip


@pytest.fixture
def admin(make_user):
    return make_user("ID", "country_admin")


@pytest.fixture
def course(make_document):
    return make_document("ID", "network", "published", kind="course", title="Clinic", language="en")


def bearer(user, scope: str = "write") -> dict[str, str]:
    token, clear = ApiToken.issue(user, scope=scope, name="test")
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def upload(client, doc_id: int, name: str, data: bytes, headers=None, **form):
    """A multipart POST encoded in memory (the test client would spool big bodies to an unclosed file)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name), **form})
    return client.post(f"/api/v1/documents/{doc_id}/attachments", data=body, headers=headers or {},
                       content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def state(doc_id: int) -> tuple:
    db.session.expire_all()
    return (db.session.get(Document, doc_id).version,
            db.session.scalar(db.select(db.func.count()).select_from(Attachment)),
            db.session.scalar(db.select(db.func.count()).select_from(ChangeLog)))  # fmt: skip


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_types_are_stored_by_hash_with_their_real_type(app, client, admin, course, name):
    data, content_type = ACCEPTED[name]
    version, count, logged = state(course.id)
    answer = upload(client, course.id, name, data, bearer(admin))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["filename"], body["content_type"], body["size"]) == (name, content_type, len(data))
    sha = hashlib.sha256(data).hexdigest()
    assert stored_files(app) == [Path(app.config["UPLOAD_DIR"]) / sha[:2] / sha[2:4] / sha]
    assert state(course.id) == (version + 1, count + 1, logged + 1)
    assert "static" not in str(stored_files(app)[0])
    with client.get(body["url"], headers=bearer(admin)) as download:
        assert download.status_code == 200 and download.data == data
        assert download.headers["Content-Type"] == content_type


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_files_leave_nothing_behind(app, client, admin, course, case):
    name, data, status = REFUSED[case]
    before = state(course.id)
    answer = upload(client, course.id, name, data, bearer(admin))
    assert answer.status_code == status, (case, answer.get_json())
    error = answer.get_json()["error"]
    if status == 415:
        assert error["code"] == "unsupported_type" and "Accepted: PDF" in error["message"]
    else:
        assert error["code"] == "invalid" and error["fields"]["file"]
    assert state(course.id) == before
    assert stored_files(app) == []


def test_the_size_limit_is_a_413(app, client, admin, course):
    app.config["MAX_UPLOAD_MB"] = 1
    before = state(course.id)
    big = make_pdf([["big"]]) + b"%" + bytes(1024 * 1024)
    answer = upload(client, course.id, "big.pdf", big, bearer(admin))
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "too_large"
    assert "1 MB" in answer.get_json()["error"]["message"]
    assert state(course.id) == before and stored_files(app) == []
    assert upload(client, course.id, "small.pdf", PDF, bearer(admin)).status_code == 201


def test_uploads_follow_the_access_policy(app, client, admin, course, make_user, make_document):
    before = state(course.id)
    assert upload(client, course.id, "a.pdf", PDF).status_code == 401
    assert upload(client, course.id, "a.pdf", PDF, bearer(admin, "read")).status_code == 403
    assert upload(client, course.id, "a.pdf", PDF, bearer(make_user("ID", "reader"))).status_code == 403
    assert (
        upload(client, course.id, "a.pdf", PDF, bearer(make_user("TH", "country_admin"))).status_code == 403
    )
    private = make_document("ID", "country", "published")
    outsider = bearer(make_user("TH", "country_admin"))
    assert upload(client, private.id, "a.pdf", PDF, outsider).status_code == 404
    assert upload(client, 999_999, "a.pdf", PDF, bearer(admin)).status_code == 404
    assert state(course.id)[:2] == before[:2]  # the other documents made here logged their own rows
    assert stored_files(app) == []


def test_names_are_cleaned_for_storage_and_kept_for_display(client, admin, course):
    headers = bearer(admin)
    traversal = upload(client, course.id, "../../etc/passwd.pdf", PDF, headers).get_json()
    long_name = upload(client, course.id, "x" * 10_000 + ".pdf", PDF, headers).get_json()
    control = upload(client, course.id, "re\x07port\t\x1b\x7f.pdf", PDF, headers).get_json()
    mislabelled = upload(client, course.id, "photo.pdf", make_png(), headers).get_json()
    windows = upload(client, course.id, "C:\\Users\\me\\CON.pdf", PDF, headers).get_json()
    rows = {a.id: a for a in db.session.scalars(db.select(Attachment))}
    assert rows[traversal["id"]].filename == "passwd.pdf" == traversal["filename"]  # the base name only
    assert rows[traversal["id"]].stored_name == "passwd.pdf"
    assert len(rows[long_name["id"]].filename) == 255
    assert len(rows[long_name["id"]].stored_name) == 255 and rows[long_name["id"]].stored_name.endswith(
        ".pdf"
    )
    assert rows[control["id"]].filename == "report.pdf" == rows[control["id"]].stored_name
    assert rows[mislabelled["id"]].stored_name == "photo.pdf.png"
    assert mislabelled["content_type"] == "image/png"
    # How a backslash in a multipart filename arrives differs between Werkzeug releases (3.1.9
    # reads it as an escape); either way the stored name has no path and no device name.
    stored, shown = rows[windows["id"]].stored_name, rows[windows["id"]].filename
    assert stored.endswith(".pdf") and not set(stored) & set("\\/:") and not set(shown) & set("\\/")
    assert stored.rpartition(".")[0].upper() != "CON"
    with client.get(traversal["url"], headers=headers) as download:
        assert download.headers["Content-Disposition"] == "attachment; filename=passwd.pdf"


def test_same_bytes_are_stored_once(app, client, admin, course):
    headers = bearer(admin)
    first = upload(client, course.id, "a.pdf", PDF, headers).get_json()
    second = upload(client, course.id, "b.pdf", PDF, headers).get_json()
    assert first["id"] != second["id"] and len(stored_files(app)) == 1
    assert client.delete(f"/api/v1/attachments/{first['id']}", headers=headers).status_code == 204
    assert len(stored_files(app)) == 1  # still used by the second
    assert client.delete(f"/api/v1/attachments/{second['id']}", headers=headers).status_code == 204
    assert stored_files(app) == []


def test_a_file_without_text_is_kept_and_the_uploader_told_why(client, login, admin, course):
    blank = make_pdf([[]])
    answer = upload(client, course.id, "scan.pdf", blank, bearer(admin))
    assert answer.status_code == 201
    assert "No text was found" in answer.get_json()["extraction_note"]
    login(admin)
    page = client.post(f"/documents/{course.id}/attachments", follow_redirects=True,
                       data={"file": (io.BytesIO(make_pdf([[]]) + b"\n"), "scan2.pdf")})  # fmt: skip
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "scan2.pdf" in html and "No text was found" in html


def test_the_page_form_shows_errors_with_a_4xx_and_stores_nothing(app, client, login, admin, course):
    login(admin)
    before = state(course.id)
    for name, data, status in (("evil.pdf", b"MZ" + bytes(300), 415), ("empty.txt", b"", 422),
                               ("broken.pdf", b"%PDF-1.4 nonsense", 422)):  # fmt: skip
        page = client.post(f"/documents/{course.id}/attachments", data={"file": (io.BytesIO(data), name)})
        html = page.get_data(as_text=True)
        assert page.status_code == status, name
        assert 'id="upload-error"' in html and "Clinic" in html
    missing = client.post(f"/documents/{course.id}/attachments", data={})
    assert missing.status_code == 422 and "Choose a file" in missing.get_data(as_text=True)
    assert state(course.id) == before and stored_files(app) == []
    uploaded = client.post(f"/documents/{course.id}/attachments", data={"file": (io.BytesIO(PDF), "ok.pdf")})
    assert uploaded.status_code == 302
    assert "ok.pdf" in client.get(f"/documents/{course.id}").get_data(as_text=True)


def test_lesson_attachments_and_images_in_markdown(client, login, admin, course, make_user):
    lesson = lessons.add_lesson(admin, course.id, {"title": "Maps"}, publish=True)
    other = lessons.add_lesson(admin, course.id, {"title": "Other"}, publish=True)
    headers = bearer(admin)
    image = upload(client, course.id, "map.png", make_png(), headers, lesson_id=str(lesson.id)).get_json()
    assert image["lesson_id"] == lesson.id
    assert upload(client, course.id, "x.pdf", PDF, headers, lesson_id="999999").status_code == 404
    assert upload(client, course.id, "x.pdf", PDF, headers, lesson_id="9" * 30).status_code == 404
    assert upload(client, course.id, "x.pdf", PDF, headers, lesson_id="abc").status_code == 422
    lessons.update_lesson(admin, lesson.id, {"body_markdown": f"![The map](/attachments/{image['id']})"})
    login(make_user("TH", "reader"))
    page = client.get(f"/documents/{course.id}/lessons/{lesson.id}").get_data(as_text=True)
    assert f'<img alt="The map" src="/attachments/{image["id"]}"' in page and "map.png" in page
    assert "map.png" not in client.get(f"/documents/{course.id}/lessons/{other.id}").get_data(as_text=True)
    with client.get(f"/attachments/{image['id']}") as shown:
        assert shown.status_code == 200 and shown.headers["Content-Type"] == "image/png"
    client.post("/logout")
    with client.get(f"/attachments/{image['id']}") as hidden:
        assert hidden.status_code == 404  # a network course: anonymous readers see no image
    lessons.delete_lesson(admin, lesson.id)
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_download_headers(client, admin, course):
    headers = bearer(admin)
    pdf = upload(client, course.id, "handout.pdf", PDF, headers).get_json()
    docx = upload(client, course.id, "notes.docx", ACCEPTED["notes.docx"][0], headers).get_json()
    with client.get(f"/attachments/{pdf['id']}", headers=headers) as plain:
        assert plain.headers["Content-Disposition"] == "attachment; filename=handout.pdf"
        assert plain.headers["X-Content-Type-Options"] == "nosniff"
        assert plain.headers["Cache-Control"] == "private, no-cache"
        assert plain.headers["ETag"].strip('"') == hashlib.sha256(PDF).hexdigest()
    with client.get(f"/attachments/{pdf['id']}?inline=1", headers=headers) as inline:
        assert inline.headers["Content-Disposition"] == "inline; filename=handout.pdf"
        assert inline.headers["Content-Security-Policy"] == "frame-ancestors 'none'"  # Chromium's viewer
    with client.get(f"/attachments/{docx['id']}?inline=1", headers=headers) as forced:
        assert forced.headers["Content-Disposition"] == "attachment; filename=notes.docx"
        policy = forced.headers["Content-Security-Policy"]
        assert policy == "default-src 'none'; sandbox; frame-ancestors 'none'"


def test_a_damaged_file_is_never_served(app, client, admin, course, caplog):
    headers = bearer(admin)
    answer = upload(client, course.id, "handout.pdf", PDF, headers).get_json()
    (blob,) = stored_files(app)
    blob.write_bytes(PDF.replace(b"marsquelle", b"tampered!!"))
    damaged = client.get(answer["url"], headers=headers)
    assert damaged.status_code == 500
    assert damaged.get_json()["error"]["code"] == "checksum_mismatch"
    assert "checksum mismatch" in caplog.text
    blob.unlink()
    with client.get(f"/attachments/{answer['id']}", headers=headers) as missing:
        assert missing.status_code == 500 and b"tampered" not in missing.data


@pytest.mark.parametrize(
    ("given", "stored"),
    [("C:\\Users\\me\\CON.pdf", "_CON.pdf"), ("nul.txt", "_nul.txt"), ("a/b\\c.pdf", "c.pdf")],
)
def test_storage_names_drop_paths_and_device_names(given, stored):
    from content.attachments import storage_name
    from content.sniffing import FILE_TYPES

    assert storage_name(given, FILE_TYPES[stored.rpartition(".")[2]]) == stored


def test_the_display_name_is_the_base_name_of_any_path(client, admin, course):
    from content import attachments

    added = attachments.add_attachment(admin, course.id, io.BytesIO(PDF), "C:\\Users\\me\\Desktop\\brief.pdf")
    assert added.filename == "brief.pdf" == added.stored_name
    # A client that escapes its backslashes in the multipart header, as RFC 7578 allows.
    sent = upload(client, course.id, "D:\\\\shared\\\\minutes.pdf", PDF, bearer(admin)).get_json()
    assert sent["filename"] == "minutes.pdf"
    folder = upload(client, course.id, "/home/me/notes/", PDF, bearer(admin)).get_json()
    assert folder["filename"] == "attachment"


# ------------------------------------------------------------------------------------------
# The budget of extraction, and the temporary folder
# ------------------------------------------------------------------------------------------


def temp_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / "tmp"
    return sorted(folder.iterdir()) if folder.exists() else []


def inflating_deck(slides: int = 3, lines: int = 20_000) -> bytes:
    """About 1.5 MB of slide XML per slide, in a few kB; slide n says `slideNword`."""
    return make_pptx([(f"Slide {n}", [f"slide{n}word"] * lines) for n in range(1, slides + 1)])


def test_a_deck_over_the_budget_is_kept_with_what_was_read_and_the_uploader_told(app, client, admin, course):
    app.config["EXTRACT_MAX_MB"] = 2
    answer = upload(client, course.id, "deck.pptx", inflating_deck(), bearer(admin))
    assert answer.status_code == 201
    body = answer.get_json()
    assert "Only the first 2 MB of this file's content were read for search" in body["extraction_note"]
    words = set(db.session.get(Attachment, body["id"]).text.split())
    assert "slide1word" in words and "slide3word" not in words
    assert temp_files(app) == []


def test_the_page_flashes_the_budget_note(app, client, login, admin, course):
    app.config["EXTRACT_MAX_MB"] = 2
    login(admin)
    sent = client.post(f"/documents/{course.id}/attachments", follow_redirects=True,
                       data={"file": (io.BytesIO(inflating_deck()), "deck.pptx")})  # fmt: skip
    assert sent.status_code == 200
    assert "Stored, but: Only the first 2 MB of this file" in sent.get_data(as_text=True)


def _bad_crc_docx() -> bytes:
    """A Word file whose body's CRC in the central directory is wrong."""
    data = bytearray(make_docx(["Enough words to be compressed. " * 30]))
    header = data.find(b"word/document.xml", data.find(b"PK\x01\x02")) - 46
    data[header + 16 : header + 20] = b"\0\0\0\0"
    return bytes(data)


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [("a.pdf", PDF, 201), ("deck.pptx", inflating_deck(), 201), ("x.pdf", b"MZ" + bytes(300), 415),
     ("broken.pdf", b"%PDF-1.7\nrubbish" + bytes(9), 422), ("damaged.docx", _bad_crc_docx(), 422)],
    ids=["stored", "over the budget", "refused type", "damaged PDF", "bad CRC"],
)  # fmt: skip
def test_the_upload_temp_folder_is_empty_afterwards(app, client, admin, course, name, data, status):
    app.config["EXTRACT_MAX_MB"] = 1
    answer = upload(client, course.id, name, data, bearer(admin))
    assert answer.status_code == status, answer.get_json()
    if status == 422:
        assert "damaged" in answer.get_json()["error"]["fields"]["file"]
    assert temp_files(app) == []


def test_the_temp_folder_is_emptied_when_extraction_breaks(app, client, admin, course, monkeypatch):
    from content import extraction

    def broken(*_args, **_kwargs):
        raise RuntimeError("an extractor bug")

    monkeypatch.setattr(extraction, "extract", broken)
    assert upload(client, course.id, "a.pdf", PDF, bearer(admin)).status_code == 500
    assert temp_files(app) == [] and stored_files(app) == []


def test_an_upload_sweeps_what_a_killed_worker_left(app, client, admin, course):
    import os
    import time

    folder = Path(app.config["UPLOAD_DIR"]) / "tmp"
    folder.mkdir(parents=True)
    left, busy = folder / "upload-killed", folder / "upload-in-progress"
    left.write_bytes(b"half a file")
    busy.write_bytes(b"another worker's upload")
    two_hours_ago = time.time() - 7200
    os.utime(left, (two_hours_ago, two_hours_ago))
    assert upload(client, course.id, "a.pdf", PDF, bearer(admin)).status_code == 201
    assert temp_files(app) == [busy]
