"""Where this node lives on the web: absolute URLs, trusted hosts, proxies and secure cookies.

Every absolute URL (invitations, feeds, API `url` fields and `Location` headers, later reset
links and federation) comes from `RNDD_BASE_URL` through :func:`external_url`, never from the
request's `Host` header: a forged host would otherwise end up in a mailed link or a cached feed.
Requests naming any other host are refused with a 400 (Flask's `TRUSTED_HOSTS`).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)

LOCAL_HOSTS = ("localhost", "127.0.0.1")


def external_url(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)` as an absolute URL under the base URL, whatever the request."""
    app = current_app
    if endpoint.startswith(".") and has_request_context() and request.blueprint:
        endpoint = request.blueprint + endpoint
    app.inject_url_defaults(endpoint, values)
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def is_https(app: Flask) -> bool:
    return urlsplit(app.config["BASE_URL"]).scheme == "https"


def trusted_hosts(base_url: str, debug: bool) -> list[str]:
    """The base URL's host; the loopback names too while debugging or when the base is local."""
    host = urlsplit(base_url).hostname or ""
    local = debug or host in LOCAL_HOSTS
    return [host, *(name for name in LOCAL_HOSTS if local and name != host)]


def set_base_url(app: Flask, base_url: str) -> None:
    """Serve at this address: it names the trusted host, and https makes the cookies `Secure`.

    Also for moving the address later (the demo's --host and --port, a test's live server).
    """
    app.config["BASE_URL"] = base_url.rstrip("/")
    app.config["TRUSTED_HOSTS"] = trusted_hosts(base_url, app.config.get("DEBUG", False))
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = is_https(app)


def register(app: Flask) -> None:
    """The base URL's settings, ProxyFix for RNDD_PROXY_HOPS, and the answer to unknown hosts."""
    set_base_url(app, app.config["BASE_URL"])
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.register_error_handler(SecurityError, _unknown_host)


def _unknown_host(error: SecurityError):
    """Plain text: the error pages build links, and links need a host this request does not have."""
    log.warning("refused a request for an untrusted host: %r", request.environ.get("HTTP_HOST", "")[:200])
    message = "This server does not answer for that host name; use the node's own address.\n"
    return message, 400, {"Content-Type": "text/plain; charset=utf-8"}
