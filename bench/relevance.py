"""Relevance benchmark: nDCG@10 and MRR per language and overall, on graded judgements.

    python bench/relevance.py [--json] [--verbose] [--src DIR]

Indexes the demo content (content/demo_data/documents.json, every document readable) and the
documents of `relevance_data.py` with `SearchIndex.rebuild` in a temporary directory, runs each
query of `relevance_data.QUERIES` in its language and scores the first 100 hits:

- nDCG@10: gain 2^grade - 1, discount log2(rank + 1), over the ideal order of the judgements;
- MRR: 1 / rank of the first hit of grade 2 or more (0 when none is found).

`--src DIR` imports `search_index` from another checkout (a worktree at an older commit) so that
the same documents and judgements measure that code: the figures before and after a change.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "content" / "demo_data" / "documents.json"
PUBLIC = "public"
TOP = 10
RELEVANT = 2  # the grade from which a hit counts for MRR
_TAG_RE = re.compile(r"<[^>]+>")


def _plain(markdown_text: str) -> str:
    import markdown

    return html.unescape(_TAG_RE.sub(" ", markdown.markdown(markdown_text)))


def documents() -> list[dict[str, Any]]:
    """Every benchmark document as plain fields, keyed by `key`."""
    from relevance_data import DOCS

    found = []
    for doc in json.loads(DEMO.read_text(encoding="utf-8")):
        found.append({
            "key": doc["key"], "language": doc["language"], "country": doc["country"],
            "kind": doc["kind"], "title": doc["title"], "summary": doc.get("summary", ""),
            "body": _plain(doc.get("body_markdown", "")), "tags": doc.get("tags", []),
            "topics": doc.get("topics", []), "year": doc.get("year"),
        })  # fmt: skip
    for key, (language, country, title, body) in DOCS.items():
        found.append({
            "key": key, "language": language, "country": country, "kind": "case_study", "title": title,
            "summary": "", "body": body, "tags": [], "topics": [], "year": 2024,
        })  # fmt: skip
    return found


def build(directory: Path, docs: list[dict[str, Any]]) -> Any:
    from search_index import IndexRecord, SearchIndex

    moment = datetime(2024, 1, 1, tzinfo=UTC)
    records = [
        IndexRecord(
            id=number,
            version=1,
            kind=doc["kind"],
            title=doc["title"],
            summary=doc["summary"],
            body=doc["body"],
            extra="",
            language=doc["language"],
            country=doc["country"],
            topics=list(doc["topics"]),
            tags=list(doc["tags"]),
            year=doc["year"],
            principals={PUBLIC},
            published_at=moment,
            updated_at=moment,
        )  # fmt: skip
        for number, doc in enumerate(docs, start=1)
    ]
    index = SearchIndex(directory)
    index.rebuild(records, 1)
    return index


def ndcg(ranked: list[str], grades: dict[str, int], top: int = TOP) -> float:
    dcg = sum((2 ** grades.get(key, 0) - 1) / math.log2(rank + 2) for rank, key in enumerate(ranked[:top]))
    ideal = sorted(grades.values(), reverse=True)[:top]
    best = sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(ideal))
    return dcg / best if best else 0.0


def reciprocal_rank(ranked: list[str], grades: dict[str, int]) -> float:
    for rank, key in enumerate(ranked, start=1):
        if grades.get(key, 0) >= RELEVANT:
            return 1.0 / rank
    return 0.0


def _glossary() -> dict[str, Any]:
    """The glossary `rndd init` seeds, as content/ passes it to every search (a source tree of
    before the glossary became data had it built in and takes no such argument)."""
    import search_index

    shipped = Path(search_index.__file__).parents[1] / "content" / "glossary.json"
    if not hasattr(search_index, "Glossary") or not shipped.exists():
        return {}
    data = json.loads(shipped.read_text(encoding="utf-8"))["concepts"]
    concepts = {
        concept: {lang: [*forms["formal"], *forms.get("common", [])] for lang, forms in languages.items()}
        for concept, languages in data.items()
    }
    return {"glossary": search_index.Glossary(concepts)}


def run(verbose: bool = False) -> dict[str, Any]:
    from relevance_data import QUERIES

    docs = documents()
    keys = {number: doc["key"] for number, doc in enumerate(docs, start=1)}
    per_language: dict[str, list[tuple[float, float]]] = defaultdict(list)
    extra = _glossary()
    with tempfile.TemporaryDirectory(prefix="rndd-relevance-") as tmp:
        index = build(Path(tmp) / "index", docs)
        try:
            for language, query, grades in QUERIES:
                missing = set(grades) - set(keys.values())
                if missing:
                    raise SystemExit(f"judgements name unknown documents: {sorted(missing)}")
                hits = index.search(query, {PUBLIC}, per_page=100, language=language, **extra).hits
                ranked = [keys[hit.id] for hit in hits]
                scores = (ndcg(ranked, grades), reciprocal_rank(ranked, grades))
                per_language[language].append(scores)
                if verbose:
                    print(f"{language:4} {query:30} nDCG {scores[0]:.2f} RR {scores[1]:.2f}  {ranked[:5]}")
        finally:
            index.close()
    every = [pair for pairs in per_language.values() for pair in pairs]
    table = {language: _means(pairs) for language, pairs in per_language.items()}
    return {"documents": len(docs), "queries": len(every), "languages": table, "overall": _means(every)}


def _means(pairs: list[tuple[float, float]]) -> dict[str, float]:
    return {
        "queries": len(pairs),
        "ndcg@10": round(sum(p[0] for p in pairs) / len(pairs), 3),
        "mrr": round(sum(p[1] for p in pairs) / len(pairs), 3),
    }


def markdown_table(result: dict[str, Any]) -> str:
    lines = ["| language | queries | nDCG@10 | MRR |", "| --- | ---: | ---: | ---: |"]
    for language, row in result["languages"].items():
        lines.append(f"| {language} | {row['queries']} | {row['ndcg@10']:.3f} | {row['mrr']:.3f} |")
    row = result["overall"]
    lines.append(f"| **all** | {row['queries']} | {row['ndcg@10']:.3f} | {row['mrr']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="print each query's score and top hits")
    parser.add_argument("--src", help="a checkout whose search_index is measured (default: this one)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.src).resolve() if args.src else ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    result = run(args.verbose)
    print(json.dumps(result, indent=2) if args.json else markdown_table(result))


if __name__ == "__main__":
    main()
