"""Fault 10c: the search index is corrupted while the app serves; what is noticed, and recovery.

    python bench/fault_index.py [--modes garbage,truncate,toc,pointer] [--before 10] [--watch 30]
                                [--after 20] [--no-rebuild]

For each mode, over a fresh copy of the seeded database and index (see `loadkit.py`), gunicorn
serves the app while four clients search (the query shapes of `shapes.py`, as a reader) and read
documents, and one country admin writes (so the index keeps committing). After `--before`
seconds the index on disk is damaged:

- `garbage`: random bytes over parts of the largest segment's terms and postings files (in place);
- `truncate`: the largest postings file cut to half its length (readers have it mapped);
- `toc`: the index's table of contents overwritten with garbage;
- `pointer`: `CURRENT` names a directory that does not exist.

The script watches `--watch` seconds, runs `rndd index verify`, then `rndd index rebuild` (the
documented repair; left out with `--no-rebuild`, to see whether the app heals by itself) and
watches `--after` seconds more, without restarting the app. A search answer is "wrong" when its
total differs from the one before the damage (the writer's documents match none of the queries).

Reported per mode and phase: answers by status and kind, wrong answers, the first moment a
search answer differed (wrong, or not 200), Retry-After on 503s, worker restarts, tracebacks and
index warnings in the log, and whether searches were right again before and after the rebuild.
The app's degrade behaviour is expected to change these figures (a 503 with Retry-After or an
automatic rebuild instead of 500s or silently empty results); the script reports what it sees.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

from loadkit import (
    MAIN,
    Account,
    Client,
    Gunicorn,
    Recorder,
    load_average,
    prepare,
    rndd_run,
    step,
    unique_word,
    write_document,
)
from search_bench_http import search_path
from shapes import SHAPES

MODES = ("garbage", "truncate", "toc", "pointer")
MAX_OPS = 20_000  # per client: the loop ends by itself
PAUSE_S = 0.05
SEARCHES = [search_path(*shape.request(i)) for shape in SHAPES.values() for i in range(len(shape.queries))]


def corrupt(root: Path, mode: str) -> str:
    """Damage the current index in `root` as `mode` says; what was done."""
    current = root / (root / "CURRENT").read_text().strip()
    chance = random.Random(7)

    def largest(suffix: str) -> Path:
        return max(current.glob(f"*{suffix}"), key=lambda p: p.stat().st_size)

    if mode == "garbage":
        done = []
        for path in (largest(".trm"), largest(".pst")):
            size = path.stat().st_size
            with open(path, "r+b") as handle:
                for _ in range(8):
                    handle.seek(chance.randrange(0, max(1, size - 4096)))
                    handle.write(os.urandom(4096))
            done.append(f"{path.name} ({size:,} bytes): 8 x 4 KiB of random bytes")
        return "; ".join(done)
    if mode == "truncate":
        path = largest(".pst")
        size = path.stat().st_size
        os.truncate(path, size // 2)
        return f"{path.name} cut from {size:,} to {size // 2:,} bytes"
    if mode == "toc":
        tocs = sorted(current.glob("*.toc"))
        for path in tocs:
            path.write_bytes(os.urandom(path.stat().st_size or 64))
        return f"{', '.join(p.name for p in tocs)} overwritten with random bytes"
    (root / "CURRENT").write_text("ix-1-deadbeef\n")
    return "CURRENT now names ix-1-deadbeef, which does not exist"


class Searcher(threading.Thread):
    """Searches and reads; counts a search answer as wrong when its total is not the baseline's."""

    def __init__(
        self,
        n: int,
        port: int,
        account: Account,
        ids: list[int],
        baseline: dict[str, int],
        deadline: float,
        recorder: Recorder,
        wrong: list[float],
    ) -> None:
        super().__init__(daemon=True)
        self.client = Client(port, account.token, timeout=30)
        self.ids, self.baseline, self.deadline = ids, baseline, deadline
        self.recorder, self.wrong, self.random = recorder, wrong, random.Random(n)

    def run(self) -> None:
        for _ in range(MAX_OPS):
            if time.monotonic() >= self.deadline:
                break
            if self.random.random() < 0.25:
                self.recorder.add(
                    "read", self.client.call("GET", f"/api/v1/documents/{self.random.choice(self.ids)}")
                )
            else:
                path = self.random.choice(SEARCHES)
                answer = self.client.call("GET", path)
                self.recorder.add("search", answer)
                if answer.status == 200 and answer.json()["total"] != self.baseline[path]:
                    self.wrong.append(time.monotonic() - self.recorder.t0)
            time.sleep(PAUSE_S)
        self.client.close()


class Writer(threading.Thread):
    def __init__(self, port: int, account: Account, deadline: float, recorder: Recorder) -> None:
        super().__init__(daemon=True)
        self.client, self.deadline, self.recorder = (
            Client(port, account.token, timeout=30),
            deadline,
            recorder,
        )

    def run(self) -> None:
        for op in range(MAX_OPS):
            if time.monotonic() >= self.deadline:
                break
            body = {
                **write_document(op, unique_word("ix", op)),
                "status": "published",
                "visibility": "public",
            }
            self.recorder.add("create", self.client.call("POST", "/api/v1/documents", body))
            time.sleep(0.5)
        self.client.close()


def phase_counts(recorder: Recorder, start: float, end: float) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for t, kind, status in recorder.events:
        if start <= t < end:
            counts.setdefault(kind, {}).setdefault(str(status), 0)
            counts[kind][str(status)] += 1
    return counts


def right_again(recorder: Recorder, wrong: list[float], start: float, end: float) -> bool | None:
    """Were the last five searches of the span all 200 with the baseline's total?"""
    searches = [(t, status) for t, kind, status in recorder.events if kind == "search" and start <= t < end]
    if len(searches) < 5:
        return None
    last = searches[-5:]
    return all(status == 200 for _, status in last) and not [w for w in wrong if w >= last[0][0] and w < end]


def log_findings(log: Path, offset: int) -> dict[str, int]:
    text = log.read_text(errors="replace")[offset:]
    return {
        "tracebacks": text.count("Traceback"),
        "index_warnings": text.count("search index"),
        "worker_boots": text.count("Booting worker"),
        "worker_deaths": text.count("Worker (pid"),
    }


def run_mode(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    site = prepare(args.database, args.docs, args.out.resolve())
    server = Gunicorn(site.env, workers=2, log_name=f"gunicorn-{mode}.log")
    report: dict[str, Any] = {"mode": mode, "load_average": {"start": load_average()}}
    try:
        pids = server.wait_ready()
        reader = site.of("reader")[0]
        probe = Client(server.port, reader.token)
        baseline = {path: probe.call("GET", path).json()["total"] for path in SEARCHES}
        ids = [item["id"] for item in probe.call("GET", "/api/v1/documents?per_page=100").json()["items"]]
        probe.close()
        log_offset = Path(server.log.name).stat().st_size
        recorder, wrong = Recorder(), []
        total = args.before + args.watch + args.after + (0 if args.no_rebuild else 600)
        deadline = recorder.t0 + total
        readers = [
            Searcher(n, server.port, site.of("reader")[n], ids, baseline, deadline, recorder, wrong)
            for n in range(4)
        ]
        writer = Writer(server.port, site.of("country_admin")[0], deadline, recorder)
        for thread in [*readers, writer]:
            thread.start()
        time.sleep(args.before)
        damaged_at = time.monotonic() - recorder.t0
        report["damage"] = corrupt(site.env.index_dir, mode)
        step(f"{mode}: {report['damage']}")
        time.sleep(args.watch)
        verify = rndd_run(site.env, "index", "verify", timeout=300)
        report["verify_after_damage"] = {
            "exit": verify.returncode,
            "output": (verify.stdout + verify.stderr).strip()[-300:],
        }
        watched_until = time.monotonic() - recorder.t0
        rebuild_done = watched_until
        if not args.no_rebuild:
            step(f"{mode}: rndd index rebuild while serving")
            rebuild = rndd_run(site.env, "index", "rebuild", timeout=600)
            rebuild_done = time.monotonic() - recorder.t0
            report["rebuild"] = {
                "exit": rebuild.returncode,
                "seconds": round(rebuild_done - watched_until, 1),
                "output": (rebuild.stdout + rebuild.stderr).strip()[-200:],
            }
        time.sleep(args.after)
        end = time.monotonic() - recorder.t0
        for thread in [*readers, writer]:
            thread.deadline = 0  # stop now
        for thread in [*readers, writer]:
            thread.join(timeout=60)
        noticed = [
            t for t, kind, status in recorder.events if kind == "search" and t >= damaged_at and status != 200
        ]
        noticed += [w for w in wrong if w >= damaged_at]
        report["first_search_difference_s"] = round(min(noticed) - damaged_at, 2) if noticed else None
        report["phases"] = {
            "before": phase_counts(recorder, 0, damaged_at),
            "damaged": phase_counts(recorder, damaged_at, rebuild_done),
            "after": phase_counts(recorder, rebuild_done, end),
        }
        report["wrong_totals"] = {
            "damaged": sum(damaged_at <= w < rebuild_done for w in wrong),
            "after": sum(w >= rebuild_done for w in wrong),
        }
        report["right_before_rebuild"] = right_again(recorder, wrong, damaged_at, watched_until)
        report["right_at_end"] = right_again(recorder, wrong, rebuild_done, end)
        report["workers_restarted"] = server.workers() != pids
        report["log"] = log_findings(Path(server.log.name), log_offset)
        verify = rndd_run(site.env, "index", "verify", timeout=300)
        report["verify_at_end"] = {
            "exit": verify.returncode,
            "output": (verify.stdout + verify.stderr).strip()[-300:],
        }
    finally:
        server.stop()
    report["load_average"]["end"] = load_average()
    return report


def table(reports: list[dict[str, Any]]) -> str:
    lines = ["### Index damaged while serving", ""]
    for r in reports:
        lines += [
            f"**{r['mode']}**: {r['damage']}",
            "",
            f"- first search answer that differed: {r['first_search_difference_s']} s after the damage",
            f"- answers before: {r['phases']['before']}",
            f"- answers while damaged: {r['phases']['damaged']}; "
            f"wrong totals: {r['wrong_totals']['damaged']}",
            f"- searches right again before any repair: {r['right_before_rebuild']}",
            f"- `rndd index verify` while damaged: exit {r['verify_after_damage']['exit']} "
            f"({r['verify_after_damage']['output'][-120:]!r})",
            f"- `rndd index rebuild` while serving: {r.get('rebuild', 'not run')}",
            f"- answers after: {r['phases']['after']}; wrong totals: {r['wrong_totals']['after']}; "
            f"searches right at the end: {r['right_at_end']}",
            f"- workers restarted: {r['workers_restarted']}; log: {r['log']}; verify at the end: exit "
            f"{r['verify_at_end']['exit']}",
            f"- load average: {r['load_average']}",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--before", type=float, default=10)
    parser.add_argument("--watch", type=float, default=30)
    parser.add_argument("--after", type=float, default=20)
    parser.add_argument("--no-rebuild", action="store_true")
    parser.add_argument("--docs", type=int, default=2000, help="corpus documents of the seed")
    parser.add_argument("--database", default="h4_load", help="PostgreSQL database (made again each run)")
    parser.add_argument("--out", type=Path, default=MAIN / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown modes {sorted(unknown)}; use {', '.join(MODES)}")
    reports = [run_mode(args, mode) for mode in modes]
    text = table(reports)
    target = args.out / "fault-index.json"
    target.write_text(json.dumps({"reports": reports, "table": text}, indent=2, default=str))
    print(text)
    print(f"figures in {target}")


if __name__ == "__main__":
    sys.exit(main())
