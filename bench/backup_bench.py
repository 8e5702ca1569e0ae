"""Time `rndd backup` and `rndd restore` on the demo and on a generated corpus, SQLite and PostgreSQL.

    python bench/backup_bench.py [--docs 10000] [--pg-url postgresql://postgres@127.0.0.1:5432/h8]
                                 [--out bench/out] [--json]

For each database and each data set: a fresh source instance (`rndd demo`, or `rndd init` plus
the corpus of `corpus.py` bulk-inserted as `search_bench_http.py` does, with one revision per
document), then `rndd backup`, then `rndd restore` into a fresh empty instance, then `rndd index
rebuild` on the restored instance alone (the share of the restore that is the search index).
PostgreSQL uses the databases `<name>_bkbench_src` and `<name>_bkbench_dst` beside the one
`--pg-url` names (dropped and made again); without `--pg-url` only SQLite runs. Work folders go
to `<out>/backup-bench/` and are replaced at every run.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MAIN = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MAIN / "bench"))
sys.path.insert(0, str(MAIN))

from search_bench_http import BATCH, batches, document_rows, generate, insert_authors  # noqa: E402


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}] {message}", flush=True)


def fresh_postgres(base_url: str, suffix: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"{base.database}_bkbench_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def instance(work: Path, database_url: str) -> dict[str, str]:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ)
    env.pop("RNDD_DEBUG", None)
    env.update({
        "RNDD_DATABASE_URL": database_url, "RNDD_INDEX_DIR": str(work / "index"),
        "RNDD_UPLOAD_DIR": str(work / "uploads"), "RNDD_KEY_DIR": str(work / "keys"),
        "RNDD_SECRET_KEY": secrets.token_hex(32), "PYTHONPATH": str(MAIN),
    })  # fmt: skip
    return env


def database_url(backend: str, work: Path, pg_url: str | None, suffix: str) -> str:
    if backend == "sqlite":
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        return f"sqlite:///{work / 'rndd.sqlite3'}"
    return fresh_postgres(pg_url or "", suffix)


def rndd(env: dict[str, str], *args: str) -> float:
    """Run `flask --app wsgi <args>` (what `rndd` is); seconds; raises on a non-zero exit."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=MAIN, env=env,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"rndd {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def insert_corpus(url: str, docs: int) -> None:
    """The corpus as documents, topics, shares, one revision each and change-log rows."""
    from sqlalchemy import create_engine, text

    from content.models import ChangeLog, Document, DocumentShare, Revision, Topic, document_topics

    engine = create_engine(url)
    with engine.begin() as conn:
        authors = insert_authors(conn)
        topic_ids = {row.slug: row.id for row in conn.execute(Topic.__table__.select())}
        for batch in batches(generate(docs), BATCH):
            rows = [document_rows(record, authors, topic_ids) for record in batch]
            conn.execute(Document.__table__.insert(), [r[0] for r in rows])
            conn.execute(document_topics.insert(), [t for r in rows for t in r[1]])
            shares = [s for r in rows for s in r[2]]
            if shares:
                conn.execute(DocumentShare.__table__.insert(), shares)
            conn.execute(Revision.__table__.insert(), [revision(r[0]) for r in rows])
            conn.execute(ChangeLog.__table__.insert(), [r[3] for r in rows])
        if engine.dialect.name == "postgresql":  # ids were given: move the sequence past them
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('document', 'id'), max(id)) FROM document")
            )
    engine.dispose()


def revision(doc: dict[str, Any]) -> dict[str, Any]:
    return {"document_id": doc["id"], "number": 1, "title": doc["title"], "summary": doc["summary"],
            "body_markdown": doc["body_markdown"], "author_id": doc["author_id"], "note": "",
            "created_at": doc["created_at"]}  # fmt: skip


def run(backend: str, dataset: str, docs: int, pg_url: str | None, out: Path) -> dict[str, Any]:
    base = out / "backup-bench" / f"{backend}-{dataset}"
    source = instance(base / "source", database_url(backend, base / "source-db", pg_url, "src"))
    step(f"{backend} {dataset}: loading the source")
    if dataset == "demo":
        rndd(source, "demo")
    else:
        rndd(source, "init")
        insert_corpus(source["RNDD_DATABASE_URL"], docs)
    archive = base / "hub.tar.gz"
    step(f"{backend} {dataset}: backup")
    backup_s = rndd(source, "backup", str(archive))
    target = instance(base / "target", database_url(backend, base / "target-db", pg_url, "dst"))
    step(f"{backend} {dataset}: restore")
    restore_s = rndd(target, "restore", str(archive))
    step(f"{backend} {dataset}: index rebuild on the restored instance")
    rebuild_s = rndd(target, "index", "rebuild")
    return {"backend": backend, "dataset": dataset, "archive_mb": round(archive.stat().st_size / 2**20, 1),
            "backup_s": round(backup_s, 1), "restore_s": round(restore_s, 1),
            "index_rebuild_alone_s": round(rebuild_s, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--pg-url", help="a PostgreSQL URL; its server gets two scratch databases")
    parser.add_argument("--out", type=Path, default=MAIN / "bench" / "out")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    datasets = ("demo", f"{args.docs}")
    results = [run(b, d, args.docs, args.pg_url, args.out) for b in backends for d in datasets]
    print("\n| database | data | archive MB | backup s | restore s | index rebuild alone s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        data = "demo" if r["dataset"] == "demo" else f"{int(r['dataset']):,} documents"
        print(f"| {r['backend']} | {data} | {r['archive_mb']} | {r['backup_s']} | {r['restore_s']} "
              f"| {r['index_rebuild_alone_s']} |")  # fmt: skip
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
