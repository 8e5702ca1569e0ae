"""Full-text search for RNDD Hub: per-language analysis, permission-aware queries, facets,
snippets and suggestions over a Whoosh index.

Pure: it takes plain `IndexRecord`s and principal sets and knows nothing of Flask or SQLAlchemy.
"""

from search_index.engine import SearchIndex
from search_index.records import Hit, IndexRecord, QueryError, SearchResult

__all__ = ["Hit", "IndexRecord", "QueryError", "SearchIndex", "SearchResult"]
