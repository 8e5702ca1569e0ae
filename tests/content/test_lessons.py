"""Courses and their lessons: order without gaps or duplicates, the API, pages, history, search."""

from __future__ import annotations

import pytest

from content import indexing, lessons, services
from content.models import ChangeLog, Document, Lesson, LessonRevision
from content.search import search
from network.errors import Forbidden, Invalid, NotFound
from network.extensions import db
from network.models import ApiToken

pytestmark = pytest.mark.both_databases


@pytest.fixture
def admin(make_user):
    return make_user("ID", "country_admin")


@pytest.fixture
def course(make_document):
    return make_document("ID", "network", "published", kind="course", title="Crisis clinic", language="en")


def titles(course_id: int) -> list[tuple[int, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        db.select(Lesson.position, Lesson.title)
        .where(Lesson.document_id == course_id)
        .order_by(Lesson.position)
    )
    return [tuple(row) for row in rows]


def bearer(user, scope: str = "write") -> dict[str, str]:
    token, clear = ApiToken.issue(user, scope=scope, name="test")
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def test_positions_stay_one_to_n_through_every_change(admin, course):
    for title in ("B", "D"):
        lessons.add_lesson(admin, course.id, {"title": title})
    lessons.add_lesson(admin, course.id, {"title": "A", "position": 1})
    lessons.add_lesson(admin, course.id, {"title": "C", "position": 3})
    lessons.add_lesson(admin, course.id, {"title": "E", "position": 99})  # past the end: appended
    assert titles(course.id) == [(1, "A"), (2, "B"), (3, "C"), (4, "D"), (5, "E")]

    by_title = {title: lesson_id for lesson_id, title in
                db.session.execute(db.select(Lesson.id, Lesson.title))}  # fmt: skip
    lessons.update_lesson(admin, by_title["E"], {"position": 1})
    assert [t for _, t in titles(course.id)] == ["E", "A", "B", "C", "D"]
    lessons.update_lesson(admin, by_title["E"], {"position": 0})  # before the first: stays first
    lessons.move_lesson(admin, by_title["A"], +1)
    lessons.move_lesson(admin, by_title["D"], +1)  # already last: nothing moves
    assert [t for _, t in titles(course.id)] == ["E", "B", "A", "C", "D"]
    lessons.reorder(admin, course.id, [by_title[t] for t in "ABCDE"])
    assert titles(course.id) == [(1, "A"), (2, "B"), (3, "C"), (4, "D"), (5, "E")]
    lessons.delete_lesson(admin, by_title["B"])
    lessons.delete_lesson(admin, by_title["A"])
    assert titles(course.id) == [(1, "C"), (2, "D"), (3, "E")]


def test_reorder_refuses_anything_but_the_exact_set(admin, course):
    ids = [lessons.add_lesson(admin, course.id, {"title": t}).id for t in "XYZ"]
    for bad in ([ids[0], ids[1]], [*ids, ids[0]], [ids[0], ids[1], 999_999], []):
        with pytest.raises(Invalid):
            lessons.reorder(admin, course.id, bad)
    assert [t for _, t in titles(course.id)] == ["X", "Y", "Z"]


def test_every_lesson_write_logs_the_course_and_moves_its_version(admin, course):
    def state() -> tuple[int, int]:
        db.session.expire_all()
        doc = db.session.get(Document, course.id)
        rows = db.select(db.func.count()).select_from(ChangeLog)
        logged = db.session.scalar(
            rows.where(ChangeLog.document_id == course.id, ChangeLog.action == "updated")
        )
        return doc.version, logged

    version, logged = state()
    first = lessons.add_lesson(admin, course.id, {"title": "One", "body_markdown": "Hello"})
    second = lessons.add_lesson(admin, course.id, {"title": "Two"})
    lessons.update_lesson(admin, first.id, {"body_markdown": "Hello again"}, note="typo")
    lessons.reorder(admin, course.id, [second.id, first.id])
    lessons.delete_lesson(admin, second.id)
    assert state() == (version + 5, logged + 5)
    history = db.session.scalars(db.select(LessonRevision).where(LessonRevision.lesson_id == first.id)
                                 .order_by(LessonRevision.number)).all()  # fmt: skip
    assert [(r.number, r.body_markdown, r.note) for r in history] == [(1, "Hello", "Created"),
                                                                      (2, "Hello again", "typo")]  # fmt: skip
    lessons.update_lesson(admin, first.id, {"title": "One"})  # no change: nothing written
    assert state() == (version + 5, logged + 5)


def test_who_may_write_lessons(make_user, make_document, course):
    reader_here = make_user("ID", "reader")
    admin_elsewhere = make_user("TH", "country_admin")
    with pytest.raises(Forbidden):
        lessons.add_lesson(reader_here, course.id, {"title": "x"})
    with pytest.raises(Forbidden):  # the course is readable by the whole network, not editable
        lessons.add_lesson(admin_elsewhere, course.id, {"title": "x"})
    private = make_document("ID", "country", "published", kind="course")
    with pytest.raises(NotFound):
        lessons.add_lesson(admin_elsewhere, private.id, {"title": "x"})
    case = make_document("ID", "public", "published", kind="case_study")
    with pytest.raises(Invalid):
        lessons.add_lesson(make_user("ID", "country_admin"), case.id, {"title": "x"})
    assert titles(course.id) == []


def test_the_lesson_api(client, admin, course, make_user):
    headers = bearer(admin)
    url = f"/api/v1/documents/{course.id}/lessons"
    one = client.post(url, json={"title": "One", "body_markdown": "**bold**"}, headers=headers)
    assert one.status_code == 201, one.get_json()
    assert one.get_json()["position"] == 1 and "<strong>bold</strong>" in one.get_json()["body_html"]
    two = client.post(url, json={"title": "Zero", "position": 1}, headers=headers).get_json()
    assert two["position"] == 1
    listed = client.get(f"/api/v1/documents/{course.id}", headers=headers).get_json()["lessons"]
    assert [(item["title"], item["position"]) for item in listed] == [("Zero", 1), ("One", 2)]

    lesson_url = f"/api/v1/lessons/{one.get_json()['id']}"
    moved = client.patch(lesson_url, json={"position": 1, "title": "First"}, headers=headers)
    assert moved.status_code == 200 and moved.get_json()["position"] == 1
    assert client.get(lesson_url, headers=headers).get_json()["title"] == "First"
    assert client.get(lesson_url).status_code == 404  # a network course: not for anonymous callers
    for bad in ({"title": ""}, {"position": -1}, {"position": "2"}, {"colour": "red"}, {"title": "x" * 201}):
        answer = client.patch(lesson_url, json=bad, headers=headers)
        assert answer.status_code == 422, bad
        assert answer.get_json()["error"]["code"] == "invalid"
    assert client.patch(lesson_url, data="title=x", headers=headers).status_code == 415
    assert client.delete(lesson_url, headers=headers).status_code == 204
    assert titles(course.id) == [(1, "Zero")]
    assert client.delete(lesson_url, headers=headers).status_code == 404


def test_the_lesson_api_refuses_by_the_policy(client, admin, course, make_user, make_document):
    lesson = lessons.add_lesson(admin, course.id, {"title": "Kept"}, publish=True)
    url = f"/api/v1/lessons/{lesson.id}"
    assert client.patch(url, json={"title": "x"}).status_code == 401
    assert client.patch(url, json={"title": "x"}, headers=bearer(admin, "read")).status_code == 403
    assert (
        client.patch(url, json={"title": "x"}, headers=bearer(make_user("TH", "reader"))).status_code == 403
    )
    private = make_document("ID", "country", "published", kind="course")
    hidden = lessons.add_lesson(admin, private.id, {"title": "Secret lesson"})
    outsider = bearer(make_user("TH", "country_admin"))
    assert client.get(f"/api/v1/lessons/{hidden.id}", headers=outsider).status_code == 404
    assert client.delete(f"/api/v1/lessons/{hidden.id}", headers=outsider).status_code == 404
    answer = client.post(f"/api/v1/documents/{private.id}/lessons", json={"title": "x"}, headers=outsider)
    assert answer.status_code == 404
    assert titles(course.id) == [(1, "Kept")] and titles(private.id) == [(1, "Secret lesson")]


def test_lesson_pages_navigate_and_follow_the_course(client, login, admin, course, make_user, make_document):
    ids = [lessons.add_lesson(admin, course.id, {"title": f"Lesson {n}", "body_markdown": f"Body {n}"},
                              publish=True).id for n in (1, 2, 3)]  # fmt: skip
    lessons.update_course_details(
        admin, course.id, db.session.get(Document, course.id).version, "advanced", 95
    )
    login(make_user("TH", "reader"))
    page = client.get(f"/documents/{course.id}").get_data(as_text=True)
    assert "Course outline" in page and "Advanced" in page and "1 h 35 min" in page
    assert page.index("Lesson 1") < page.index("Lesson 2") < page.index("Lesson 3")
    assert "Add a lesson" not in page and "draggable" not in page
    middle = client.get(f"/documents/{course.id}/lessons/{ids[1]}")
    html = middle.get_data(as_text=True)
    assert middle.status_code == 200 and "Body 2" in html
    assert f'rel="prev" href="/documents/{course.id}/lessons/{ids[0]}"' in html
    assert f'rel="next" href="/documents/{course.id}/lessons/{ids[2]}"' in html
    assert 'aria-current="page">Lesson 2' in html
    other = make_document("ID", "network", "published", kind="course")
    assert client.get(f"/documents/{other.id}/lessons/{ids[1]}").status_code == 404
    draft = make_document("ID", "network", "draft", kind="course")
    hidden = lessons.add_lesson(admin, draft.id, {"title": "Not yet"})
    answer = client.get(f"/documents/{draft.id}/lessons/{hidden.id}")
    assert answer.status_code == 404 and "Not yet" not in answer.get_data(as_text=True)


def test_editors_reorder_with_buttons_and_with_drag_and_drop(client, login, admin, course):
    ids = [lessons.add_lesson(admin, course.id, {"title": t}).id for t in "ABC"]
    login(admin)
    page = client.get(f"/documents/{course.id}").get_data(as_text=True)
    assert "Add a lesson" in page and 'draggable="true"' in page and "lessons.js" in page
    moved = client.post(f"/documents/{course.id}/lessons/{ids[2]}/move", data={"direction": "up"})
    assert moved.status_code == 302
    assert [t for _, t in titles(course.id)] == ["A", "C", "B"]
    dropped = client.post(f"/documents/{course.id}/lessons/order", json={"order": [ids[1], ids[0], ids[2]]})
    assert dropped.status_code == 200
    assert [t for _, t in titles(course.id)] == ["B", "A", "C"]
    bad = client.post(f"/documents/{course.id}/lessons/order", json={"order": [ids[0]]},
                      headers={"Accept": "application/json"})  # fmt: skip
    assert bad.status_code == 422 and [t for _, t in titles(course.id)] == ["B", "A", "C"]


def test_lesson_editor_saves_shows_errors_and_refuses_stale_edits(client, login, admin, course):
    login(admin)
    created = client.post(f"/documents/{course.id}/lessons/new", data={"title": "", "body_markdown": "x"})
    assert created.status_code == 422 and "Give the lesson a title." in created.get_data(as_text=True)
    created = client.post(
        f"/documents/{course.id}/lessons/new", data={"title": "Intro", "body_markdown": "Hi"}
    )
    assert created.status_code == 302
    lesson = db.session.scalar(db.select(Lesson).where(Lesson.document_id == course.id))
    edit = f"/documents/{course.id}/lessons/{lesson.id}/edit"
    assert client.get(edit).status_code == 200
    saved = client.post(edit, data={"title": "Intro", "body_markdown": "Hello", "revision": "1", "note": "n"})
    assert saved.status_code == 302
    stale = client.post(edit, data={"title": "Intro", "body_markdown": "Mine", "revision": "1"})
    assert stale.status_code == 409 and "Mine" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).body_markdown == "Hello"
    assert client.post(f"/documents/{course.id}/lessons/{lesson.id}/delete").status_code == 302
    assert titles(course.id) == []


def test_course_details_form(client, login, admin, course):
    login(admin)
    version = db.session.get(Document, course.id).version
    url = f"/documents/{course.id}/course"
    bad = client.post(url, data={"level": "expert", "duration_minutes": "-5", "version": version})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Unknown level" in page and "whole number of minutes" in page
    good = client.post(url, data={"level": "introductory", "duration_minutes": "90", "version": version})
    assert good.status_code == 302
    stale = client.post(f"/documents/{course.id}/course", data={"level": "advanced", "version": version})
    assert stale.status_code == 409
    db.session.expire_all()
    doc = db.session.get(Document, course.id)
    assert (doc.level, doc.duration_minutes) == ("introductory", 90)
    assert client.get(f"/api/v1/documents/{course.id}").get_json()["level"] == "introductory"


def test_lesson_text_is_searched_with_the_course_for_its_readers_only(
    admin, course, make_user, make_document
):
    text = {"title": "Sandbags", "body_markdown": "The **quorvandel** drill."}
    lessons.add_lesson(admin, course.id, text, publish=True)
    private = make_document("ID", "country", "published", kind="course", language="en")
    secret = {"title": "Secret", "body_markdown": "The zembrotian method."}
    lessons.add_lesson(admin, private.id, secret, publish=True)
    indexing.drain()
    reader_th, reader_id = make_user("TH", "reader"), make_user("ID", "reader")
    assert [doc.id for doc, _ in search(reader_th, "quorvandel").items] == [course.id]
    assert [doc.id for doc, _ in search(reader_th, "zembrotian").items] == []
    assert [doc.id for doc, _ in search(reader_id, "zembrotian").items] == [private.id]
    first = db.session.scalar(db.select(Lesson.id).where(Lesson.document_id == course.id))
    lessons.update_lesson(admin, first, {"body_markdown": "Renamed drill."})
    indexing.drain()
    assert search(reader_th, "quorvandel").total == 0


def test_deleting_a_course_deletes_its_lessons(admin, course):
    lessons.add_lesson(admin, course.id, {"title": "Gone"})
    services.delete_document(admin, course.id)
    assert db.session.scalar(db.select(db.func.count()).select_from(Lesson)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(LessonRevision)) == 0
