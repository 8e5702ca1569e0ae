"""The OpenAPI description: complete (every `/api/v1` rule and method), self-consistent, valid,
in step with the models, and readable by people at `/api/docs`."""

from __future__ import annotations

import re

import pytest

from content.models import KINDS, LANGUAGES, STATUSES, VISIBILITIES
from network import openapi

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def test_every_api_rule_and_method_has_a_documented_operation(app, spec):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = openapi.path_of(rule.rule)
        for method in sorted((rule.methods or set()) & METHODS):
            operation = spec["paths"].get(path, {}).get(method.lower())
            if not operation or not operation.get("operationId") or not operation.get("responses"):
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert missing == [], (
        "document these views with YAML after '---' in their docstrings (network/openapi.py)"
    )


def test_design_section_5_paths_are_all_described(spec):
    for path, method in [
        ("/api/v1/documents", "get"), ("/api/v1/documents", "post"), ("/api/v1/documents/{doc_id}", "get"),
        ("/api/v1/documents/{doc_id}", "patch"), ("/api/v1/documents/{doc_id}", "delete"),
        ("/api/v1/documents/{doc_id}/publish", "post"), ("/api/v1/documents/{doc_id}/unpublish", "post"),
        ("/api/v1/documents/{doc_id}/revisions", "get"), ("/api/v1/search", "get"),
        ("/api/v1/countries", "get"), ("/api/v1/topics", "get"), ("/api/v1/me", "get"),
        ("/api/v1/openapi.json", "get"),
    ]:  # fmt: skip
        assert method in spec["paths"].get(path, {}), f"{method.upper()} {path}"


def test_operation_ids_are_unique_and_path_parameters_declared(spec):
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for path, ops in spec["paths"].items():
        for op in ops.values():
            declared = {p["name"] for p in op["parameters"] if p.get("in") == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path
            assert "default" in op["responses"]


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves(spec):
    for ref in set(_refs(spec)):
        node = spec
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, ref
            node = node[part]


def test_the_convention_names_schemas_that_exist(spec):
    listed = {"Document", "DocumentSummary", "DocumentList", "DocumentWrite", "Error", "Country", "Topic",
              "Me", "Revision", "SearchResult", "Lesson", "LessonWrite", "Attachment"}  # fmt: skip
    assert listed <= set(spec["components"]["schemas"])
    for name in listed:
        assert name in openapi.__doc__


def test_enums_follow_the_models(spec):
    props = spec["components"]["schemas"]["DocumentWrite"]["properties"]
    assert tuple(props["kind"]["enum"]) == tuple(KINDS)
    assert tuple(props["visibility"]["enum"]) == VISIBILITIES
    assert set(props["language"]["enum"]) == set(LANGUAGES)
    assert tuple(spec["components"]["schemas"]["DocumentSummary"]["properties"]["status"]["enum"]) == STATUSES


def test_the_description_is_valid_openapi(spec):
    import openapi_spec_validator as validator

    validator.validate(spec)


def test_writes_refuse_unknown_fields_in_the_description_too(spec):
    schemas = spec["components"]["schemas"]
    for name in ("DocumentWrite", "DocumentUpdate", "PublishRequest", "LessonWrite"):
        assert schemas[name]["additionalProperties"] is False
    assert "status" in schemas["DocumentWrite"]["properties"]
    assert "status" not in schemas["DocumentUpdate"]["properties"]  # the workflow has its own endpoints


def test_the_docstring_yaml_reader():
    def view():
        """Prose for people.
        ---
        get: {operationId: a, responses: {200: {description: ok}}}
        post: {operationId: b, responses: {201: {description: made}}}
        """

    assert set(openapi.operations_of(view, {"get", "post"})) == {"get", "post"}
    assert openapi.operations_of(lambda: None, {"get"}) == {}
    assert openapi.path_of("/api/v1/documents/<int:doc_id>/x/<name>") == "/api/v1/documents/{doc_id}/x/{name}"


def test_the_docs_page_renders_the_description_without_outside_resources(client, spec):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for path, ops in spec["paths"].items():
        for method in ops:
            assert f"{method.upper()} {path}" in page
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert "<script" not in page.split("</main>")[0].split('<main id="main">')[1]
    assert not re.search(r'(src|href)="https?://(?!hub\.test)', page)
