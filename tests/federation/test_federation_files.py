"""Courses cross nodes with their lessons and files: fetched by checksum, checked on arrival,
searched and served on the receiver under the original audience."""

from __future__ import annotations

import hashlib
import io

from nodes import PASSWORD, link

from content import attachments, lessons, services
from content.models import Attachment, Document
from network.extensions import db
from network.models import User


def _course_with_file(node, text: bytes) -> int:
    with node.context():
        admin = db.session.get(User, node.admin("ID").id)
        doc = services.create_document(admin, {"title": "Course on consular apps", "kind": "course"})
        lesson = lessons.add_lesson(admin, doc.id, {"title": "Lesson one", "body_markdown": "Start *here*."})
        attachments.add_attachment(admin, doc.id, io.BytesIO(text), "notes.md", lesson_id=lesson.id)
        services.publish(admin, doc.id, "countries", ["TH"])
        return doc.id


def test_a_course_arrives_with_its_lessons_and_checked_files(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH", "JP"])
    link(jakarta, bangkok)
    text = b"# Notes\n\nThe hydrophone protocol for consular outreach.\n"
    origin_id = _course_with_file(jakarta, text)
    [outcome] = bangkok.sync()
    assert outcome.error == "" and outcome.received == 1

    with bangkok.context():
        copy = db.session.scalar(db.select(Document).where(Document.origin_id == str(origin_id)))
        assert [(lesson.position, lesson.title) for lesson in copy.lessons] == [(1, "Lesson one")]
        assert "<em>here</em>" in copy.lessons[0].body_html  # rendered here from the Markdown
        [file] = copy.attachments
        assert (file.sha256, file.size, file.lesson_id) == (hashlib.sha256(text).hexdigest(), len(text),
                                                            copy.lessons[0].id)  # fmt: skip
        assert attachments.blob_path(file.sha256).read_bytes() == text
        file_id, copy_id = file.id, copy.id

    thai, japanese = bangkok.user("TH"), bangkok.user("JP")
    for user, status in ((thai, 200), (japanese, 404)):
        client = bangkok.app.test_client()
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        with client.get(f"/api/v1/attachments/{file_id}") as download:
            assert download.status_code == status
        hits = client.get("/api/v1/search?q=hydrophone").get_json()["items"]
        assert [hit["id"] for hit in hits] == ([copy_id] if status == 200 else [])


def test_a_file_removed_at_the_origin_goes_on_the_receiver_too(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    link(jakarta, bangkok)
    origin_id = _course_with_file(jakarta, b"Some notes on cables.\n")
    bangkok.sync()
    with bangkok.context():
        blob = attachments.blob_path(db.session.scalar(db.select(Attachment.sha256)))
    assert blob.exists()
    with jakarta.context():
        admin = db.session.get(User, jakarta.admin("ID").id)
        attachment_id = db.session.scalar(db.select(Attachment.id))
        attachments.delete_attachment(admin, attachment_id)
    bangkok.sync()
    with bangkok.context():
        copy = db.session.scalar(db.select(Document).where(Document.origin_id == str(origin_id)))
        assert copy.attachments == [] and len(copy.lessons) == 1
    assert not blob.exists()  # the copy let go of it, and nothing else uses it
    jakarta.delete("ID", origin_id)
    bangkok.sync()
    with bangkok.context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
