"""One's own account: the password and the signed-in sessions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from network import resets, sessions
from network.credentials import TooManyAttempts
from network.errors import Invalid
from network.forms import ActionForm, ChangePasswordForm, require_submitted
from network.guards import signed_in

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            resets.change_password(current_user, form.current.data, form.password.data)
        except TooManyAttempts as locked:
            form.current.errors.append(locked.message)
            status = 429
        except Invalid as error:
            for name, problem in error.fields.items():
                getattr(form, name).errors.append(problem)
        else:
            flash(_("Your password is changed; your other sessions have ended."), "success")
            return redirect(url_for(".session_list"))
    status = status if status != 200 else (422 if form.errors else 200)
    return render_template("account/password.html", form=form), status


@bp.route("/sessions")
@signed_in
def session_list():
    rows = sessions.active_sessions(current_user)
    return render_template(
        "account/sessions.html", rows=rows, is_current=sessions.is_current, action=ActionForm()
    )


@bp.route("/sessions/<session_id>/revoke", methods=["POST"])
@signed_in
def revoke(session_id: str):
    require_submitted()
    sessions.revoke(current_user, session_id)
    flash(_("That session has ended."), "success")
    return redirect(url_for(".session_list"))


@bp.route("/sessions/revoke-all", methods=["POST"])
@signed_in
def revoke_all():
    """Sign out everywhere, this browser included."""
    require_submitted()
    sessions.end_all(current_user, reason="signed out everywhere")
    sessions.sign_out()
    flash(_("You are signed out everywhere."), "info")
    return redirect(url_for("auth.login"))
