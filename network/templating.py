"""What every template can use: the current principal's capabilities, names, dates."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request, url_for

from network import access
from network.api import link_args


def register(app: Flask) -> None:
    from content.models import KINDS, LANGUAGES

    @app.context_processor
    def globals_for_templates() -> dict:
        return {
            "access": access,
            "LANGUAGES": LANGUAGES,
            "KINDS": KINDS,
            "KIND_NAMES": KINDS,
            "node_name": app.config["NODE_NAME"],
        }

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

    @app.template_filter("date")
    def format_date(value: datetime | None) -> str:
        return value.strftime("%d %b %Y") if value else ""

    @app.template_filter("datetime")
    def format_datetime(value: datetime | None) -> str:
        return value.strftime("%d %b %Y, %H:%M UTC") if value else ""

    @app.template_filter("language_name")
    def language_name(code: str) -> str:
        return LANGUAGES.get(code, code)

    @app.template_filter("kind_name")
    def kind_name(kind: str) -> str:
        return KINDS.get(kind, kind)
