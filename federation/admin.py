"""The network admin's peer pages: register (after comparing the fingerprint), status, pause,
resume, remove."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, URLField
from wtforms.validators import DataRequired, Length

from federation import keys, peers
from federation.models import Peer
from network.errors import Invalid
from network.extensions import db
from network.form_messages import Form
from network.forms import ActionForm, require_submitted
from network.guards import role_required

bp = Blueprint("peers", __name__, url_prefix="/admin/peers", template_folder="templates")
network_admin = role_required("network_admin")


class PeerForm(Form):
    url = URLField(_l("Node address"), validators=[DataRequired(), Length(max=300)])


class ConfirmForm(Form):
    fingerprint = StringField(_l("Fingerprint the peer's operator gave you"), validators=[DataRequired()])


@bp.route("", methods=["GET", "POST"])
@network_admin
def peer_list():
    form = PeerForm()
    if form.validate_on_submit():
        try:
            peer = peers.register(current_user, form.url.data)
        except Invalid as error:
            form.url.errors = [*form.url.errors, *error.fields.values()]
        else:
            return redirect(url_for(".peer_detail", peer_id=peer.id))
    try:
        own = keys.node_key().fingerprint
    except keys.NoNodeKey:
        own = None
    listed = db.session.scalars(db.select(Peer).order_by(Peer.name))
    return render_template("federation/peers.html", peers=list(listed), form=form, own=own,
                           action=ActionForm()), 422 if form.errors else 200  # fmt: skip


@bp.route("/<int:peer_id>", methods=["GET", "POST"])
@network_admin
def peer_detail(peer_id: int):
    peer = peers.get(peer_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            peers.confirm(current_user, peer, form.fingerprint.data)
        except Invalid as error:
            form.fingerprint.errors = [*form.fingerprint.errors, *error.fields.values()]
        else:
            flash(
                _("%(name)s is active: this node now exchanges shared documents with it.", name=peer.name),
                "success",
            )
            return redirect(url_for(".peer_detail", peer_id=peer.id))
    return render_template("federation/peer.html", peer=peer, form=form,
                           action=ActionForm()), 422 if form.errors else 200  # fmt: skip


def _act(peer_id: int, act, done: str):
    require_submitted()
    peer = peers.get(peer_id)
    name = peer.name
    act(current_user, peer)
    flash(done.format(name=name), "success")


@bp.post("/<int:peer_id>/pause")
@network_admin
def pause(peer_id: int):
    _act(peer_id, peers.pause, "{name} is paused: nothing is exchanged with it until you resume it.")
    return redirect(url_for(".peer_detail", peer_id=peer_id))


@bp.post("/<int:peer_id>/resume")
@network_admin
def resume(peer_id: int):
    _act(peer_id, peers.resume, "{name} is active again.")
    return redirect(url_for(".peer_detail", peer_id=peer_id))


@bp.post("/<int:peer_id>/remove")
@network_admin
def remove(peer_id: int):
    _act(peer_id, peers.remove, "{name} is removed, with the copies it had sent.")
    return redirect(url_for(".peer_list"))
