"""Security headers on every kind of response: pages, API JSON, feeds, errors, static files and
attachments; images only from this node unless RNDD_ALLOWED_IMAGE_HOSTS names more hosts."""

from __future__ import annotations

import io

import pytest

from content import attachments
from content.demo_files import make_pdf, make_png
from network import create_app
from network.config import ConfigError
from network.extensions import db
from network.models import ApiToken

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
FILE_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"  # attachments: nothing runs
PDF_POLICY = "frame-ancestors 'none'"  # Chromium's PDF viewer breaks under anything stricter
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def bearer(user) -> dict[str, str]:
    token, clear = ApiToken.issue(user, scope="write", name="test")
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


@pytest.fixture
def world(app, make_user, make_document):
    """One public course with an image and a PDF, and a view that fails (added before any request)."""

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    doc = make_document("ID", "public", "published", kind="course", title="Headers course")
    admin = make_user("ID", "country_admin")
    image = attachments.add_attachment(admin, doc.id, io.BytesIO(make_png()), "map.png")
    pdf = attachments.add_attachment(admin, doc.id, io.BytesIO(make_pdf([["x"]])), "handout.pdf")
    return {"doc": doc.id, "image": image.id, "pdf": pdf.id, "admin": admin}


# (what, method, path, status, Content-Security-Policy)
RESPONSES = [
    ("home page", "GET", "/", 200, PAGE_POLICY),
    ("document page", "GET", "/documents/{doc}", 200, PAGE_POLICY),
    ("API docs page", "GET", "/api/docs", 200, PAGE_POLICY),
    ("API list", "GET", "/api/v1/documents", 200, PAGE_POLICY),
    ("API document", "GET", "/api/v1/documents/{doc}", 200, PAGE_POLICY),
    ("Atom feed", "GET", "/feeds/latest.atom", 200, PAGE_POLICY),
    ("HTML 404", "GET", "/no-such-page", 404, PAGE_POLICY),
    ("JSON 404", "GET", "/api/v1/documents/999999", 404, PAGE_POLICY),
    ("HTML 405", "PUT", "/documents/{doc}", 405, PAGE_POLICY),
    ("JSON 405", "PUT", "/api/v1/documents", 405, PAGE_POLICY),
    ("500", "GET", "/broken-for-test", 500, PAGE_POLICY),
    ("static file", "GET", "/static/site.css", 200, PAGE_POLICY),
    ("image attachment", "GET", "/attachments/{image}?inline=1", 200, FILE_POLICY),
    ("PDF attachment", "GET", "/attachments/{pdf}?inline=1", 200, PDF_POLICY),
    ("API attachment", "GET", "/api/v1/attachments/{image}", 200, FILE_POLICY),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "status", "policy"), [r[1:] for r in RESPONSES],
                         ids=[r[0] for r in RESPONSES])  # fmt: skip
def test_every_response_carries_the_security_headers(world, client, method, path, status, policy):
    with client.open(path.format(**world), method=method) as response:
        assert response.status_code == status
        for name, value in COMMON.items():
            assert response.headers.get(name) == value, name
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert response.headers["Content-Security-Policy"] == policy
        assert "unsafe-inline" not in policy
        assert "Strict-Transport-Security" not in response.headers  # the tests' base URL is http


def test_a_request_for_an_unknown_host_gets_the_headers_too(client):
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_api_writes_carry_the_headers(client, make_user):
    response = client.post("/api/v1/documents", headers=bearer(make_user("ID", "country_admin")),
                           json={"title": "Headers on a 201"})  # fmt: skip
    assert response.status_code == 201
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY


def test_hsts_when_served_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    over_tls = client.get("/", base_url="https://hub.test")
    assert over_tls.headers["Strict-Transport-Security"] == "max-age=31536000"
    app.config["BASE_URL"] = "https://hub.test"  # TLS ends at a proxy: the base URL says https
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.fixture
def make_app(database_url, tmp_path):
    def make(**config):
        return create_app({
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "hub.test",
            "BASE_URL": "http://hub.test", "INDEX_DIR": str(tmp_path / "index"),
            "UPLOAD_DIR": str(tmp_path / "uploads"), **config,
        })  # fmt: skip

    return make


def test_allowed_image_hosts_join_img_src(make_app, monkeypatch):
    hosts = " img.example.org, *.cdn.example.net ,http://old.example:81"
    monkeypatch.setenv("RNDD_ALLOWED_IMAGE_HOSTS", hosts)
    with make_app().test_client().get("/static/site.css") as response:
        policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' https://img.example.org https://*.cdn.example.net http://old.example:81;" in policy


@pytest.mark.parametrize("value", ["evil.example; script-src *", "'unsafe-inline'", "data:", "a b", "*"])
def test_an_image_host_that_is_not_a_host_name_stops_start_up(make_app, value):
    with pytest.raises(ConfigError) as error:
        make_app(ALLOWED_IMAGE_HOSTS=[value])
    assert "RNDD_ALLOWED_IMAGE_HOSTS" in str(error.value)


def test_an_external_image_in_a_document_is_not_allowed_by_the_policy(client, make_document):
    """The body keeps the image (it is safe HTML), but the page's img-src refuses to load it."""
    doc = make_document("ID", "public", "published", body_markdown="![pixel](https://tracker.example/p.gif)")
    page = client.get(f"/documents/{doc.id}")
    assert 'src="https://tracker.example/p.gif"' in page.get_data(as_text=True)
    img_src = next(d for d in page.headers["Content-Security-Policy"].split("; ") if d.startswith("img-src"))
    assert img_src == "img-src 'self'"
