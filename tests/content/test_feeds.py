"""Atom feeds: valid Atom, public feeds show only public documents, the private feed shows what
its owner may read (the access table), and no feed carries a body."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET  # our own output, parsed to check it

import pytest
from access_table import OWNER, PRINCIPALS, RELATIONS, SHARED, expected

from content.models import STATUSES, VISIBILITIES
from network.extensions import db
from network.tokens import renew_feed_key
from network.users import set_active

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response) -> ET.Element:
    """Check the Atom essentials of RFC 4287 and return the feed element."""
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").startswith("http://hub.test/feeds/")
    for entry in feed.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "summary", "author"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
        assert entry.find(f"{ATOM}updated").text.endswith("Z")
        assert (
            entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://hub.test/documents/")
        )
        assert entry.find(f"{ATOM}content") is None
    return feed


def titles(feed: ET.Element) -> set[str]:
    return {entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")}


@pytest.fixture
def every_state(make_document):
    """One document of OWNER per visibility x status, each with a secret word in its body."""
    docs = {}
    for visibility, status in itertools.product(VISIBILITIES, STATUSES):
        docs[(visibility, status)] = make_document(
            OWNER, visibility, status, shared_with=[SHARED] if visibility == "countries" else None,
            title=f"{visibility}-{status}", summary=f"Summary of {visibility}-{status}",
            body_markdown=f"body-secret-{visibility}-{status}", topics=["crisis-response"],
        )  # fmt: skip
    return docs


@pytest.mark.parametrize(
    "path", ["/feeds/latest.atom", f"/feeds/countries/{OWNER}.atom", "/feeds/topics/crisis-response.atom"]
)
def test_public_feeds_show_public_documents_only_and_never_a_body(path, client, every_state):
    response = client.get(path)
    feed = parse(response)
    assert titles(feed) == {"public-published"}
    assert b"body-secret" not in response.data
    assert b"Summary of public-published" in response.data
    assert response.headers["Cache-Control"].startswith("public")


def test_country_and_topic_feeds_filter(client, make_document):
    make_document("TH", "public", "published", title="Thai public", topics=["health-diplomacy"])
    make_document("ID", "public", "published", title="Indonesian public", topics=["crisis-response"])
    assert titles(parse(client.get("/feeds/countries/th.atom"))) == {"Thai public"}
    assert titles(parse(client.get("/feeds/topics/crisis-response.atom"))) == {"Indonesian public"}
    assert titles(parse(client.get("/feeds/latest.atom"))) == {"Thai public", "Indonesian public"}
    assert client.get("/feeds/countries/XX.atom").status_code == 404
    assert client.get("/feeds/topics/no-such-topic.atom").status_code == 404


def test_an_empty_feed_is_still_valid_atom(client):
    feed = parse(client.get("/feeds/latest.atom"))
    assert feed.findall(f"{ATOM}entry") == []


def test_characters_xml_cannot_carry_do_not_break_the_feed(client, make_document):
    make_document("ID", "public", "published", title="Odd \x01 title", summary="Bell \x07 and \ufffe here")
    assert titles(parse(client.get("/feeds/latest.atom"))) == {"Odd  title"}


def test_the_private_feed_shows_what_its_owner_may_read_and_no_body(client, make_user, every_state):
    """Every principal of the access table, each with its own key, against every document state."""
    wrong = {}
    for role, relation in PRINCIPALS:
        if role == "anonymous":
            continue
        author = every_state[("country", "draft")].author
        user = author if role == "author" else make_user(RELATIONS[relation], role)
        response = client.get(f"/feeds/private/{renew_feed_key(user)}.atom")
        # Published documents only: a feed is for news, and a leaked URL never shows a draft.
        want = {f"{v}-published" for v in VISIBILITIES if expected(role, relation, v, "published")}
        if titles(parse(response)) != want:
            wrong[(role, relation)] = titles(parse(response)) ^ want
        assert b"body-secret" not in response.data
        assert response.headers["Cache-Control"] == "private, no-store"
    assert wrong == {}


def test_a_revoked_key_or_a_deactivated_owner_finds_nothing(client, make_user, every_state):
    admin, user = make_user("ID", "country_admin"), make_user("ID", "reader")
    key = renew_feed_key(user)
    assert client.get(f"/feeds/private/{key}.atom").status_code == 200
    set_active(admin, user.id, False)
    assert client.get(f"/feeds/private/{key}.atom").status_code == 404
    set_active(admin, user.id, True)
    new_key = renew_feed_key(user)
    assert client.get(f"/feeds/private/{key}.atom").status_code == 404
    assert client.get(f"/feeds/private/{new_key}.atom").status_code == 200
    for guess in ("x", "", "a" * 43):
        assert client.get(f"/feeds/private/{guess}.atom").status_code == 404
    db.session.expire_all()
