"""A generative check: every URL rule of the app, walked with odd values, never answers 5xx.

Each rule is called with every id past the column's range, with NUL and other odd text in its
path, and (with real ids, so the views run to the end) with odd query strings and odd bodies.
Signed in as a country admin, so guarded views parse their input too. Runs on SQLite and on
PostgreSQL, which refuses NUL and large integers that SQLite takes.
"""

from __future__ import annotations

import io
import re

import pytest

from content import attachments, indexing, lessons
from content.demo_files import make_pdf
from network.extensions import db

pytestmark = pytest.mark.both_databases

ODD_INTS = [2**31, 2**63, 2**64 + 7]
ODD_TEXT = ["a%00b", "%ED%A0%80", "..%2F..%2Fetc", "x" * 300]
ODD_QUERIES = [
    "_external=1&_scheme=javascript&_anchor=a&_method=DELETE&endpoint=auth.login&page=2",
    "q=%00&page=%00&kind=%00&country=%00&lang=%00&inline=%00",
    f"from=1&to={2**40}&page={10**20}&per_page=-1&year={2**70}",
    "code=TH&doc_id=1&slug=x&country=ID&country=XX&topic=",
]
ODD_JSON = [
    '{"title": "a\\u0000b", "body_markdown": "\\ud800"}',
    "[1, 2]",
    '"a string"',
    f'{{"title": "x", "translation_of": {2**40}, "order": [{2**40}], "version": {2**70}, "position": {-1}}}',
    '{"title": "x", "visibility": "countries", "shared_with": [null, 1, {}], "topics": [[]], "tags": {}}',
    "{not json",
]
ODD_FORMS = [
    {"title": "a\x00b", "q": "x"},
    {"lesson_id": str(2**40), "version": str(2**70), "direction": "sideways", "from": "edit"},
    {"visibility": "countries", "shared_with": ["XX", "ID"], "shown": "countries:XX", "confirm": "yes"},
]
NEVER_WITH_REAL_IDS = ("delete", "withdraw", "logout", "toggle_active", "revoke", "feed_key")
_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _world(make_user, make_document) -> dict[str, object]:
    """Real rows for the ids of the paths, so views get past their lookups."""
    admin = make_user("ID", "country_admin")
    course = make_document("ID", "network", "published", kind="course", title="Clinic")
    lesson = lessons.add_lesson(admin, course.id, {"title": "First"})
    handout = attachments.add_attachment(admin, course.id, io.BytesIO(make_pdf([["Handout"]])), "handout.pdf")
    real = {"doc_id": course.id, "lesson_id": lesson.id, "attachment_id": handout.id, "number": 1,
            "code": "ID", "slug": "crisis-response"}  # fmt: skip
    return {"admin": admin, "real": real}


def _paths(rule: str, real: dict[str, object]) -> list[tuple[str, bool]]:
    """(path, uses real values): one path per odd value, and one with real values."""
    arguments = _ARGUMENT.findall(rule)

    def build(pick) -> str:
        return _ARGUMENT.sub(lambda m: str(pick(m.group(1) or "default", m.group(2))), rule)

    paths = [(build(lambda _c, name: real.get(name, 1)), True)] if arguments else [(rule, True)]
    if any(kind == "int" for kind, _ in arguments):
        paths += [(build(lambda c, n, v=v: v if c == "int" else real.get(n, "x")), False) for v in ODD_INTS]
    if any(kind in ("default", "string", "path", "") for kind, _ in arguments):
        paths += [(build(lambda c, n, v=v: v if c != "int" else real.get(n, 1)), False) for v in ODD_TEXT]
    return paths


def test_no_url_answers_5xx_to_odd_input(backend, app, client, make_user, make_document, login):
    world = _world(make_user, make_document)
    indexing.rebuild()  # without an index search answers 503 by design (tests/content/test_search_degrade.py)
    login(world["admin"])
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint.endswith(NEVER_WITH_REAL_IDS), r.rule))
    failures: list[str] = []
    calls = 0

    def call(method: str, url: str, **options) -> None:
        nonlocal calls
        calls += 1
        with client.open(url, method=method, headers={"Accept": "application/json"}, **options) as answer:
            if answer.status_code >= 500:
                failures.append(f"{method} {url} {str(options)[:120]}: {answer.status_code}")
        db.session.rollback()  # one failure must not spoil the next request's transaction

    for rule in rules:
        if rule.endpoint == "auth.logout":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for path, real in _paths(rule.rule, world["real"]):
                if real and (method == "DELETE" or rule.endpoint.endswith(NEVER_WITH_REAL_IDS)):
                    continue
                call(method, path)
                if not real:
                    continue
                for query in ODD_QUERIES:
                    call(method, f"{path}?{query}")
                if method in ("POST", "PATCH", "PUT"):
                    for body in ODD_JSON:
                        call(method, path, data=body, content_type="application/json")
                    for form in ODD_FORMS:
                        call(method, path, data=form)
    print(f"odd-input walk: {len(rules)} rules, {calls} requests")  # noqa: T201 -- the figures, with -s
    assert calls > 500
    assert failures == [], "\n".join(failures[:30])


def test_the_walk_reaches_every_argument_kind(app):
    """Guard the walk itself: a new converter kind must get odd values too."""
    found = [kind for rule in app.url_map.iter_rules() for kind, _ in _ARGUMENT.findall(rule.rule)]
    kinds = {kind or "default" for kind in found}
    assert kinds <= {"int", "default", "path"}, kinds
