"""Domain errors raised by services, and the one place that renders them.

Views never build error responses by hand: a service raises, and the handlers below answer
with an HTML page or the JSON shape of docs/api.md, whichever the request wants.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from network.extensions import login_manager

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of the errors services raise; `status` and `code` name the HTTP answer."""

    status = 400
    code = "invalid"
    default_message = _l("The request could not be processed.")

    def __init__(self, message: str | None = None, **details: Any) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.details = details


class NotFound(DomainError):
    status, code = 404, "not_found"
    default_message = _l("Not found, or you do not have permission to see it.")


class Forbidden(DomainError):
    status, code = 403, "forbidden"
    default_message = _l("You are not allowed to do that.")


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"
    default_message = _l("Sign in, or send a valid API token.")


class Invalid(DomainError):
    """Bad input; `fields` maps each field name to what is wrong with it."""

    status, code = 422, "invalid"
    default_message = _l("Some fields are not valid.")

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message, fields=fields)
        self.fields = fields


class Conflict(DomainError):
    status, code = 409, "conflict"
    default_message = _l("This was changed by someone else in the meantime.")


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unavailable(DomainError):
    """A dependency is down; `retry_after` (seconds) goes out as the Retry-After header."""

    status, code = 503, "unavailable"
    default_message = _l("The service is unavailable for a moment. Please try again shortly.")
    retry_after = 15


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    """API paths and JSON requests always answer JSON; elsewhere the Accept header decides."""
    if request.path.startswith(("/api/", "/federation/")) or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, code: str, message: str, **details: Any) -> Response | tuple:
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        body.update({k: v for k, v in details.items() if v is not None})
        return jsonify(error=body), status
    template = f"errors/{status}.html" if status in (403, 404, 500, 503) else "errors/generic.html"
    return render_template(template, status=status, code=code, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        response = app.make_response(error_response(error.status, error.code, error.message, **error.details))
        if getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: Exception):
        """The database is down or unreachable: 503, and a page that needs no query (shown as
        signed out: loading the user would ask the database). Pooled connections are checked
        before use (pool_pre_ping), so service returns by itself when the database does."""
        log.error("database unavailable on %s %s: %s", request.method, request.path, error)
        g._login_user = login_manager.anonymous_user()
        return domain_error(Unavailable())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        code = HTTP_CODES.get(status, "error")
        response = error_response(status, code, error.description or error.name)
        if status == 405 and error.get_response().headers.get("Allow"):
            response = app.make_response(response)
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error", str(_l("Something went wrong on our side.")))
