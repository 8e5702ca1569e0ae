"""Absolute links for mail and the operator: the one place that builds them."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for

from network.config import ConfigError


def absolute_url(endpoint: str, **values: Any) -> str:
    """The full URL of `endpoint`, from the request's host or the app's SERVER_NAME.

    Raises:
        ConfigError: outside a request (the CLI) with no SERVER_NAME to build on.
    """
    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        raise ConfigError("An absolute link needs the site's address outside a request: set SERVER_NAME.")
    return url_for(endpoint, _external=True, **values)
