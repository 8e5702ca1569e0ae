"""Search never shows a trace of a document its user may not read.

For every principal of the access matrix, sixteen documents (every visibility x status), each
with its own secret word, are indexed; the secret must appear in hits, totals, facets,
snippets and suggestions exactly when the access policy lets the user read the document.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pytest
from access_table import OWNER, PRINCIPALS, RELATIONS, SHARED, expected
from flask_login import AnonymousUserMixin

from content import indexing, services
from content.models import STATUSES, VISIBILITIES
from content.search import SearchUnavailable, search

SECRETS = [
    "brontavex", "caldimore", "dervinook", "elquastin", "fyrnolade", "gostrivel", "hemblaric",
    "istravone", "jolquemar", "kavrintel", "lumbrosik", "mordavane", "nyquarelt", "ostrivand",
    "pelmorask", "quinvadel",
]  # fmt: skip
STATES = list(itertools.product(VISIBILITIES, STATUSES))

pytestmark = pytest.mark.both_databases


def _typo(word: str) -> str:
    return word[:4] + word[5:]


@pytest.mark.parametrize("principal", PRINCIPALS, ids=[f"{r}-{x or 'none'}" for r, x in PRINCIPALS])
def test_no_trace_of_unreadable_documents(principal, make_user, make_document):
    role, relation = principal
    author = make_user(OWNER, "contributor")
    docs = {}
    for secret, (visibility, status) in zip(SECRETS, STATES, strict=True):
        shared = [SHARED] if visibility == "countries" else []
        docs[secret] = make_document(
            OWNER, visibility, status, author=author, shared_with=shared, language="en",
            title=f"Case study {secret}", summary=f"About {secret}.",
            body_markdown=f"The {secret} programme protected citizens abroad.",
        )  # fmt: skip
    indexing.drain()
    if role == "anonymous":
        actor = AnonymousUserMixin()
    elif role == "author":
        actor = author
    else:
        actor = make_user(RELATIONS[relation], role)

    readable = []
    for secret, (visibility, status) in zip(SECRETS, STATES, strict=True):
        want = expected(role, relation, visibility, status)
        found = search(actor, secret)
        assert [doc.id for doc, _ in found.items] == ([docs[secret].id] if want else [])
        assert found.total == (1 if want else 0)
        assert sum(count for _, count in found.facets.get("country", [])) == found.total
        assert all(secret not in hit.snippet_html for _, hit in found.items) or want
        typo = search(actor, _typo(secret))
        if want:
            readable.append(secret)
            assert typo.suggestion == secret
        else:
            assert secret not in (typo.suggestion or "")

    everything = search(actor, " OR ".join(SECRETS))
    assert everything.total == len(readable)
    assert dict(everything.facets.get("country", [])).get(OWNER, 0) == len(readable)
    assert sorted(hit.id for _, hit in everything.items) == sorted(docs[s].id for s in readable)


def test_a_narrowed_document_vanishes_before_the_index_catches_up(make_user, make_document):
    doc = make_document(OWNER, "network", "published", title="Consular portal zentravik")
    indexing.drain()
    reader = make_user("JP", "reader")
    assert [d.id for d, _ in search(reader, "zentravik").items] == [doc.id]

    admin = make_user(OWNER, "country_admin")
    services.update_document(admin, doc.id, doc.version, {"visibility": "country"})
    assert search(reader, "zentravik").items == []  # index still stale: the database decides

    indexing.drain()
    assert search(reader, "zentravik").total == 0
    assert indexing.verify().is_clean


def test_changes_made_through_a_request_are_searchable_after_it(client, make_user, login):
    admin = make_user(OWNER, "country_admin")
    login(admin)
    response = client.post("/documents/new", data={
        "title": "Embassy hotline vornakel", "kind": "case_study", "language": "en",
        "body_markdown": "A hotline.", "visibility": "public", "save": "Save",
    })  # fmt: skip
    assert response.status_code == 302
    doc_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    published = client.post(
        f"/documents/{doc_id}/publish", data={"visibility": "public", "shown": "public", "confirm": "yes"}
    )
    published.close()  # as the WSGI server does once it is sent: the index catches up then
    client.post("/logout")
    hits = client.get("/api/v1/search?q=vornakel").get_json()
    assert [item["id"] for item in hits["items"]] == [doc_id]


def test_an_index_of_another_layout_is_rebuilt_from_the_database(app, make_user, make_document, caplog):
    from whoosh.fields import ID, Schema

    from search_index import store

    doc = make_document(OWNER, "public", "published", title="Crisis portal quembrastel")
    root = Path(app.config["INDEX_DIR"])
    stale = store.new_directory(root)
    store.create_index(stale, Schema(id=ID(stored=True), text_folded=ID())).close()
    store.publish(root, stale)  # what an older version left behind
    opened = app.extensions.pop("rndd_search_index", None)
    if opened is not None:
        opened.close()

    reader = make_user("JP", "reader")
    with caplog.at_level(logging.WARNING, logger="rndd.index"):
        with pytest.raises(SearchUnavailable):
            search(reader, "quembrastel")  # while the rebuild runs in the background
        app.extensions["rndd_index_rebuild"].join(60)
    assert "unusable: rebuilding it" in caplog.text
    assert [d.id for d, _ in search(reader, "quembrastel").items] == [doc.id]
    assert indexing.verify().is_clean
