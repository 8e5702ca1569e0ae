"""Revision history: every content save is a revision; history, revision and diff pages are for
the owning country's writers only (DESIGN section 2); diffs are escaped; restore adds a revision."""

from __future__ import annotations

import html
import io
import re

import pytest

from content import attachments, revisions, services
from content.demo_files import make_pdf
from content.models import ChangeLog, Document, Revision
from network.errors import NotFound
from network.extensions import db

pytestmark = pytest.mark.both_databases


def _revisions(doc_id: int) -> list[Revision]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(Revision).where(Revision.document_id == doc_id).order_by(Revision.number)
        )
    )


def _fresh(doc_id: int) -> Document:
    db.session.expire_all()
    return db.session.get(Document, doc_id)


def _three_revisions(make_user, make_document, visibility="public", status="published") -> Document:
    doc = make_document("ID", visibility, status, title="First title", body_markdown="alpha\nbeta")
    admin = make_user("ID", "country_admin")
    services.update_document(admin, doc.id, _fresh(doc.id).version, {"title": "Second title"})
    services.update_document(admin, doc.id, _fresh(doc.id).version, {"body_markdown": "alpha\ngamma"})
    return _fresh(doc.id)


def test_every_version_is_a_numbered_revision_saying_what_changed(client, make_user, make_document, login):
    doc = _three_revisions(make_user, make_document)
    admin = make_user("ID", "country_admin")
    # Audience and metadata changes make versions too, each with its history entry.
    services.update_document(admin, doc.id, _fresh(doc.id).version, {"visibility": "network"})
    services.update_document(admin, doc.id, _fresh(doc.id).version, {"tags": ["consular"]})
    # A save through the editor, with its note.
    login(admin)
    doc = _fresh(doc.id)
    saved = client.post(
        f"/documents/{doc.id}/edit",
        data={
            "title": doc.title,
            "summary": "Now with a summary.",
            "body_markdown": doc.body_markdown,
            "kind": doc.kind,
            "language": doc.language,
            "tags": "consular",
            "visibility": "network",
            "version": str(doc.version),
            "note": "Added a summary",
            "save": "Save",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:400]

    revs = _revisions(doc.id)
    assert [r.number for r in revs] == list(range(1, _fresh(doc.id).version + 1))
    assert [r.note for r in revs] == [
        "Created",
        "Submitted for review",
        "Published — Visibility: country → public",
        "Edited title",
        "Edited text",
        "Visibility: public → network",
        "Tags: — → consular",
        "Added a summary — Edited summary",
    ]
    assert [(r.title, r.summary, r.body_markdown) for r in revs][-3:] == [
        ("Second title", "", "alpha\ngamma"),
        ("Second title", "", "alpha\ngamma"),
        ("Second title", "Now with a summary.", "alpha\ngamma"),
    ]
    assert revs[-1].author_id == admin.id


def test_revision_numbers_are_per_document(make_user, make_document):
    one = make_document("ID", "public", "published")
    two = make_document("ID", "public", "published")
    admin = make_user("ID", "country_admin")
    services.update_document(admin, one.id, _fresh(one.id).version, {"title": "One, again"})
    assert [r.number for r in _revisions(one.id)] == [1, 2, 3, 4]  # created, submitted, published, edited
    assert [r.number for r in _revisions(two.id)] == [1, 2, 3]


# ------------------------------------------------------------------------------------------
# Who sees history
# ------------------------------------------------------------------------------------------

PAGES = ("/documents/{id}/history", "/documents/{id}/revisions/1", "/documents/{id}/diff?from=1&to=3")
WRITERS = [("ID", "contributor"), ("ID", "country_admin")]
OUTSIDERS = [
    ("ID", "reader"),
    ("ID", "network_admin"),
    ("TH", "reader"),
    ("TH", "contributor"),
    ("TH", "country_admin"),
    ("SG", "network_admin"),
]


@pytest.mark.parametrize("who", WRITERS, ids=lambda w: "-".join(w))
def test_the_owning_countrys_writers_see_history(who, client, make_user, make_document, login):
    doc = _three_revisions(make_user, make_document)
    login(make_user(*who))
    for path in PAGES:
        page = client.get(path.format(id=doc.id))
        assert page.status_code == 200, path
    history = client.get(f"/documents/{doc.id}/history").get_data(as_text=True)
    for number in (1, 2, 3):
        assert f"/documents/{doc.id}/revisions/{number}" in history
    assert "First title" in client.get(f"/documents/{doc.id}/revisions/1").get_data(as_text=True)
    assert client.get(f"/api/v1/documents/{doc.id}").status_code == 200


@pytest.mark.parametrize("who", OUTSIDERS, ids=lambda w: "-".join(w))
def test_everyone_else_gets_not_found_even_on_a_public_document(who, client, make_user, make_document, login):
    doc = _three_revisions(make_user, make_document, "public")
    user = make_user(*who)
    login(user)
    assert client.get(f"/documents/{doc.id}").status_code == 200  # they may read the document itself
    for path in PAGES:
        page = client.get(path.format(id=doc.id))
        assert page.status_code == 404, (path, page.status_code)
        assert "First title" not in page.get_data(as_text=True)
    with pytest.raises(NotFound):
        revisions.history(user, doc.id)
    with pytest.raises(NotFound):
        revisions.get_revision(user, doc.id, 1)


def test_anonymous_visitors_are_sent_to_sign_in(client, make_user, make_document):
    doc = _three_revisions(make_user, make_document)
    for path in PAGES:
        page = client.get(path.format(id=doc.id))
        assert page.status_code == 302
        assert "/login" in page.headers["Location"]


def test_a_missing_revision_is_not_found(client, make_user, make_document, login):
    doc = _three_revisions(make_user, make_document)
    login(make_user("ID", "country_admin"))
    assert client.get(f"/documents/{doc.id}/revisions/99").status_code == 404
    assert client.get(f"/documents/{doc.id}/diff?from=1&to=99").status_code == 404
    assert client.get(f"/documents/{doc.id}/diff?from=1").status_code == 400


# ------------------------------------------------------------------------------------------
# Diff
# ------------------------------------------------------------------------------------------


def _spans(page: str, kind: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(rf'<span class="{kind}">(.*?)</span>', page, re.S)]


def test_the_diff_shows_removed_and_added_lines_escaped(client, make_user, make_document, login):
    doc = make_document(
        "ID",
        "public",
        "published",
        title="Diffed",
        body_markdown='keep me\n<script>alert("x")</script>\nold line',
    )
    admin = make_user("ID", "country_admin")
    services.update_document(
        admin, doc.id, _fresh(doc.id).version, {"body_markdown": "keep me\nnew <b>bold</b> line"}
    )
    login(admin)
    page = client.get(f"/documents/{doc.id}/diff?from=1&to={_fresh(doc.id).version}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)

    removed, added = _spans(body, "removed"), _spans(body, "added")
    assert any('<script>alert("x")</script>' in line for line in removed)
    assert any("old line" in line for line in removed)
    assert any("new <b>bold</b> line" in line for line in added)
    assert not any("keep me" in line for line in removed + added)
    assert any("keep me" in line for line in _spans(body, "same"))
    # Escaped on the page: the text shows, the markup never runs.
    assert "&lt;script&gt;alert(" in body
    assert "<script>alert" not in body
    assert "<b>bold</b>" not in body


# ------------------------------------------------------------------------------------------
# Restore
# ------------------------------------------------------------------------------------------


def test_restore_adds_a_revision_with_the_old_text(client, make_user, make_document, login):
    doc = _three_revisions(make_user, make_document)
    version = doc.version
    log_rows = db.session.scalar(db.select(db.func.count()).where(ChangeLog.document_id == doc.id))
    admin = make_user("ID", "country_admin")
    login(admin)
    restored = client.post(f"/documents/{doc.id}/revisions/1/restore")
    assert restored.status_code == 302
    assert restored.headers["Location"].endswith(f"/documents/{doc.id}/history")

    after = _fresh(doc.id)
    assert (after.title, after.body_markdown) == ("First title", "alpha\nbeta")
    assert "beta" in after.body_html and "gamma" not in after.body_html
    assert after.version == version + 1
    revs = _revisions(doc.id)
    assert [r.number for r in revs] == list(range(1, after.version + 1))
    assert (revs[-1].title, revs[-1].body_markdown, revs[-1].note) == (
        "First title",
        "alpha\nbeta",
        "Restored revision 1 — Edited title, text",
    )
    assert revs[-1].author_id == admin.id
    # Nothing is rewritten: the earlier revisions are as they were.
    assert [r.title for r in revs[:-1]] == ["First title"] * 3 + ["Second title"] * 2
    rows = list(
        db.session.scalars(
            db.select(ChangeLog).where(ChangeLog.document_id == doc.id).order_by(ChangeLog.seq)
        )
    )
    assert len(rows) == log_rows + 1
    assert (rows[-1].action, rows[-1].version) == ("updated", after.version)


def test_restore_through_the_service(make_user, make_document):
    doc = _three_revisions(make_user, make_document)
    admin = make_user("ID", "country_admin")
    version = doc.version
    revisions.restore(admin, doc.id, 4, version)  # 1-3: created, submitted, published; 4: the new title
    after = _fresh(doc.id)
    assert (after.title, after.body_markdown, after.version) == ("Second title", "alpha\nbeta", version + 1)
    assert _revisions(doc.id)[-1].note == "Restored revision 4 — Edited text"


def test_outsiders_cannot_restore(client, make_user, make_document, login):
    doc = _three_revisions(make_user, make_document)
    login(make_user("TH", "country_admin"))
    assert client.post(f"/documents/{doc.id}/revisions/1/restore").status_code in (403, 404)
    assert _fresh(doc.id).title == "Second title"
    assert [r.number for r in _revisions(doc.id)] == [1, 2, 3, 4, 5]


# ------------------------------------------------------------------------------------------
# Versions and history agree
# ------------------------------------------------------------------------------------------


def test_every_version_has_its_history_entry_with_a_note(client, make_user, login):
    """Uploads, publishing and metadata changes raise the version: each has its entry."""
    writer, admin = make_user("ID", "contributor"), make_user("ID", "country_admin")
    doc = services.create_document(writer, {"title": "Consular hotline", "body_markdown": "Text."})
    added = attachments.add_attachment(writer, doc.id, io.BytesIO(make_pdf([["x"]])), "report.pdf")
    services.submit_for_review(writer, doc.id)
    services.publish(admin, doc.id, "network")
    services.update_document(admin, doc.id, _fresh(doc.id).version, {"tags": ["hotline"], "year": 2025})
    attachments.delete_attachment(admin, added.id)
    services.unpublish(admin, doc.id)

    revs = _revisions(doc.id)
    assert _fresh(doc.id).version == len(revs) == 7
    assert [(r.number, r.note) for r in revs] == [
        (1, "Created"),
        (2, "Attachment report.pdf added"),
        (3, "Submitted for review"),
        (4, "Published — Visibility: country → network"),
        (5, "Tags: — → hotline · Year: — → 2025"),
        (6, "Attachment report.pdf removed"),
        (7, "Withdrawn"),
    ]
    versions = db.session.scalars(
        db.select(ChangeLog.version).where(ChangeLog.document_id == doc.id).order_by(ChangeLog.seq)
    ).all()
    assert versions == list(range(1, 8))  # one log row per version, each naming its own
    login(admin)
    page = client.get(f"/documents/{doc.id}/history").get_data(as_text=True)
    assert "Attachment report.pdf added" in html.unescape(page)
    assert f"Version {_fresh(doc.id).version}" in client.get(f"/documents/{doc.id}").get_data(as_text=True)
