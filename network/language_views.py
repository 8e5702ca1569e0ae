"""The language picker: a signed-in user's choice is saved on the account, a visitor's in a cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from network import i18n, users
from network.auth import _safe_next
from network.errors import Invalid
from network.extensions import csrf
from network.urls import is_https

bp = Blueprint("language", __name__)


def _same_site_referrer() -> str | None:
    """Back to the page the picker was on. The form does not carry that page's path: a page's body
    would then differ by its path, and the 404 of a hidden document must equal that of a missing one."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "") if referrer.path else None


@bp.route("/language", methods=["POST"])
@csrf.exempt
def choose():
    """A visitor's choice needs no token (it only sets their own cookie, and asking for one would
    give every anonymous page a session); a signed-in user's changes the account, so it does."""
    if current_user.is_authenticated and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as error:
            raise CSRFError(str(error)) from error
    code = request.form.get("language", "")
    if code not in i18n.interface_languages():
        raise Invalid({"language": _("Choose one of the languages offered.")})
    if current_user.is_authenticated:
        users.set_interface_language(current_user, code)
    response = redirect(_safe_next(request.form.get("next") or _same_site_referrer()))
    response.set_cookie(
        i18n.COOKIE, code, max_age=i18n.COOKIE_SECONDS, samesite="Lax", httponly=True,
        secure=is_https(current_app),
    )  # fmt: skip
    return response
