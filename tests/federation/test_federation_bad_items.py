"""The receiver refuses what a peer should not have sent, and never stores half a document.

A fake peer (tests/federation/fake_peer.py) serves crafted pages and files over real HTTP to a
real node; every assertion reads the receiving node's own database and upload folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fake_peer import FakePeer
from werkzeug.wrappers import Response

from content.attachments import blob_path, temp_dir
from content.models import Document
from federation import client, keys, peers
from federation.models import Peer, Received
from network.extensions import db
from network.models import utcnow


@pytest.fixture
def fake() -> Iterator[FakePeer]:
    peer = FakePeer("lima", ("ID",))
    yield peer
    peer.close()


@pytest.fixture
def receiver(make_node, fake):
    node = make_node("bangkok", ["TH"])
    register(node, fake)
    return node


def register(node, fake: FakePeer) -> None:
    """What the network admin does: register the peer, compare the fingerprint, confirm."""
    with node.context():
        peer = peers.register(None, fake.url)
        assert peer.fingerprint == fake.key.fingerprint
        peers.confirm(None, peer, fake.key.fingerprint)


def peer_state(node, name: str = "lima") -> dict[str, Any]:
    with node.context():
        peer = db.session.scalar(db.select(Peer).where(Peer.name == name))
        return {column: getattr(peer, column) for column in (
            "cursor", "items_received", "items_refused", "tombstones_applied", "failures",
            "next_attempt_at", "last_error", "last_success_at")}  # fmt: skip


def stored(node) -> dict[str, Any]:
    """What the receiver holds of its peers' documents: copies and received versions."""
    with node.context():
        docs = db.session.scalars(db.select(Document)).all()
        received = db.session.scalars(db.select(Received)).all()
        return {
            "copies": {doc.origin_id: (doc.origin_node, doc.title) for doc in docs},
            "received": {(row.origin, row.uid): (row.version, row.deleted) for row in received},
        }


def leftovers(node, sha256: str) -> dict[str, Any]:
    """What the receiver's upload folder keeps of a file: its blob, and any temporary file."""
    with node.context():
        folder = temp_dir()
        return {"blob": blob_path(sha256).exists(),
                "tmp": sorted(p.name for p in folder.iterdir()) if folder.exists() else []}  # fmt: skip


NOTHING_LEFT = {"blob": False, "tmp": []}


# --- one item refused, its neighbours applied ---------------------------------------------------


def test_a_forged_item_is_refused_and_its_good_neighbours_applied(receiver, fake):
    fake.publish(fake.payload("1"))
    forged = fake.publish(fake.payload("2", title="What the origin signed"))
    forged["payload"]["title"] = "What someone wrote after signing"
    stranger = keys.NodeKey(Ed25519PrivateKey.generate())
    fake.log.append(fake.item(3, fake.payload("3"), key=stranger))  # signed, by a key lima never had
    fake.publish(fake.payload("4"))

    [outcome] = receiver.sync()

    assert (outcome.received, outcome.refused, outcome.error) == (2, 2, "")
    assert all("signature does not verify" in refusal for refusal in outcome.refusals)
    assert stored(receiver) == {
        "copies": {"1": ("lima", "Document 1, version 1"), "4": ("lima", "Document 4, version 1")},
        "received": {("lima", "1"): (1, False), ("lima", "4"): (1, False)},
    }
    state = peer_state(receiver)
    assert (state["cursor"], state["items_received"], state["items_refused"]) == (4, 2, 2)
    assert state["failures"] == 0
    assert state["last_error"] == ""


def test_an_item_naming_an_origin_that_is_not_a_peer_is_refused(receiver, fake):
    fake.publish(fake.payload("1", origin="somewhere-else"))
    fake.publish(fake.payload("2"))

    [outcome] = receiver.sync()

    assert (outcome.received, outcome.refused, outcome.error) == (1, 1, "")
    assert "not a peer of this node" in outcome.refusals[0]
    assert stored(receiver) == {"copies": {"2": ("lima", "Document 2, version 1")},
                                "received": {("lima", "2"): (1, False)}}  # fmt: skip
    assert peer_state(receiver)["items_refused"] == 1


def test_a_relay_cannot_sign_for_another_peer(receiver, fake):
    """An item relayed for another peer must carry that peer's signature, not the relay's."""
    other = FakePeer("manila", ("PH",))
    try:
        register(receiver, other)
        fake.publish(fake.payload("1", origin="manila", country="PH"))
        fake.publish(fake.payload("2"))

        outcome = receiver.sync("lima")[0]

        assert (outcome.received, outcome.refused) == (1, 1)
        assert set(stored(receiver)["copies"]) == {"2"}
    finally:
        other.close()


def test_an_item_of_a_country_the_peer_does_not_host_is_refused(receiver, fake):
    fake.publish(fake.payload("1", country="VN"))  # lima was registered hosting ID only
    fake.publish(fake.payload("2"))

    [outcome] = receiver.sync()

    assert (outcome.received, outcome.refused, outcome.error) == (1, 1, "")
    assert "does not host VN" in outcome.refusals[0]
    assert stored(receiver) == {"copies": {"2": ("lima", "Document 2, version 1")},
                                "received": {("lima", "2"): (1, False)}}  # fmt: skip
    state = peer_state(receiver)
    assert (state["items_refused"], state["cursor"]) == (1, 2)


WRONG_SHAPES = {
    "kind-not-text": {"kind": {"case_study": 1}},
    "attachments-not-a-list": {"attachments": "none"},
    "lesson-without-title": {"lessons": [{"position": 1}]},
    "a-draft": {"status": "draft"},
    "unshared-audience": {"visibility": "country"},
    "year-not-a-year": {"year": True},
    "nul-in-title": {"title": "Title\x00"},
}


def test_items_of_the_wrong_shape_are_refused_and_the_sync_goes_on(receiver, fake):
    for number, change in enumerate(WRONG_SHAPES.values(), 1):
        fake.publish(fake.payload(str(number), **change))
    fake.publish(fake.payload("good"))

    [outcome] = receiver.sync()

    assert (outcome.received, outcome.refused, outcome.error) == (1, len(WRONG_SHAPES), "")
    assert stored(receiver) == {"copies": {"good": ("lima", "Document good, version 1")},
                                "received": {("lima", "good"): (1, False)}}  # fmt: skip
    assert peer_state(receiver)["items_refused"] == len(WRONG_SHAPES)


def test_an_item_whose_language_is_not_text_is_refused_not_a_crash(receiver, fake):
    """A bad item is counted and skipped, whatever its shape: never an exception out of sync."""
    fake.publish(fake.payload("1", language=["en"]))
    fake.publish(fake.payload("2"))

    [outcome] = receiver.sync()

    assert (outcome.received, outcome.refused, outcome.error) == (1, 1, "")
    assert set(stored(receiver)["copies"]) == {"2"}
    assert peer_state(receiver)["items_refused"] == 1


def test_an_attachment_entry_without_a_lesson_key_does_not_break_the_sync(receiver, fake):
    """DESIGN lists an attachment as {sha256, size, filename, content_type}: `lesson` may be absent.
    The item is either applied or refused and counted, but the sync must not fail on it."""
    entry = fake.attachment(b"Agenda of the meeting.\n")
    del entry["lesson"]
    fake.publish(fake.payload("1", attachments=[entry]))
    fake.publish(fake.payload("2"))

    [outcome] = receiver.sync()

    assert outcome.error == ""
    assert outcome.received + outcome.refused == 2
    assert "2" in stored(receiver)["copies"]
    assert peer_state(receiver)["cursor"] == 2


# --- versions never go back ---------------------------------------------------------------------


def test_a_replayed_older_version_is_ignored(receiver, fake):
    fake.publish(fake.payload("1", version=2, title="Version two"))
    receiver.sync()
    fake.publish(fake.payload("1", version=1, title="Version one, replayed"))

    [outcome] = receiver.sync()

    assert (outcome.received, outcome.ignored, outcome.refused) == (0, 1, 0)
    assert stored(receiver) == {"copies": {"1": ("lima", "Version two")},
                                "received": {("lima", "1"): (2, False)}}  # fmt: skip

    fake.publish(fake.payload("1", version=1, title="Version one, again"))
    fake.publish(fake.payload("1", version=2, title="Version two, altered at the same number"))
    [outcome] = receiver.sync()

    assert (outcome.received, outcome.ignored) == (0, 2)
    assert stored(receiver)["copies"] == {"1": ("lima", "Version two")}
    assert peer_state(receiver)["cursor"] == 4


@pytest.mark.parametrize("replayed", [1, 2], ids=["older", "same-version"])
def test_a_tombstoned_document_does_not_come_back_with_an_older_live_version(receiver, fake, replayed):
    fake.publish(fake.payload("1", version=1))
    receiver.sync()
    assert set(stored(receiver)["copies"]) == {"1"}
    fake.publish(fake.tombstone("1", version=2))
    [outcome] = receiver.sync()
    assert outcome.tombstones == 1 and stored(receiver)["copies"] == {}

    fake.publish(fake.payload("1", version=replayed, title="Back from the dead"))
    [outcome] = receiver.sync()

    assert (outcome.received, outcome.ignored) == (0, 1)
    assert stored(receiver) == {"copies": {}, "received": {("lima", "1"): (2, True)}}


def test_a_tombstone_and_an_older_live_version_on_one_page(receiver, fake):
    fake.publish(fake.tombstone("1", version=3))
    fake.publish(fake.payload("1", version=2, title="Older than its tombstone"))

    [outcome] = receiver.sync()

    assert outcome.received == 0 and outcome.ignored == 1
    assert stored(receiver) == {"copies": {}, "received": {("lima", "1"): (3, True)}}


# --- a whole page refused: nothing stored, cursor kept, retried later ---------------------------


def _good_items(fake: FakePeer) -> list[dict[str, Any]]:
    return [fake.item(1, fake.payload("1")), fake.item(2, fake.payload("2"))]


BAD_PAGES = {
    "malformed-json": lambda fake: b'{"origin": "lima", "items": [',
    "not-an-object": lambda fake: json.dumps(_good_items(fake)).encode(),
    "items-not-a-list": lambda fake: {"origin": "lima", "items": {"1": _good_items(fake)[0]}, "next": 1,
                                      "has_more": False},
    "items-missing": lambda fake: {"origin": "lima", "next": 2, "has_more": False},
    "next-not-a-number": lambda fake: {**fake.page(_good_items(fake)), "next": "2"},
    "has-more-not-a-bool": lambda fake: {**fake.page(_good_items(fake)), "has_more": "no"},
    "out-of-order": lambda fake: fake.page(_good_items(fake)[::-1], next_seq=2),
    "same-seq-twice": lambda fake: fake.page([fake.item(1, fake.payload("1")),
                                              fake.item(1, fake.payload("2"))]),
    "seq-beyond-next": lambda fake: fake.page(_good_items(fake), next_seq=1),
    "seq-zero": lambda fake: fake.page([fake.item(0, fake.payload("1")), fake.item(1, fake.payload("2"))]),
    "seq-not-a-number": lambda fake: fake.page([{**fake.item(1, fake.payload("1")), "seq": "1"}], next_seq=1),
    "item-not-an-object": lambda fake: fake.page([fake.item(1, fake.payload("1")), "item 2"], next_seq=2),
    "another-origin": lambda fake: fake.page(_good_items(fake), origin="manila"),
}  # fmt: skip


def _serve(fake: FakePeer, body: Any) -> None:
    if isinstance(body, bytes):
        fake.answer = lambda request: Response(body, mimetype="application/json")
    else:
        fake.serve_page(body)


def assert_page_refused(node, outcome, cursor: int, failures: int = 1) -> dict[str, Any]:
    assert outcome.error and "BadAnswer" in outcome.error
    state = peer_state(node)
    assert state["cursor"] == cursor
    assert state["failures"] == failures
    assert state["next_attempt_at"] is not None and state["next_attempt_at"] > utcnow()
    assert state["last_error"] == outcome.error
    assert (outcome.received, outcome.refused) == (0, 0)
    return state


def test_a_bad_page_is_refused_whole_and_retried_later(receiver, fake):
    for failures, (name, bad_page) in enumerate(BAD_PAGES.items(), 1):
        _serve(fake, bad_page(fake))

        [outcome] = receiver.sync("lima")  # forced: the peer is backing off after the first

        assert "BadAnswer" in outcome.error, name
        assert_page_refused(receiver, outcome, cursor=0, failures=failures)
        assert stored(receiver) == {"copies": {}, "received": {}}, name
        assert receiver.sync() == [], name  # backing off: not due before next_attempt_at


def test_a_page_that_does_not_follow_the_cursor_is_refused(receiver, fake):
    fake.publish(fake.payload("1"))
    fake.publish(fake.payload("2"))
    receiver.sync()
    assert peer_state(receiver)["cursor"] == 2

    # the peer answers from the start again, whatever the cursor, with a new document among the old
    fake.serve_page(fake.page([*fake.log, fake.item(3, fake.payload("3"))]))
    [outcome] = receiver.sync("lima")
    first = assert_page_refused(receiver, outcome, cursor=2)

    fake.serve_page(fake.page([], next_seq=1))  # `next` going back
    [outcome] = receiver.sync("lima")
    second = assert_page_refused(receiver, outcome, cursor=2, failures=2)
    assert second["next_attempt_at"] > first["next_attempt_at"]  # the backoff grows

    assert set(stored(receiver)["copies"]) == {"1", "2"}

    fake.answer = None  # behaving again: the forced sync applies what it missed
    fake.publish(fake.payload("3"))
    [outcome] = receiver.sync("lima")
    assert (outcome.received, outcome.error) == (1, "")
    state = peer_state(receiver)
    assert (state["cursor"], state["failures"], state["next_attempt_at"]) == (3, 0, None)
    assert state["last_error"] == ""


def test_a_page_larger_than_the_cap_is_refused_without_holding_it(receiver, fake):
    head = json.dumps(fake.page([fake.item(1, fake.payload("1"))]))[:-1].encode() + b', "padding": "'
    chunk = b"x" * client.CHUNK

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(client.PAGE_MAX // len(chunk) + 2):
            yield chunk
        yield b'"}'

    fake.answer = lambda request: Response(body(), mimetype="application/json")
    started = time.monotonic()

    [outcome] = receiver.sync()

    assert time.monotonic() - started < 15
    assert "larger than" in outcome.error
    assert_page_refused(receiver, outcome, cursor=0)
    assert stored(receiver) == {"copies": {}, "received": {}}


def test_cursor_past_end_makes_the_receiver_read_the_feed_again_from_zero(receiver, fake):
    for uid in "12345":
        fake.publish(fake.payload(uid))
    receiver.sync()
    assert peer_state(receiver)["cursor"] == 5

    fake.log = fake.log[:3]  # the peer was restored from an older backup: its log ends at 3
    [outcome] = receiver.sync("lima")

    assert "cursor_past_end" in outcome.error
    state = peer_state(receiver)
    assert (state["cursor"], state["failures"]) == (0, 1)
    assert state["next_attempt_at"] is not None

    fake.publish(fake.payload("6"))  # its log goes on from 3: seq 4 is a new document
    [outcome] = receiver.sync("lima")

    assert (outcome.error, outcome.received, outcome.ignored) == ("", 1, 3)
    assert set(stored(receiver)["copies"]) == {"1", "2", "3", "4", "5", "6"}
    assert peer_state(receiver)["cursor"] == 4


# --- attachments --------------------------------------------------------------------------------


def test_attachments_whose_bytes_do_not_match_are_refused_and_leave_nothing(receiver, fake):
    good = fake.attachment(b"The agenda, as announced.\n")
    swapped = fake.attachment(b"The minutes, as announced.\n", served=b"The minutes, as rewritten.\n")
    longer = fake.attachment(b"A short note.\n", served=b"A short note.\nAnd a long tail. " * 1000)
    shorter = fake.attachment(b"A note that is cut short.\n", served=b"A note that")
    assert len(swapped["sha256"]) == 64 and swapped["size"] == len(b"The minutes, as rewritten.\n")
    fake.publish(fake.payload("1", attachments=[good]))
    fake.publish(fake.payload("2", attachments=[good, swapped]))
    fake.publish(fake.payload("3", attachments=[longer]))
    fake.publish(fake.payload("4", attachments=[shorter]))

    [outcome] = receiver.sync()

    assert (outcome.received, outcome.refused, outcome.error) == (1, 3, "")
    assert "do not match" in outcome.refusals[0] and "more bytes" in outcome.refusals[1]
    assert stored(receiver) == {"copies": {"1": ("lima", "Document 1, version 1")},
                                "received": {("lima", "1"): (1, False)}}  # fmt: skip
    for entry in (swapped, longer, shorter):
        assert leftovers(receiver, entry["sha256"]) == NOTHING_LEFT
    with receiver.context():
        assert blob_path(good["sha256"]).read_bytes() == b"The agenda, as announced.\n"
    state = peer_state(receiver)
    assert (state["items_refused"], state["cursor"], state["last_error"]) == (3, 4, "")


def test_a_file_of_a_refused_type_is_refused_and_not_kept(receiver, fake):
    """Bytes that match their checksum but that this node does not accept (a Windows program)."""
    program = fake.attachment(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56, filename="notes.txt")
    fake.publish(fake.payload("1", attachments=[program]))
    fake.publish(fake.payload("2"))

    [outcome] = receiver.sync()

    assert (outcome.received, outcome.refused, outcome.error) == (1, 1, "")
    assert "Windows program" in outcome.refusals[0]
    assert set(stored(receiver)["copies"]) == {"2"}
    assert leftovers(receiver, program["sha256"]) == NOTHING_LEFT


def test_an_attachment_the_peer_does_not_serve_refuses_its_item(receiver, fake):
    missing = fake.attachment(b"Never served.\n")
    del fake.files[missing["sha256"]]
    fake.publish(fake.payload("1", attachments=[missing]))
    fake.publish(fake.payload("2"))

    [outcome] = receiver.sync()

    assert (outcome.received, outcome.refused, outcome.error) == (1, 1, "")
    assert set(stored(receiver)["copies"]) == {"2"}
    assert leftovers(receiver, missing["sha256"]) == NOTHING_LEFT


# --- a peer that does not answer ----------------------------------------------------------------


def test_a_silent_peer_costs_a_bounded_time_and_loses_nothing(receiver, fake, monkeypatch):
    monkeypatch.setattr(client, "TIMEOUT", (0.5, 0.5))
    fake.publish(fake.payload("1"))
    fake.publish(fake.payload("2"))
    fake.stall()

    started = time.monotonic()
    [outcome] = receiver.sync()
    elapsed = time.monotonic() - started

    assert elapsed < 3
    assert "PeerUnreachable" in outcome.error
    state = peer_state(receiver)
    assert (state["cursor"], state["failures"]) == (0, 1)
    assert state["next_attempt_at"] > utcnow()
    assert stored(receiver) == {"copies": {}, "received": {}}

    fake.release()
    assert receiver.sync() == []  # not due yet
    [outcome] = receiver.sync("lima")  # forced

    assert (outcome.received, outcome.error) == (2, "")
    assert set(stored(receiver)["copies"]) == {"1", "2"}
    state = peer_state(receiver)
    assert (state["cursor"], state["failures"], state["next_attempt_at"]) == (2, 0, None)


def test_a_peer_that_stops_answering_mid_page_keeps_what_came_before(receiver, fake, monkeypatch):
    monkeypatch.setattr(client, "TIMEOUT", (0.5, 0.5))
    fake.publish(fake.payload("1"))
    fake.publish(fake.payload("2", attachments=[fake.attachment(b"Slow to come.\n")]))
    fake.publish(fake.payload("3"))
    fake.stall("/federation/v1/attachments/")

    started = time.monotonic()
    [outcome] = receiver.sync()

    assert time.monotonic() - started < 3
    assert "PeerUnreachable" in outcome.error
    assert set(stored(receiver)["copies"]) == {"1"}
    state = peer_state(receiver)
    assert (state["cursor"], state["failures"]) == (1, 1)

    fake.release()
    [outcome] = receiver.sync("lima")

    assert (outcome.received, outcome.error) == (2, "")
    assert set(stored(receiver)["copies"]) == {"1", "2", "3"}
    assert peer_state(receiver)["cursor"] == 3


def test_a_page_cut_short_is_an_error_and_stores_nothing(receiver, fake, monkeypatch):
    """Headers and half a page, then silence: the read timeout ends it, nothing is applied."""
    monkeypatch.setattr(client, "TIMEOUT", (0.5, 0.5))
    body = json.dumps(fake.page([fake.item(1, fake.payload("1"))])).encode()

    def trickle() -> Iterator[bytes]:
        yield body[: len(body) // 2]
        time.sleep(2)
        yield body[len(body) // 2 :]

    fake.answer = lambda request: Response(trickle(), mimetype="application/json")
    started = time.monotonic()
    [outcome] = receiver.sync()

    assert time.monotonic() - started < 2
    assert "PeerUnreachable" in outcome.error
    assert peer_state(receiver)["cursor"] == 0
    assert stored(receiver) == {"copies": {}, "received": {}}
