"""One search: validate, filter by principals inside Whoosh, page, facet, highlight, suggest.

The principals filter is the set of readable document numbers passed as Whoosh's `filter=`, so
the total, the facet counts (over the filtered matches), snippets and suggestions all come from
readable documents only. Whoosh treats an empty filter as no filter at all, so an empty
readable set returns an empty result before Whoosh is asked (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from search_index.docsets import SearcherCache
from search_index.evaluate import Evaluation
from search_index.glossary import Glossary
from search_index.languages import FAMILIES, LANGUAGES
from search_index.parse import ANY, FIELDS, FieldValue, Vocabulary, parse_query, validate_field
from search_index.query import compile_query
from search_index.records import QueryError, SearchResult
from search_index.schema import FACET_FIELDS, text_field
from search_index.suggest import suggestion

SORTS = ("relevance", "newest")
# Documents written in the query's declared language score this much more: 外交 is a word of
# Chinese and of Japanese, and a Japanese reader wants the Japanese texts first. Below
# 1 / EQUIVALENT_SHARE, so it never lifts a glossary-only match above one with the words.
LANGUAGE_PREFERENCE = 1.25
MAX_PER_PAGE = 100
MAX_WINDOW = 10_000  # hits beyond this rank are counted but cannot be paged to
GetCache = Callable[[], SearcherCache | None]


def check_paging(page: object, per_page: object, sort: object, language: object) -> None:
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise QueryError(f"page must be a whole number from 1 up, not {page!r}")
    if not isinstance(per_page, int) or isinstance(per_page, bool):
        raise QueryError(f"per_page must be a whole number from 1 to {MAX_PER_PAGE}")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be from 1 to {MAX_PER_PAGE}, not {per_page}")
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if language not in (None, "") and language not in LANGUAGES:
        raise QueryError(f'unknown language "{language}": use one of {" ".join(LANGUAGES)}')


def filter_query(filters: dict[str, list[str] | str] | None, vocabulary: Vocabulary = ANY) -> wq.Query | None:
    """AND between fields, OR within a field's values; values are checked like field:value."""
    clauses = []
    for name, raw in (filters or {}).items():
        if name not in FIELDS:
            raise QueryError(f'unknown filter "{name}": use one of {", ".join(FIELDS)}')
        values = [raw] if isinstance(raw, str | int) else list(raw or [])
        options: list[wq.Query] = []
        for value in values:
            if str(value).strip() == "":
                continue
            checked = validate_field(name, str(value), vocabulary)
            if isinstance(checked, FieldValue):
                options.append(wq.Term(checked.name, checked.value))
            else:
                options.append(wq.NumericRange("year", checked.low, checked.high))
        if options:
            clauses.append(options[0] if len(options) == 1 else wq.Or(options))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


def _ranked(scores: np.ndarray, matched: np.ndarray, limit: int) -> list[int]:
    """The `limit` best of the matched documents, by score descending then document number."""
    docs = np.flatnonzero(matched)
    if len(docs) > limit:
        docs = np.sort(docs[np.argpartition(-scores[docs], limit - 1)[:limit]])
        # ties at the cut are broken by document number, as a full sort would
        cut = scores[docs].min()
        docs = np.union1d(docs[scores[docs] > cut], np.flatnonzero(matched & (scores == cut)))
    order = np.lexsort((docs, -scores[docs]))
    return docs[order][:limit].tolist()


def run_search(
    get_cache: GetCache,
    q: str,
    principals: set[str],
    *,
    filters: dict[str, list[str] | str] | None,
    sort: str,
    page: int,
    per_page: int,
    language: str | None,
    glossary: Glossary | None = None,
    vocabulary: Vocabulary = ANY,
    only_ids: Collection[int] | None = None,
) -> SearchResult:
    check_paging(page, per_page, sort, language)
    parsed = parse_query(q if q is not None else "", vocabulary)
    narrowing = filter_query(filters, vocabulary)
    empty = SearchResult(0, page, per_page, [], {name: [] for name in FACET_FIELDS}, None)
    principals = {p for p in (principals or ()) if isinstance(p, str) and p}
    cache = get_cache() if principals else None
    if cache is None:
        return empty
    searcher = cache.searcher
    readable = cache.allowed(principals)
    allowed = readable
    if narrowing is not None:
        allowed = readable & cache.selected(narrowing)
    if only_ids is not None:
        allowed = allowed & cache.postings.mask(_docnums(searcher, only_ids))
    if not allowed.any():
        return empty
    # Glossary forms are searched only in families some document is in: a worker whose index
    # holds no Japanese never loads Janome to analyse the Japanese forms.
    reader = searcher.reader()
    present = frozenset(f for f in FAMILIES if reader.field_length(text_field("text", f)))
    compiled = compile_query(parsed.root, language or None, cache.expand, glossary, present)
    evaluation = Evaluation(cache.postings, allowed)
    matched = evaluation.docs(compiled.query)
    total = int(np.count_nonzero(matched))
    limit = min(page * per_page, MAX_WINDOW)
    shown: dict[int, float] = {}
    if sort == "newest" or parsed.root is None:
        ranked = cache.facets.newest(matched, limit)
    else:
        scores = evaluation.scores(matched)
        if language:
            scores[cache.selected(wq.Term("language", language)) & matched] *= LANGUAGE_PREFERENCE
        ranked = _ranked(scores, matched, limit) if total else []
        shown = {docnum: float(scores[docnum]) for docnum in ranked[(page - 1) * per_page :]}
    hits = cache.hits.hits(ranked[(page - 1) * per_page : page * per_page], shown, compiled)
    facets = cache.facets.count(matched)
    corrected = suggestion(searcher, readable, parsed) if total == 0 and parsed.words else None
    return SearchResult(total, page, per_page, hits, facets, corrected)


def _docnums(searcher: Searcher, ids: Collection[int]) -> np.ndarray:
    """The document numbers of these ids (a follower asking which of its new documents match)."""
    found = (searcher.document_number(id=str(doc_id)) for doc_id in ids)
    return np.array([docnum for docnum in found if docnum is not None], dtype=np.int64)
