"""A user's own API tokens and private feed key (`/account/tokens`).

Both are credentials that work without a password, so each is shown in clear exactly once
(tokens) or only to its owner (the feed key), and each can be revoked at once.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from network import audit
from network.errors import Invalid, NotFound
from network.extensions import db
from network.form_messages import Form
from network.forms import ActionForm, require_submitted
from network.guards import signed_in
from network.models import TOKEN_SCOPES, ApiToken, User, utcnow
from network.urls import external_url

bp = Blueprint("tokens", __name__, url_prefix="/account")

SCOPE_CHOICES = [
    SelectChoice("read", _l("Read: fetch documents and search, as you")),
    SelectChoice("write", _l("Write: also create, edit, publish and delete, as you")),
]


class TokenForm(Form):
    name = StringField(
        _l("Name"), validators=[Length(max=100)], description=_l("What uses it, e.g. 'news monitor'.")
    )
    scope = SelectField(_l("Scope"), choices=SCOPE_CHOICES, default="read")


def _audit(holder: User, action: str, object_type: str, object_id: Any, title: str, **more: Any) -> None:
    """An entry about the holder's credential; they act unless the operator does (`email`)."""
    actor = None if "email" in more else holder
    audit.record(actor, action, object_type=object_type, object_id=object_id, title=title,
                 country=holder.country_code, **more)  # fmt: skip


def issue_token(owner: User, name: str, scope: str, from_cli: bool = False) -> tuple[ApiToken, str]:
    """A new token of `owner`; the clear text is returned once and only its hash is kept.

    `from_cli`: the operator issues it with `rndd tokens create`, so the owner is not the actor.

    Raises: Invalid for an unknown scope.
    """
    if scope not in TOKEN_SCOPES:
        raise Invalid({"scope": _("Use one of %(choices)s.", choices=", ".join(TOKEN_SCOPES))})
    token, clear = ApiToken.issue(owner, scope=scope, name=name.strip()[:100])
    db.session.add(token)
    db.session.flush()
    by_operator = {"email": audit.COMMAND_LINE, "owner": owner.email} if from_cli else {}
    _audit(owner, "token.created", "token", token.id, token.name, scope=scope, **by_operator)
    db.session.commit()
    return token, clear


def revoke_token(owner: User, token_id: int) -> ApiToken:
    """Raises: NotFound for a token that is not the owner's (they look the same as missing)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != owner.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        _audit(owner, "token.revoked", "token", token.id, token.name)
    db.session.commit()
    return token


def renew_feed_key(owner: User) -> str:
    """A new private-feed key; the previous URL stops working."""
    owner.feed_key = secrets.token_urlsafe(32)
    _audit(owner, "feed_key.renewed", "user", owner.id, owner.email)
    db.session.commit()
    return owner.feed_key


def revoke_feed_key(owner: User) -> None:
    if owner.feed_key is not None:
        owner.feed_key = None
        _audit(owner, "feed_key.revoked", "user", owner.id, owner.email)
    db.session.commit()


def own_tokens(owner: User) -> list[ApiToken]:
    query = db.select(ApiToken).where(ApiToken.user_id == owner.id).order_by(ApiToken.created_at.desc())
    return list(db.session.scalars(query))


def _page(form: TokenForm, clear: str | None = None, status: int = 200):
    feed_url = external_url("feeds.private", key=current_user.feed_key) if current_user.feed_key else None
    return render_template(
        "tokens/tokens.html", tokens=own_tokens(current_user), form=form, clear=clear,
        action=ActionForm(), feed_url=feed_url,
    ), status  # fmt: skip


@bp.route("/tokens", methods=["GET", "POST"])
@signed_in
def token_list():
    form = TokenForm()
    if form.validate_on_submit():
        _token, clear = issue_token(current_user, form.name.data or "", form.scope.data)
        return _page(TokenForm(formdata=None), clear=clear)
    return _page(form, status=422 if form.errors else 200)


@bp.post("/tokens/<int:token_id>/revoke")
@signed_in
def revoke(token_id: int):
    require_submitted()
    token = revoke_token(current_user, token_id)
    flash(_("Token %(name)s is revoked: it no longer works.", name=token.name or token.id), "success")
    return redirect(url_for(".token_list"))


@bp.post("/feed-key")
@signed_in
def feed_key():
    require_submitted()
    renew_feed_key(current_user)
    flash(_("Your private feed has a new address; the old one no longer works."), "success")
    return redirect(url_for(".token_list"))


@bp.post("/feed-key/revoke")
@signed_in
def feed_key_revoke():
    require_submitted()
    revoke_feed_key(current_user)
    flash(_("Your private feed is switched off."), "success")
    return redirect(url_for(".token_list"))
