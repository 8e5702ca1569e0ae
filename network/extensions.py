"""Flask extensions, created once and bound in `create_app`."""

import sqlite3
from typing import Any

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    """SQLite ignores foreign keys (and so every ON DELETE) unless asked, per connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def rate_limit_key() -> str:
    """Count per API token or signed-in user where there is one, else per address: many users
    behind one ministry's proxy must not share one budget. A bearer token counts only once the
    request loader has verified it (g.api_token): a made-up header buys no budget of its own."""
    from flask import g
    from flask_login import current_user

    if current_user and current_user.is_authenticated:  # loads the user, verifying any token
        token = g.get("api_token")
        return f"token:{token.id}" if token is not None else f"user:{current_user.id}"
    return get_remote_address()


limiter = Limiter(key_func=rate_limit_key)
