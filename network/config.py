"""Configuration from `RNDD_*` environment variables (the README lists them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from search_index.backend import BACKENDS

PREFIX = "RNDD_"
LOCAL_BASE_URL = "http://127.0.0.1:5000"  # debug, tests and `rndd demo` without RNDD_BASE_URL


class ConfigError(RuntimeError):
    """Start-up refused because the configuration is unsafe or incomplete."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else default


def _flag(name: str) -> bool:
    return (_env(name, "") or "").lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str]:
    return [item.strip() for item in (_env(name, "") or "").split(",") if item.strip()]


def from_environment(instance_path: str) -> dict[str, Any]:
    """Build the settings dict; paths default to the instance folder."""
    instance = Path(instance_path)
    max_upload_mb = int(_env("MAX_UPLOAD_MB", "50") or 50)
    return {
        "DEBUG": _flag("DEBUG"),
        "SECRET_KEY": _env("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{instance / 'rndd.sqlite3'}"),
        "INDEX_DIR": _env("INDEX_DIR", str(instance / "index")),
        "SEARCH_BACKEND": _env("SEARCH_BACKEND", "whoosh"),
        "UPLOAD_DIR": _env("UPLOAD_DIR", str(instance / "uploads")),
        "KEY_DIR": _env("KEY_DIR", str(instance / "keys")),
        "MAX_UPLOAD_MB": max_upload_mb,
        "MAX_CONTENT_LENGTH": (max_upload_mb + 1) * 1024 * 1024,
        "REDIS_URL": _env("REDIS_URL"),
        "NODE_NAME": _env("NODE_NAME", "rndd-hub"),
        "NODE_COUNTRIES": _list("NODE_COUNTRIES"),
        "FEDERATION_SYNC_MINUTES": float(_env("FEDERATION_SYNC_MINUTES", "0") or 0),
        "MAIL_SERVER": _env("MAIL_SERVER"),
        "MAIL_PORT": int(_env("MAIL_PORT", "587") or 587),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_USE_TLS": (_env("MAIL_USE_TLS", "1") or "1") not in {"0", "false", "no"},
        "MAIL_SENDER": _env("MAIL_SENDER", "RNDD Hub <no-reply@rndd.invalid>"),
        "INVITE_MAX_AGE_DAYS": int(_env("INVITE_MAX_AGE_DAYS", "7") or 7),
        "BASE_URL": _env("BASE_URL"),
        "PROXY_HOPS": int(_env("PROXY_HOPS", "0") or 0),
        "ALLOWED_IMAGE_HOSTS": _list("ALLOWED_IMAGE_HOSTS"),
        "RESET_MAX_AGE_MINUTES": int(_env("RESET_MAX_AGE_MINUTES", "60") or 60),
        "SESSION_IDLE_MINUTES": int(_env("SESSION_IDLE_MINUTES", "120") or 120),
        "SESSION_MAX_HOURS": int(_env("SESSION_MAX_HOURS", "12") or 12),
        "REQUIRE_2FA": _env("REQUIRE_2FA"),  # None: `admins`, or `none` in tests (network/second_factor.py)
        "EXTRACT_MAX_MB": float(_env("EXTRACT_MAX_MB", "20") or 20),
        "EXTRACT_MAX_SECONDS": float(_env("EXTRACT_MAX_SECONDS", "5") or 5),
        # Writes of this many seconds are applied to the search index in one commit (0: each
        # write request drains after its response).
        "INDEX_BATCH_SECONDS": float(_env("INDEX_BATCH_SECONDS", "0.5") or 0.5),
        # Notifications are derived and sent by the web process after its responses (the
        # embedded default); set 0 when `rndd notify run` runs from a timer instead.
        "NOTIFY_IN_PROCESS": (_env("NOTIFY_IN_PROCESS", "1") or "1") not in {"0", "false", "no"},
    }


DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_DEFAULT": "1200 per minute",
    "LOGIN_RATE_LIMIT": "10 per minute",
    "FEDERATION_RATE_LIMIT": "6000 per minute",
    "INDEX_AFTER_REQUEST": True,
    "PER_PAGE_MAX": 100,
    "API_MAX_BODY": 1024 * 1024,
    "TITLE_MAX": 200,
    "SUMMARY_MAX": 1000,
    "BODY_MAX": 200_000,
    "TAG_MAX": 40,
    "TAGS_MAX": 20,
}


def check(config: dict[str, Any]) -> None:
    """Refuse to start without a secret key unless debugging or testing.

    Raises:
        ConfigError: the secret key is missing outside debug and tests, RNDD_REQUIRE_2FA is unknown,
            RNDD_INDEX_BATCH_SECONDS is out of range, or RNDD_SEARCH_BACKEND is unknown.
    """
    if config.get("REQUIRE_2FA") not in (None, "admins", "all", "none"):
        raise ConfigError("RNDD_REQUIRE_2FA must be admins, all or none.")
    if not 0 <= config.get("INDEX_BATCH_SECONDS", 0) <= 60:
        raise ConfigError("RNDD_INDEX_BATCH_SECONDS must be from 0 to 60 seconds.")
    if config.get("SEARCH_BACKEND", "whoosh") not in BACKENDS:
        raise ConfigError(f"RNDD_SEARCH_BACKEND must be one of {', '.join(BACKENDS)}.")
    if config.get("SECRET_KEY"):
        return
    if config.get("DEBUG") or config.get("TESTING"):
        config["SECRET_KEY"] = os.urandom(32).hex()
        return
    raise ConfigError(
        "RNDD_SECRET_KEY is not set. Set it to a long random value, for example:\n"
        "  export RNDD_SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_hex(32))')\"\n"
        "(it may be left unset only with RNDD_DEBUG=1 or in tests)."
    )


def check_base_url(config: dict[str, Any]) -> None:
    """Every absolute URL is built from RNDD_BASE_URL, never from a request's Host header.

    Raises:
        ConfigError: it is missing outside debug and tests, or it is not a plain http(s) address.
    """
    url = config.get("BASE_URL")
    if not url:
        if config.get("DEBUG") or config.get("TESTING"):
            config["BASE_URL"] = LOCAL_BASE_URL
            return
        raise ConfigError(
            "RNDD_BASE_URL is not set. Set it to the address people use to reach this node, for example:\n"
            "  export RNDD_BASE_URL=https://hub.example.org\n"
            "(links in e-mails, feeds and the API are built from it, and requests for other host names are "
            "refused; it may be left unset only with RNDD_DEBUG=1, in tests, or for `rndd demo`)."
        )
    if not _is_plain_address(url):
        raise ConfigError(
            f"RNDD_BASE_URL must be an http:// or https:// address such as https://hub.example.org "
            f"(a path is allowed; a query, a fragment or a user name are not). It is {url!r}."
        )
    config["BASE_URL"] = url.rstrip("/")


def _is_plain_address(url: str) -> bool:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        return False
    plain = not (parts.query or parts.fragment or "@" in parts.netloc)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and plain
