"""A document's life crosses nodes: created, updated, withdrawn, deleted, republished."""

from __future__ import annotations

import pytest

from content.models import Document
from federation.models import Delivery, Peer
from network.extensions import db


@pytest.mark.both_databases
def test_create_update_withdraw_delete_follow_on_the_peer(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    jakarta.add_peer(bangkok)
    bangkok.add_peer(jakarta)

    doc_id = jakarta.publish("ID", "public", title="Digital diplomacy in Jakarta")
    [outcome] = bangkok.sync()
    assert (outcome.received, outcome.error) == (1, "")
    copy = bangkok.copies()[str(doc_id)]
    assert (copy.title, copy.visibility, copy.country_code, copy.origin_node) == (
        "Digital diplomacy in Jakarta",
        "public",
        "ID",
        "jakarta",
    )
    assert copy.origin_url == f"{jakarta.url}/documents/{doc_id}"

    jakarta.edit("ID", doc_id, title="Digital diplomacy in Jakarta, revised")
    bangkok.sync()
    assert bangkok.copies()[str(doc_id)].title == "Digital diplomacy in Jakarta, revised"

    jakarta.withdraw("ID", doc_id)
    [outcome] = bangkok.sync()
    assert outcome.tombstones == 1 and str(doc_id) not in bangkok.copies()

    second = jakarta.publish("ID", "network", title="Second")
    bangkok.sync()
    assert str(second) in bangkok.copies()
    jakarta.delete("ID", second)
    [outcome] = bangkok.sync()
    assert outcome.tombstones == 1 and bangkok.copies() == {}

    with jakarta.context():  # the origin knows what went where
        peer = db.session.scalar(db.select(Peer).where(Peer.name == "bangkok"))
        rows = {d.document_id: d.deleted for d in db.session.scalars(db.select(Delivery))}
        assert peer is not None and rows == {doc_id: True, second: True}


def test_a_synced_pull_applies_nothing_twice(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    jakarta.add_peer(bangkok)
    bangkok.add_peer(jakarta)
    jakarta.publish("ID", "public")
    bangkok.sync()
    [again] = bangkok.sync()
    assert (again.received, again.ignored) == (0, 0)
    with bangkok.context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 1


def test_a_flash_report_arrives_with_its_urgency_and_sources(make_node):
    from content.models import Mission

    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    jakarta.add_peer(bangkok)
    bangkok.add_peer(jakarta)
    with jakarta.context():
        mission = Mission(country_code="ID", name="Embassy of Indonesia in Yangon")
        db.session.add(mission)
        db.session.commit()
        mission_id = mission.id
    report = {"kind": "report", "mission": mission_id, "urgency": "flash", "concerns": "MM",
              "sources": ["https://example.org/a"]}  # fmt: skip
    doc_id = jakarta.publish("ID", "network", title="Flash: highway closed", **report)
    [outcome] = bangkok.sync()
    assert (outcome.received, outcome.error) == (1, "")
    copy = bangkok.copies()[str(doc_id)]
    fields = (copy.kind, copy.urgency, copy.concerns, copy.sources)
    assert fields == ("report", "flash", "MM", ["https://example.org/a"])
    assert copy.mission_id is None  # missions are the origin's own rows
