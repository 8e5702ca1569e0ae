"""The JSON API's shared parts (`/api/v1`): paging and reference data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from network.errors import BadRequest
from network.extensions import csrf, db
from network.guards import signed_in
from network.models import Country

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def paging() -> tuple[int, int]:
    """`page` and `per_page` from the query string, checked against the configured limit."""
    most = current_app.config["PER_PAGE_MAX"]
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError as error:
        raise BadRequest("page and per_page must be whole numbers.") from error
    if page < 1 or not 1 <= per_page <= most:
        raise BadRequest(f"page starts at 1; per_page is between 1 and {most}.")
    return page, per_page


def country_json(country: Country) -> dict[str, Any]:
    return {"code": country.code, "name": country.name, "ministry": country.ministry,
            "default_language": country.default_language}  # fmt: skip


@bp.get("/countries")
def countries():
    rows = db.session.scalars(db.select(Country).order_by(Country.name))
    return jsonify(items=[country_json(c) for c in rows])


@bp.get("/topics")
def topics():
    from content.queries import topics as all_topics

    return jsonify(items=[{"slug": t.slug, "name": t.name} for t in all_topics()])


@bp.get("/me")
@signed_in
def me():
    from network.identity import token_scope

    user = current_user
    return jsonify(
        id=user.id, name=user.name, email=user.email, role=user.role,
        country=user.country_code, token_scope=token_scope(),
    )  # fmt: skip
