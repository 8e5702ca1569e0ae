"""Sign in, sign out, accepting an invitation, and resetting a forgotten password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from network import credentials, resets, second_factor, sessions, users
from network.credentials import TooManyAttempts
from network.errors import Invalid
from network.extensions import limiter
from network.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from network.guards import signed_in

bp = Blueprint("auth", __name__)

# Per client address, on top of the per-account lock (network/credentials.py). A bearer header
# cannot buy another budget here: these limits never look at it.
_per_address = limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=get_remote_address
)


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used to redirect elsewhere."""
    if not target:
        return url_for("content.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("content.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@_per_address
def login():
    form = LoginForm(next=request.args.get("next", ""))
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            user = credentials.authenticate(form.email.data, form.password.data)
        except TooManyAttempts as locked:
            form.password.errors.append(locked.message)
            headers["Retry-After"] = str(locked.minutes * 60)
        except Invalid as error:
            form.password.errors.extend(error.fields.values())
        else:
            if second_factor.has_second_factor(user):
                second_factor.remember_pending(user, form.next.data or "")
                return redirect(url_for("signin.verify"))
            sessions.sign_in(user, "password")
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(_safe_next(form.next.data))
    status = 429 if headers else 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    sessions.sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("content.home"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    user = users.user_for_invite(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = users.accept_invite(token, form.password.data)
        except Invalid as error:
            form.password.errors.extend(error.fields.values())
        else:
            sessions.sign_in(user, "password")
            flash(_("Your password is set. Welcome to RNDD Hub."), "success")
            return redirect(url_for("content.home"))
    return render_template("auth/accept_invite.html", form=form, invited=user), (422 if form.errors else 200)


@bp.route("/password/forgot", methods=["GET", "POST"])
@_per_address
def forgot_password():
    """The same answer, in words and status, whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        resets.request_reset(form.email.data)
        flash(str(resets.REQUESTED), "info")
        return redirect(url_for(".forgot_password"))
    return render_template("auth/forgot_password.html", form=form), (422 if form.errors else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = resets.user_for_reset(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            resets.reset_password(token, form.password.data)
        except Invalid as error:
            form.password.errors.extend(error.fields.values())
        else:
            flash(
                _("Your password is changed, and every session of yours has ended. Sign in with it."),
                "success",
            )
            return redirect(url_for(".login"))
    return render_template("auth/reset_password.html", form=form, user=user), (422 if form.errors else 200)
