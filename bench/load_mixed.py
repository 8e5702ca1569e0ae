"""Mixed load: concurrent API clients reading, listing, searching and writing, on PostgreSQL.

    python bench/load_mixed.py [--clients 50] [--seconds 60] [--workers 2] [--worker-class sync]
                               [--threads 1] [--docs 2000] [--database h4_load] [--profile 20]

Serves the app as deployed (`wsgi:app`, rate limits on) with gunicorn on 127.0.0.1 over a fresh
copy of the seeded database (see `loadkit.py`). Every client has an API token of its own, as
separate API users would. A country admin's client reads (30%), lists (10%), searches (30%),
updates one of its country's four "hot" documents (20%: GET for the version, then PATCH; a 409
from a concurrent edit is counted, not an error) and creates a published document (10%); a
reader's client reads (45%), lists (10%) and searches (45%, the query shapes of `shapes.py`).
Each client stops at the deadline or after MAX_OPS operations.

Afterwards: `rndd index drain` and `rndd index verify` (exit 0 required); lost updates: for each
hot document, the PATCHes acknowledged must number exactly (final version - initial version), and
the document must hold the word of the one acknowledged last; every acknowledged create must be
readable with its word. `--profile N` records one worker with py-spy for N seconds mid-load.
Figures go to `<out>/load-mixed-<workers>-<class>-<threads>.json`.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadkit import (
    APP,
    MAIN,
    Account,
    Client,
    CpuMeter,
    Gunicorn,
    Recorder,
    Site,
    load_average,
    must,
    prepare,
    rndd_run,
    step,
    unique_word,
    write_document,
)
from search_bench_http import percentile, search_path, worker_memory
from shapes import SHAPES

MAX_OPS = 5000  # per client: the loop ends by itself even if the clock misbehaves
HOT_PER_COUNTRY = 4
ADMIN_CLIENT_SHARE = 0.3
ADMIN_MIX = {"read": 30, "list": 10, "search": 30, "update": 20, "create": 10}
READER_MIX = {"read": 45, "list": 10, "search": 45}
SEARCHES = [search_path(*shape.request(i)) for shape in SHAPES.values() for i in range(len(shape.queries))]


@dataclass
class Ledger:
    """What the server acknowledged: the ground truth for the lost-update check."""

    updates: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # doc -> [(version, word)]
    creates: dict[int, str] = field(default_factory=dict)  # doc -> word
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def hot_documents(port: int, admins: list[Account]) -> dict[str, list[tuple[int, int]]]:
    """Four published public documents per admin country: country -> [(id, version)]."""
    hot: dict[str, list[tuple[int, int]]] = {}
    for account in {a.country: a for a in admins}.values():
        client = Client(port, account.token)
        for n in range(HOT_PER_COUNTRY):
            answer = client.call("POST", "/api/v1/documents",
                                 {**write_document(n, unique_word("hot", n)), "status": "published",
                                  "visibility": "public"})  # fmt: skip
            if answer.status != 201:
                raise RuntimeError(f"creating a hot document answered {answer.status}: {answer.body[:300]}")
            doc = answer.json()
            hot.setdefault(account.country, []).append((doc["id"], doc["version"]))
        client.close()
    return hot


def public_ids(port: int) -> list[int]:
    client = Client(port)
    answer = client.call("GET", "/api/v1/documents?per_page=100")
    client.close()
    return [item["id"] for item in answer.json()["items"]]


class LoadClient(threading.Thread):
    def __init__(self, n: int, port: int, account: Account, hot: list[int], ids: list[int],
                 deadline: float, recorder: Recorder, ledger: Ledger) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.n, self.account, self.hot, self.ids = n, account, hot, ids
        self.deadline, self.recorder, self.ledger = deadline, recorder, ledger
        self.client = Client(port, account.token)
        self.random = random.Random(n)
        mix = ADMIN_MIX if account.role == "country_admin" else READER_MIX
        self.kinds, self.weights = list(mix), list(mix.values())

    def run(self) -> None:
        for op in range(MAX_OPS):
            if time.monotonic() >= self.deadline:
                break
            kind = self.random.choices(self.kinds, self.weights)[0]
            getattr(self, kind)(op)
        self.client.close()

    def record(self, kind: str, method: str, path: str, body: Any = None) -> Any:
        answer = self.client.call(method, path, body)
        self.recorder.add(kind, answer)
        return answer

    def read(self, _op: int) -> None:
        self.record("read", "GET", f"/api/v1/documents/{self.random.choice(self.ids)}")

    def list(self, _op: int) -> None:
        self.record("list", "GET", f"/api/v1/documents?page={self.random.randint(1, 5)}&per_page=20")

    def search(self, _op: int) -> None:
        self.record("search", "GET", self.random.choice(SEARCHES))

    def update(self, op: int) -> None:
        doc_id = self.random.choice(self.hot)
        current = self.record("read", "GET", f"/api/v1/documents/{doc_id}")
        if current.status != 200:
            return
        word = unique_word(f"upd{self.n}x", op)
        answer = self.record("update", "PATCH", f"/api/v1/documents/{doc_id}", {
            "version": current.json()["version"], "body_markdown": f"Edited under load: {word}.",
        })  # fmt: skip
        with self.ledger.lock:
            if answer.status == 200:
                self.ledger.updates.setdefault(doc_id, []).append((answer.json()["version"], word))
            elif answer.status == 409:
                self.ledger.conflicts += 1

    def create(self, op: int) -> None:
        word = unique_word(f"new{self.n}x", op)
        body = {**write_document(op, word), "status": "published", "visibility": "public"}
        answer = self.record("create", "POST", "/api/v1/documents", body)
        if answer.status == 201:
            with self.ledger.lock:
                self.ledger.creates[answer.json()["id"]] = word


def lost_updates(port: int, admin: Account, hot: dict[str, list[tuple[int, int]]], ledger: Ledger) -> dict:
    """Compare what was acknowledged with what the database holds now."""
    client = Client(port, admin.token)  # a network-wide reader of public documents
    problems = []
    for doc_id, initial in (pair for pairs in hot.values() for pair in pairs):
        acked = sorted(ledger.updates.get(doc_id, []))
        doc = client.call("GET", f"/api/v1/documents/{doc_id}").json()
        versions = [v for v, _ in acked]
        if len(set(versions)) != len(versions) or doc["version"] - initial != len(acked):
            problems.append(f"document {doc_id}: {len(acked)} acknowledged updates, version "
                            f"{initial} -> {doc['version']}")  # fmt: skip
        elif acked and acked[-1][1] not in doc["body_markdown"]:
            problems.append(f"document {doc_id}: the last acknowledged edit ({acked[-1][1]}) is not there")
    missing = [d for d, word in ledger.creates.items()
               if word not in client.call("GET", f"/api/v1/documents/{d}").body.decode()]  # fmt: skip
    client.close()
    return {"updates_acknowledged": sum(map(len, ledger.updates.values())), "conflicts_409": ledger.conflicts,
            "creates_acknowledged": len(ledger.creates), "lost": problems + [f"created {d} missing"
                                                                              for d in missing]}  # fmt: skip


def profile(pid: int, seconds: int, out: Path) -> dict[str, Any]:
    """py-spy on one worker (collapsed stacks in `out`), and where its busy time went."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    done = subprocess.run([py_spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100",
                           "--nonblocking", "--format", "raw", "--output", str(out)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode or not out.exists():
        return {"error": (done.stderr or done.stdout).strip()[-300:]}
    return {"stacks": str(out), "pid": pid, "seconds": seconds, "top": top_frames(out)}


def top_frames(stacks: Path, count: int = 30) -> list[tuple[str, float]]:
    """The frames present in most samples (inclusive share), outermost request plumbing left out."""
    totals: dict[str, int] = {}
    samples = 0
    for line in stacks.read_text().splitlines():
        frames, _, n = line.rpartition(" ")
        samples += int(n)
        for frame in set(frames.split(";")):
            totals[frame] = totals.get(frame, 0) + int(n)
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    return [(frame, round(100 * n / samples, 1)) for frame, n in ranked[:count]]


def run(args: argparse.Namespace) -> dict[str, Any]:
    out = args.out.resolve()
    site: Site = prepare(args.database, args.docs, out)
    report: dict[str, Any] = {"clients": args.clients, "seconds": args.seconds, "docs": args.docs,
                              "load_average": {"start": load_average()}}  # fmt: skip
    server = Gunicorn(site.env, args.workers, args.worker_class, args.threads, app=args.app)
    report["server"] = server.describe + ("" if args.app == APP else f", {args.app}")
    try:
        pids = server.wait_ready()
        admins, readers = site.of("country_admin"), site.of("reader") + site.of("contributor")
        hot = hot_documents(server.port, admins)
        ids = public_ids(server.port)
        step(f"gunicorn {server.describe} on {server.port}; warming up")
        warm = Client(server.port, readers[0].token)
        for path in SEARCHES * 2:
            warm.call("GET", path)
        warm.close()
        recorder, ledger = Recorder(), Ledger()
        n_admins = round(args.clients * ADMIN_CLIENT_SHARE)
        accounts = (admins * args.clients)[:n_admins] + (readers * args.clients)[: args.clients - n_admins]
        report["load_average"]["before load"] = load_average()
        step(f"{args.clients} clients ({n_admins} country admins) for {args.seconds} s")
        cpu0, meter = resource.getrusage(resource.RUSAGE_SELF), CpuMeter(server, site.database)
        recorder.t0 = time.monotonic()
        deadline = recorder.t0 + args.seconds
        clients = [LoadClient(n, server.port, account, [d for d, _ in hot[account.country]] if
                              account.country in hot else [], ids, deadline, recorder, ledger)
                   for n, account in enumerate(accounts)]  # fmt: skip
        for client in clients:
            client.start()
        if args.profile:
            time.sleep(min(10, args.seconds / 4))
            name = f"profile-{server.describe.replace(' ', '-')}.txt"
            report["profile"] = profile(pids[0], args.profile, out / name)
        for client in clients:
            client.join(timeout=args.seconds + 120)
        wall = time.monotonic() - recorder.t0
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        report["load_average"]["end of load"] = load_average()
        report["client_cpu_s"] = round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1)
        report["server_cpu_s"] = meter.used()
        report["workers_memory"] = worker_memory(server.workers())
        report["workers_restarted"] = server.workers() != pids
        report["wall_s"] = round(wall, 1)
        ms = recorder.all_ms()
        report["operations"] = len(ms)
        report["operations_per_s"] = round(len(ms) / wall, 1)
        report["cpu_ms_per_operation"] = {part: round(1000 * seconds / len(ms), 1)
                                          for part, seconds in report["server_cpu_s"].items()}  # fmt: skip
        report["kinds"] = recorder.summary()
        report["all"] = {"p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1)}
        report["errors"] = {kind: {s: c for s, c in fig["statuses"].items() if s >= 400 or s == 0}
                            for kind, fig in report["kinds"].items()}  # fmt: skip
        report["errors"]["update"] = {s: c for s, c in report["errors"].get("update", {}).items() if s != 409}
        report["errors"] = {k: v for k, v in report["errors"].items() if v}
        report["error_samples"] = recorder.errors
        report["consistency"] = lost_updates(server.port, admins[0], hot, ledger)
    finally:
        server.stop()
    must(rndd_run(site.env, "index", "drain"))
    verify = rndd_run(site.env, "index", "verify")
    output = (verify.stdout + verify.stderr).strip()[-500:]
    report["index_verify"] = {"exit": verify.returncode, "output": output}
    report["load_average"]["end"] = load_average()
    return report


def table(report: dict[str, Any]) -> str:
    lines = [f"### {report['clients']} clients, {report['seconds']} s, {report['server']}, "
             f"{report['docs']:,} corpus documents + demo", "",
             f"{report['operations']} operations in {report['wall_s']} s: "
             f"**{report['operations_per_s']} operations/s**, p50 {report['all']['p50_ms']} ms, "
             f"p95 {report['all']['p95_ms']} ms", "",
             "| kind | count | p50 ms | p95 ms | max ms | statuses |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for kind, fig in report["kinds"].items():
        lines.append(f"| {kind} | {fig['count']} | {fig['p50_ms']} | {fig['p95_ms']} | {fig['max_ms']} | "
                     f"{fig['statuses']} |")  # fmt: skip
    consistency = report["consistency"]
    lines += ["", f"errors: {report['errors'] or 0}; 409 conflicts (expected): "
              f"{consistency['conflicts_409']}; "
              f"lost updates: {len(consistency['lost'])} {consistency['lost'][:5] or ''}; acknowledged "
              f"updates {consistency['updates_acknowledged']}, creates {consistency['creates_acknowledged']}",
              f"index verify: exit {report['index_verify']['exit']}; workers restarted: "
              f"{report['workers_restarted']}; client CPU {report['client_cpu_s']} s",
              f"CPU per operation (ms): {report['cpu_ms_per_operation']}",
              f"load average: {report['load_average']}"]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--docs", type=int, default=2000, help="corpus documents added to the demo's")
    parser.add_argument("--database", default="h4_load", help="PostgreSQL database (made again each run)")
    parser.add_argument("--app", default=APP, help='what gunicorn serves, e.g. "network:create_app({...})"')
    parser.add_argument("--profile", type=int, default=0, help="seconds of py-spy on one worker")
    parser.add_argument("--tag", default="", help="added to the report's file name")
    parser.add_argument("--out", type=Path, default=MAIN / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report = run(args)
    report["table"] = table(report)
    target = args.out / f"load-mixed-{args.workers}-{args.worker_class}-{args.threads}{args.tag}.json"
    target.write_text(json.dumps(report, indent=2, default=str))
    print(report["table"])
    print(f"\nfigures in {target}")


if __name__ == "__main__":
    main()
