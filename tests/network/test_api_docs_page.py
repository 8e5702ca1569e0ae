"""`/api/docs` reads as a reference for people: Markdown rendered, limits as they really are, and
links only to what the project itself carries."""

from __future__ import annotations

import re

from network.api import MAX_ID


def _main_text(page: str) -> str:
    main = page.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def test_descriptions_are_rendered_markdown(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "`" not in _main_text(page), "raw backticks: a description was not rendered"
    assert "<code>Authorization: Bearer &lt;token&gt;</code>" in page
    assert "<code>error.fields</code>" in page  # a shared response's description, in a table cell
    assert "<script" not in page.split('<main id="main">', 1)[1].split("</main>", 1)[0]


def test_limits_are_the_real_ones(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "9223372036854775807" not in page and "9,223,372,036,854,775,807" not in page
    assert f"at most {MAX_ID:,}" in page  # ids: what the key columns hold
    assert "at most 100" in page  # per_page
    spec = client.get("/api/v1/openapi.json").get_json()
    [doc_id] = [
        p for p in spec["paths"]["/api/v1/documents/{doc_id}"]["get"]["parameters"] if p["in"] == "path"
    ]
    assert doc_id["schema"]["maximum"] == MAX_ID


def test_no_link_outside_the_project(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "DESIGN" not in page and "../shared" not in page
    assert "docs/api.md" in page
