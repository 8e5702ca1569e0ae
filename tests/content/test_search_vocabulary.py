"""Search takes its countries, kinds and languages from the database and the models: a country the
network admin adds is a valid filter at once, in the query syntax, the search page and the API."""

from __future__ import annotations

import pytest

from content import indexing
from content.models import KINDS
from content.search import BadQuery, search, vocabulary
from network import users

pytestmark = pytest.mark.both_databases


def test_a_country_added_by_the_network_admin_is_a_filter_at_once(client, make_user, make_document):
    reader = make_user("ID", "reader")
    with pytest.raises(BadQuery, match='unknown country code "TL"'):
        search(reader, "country:TL")
    assert client.get("/api/v1/search?q=country:TL").status_code == 400

    network_admin = make_user("SG", "network_admin")
    users.save_country(network_admin, "TL", "Timor-Leste", "Ministry of Foreign Affairs", "en")
    make_document("TL", "public", "published", language="en", title="Timor-Leste joins the network",
                  body_markdown="A new member shares its first case study.")  # fmt: skip
    make_document("ID", "public", "published", language="en", title="Another member's case study",
                  body_markdown="A case study from Jakarta.")  # fmt: skip
    indexing.drain()

    assert [doc.title for doc, _ in search(reader, "country:TL").items] == ["Timor-Leste joins the network"]
    assert [doc.title for doc, _ in search(reader, "case study", {"country": ["TL"]}).items] == [
        "Timor-Leste joins the network"
    ]
    api = client.get("/api/v1/search?q=country:tl")
    assert api.status_code == 200 and [item["country"] for item in api.get_json()["items"]] == ["TL"]
    assert client.get("/api/v1/search?q=member&country=TL").get_json()["total"] == 1


def test_kinds_and_languages_come_from_the_models(make_user):
    allowed = vocabulary()
    assert allowed.allowed("kind") == frozenset(KINDS)
    assert "fil" in allowed.allowed("language")
    reader = make_user("ID", "reader")
    with pytest.raises(BadQuery, match="unknown kind"):
        search(reader, "kind:blog")
    with pytest.raises(BadQuery, match="unknown language"):
        search(reader, "language:de")
