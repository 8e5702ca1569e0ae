"""Who is asking: session users (Flask-Login) and bearer tokens for the API."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, g, request
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from sqlalchemy.orm import joinedload

from network import guards, sessions
from network.extensions import db, login_manager
from network.models import ApiToken, User, utcnow

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


class Anonymous(AnonymousUserMixin):
    role = None
    country_code = None
    id = None
    is_country_admin = False
    is_network_admin = False
    can_author = False


def register(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.localize_callback = str  # the lazy message, in the language of the request
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_user_from_token)
    login_manager.unauthorized_handler(guards.unauthorized)


def load_user(user_id: str) -> User | None:
    """The session's user, only while its server-side session row is live (network/sessions.py);
    so Flask-Login's remember-me cookie, which carries no session key, never signs anyone in.
    A request that carries a bearer token is the token's alone."""
    if not user_id.isdigit() or bearer_token(request):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    return user if sessions.live_session(user.id) else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def load_user_from_token(request: Request) -> User | None:
    """Authenticate an API call by its bearer token; inactive users' tokens fail at once."""
    clear = bearer_token(request)
    if not clear:
        return None
    # The user (and, through it, the country) in the same query: one round trip per API call.
    query = (
        db.select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == ApiToken.digest(clear))
    )
    token = db.session.scalar(query)
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now
        db.session.commit()
    g.api_token = token
    return token.user


def token_scope() -> str | None:
    """The scope of the bearer token of this request, or None for a browser session."""
    token = g.get("api_token")
    return token.scope if token else None
