"""Peers: registered by the network admin after comparing the key fingerprint out of band,
paused, resumed and removed, each change audited; and a peer's key rotation followed."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from content.models import Document
from federation import client, copies, keys
from federation.models import Peer
from network import access, audit
from network.errors import Conflict, Forbidden, Invalid, NotFound
from network.extensions import db
from network.models import Country, User, utcnow

log = logging.getLogger("rndd.federation")
KEY_CHECK_INTERVAL = timedelta(seconds=60)


def node_countries() -> list[str]:
    """RNDD_NODE_COUNTRIES, or else the countries of this node's active users."""
    configured = current_app.config.get("NODE_COUNTRIES") or []
    if configured:
        return sorted({code.upper() for code in configured})
    query = db.select(User.country_code).where(User.active.is_(True)).distinct()
    return sorted(db.session.scalars(query))


def node_document() -> dict[str, Any]:
    key = keys.node_key()
    return {
        "name": current_app.config["NODE_NAME"],
        "base_url": current_app.config["BASE_URL"],
        "countries": node_countries(),
        "public_key": key.public_key,
        "fingerprint": key.fingerprint,
        "rotations": keys.rotations(),
    }


def _require_admin(actor: Any) -> None:
    if actor is not None and not access.can_manage_peers(actor):
        raise Forbidden(_("Only the network admin manages peers."))


def _described(url: str) -> dict[str, Any]:
    """The peer's node document, checked. Raises Invalid with a message an admin can act on."""
    try:
        found = client.node_document(url)
    except (client.PeerUnreachable, client.PeerRefused, client.BadAnswer) as error:
        raise Invalid({"url": _("No node document at %(url)s: %(error)s", url=url, error=error)}) from error
    name, base, countries = found.get("name"), found.get("base_url"), found.get("countries")
    public_key = found.get("public_key")
    if not (isinstance(name, str) and 0 < len(name) <= 100 and isinstance(base, str) and len(base) <= 300):
        raise Invalid({"url": _("The node document has no usable name or base URL.")})
    if base.rstrip("/") != url.rstrip("/"):
        raise Invalid({"url": _("The node says it lives at %(base)s, not %(url)s.", base=base, url=url)})
    if not (isinstance(countries, list) and all(isinstance(c, str) and len(c) == 2 for c in countries)):
        raise Invalid({"url": _("The node document's countries are not a list of country codes.")})
    try:
        keys.load_public(str(public_key))
    except ValueError as error:
        raise Invalid({"url": _("The node document's public key is not an Ed25519 key.")}) from error
    return {"name": name, "base_url": base.rstrip("/"), "countries": sorted(set(countries)),
            "public_key": public_key, "fingerprint": keys.fingerprint_of(public_key)}  # fmt: skip


def register(actor: Any, url: str) -> Peer:
    """Fetch the node document and keep the peer `pending` until its fingerprint is confirmed.

    Raises: Forbidden, Invalid (unreachable, malformed, or this node's own name), Conflict (known).
    """
    _require_admin(actor)
    found = _described(url.strip())
    config = current_app.config
    if found["name"] == config["NODE_NAME"] or found["base_url"] == config["BASE_URL"]:
        raise Invalid({"url": _("That is this node itself.")})
    unknown = set(found["countries"]) - set(db.session.scalars(db.select(Country.code)))
    if unknown:
        names = ", ".join(sorted(unknown))
        raise Invalid(
            {"url": _("The node hosts countries this network does not have: %(names)s.", names=names)}
        )
    clash = db.select(Peer).where((Peer.name == found["name"]) | (Peer.base_url == found["base_url"]))
    if db.session.scalar(clash) is not None:
        raise Conflict(
            _(
                "A peer named %(name)s or at %(url)s is registered already.",
                name=found["name"],
                url=found["base_url"],
            )
        )
    peer = Peer(state="pending", **found)
    db.session.add(peer)
    db.session.flush()
    _audit(actor, "federation.peer_added", peer, fingerprint=peer.fingerprint, countries=peer.countries)
    db.session.commit()
    return peer


def get(peer_id: int) -> Peer:
    peer = db.session.get(Peer, peer_id)
    if peer is None:
        raise NotFound(_("No such peer."))
    return peer


def by_name(name: str) -> Peer:
    peer = db.session.scalar(db.select(Peer).where(Peer.name == name))
    if peer is None:
        raise NotFound(_("No peer named %(name)s.", name=name))
    return peer


def confirm(actor: Any, peer: Peer, fingerprint: str) -> Peer:
    """Activate a pending peer once the admin confirms the fingerprint they compared.

    Raises: Forbidden, Conflict (not pending), Invalid (another fingerprint).
    """
    _require_admin(actor)
    if peer.state != "pending":
        raise Conflict(_("Only a pending peer is confirmed."))
    if fingerprint.strip() != peer.fingerprint:
        raise Invalid({"fingerprint": _("That is not the fingerprint this peer's node document showed.")})
    return _set_state(actor, peer, "active", "federation.peer_confirmed")


def pause(actor: Any, peer: Peer) -> Peer:
    _require_admin(actor)
    if peer.state != "active":
        raise Conflict(_("Only an active peer is paused."))
    return _set_state(actor, peer, "paused", "federation.peer_paused")


def resume(actor: Any, peer: Peer) -> Peer:
    _require_admin(actor)
    if peer.state != "paused":
        raise Conflict(_("Only a paused peer is resumed."))
    peer.failures, peer.next_attempt_at = 0, None
    return _set_state(actor, peer, "active", "federation.peer_resumed")


def remove(actor: Any, peer: Peer) -> int:
    """Forget the peer, and the copies it sent (nobody would tell us of their withdrawal now)."""
    _require_admin(actor)
    query = db.select(Document).where(Document.origin_node == peer.name)
    docs = list(db.session.scalars(query))
    files = [sha256 for doc in docs for sha256 in copies.remove(doc)]
    _audit(actor, "federation.peer_removed", peer, copies_removed=len(docs))
    db.session.delete(peer)
    db.session.commit()
    copies.clear_unused(files)
    return len(docs)


def _set_state(actor: Any, peer: Peer, state: str, action: str) -> Peer:
    peer.state = state
    _audit(actor, action, peer)
    db.session.commit()
    return peer


def _audit(actor: Any, action: str, peer: Peer, by: str = audit.COMMAND_LINE, **details: Any) -> None:
    """`by` names who acted when no user did: the operator's command line, or the peer itself."""
    email = None if actor is not None else by
    audit.record(actor, action, object_type="peer", object_id=peer.id, title=peer.name, email=email,
                 country=getattr(actor, "country_code", None), base_url=peer.base_url, **details)  # fmt: skip


def refresh_key(peer: Peer, force: bool = False) -> bool:
    """Follow a rotation the peer announced; True when its key changed.

    At most once a minute per peer unless forced (a forged key id must not make us fetch).
    Raises: client errors when the node document cannot be read, keys.RotationRefused.
    """
    now = utcnow()
    if not force and peer.key_checked_at and now - peer.key_checked_at < KEY_CHECK_INTERVAL:
        return False
    peer.key_checked_at = now
    db.session.commit()
    found = client.node_document(peer.base_url)
    announced = found.get("public_key")
    if not isinstance(announced, str) or announced == peer.public_key:
        return False
    new_key = keys.follow_rotations(peer.public_key, announced, found.get("rotations"))
    old = peer.fingerprint
    peer.public_key, peer.fingerprint = new_key, keys.fingerprint_of(new_key)
    _audit(None, "federation.peer_key_rotated", peer, by=f"(peer {peer.name})", old=old, new=peer.fingerprint)
    db.session.commit()
    log.info("peer %s rotated its key: %s -> %s", peer.name, old, peer.fingerprint)
    return True
