"""Files and lessons follow their document's audience: the access table of DESIGN section 2,
run against downloads (page and API), lesson pages, and the search of attachment text.
"""

from __future__ import annotations

import io
import itertools

import pytest
from access_table import OWNER, PRINCIPALS, RELATIONS, SHARED, expected
from flask_login import AnonymousUserMixin

from content import attachments, indexing, lessons
from content.demo_files import make_pdf, make_png
from content.models import STATUSES, VISIBILITIES
from content.search import search

CASES = list(itertools.product(PRINCIPALS, VISIBILITIES, STATUSES))
SECRETS = [
    "brontavel", "caldimeer", "dervinoak", "elquastor", "fyrnolate", "gostrivan", "hemblarik", "istravona",
    "jolquemir", "kavrintol", "lumbrosak", "mordavine", "nyquarolt", "ostrivane", "pelmorisk", "quinvadol",
]  # fmt: skip

pytestmark = pytest.mark.both_databases


def _case_id(case) -> str:
    (role, relation), visibility, status = case
    return f"{role}-{relation or 'none'}-{visibility}-{status}"


def _actor(role: str, relation: str | None, author, make_user):
    if role == "anonymous":
        return None
    if role == "author":
        return author
    return make_user(RELATIONS[relation], role)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_downloads_and_lessons_follow_the_document(case, app, client, make_user, make_document, login):
    (role, relation), visibility, status = case
    doc = make_document(OWNER, visibility, status, shared_with=[SHARED] if visibility == "countries" else [],
                        kind="course", title="Matrix course")  # fmt: skip
    admin = make_user(OWNER, "country_admin")
    lesson = lessons.add_lesson(admin, doc.id, {"title": "Lesson secret-lesson-title"}, publish=True)
    pdf = attachments.add_attachment(admin, doc.id, io.BytesIO(make_pdf([["x"]])), "handout.pdf")
    image = attachments.add_attachment(admin, doc.id, io.BytesIO(make_png()), "map.png", lesson_id=lesson.id)
    ids = (pdf.id, image.id, lesson.id)  # read before the session forgets them at sign-in
    user = _actor(role, relation, doc.author, make_user)
    want = expected(role, relation, visibility, status)
    if user is not None:
        login(user)

    for path in (
        f"/attachments/{ids[0]}",
        f"/api/v1/attachments/{ids[0]}",
        f"/attachments/{ids[1]}?inline=1",
    ):
        with client.get(path) as answer:
            assert answer.status_code == (200 if want else 404), path
            if want:
                assert answer.headers["X-Content-Type-Options"] == "nosniff"
            else:
                # The files' own signatures: a random CSRF token in the page may spell "PNG".
                assert b"%PDF-" not in answer.data and b"\x89PNG" not in answer.data
    page = client.get(f"/documents/{doc.id}/lessons/{ids[2]}")
    assert page.status_code == (200 if want else 404)
    assert ("secret-lesson-title" in page.get_data(as_text=True)) is want
    api = client.get(f"/api/v1/lessons/{ids[2]}")
    assert api.status_code == (200 if want else 404)
    if not want:  # the same answer as for a file that does not exist (but for the path it names)
        with client.get("/attachments/999999") as missing, client.get(f"/attachments/{ids[0]}") as refused:
            assert missing.get_data(as_text=True).replace("999999", str(ids[0])) == refused.get_data(
                as_text=True
            )


@pytest.mark.parametrize("principal", PRINCIPALS, ids=[f"{r}-{x or 'none'}" for r, x in PRINCIPALS])
def test_attachment_text_is_searchable_by_readers_only(principal, make_user, make_document):
    """Each secret word is only in a PDF of one document of each state; the index sees it with
    the document, and hits come only from documents the principal may read."""
    role, relation = principal
    author = make_user(OWNER, "contributor")
    admin = make_user(OWNER, "country_admin")
    docs = {}
    for secret, (visibility, status) in zip(SECRETS, itertools.product(VISIBILITIES, STATUSES), strict=True):
        doc = make_document(OWNER, visibility, status, author=author, language="en", kind="course",
                            shared_with=[SHARED] if visibility == "countries" else [],
                            title="Training course", body_markdown="An ordinary course body.")  # fmt: skip
        handout = make_pdf([["Handout", f"The {secret} exercise is on page one."]])
        attachments.add_attachment(admin, doc.id, io.BytesIO(handout), f"{secret}-free-name.pdf")
        docs[secret] = (doc.id, expected(role, relation, visibility, status))
    indexing.drain()
    actor = _actor(role, relation, author, make_user) or AnonymousUserMixin()
    for secret, (doc_id, want) in docs.items():
        found = search(actor, secret)
        assert [doc.id for doc, _ in found.items] == ([doc_id] if want else []), secret
        assert found.total == (1 if want else 0)
    everything = search(actor, " OR ".join(SECRETS))
    assert everything.total == sum(want for _, want in docs.values())
