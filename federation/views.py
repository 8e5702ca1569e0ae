"""The federation protocol (`/federation/v1`): the node document, the feed, the files."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, request, send_file
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from content.attachments import blob_path
from federation import feed, keys, payloads, peers
from federation.auth import signed_by_peer
from network.api import MAX_ID
from network.errors import BadRequest, NotFound
from network.extensions import limiter

bp = Blueprint("federation", __name__, url_prefix="/federation/v1")
# A peer's pull is a thousand requests from one address: a budget of its own, per address (the
# signature is checked in the view, after the limit), in place of the site's default.
limiter.limit(lambda: current_app.config["FEDERATION_RATE_LIMIT"], key_func=get_remote_address)(bp)


@bp.get("/node")
def node():
    """Public: who this node is, the countries it hosts and its key."""
    try:
        return jsonify(peers.node_document())
    except keys.NoNodeKey:
        raise NotFound(_("This node does not federate (it has no node key).")) from None


@bp.get("/changes")
@signed_by_peer
def changes():
    """What the asking peer may hold, after sequence `since`, each item signed by this node."""
    since = _number("since", 0)
    limit = min(max(_number("limit", feed.LIMIT_DEFAULT), 1), feed.LIMIT_MAX)
    return jsonify(feed.changes_for(g.peer, since, limit))


@bp.get("/attachments/<sha256>")
@signed_by_peer
def attachment(sha256: str):
    """A file by checksum, to a peer that may hold a document carrying it (else 404)."""
    if not payloads.is_sha256(sha256):
        abort(404)
    path = blob_path(sha256)
    if not feed.peer_may_fetch(g.peer, sha256) or not path.is_file():
        raise NotFound()
    response = send_file(path, mimetype="application/octet-stream", conditional=False)
    response.headers["Cache-Control"] = "no-store"
    return response


def _number(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_ID:
        raise BadRequest(_("%(name)s must be a whole number from 0 to %(MAX_ID)s.", name=name, MAX_ID=MAX_ID))
    return int(raw)
