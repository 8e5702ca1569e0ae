"""Fault 10a: SIGKILL the index drainer 50 times while four processes write through the API.

    python bench/fault_drainer.py [--kills 50] [--seconds 60] [--writers 4] [--after-request off|on]

Over a fresh copy of the seeded PostgreSQL database (see `loadkit.py`), gunicorn serves the app
and four writer processes, each a country admin with a token of its own, create published public
documents and edit each of them twice (every text carries a unique word) for `--seconds`. Meanwhile
`drain_killer.py` runs drainers and kills each with SIGKILL at a random moment, `--kills` times.
By default the app's own after-request drain is off, so the killed drainers are the only writers
of the index; `--after-request on` keeps it (the two then race for the index lock).

Then one clean `rndd index drain`, and the proof: `rndd index verify` exits 0, and for every
acknowledged write (a 201 or 200) the database holds the document at the last acknowledged
version with its word, and a search for that word finds it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from loadkit import (
    MAIN,
    Client,
    Gunicorn,
    Recorder,
    load_average,
    must,
    prepare,
    rndd_run,
    step,
    unique_word,
    write_document,
)

EDITS_PER_DOCUMENT = 2
MAX_WRITES = 5000  # per writer: the loop ends by itself even if the clock misbehaves


def writer(n: int, port: int, token: str, seconds: float, results: Any) -> None:
    """One writing process: create, edit twice, repeat; sends back what was acknowledged."""
    client, recorder = Client(port, token), Recorder()
    acked: dict[int, tuple[int, str]] = {}  # document -> (last acknowledged version, its word)
    deadline = time.monotonic() + seconds
    for op in range(MAX_WRITES):
        if time.monotonic() >= deadline:
            break
        word = unique_word(f"kill{n}x", op)
        body = {**write_document(op, word), "status": "published", "visibility": "public"}
        answer = client.call("POST", "/api/v1/documents", body)
        recorder.add("create", answer)
        if answer.status != 201:
            continue
        doc = answer.json()
        acked[doc["id"]] = (doc["version"], word)
        for edit in range(EDITS_PER_DOCUMENT):
            word = unique_word(f"kill{n}x{op}e", edit)
            version = acked[doc["id"]][0]
            answer = client.call(
                "PATCH",
                f"/api/v1/documents/{doc['id']}",
                {"version": version, "body_markdown": f"Edited: {word}."},
            )
            recorder.add("update", answer)
            if answer.status == 200:
                acked[doc["id"]] = (answer.json()["version"], word)
    client.close()
    results.put({"acked": acked, "summary": recorder.summary(), "errors": recorder.errors})


def check_acknowledged(port: int, token: str, acked: dict[int, tuple[int, str]]) -> list[str]:
    """What is missing of the acknowledged writes, in the database or in search."""
    client, problems = Client(port, token), []
    for doc_id, (version, word) in acked.items():
        answer = client.call("GET", f"/api/v1/documents/{doc_id}")
        doc = answer.json() if answer.status == 200 else {}
        if doc.get("version") != version or word not in doc.get("body_markdown", "") + doc.get("title", ""):
            problems.append(
                f"document {doc_id}: expected version {version} with {word}, got {answer.status} "
                f"version {doc.get('version')}"
            )
            continue
        hits = client.call("GET", f"/api/v1/search?q={word}&per_page=5")
        if hits.status != 200 or doc_id not in [item["id"] for item in hits.json()["items"]]:
            problems.append(f"document {doc_id}: a search for {word} does not find it ({hits.status})")
    client.close()
    return problems


def run(args: argparse.Namespace) -> dict[str, Any]:
    site = prepare(args.database, args.docs, args.out.resolve())
    app = "network:create_app({'INDEX_AFTER_REQUEST': %s})" % (args.after_request == "on")  # noqa: UP031
    server = Gunicorn(site.env, workers=2, app=app)
    report: dict[str, Any] = {
        "kills": args.kills,
        "seconds": args.seconds,
        "writers": args.writers,
        "after_request_drain": args.after_request,
        "load_average": {"start": load_average()},
    }
    try:
        server.wait_ready()
        admins = {a.country: a for a in site.of("country_admin")}
        tokens = [a.token for a in list(admins.values())[: args.writers]]
        step(f"{args.writers} writers for {args.seconds} s; {args.kills} SIGKILLs of the drainer")
        fork = multiprocessing.get_context("fork")
        results = fork.Queue()
        writers = [
            fork.Process(target=writer, args=(n, server.port, token, args.seconds, results))
            for n, token in enumerate(tokens)
        ]
        for process in writers:
            process.start()
        killer = subprocess.run(
            [
                sys.executable,
                str(MAIN / "bench" / "drain_killer.py"),
                "--kills",
                str(args.kills),
                "--seconds",
                str(args.seconds),
            ],
            cwd=site.env.app,
            env=site.env.vars,
            capture_output=True,
            text=True,
            timeout=args.seconds + 300,
        )
        if killer.returncode:
            raise RuntimeError(f"drain_killer exited {killer.returncode}:\n{killer.stderr[-3000:]}")
        report["killer"] = json.loads(killer.stdout.strip().splitlines()[-1])
        outcomes = [results.get(timeout=args.seconds + 120) for _ in writers]
        for process in writers:
            process.join(timeout=30)
        report["load_average"]["end of load"] = load_average()
        acked = {doc: fig for outcome in outcomes for doc, fig in outcome["acked"].items()}
        report["writes"] = [outcome["summary"] for outcome in outcomes]
        report["write_errors"] = [e for outcome in outcomes for e in outcome["errors"]][:10]
        step("a clean rndd index drain, then rndd index verify and the acknowledged writes")
        report["final_drain"] = must(rndd_run(site.env, "index", "drain")).strip()
        verify = rndd_run(site.env, "index", "verify")
        report["index_verify"] = {
            "exit": verify.returncode,
            "output": (verify.stdout + verify.stderr).strip()[-800:],
        }
        report["documents_acknowledged"] = len(acked)
        report["writes_acknowledged"] = sum(
            f["statuses"].get(201, 0) + f["statuses"].get(200, 0)
            for s in report["writes"]
            for f in s.values()
        )
        report["missing"] = check_acknowledged(server.port, tokens[0], acked)
    finally:
        server.stop()
    report["load_average"]["end"] = load_average()
    return report


def table(report: dict[str, Any]) -> str:
    killer, verify = report["killer"], report["index_verify"]
    statuses: dict[str, int] = {}
    for summary in report["writes"]:
        for kind, fig in summary.items():
            for status, count in fig["statuses"].items():
                statuses[f"{kind} {status}"] = statuses.get(f"{kind} {status}", 0) + count
    return "\n".join(
        [
            f"### SIGKILL of the index drainer: {killer['kills']} kills in {killer['seconds']} s, "
            f"{report['writers']} writers for {report['seconds']} s, "
            f"after-request drain {report['after_request_drain']}",
            "",
            f"- kills inside an index commit (`SearchIndex.apply`): {killer['inside_apply']} "
            f"of {killer['kills']}; "
            f"commits completed by the killed drainers: {killer['commits']}; drains that applied rows: "
            f"{killer['drains_with_rows']}, empty drains: {killer['empty_drains']}",
            f"- writes: {statuses} ({report['writes_acknowledged']} acknowledged, on "
            f"{report['documents_acknowledged']} documents)",
            f"- final clean drain: {report['final_drain']}",
            f"- `rndd index verify`: exit {verify['exit']} ({verify['output']})",
            f"- acknowledged writes missing from the database or search: {len(report['missing'])} "
            f"{report['missing'][:5] or ''}",
            f"- load average: {report['load_average']}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--after-request", choices=("on", "off"), default="off")
    parser.add_argument("--docs", type=int, default=2000, help="corpus documents of the seed")
    parser.add_argument("--database", default="h4_load", help="PostgreSQL database (made again each run)")
    parser.add_argument("--out", type=Path, default=MAIN / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report = run(args)
    report["table"] = table(report)
    target = args.out / f"fault-drainer-{args.after_request}.json"
    target.write_text(json.dumps(report, indent=2, default=str))
    print(report["table"])
    print(f"\nfigures in {target}")
    sys.exit(0 if report["index_verify"]["exit"] == 0 and not report["missing"] else 1)


if __name__ == "__main__":
    main()
