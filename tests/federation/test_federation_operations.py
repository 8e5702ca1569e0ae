"""Operating a federation: key rotation, a peer that goes down and comes back, the peers page
and the command line."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

from nodes import PASSWORD, link

from content import indexing
from federation import indexer, keys, peers, sync
from federation.models import Peer
from network.audit import AuditEntry
from network.extensions import db
from network.models import utcnow


def _peer(node, name: str) -> Peer:
    with node.context():
        peer = peers.by_name(name)
        db.session.expunge(peer)
        return peer


def test_keygen_makes_a_private_key_readable_by_its_owner_only(make_node):
    jakarta = make_node("jakarta", ["ID"])
    path = Path(jakarta.folder / "keys" / keys.KEY_FILE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    result = jakarta.app.test_cli_runner().invoke(args=["federation", "keygen"])
    assert result.exit_code == 1 and "rotate-key" in result.output  # never overwritten


def test_a_rotated_key_is_followed_by_peers_in_both_directions(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    link(jakarta, bangkok)
    old = _peer(bangkok, "jakarta").fingerprint
    result = jakarta.app.test_cli_runner().invoke(args=["federation", "rotate-key"])
    assert result.exit_code == 0, result.output
    new = jakarta.run(lambda: keys.node_key().fingerprint)
    assert new != old

    doc = jakarta.publish("ID", "public")
    [outcome] = bangkok.sync()  # items signed by the new key
    assert outcome.error == "" and str(doc) in bangkok.copies()
    assert _peer(bangkok, "jakarta").fingerprint == new
    bangkok.publish("TH", "public")
    [outcome] = jakarta.sync()  # requests signed by the new key: bangkok follows the rotation
    assert outcome.error == "" and outcome.received == 1
    with bangkok.context():
        actions = db.session.scalars(db.select(AuditEntry.action)).all()
        assert "federation.peer_key_rotated" in actions


def test_a_new_key_without_a_signed_rotation_is_refused(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    link(jakarta, bangkok)
    known = _peer(bangkok, "jakarta").fingerprint
    (jakarta.folder / "keys" / keys.KEY_FILE).unlink()  # someone replaces the key outright
    jakarta.run(keys.generate)
    jakarta.publish("ID", "public")

    [outcome] = bangkok.sync()
    assert "RotationRefused" in outcome.error
    assert _peer(bangkok, "jakarta").fingerprint == known
    assert bangkok.copies() == {}


def test_a_peer_down_is_retried_with_backoff_and_catches_up_with_nothing_lost(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    link(jakarta, bangkok)
    first = jakarta.publish("ID", "public", title="Before the outage")
    bangkok.sync()
    jakarta.stop()
    during = [jakarta.publish("ID", "network", title=f"During the outage {n}") for n in range(3)]
    jakarta.withdraw("ID", first)

    [outcome] = bangkok.sync()
    assert "PeerUnreachable" in outcome.error
    down = _peer(bangkok, "jakarta")
    assert down.failures == 1 and down.next_attempt_at is not None and down.last_error
    assert bangkok.sync() == []  # not due yet: the backoff holds

    jakarta.start()
    [outcome] = bangkok.sync("jakarta")  # named: pulled now
    assert (outcome.error, outcome.received, outcome.tombstones) == ("", 3, 1)
    assert set(bangkok.copies()) == {str(doc) for doc in during}
    back = _peer(bangkok, "jakarta")
    assert (back.failures, back.next_attempt_at, back.last_error) == (0, None, "")


def test_the_network_admin_registers_confirms_pauses_and_removes_a_peer_on_its_pages(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    bangkok.add_peer(jakarta)
    admin = jakarta.user("ID", "network_admin")
    client = jakarta.app.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})

    response = client.post("/admin/peers", data={"url": bangkok.url})
    assert response.status_code == 302
    detail = response.headers["Location"]
    page = client.get(detail).get_data(as_text=True)
    fingerprint = bangkok.run(lambda: keys.node_key().fingerprint)
    assert fingerprint in page and "pending" in page
    assert client.post(detail, data={"fingerprint": "sha256:" + "0" * 64}).status_code == 422
    assert _peer(jakarta, "bangkok").state == "pending"
    assert client.post(detail, data={"fingerprint": fingerprint}).status_code == 302
    assert _peer(jakarta, "bangkok").state == "active"

    jakarta.publish("ID", "public")
    peer_id = _peer(jakarta, "bangkok").id
    assert client.post(f"/admin/peers/{peer_id}/pause").status_code == 302
    [outcome] = bangkok.sync()
    assert "403" in outcome.error  # a paused peer is refused
    listing = client.get("/admin/peers").get_data(as_text=True)
    assert "bangkok" in listing and "paused" in listing
    assert client.post(f"/admin/peers/{peer_id}/resume").status_code == 302
    [outcome] = bangkok.sync("jakarta")
    assert outcome.error == "" and outcome.received == 1

    assert client.post(f"/admin/peers/{peer_id}/remove").status_code == 302
    with jakarta.context():
        assert db.session.scalar(db.select(Peer)) is None
        actions = db.session.scalars(
            db.select(AuditEntry.action).where(AuditEntry.object_type == "peer")
        ).all()
    assert actions == ["federation.peer_added", "federation.peer_confirmed", "federation.peer_paused",
                       "federation.peer_resumed", "federation.peer_removed"]  # fmt: skip


def test_only_the_network_admin_reaches_the_peers_pages(make_node):
    jakarta = make_node("jakarta", ["ID"])
    admin = jakarta.user("ID", "country_admin")
    client = jakarta.app.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert client.get("/admin/peers").status_code == 403


def test_the_command_line_adds_lists_and_syncs_peers(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    jakarta.add_peer(bangkok)
    jakarta.publish("ID", "public")
    cli = bangkok.app.test_cli_runner()
    refused = cli.invoke(args=["federation", "add-peer", jakarta.url], input="n\n")
    assert refused.exit_code == 0 and "stays pending" in refused.output
    assert _peer(bangkok, "jakarta").state == "pending"
    cli.invoke(args=["federation", "remove", "jakarta"])
    added = cli.invoke(args=["federation", "add-peer", jakarta.url, "--yes"])
    assert added.exit_code == 0 and "jakarta is active" in added.output, added.output
    synced = cli.invoke(args=["federation", "sync"])
    assert synced.exit_code == 0 and "jakarta: 1 received" in synced.output, synced.output
    listed = cli.invoke(args=["federation", "peers"])
    assert "jakarta\tactive" in listed.output and "received 1" in listed.output
    unknown = cli.invoke(args=["federation", "add-peer", "http://127.0.0.1:9"])
    assert unknown.exit_code == 1 and "No node document" in unknown.output


def test_one_pull_of_a_peer_at_a_time(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    link(jakarta, bangkok)
    jakarta.publish("ID", "public")
    with bangkok.context():  # another process holds the lease
        peer = peers.by_name("jakarta")
        peer.sync_lease_until = utcnow() + timedelta(minutes=5)
        db.session.commit()
    [outcome] = bangkok.sync("jakarta")
    assert outcome.error == "another sync of this peer is running" and bangkok.copies() == {}
    with bangkok.context():  # that process died: its lease runs out
        peers.by_name("jakarta").sync_lease_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    [outcome] = bangkok.sync("jakarta")
    assert outcome.error == "" and outcome.received == 1
    assert _peer(bangkok, "jakarta").sync_lease_until is None


def test_serve_sync_needs_its_interval(make_node):
    jakarta = make_node("jakarta", ["ID"])
    result = jakarta.app.test_cli_runner().invoke(args=["federation", "serve-sync"])
    assert result.exit_code == 1 and "RNDD_FEDERATION_SYNC_MINUTES" in result.output


def test_a_long_pull_is_indexed_alongside_and_the_index_agrees(make_node, monkeypatch):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    link(jakarta, bangkok)
    monkeypatch.setattr(sync, "PAGE_LIMIT", 2)  # five pages: the second process starts
    started = []
    monkeypatch.setattr(indexer.Alongside, "start", _counting(indexer.Alongside.start, started))
    for n in range(9):
        jakarta.publish("ID", "public", title=f"Cable {n}", body_markdown=f"submarine cable {n}")
    [outcome] = bangkok.sync()
    assert outcome.received == 9 and started
    with bangkok.context():
        assert indexing.verify().is_clean
        hits = indexing.search_index().search("submarine", {"public"})
        assert hits.total == 9


def _counting(method, calls):
    def wrapper(self):
        calls.append(1)
        return method(self)

    return wrapper
