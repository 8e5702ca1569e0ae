"""Hits without their bodies: stored text only as long as snippets read, hits shown again made
from the searcher's cache, and drains that read versions, not stored fields."""

from __future__ import annotations

import pytest
from whoosh.reading import SegmentReader

from search_index import hits
from search_index.schema import META_ID, STORED_TEXT_CHARS

PUBLIC = {"public"}


@pytest.fixture
def stored_reads(monkeypatch) -> list[dict]:  # type: ignore[no-untyped-def]
    """The stored fields every segment read from now on (searchers opened later)."""
    reads: list[dict] = []
    real = SegmentReader.stored_fields

    def counted(self, docnum):  # type: ignore[no-untyped-def]
        fields = real(self, docnum)
        reads.append(fields)
        return fields

    monkeypatch.setattr(SegmentReader, "stored_fields", counted)
    return reads


def test_only_the_start_of_a_long_text_is_stored(index, make_record, stored_reads):
    start, far = "Marsh rendezvous of envoys. ", " Late quorlbend note."
    body = start + "filler words here " * (STORED_TEXT_CHARS // 18) + far
    index.apply([(1, make_record(id=1, title="Long report", summary="About envoys.", body=body))], 1)
    near = index.search("rendezvous", PUBLIC)
    assert "<mark>rendezvous</mark>" in near.hits[0].snippet_html
    assert len(stored_reads[-1]["body"]) == STORED_TEXT_CHARS
    late = index.search("quorlbend", PUBLIC)  # all of it is searched; beyond the stored start
    assert late.total == 1 and late.hits[0].snippet_html == "About envoys."  # as before: the summary


def test_hits_shown_again_read_no_stored_fields(index, make_record, stored_reads):
    notes = [(n, make_record(id=n, title=f"Embassy note {n}", body="Embassy hours.")) for n in (1, 2, 3)]
    index.apply(notes, 1)
    stored_reads.clear()
    first = index.search("embassy", PUBLIC)
    assert sorted(fields["id"] for fields in stored_reads) == ["1", "2", "3"]  # once each
    stored_reads.clear()
    assert index.search("embassy", PUBLIC) == first
    assert stored_reads == []
    other = index.search("hours", PUBLIC)  # other words: marked afresh
    assert [hit.id for hit in other.hits] == [hit.id for hit in first.hits]
    assert all("<mark>hours</mark>" in hit.snippet_html for hit in other.hits)


def test_a_drain_reads_versions_without_stored_text(index, make_record, stored_reads):
    index.apply([(n, make_record(id=n, body="Consular hotline.")) for n in (1, 2)], 1)
    stored_reads.clear()
    index.apply([(1, make_record(id=1, version=2, body="Consular hotline, updated."))], 2)
    assert [fields["id"] for fields in stored_reads] == [META_ID]  # the watermark alone
    assert index.entries() == {1: [2], 2: [1]}


def test_marks_outlive_a_commit_unless_the_text_changed(index, make_record, monkeypatch):
    marked: list[str] = []
    real = hits.snippet_html

    def counted(searcher, stored, terms):  # type: ignore[no-untyped-def]
        marked.append(stored["id"])
        return real(searcher, stored, terms)

    monkeypatch.setattr(hits, "snippet_html", counted)
    index.apply([(n, make_record(id=n, title=f"Visa rules {n}", body="Visa rules.")) for n in (1, 2)], 1)
    index.search("visa", PUBLIC)
    assert sorted(marked) == ["1", "2"]
    marked.clear()
    index.apply([(2, make_record(id=2, version=2, title="Visa rules 2", body="New visa rules apply."))], 2)
    after = index.search("visa", PUBLIC)  # a new searcher: only the changed text is marked again
    assert marked == ["2"]
    assert any("New <mark>visa</mark> rules" in hit.snippet_html for hit in after.hits)
