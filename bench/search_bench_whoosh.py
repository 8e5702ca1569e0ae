"""Benchmark of search_index on the generated corpus: build rate, index size, query latency.

    python bench/search_bench_whoosh.py --docs 10000

Builds with SearchIndex.rebuild, then runs the six query shapes of `shapes.py` `--repeat` times
each as a reader of Indonesia (public, network, country:ID, user:42: about 30% of the documents).
Every search, as in the app, returns facets over all matches and highlighted snippets for its
page.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import generate  # noqa: E402
from shapes import SHAPES  # noqa: E402

from search_index import IndexRecord, SearchIndex  # noqa: E402

PRINCIPALS = {"public", "network", "country:ID", "user:42"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run(docs: int, repeat: int, root: Path) -> dict[str, Any]:
    started = time.perf_counter()
    records = [IndexRecord(**fields) for fields in generate(docs)]
    generated = time.perf_counter() - started
    words = sum(len(r.body.split()) + len(r.extra.split()) for r in records) / len(records)
    index = SearchIndex(root)

    def progress(count: int) -> None:
        if count % 1000 == 0:
            rate = count / (time.perf_counter() - build_started)
            print(f"  {count} documents, {rate:.0f}/s", file=sys.stderr, flush=True)

    build_started, build_cpu = time.perf_counter(), time.process_time()
    index.rebuild(records, watermark=docs, progress=progress)
    build = time.perf_counter() - build_started
    build_cpu = time.process_time() - build_cpu
    current = (root / "CURRENT").read_text().strip()
    size = directory_size(root / current)

    visible = index.search("", PRINCIPALS, per_page=1).total
    index.search("diplomacy", PRINCIPALS)  # warm-up: opens the searcher, loads tools
    shapes = {}
    for name, shape in SHAPES.items():
        timings, cpu, totals = [], [], []
        for i in range(repeat):
            q, filters, per_page = shape.request(i)
            t0, c0 = time.perf_counter(), time.process_time()
            result = index.search(q, PRINCIPALS, filters=filters, per_page=per_page)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            totals.append(result.total)
        shapes[name] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "cpu_p50_ms": round(statistics.median(cpu), 1),
            "median_total": int(statistics.median(totals)),
        }
    index.close()
    return {
        "docs": docs,
        "avg_body_words": round(words),
        "generate_s": round(generated, 1),
        "build_s": round(build, 1),
        "build_docs_per_s": round(docs / build, 1),
        "build_cpu_s": round(build_cpu, 1),
        "index_mb": round(size / 2**20, 1),
        "visible_fraction": round(visible / docs, 3),
        "queries": shapes,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--dir", type=Path, help="index directory (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rndd-bench-") as tmp:
        report = run(args.docs, args.repeat, args.dir or Path(tmp) / "index")
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{report['docs']} documents of about {report['avg_body_words']} words "
        f"(generated in {report['generate_s']} s)"
    )
    print(
        f"build: {report['build_s']} s ({report['build_cpu_s']} s CPU), "
        f"{report['build_docs_per_s']} documents/s, index {report['index_mb']} MB"
    )
    print(f"the reader sees {report['visible_fraction']:.0%} of the documents")
    print(f"{'query shape':36} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'hits':>7}")
    for name, f in report["queries"].items():
        print(
            f"{name:36} {f['p50_ms']:8} {f['p95_ms']:8} {f['cpu_p50_ms']:8} {f['median_total']:7}"
        )
    print(f"peak RSS: {report['peak_rss_mb']} MB")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
