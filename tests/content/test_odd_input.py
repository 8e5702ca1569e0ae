"""Odd input to documents, lessons and revisions is a clear 4xx that changes nothing: numbers past
the column's range (PostgreSQL refused them with a 500), bodies of the wrong shape, and links
to documents the writer may not read."""

from __future__ import annotations

import io

import pytest

from content import lessons
from content.demo_files import make_pdf
from content.fields import NOT_LINKABLE
from content.models import ChangeLog, Document
from network.extensions import db
from network.models import ApiToken

pytestmark = pytest.mark.both_databases

BEYOND = [2**31, 2**32 + 1, 2**63, 2**64]
PDF = make_pdf([["A handout."]])


def _bearer(user) -> dict[str, str]:
    token, clear = ApiToken.issue(user, scope="write", name="test")
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def _log_rows() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(ChangeLog))


@pytest.fixture
def admin(make_user):
    return make_user("ID", "country_admin")


@pytest.fixture
def course(admin, make_document):
    doc = make_document("ID", "network", "published", kind="course", title="Clinic")
    for title in ("One", "Two"):
        lessons.add_lesson(admin, doc.id, {"title": title})
    return db.session.get(Document, doc.id)


@pytest.mark.parametrize("number", BEYOND)
def test_a_diff_or_revision_number_past_the_range_is_not_found(backend, client, login, admin, course, number):
    login(admin)
    for path in (f"diff?from=1&to={number}", f"diff?from={number}&to=1", f"revisions/{number}"):
        assert client.get(f"/documents/{course.id}/{path}").status_code == 404, path
    restore = client.post(f"/api/v1/documents/{course.id}/revisions/{number}/restore", json={"version": 1},
                          headers=_bearer(admin))  # fmt: skip
    assert restore.status_code == 404


@pytest.mark.parametrize(
    "query", ["", "from=1", "from=a&to=2", "from=-1&to=2", "from=1.5&to=2", "from=²&to=1"]
)
def test_a_diff_without_two_whole_numbers_is_a_400(backend, client, login, admin, course, query):
    login(admin)
    answer = client.get(f"/documents/{course.id}/diff?{query}")
    assert answer.status_code == 400 and "Give two revision numbers" in answer.get_data(as_text=True)


REORDER_BODIES = {  # anything but an object is refused for every page (400), before the view
    "[1, 2]": 400, '"order"': 400, "42": 400, "null": 400,
    '{"order": "1,2"}': 422, '{"order": [true]}': 422, f'{{"order": [{2**40}]}}': 422, "not json": 422,
}  # fmt: skip


@pytest.mark.parametrize("body", sorted(REORDER_BODIES))
def test_a_lesson_reorder_body_of_the_wrong_shape_is_refused(backend, client, login, admin, course, body):
    login(admin)
    before = _log_rows()
    answer = client.post(f"/documents/{course.id}/lessons/order", data=body, content_type="application/json",
                         headers={"Accept": "application/json"})  # fmt: skip
    assert answer.status_code == REORDER_BODIES[body], answer.get_data(as_text=True)[:300]
    error = answer.get_json()["error"]
    assert error["fields"]["order"] if answer.status_code == 422 else "JSON object" in error["message"]
    assert _log_rows() == before


@pytest.mark.parametrize("lesson_id", [str(n) for n in BEYOND] + ["9" * 5000])
def test_a_lesson_id_past_the_range_is_not_found(backend, client, login, admin, course, lesson_id):
    headers = _bearer(admin)
    assert client.get(f"/api/v1/lessons/{lesson_id}").status_code == 404
    changed = client.patch(f"/api/v1/lessons/{lesson_id}", json={"title": "x"}, headers=headers)
    assert changed.status_code == (404 if len(lesson_id) < 30 else 405)  # too long for an int: no such URL
    api = client.post(f"/api/v1/documents/{course.id}/attachments", headers=headers,
                      data={"lesson_id": lesson_id, "file": (io.BytesIO(PDF), "x.pdf")})  # fmt: skip
    assert api.status_code == 404
    login(admin)
    page = client.post(f"/documents/{course.id}/attachments",
                       data={"lesson_id": lesson_id, "file": (io.BytesIO(PDF), "x.pdf")})  # fmt: skip
    assert page.status_code == 404


@pytest.mark.parametrize("value", [*BEYOND, str(2**31), 999_999])
def test_a_translation_of_past_the_range_is_the_same_422_as_a_missing_id(backend, client, admin, value):
    answer = client.post(
        "/api/v1/documents", json={"title": "x", "translation_of": value}, headers=_bearer(admin)
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"]["translation_of"] == NOT_LINKABLE


@pytest.mark.parametrize("value", [1.5, True, "1e3", " 1", [1], {"id": 1}])
def test_a_translation_of_that_is_no_id_is_a_422(backend, client, admin, value):
    answer = client.post(
        "/api/v1/documents", json={"title": "x", "translation_of": value}, headers=_bearer(admin)
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"]["translation_of"] == "Must be the id of a document."


def test_a_topic_that_is_a_huge_number_is_an_unknown_topic(backend, client, admin):
    answer = client.post("/api/v1/documents", json={"title": "x", "topics": [2**70]}, headers=_bearer(admin))
    assert answer.status_code == 422 and "Unknown topic" in answer.get_json()["error"]["fields"]["topics"]


@pytest.mark.parametrize("unreadable", ["someone else's draft", "a translation of it", "withdrawn"])
def test_a_translation_link_to_a_document_the_author_may_not_read_looks_missing_and_is_not_made(
    backend, client, make_user, make_document, unreadable
):
    """The writer learns nothing about a document they may not read, and links nothing to it."""
    author = make_user("ID", "contributor")
    if unreadable == "withdrawn":
        hidden = make_document("ID", "network", "withdrawn", title="Withdrawn paper")
    else:
        hidden = make_document("ID", "country", "draft", title="Colleague's draft")
    target = hidden.id
    if unreadable == "a translation of it":  # readable itself, but it would link to the hidden original
        translator = make_user("ID", "country_admin")  # an admin reads the draft, so may link to it
        target = make_document(
            "ID", "country", "published", author=translator, title="Terjemahan", translation_of=hidden.id
        ).id
    headers = _bearer(author)
    answers = [
        client.post("/api/v1/documents", json={"title": "Mine", "translation_of": t}, headers=headers)
        for t in (target, 999_999)
    ]
    assert answers[0].status_code == answers[1].status_code == 422
    assert answers[0].get_json() == answers[1].get_json()
    assert answers[0].get_json()["error"]["fields"]["translation_of"] == NOT_LINKABLE
    mine = client.post("/api/v1/documents", json={"title": "Mine"}, headers=headers).get_json()
    patched = client.patch(f"/api/v1/documents/{mine['id']}", json={"version": mine["version"],
                           "translation_of": target}, headers=headers)  # fmt: skip
    assert patched.status_code == 422
    linked = db.session.scalar(
        db.select(db.func.count()).where(
            Document.translation_of_id == hidden.id, Document.author_id == author.id
        )
    )
    assert linked == 0
