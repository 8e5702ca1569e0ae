"""Side-by-side search benchmark: this project's engine, plain Whoosh, SQLite FTS5, PostgreSQL.

    python bench/search_compare.py --docs 10000 [--passes 5] [--repeat 10] [--reuse DIR]

Builds the four indexes of the same generated corpus (each in a child process of its own, for
its CPU and peak RSS), then times the six shapes of `shapes.py` as a reader of Indonesia in
alternating passes (the order of the engines rotated at each pass), so that the ratios come from
one run on one machine state. Then the numpy floor of the one-word shape. Prints Markdown tables
and writes everything to `bench/out/compare-<docs>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import compare_floor
from compare_engines import Engine, PlainWhoosh
from compare_sql import Fts5, Postgres
from corpus import generate
from shapes import SHAPES

OUT = Path(__file__).resolve().parent / "out"
PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_compare"
SIDES = ("engine", "whoosh", "fts5", "pg")
REFERENCES = ("fts5", "pg")


def make(key: str, root: Path, pg_url: str, docs: int) -> Any:
    return (
        {"engine": Engine, "whoosh": PlainWhoosh, "fts5": Fts5}[key](root)
        if key != "pg"
        else Postgres(pg_url, docs)
    )


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cpu_seconds() -> float:
    """This process's CPU and that of its finished children (the engine's build workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# -- building, one child process per engine ------------------------------------------------------


def build_one(key: str, docs: int, root: Path, pg_url: str) -> dict[str, Any]:
    """Runs in the child: the corpus is generated before the clocks start."""
    records = list(generate(docs))
    corpus_rss = rss_mb()
    side = make(key, root, pg_url, docs)
    every = max(1000, docs // 10 // 1000 * 1000)
    started, cpu = time.perf_counter(), cpu_seconds()

    def progress(count: int) -> None:
        if count % every == 0:
            rate = count / (time.perf_counter() - started)
            print(
                f"  {side.name}: {count} documents, {rate:.0f}/s, load {load()}", file=sys.stderr, flush=True
            )

    extra = side.build(records, progress)
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    peak = max(resource.getrusage(r).ru_maxrss for r in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    total_cpu = cpu + (extra.get("server_cpu_s") or 0)
    return {
        "build_s": round(wall, 1),
        "build_cpu_s": round(cpu, 1),
        **extra,
        "cpu_ms_per_doc": round(total_cpu * 1000 / docs, 2),
        "peak_rss_mb": round(peak / 1024),
        "corpus_rss_mb": round(corpus_rss),
        "size_mb": round(side.size() / 2**20, 1),
        "index_only_mb": round(getattr(side, "index_size", side.size)() / 2**20, 1),
        "load_after": load(),
    }


def build_all(keys: list[str], docs: int, root: Path, pg_url: str) -> dict[str, Any]:
    builds = {}
    for key in keys:
        print(f"building {key} ({docs} documents), load {load()}", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, "--build-one", key, "--docs", str(docs), "--dir", str(root)]
        done = subprocess.run([*command, "--pg-url", pg_url], stdout=subprocess.PIPE, text=True, check=True)
        builds[key] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {json.dumps(builds[key])}", file=sys.stderr, flush=True)
    return builds


# -- searching --------------------------------------------------------------------------------


def requests(shape: Any) -> range:
    return range(max(len(shape.queries), len(shape.filters)))


def label(shape: Any, i: int) -> str:
    q, filters, _ = shape.request(i)
    return f"`{q}`" + "".join(f" {k}:{v}" for k, v in filters.items())


def open_all(sides: dict[str, Any], floor: compare_floor.Floor) -> tuple[dict[str, float], dict[str, Any]]:
    """Opens each engine and runs every request of every shape once (the warm-up). Returns the
    RSS each engine added, in MB, and the totals each found, where the semantics show."""
    added, totals = {}, {name: {label(s, i): {} for i in requests(s)} for name, s in SHAPES.items()}
    for key, side in sides.items():
        before = rss_mb()
        side.open()
        for name, shape in SHAPES.items():
            for i in requests(shape):
                totals[name][label(shape, i)][key] = side.search(*shape.request(i)).total
        added[key] = round(rss_mb() - before)
    for i, word in enumerate(SHAPES["one word"].queries):
        totals["one word"][label(SHAPES["one word"], i)]["floor"] = compare_floor.search(floor, word, 1)[0]
    return added, totals


def passes(sides: dict[str, Any], count: int, repeat: int) -> dict[str, dict[str, list[float]]]:
    timings: dict[str, dict[str, list[float]]] = {k: {name: [] for name in SHAPES} for k in sides}
    keys = list(sides)
    for n in range(count):
        started = time.perf_counter()
        for key in keys[n % len(keys) :] + keys[: n % len(keys)]:
            for name, shape in SHAPES.items():
                done = len(timings[key][name])
                for i in range(done, done + repeat):
                    t0 = time.perf_counter()
                    sides[key].search(*shape.request(i))
                    timings[key][name].append((time.perf_counter() - t0) * 1000)
        print(
            f"pass {n + 1}/{count}: {time.perf_counter() - started:.0f} s, load {load()}",
            file=sys.stderr,
            flush=True,
        )
    return timings


def time_floor(floor: compare_floor.Floor, runs: int) -> list[float]:
    shape, timings = SHAPES["one word"], []
    for i in range(runs):
        q, _, per_page = shape.request(i)
        t0 = time.perf_counter()
        compare_floor.search(floor, q, per_page)
        timings.append((time.perf_counter() - t0) * 1000)
    return timings


def summary(values: list[float], digits: int = 1) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), digits),
        "p95_ms": round(percentile(values, 0.95), digits),
    }


# -- the report -------------------------------------------------------------------------------


def markdown(report: dict[str, Any], names: dict[str, str]) -> str:
    keys = list(report["latency"])
    lines = [
        f"{report['docs']} documents, the reader may read {report['readable_fraction']:.0%}; "
        f"{report['passes']} passes x {report['repeat']} per shape; load {report['load']['start']} "
        f"(start), {report['load']['end']} (end), on {os.cpu_count()} cores",
        "",
        "| shape, p50 / p95 ms | " + " | ".join(names[k] for k in keys) + " |",
        "|---" * (len(keys) + 1) + "|",
    ]
    for shape in SHAPES:
        cells = [
            f"{report['latency'][k][shape]['p50_ms']} / {report['latency'][k][shape]['p95_ms']}" for k in keys
        ]
        lines.append(f"| {shape} | " + " | ".join(cells) + " |")
    floor = report["floor"]
    lines += [
        "",
        f"numpy floor, one word: {floor['p50_ms']} / {floor['p95_ms']} ms "
        f"({floor['arrays_mb']} MB of arrays)",
    ]
    pairs = [(k, r) for r in REFERENCES if r in keys for k in keys if k not in REFERENCES]
    if pairs:
        lines += ["", "| p50 ratio | " + " | ".join(f"{names[k]} / {names[r]}" for k, r in pairs) + " |"]
        lines.append("|---" * (len(pairs) + 1) + "|")
        for shape in SHAPES:
            p50 = {k: report["latency"][k][shape]["p50_ms"] for k in keys}
            lines.append(
                f"| {shape} | " + " | ".join(f"{p50[k] / max(p50[r], 0.1):.2f}" for k, r in pairs) + " |"
            )
    lines += [
        "",
        "| build | wall s | CPU s (client + server) | CPU ms/doc | peak RSS MB | size MB | index only MB "
        "| search RSS added MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k in keys:
        b = report["builds"][k]
        cpu = f"{b['build_cpu_s']}" + (f" + {b['server_cpu_s']}" if b.get("server_cpu_s") is not None else "")
        lines.append(
            f"| {names[k]} | {b['build_s']} | {cpu} | {b['cpu_ms_per_doc']} | {b['peak_rss_mb']} "
            f"(corpus {b['corpus_rss_mb']}) | {b['size_mb']} | {b['index_only_mb']} "
            f"| {report['search_rss_mb'][k]} |"
        )
    if report["pg_plan"]:
        settings = ", ".join(report["pg_settings"]) or "the server's"
        lines += ["", f"PostgreSQL (settings: {settings}), first one-word request: {report['pg_plan']}"]
    lines += ["", "| totals | " + " | ".join(names[k] for k in keys) + " | numpy floor |"]
    lines.append("|---" * (len(keys) + 2) + "|")
    for shape, by_request in report["totals"].items():
        for n, (request, totals) in enumerate(by_request.items()):
            if n == 0 or len({totals[k] for k in keys}) > 1:  # the first, and any that differ
                cells = [str(totals.get(k, "")) for k in [*keys, "floor"]]
                lines.append(f"| {shape}: {request} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def estimate(report: dict[str, Any], target: int = 100_000) -> str:
    """Everything scaled linearly; the engine's build costs more per document at 100,000 (its
    segments merge), so take the figure as a lower bound."""
    scale = target / report["docs"]
    builds = sum(b["build_s"] for b in report["builds"].values())
    total = report["run_s"] + (0 if report["built"] else builds)
    return (
        f"run time {report['run_s']:.0f} s (builds {builds:.0f} s, searches {report['search_s']:.0f} s); "
        f"at {target} documents, linearly: about {total * scale / 60:.0f} min, of which builds "
        f"{builds * scale / 60:.0f} and searches {report['search_s'] * scale / 60:.0f} "
        f"(same passes and repeat; the engine's build grows faster than linearly)"
    )


def prepare(args: argparse.Namespace) -> tuple[dict[str, Any], Path, dict[str, str]]:
    """The sides to run (PostgreSQL dropped, with the reason, when it does not answer) and their builds."""
    keys, skipped = list(args.engines), {}
    if "pg" in keys and (reason := Postgres(args.pg_url, args.docs).unavailable()):
        keys.remove("pg")
        skipped["pg"] = reason
        print(f"PostgreSQL skipped: {reason}", file=sys.stderr)
    root = (args.reuse or args.dir or OUT / f"compare-{args.docs}").resolve()
    manifest = root / "builds.json"
    if args.reuse:
        builds = json.loads(manifest.read_text())
        if builds.pop("docs") != args.docs:
            sys.exit(f"{manifest} was built for another number of documents")
        if "pg" in keys and Postgres(args.pg_url, args.docs).count() != args.docs:
            sys.exit(f"{args.pg_url} does not hold {args.docs} documents: build again without --reuse")
    else:
        root.mkdir(parents=True, exist_ok=True)
        builds = build_all(keys, args.docs, root, args.pg_url)
        # Keep the builds of the engines not rebuilt now (--engines pg rebuilds PostgreSQL alone).
        earlier = json.loads(manifest.read_text()) if manifest.exists() else {}
        if earlier.get("docs") == args.docs:
            builds = {**earlier, **builds}
        manifest.write_text(json.dumps({**builds, "docs": args.docs}, indent=2))
        builds.pop("docs", None)
    missing = [k for k in keys if k not in builds]
    if missing:
        sys.exit(f"{manifest} has no build of {', '.join(missing)}")
    return {k: builds[k] for k in keys}, root, skipped


def run(args: argparse.Namespace) -> dict[str, Any]:
    started, start_load = time.perf_counter(), load()
    builds, root, skipped = prepare(args)
    records = list(generate(args.docs))
    floor = compare_floor.build(records, SHAPES["one word"].queries)
    del records
    sides = {k: make(k, root, args.pg_url, args.docs) for k in builds}
    if "pg" in sides:
        sides["pg"].settings = dict(setting.split("=", 1) for setting in args.pg_set)
    search_started = time.perf_counter()
    added, totals = open_all(sides, floor)
    plan = sides["pg"].plan(*SHAPES["one word"].request(0)) if "pg" in sides else None
    timings = passes(sides, args.passes, args.repeat)
    search_s = time.perf_counter() - search_started
    floor_timings = time_floor(floor, args.passes * args.repeat * 10)
    for side in sides.values():
        side.close()
    return {
        "docs": args.docs,
        "passes": args.passes,
        "repeat": args.repeat,
        "readable_fraction": round(float(floor.readable.mean()), 3),
        "engines": {k: sides[k].name for k in sides},
        "skipped": skipped,
        "builds": builds,
        "search_rss_mb": added,
        "latency": {k: {name: summary(v) for name, v in t.items()} for k, t in timings.items()},
        "floor": {**summary(floor_timings, 2), "arrays_mb": round(floor.nbytes / 2**20, 1)},
        "totals": totals,
        "pg_plan": plan,
        "pg_settings": args.pg_set,
        "search_s": round(search_s, 1),
        "run_s": round(time.perf_counter() - started, 1),
        "built": args.reuse is None,
        "load": {"start": start_load, "end": load()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10, help="requests per shape, engine and pass")
    parser.add_argument("--engines", nargs="+", choices=SIDES, default=list(SIDES))
    parser.add_argument("--dir", type=Path, help="where to build (default bench/out/compare-<docs>)")
    parser.add_argument("--reuse", type=Path, metavar="DIR", help="search the indexes built in DIR")
    parser.add_argument("--pg-url", default=PG_URL, help="its database is created if absent")
    parser.add_argument(
        "--pg-set", action="append", default=[], metavar="NAME=VALUE", help="e.g. jit=off, for the searches"
    )
    parser.add_argument("--build-one", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_one:
        print(json.dumps(build_one(args.build_one, args.docs, args.dir, args.pg_url)))
        return
    report = run(args)
    table = markdown(report, report["engines"])
    print(table)
    print(estimate(report))
    OUT.mkdir(exist_ok=True)
    path = OUT / f"compare-{args.docs}.json"
    path.write_text(json.dumps({**report, "markdown": table}, indent=2))
    print(f"written: {path}")


if __name__ == "__main__":
    main()
