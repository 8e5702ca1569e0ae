"""Two editors, one document: the second save is refused with 409 and loses nothing."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import update
from support import PASSWORD

from content import services
from content.models import ChangeLog, Document, Revision
from network.errors import Conflict
from network.extensions import db


def _browser(app, user):
    browser = app.test_client()
    signed_in = browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    return browser


def _fresh(doc_id: int) -> Document:
    db.session.expire_all()
    return db.session.get(Document, doc_id)


def _log_count(doc_id: int) -> int:
    return db.session.scalar(db.select(db.func.count()).where(ChangeLog.document_id == doc_id))


def _open_editor(browser, doc_id: int) -> dict:
    """GET the editor and return the form as a browser would post it back."""
    page = browser.get(f"/documents/{doc_id}/edit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    field = lambda name: html.unescape(  # noqa: E731
        re.search(rf'name="{name}"[^>]*value="([^"]*)"', text).group(1)
    )
    body = re.search(r'<textarea[^>]*name="body_markdown"[^>]*>(.*?)</textarea>', text, re.S).group(1)
    return {
        "title": field("title"),
        "body_markdown": html.unescape(body).strip(),
        "kind": "case_study",
        "language": "en",
        "version": field("version"),
        "save": "Save",
        "visibility": "public",
    }


def test_the_second_save_is_a_409_that_keeps_the_second_editors_text(app, make_user, make_document):
    doc = make_document(
        "ID", "public", "published", title="Shared text", body_markdown="Original body.", language="en"
    )
    first = _browser(app, make_user("ID", "country_admin", name="First Editor"))
    second = _browser(app, make_user("ID", "country_admin", name="Second Editor"))

    form_one, form_two = _open_editor(first, doc.id), _open_editor(second, doc.id)
    version = int(form_one["version"])
    assert version == doc.version and form_two["version"] == form_one["version"]

    saved = first.post(
        f"/documents/{doc.id}/edit", data={**form_one, "body_markdown": "First editor's text."}
    )
    assert saved.status_code == 302
    log_rows, revisions = _log_count(doc.id), db.session.scalar(db.select(db.func.count(Revision.id)))

    mine = "Second editor's text, <em>typed with care</em>.\n\nA second paragraph."
    refused = second.post(
        f"/documents/{doc.id}/edit", data={**form_two, "title": "Second title", "body_markdown": mine}
    )
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    textarea = re.search(r'<textarea[^>]*name="body_markdown"[^>]*>(.*?)</textarea>', page, re.S)
    assert textarea and html.unescape(textarea.group(1)).strip() == mine
    assert re.search(r'name="title"[^>]*value="Second title"', page)
    assert "changed by someone else" in page
    assert "Not saved" in page
    # The form now carries the current version, so saving again is a deliberate overwrite.
    current = _fresh(doc.id)
    assert re.search(rf'name="version" value="{current.version}"', page)

    assert current.body_markdown == "First editor's text."
    assert current.title == "Shared text"
    assert current.version == version + 1
    assert _log_count(doc.id) == log_rows
    assert db.session.scalar(db.select(db.func.count(Revision.id))) == revisions

    # Saving again from the conflict page, now knowingly, replaces the text.
    again = second.post(
        f"/documents/{doc.id}/edit",
        data={
            **form_two,
            "title": "Second title",
            "body_markdown": mine,
            "version": str(current.version),
        },
    )
    assert again.status_code == 302
    assert _fresh(doc.id).body_markdown == mine


def test_a_stale_version_raises_conflict_with_the_current_version(make_user, make_document):
    doc = make_document("ID", "public", "published", title="Versioned")
    admin = make_user("ID", "country_admin")
    stale = doc.version
    services.update_document(admin, doc.id, stale, {"title": "Newer"})
    current = _fresh(doc.id).version
    log_rows = _log_count(doc.id)
    with pytest.raises(Conflict) as error:
        services.update_document(admin, doc.id, stale, {"title": "Overwrite"})
    assert error.value.details["current_version"] == current
    assert error.value.status == 409
    db.session.rollback()
    assert _fresh(doc.id).title == "Newer"
    assert _log_count(doc.id) == log_rows


def test_a_race_lost_at_the_database_is_a_conflict_too(make_user, make_document):
    """Both checked the version, then the other committed first: the version column decides."""
    doc = make_document("ID", "public", "published", title="Raced", body_markdown="Before.")
    admin = make_user("ID", "country_admin")
    loaded = _fresh(doc.id)
    version = loaded.version
    with db.engine.begin() as other:  # another worker's transaction commits in between
        other.execute(
            update(Document).where(Document.id == doc.id).values(title="The other save", version=version + 1)
        )
    log_rows = _log_count(doc.id)
    with pytest.raises(Conflict):
        services.update_document(admin, doc.id, version, {"body_markdown": "Mine."})
    db.session.rollback()
    after = _fresh(doc.id)
    assert (after.title, after.body_markdown, after.version) == ("The other save", "Before.", version + 1)
    assert _log_count(doc.id) == log_rows
