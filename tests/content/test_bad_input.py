"""Bad input through the pages and the API: a clear error, the right status, and nothing saved."""

from __future__ import annotations

import html
import re

import pytest

from content.models import ChangeLog, Document, Revision
from network.extensions import db


def _counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(m)) for m in (Document, ChangeLog, Revision)
    )


def _snapshot(doc_id: int) -> tuple:
    db.session.expire_all()
    doc = db.session.get(Document, doc_id)
    return (
        doc.title,
        doc.summary,
        doc.body_markdown,
        doc.year,
        list(doc.tags),
        [t.slug for t in doc.topics],
        doc.visibility,
        doc.shared_with,
        doc.translation_of_id,
        doc.version,
        doc.status,
    )


def _field_errors(page: str, field: str) -> list[str]:
    """The error texts shown inside the block (div or fieldset) that holds the input `field`."""
    found = []
    for _, block in re.findall(r'<(div|fieldset) class="field has-error">(.*?)</\1>', page, re.S):
        if f'name="{field}"' in block:
            found += [html.unescape(e) for e in re.findall(r'<p class="error"[^>]*>(.*?)</p>', block, re.S)]
    return found


VALID = {
    "title": "A valid title",
    "summary": "",
    "body_markdown": "Some text.",
    "kind": "case_study",
    "language": "id",
    "visibility": "country",
    "save": "Save",
}

# (case id, form values on top of VALID, field that must show the error, part of the message)
BAD = [
    ("empty-title", {"title": "   "}, "title", "Must not be empty"),
    ("long-title", {"title": "x" * 201}, "title", "At most 200 characters"),
    ("long-body", {"body_markdown": "y" * 51}, "body_markdown", "At most 50 characters"),
    ("unknown-topic", {"topics": ["crisis-response", "no-such-topic"]}, "topics", "no-such-topic"),
    ("year-abc", {"year": "abc"}, "year", "Must be a year"),
    ("year-1500", {"year": "1500"}, "year", "between 1990 and"),
    ("25-tags", {"tags": ", ".join(f"tag{i}" for i in range(25))}, "tags", "At most 20 tags"),
    ("unknown-country", {"visibility": "countries", "shared_with": ["TH", "XX"]}, "shared_with", "XX"),
    ("foreign-translation", {"translation_of": "FOREIGN"}, "translation_of", "same country"),
]


def _with_foreign(values: dict, foreign_id: int) -> dict:
    return {k: (str(foreign_id) if v == "FOREIGN" else v) for k, v in values.items()}


@pytest.mark.parametrize(("case", "values", "field", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_new_document_is_a_422_with_the_fields_error(
    case, values, field, message, app, client, make_user, make_document, login
):
    app.config["BODY_MAX"] = 50
    foreign = make_document("TH", "public", "published")
    login(make_user("ID", "country_admin"))
    before = _counts()
    page = client.post("/documents/new", data={**VALID, **_with_foreign(values, foreign.id)})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    errors = _field_errors(text, field)
    assert any(message in e for e in errors), (errors, text[:2000])
    assert "Not saved yet" in text
    assert _counts() == before


@pytest.mark.parametrize(("case", "values", "field", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_edit_is_a_422_with_the_fields_error_and_changes_nothing(
    case, values, field, message, app, client, make_user, make_document, login
):
    app.config["BODY_MAX"] = 50
    foreign = make_document("TH", "public", "published")
    doc = make_document(
        "ID", "country", "published", title="Untouched", body_markdown="Short body.", language="id"
    )
    login(make_user("ID", "country_admin"))
    before, snapshot = _counts(), _snapshot(doc.id)
    data = {
        **VALID,
        "title": "Untouched",
        "body_markdown": "Short body.",
        "version": str(doc.version),
        **_with_foreign(values, foreign.id),
    }
    page = client.post(f"/documents/{doc.id}/edit", data=data)
    assert page.status_code == 422
    errors = _field_errors(page.get_data(as_text=True), field)
    assert any(message in e for e in errors), errors
    assert _counts() == before
    assert _snapshot(doc.id) == snapshot


def test_bad_input_through_the_service_names_every_bad_field(app, make_user):
    from content import services
    from network.errors import Invalid

    app.config["BODY_MAX"] = 50
    with pytest.raises(Invalid) as error:
        services.create_document(
            make_user("ID", "country_admin"),
            {
                "title": "",
                "body_markdown": "z" * 51,
                "year": "abc",
                "tags": [f"t{i}" for i in range(25)],
                "topics": ["nope"],
                "kind": "poem",
                "language": "xx",
            },
        )
    assert set(error.value.fields) == {"title", "body_markdown", "year", "tags", "topics", "kind", "language"}
    assert _counts() == (0, 0, 0)


# ------------------------------------------------------------------------------------------
# The API
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "per_page=1000",
        "per_page=0",
        "page=abc",
        "per_page=ten",
        "kind=bogus",
        "language=klingon",
        "status=lost",
    ],
)
def test_bad_listing_parameters_are_a_400_json_error(query, client):
    response = client.get(f"/api/v1/documents?{query}")
    assert response.status_code == 400
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert error["message"]


def test_good_listing_parameters_are_accepted(client, make_document):
    make_document("ID", "public", "published")
    response = client.get("/api/v1/documents?page=1&per_page=100&kind=case_study")
    assert response.status_code == 200
    assert (response.get_json()["total"], response.get_json()["per_page"]) == (1, 100)


def test_a_missing_document_is_a_404_json_error(client):
    response = client.get("/api/v1/documents/999999")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_caller_is_401_json_when_anonymous(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"]["code"] == "unauthorized"
    bad_token = client.get("/api/v1/me", headers={"Authorization": "Bearer rndd_not-a-real-token"})
    assert bad_token.status_code == 401
    assert bad_token.get_json()["error"]["code"] == "unauthorized"


def test_unknown_api_paths_answer_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# ------------------------------------------------------------------------------------------
# Not found, and no existence leak
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/no/such/page", "/documents/not-a-number", "/countries/XX", "/topics/no-such-topic"]
)
def test_an_unknown_page_is_a_friendly_404(path, client):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "<h1>Not found</h1>" in text
    assert 'href="/"' in text  # a way back
    assert "Traceback" not in text


def _without_csrf(body: bytes) -> bytes:
    """The session's CSRF token is time-stamped per response; it says nothing about the document."""
    return re.sub(rb'name="csrf_token" (type="hidden" )?value="[^"]*"', b'name="csrf_token"', body)


def _normalised(body: bytes, doc_id: int) -> bytes:
    """Anonymous pages link to sign-in with `next=` the requested path, which holds the id."""
    body = _without_csrf(body)
    for sep in (b"/", b"%2F", b"%2f"):
        body = body.replace(sep + b"documents" + sep + str(doc_id).encode(), b"/documents/ID")
    return body


@pytest.mark.parametrize("state", [("country", "published"), ("public", "draft"), ("network", "withdrawn")])
def test_missing_and_unreadable_documents_look_the_same(state, client, make_user, make_document, login):
    secret = make_document("ID", *state, title="Confidential title")
    missing = 999_999

    def same(path: str) -> None:
        one = client.get(path.format(id=secret.id))
        two = client.get(path.format(id=missing))
        assert one.status_code == two.status_code == 404, path
        assert one.mimetype == two.mimetype
        assert b"Confidential title" not in one.data
        if path.startswith("/api/"):
            assert one.data == two.data, path
        else:
            assert _normalised(one.data, secret.id) == _normalised(two.data, missing), path

    paths = ["/api/v1/documents/{id}", "/documents/{id}"]
    for path in paths:  # anonymous: the sign-in link carries the path, hence the id
        same(path)
    login(make_user("TH", "country_admin"))
    client.get("/")  # shows (and so consumes) the welcome message
    for path in paths + ["/documents/{id}/edit", "/documents/{id}/history", "/documents/{id}/publish"]:
        same(path)
    for path in paths:  # signed in, the bodies are byte-identical
        one = client.get(path.format(id=secret.id))
        two = client.get(path.format(id=missing))
        assert _without_csrf(one.data) == _without_csrf(two.data), path


# ------------------------------------------------------------------------------------------
# Hostile Markdown
# ------------------------------------------------------------------------------------------

HOSTILE = """# Report

<script>alert('body')</script>

[click me](javascript:alert('link'))

<a href="JaVaScRiPt:alert('raw')">raw link</a>

<img src="x" onerror="alert('img')">

<iframe src="https://evil.example/"></iframe>

<p onclick="alert('p')">Hello</p>
"""


def test_hostile_markdown_is_stored_sanitised_and_never_runs(client, make_user, login):
    author = make_user("ID", "contributor")
    login(author)
    saved = client.post("/documents/new", data={**VALID, "title": "Hostile", "body_markdown": HOSTILE})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:400]
    doc = db.session.scalar(db.select(Document).where(Document.title == "Hostile"))
    stored = doc.body_html.lower()
    for vector in ("<script", "javascript:", "onerror", "onclick", "<iframe"):
        assert vector not in stored, vector
    assert "report" in stored and "hello" in stored  # the harmless parts survive
    assert doc.body_markdown.startswith("# Report")  # the author's text itself is kept as written

    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "javascript:" not in page.lower()
    assert "onerror=" not in page.lower()

    preview = client.post("/preview", data={"body_markdown": HOSTILE})
    assert preview.status_code == 200
    assert "<script" not in preview.get_json()["html"].lower()
