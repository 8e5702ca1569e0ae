"""Fault 10b: PostgreSQL "stops" for 30 s under load and comes back; the app is not restarted.

    python bench/fault_database.py [--before 20] [--outage 30] [--after 30] [--clients 8]

Stopping the machine's PostgreSQL server would harm the other users of it, so the app reaches
its database through a TCP proxy of this script's own (`loadkit.TcpProxy`, asyncio, on
127.0.0.1). The outage cuts the proxy: every open connection is reset and new ones are refused,
which is what the app sees when the server stops. Meanwhile half of the clients read and search,
the other half (country admins) create and edit documents, all through the API.

Reported: the answers per second (200s, then 503s with Retry-After, then 200s again), how fast a
503 comes back, how long after the restore the first and the last failures were, whether any
answer was something else than 2xx/409/503 (a 500, or no answer), whether the gunicorn workers
are the same processes at the end (no restart), and that nothing acknowledged was lost: every
201/200 write is in the database at its version, and `rndd index verify` exits 0 after a drain.
"""

from __future__ import annotations

import argparse
import json
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
    TcpProxy,
    load_average,
    must,
    prepare,
    rndd_run,
    step,
    unique_word,
    write_document,
)
from search_bench_http import search_path
from shapes import SHAPES

MAX_OPS = 20_000  # per client: the loop ends by itself
PAUSE_S = 0.05  # between requests: a steady load, not a saturating one
SEARCHES = [search_path(*shape.request(i)) for shape in SHAPES.values() for i in range(len(shape.queries))]
EXPECTED = {200, 201, 409, 503}


class Writer(threading.Thread):
    """Creates a document, edits it, repeats; remembers what was acknowledged."""

    def __init__(self, n: int, port: int, account: Account, deadline: float, recorder: Recorder) -> None:
        super().__init__(daemon=True)
        self.n, self.deadline, self.recorder = n, deadline, recorder
        self.client = Client(port, account.token, timeout=30)
        self.acked: dict[int, tuple[int, str]] = {}
        self.retry_after: set[str] = set()

    def run(self) -> None:
        doc_id = None
        for op in range(MAX_OPS):
            if time.monotonic() >= self.deadline:
                break
            word = unique_word(f"pg{self.n}x", op)
            if doc_id is None or op % 3 == 0:
                body = {**write_document(op, word), "status": "published", "visibility": "public"}
                answer = self.client.call("POST", "/api/v1/documents", body)
                kind = "create"
            else:
                body = {"version": self.acked[doc_id][0], "body_markdown": f"Edited: {word}."}
                answer = self.client.call("PATCH", f"/api/v1/documents/{doc_id}", body)
                kind = "update"
            self.recorder.add(kind, answer)
            if answer.status in (200, 201):
                doc = answer.json()
                doc_id = doc["id"]
                self.acked[doc_id] = (doc["version"], word)
            elif answer.status == 503:
                self.retry_after.add(answer.headers.get("Retry-After", "missing"))
            time.sleep(PAUSE_S)
        self.client.close()


class Reader(threading.Thread):
    def __init__(
        self, n: int, port: int, account: Account, ids: list[int], deadline: float, recorder: Recorder
    ) -> None:
        super().__init__(daemon=True)
        self.ids, self.deadline, self.recorder = ids, deadline, recorder
        self.client = Client(port, account.token, timeout=30)
        self.random = random.Random(n)

    def run(self) -> None:
        for _ in range(MAX_OPS):
            if time.monotonic() >= self.deadline:
                break
            if self.random.random() < 0.5:
                self.recorder.add(
                    "read", self.client.call("GET", f"/api/v1/documents/{self.random.choice(self.ids)}")
                )
            else:
                self.recorder.add("search", self.client.call("GET", self.random.choice(SEARCHES)))
            time.sleep(PAUSE_S)
        self.client.close()


def phases(recorder: Recorder, before: float, outage: float) -> dict[str, dict[str, int]]:
    """Statuses before, during and after the outage (by second since the load started)."""
    spans = {"before": (0, before), "outage": (before, before + outage), "after": (before + outage, 1e9)}
    found: dict[str, dict[str, int]] = {}
    for name, (start, end) in spans.items():
        counts: dict[str, int] = {}
        for second, statuses in recorder.timeline.items():
            if start <= second < end:
                for status, count in statuses.items():
                    counts[str(status)] = counts.get(str(status), 0) + count
        found[name] = dict(sorted(counts.items()))
    return found


def recovery(recorder: Recorder, cut_at: float, restored_at: float) -> dict[str, Any]:
    """How the answers changed at the cut and at the restore (seconds since each)."""
    fine = (200, 201, 409)
    after_cut = [t - cut_at for t, _, status in recorder.events if t >= cut_at and status not in fine]
    failures_after = [
        t - restored_at for t, _, status in recorder.events if t >= restored_at and status not in fine
    ]
    success_after = [
        t - restored_at for t, _, status in recorder.events if t >= restored_at and status in fine
    ]
    return {
        "first_failure_after_cut_s": round(min(after_cut), 2) if after_cut else None,
        "first_success_after_restore_s": round(min(success_after), 2) if success_after else None,
        "last_failure_after_restore_s": round(max(failures_after), 2) if failures_after else None,
        "failures_after_restore": len(failures_after),
    }


def unexpected(recorder: Recorder) -> dict[str, dict[int, int]]:
    return {
        kind: {s: c for s, c in statuses.items() if s not in EXPECTED}
        for kind, statuses in recorder.statuses.items()
        if any(s not in EXPECTED for s in statuses)
    }


def lost(port: int, token: str, acked: dict[int, tuple[int, str]]) -> list[str]:
    client, problems = Client(port, token), []
    for doc_id, (version, word) in acked.items():
        answer = client.call("GET", f"/api/v1/documents/{doc_id}")
        doc = answer.json() if answer.status == 200 else {}
        if doc.get("version", 0) < version or (
            doc.get("version") == version and word not in answer.body.decode()
        ):
            problems.append(
                f"document {doc_id}: acknowledged version {version} ({word}), now {answer.status} "
                f"{doc.get('version')}"
            )
    client.close()
    return problems


def run(args: argparse.Namespace) -> dict[str, Any]:
    site = prepare(args.database, args.docs, args.out.resolve())
    proxy = TcpProxy()
    proxy.start()
    site.point_at(proxy.port)
    server = Gunicorn(site.env, workers=2)
    report: dict[str, Any] = {
        "before_s": args.before,
        "outage_s": args.outage,
        "after_s": args.after,
        "clients": args.clients,
        "load_average": {"start": load_average()},
    }
    try:
        pids = server.wait_ready()
        ids = [
            item["id"]
            for item in Client(server.port).call("GET", "/api/v1/documents?per_page=100").json()["items"]
        ]
        admins = list({a.country: a for a in site.of("country_admin")}.values())
        readers = site.of("reader")
        recorder = Recorder()
        deadline = recorder.t0 + args.before + args.outage + args.after
        writers = [
            Writer(n, server.port, admins[n % len(admins)], deadline, recorder)
            for n in range(args.clients // 2)
        ]
        others = [
            Reader(n, server.port, readers[n], ids, deadline, recorder)
            for n in range(args.clients - len(writers))
        ]
        step(f"{len(writers)} writers and {len(others)} readers; outage after {args.before} s")
        for thread in writers + others:
            thread.start()
        time.sleep(max(0.0, recorder.t0 + args.before - time.monotonic()))
        report["connections_reset"] = proxy.cut()
        cut_at = time.monotonic() - recorder.t0
        step(
            f"proxy cut ({report['connections_reset']} connections reset): "
            f"PostgreSQL unreachable for {args.outage} s"
        )
        time.sleep(max(0.0, recorder.t0 + args.before + args.outage - time.monotonic()))
        proxy.restore()
        restored_at = time.monotonic() - recorder.t0
        step("proxy restored")
        for thread in writers + others:
            thread.join(timeout=args.after + 120)
        report["load_average"]["end of load"] = load_average()
        report["phases"] = phases(recorder, args.before, args.outage)
        report["recovery"] = recovery(recorder, cut_at, restored_at)
        report["kinds"] = recorder.summary()
        report["unexpected_answers"] = unexpected(recorder)
        report["error_samples"] = recorder.errors
        report["retry_after_values"] = sorted({v for w in writers for v in w.retry_after})
        report["same_workers"] = server.workers() == pids
        acked = {doc: fig for w in writers for doc, fig in w.acked.items()}
        report["acknowledged_documents"] = len(acked)
        report["lost"] = lost(server.port, admins[0].token, acked)
        report["final_drain"] = must(rndd_run(site.env, "index", "drain")).strip()
        verify = rndd_run(site.env, "index", "verify")
        report["index_verify"] = {
            "exit": verify.returncode,
            "output": (verify.stdout + verify.stderr).strip()[-500:],
        }
        report["timeline"] = {str(s): dict(c) for s, c in sorted(recorder.timeline.items())}
    finally:
        server.stop()
        proxy.stop()
    report["load_average"]["end"] = load_average()
    return report


def table(report: dict[str, Any]) -> str:
    rec = report["recovery"]
    lines = [
        f"### PostgreSQL unreachable for {report['outage_s']} s under load ({report['clients']} clients)",
        "",
        "| phase | answers by status |",
        "|---|---|",
    ]
    lines += [f"| {name} | {counts} |" for name, counts in report["phases"].items()]
    lines += ["", "| kind | count | p50 ms | p95 ms | max ms | statuses |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {k} | {f['count']} | {f['p50_ms']} | {f['p95_ms']} | {f['max_ms']} | {f['statuses']} |"
        for k, f in report["kinds"].items()
    ]
    lines += [
        "",
        f"- connections reset by the cut: {report['connections_reset']}; Retry-After sent: "
        f"{report['retry_after_values']}",
        f"- seconds from the cut to the first 503: {rec['first_failure_after_cut_s']}; from the restore "
        f"to the "
        f"first success: {rec['first_success_after_restore_s']}, to the last failure: "
        f"{rec['last_failure_after_restore_s']} ({rec['failures_after_restore']} failures after the restore)",
        f"- answers other than 2xx/409/503: {report['unexpected_answers'] or 'none'} "
        f"{report['error_samples'][:3]}",
        f"- same gunicorn workers at the end (no restart): {report['same_workers']}",
        f"- acknowledged writes lost: {len(report['lost'])} of {report['acknowledged_documents']} documents "
        f"{report['lost'][:3] or ''}",
        f"- after `rndd index drain` ({report['final_drain']}): `rndd index verify` exit "
        f"{report['index_verify']['exit']}",
        f"- load average: {report['load_average']}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=float, default=20)
    parser.add_argument("--outage", type=float, default=30)
    parser.add_argument("--after", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--docs", type=int, default=2000, help="corpus documents of the seed")
    parser.add_argument("--database", default="h4_load", help="PostgreSQL database (made again each run)")
    parser.add_argument("--out", type=Path, default=MAIN / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report = run(args)
    report["table"] = table(report)
    target = args.out / "fault-database.json"
    target.write_text(json.dumps(report, indent=2, default=str))
    print(report["table"])
    print(f"\nfigures in {target}")
    ok = not report["unexpected_answers"] and not report["lost"] and report["same_workers"]
    sys.exit(0 if ok and report["index_verify"]["exit"] == 0 else 1)


if __name__ == "__main__":
    main()
