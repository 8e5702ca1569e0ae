"""Full-text search for RNDD Hub: per-language analysis, permission-aware queries, facets,
snippets and suggestions over a Whoosh index.

Pure: it takes plain `IndexRecord`s and principal sets and knows nothing of Flask or SQLAlchemy.

    records      the values crossing the boundary (IndexRecord, Hit, SearchResult, QueryError)
    backend      SearchBackend, what the web app asks of an index, and open_backend, its one factory
    engine       SearchIndex, the Whoosh backend: apply, rebuild, watermark, entries, search
    store        the directory layout (CURRENT pointer, one directory per build, locks, cleanup)
    codec        every use of Whoosh's private parts: the array format behind Whoosh's codec
                 interface, segments as arrays, safe opening, parallel rebuilds
    schema       fields per language family, and record -> Whoosh document
    scripts, segmenters, normalize, stemmers, analyzers, languages
                 script runs; Thai/Chinese/Japanese segmenters, Burmese syllables and Zawgyi;
                 look-alike spellings; Hindi and Filipino stemmers; the Whoosh analyzers; detection
    glossary     key terms across languages (data the caller passes in), matched at query time
    parse, query the query syntax, strictly parsed, then compiled to a Whoosh query
    evaluate     that query run as mask operations over array postings, BM25 on readable matches
    docsets, search, facets, highlight, cuts, suggest
                 one search: filtering, counting, snippets cut between words, "did you mean"
"""

from search_index.backend import BACKENDS, SearchBackend, open_backend
from search_index.engine import SearchIndex
from search_index.glossary import Glossary
from search_index.parse import Vocabulary
from search_index.records import (
    Hit,
    IndexRecord,
    IndexReplaced,
    IndexUnavailable,
    QueryError,
    RebuildRunning,
    SearchResult,
)
from search_index.schema import FACET_FIELDS

__all__ = [
    "BACKENDS",
    "FACET_FIELDS",
    "Glossary",
    "Hit",
    "IndexRecord",
    "IndexReplaced",
    "IndexUnavailable",
    "QueryError",
    "RebuildRunning",
    "SearchBackend",
    "SearchIndex",
    "SearchResult",
    "Vocabulary",
    "open_backend",
]
