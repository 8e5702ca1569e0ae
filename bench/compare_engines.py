"""The two Whoosh sides of `search_compare.py`: this project's engine and plain Whoosh.

Every side answers a shape's request with an `Answer`: the total of readable matches, the ids
of the page by relevance, facet counts over every readable match, and the page's snippets.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search_index import IndexRecord, SearchIndex  # noqa: E402

# A reader of Indonesia (the same as search_bench_whoosh.py): about 31% of the documents.
PRINCIPALS = ("public", "network", "country:ID", "user:42")
FACETS = ("kind", "country", "topic", "language", "year")
TITLE_BOOST = 2.5  # the engine boosts title and summary ("lead") by 2.5; the others do the same
Progress = Callable[[int], None]


@dataclass
class Answer:
    total: int
    ids: list[int]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    snippets: list[str] = field(default_factory=list)


def text_of(record: dict[str, Any]) -> str:
    """The body the other engines index: body and lessons (the engine indexes both)."""
    return f"{record['body']}\n\n{record['extra']}" if record["extra"] else record["body"]


def query_parts(q: str) -> list[str]:
    """A shape's query as words, `"phrases"` and `OR`: the only syntax the shapes use."""
    return re.findall(r'"[^"]*"|\S+', q)


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class Engine:
    """This project's engine through its public API only."""

    name = "RNDD engine"

    def __init__(self, root: Path) -> None:
        self.root = root / "engine"
        self.index: SearchIndex | None = None

    def build(self, records: list[dict[str, Any]], progress: Progress) -> dict[str, Any]:
        shutil.rmtree(self.root, ignore_errors=True)
        SearchIndex(self.root).rebuild(
            (IndexRecord(**r) for r in records), watermark=len(records), progress=progress
        )
        return {}

    def open(self) -> None:
        self.index = SearchIndex(self.root)

    def search(self, q: str, filters: dict[str, str], per_page: int) -> Answer:
        assert self.index is not None
        result = self.index.search(q, set(PRINCIPALS), filters=filters, per_page=per_page)
        return Answer(
            result.total,
            [hit.id for hit in result.hits],
            {name: dict(values) for name, values in result.facets.items()},
            [hit.title_html + hit.snippet_html for hit in result.hits],
        )

    def size(self) -> int:
        return directory_size(self.root / (self.root / "CURRENT").read_text().strip())

    def close(self) -> None:
        if self.index is not None:
            self.index.close()


class PlainWhoosh:
    """Whoosh as its documentation shows it: one schema, StemmingAnalyzer, QueryParser,
    `searcher.search(filter=..., groupedby=...)` and `hit.highlights`."""

    name = "plain Whoosh"

    def __init__(self, root: Path) -> None:
        self.root = root / "whoosh"
        self.searcher: Any = None

    @staticmethod
    def schema() -> Any:
        from whoosh.analysis import StemmingAnalyzer
        from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

        stemmed = StemmingAnalyzer()
        return Schema(
            id=ID(stored=True, unique=True),
            kind=ID(stored=True, sortable=True),
            country=ID(stored=True, sortable=True),
            topic=KEYWORD(stored=True, commas=True),
            language=ID(stored=True, sortable=True),
            year=NUMERIC(int, stored=True, sortable=True),
            principals=KEYWORD(commas=True),
            title=TEXT(analyzer=stemmed, stored=True, field_boost=TITLE_BOOST),
            summary=TEXT(analyzer=stemmed, stored=True, field_boost=TITLE_BOOST),
            body=TEXT(analyzer=stemmed, stored=True),
        )

    def build(self, records: list[dict[str, Any]], progress: Progress) -> dict[str, Any]:
        from whoosh import index

        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        writer = index.create_in(self.root, self.schema()).writer()
        for count, r in enumerate(records, 1):
            writer.add_document(
                id=str(r["id"]),
                kind=r["kind"],
                country=r["country"],
                topic=",".join(r["topics"]),
                language=r["language"],
                year=r["year"],
                principals=",".join(sorted(r["principals"])),
                title=r["title"],
                summary=r["summary"],
                body=text_of(r),
            )
            progress(count)
        writer.commit()
        return {}

    def open(self) -> None:
        from whoosh import index
        from whoosh.qparser import MultifieldParser
        from whoosh.query import Or, Term
        from whoosh.sorting import FieldFacet

        self.searcher = index.open_dir(self.root).searcher()
        self.parser = MultifieldParser(["title", "summary", "body"], self.searcher.schema)
        self.readable = Or([Term("principals", p) for p in PRINCIPALS])
        self.facets = {name: FieldFacet(name, allow_overlap=name == "topic") for name in FACETS}

    def search(self, q: str, filters: dict[str, str], per_page: int) -> Answer:
        from whoosh.query import And, Term

        allowed = self.readable
        if filters:
            allowed = And([allowed, *(Term(k, v) for k, v in filters.items())])
        results = self.searcher.search(
            self.parser.parse(q), filter=allowed, groupedby=self.facets, limit=per_page
        )
        facets = {name: {str(k): len(v) for k, v in results.groups(name).items()} for name in FACETS}
        page = results[:per_page]  # with groupedby, Whoosh scores and keeps every match
        return Answer(
            len(results),
            [int(hit["id"]) for hit in page],
            facets,
            [hit.highlights("title") + hit.highlights("body") for hit in page],
        )

    def size(self) -> int:
        return directory_size(self.root)

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
