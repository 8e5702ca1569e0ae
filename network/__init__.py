"""RNDD Hub: the Flask application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from network import config as settings
from network import security, urls
from network.extensions import csrf, db, limiter, login_manager, migrate


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Load configuration, bind extensions, register blueprints; nothing else."""
    app = Flask(__name__)
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment(app.instance_path))
    app.config.update(config or {})
    settings.check(app.config)
    settings.check_base_url(app.config)
    _prepare_folders(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    csrf.init_app(app)
    login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)

    from content import api as content_api
    from content import course_api, course_views, feeds, glossary_views, indexing, search_views
    from content import views as content_views
    from network import (
        account,
        admin,
        api,
        auth,
        cli,
        errors,
        identity,
        openapi,
        templating,
        tokens,
        users_api,
    )
    from network.accounts import bp as accounts_bp
    from network.audit_views import api as audit_api
    from network.audit_views import bp as audit_bp

    urls.register(app)
    security.register(app)
    identity.register(app)
    errors.register(app)
    templating.register(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(users_api.bp)
    app.register_blueprint(content_views.bp)
    app.register_blueprint(content_api.bp)
    app.register_blueprint(search_views.bp)
    app.register_blueprint(search_views.api)
    app.register_blueprint(glossary_views.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(audit_api)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(course_views.bp)
    app.register_blueprint(course_api.bp)
    from network import second_factor, security_views, signin_views

    app.register_blueprint(security_views.bp)
    app.register_blueprint(signin_views.bp)
    from network import language_views

    app.register_blueprint(language_views.bp)
    second_factor.register(app)
    indexing.register(app)
    cli.register(app)
    import federation
    import notify

    federation.register(app)
    from content import report_views

    app.register_blueprint(report_views.bp)
    app.register_blueprint(report_views.api)
    notify.register(app)
    logging.getLogger("rndd").setLevel(logging.INFO)
    return app


def _migrations_dir() -> str:
    """The migrations ship as a package, so an installed copy finds them too."""
    import migrations

    return str(Path(migrations.__file__).resolve().parent)


def _prepare_folders(app: Flask) -> None:
    for key in ("INDEX_DIR", "UPLOAD_DIR"):
        Path(app.config[key]).parent.mkdir(parents=True, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
