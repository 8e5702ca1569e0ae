"""The plain values that cross the package boundary: what is indexed and what a search returns.

The web app builds `IndexRecord`s from its database rows and principals from its access policy;
this package never imports Flask or SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SYNTAX_HELP = (
    'Write words (all must match), "a phrase", OR, NOT or -word, word* (prefix), word~ (fuzzy), '
    "and field:value for country, kind, topic, language or year "
    "(e.g. diplomacy -crisis country:ID year:[2019 TO 2021])."
)


class QueryError(ValueError):
    """A query, filter or paging value that cannot be used; the message says how to write it."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem}. {SYNTAX_HELP}")
        self.problem = problem


class IndexUnavailable(RuntimeError):
    """There is no usable index, which only a rebuild from the database cures.

    `reason` is "absent" (no index was ever published here), "corrupt" (its pointer or files
    are damaged) or "outdated" (built with another field layout); `detail` says what was found.
    A transient failure (an I/O error, too many open files) is never reported so: it raises
    the OSError itself, and nothing is rebuilt because of it.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"search index is {reason}: {detail}")
        self.reason = reason
        self.detail = detail


class RebuildRunning(RuntimeError):
    """Another rebuild of this index holds its lock (the caller asked not to wait for it)."""


class IndexReplaced(RuntimeError):
    """The index's watermark is below the one a batch of changes was read from: the index was
    rebuilt or created since. Applying the batch would skip the changes in between, so it is
    refused; read the changes again from the index's watermark."""


@dataclass
class IndexRecord:
    """One document as the index sees it: already plain text, with its readers' principals."""

    id: int
    version: int
    kind: str
    title: str
    summary: str
    body: str
    extra: str
    language: str
    country: str
    topics: list[str]
    tags: list[str]
    year: int | None
    principals: set[str]
    published_at: datetime | None
    updated_at: datetime


@dataclass
class Hit:
    id: int
    score: float
    snippet_html: str
    title_html: str


@dataclass
class SearchResult:
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
