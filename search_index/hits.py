"""The hits of a result page: id, marked title and snippet, each marked once.

Marking re-analyses a hit's stored text (highlight.py) and was half of a search's CPU. What it
gives depends only on the document's stored text and on the words marked in its language's
fields, so it is kept twice over:

- per searcher, by document number: a hit shown again reads no stored fields at all;
- per index (`MarkCache`), by a digest of the stored text: every commit replaces the searcher,
  and under a steady flow of writes most searchers live too short to meet a hit twice, while
  most documents' text has not changed.

Stored fields are read at most once per hit, and the stored text is only as long as the
snippet needs (STORED_TEXT_CHARS).
"""

from __future__ import annotations

from hashlib import blake2b

from whoosh.searching import Searcher

from search_index.highlight import highlight_terms, snippet_html, title_html
from search_index.query import CompiledQuery
from search_index.records import Hit
from search_index.schema import PARTS, text_field

MAX_KNOWN = 50_000  # documents whose (id, family) a searcher keeps: a few MB at most
MAX_MARKED = 4_096  # marked (title, snippet) pairs kept, per searcher and per index: about 1 KB each

Terms = dict[str, frozenset[str]]
Marks = tuple[str, str]  # (title_html, snippet_html)


class MarkCache:
    """Marked titles and snippets by (digest of the stored text, words); outlives searchers.
    Not thread-safe (the engine holds a lock)."""

    def __init__(self) -> None:
        self._marks: dict[tuple, Marks] = {}

    def marks(self, searcher: Searcher, stored: dict, words: tuple, terms: Terms) -> Marks:
        key = (_digest(stored), words)
        found = self._marks.get(key)
        if found is None:
            found = (title_html(searcher, stored, terms), snippet_html(searcher, stored, terms))
            _put(self._marks, key, found)
        return found


class HitMaker:
    """One searcher's hits; not thread-safe (the engine holds a lock)."""

    def __init__(self, searcher: Searcher, marks: MarkCache) -> None:
        self.searcher, self.shared = searcher, marks
        self._known: dict[int, tuple[int, str]] = {}  # docnum -> (id, family)
        self._marked: dict[tuple, Marks] = {}  # (docnum, words) -> marks

    def hits(self, docnums: list[int], scores: dict[int, float], compiled: CompiledQuery) -> list[Hit]:
        """The hits for `docnums`, in that order, with their words marked."""
        loaded: dict[int, dict] = {}
        known = [self._identity(docnum, loaded) for docnum in docnums]
        terms = highlight_terms(self.searcher, compiled.positive({family for _id, family in known}))
        hits = []
        for docnum, (doc_id, family) in zip(docnums, known, strict=True):
            title, snippet = self._marks(docnum, family, terms, loaded)
            score = float(scores.get(docnum, 0.0))
            hits.append(Hit(id=doc_id, score=score, snippet_html=snippet, title_html=title))
        return hits

    def _identity(self, docnum: int, loaded: dict[int, dict]) -> tuple[int, str]:
        found = self._known.get(docnum)
        if found is None:
            stored = loaded[docnum] = self.searcher.stored_fields(docnum)
            found = (int(stored["id"]), stored.get("family", "folded"))
            _put(self._known, docnum, found, MAX_KNOWN)
        return found

    def _marks(self, docnum: int, family: str, terms: Terms, loaded: dict[int, dict]) -> Marks:
        # The words of the fields highlight.py reads for this family: all marking depends on
        # besides the stored text.
        words = tuple(terms.get(text_field(part, target)) for part in PARTS for target in (family, "folded"))
        found = self._marked.get((docnum, words))
        if found is None:
            stored = loaded.get(docnum) or self.searcher.stored_fields(docnum)
            found = self.shared.marks(self.searcher, stored, words, terms)
            _put(self._marked, (docnum, words), found)
        return found


def _digest(stored: dict) -> bytes:
    """What marking reads of a document's stored fields, as 16 bytes."""
    parts = (stored.get(name, "") for name in ("family", "title", "summary", "body"))
    return blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _put(cache: dict, key: object, value: object, limit: int = MAX_MARKED) -> None:
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
