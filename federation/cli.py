"""`rndd federation ...`: the node key, peers, and pulling their feeds."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from federation import keys, peers, sync
from federation.models import Peer
from network.errors import DomainError, Invalid
from network.extensions import db


@click.group("federation")
def federation_group() -> None:
    """Exchange shared documents with peer nodes."""


def _fail(message: str) -> None:
    click.echo(message, err=True)
    raise SystemExit(1)


@federation_group.command("keygen")
@with_appcontext
def keygen() -> None:
    """Make this node's Ed25519 key (once; rotate-key replaces it)."""
    try:
        key = keys.generate()
    except FileExistsError as error:
        _fail(str(error))
    click.echo(f"Node key made in {keys.key_dir()}.\nFingerprint: {key.fingerprint}")


@federation_group.command("rotate-key")
@with_appcontext
def rotate_key() -> None:
    """Replace the key; the new one is announced signed by the old one, and peers follow."""
    try:
        old = keys.node_key().fingerprint
    except keys.NoNodeKey as error:
        _fail(str(error))
    new = keys.rotate()
    click.echo(f"Key rotated: {old} -> {new.fingerprint}")


@federation_group.command("add-peer")
@click.argument("url")
@click.option("--yes", is_flag=True, help="Confirm without asking (you compared the fingerprint already).")
@with_appcontext
def add_peer(url: str, yes: bool) -> None:
    """Register the node at URL after you confirm its key fingerprint."""
    try:
        peer = peers.register(None, url)
    except DomainError as error:
        _fail(_message(error))
    click.echo(f"{peer.name} at {peer.base_url} hosts {', '.join(peer.countries) or 'no countries'}.")
    click.echo(f"Its key fingerprint: {peer.fingerprint}")
    if not yes and not click.confirm("Does it match the fingerprint its operator gave you?"):
        click.echo(f"{peer.name} stays pending; confirm it later on the peers page.")
        return
    peers.confirm(None, peer, peer.fingerprint)
    click.echo(f"{peer.name} is active.")


@federation_group.command("peers")
@with_appcontext
def list_peers() -> None:
    """Every peer with its state, cursor and last error."""
    for peer in db.session.scalars(db.select(Peer).order_by(Peer.name)):
        click.echo(f"{peer.name}\t{peer.state}\t{peer.base_url}\tcursor {peer.cursor}\t"
                   f"received {peer.items_received}\ttombstones {peer.tombstones_applied}\t"
                   f"refused {peer.items_refused}\t{peer.last_error or 'ok'}")  # fmt: skip


@federation_group.command("sync")
@click.option("--peer", "name", help="Pull this peer now, even if its retry is not due.")
@with_appcontext
def sync_command(name: str | None) -> None:
    """Pull the changes of every due peer (or one) and index them; exit 1 if a pull failed."""
    try:
        outcomes = sync.sync(name)
    except DomainError as error:
        _fail(_message(error))
    for o in outcomes:
        state = f"failed: {o.error}" if o.error else "ok"
        click.echo(f"{o.peer}: {o.received} received, {o.tombstones} tombstones, {o.ignored} ignored, "
                   f"{o.refused} refused; {state}")  # fmt: skip
    if any(o.error for o in outcomes):
        raise SystemExit(1)


@federation_group.command("serve-sync")
@with_appcontext
def serve_sync() -> None:
    """Pull every RNDD_FEDERATION_SYNC_MINUTES until stopped (APScheduler)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    minutes = current_app.config.get("FEDERATION_SYNC_MINUTES")
    if not minutes:
        _fail("Set RNDD_FEDERATION_SYNC_MINUTES to pull peers periodically.")
    app = current_app._get_current_object()

    def pull() -> None:
        with app.app_context():
            for o in sync.sync():
                click.echo(f"{o.peer}: {o.received} received, {o.tombstones} tombstones; {o.error or 'ok'}")

    scheduler = BlockingScheduler()
    scheduler.add_job(pull, "interval", minutes=minutes, max_instances=1, coalesce=True)
    click.echo(f"Pulling peers every {minutes} minutes (Ctrl+C stops).")
    pull()
    scheduler.start()


def _peer_command(name: str, action) -> None:
    try:
        action(None, peers.by_name(name))
    except DomainError as error:
        _fail(_message(error))


@federation_group.command("pause")
@click.argument("name")
@with_appcontext
def pause(name: str) -> None:
    """Stop exchanging with a peer (its copies stay)."""
    _peer_command(name, peers.pause)
    click.echo(f"{name} paused.")


@federation_group.command("resume")
@click.argument("name")
@with_appcontext
def resume(name: str) -> None:
    """Exchange with a paused peer again."""
    _peer_command(name, peers.resume)
    click.echo(f"{name} resumed.")


@federation_group.command("remove")
@click.argument("name")
@with_appcontext
def remove(name: str) -> None:
    """Forget a peer and the copies it sent."""
    _peer_command(name, peers.remove)
    click.echo(f"{name} removed.")


def _message(error: DomainError) -> str:
    if isinstance(error, Invalid):
        return "; ".join(error.fields.values())
    return error.message
