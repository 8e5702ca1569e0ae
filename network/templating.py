"""What every template can use: the current principal's capabilities, names, dates, numbers."""

from __future__ import annotations

from flask import Flask, request, send_from_directory, url_for
from flask_babel import format_decimal

from network import access, i18n, labels
from network.api import link_args


def register(app: Flask) -> None:
    from content.models import KINDS, LANGUAGES

    i18n.register(app)

    @app.context_processor
    def globals_for_templates() -> dict:
        return {
            "access": access,
            "LANGUAGES": LANGUAGES,
            "KINDS": KINDS,
            "KIND_NAMES": KINDS,
            "URGENCIES": labels.URGENCIES,
            "node_name": app.config["NODE_NAME"],
        }

    @app.route("/favicon.ico")
    def favicon():
        """Browsers ask for /favicon.ico whatever the page links; the same SVG answers."""
        return send_from_directory(app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)

    @app.template_global()
    def url_toggle(name: str, value: str) -> str:
        """This page's URL with one filter value added or removed (and back to page 1)."""
        args = link_args()
        values = args.getlist(name)
        args.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
        args.pop("page", None)
        return url_for(request.endpoint, **request.view_args, **args.to_dict(flat=False))

    @app.template_global()
    def url_page(number: int, endpoint: str | None = None) -> str:
        """This page's URL (or `endpoint`'s, with the same path) at another page, same filters."""
        args = link_args()
        args["page"] = str(number)
        return url_for(endpoint or request.endpoint, **request.view_args, **args.to_dict(flat=False))

    @app.template_filter("language_name")
    def language_name(code: str) -> str:
        return i18n.language_name(code, LANGUAGES.get(code))

    @app.template_filter("country_name")
    def country_name(country) -> str:
        """A country (or anything with `code` and `name`) named in the interface's language."""
        return i18n.country_name(country.code, country.name) if country else ""

    for filter_name, table in (
        ("role_name", labels.ROLES),
        ("status_name", labels.STATUSES),
        ("visibility_name", labels.VISIBILITIES),
        ("level_name", labels.LEVELS),
        ("peer_state", labels.PEER_STATES),
        ("scope_name", labels.TOKEN_SCOPES),
        ("urgency_name", labels.URGENCIES),
        ("kind_name", KINDS),
    ):
        app.add_template_filter(lambda code, table=table: labels.name(table, code), filter_name)

    @app.template_filter("number")
    def number(value: int | float) -> str:
        return format_decimal(value)
