"""Queries in many scripts at once, in two Burmese encodings, with invisible characters or marks
alone, or far too long: a clear answer (200) or a clear 400, never a 500, through the API and
the search page."""

from __future__ import annotations

import pytest

from content import indexing

ZAWGYI = "သံတမန္ေရး"  # Zawgyi for the Unicode below
UNICODE = "သံတမန်ရေး"

ANSWERED = {
    "mixed scripts": "diplomacy การทูต 外交 외교 ការទូត ການທູດ သံတមန် कूटनीति diplomasya",
    "mixed scripts glued": "การทูต外交ការទូតသံတမន်कूटनीति",
    "zawgyi and unicode": f"{ZAWGYI} {UNICODE}",
    "zawgyi and unicode glued": f"{ZAWGYI}{UNICODE}",
    "zwj and zwnj only": "\u200d\u200c",
    "zwj inside a word": "कू\u200dटनीति",
    "combining marks alone": "\u0301\u0302\u0303",
    "devanagari vowel signs alone": "\u093f\u0940",
    "khmer coeng alone": "\u17d2\u17d2",
    "burmese asat alone": "\u103a\u103a",
    "thai at the limit": "การทูต" * 83,
    "khmer at the limit": "ការទូត" * 83,
    "burmese zawgyi at the limit": ZAWGYI * 55,
    "han at the limit": "外交" * 250,
}
TOO_LONG = {
    script: text * (5000 // len(text))
    for script, text in {
        "thai": "การทูต", "khmer": "ការទូត", "lao": "ການທູດ", "burmese": UNICODE, "hindi": "कूटनीति",
        "han": "外交", "hangul": "외교", "latin": "a",
    }.items()
}  # fmt: skip


@pytest.fixture
def indexed(make_document):
    doc = make_document("MM", title="သံတမန်ရေး သင်တန်း", body_markdown="မြန်မာ သံတမန်ရေးဆိုင်ရာ ဆွေးနွေးပွဲများ။ कूटनीति।")
    indexing.drain()
    return doc


@pytest.mark.parametrize("query", ANSWERED.values(), ids=ANSWERED.keys())
def test_odd_scripts_get_an_answer(client, indexed, query):
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    body = response.get_json()
    if response.status_code == 400:
        assert body["error"]["code"] and body["error"]["message"]
    else:
        assert isinstance(body["items"], list)
    assert client.get("/search", query_string={"q": query}).status_code in (200, 400)


def test_zawgyi_query_finds_the_unicode_document(client, indexed):
    for query in (ZAWGYI, UNICODE, f"{ZAWGYI} {UNICODE}"):
        items = client.get("/api/v1/search", query_string={"q": query}).get_json()["items"]
        assert [item["id"] for item in items] == [indexed.id], query


def test_a_zero_width_joiner_inside_a_word_does_not_split_it(client, indexed):
    items = client.get("/api/v1/search", query_string={"q": "कू\u200dटनीति"}).get_json()["items"]
    assert [item["id"] for item in items] == [indexed.id]


@pytest.mark.parametrize("query", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_five_thousand_characters_of_one_script_are_a_400(client, indexed, query):
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 400
    assert "limit" in response.get_json()["error"]["message"]
    assert client.get("/search", query_string={"q": query}).status_code == 400
