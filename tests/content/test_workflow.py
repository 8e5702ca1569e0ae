"""The publishing workflow end to end: who may do each step, and the change log it leaves.

DESIGN section 2: every change to a document writes exactly one change-log row, in the same
transaction as the change, with a monotonically increasing sequence number.
"""

from __future__ import annotations

import re

import pytest

from content import changelog, services
from content.models import ChangeLog, Document, DocumentShare, Revision
from network.errors import Forbidden, Invalid, NotFound
from network.extensions import db

pytestmark = pytest.mark.both_databases


def _rows(doc_id: int) -> list[ChangeLog]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(ChangeLog).where(ChangeLog.document_id == doc_id).order_by(ChangeLog.seq)
        )
    )


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _fresh(doc_id: int) -> Document | None:
    db.session.expire_all()
    return db.session.get(Document, doc_id)


def _editor_data(doc: Document, **changes) -> dict:
    """What the editor page posts for `doc` unchanged, with `changes` on top."""
    data = {
        "title": doc.title,
        "summary": doc.summary,
        "body_markdown": doc.body_markdown,
        "kind": doc.kind,
        "language": doc.language,
        "tags": ", ".join(doc.tags),
        "year": str(doc.year or ""),
        "translation_of": str(doc.translation_of_id or ""),
        "topics": [t.slug for t in doc.topics],
        "visibility": doc.visibility,
        "shared_with": doc.shared_with,
        "version": str(doc.version),
        "save": "Save",
    }
    data.update(changes)
    return data


# ------------------------------------------------------------------------------------------
# The whole life of a document, through the pages
# ------------------------------------------------------------------------------------------


def test_create_submit_publish_withdraw_redraft_publish(client, make_user, login):
    author = make_user("ID", "contributor")
    admin = make_user("ID", "country_admin")
    seen: list[tuple[str, int, str]] = []  # (action, version, status) after each step

    def step(response, action: str, status: str) -> None:
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
        doc = _fresh(doc_id)
        assert doc.status == status
        seen.append((action, doc.version, status))

    login(author)
    created = client.post(
        "/documents/new",
        data={
            "title": "Evacuating citizens from a crisis zone",
            "summary": "How we did it.",
            "body_markdown": "## Lessons\n\nCall early.",
            "kind": "case_study",
            "language": "id",
            "save": "Save",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:400]
    doc_id = int(re.search(r"/documents/(\d+)$", created.headers["Location"]).group(1))
    doc = _fresh(doc_id)
    assert (doc.author_id, doc.country_code, doc.status, doc.visibility) == (
        author.id,
        "ID",
        "draft",
        "country",
    )
    seen.append(("created", doc.version, "draft"))

    step(client.post(f"/documents/{doc_id}/submit"), "submitted", "review")

    login(admin)
    step(
        client.post(
            f"/documents/{doc_id}/publish",
            data={"visibility": "network", "shown": "network", "confirm": "yes"},
        ),
        "published",
        "published",
    )
    assert _fresh(doc_id).visibility == "network"
    assert _fresh(doc_id).published_at is not None
    step(client.post(f"/documents/{doc_id}/withdraw"), "unpublished", "withdrawn")
    step(client.post(f"/documents/{doc_id}/return"), "returned", "draft")
    step(
        client.post(
            f"/documents/{doc_id}/publish", data={"visibility": "public", "shown": "public", "confirm": "yes"}
        ),
        "published",
        "published",
    )

    rows = _rows(doc_id)
    assert [(r.action, r.version) for r in rows] == [(a, v) for a, v, _ in seen]
    seqs = [r.seq for r in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    versions = [v for _, v, _ in seen]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert [r.actor_id for r in rows] == [author.id, author.id] + [admin.id] * 4
    assert {r.country_code for r in rows} == {"ID"}

    client.post("/logout")
    assert client.get(f"/documents/{doc_id}").status_code == 200  # public now


# ------------------------------------------------------------------------------------------
# Who may do each step
# ------------------------------------------------------------------------------------------


def test_a_reader_cannot_create(client, make_user, login):
    login(make_user("ID", "reader"))
    page = client.get("/documents/new")
    assert page.status_code == 403
    assert "Not allowed" in page.get_data(as_text=True)
    before = _count(Document)
    posted = client.post("/documents/new", data={"title": "Sneaky", "kind": "case_study", "language": "id"})
    assert posted.status_code == 403
    assert _count(Document) == before


def test_a_reader_cannot_create_through_the_service(make_user):
    with pytest.raises(Forbidden):
        services.create_document(make_user("ID", "reader"), {"title": "No"})
    assert _count(Document) == 0 and _count(ChangeLog) == 0


def test_a_contributor_cannot_publish_or_withdraw(client, make_user, make_document, login):
    author = make_user("ID", "contributor")
    in_review = make_document("ID", status="review", author=author)
    published = make_document("ID", "public", "published", author=author)
    log_before = _count(ChangeLog)
    login(author)
    assert (
        client.post(
            f"/documents/{in_review.id}/publish", data={"visibility": "public", "confirm": "yes"}
        ).status_code
        == 403
    )
    assert client.post(f"/documents/{published.id}/withdraw").status_code == 403
    with pytest.raises(Forbidden):
        services.publish(author, in_review.id, "public")
    with pytest.raises(Forbidden):
        services.unpublish(author, published.id)
    db.session.rollback()
    assert _fresh(in_review.id).status == "review"
    assert _fresh(published.id).status == "published"
    assert _count(ChangeLog) == log_before


@pytest.mark.parametrize("role", ["contributor", "country_admin"])
@pytest.mark.parametrize("state", [("country", "published"), ("public", "draft"), ("country", "withdrawn")])
def test_another_countrys_writer_finds_nothing_to_edit(role, state, client, make_user, make_document, login):
    visibility, status = state
    doc = make_document("ID", visibility, status, title="Indonesian only", body_markdown="Original.")
    log_before = _count(ChangeLog)
    login(make_user("TH", role))
    assert client.get(f"/documents/{doc.id}/edit").status_code == 404
    posted = client.post(f"/documents/{doc.id}/edit", data=_editor_data(doc, title="Hijacked"))
    assert posted.status_code == 404
    assert "Hijacked" not in posted.get_data(as_text=True)
    for action in ("submit", "return", "withdraw", "publish", "delete"):
        assert client.post(f"/documents/{doc.id}/{action}", data={"confirm": "yes"}).status_code in (403, 404)
    if role == "country_admin":  # the role passes the guards, so the policy answers: not found
        for action in ("withdraw", "publish", "delete"):
            assert client.post(f"/documents/{doc.id}/{action}", data={"confirm": "yes"}).status_code == 404
    after = _fresh(doc.id)
    assert (after.title, after.status, after.version) == ("Indonesian only", status, doc.version)
    assert _count(ChangeLog) == log_before


def test_another_countrys_admin_may_read_a_public_document_but_not_edit_it(
    client, make_user, make_document, login
):
    doc = make_document("ID", "public", "published", title="Public Indonesian")
    login(make_user("TH", "country_admin"))
    assert client.get(f"/documents/{doc.id}").status_code == 200
    # Readable, so the refusal is 403 (DESIGN section 5), and nothing changes.
    assert (
        client.post(f"/documents/{doc.id}/edit", data=_editor_data(doc, title="Hijacked")).status_code == 403
    )
    assert client.post(f"/documents/{doc.id}/withdraw").status_code == 403
    assert _fresh(doc.id).title == "Public Indonesian"
    assert _fresh(doc.id).status == "published"


# ------------------------------------------------------------------------------------------
# The change log: one row per change, in the change's own transaction
# ------------------------------------------------------------------------------------------


def test_each_service_change_writes_exactly_one_row(make_user):
    author = make_user("ID", "contributor")
    admin = make_user("ID", "country_admin")
    doc = services.create_document(author, {"title": "Log me", "body_markdown": "One."})
    doc_id = doc.id
    steps = [
        (lambda v: services.update_document(author, doc_id, v, {"body_markdown": "Two."}), "updated"),
        (lambda v: services.submit_for_review(author, doc_id), "submitted"),
        (lambda v: services.publish(admin, doc_id, "network"), "published"),
        (
            lambda v: services.update_document(admin, doc_id, v, {"visibility": "public"}),
            "visibility_changed",
        ),
        (lambda v: services.update_document(admin, doc_id, v, {"tags": ["consular"]}), "updated"),
        (lambda v: services.unpublish(admin, doc_id), "unpublished"),
        (lambda v: services.return_to_draft(admin, doc_id), "returned"),
    ]
    rows = _rows(doc_id)
    assert [(r.action, r.version) for r in rows] == [("created", _fresh(doc_id).version)]
    for run, action in steps:
        before = _fresh(doc_id).version
        run(before)
        after = _fresh(doc_id).version
        new = _rows(doc_id)[len(rows) :]
        assert [(r.action, r.version) for r in new] == [(action, after)], action
        assert after > before
        assert new[0].seq > rows[-1].seq
        rows = _rows(doc_id)


def test_an_update_that_changes_nothing_writes_nothing(make_user, make_document):
    doc = make_document("ID", "public", "published", title="Same")
    admin = make_user("ID", "country_admin")
    rows = len(_rows(doc.id))
    services.update_document(admin, doc.id, doc.version, {"title": "Same"})
    assert len(_rows(doc.id)) == rows
    assert _fresh(doc.id).version == doc.version


@pytest.mark.parametrize(
    "data",
    [
        {"title": ""},
        {"title": "Good", "year": "abc"},
        {"body_markdown": "Changed", "topics": ["no-such-topic"]},
        {"colour": "blue"},
    ],
)
def test_an_invalid_update_writes_no_row_and_changes_nothing(data, make_user, make_document):
    doc = make_document("ID", "public", "published", title="Stable title", body_markdown="Stable body.")
    admin = make_user("ID", "country_admin")
    rows, revisions = len(_rows(doc.id)), _count(Revision)
    with pytest.raises(Invalid):
        services.update_document(admin, doc.id, doc.version, data)
    db.session.rollback()
    after = _fresh(doc.id)
    assert (after.title, after.body_markdown, after.year, after.version) == (
        "Stable title",
        "Stable body.",
        None,
        doc.version,
    )
    assert len(_rows(doc.id)) == rows
    assert _count(Revision) == revisions


def test_the_change_and_its_log_row_commit_together(make_user, make_document, monkeypatch):
    """If writing the log row fails, the document change must not be committed either."""
    doc = make_document("ID", "public", "published", title="Atomic")
    admin = make_user("ID", "country_admin")
    rows = len(_rows(doc.id))
    real_record = changelog.record

    def failing_record(*args, **kwargs):
        real_record(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(changelog, "record", failing_record)
    with pytest.raises(RuntimeError):
        services.update_document(admin, doc.id, doc.version, {"title": "Half written"})
    db.session.rollback()
    monkeypatch.undo()
    assert _fresh(doc.id).title == "Atomic"
    assert _fresh(doc.id).version == doc.version
    assert len(_rows(doc.id)) == rows


def test_delete_logs_deleted_and_removes_the_document_with_its_revisions(
    client, make_user, make_document, login
):
    doc = make_document("ID", "countries", "published", shared_with=["TH", "JP"], title="Doomed")
    admin = make_user("ID", "country_admin")
    services.update_document(admin, doc.id, doc.version, {"body_markdown": "A second revision."})
    doc_id, version = doc.id, _fresh(doc.id).version
    assert db.session.scalar(db.select(db.func.count()).where(Revision.document_id == doc_id)) == version
    keep = make_document("ID", "public", "published", title="Survivor")
    rows = len(_rows(doc_id))

    login(admin)
    assert client.get(f"/documents/{doc_id}/delete").status_code == 200
    assert client.post(f"/documents/{doc_id}/delete").status_code == 302

    new = _rows(doc_id)[rows:]
    assert [(r.action, r.version, r.actor_id) for r in new] == [("deleted", version, admin.id)]
    assert _fresh(doc_id) is None
    assert client.get(f"/documents/{doc_id}").status_code == 404
    assert client.get(f"/api/v1/documents/{doc_id}").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).where(Revision.document_id == doc_id)) == 0
    assert db.session.scalar(db.select(db.func.count()).where(DocumentShare.document_id == doc_id)) == 0
    assert _fresh(keep.id) is not None
    kept = db.session.scalar(db.select(db.func.count()).where(Revision.document_id == keep.id))
    assert kept == keep.version


def test_a_new_document_never_inherits_a_deleted_documents_history_or_sharing(make_user, make_document):
    """Ids of deleted rows may be reused (SQLite without AUTOINCREMENT does): leftovers would leak."""
    admin = make_user("ID", "country_admin")
    doc = make_document("ID", "countries", "published", shared_with=["TH"], title="Secret old text")
    services.delete_document(admin, doc.id)
    fresh = services.create_document(admin, {"title": "Brand new", "body_markdown": "New."})
    revisions = list(db.session.scalars(db.select(Revision).where(Revision.document_id == fresh.id)))
    assert [r.title for r in revisions] == ["Brand new"]
    assert _fresh(fresh.id).shared_with == []


def test_an_author_deletes_their_own_draft_but_not_a_published_document(
    client, make_user, make_document, login
):
    author = make_user("ID", "contributor")
    draft = make_document("ID", status="draft", author=author)
    published = make_document("ID", "public", "published", author=author)
    login(author)
    assert client.post(f"/documents/{published.id}/delete").status_code == 403
    assert _fresh(published.id) is not None
    assert client.post(f"/documents/{draft.id}/delete").status_code == 302
    assert _fresh(draft.id) is None
    assert [r.action for r in _rows(draft.id)][-1] == "deleted"


# ------------------------------------------------------------------------------------------
# The audience: only admins set it, and it must be coherent
# ------------------------------------------------------------------------------------------


def test_an_admin_changing_visibility_writes_visibility_changed(client, make_user, make_document, login):
    doc = make_document("ID", "country", "published", title="Widening")
    admin = make_user("ID", "country_admin")
    rows = len(_rows(doc.id))
    login(admin)
    saved = client.post(f"/documents/{doc.id}/edit", data=_editor_data(doc, visibility="network"))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:400]
    after = _fresh(doc.id)
    assert after.visibility == "network"
    assert [(r.action, r.version) for r in _rows(doc.id)[rows:]] == [("visibility_changed", after.version)]

    services.update_document(admin, doc.id, after.version, {"visibility": "countries", "shared_with": ["TH"]})
    after = _fresh(doc.id)
    assert (after.visibility, after.shared_with) == ("countries", ["TH"])
    assert [(r.action, r.version) for r in _rows(doc.id)[rows + 1 :]] == [
        ("visibility_changed", after.version)
    ]


@pytest.mark.parametrize("visibility", ["public", "network", "country"])
def test_an_admin_may_choose_the_audience_when_creating(visibility, client, make_user, login):
    """The editor offers the audience to a country admin on a new document; it must be kept."""
    admin = make_user("ID", "country_admin")
    login(admin)
    made = client.post(
        "/documents/new",
        data={
            "title": "Audience at birth",
            "body_markdown": "Text.",
            "kind": "case_study",
            "language": "en",
            "visibility": visibility,
            "save": "Save",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)[:400]
    doc_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert (_fresh(doc_id).visibility, _fresh(doc_id).status) == (visibility, "draft")
    assert [r.action for r in _rows(doc_id)] == ["created"]


def test_an_admin_may_create_a_document_shared_with_countries(make_user):
    admin = make_user("ID", "country_admin")
    doc = services.create_document(
        admin, {"title": "Shared", "visibility": "countries", "shared_with": ["TH", "JP"]}
    )
    assert (_fresh(doc.id).visibility, _fresh(doc.id).shared_with) == ("countries", ["JP", "TH"])


def test_a_contributor_setting_visibility_is_refused(client, make_user, make_document, login):
    author = make_user("ID", "contributor")
    doc = make_document("ID", "country", "draft", author=author, title="Mine")
    rows = len(_rows(doc.id))
    with pytest.raises(Forbidden):
        services.update_document(author, doc.id, doc.version, {"visibility": "public"})
    with pytest.raises(Forbidden):
        services.update_document(
            author, doc.id, doc.version, {"visibility": "countries", "shared_with": ["TH"]}
        )
    db.session.rollback()
    assert (_fresh(doc.id).visibility, _fresh(doc.id).version) == ("country", doc.version)
    assert len(_rows(doc.id)) == rows

    # The editor does not even take the field from a contributor.
    login(author)
    saved = client.post(f"/documents/{doc.id}/edit", data=_editor_data(doc, visibility="public"))
    assert saved.status_code in (302, 403)
    assert _fresh(doc.id).visibility == "country"
    assert "visibility_changed" not in [r.action for r in _rows(doc.id)]


@pytest.mark.parametrize(
    ("visibility", "data"),
    [
        # shared_with needs the visibility `countries`
        ("country", {"shared_with": ["TH"]}),
        ("country", {"visibility": "network", "shared_with": ["TH"]}),
        ("country", {"visibility": "public", "shared_with": ["TH", "JP"]}),
        # `countries` needs someone to share with
        ("network", {"visibility": "countries"}),
        ("network", {"visibility": "countries", "shared_with": []}),
        ("network", {"visibility": "countries", "shared_with": ["ID"]}),  # only the owner itself
    ],
)
def test_an_inconsistent_audience_is_refused_and_changes_nothing(visibility, data, make_user, make_document):
    doc = make_document("ID", visibility, "published")
    admin = make_user("ID", "country_admin")
    rows = len(_rows(doc.id))
    with pytest.raises(Invalid) as error:
        services.update_document(admin, doc.id, doc.version, data)
    assert "shared_with" in error.value.fields
    db.session.rollback()
    after = _fresh(doc.id)
    assert (after.visibility, after.shared_with, after.version) == (visibility, [], doc.version)
    assert len(_rows(doc.id)) == rows


def test_creating_a_countries_document_without_countries_is_invalid(make_user):
    admin = make_user("ID", "country_admin")
    with pytest.raises(Invalid) as error:
        services.create_document(admin, {"title": "New", "visibility": "countries", "shared_with": []})
    assert "shared_with" in error.value.fields
    assert _count(Document) == 0 and _count(ChangeLog) == 0


def test_publishing_to_countries_without_countries_is_refused(make_user, make_document):
    doc = make_document("ID", status="review")
    admin = make_user("ID", "country_admin")
    rows = len(_rows(doc.id))
    with pytest.raises(Invalid):
        services.publish(admin, doc.id, "countries", [])
    db.session.rollback()
    assert (_fresh(doc.id).status, _fresh(doc.id).version) == ("review", doc.version)
    assert len(_rows(doc.id)) == rows


def test_a_foreign_admin_cannot_publish_through_the_service(make_user, make_document):
    doc = make_document("ID", status="review")
    with pytest.raises(NotFound):
        services.publish(make_user("TH", "country_admin"), doc.id, "public")
    db.session.rollback()
    assert _fresh(doc.id).status == "review"


# ------------------------------------------------------------------------------------------
# Translations
# ------------------------------------------------------------------------------------------


def _language_links(html: str) -> dict[str, str]:
    """hreflang -> href of the language switch, or {} when there is none."""
    nav = re.search(r'<nav class="languages".*?</nav>', html, re.S)
    if not nav:
        return {}
    return {lang: href for href, lang in re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', nav.group(0))}


def test_translations_switch_only_to_what_the_reader_may_read(client, make_user, login):
    admin = make_user("ID", "country_admin")
    login(admin)
    made = client.post(
        "/documents/new",
        data={
            "title": "Diplomasi digital di masa krisis",
            "body_markdown": "Teks bahasa Indonesia.",
            "kind": "case_study",
            "language": "id",
            "visibility": "country",
            "save": "Save",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)[:400]
    original_id = int(made.headers["Location"].rsplit("/", 1)[1])
    made = client.post(
        "/documents/new",
        data={
            "title": "Digital diplomacy in a crisis",
            "body_markdown": "English text.",
            "kind": "case_study",
            "language": "en",
            "visibility": "country",
            "translation_of": str(original_id),
            "save": "Save",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)[:400]
    english_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert _fresh(english_id).translation_of_id == original_id
    services.publish(admin, original_id, "public")
    services.publish(admin, english_id, "country")

    # A reader of Indonesia reads both, and switches between them.
    login(make_user("ID", "reader"))
    page = client.get(f"/documents/{original_id}")
    assert page.status_code == 200
    assert _language_links(page.get_data(as_text=True)) == {"en": f"/documents/{english_id}"}
    page = client.get(f"/documents/{english_id}")
    assert _language_links(page.get_data(as_text=True)) == {"id": f"/documents/{original_id}"}

    # A reader of Thailand, and anyone on the web, read the public original only: no switch,
    # and no link to (or title of) the translation they may not read.
    for who in ("TH reader", "anonymous"):
        client.post("/logout")
        if who == "TH reader":
            login(make_user("TH", "reader"))
        page = client.get(f"/documents/{original_id}")
        assert page.status_code == 200, who
        html = page.get_data(as_text=True)
        assert _language_links(html) == {}, who
        assert f"/documents/{english_id}" not in html, who
        assert "Digital diplomacy in a crisis" not in html, who
        assert client.get(f"/documents/{english_id}").status_code == 404, who


def test_a_translation_cannot_link_to_another_countrys_document(make_user, make_document):
    foreign = make_document("TH", "public", "published")
    admin = make_user("ID", "country_admin")
    with pytest.raises(Invalid) as error:
        services.create_document(admin, {"title": "Copy", "language": "en", "translation_of": foreign.id})
    assert "translation_of" in error.value.fields
    assert db.session.scalar(db.select(db.func.count()).where(Document.country_code == "ID")) == 0
