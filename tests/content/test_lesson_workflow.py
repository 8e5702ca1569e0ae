"""Lessons of a published course have their own workflow: a contributor drafts and submits, the
country admin publishes; readers (pages, API, search, federation) see published lessons only."""

from __future__ import annotations

import io

import pytest

from content import attachments, indexing, lessons
from content.demo_files import make_pdf
from content.models import ChangeLog, Document, Lesson, Revision
from content.search import search
from federation import payloads
from network import access
from network.errors import Conflict, Forbidden, NotFound
from network.extensions import db
from network.models import ApiToken

pytestmark = pytest.mark.both_databases


@pytest.fixture
def people(make_user):
    return {
        "trainer": make_user("ID", "contributor"),
        "admin": make_user("ID", "country_admin"),
        "reader": make_user("TH", "reader"),
        "outsider": make_user("TH", "contributor"),
    }


@pytest.fixture
def course(make_document):
    return make_document("ID", "network", "published", kind="course", title="Crisis clinic", language="en")


def _fresh(model, object_id: int):
    db.session.expire_all()
    return db.session.get(model, object_id)


def bearer(user) -> dict[str, str]:
    token, clear = ApiToken.issue(user, scope="write", name="test")
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def _history_agrees(doc_id: int) -> None:
    doc = _fresh(Document, doc_id)
    count = db.session.scalar(db.select(db.func.count()).where(Revision.document_id == doc_id))
    assert doc.version == count


def test_a_contributors_draft_lesson_reaches_readers_only_once_the_admin_publishes_it(people, course):
    trainer, admin, reader = people["trainer"], people["admin"], people["reader"]
    published = lessons.add_lesson(admin, course.id, {"title": "Opening"}, publish=True)
    text = {"title": "Hotlines", "body_markdown": "The zorvanic drill."}
    draft = lessons.add_lesson(trainer, course.id, text)
    assert (published.status, draft.status) == ("published", "draft")
    ids = (published.id, draft.id)

    for who in (reader, people["outsider"]):
        with pytest.raises(NotFound):
            lessons.readable_lesson(who, ids[1])
        assert [lesson.id for lesson in access.readable_lessons(who, _fresh(Document, course.id))] == [ids[0]]
    lessons.update_lesson(trainer, ids[1], {"body_markdown": "The zorvandic drill."}, note="spelling")
    indexing.drain()
    assert search(admin, "zorvandic").total == 0  # the index holds what every reader may see
    payload = payloads.document_payload(_fresh(Document, course.id), "jakarta")
    assert [lesson["title"] for lesson in payload["lessons"]] == ["Opening"]

    lessons.submit_lesson(trainer, ids[1])
    with pytest.raises(Forbidden):
        lessons.publish_lesson(trainer, ids[1])
    with pytest.raises(Conflict):
        lessons.submit_lesson(trainer, ids[1])
    lessons.publish_lesson(admin, ids[1])

    assert lessons.readable_lesson(reader, ids[1]).title == "Hotlines"
    indexing.drain()
    assert [doc.id for doc, _ in search(reader, "zorvandic").items] == [course.id]
    payload = payloads.document_payload(_fresh(Document, course.id), "jakarta")
    shipped = [(item["position"], item["title"]) for item in payload["lessons"]]
    assert shipped == [(1, "Opening"), (2, "Hotlines")]
    with pytest.raises(Forbidden):  # published: now the admins' to change
        lessons.update_lesson(trainer, ids[1], {"title": "Changed"})

    lessons.unpublish_lesson(admin, ids[1])
    with pytest.raises(NotFound):
        lessons.readable_lesson(reader, ids[1])
    lessons.update_lesson(trainer, ids[1], {"title": "Hotlines, again"})  # a draft again: theirs to edit
    _history_agrees(course.id)
    notes = db.session.scalars(
        db.select(Revision.note).where(Revision.document_id == course.id).order_by(Revision.number)
    ).all()
    assert notes[-6:] == [
        "Lesson “Hotlines” added as a draft",
        "Lesson “Hotlines” edited — spelling",
        "Lesson “Hotlines”: submitted for review",
        "Lesson “Hotlines”: published",
        "Lesson “Hotlines”: returned to draft",
        "Lesson “Hotlines” edited",
    ]
    logged = db.session.scalar(
        db.select(db.func.count()).where(ChangeLog.document_id == course.id, ChangeLog.action == "updated")
    )
    assert logged >= 7  # every lesson change wrote the course's log row


def test_who_may_do_what_with_lessons(people, course, make_document):
    trainer, outsider = people["trainer"], people["outsider"]
    with pytest.raises(Forbidden):  # readable (network), not their country's
        lessons.add_lesson(outsider, course.id, {"title": "x"})
    with pytest.raises(Forbidden):
        lessons.add_lesson(people["reader"], course.id, {"title": "x"})
    with pytest.raises(Forbidden):  # publishing at once is the admins'
        lessons.add_lesson(trainer, course.id, {"title": "x"}, publish=True)
    draft = lessons.add_lesson(trainer, course.id, {"title": "Theirs"})
    other_trainer = lessons.add_lesson(people["trainer"], course.id, {"title": "Second"})
    with pytest.raises(Forbidden):  # reordering the whole course stays with its editors
        lessons.reorder(trainer, course.id, [other_trainer.id, draft.id])
    lessons.delete_lesson(trainer, other_trainer.id)
    assert [lesson.title for lesson in _fresh(Document, course.id).lessons] == ["Theirs"]
    # A course that is still a draft: its lessons go out with it, its author writes them.
    own = make_document("ID", "network", "draft", author=trainer, kind="course")
    lesson = lessons.add_lesson(trainer, own.id, {"title": "With the course"})
    assert lesson.status == "published"
    with pytest.raises(NotFound):
        lessons.readable_lesson(people["reader"], lesson.id)


def test_files_of_a_draft_lesson_are_its_writers_only(app, client, people, course, login):
    trainer, reader = people["trainer"], people["reader"]
    draft = lessons.add_lesson(trainer, course.id, {"title": "Handouts"})
    pdf = make_pdf([["The word plumvexial is in this handout."]])
    added = attachments.add_attachment(trainer, course.id, io.BytesIO(pdf), "handout.pdf", lesson_id=draft.id)
    ids = (draft.id, added.id)
    indexing.drain()
    assert search(people["admin"], "plumvexial").total == 0
    login(reader)
    assert client.get(f"/attachments/{ids[1]}").status_code == 404
    assert client.get(f"/documents/{course.id}/lessons/{ids[0]}").status_code == 404
    assert client.get(f"/api/v1/lessons/{ids[0]}").status_code == 404
    listed = client.get(f"/api/v1/documents/{course.id}").get_json()
    assert listed["lessons"] == [] and listed["attachments"] == []
    assert "Handouts" not in client.get(f"/documents/{course.id}").get_data(as_text=True)
    client.post("/logout")
    login(_fresh(type(trainer), trainer.id))
    with client.get(f"/attachments/{ids[1]}") as own:
        assert own.status_code == 200
    outline = client.get(f"/documents/{course.id}").get_data(as_text=True)
    assert "Handouts" in outline and "lesson-status" in outline and ">draft<" in outline
    _history_agrees(course.id)


def test_the_lesson_workflow_through_the_api(client, people, course):
    trainer, admin = bearer(people["trainer"]), bearer(people["admin"])
    made = client.post(f"/api/v1/documents/{course.id}/lessons", json={"title": "Drafted"}, headers=trainer)
    assert made.status_code == 201 and made.get_json()["status"] == "draft"
    url = f"/api/v1/lessons/{made.get_json()['id']}"
    reader = bearer(people["reader"])
    assert client.get(url, headers=reader).status_code == 404
    assert client.post(f"{url}/publish", headers=reader).status_code == 404
    assert client.post(f"{url}/publish", headers=trainer).status_code == 403
    assert client.post(f"{url}/submit", headers=trainer).get_json()["status"] == "review"
    assert client.post(f"{url}/submit", headers=trainer).status_code == 409
    assert client.post(f"{url}/publish", headers=admin).get_json()["status"] == "published"
    seen = client.get(f"/api/v1/documents/{course.id}", headers=reader).get_json()["lessons"]
    assert seen == [{"id": made.get_json()["id"], "title": "Drafted", "position": 1, "status": "published"}]
    assert client.post(f"{url}/unpublish", headers=trainer).status_code == 403
    assert client.post(f"{url}/unpublish", headers=admin).get_json()["status"] == "draft"
    assert client.get(url, headers=reader).status_code == 404
    assert client.post("/api/v1/lessons/999999/submit", headers=trainer).status_code == 404
    assert _fresh(Lesson, made.get_json()["id"]).status == "draft"


def test_the_review_queue_lists_lessons_in_review_for_their_countrys_admins(client, login, people, course,
                                                                            make_user):  # fmt: skip
    lesson = lessons.add_lesson(people["trainer"], course.id, {"title": "Awaiting a decision"})
    lessons.add_lesson(people["trainer"], course.id, {"title": "Still drafting"})
    lessons.submit_lesson(people["trainer"], lesson.id)
    path = f"/documents/{course.id}/lessons/{lesson.id}"
    login(people["admin"])
    page = client.get("/review").get_data(as_text=True)
    assert f'href="{path}"' in page and "Awaiting a decision" in page and "Still drafting" not in page
    client.post("/logout")
    login(make_user("TH", "country_admin"))
    assert "Awaiting a decision" not in client.get("/review").get_data(as_text=True)
