"""Sign in, sign out, and accepting an invitation."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from network import second_factor, users
from network.errors import Invalid
from network.extensions import db, limiter
from network.forms import LoginForm, SetPasswordForm
from network.guards import signed_in
from network.models import User

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used to redirect elsewhere."""
    if not target:
        return url_for("content.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("content.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).where(User.email == form.email.data.strip().lower()))
        if user and user.active and user.check_password(form.password.data):
            if second_factor.has_second_factor(user):
                second_factor.remember_pending(user, form.next.data or "")
                return redirect(url_for("signin.verify"))
            second_factor.finish_sign_in(user, "password")
            flash(f"Welcome, {user.name}.", "success")
            return redirect(_safe_next(form.next.data))
        form.password.errors.append("E-mail or password is not right, or the account is inactive.")
    return render_template("auth/login.html", form=form), (422 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    logout_user()
    flash("You are signed out.", "info")
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
            if current_user.is_authenticated:
                logout_user()
            login_user(user)
            flash("Your password is set. Welcome to RNDD Hub.", "success")
            return redirect(url_for("content.home"))
    return render_template("auth/accept_invite.html", form=form, invited=user)
