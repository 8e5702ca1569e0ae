"""View guards. Every endpoint is either guarded here or on the public allow-list in tests.

Public views may still show documents, but only through the access policy.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from network.errors import Forbidden, Unauthorized, wants_json
from network.extensions import login_manager


def signed_in(view: Callable) -> Callable:
    """Any active, signed-in user."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapper.guard = "signed_in"  # type: ignore[attr-defined]
    return wrapper


def role_required(*roles: str) -> Callable[[Callable], Callable]:
    """Signed in with one of `roles`; others get 403 (the page itself is no secret)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                raise Forbidden(_("Your role does not allow this page."))
            return view(*args, **kwargs)

        wrapper.guard = "role:" + ",".join(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def unauthorized():
    """Flask-Login's hook: JSON 401 for the API, the login page for people."""
    if wants_json():
        raise Unauthorized()
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
