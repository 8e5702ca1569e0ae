"""The glossary is data: seeded by `rndd init`, edited by the network admin on its page, audited,
and applied by the next search without re-indexing."""

from __future__ import annotations

import pytest

from content import glossary, indexing
from content.models import LANGUAGES, GlossaryConcept, GlossaryForm
from content.search import search
from network.audit import AuditEntry
from network.extensions import db

pytestmark = pytest.mark.both_databases


@pytest.fixture
def seeded(app):
    assert glossary.seed_glossary() >= 40
    db.session.commit()


@pytest.fixture
def admin(make_user, login):
    user = make_user("SG", "network_admin")
    login(user)
    return user


def _found(actor, q: str) -> set[str]:
    return {doc.title for doc, _ in search(actor, q, per_page=100).items}


def _actions() -> list[str]:
    query = db.select(AuditEntry.action).where(AuditEntry.action.startswith("glossary."))
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def _concept(name: str) -> GlossaryConcept:
    return db.session.scalar(db.select(GlossaryConcept).where(GlossaryConcept.name == name))


def test_seed_fills_an_empty_glossary_once_with_every_language(app):
    added = glossary.seed_glossary()
    db.session.commit()
    assert added >= 40
    for concept in glossary.concepts():
        assert {form.language for form in concept.forms} == set(LANGUAGES), concept.name
    assert glossary.seed_glossary() == 0  # never again: the admin's removals stay removed
    registers = {(f.text, f.register) for f in _concept("embassy").forms if f.language == "th"}
    assert registers == {("สถานเอกอัครราชทูต", "formal"), ("สถานทูต", "common")}


def test_the_network_admin_edits_the_glossary_and_every_change_is_audited(client, admin, seeded):
    page = client.get("/admin/glossary")
    assert page.status_code == 200 and "citizen protection" in page.get_data(as_text=True)

    created = client.post("/admin/glossary", data={"name": "Climate Finance"})
    assert created.status_code == 302
    concept = _concept("climate finance")
    detail = created.headers["Location"]
    assert detail.endswith(f"/admin/glossary/{concept.id}")

    added = client.post(detail, data={"language": "id", "text": "pendanaan iklim", "register": "formal"})
    assert added.status_code == 302
    assert "pendanaan iklim" in client.get(detail).get_data(as_text=True)
    form = db.session.scalar(db.select(GlossaryForm).where(GlossaryForm.text == "pendanaan iklim"))

    removed = client.post(f"{detail}/forms/{form.id}/remove")
    assert removed.status_code == 302
    assert db.session.get(GlossaryForm, form.id) is None
    assert client.post(f"{detail}/remove").status_code == 302
    assert _concept("climate finance") is None

    assert _actions() == ["glossary.concept_added", "glossary.form_added", "glossary.form_removed",
                          "glossary.concept_removed"]  # fmt: skip
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "glossary.form_added"))
    assert entry.actor_id == admin.id and entry.object_title == "climate finance"
    assert entry.detail_values == {"language": "id", "form": "pendanaan iklim", "register": "formal"}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"language": "xx", "text": "foo", "register": "formal"}, "network&#39;s languages"),
        ({"language": "th", "text": "   ", "register": "formal"}, "This field is required"),
        ({"language": "th", "text": "!!!", "register": "formal"}, "at least one letter"),
        ({"language": "th", "text": "a b c d e f", "register": "formal"}, "at most 5 words"),
        ({"language": "th", "text": "สถานทูต", "register": "formal"}, "already has this form"),
        ({"language": "th", "text": "ทูต", "register": "slang"}, "formal or common"),
        ({"language": "en", "text": "emb\x07assy", "register": "formal"}, "without control characters"),
    ],
)
def test_bad_forms_are_refused_with_a_reason(client, admin, seeded, data, says):
    concept = _concept("embassy")
    before = len(concept.forms)
    response = client.post(f"/admin/glossary/{concept.id}", data=data)
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(_concept("embassy").forms) == before
    assert _actions() == []


def test_a_taken_name_and_unknown_ids_are_refused(client, admin, seeded):
    assert client.post("/admin/glossary", data={"name": "Embassy"}).status_code == 422
    assert client.post("/admin/glossary", data={"name": "a\x07b"}).status_code == 422
    assert client.post("/admin/glossary", data={"name": "a\x00b"}).status_code == 400  # screened app-wide
    assert client.get("/admin/glossary/999999").status_code == 404
    assert client.post("/admin/glossary/999999/remove").status_code == 404
    other = _concept("diplomacy").forms[0]
    # A form of another concept is not this concept's form.
    assert client.post(f"/admin/glossary/{_concept('embassy').id}/forms/{other.id}/remove").status_code == 404
    assert db.session.get(GlossaryForm, other.id) is not None


@pytest.mark.parametrize("role", ["reader", "contributor", "country_admin"])
def test_only_the_network_admin_may_see_or_edit_it(client, make_user, login, seeded, role):
    login(make_user("TH", role))
    concept = _concept("embassy")
    assert client.get("/admin/glossary").status_code == 403
    assert client.post("/admin/glossary", data={"name": "x"}).status_code == 403
    assert client.post(f"/admin/glossary/{concept.id}/remove").status_code == 403
    assert _concept("embassy") is not None


def test_a_change_applies_to_the_next_search_without_reindexing(make_user, make_document, seeded):
    admin = make_user("SG", "network_admin")
    reader = make_user("ID", "reader")
    make_document("ID", "public", "published", language="id", title="Pendanaan iklim di kawasan",
                  body_markdown="Skema pendanaan iklim untuk negara kepulauan.")  # fmt: skip
    indexing.drain()
    entries = indexing.search_index().entries()
    assert _found(reader, "climate finance") == set()

    concept = glossary.add_concept(admin, "climate finance")
    glossary.add_form(admin, concept.id, "en", "climate finance")
    assert _found(reader, "climate finance") == set()  # no Indonesian form yet
    form = glossary.add_form(admin, concept.id, "id", "pendanaan iklim")
    assert _found(reader, "climate finance") == {"Pendanaan iklim di kawasan"}

    glossary.remove_form(admin, concept.id, form.id)
    assert _found(reader, "climate finance") == set()
    assert indexing.search_index().entries() == entries  # nothing was re-indexed


def test_another_workers_change_is_seen_through_the_stamp(make_user, seeded):
    before = glossary.current_glossary()
    assert glossary.current_glossary() is before  # cached while nothing changed
    concept = _concept("embassy")
    # As another process would: straight into the database, not through this process's services.
    db.session.add(GlossaryForm(concept_id=concept.id, language="en", text="chancery", register="common"))
    concept.updated_at = concept.updated_at.replace(year=concept.updated_at.year + 1)
    db.session.commit()
    after = glossary.current_glossary()
    assert after is not before
    assert ("en", "chancery") in after.forms["embassy"]


def test_thai_formal_and_colloquial_embassy_find_each_other_and_english(make_user, make_document, seeded):
    reader = make_user("TH", "reader")
    make_document("TH", "public", "published", language="th", title="งานของสถานเอกอัครราชทูต",
                  body_markdown="สถานเอกอัครราชทูตออกประกาศเตือนคนไทย")  # fmt: skip
    make_document("AU", "public", "published", language="en", title="Embassy warnings",
                  body_markdown="How an embassy warns its citizens.")  # fmt: skip
    indexing.drain()
    assert _found(reader, "สถานทูต") == {"งานของสถานเอกอัครราชทูต", "Embassy warnings"}
    hits = [doc.title for doc, _ in search(reader, "embassy").items]
    assert hits == ["Embassy warnings", "งานของสถานเอกอัครราชทูต"]  # the query's own words first


def test_filipino_multi_word_form_matches_inflected_running_text(make_user, make_document, seeded):
    reader = make_user("PH", "reader")
    text = "Pinalakas ang proteksyon ng mga mamamayang Pilipino sa ibang bansa."
    make_document("PH", "public", "published", language="fil", title="Ulat ng konsulado", body_markdown=text)
    make_document("PH", "public", "published", language="fil", title="Ibang paksa",
                  body_markdown="Ang mamamayan ay bumoto. Walang proteksyon ang datos noon.")  # fmt: skip
    indexing.drain()
    # The form "proteksyon ng mamamayan": its content words as a loose phrase, the linker -g allowed.
    assert _found(reader, "citizen protection") == {"Ulat ng konsulado"}
    assert "Ulat ng konsulado" in _found(reader, "protection of nationals")
