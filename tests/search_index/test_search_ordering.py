"""Two drainers that read the database at different moments must not undo each other."""

from __future__ import annotations


def test_an_older_version_never_replaces_a_newer_one(index, make_record):
    newer = make_record(id=7, version=3, title="Published portal")
    older = make_record(id=7, version=2, title="Draft portal")
    index.apply([(7, newer)], watermark=12)
    index.apply([(7, older)], watermark=11)  # the slower drainer arrives last
    assert index.entries() == {7: [3]}
    assert index.watermark() == 12
    assert index.search("published", {"public"}).total == 1


def test_the_same_or_a_newer_version_is_applied(index, make_record):
    index.apply([(8, make_record(id=8, version=1, title="First"))], watermark=1)
    index.apply([(8, make_record(id=8, version=1, title="Again"))], watermark=2)
    index.apply([(8, make_record(id=8, version=4, title="Later"))], watermark=3)
    assert index.entries() == {8: [4]}
    assert index.search("later", {"public"}).total == 1
