"""Who receives what: the audience holds on every node, and a node that may not hold a
document never learns of it, not even on the wire."""

from __future__ import annotations

import pytest
from nodes import link


def _uids(page: dict) -> list[str]:
    return [item["payload"]["uid"] for item in page["items"]]


def test_country_documents_drafts_reviews_and_withdrawn_never_leave(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    link(jakarta, bangkok)
    shared = jakarta.publish("ID", "public")
    own = jakarta.publish("ID", "country", title="Kemlu only")
    draft = jakarta.draft("ID", title="Not yet")
    withdrawn = jakarta.publish("ID", "network")
    jakarta.withdraw("ID", withdrawn)

    page = bangkok.feed(jakarta)
    assert _uids(page) == [str(shared)]
    assert page["has_more"] is False
    bangkok.sync()
    assert set(bangkok.copies()) == {str(shared)}
    assert {str(own), str(draft), str(withdrawn)}.isdisjoint(bangkok.copies())


def test_countries_documents_go_only_to_nodes_hosting_the_owner_or_a_shared_country(make_node):
    jakarta = make_node("jakarta", ["ID"])
    bangkok, tokyo = make_node("bangkok", ["TH", "LA"]), make_node("tokyo", ["JP"])
    link(jakarta, bangkok, tokyo)
    for_thailand = jakarta.publish("ID", "countries", ["TH"], title="For Thailand")
    for_everyone = jakarta.publish("ID", "network", title="For the network")

    bangkok.sync()
    tokyo.sync()
    assert set(bangkok.copies()) == {str(for_thailand), str(for_everyone)}
    assert set(tokyo.copies()) == {str(for_everyone)}
    copy = bangkok.copies()[str(for_thailand)]
    assert (copy.visibility, copy.shared_with) == ("countries", ["TH"])


@pytest.mark.both_databases
def test_narrowing_removes_the_copy_exactly_where_access_was_lost(make_node):
    jakarta = make_node("jakarta", ["ID"])
    bangkok, tokyo, hanoi = (
        make_node("bangkok", ["TH"]),
        make_node("tokyo", ["JP"]),
        make_node("hanoi", ["VN"]),
    )
    link(jakarta, bangkok, tokyo, hanoi)
    doc = jakarta.publish("ID", "countries", ["TH", "VN"], title="Shared with two")
    for node in (bangkok, tokyo, hanoi):
        node.sync()
    tokyo_before = tokyo.feed(jakarta)
    assert str(doc) in bangkok.copies() and str(doc) in hanoi.copies()

    jakarta.edit("ID", doc, visibility="countries", shared_with=["VN"])  # Thailand loses it

    bangkok_page = bangkok.feed(jakarta, since=bangkok.run(_cursor, "jakarta"))
    assert [item["payload"] for item in bangkok_page["items"]] == [
        {
            "uid": str(doc),
            "origin": "jakarta",
            "version": bangkok_page["items"][0]["payload"]["version"],
            "deleted": True,
        }
    ]  # a tombstone with nothing of the content
    hanoi_page = hanoi.feed(jakarta, since=hanoi.run(_cursor, "jakarta"))
    assert _uids(hanoi_page) == [str(doc)] and hanoi_page["items"][0]["payload"]["shared_with"] == ["VN"]
    # Tokyo never had it: its feed after the narrowing is the same as before it, and empty.
    tokyo_after = tokyo.feed(jakarta)
    assert tokyo_after["items"] == tokyo_before["items"] == []
    assert tokyo.feed(jakarta, since=tokyo.run(_cursor, "jakarta"))["items"] == []

    for node in (bangkok, tokyo, hanoi):
        node.sync()
    assert str(doc) not in bangkok.copies()
    assert hanoi.copies()[str(doc)].shared_with == ["VN"]
    assert tokyo.copies() == {}

    jakarta.edit("ID", doc, visibility="network", shared_with=[])  # widened again: it returns
    bangkok.sync()
    assert bangkok.copies()[str(doc)].visibility == "network"


def test_a_peer_registered_late_receives_the_whole_history_it_may_hold(make_node):
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    early = jakarta.publish("ID", "public", title="Early")
    jakarta.edit("ID", early, title="Early, edited")
    gone = jakarta.publish("ID", "public", title="Gone")
    jakarta.delete("ID", gone)
    withdrawn = jakarta.publish("ID", "public", title="Withdrawn")
    jakarta.withdraw("ID", withdrawn)
    later = jakarta.publish("ID", "countries", ["TH"], title="For Thailand")

    link(jakarta, bangkok)  # registered after all of it
    page = bangkok.feed(jakarta)
    assert sorted(_uids(page)) == sorted([str(early), str(later)])  # no tombstone for what it never had
    [outcome] = bangkok.sync()
    assert (outcome.received, outcome.tombstones, outcome.error) == (2, 0, "")
    assert bangkok.copies()[str(early)].title == "Early, edited"


def _cursor(name: str) -> int:
    from federation import peers

    return peers.by_name(name).cursor


def test_copies_are_never_passed_on(make_node):
    jakarta, bangkok, tokyo = (
        make_node("jakarta", ["ID"]),
        make_node("bangkok", ["TH"]),
        make_node("tokyo", ["JP"]),
    )
    link(jakarta, bangkok)
    link(bangkok, tokyo)  # tokyo knows bangkok only
    jakarta.publish("ID", "public", title="Jakarta's")
    bangkok.sync()
    own = bangkok.publish("TH", "public", title="Bangkok's")
    assert _uids(tokyo.feed(bangkok)) == [str(own)]
    tokyo.sync()
    assert [copy.title for copy in tokyo.copies().values()] == ["Bangkok's"]
