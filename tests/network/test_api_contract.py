"""Contract test: Schemathesis generates requests from `/api/v1/openapi.json` and checks that the
app never answers 5xx and that every response matches its documented schema.

Bounded and deterministic (derandomised, no shrinking, no example database) so CI stays fast and
repeatable. Runs in-process against the WSGI app, as a country admin with a write token.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode, checks  # noqa: E402

from content import indexing  # noqa: E402
from network.extensions import db  # noqa: E402
from network.models import ApiToken  # noqa: E402
from network.urls import set_base_url  # noqa: E402

# mode -> (examples per operation, checks): valid requests must also match the documented
# responses; invalid ones (wrong types, missing or unknown fields) must only never be a 5xx.
MODES = {
    GenerationMode.POSITIVE: (25, [checks.not_a_server_error, checks.response_schema_conformance]),
    GenerationMode.NEGATIVE: (10, [checks.not_a_server_error]),
}


def _world(make_user, make_document) -> list[int]:
    """Documents in several states of the admin's country and of another, so ids hit real rows."""
    docs = [
        make_document("ID", "public", "published", topics=["crisis-response"], tags=["a"], year=2020),
        make_document("ID", "countries", "published", shared_with=["TH"]),
        make_document("ID", "country", "review"),
        make_document("ID", "network", "withdrawn"),
        make_document("ID", "country", "draft", kind="course"),
        make_document("TH", "country", "published"),
        make_document("TH", "public", "published"),
    ]
    return [doc.id for doc in docs]


@pytest.fixture
def _scratch_in_tmp(tmp_path, monkeypatch):
    """Hypothesis' caches and whatever Schemathesis writes beside the current folder (its
    `.schemathesis/` cache and crash reports) go to the test's own folder, not the working tree."""
    set_hypothesis_home_dir(tmp_path / "hypothesis")
    monkeypatch.chdir(tmp_path)
    yield
    set_hypothesis_home_dir(None)


@pytest.mark.usefixtures("_scratch_in_tmp")
def test_the_api_keeps_its_contract(app, make_user, make_document):
    app.config["INDEX_AFTER_REQUEST"] = False  # the index is not under test; keeps the run short
    set_base_url(app, "http://localhost")  # the host Schemathesis' WSGI client names
    admin = make_user("ID", "country_admin")
    token, clear = ApiToken.issue(admin, scope="write", name="schemathesis")
    db.session.add(token)
    db.session.commit()
    headers = {"Authorization": f"Bearer {clear}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    ids = _world(make_user, make_document)
    indexing.drain()  # an index to search: without one, search answers a (documented) 503
    tally = {"operations": 0, "examples": 0, "statuses": {}}
    failures: list[str] = []

    def run(operation, mode: GenerationMode) -> None:
        examples, checks_to_run = MODES[mode]
        takes_id = any(p.name == "doc_id" for p in operation.path_parameters)

        @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy(generation_mode=mode), real_id=st.none() | st.sampled_from(ids))
        def exercise(case, real_id: int | None) -> None:
            if takes_id and real_id is not None and mode is GenerationMode.POSITIVE:
                case.path_parameters["doc_id"] = real_id  # about half the calls reach a real document
            response = case.call(headers=headers)
            tally["examples"] += 1
            tally["statuses"][response.status_code] = tally["statuses"].get(response.status_code, 0) + 1
            try:
                case.validate_response(response, checks=checks_to_run, headers=headers)
            except (Exception, BaseExceptionGroup) as error:  # collect them all, report them together
                failures.append(f"{mode.value} {operation.label}: {response.status_code} {str(error)[:1500]}")

        try:
            exercise()
        except Unsatisfiable:  # an operation without parameters or body has nothing to make invalid
            assert mode is GenerationMode.NEGATIVE, operation.label

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in sorted(operations, key=lambda op: op.method.upper() == "DELETE"):  # deletes last
        tally["operations"] += 1
        for mode in MODES:
            run(operation, mode)

    print(f"schemathesis: {tally}")  # noqa: T201 -- the figures, with -s
    assert tally["operations"] >= 13
    assert failures == [], "\n\n".join(failures[:10])
    assert not [code for code in tally["statuses"] if code >= 500]
