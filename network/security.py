"""Security headers on every response, set in one place.

The Content-Security-Policy allows scripts and styles only from this node's own files (no inline
code, so an injected `<script>` or `style=` does nothing) and images only from this node plus
`RNDD_ALLOWED_IMAGE_HOSTS`: an external image in a restricted document is a tracking pixel that
tells a third party who read it and when. Responses that set a stricter policy of their own
(attachment downloads) keep it.
"""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, request

from network.config import ConfigError
from network.urls import is_https

HSTS = "max-age=31536000"
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
                    "payment", "usb")
)  # fmt: skip
# An attachment shown inline runs nothing and loads nothing, and no page may frame it.
FILE_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"
# An exported document: its own inline style and embedded (data:) images, nothing else, no script.
EXPORT_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
)
# Chromium's PDF viewer breaks under `sandbox` or `default-src` on the PDF itself (crbug 271452).
PDF_POLICY = "frame-ancestors 'none'"
_IMAGE_SOURCE = re.compile(r"(https?://)?(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]{1,5})?", re.IGNORECASE)


def image_sources(hosts: list[str]) -> list[str]:
    """CSP sources for the allowed image hosts; a bare host name means https only.

    Raises:
        ConfigError: an entry is not a host name (it could smuggle in other CSP directives).
    """
    sources = []
    for host in hosts:
        if not _IMAGE_SOURCE.fullmatch(host):
            raise ConfigError(
                f"RNDD_ALLOWED_IMAGE_HOSTS: {host!r} is not a host name; give comma-separated names "
                "such as images.example.org, *.example.org or https://cdn.example.org:8443."
            )
        sources.append(host if "://" in host else f"https://{host}")
    return sources


def content_security_policy(hosts: list[str]) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(["'self'", *image_sources(hosts)]),
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def register(app: Flask) -> None:
    headers = {
        "Content-Security-Policy": content_security_policy(app.config.get("ALLOWED_IMAGE_HOSTS") or []),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if request.is_secure or is_https(current_app):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
