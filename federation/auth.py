"""Who is asking: a registered peer whose fresh, unreplayed signature verifies (else 401)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from federation import client, httpsig, keys, peers
from federation.models import Peer, SeenNonce
from network.errors import Forbidden, Unauthorized
from network.extensions import db
from network.models import utcnow

log = logging.getLogger("rndd.federation")
NONCE_KEPT = httpsig.MAX_AGE + timedelta(minutes=1)


class SignatureRequired(Unauthorized):
    code = "signature_refused"
    default_message = _l("Sign the request as a registered peer node (RFC 9421, Ed25519).")


def signed_by_peer(view: Callable) -> Callable:
    """The view runs for an active peer only; it finds it in `g.peer`."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        g.peer = authenticated_peer()
        return view(*args, **kwargs)

    wrapper.guard = "peer_signature"  # type: ignore[attr-defined]
    return wrapper


def authenticated_peer() -> Peer:
    """Raises SignatureRequired (401) for anything but a fresh signature of a known peer,
    Forbidden when that peer is paused."""
    try:
        keyid, nonce = httpsig.signature_params(request.headers)
        peer = _peer_of(keyid)
        httpsig.verify(_message(), lambda kid: _public_key(peer, kid))
        _spend(nonce)
    except httpsig.SignatureRefused as error:
        log.warning("federation request refused from %s: %s", request.remote_addr, error)
        raise SignatureRequired() from None
    if not peer.is_active:
        raise Forbidden(_("This node has paused or not yet confirmed yours."))
    return peer


def _peer_of(keyid: str) -> Peer:
    base_url, fingerprint = httpsig.split_key_id(keyid)
    peer = db.session.scalar(db.select(Peer).where(Peer.base_url == base_url))
    if peer is None:
        raise httpsig.SignatureRefused(f"no peer at {base_url}")
    if fingerprint != peer.fingerprint:
        try:
            peers.refresh_key(peer)  # a rotation announced since: follow it (at most once a minute)
        except (client.PeerUnreachable, client.PeerRefused, client.BadAnswer, keys.RotationRefused) as error:
            message = f"{peer.name}: unknown key, and no rotation to it ({error})"
            raise httpsig.SignatureRefused(message) from None
    if fingerprint != peer.fingerprint:
        raise httpsig.SignatureRefused(f"{peer.name}: not its current key")
    return peer


def _public_key(peer: Peer, keyid: str):
    current = httpsig.key_id(peer.base_url, peer.fingerprint)
    return keys.load_public(peer.public_key) if keyid == current else None


def _message() -> httpsig.Message:
    """The request as it was addressed to this node: its configured base URL, not the Host header."""
    query = request.query_string.decode("latin-1")
    url = current_app.config["BASE_URL"] + request.path + (f"?{query}" if query else "")
    return httpsig.Message(request.method, url, request.headers)


def _spend(nonce: str) -> None:
    """A nonce counts once; kept a little longer than a signature stays fresh."""
    db.session.execute(db.delete(SeenNonce).where(SeenNonce.seen_at < utcnow() - NONCE_KEPT))
    db.session.add(SeenNonce(nonce=nonce))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise httpsig.SignatureRefused("replayed: this nonce was used already") from None
