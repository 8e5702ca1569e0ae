"""What the query-time glossary costs: latency of key-term queries with and without it, and the
one-time cost of its first use in a worker (analysing the forms loads the Thai, Chinese and
Japanese segmenters when a query names a concept that has such forms).

    python bench/glossary_bench.py --docs 2000 --repeat 20
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus import generate  # noqa: E402

from search_index import Glossary, IndexRecord, SearchIndex  # noqa: E402

PRINCIPALS = {"public", "network", "country:ID", "user:42"}
QUERIES = ["diplomacy", "embassy", "citizen protection", "negotiations", "kerja sama", "cyber security",
           "การทูต", "外交", "digital economy", "trade policy"]  # fmt: skip
FIRST_USE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from search_index import Glossary
from search_index.analyzers import analyze
analyze("en", "warm up")
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = json.load(open({file!r}))["concepts"]
started = time.perf_counter()
forms = lambda ls: {{l: [*f["formal"], *f.get("common", [])] for l, f in ls.items()}}
glossary = Glossary({{c: forms(ls) for c, ls in data.items()}})
lookup = glossary.equivalents_for(["diplomacy"], ("en", "id", "folded"))
first = time.perf_counter() - started
started = time.perf_counter()
for concept in glossary.forms:
    glossary.equivalents(concept)
rest = time.perf_counter() - started
print(json.dumps({{"first_query_ms": first * 1000, "all_concepts_ms": rest * 1000,
                  "rss_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024}}))
"""


def shipped() -> Glossary:
    data = json.loads((ROOT / "content" / "glossary.json").read_text(encoding="utf-8"))["concepts"]
    return Glossary({c: {lang: [*f["formal"], *f.get("common", [])] for lang, f in ls.items()}
                     for c, ls in data.items()})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    code = FIRST_USE.format(root=str(ROOT), file=str(ROOT / "content" / "glossary.json"))
    first = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      check=True).stdout)  # fmt: skip
    print(f"first use in a fresh worker: {first}")
    glossary = shipped()
    with tempfile.TemporaryDirectory() as root:
        index = SearchIndex(Path(root) / "index")
        index.rebuild([IndexRecord(**fields) for fields in generate(args.docs)], watermark=args.docs)
        for q in QUERIES:  # warm-up: searcher, analyzers, the glossary's analyses
            index.search(q, PRINCIPALS, glossary=glossary)
            index.search(q, PRINCIPALS)
        print(f"{'query':<22} {'without ms':>10} {'with ms':>8} {'hits without':>12} {'hits with':>9}")
        for q in QUERIES:
            row = []
            for with_glossary in (None, glossary):
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    result = index.search(q, PRINCIPALS, glossary=with_glossary)
                    times.append((time.perf_counter() - started) * 1000)
                row.append((statistics.median(times), result.total))
            print(f"{q:<22} {row[0][0]:>10.1f} {row[1][0]:>8.1f} {row[0][1]:>12} {row[1][1]:>9}")
        index.close()
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
