"""Export of a document, and of a course with its lessons, as Markdown and as self-contained HTML,
for whoever may read it (404 for anyone else), with only the lessons they may read."""

from __future__ import annotations

import base64
import io
import re

import pytest

from content import attachments, lessons, services
from content.demo_files import make_pdf, make_png
from network.extensions import db

pytestmark = pytest.mark.both_databases

PNG = make_png()


def _with_image(make_document, make_user, visibility: str = "public"):
    doc = make_document("ID", visibility, "published", title="Consular hotline: a guide", language="en",
                        summary="How the hotline works.", body_markdown="Intro text.")  # fmt: skip
    admin = make_user("ID", "country_admin")
    image = attachments.add_attachment(admin, doc.id, io.BytesIO(PNG), "map.png")
    attachments.add_attachment(admin, doc.id, io.BytesIO(make_pdf([["x"]])), "report.pdf")
    body = f"## Where\n\n![The map](/attachments/{image.id})\n\nSee [the list](/documents)."
    version = db.session.get(type(doc), doc.id).version
    services.update_document(admin, doc.id, version, {"body_markdown": body})
    return doc.id, image.id


def test_markdown_export_has_the_facts_the_body_and_absolute_links(client, app, make_document, make_user):
    doc_id, image_id = _with_image(make_document, make_user)
    answer = client.get(f"/documents/{doc_id}/export.md")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/markdown; charset=utf-8"
    disposition = f'attachment; filename="consular-hotline-a-guide-{doc_id}.md"'
    assert answer.headers["Content-Disposition"] == disposition
    text = answer.get_data(as_text=True)
    base = app.config["BASE_URL"]
    assert text.startswith("# Consular hotline: a guide\n")
    assert "- Country: Indonesia" in text and "- Audience: Everyone on the web" in text
    assert re.search(r"- Published: \d{4}-\d\d-\d\d", text)
    assert "> How the hotline works." in text and "## Where" in text
    assert f"![The map]({base}/attachments/{image_id})" in text and f"[the list]({base}/documents)" in text
    assert f"[report.pdf]({base}/attachments/" in text


def test_html_export_is_self_contained(client, make_document, make_user):
    doc_id, _ = _with_image(make_document, make_user)
    answer = client.get(f"/documents/{doc_id}/export.html")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "img-src data:" in answer.headers["Content-Security-Policy"]
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    page = answer.get_data(as_text=True)
    assert "<style>" in page and "<script" not in page and "<link" not in page
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in page
    assert 'src="/' not in page and 'href="/' not in page  # nothing relative to this server
    assert "<h1>Consular hotline: a guide</h1>" in page and "Indonesia" in page


@pytest.mark.parametrize("extension", ["md", "html"])
def test_export_follows_the_access_policy(extension, client, login, make_document, make_user):
    network_doc, _ = _with_image(make_document, make_user, "network")
    country_doc = make_document("ID", "country", "published", title="Only for Indonesia")
    draft = make_document("ID", "public", "draft", title="Not yet")
    ids = (network_doc, country_doc.id, draft.id)
    assert client.get(f"/documents/{ids[0]}/export.{extension}").status_code == 404  # signed out
    assert client.get(f"/documents/999999/export.{extension}").status_code == 404
    login(make_user("TH", "reader"))
    assert client.get(f"/documents/{ids[0]}/export.{extension}").status_code == 200
    assert client.get(f"/documents/{ids[1]}/export.{extension}").status_code == 404
    assert client.get(f"/documents/{ids[2]}/export.{extension}").status_code == 404
    assert client.get(f"/documents/{ids[0]}/export.pdf").status_code == 404
    page = client.get(f"/documents/{ids[0]}").get_data(as_text=True)
    for kind in ("md", "html"):
        assert f'href="/documents/{ids[0]}/export.{kind}"' in page


def test_a_course_exports_with_the_lessons_its_reader_may_read(client, login, make_document, make_user):
    course = make_document("ID", "network", "published", kind="course", title="Crisis clinic", language="en")
    admin, trainer = make_user("ID", "country_admin"), make_user("ID", "contributor")
    opening = {"title": "Opening", "body_markdown": "First **steps**."}
    lessons.add_lesson(admin, course.id, opening, publish=True)
    draft = lessons.add_lesson(trainer, course.id, {"title": "Unfinished", "body_markdown": "Secret words."})
    attachments.add_attachment(trainer, course.id, io.BytesIO(PNG), "draft-map.png", lesson_id=draft.id)
    course_id, trainer_id = course.id, trainer.id

    login(make_user("TH", "reader"))
    text = client.get(f"/documents/{course_id}/export.md").get_data(as_text=True)
    assert "## Lesson 1: Opening" in text and "First **steps**." in text
    assert "Unfinished" not in text and "Secret words" not in text and "draft-map.png" not in text
    page = client.get(f"/documents/{course_id}/export.html").get_data(as_text=True)
    assert "Lesson 1: Opening" in page and "<strong>steps</strong>" in page and "Unfinished" not in page
    client.post("/logout")

    login(db.session.get(type(trainer), trainer_id))
    text = client.get(f"/documents/{course_id}/export.md").get_data(as_text=True)
    assert "## Lesson 2: Unfinished (draft)" in text and "draft-map.png" in text
