"""What you see is what you publish: the confirmation's statement is the one of the audience
submitted, a publish for any other audience is refused, and the page exists only for the owner's
admins. (The script that keeps the statement in step is driven in tests/browser/test_publish_flow.py.)
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from content.models import ChangeLog, Document
from network.extensions import db

TEMPLATES = Path(__file__).resolve().parents[2] / "content" / "templates" / "content"
PUBLIC = "Everyone on the web, signed in or not."
INDONESIA_ONLY = "Signed-in users of Indonesia only."


def _fresh(doc_id: int) -> Document:
    db.session.expire_all()
    return db.session.get(Document, doc_id)


def _log_rows() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ChangeLog))


def _statement(page: str) -> str:
    return html.unescape(re.search(r'<span id="statement-readers">(.*?)</span>', page, re.S).group(1))


def _shown(page: str) -> str:
    """The audience the form carries back: the one its statement describes."""
    return html.unescape(re.search(r'<input id="shown" name="shown" type="hidden" value="([^"]*)"', page)[1])


@pytest.fixture
def draft(make_document):
    return make_document("ID", "country", "review", title="Consular hotline")


@pytest.fixture
def admin(make_user, login):
    user = make_user("ID", "country_admin")
    login(user)
    return user


def test_the_page_describes_the_saved_audience_and_says_so_in_the_form(client, admin, draft):
    page = client.get(f"/documents/{draft.id}/publish").get_data(as_text=True)
    assert _statement(page) == INDONESIA_ONLY
    assert _shown(page) == "country"


def test_public_chosen_while_the_box_said_indonesia_only_is_refused_and_nothing_changes(client, admin, draft):
    """The incident: the admin picked Public and confirmed a statement that said Indonesia only."""
    before = _log_rows()
    answer = client.post(
        f"/documents/{draft.id}/publish", data={"visibility": "public", "shown": "country", "confirm": "yes"}
    )
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "not the one the statement showed, so nothing was published" in page
    assert _statement(page) == PUBLIC  # now the statement of what was submitted, to confirm again
    assert _shown(page) == "public"
    after = _fresh(draft.id)
    assert (after.status, after.visibility, after.version) == ("review", "country", draft.version)
    assert _log_rows() == before

    confirmed = client.post(
        f"/documents/{draft.id}/publish", data={"visibility": "public", "shown": "public", "confirm": "yes"}
    )
    assert confirmed.status_code == 302
    assert (_fresh(draft.id).status, _fresh(draft.id).visibility) == ("published", "public")


def test_a_publish_that_confirms_no_statement_is_refused(client, admin, draft):
    answer = client.post(f"/documents/{draft.id}/publish", data={"visibility": "country", "confirm": "yes"})
    assert answer.status_code == 409 and _fresh(draft.id).status == "review"


def test_without_javascript_updating_shows_the_statement_of_exactly_the_audience_submitted(
    client, admin, draft
):
    form = {"visibility": "countries", "shared_with": ["TH", "JP"], "shown": "country", "confirm": ""}
    page = client.post(f"/documents/{draft.id}/publish", data=form).get_data(as_text=True)
    assert _statement(page) == "Signed-in users of Indonesia, Japan and Thailand only."
    assert _shown(page) == "countries:JP,TH"
    assert _fresh(draft.id).status == "review"
    form.update(shown="countries:JP,TH", confirm="yes")
    assert client.post(f"/documents/{draft.id}/publish", data=form).status_code == 302
    assert (_fresh(draft.id).visibility, _fresh(draft.id).shared_with) == ("countries", ["JP", "TH"])


def test_changing_the_countries_after_the_statement_is_refused(client, admin, draft):
    form = {"visibility": "countries", "shared_with": ["TH", "JP", "KR"], "shown": "countries:JP,TH"}
    answer = client.post(f"/documents/{draft.id}/publish", data={**form, "confirm": "yes"})
    assert answer.status_code == 409
    assert "Korea" in _statement(answer.get_data(as_text=True))
    assert _fresh(draft.id).status == "review"


def test_the_statement_for_a_choice_in_progress(client, admin, draft):
    answer = client.get(f"/documents/{draft.id}/publish/statement?visibility=countries&shared_with=th")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["audience"] == "countries:TH"
    assert body["once_published"] == "Signed-in users of Indonesia and Thailand only."
    assert "peer nodes that host Indonesia and Thailand" in body["federation"]
    public = client.get(f"/documents/{draft.id}/publish/statement?visibility=public").get_json()
    assert (public["audience"], public["once_published"]) == ("public", PUBLIC)
    unknown = client.get(f"/documents/{draft.id}/publish/statement?visibility=everyone").get_json()
    assert unknown["audience"] == "country"  # an unknown choice is the saved audience, said as such
    nobody = client.get(f"/documents/{draft.id}/publish/statement?visibility=countries&shared_with=XX")
    assert nobody.get_json()["once_published"] == INDONESIA_ONLY  # no such country: no reader more


@pytest.mark.parametrize("state", [("public", "published"), ("country", "review"), ("network", "withdrawn")])
def test_another_countrys_confirmation_page_is_a_404_like_a_missing_one(
    state, client, make_user, make_document, login
):
    foreign = make_document("TH", *state, title="Thai paper")
    login(make_user("ID", "country_admin"))
    for path in ("/documents/{id}/publish", "/documents/{id}/publish/statement?visibility=public"):
        one, two = client.get(path.format(id=foreign.id)), client.get(path.format(id=999_999))
        assert one.status_code == two.status_code == 404, path
        assert b"Thai paper" not in one.data
    posted = client.post(
        f"/documents/{foreign.id}/publish", data={"visibility": "public", "shown": "public", "confirm": "yes"}
    )
    assert posted.status_code == 404
    assert _fresh(foreign.id).status == state[1]


def test_the_publish_page_loads_its_script_from_a_file_and_inlines_nothing(client, admin, draft):
    page = client.get(f"/documents/{draft.id}/publish").get_data(as_text=True)
    assert re.search(r'<script src="/static/publish\.js" defer></script>', page)
    assert f'data-statement-url="/documents/{draft.id}/publish/statement"' in page


# Templates of files to download, not pages of the site: each is served with a policy of its own.
SELF_CONTAINED = {
    "export.html": "an exported document carries its style inline (security.EXPORT_POLICY, no script)",
}


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_content_templates_are_ready_for_a_strict_content_security_policy(template):
    """No script bodies, no style attributes, no on* handlers: a strict CSP would block them."""
    source = (TEMPLATES / template).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "a script without src"
    assert not re.search(r"<script\b[^>]*>(?!</script>)", source), "a script body"
    assert not re.search(r"\sstyle\s*=", source), "a style attribute"
    if template not in SELF_CONTAINED:
        assert not re.search(r"<style\b", source), "a style element"
    assert not re.search(r"\son[a-z]+\s*=", source), "an event handler attribute"
