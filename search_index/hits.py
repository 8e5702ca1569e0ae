"""The hits of a result page: id, marked title and snippet, each made once per searcher.

Marking re-analyses a hit's stored text (highlight.py) and was half of a search's CPU. What it
gives depends only on the document and on the words marked in its language's fields, so it is
kept for the searcher's life (the next commit replaces the searcher, and this with it), with
each document's id and family. A hit made before reads no stored fields at all; the others
read them once, and the stored text is only as long as the snippet needs (STORED_TEXT_CHARS).
"""

from __future__ import annotations

from whoosh.searching import Searcher

from search_index.highlight import highlight_terms, snippet_html, title_html
from search_index.query import CompiledQuery
from search_index.records import Hit
from search_index.schema import PARTS, text_field

MAX_KNOWN = 50_000  # documents whose (id, family) are kept: a few MB at most
MAX_MARKED = 4_096  # (document, words) whose title and snippet are kept: about 1 KB each

Terms = dict[str, frozenset[str]]


class HitMaker:
    """Per-searcher hits; not thread-safe (the engine holds a lock)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._known: dict[int, tuple[int, str]] = {}  # docnum -> (id, family)
        self._marked: dict[tuple, tuple[str, str]] = {}  # (docnum, words) -> (title, snippet)

    def hits(self, docnums: list[int], scores: dict[int, float], compiled: CompiledQuery) -> list[Hit]:
        """The hits for `docnums`, in that order, with their words marked."""
        loaded: dict[int, dict] = {}
        known = [self._identity(docnum, loaded) for docnum in docnums]
        terms = highlight_terms(self.searcher, compiled.positive({family for _id, family in known}))
        hits = []
        for docnum, (doc_id, family) in zip(docnums, known, strict=True):
            title, snippet = self._marks(docnum, family, terms, loaded)
            hits.append(
                Hit(id=doc_id, score=float(scores.get(docnum, 0.0)), snippet_html=snippet, title_html=title)
            )
        return hits

    def _identity(self, docnum: int, loaded: dict[int, dict]) -> tuple[int, str]:
        found = self._known.get(docnum)
        if found is None:
            stored = loaded[docnum] = self.searcher.stored_fields(docnum)
            if len(self._known) >= MAX_KNOWN:
                self._known.clear()
            found = self._known[docnum] = (int(stored["id"]), stored.get("family", "folded"))
        return found

    def _marks(self, docnum: int, family: str, terms: Terms, loaded: dict[int, dict]) -> tuple[str, str]:
        """(title, snippet): the words of the fields highlight.py reads for this family are
        all they depend on besides the document."""
        key = (
            docnum,
            *(terms.get(text_field(part, target)) for part in PARTS for target in (family, "folded")),
        )
        marks = self._marked.get(key)
        if marks is None:
            stored = loaded.get(docnum) or self.searcher.stored_fields(docnum)
            marks = (title_html(self.searcher, stored, terms), snippet_html(self.searcher, stored, terms))
            if len(self._marked) >= MAX_MARKED:
                self._marked.clear()
            self._marked[key] = marks
        return marks
