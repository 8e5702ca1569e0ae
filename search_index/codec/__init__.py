"""Every use of Whoosh's private parts, checked against the one version it was written for.

    format     the array codec: postings, positions and per-document columns as arrays
    arrays     one searcher's segments as arrays over global document numbers
    opening    opening an index and a searcher while other processes commit
    pool       postings grouped by term while a rebuild adds documents
    parallel   a rebuild in several processes

The rest of the package uses Whoosh's public API and these modules only. What is here extends
Whoosh 2.7.5 through its codec interface and reads what that version keeps private (a segment
reader's terms and columns, the table of contents' generation, the segment writer's parts);
tests/search_index/test_search_codec.py checks each against public Whoosh, so an upgrade that
changes them fails there first.
"""

import whoosh

WRITTEN_FOR = "2.7.5"
if whoosh.versionstring() != WRITTEN_FOR:  # pragma: no cover - the pin in pyproject.toml holds
    raise ImportError(f"search_index.codec extends Whoosh {WRITTEN_FOR}, not {whoosh.versionstring()}")

from search_index.codec.arrays import SearcherArrays, TermPostings  # noqa: E402
from search_index.codec.format import ArrayCodec, ArrayPositions  # noqa: E402
from search_index.codec.opening import open_index, open_searcher  # noqa: E402
from search_index.codec.parallel import ParallelWriter  # noqa: E402
from search_index.codec.pool import pooled_writer  # noqa: E402

__all__ = [
    "ArrayCodec",
    "ArrayPositions",
    "ParallelWriter",
    "SearcherArrays",
    "TermPostings",
    "open_index",
    "open_searcher",
    "pooled_writer",
]
