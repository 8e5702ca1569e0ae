"""Configuration from `RNDD_*` environment variables (DESIGN section 5)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PREFIX = "RNDD_"


class ConfigError(RuntimeError):
    """Start-up refused because the configuration is unsafe or incomplete."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else default


def _flag(name: str) -> bool:
    return (_env(name, "") or "").lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict[str, Any]:
    """Build the settings dict; paths default to the instance folder."""
    instance = Path(instance_path)
    max_upload_mb = int(_env("MAX_UPLOAD_MB", "50") or 50)
    return {
        "DEBUG": _flag("DEBUG"),
        "SECRET_KEY": _env("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{instance / 'rndd.sqlite3'}"),
        "INDEX_DIR": _env("INDEX_DIR", str(instance / "index")),
        "UPLOAD_DIR": _env("UPLOAD_DIR", str(instance / "uploads")),
        "MAX_UPLOAD_MB": max_upload_mb,
        "MAX_CONTENT_LENGTH": (max_upload_mb + 1) * 1024 * 1024,
        "REDIS_URL": _env("REDIS_URL"),
        "NODE_NAME": _env("NODE_NAME", "rndd-hub"),
        "MAIL_SERVER": _env("MAIL_SERVER"),
        "MAIL_PORT": int(_env("MAIL_PORT", "587") or 587),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_USE_TLS": (_env("MAIL_USE_TLS", "1") or "1") not in {"0", "false", "no"},
        "MAIL_SENDER": _env("MAIL_SENDER", "RNDD Hub <no-reply@rndd.invalid>"),
        "INVITE_MAX_AGE_DAYS": int(_env("INVITE_MAX_AGE_DAYS", "7") or 7),
        "EXTRACT_MAX_MB": float(_env("EXTRACT_MAX_MB", "20") or 20),
        "EXTRACT_MAX_SECONDS": float(_env("EXTRACT_MAX_SECONDS", "5") or 5),
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
        ConfigError: the secret key is missing outside debug and tests.
    """
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
