"""Federation pull benchmark: two real nodes over HTTP, timing `rndd federation sync` end to end.

    python bench/federation_bench.py --docs 10000 [--out bench/out] [--attach-every 10] [--profile]

In `<out>/federation-work-<docs>/` (replaced at every run, kept afterwards for inspection):

1. the app (wsgi.py, network, content, search_index, federation, migrations) is copied to `app/`,
   so edits made in the checkout during a run cannot change what is measured;
2. two nodes, each with its own SQLite database, index, uploads, key and secret key: the origin
   `jakarta` (hosts ID) and the receiver `bangkok` (hosts TH); `rndd init` and `rndd federation
   keygen` on each;
3. the origin gets `--docs` published documents of Indonesia, every one of an audience the
   receiver may hold (public, network, or `countries` shared with TH and up to two others),
   with the prose of `bench/corpus.py` (300 to 900 words) and one revision each, and on one in
   `--attach-every` an attachment (alternately a PDF of a page or two and a Markdown file, a few
   KB, each carrying a marker word), all bulk-inserted with SQLAlchemy Core with one
   `published` change-log row per document; the attachment bytes go to `blob_path(sha256)`;
4. each node is served by gunicorn (`-w 1 --threads 4 wsgi:app`, the app as deployed, rate
   limits included) on a free loopback port, and each registers the other with
   `rndd federation add-peer URL --yes`;
5. `rndd federation sync` on the receiver, timed end to end (pages fetched and checked, every
   Ed25519 signature verified, attachments fetched by checksum, checked, sniffed and read,
   copies stored, then the index drain that ends every sync); the run is the console script's
   `network.cli:main` with timers wrapped around `sync._index` (the drain), `client.signed_json`
   (page fetches), `sync._download`, `sync._fetch_file`, `sync._verify` and `copies.apply`, so
   pull+apply and indexing are split without a second run; peak RSS from wait4, CPU seconds of
   the sync process and of the origin's gunicorn worker;
6. checks: the receiver holds exactly one copy per document (and one attachment per attached
   one), `rndd index verify` exits 0 there, and a Thai reader's `GET /api/v1/search` (read
   token) finds every copy and, by the marker word, every attachment;
7. with `--profile`: the receiver's database as it was before the sync is copied to a second
   receiver folder (same key and address), and the sync runs again there under cProfile
   (`python -m cProfile -o sync.prof -m flask --app wsgi federation sync`); the top functions
   by cumulative and by own time are printed and kept in `sync-profile.txt`.

Prints the figures and writes them as JSON to `<out>/federation-<docs>.json`. Target: at least
100 documents/s on a 2-core machine. The machine is shared: the load average is printed with
each step and kept in the JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pstats
import random
import secrets
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAIN = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MAIN / "bench"))

from corpus import generate  # noqa: E402

APP_PARTS = ("wsgi.py", "network", "content", "search_index", "federation", "migrations")
ORIGIN, ORIGIN_COUNTRY = "jakarta", "ID"
RECEIVER, RECEIVER_COUNTRY = "bangkok", "TH"
OTHERS = ["BN", "KH", "LA", "MY", "MM", "PH", "SG", "VN", "AU", "CN", "IN", "JP", "KR", "NZ"]
AUDIENCE_WEIGHTS = (("public", 35), ("network", 25), ("countries", 40))
MARKER = "lampiranbenchzq"  # in every attachment and nowhere else: the search finds exactly those
BATCH = 1000
TARGET_DOCS_PER_S = 100
GUNICORN = ["-w", "1", "--threads", "4"]

# Run as `rndd federation sync` (network.cli:main, the console script) with timers around the
# steps of federation/sync.py; the figures go to the file named by the first argument.
HOOKED_SYNC = """
import atexit, json, sys, time
from federation import client, copies, sync
figures = {}
def timed(module, name, key):
    fn = getattr(module, name)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            entry = figures.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started
    setattr(module, name, wrapper)
timed(sync, "_index", "index_drain")
timed(client, "signed_json", "page_fetch")
timed(sync, "_fetch_file", "attachment_fetch_and_read")
timed(sync, "_download", "attachment_download")
timed(sync, "_verify", "signature_verify")
timed(copies, "apply", "copies_apply")
target = sys.argv.pop(1)
started = time.perf_counter()
def save():
    figures["wall"] = [1, time.perf_counter() - started]
    with open(target, "w") as out:
        json.dump({k: {"calls": n, "seconds": round(s, 3)} for k, (n, s) in figures.items()}, out)
atexit.register(save)
from network.cli import main
sys.argv = ["rndd", "federation", "sync"]
main()
"""


def step(message: str) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"[{time.strftime('%H:%M:%S')} load {load}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def naive_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- nodes -----------------------------------------------------------------------------------------


def copy_app(target: Path, wait: float = 600) -> None:
    """Snapshot the app; retried while the checkout does not import (someone mid-edit)."""
    deadline = time.monotonic() + wait
    while True:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for part in APP_PARTS:
            source = MAIN / part
            if source.is_dir():
                shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target / part)
        env = {**os.environ, "PYTHONPATH": str(target), "RNDD_SECRET_KEY": "x" * 64,
               "RNDD_BASE_URL": "http://127.0.0.1:9"}  # fmt: skip
        check = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=target, env=env,
                               capture_output=True, text=True)  # fmt: skip
        if check.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the app in {MAIN} does not import:\n{check.stderr[-2000:]}")
        step(f"the checkout does not import yet ({check.stderr.strip().splitlines()[-1]}); retrying")
        time.sleep(15)


@dataclass
class Node:
    name: str
    country: str
    folder: Path
    app: Path
    port: int
    server: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.folder / "node.sqlite3"

    @property
    def upload_dir(self) -> Path:
        return self.folder / "uploads"

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("RNDD_DEBUG", None)
        env.update({
            "RNDD_DATABASE_URL": f"sqlite:///{self.db_path}",
            "RNDD_INDEX_DIR": str(self.folder / "index"),
            "RNDD_UPLOAD_DIR": str(self.upload_dir),
            "RNDD_KEY_DIR": str(self.folder / "keys"),
            "RNDD_NODE_NAME": self.name,
            "RNDD_NODE_COUNTRIES": self.country,
            "RNDD_BASE_URL": self.url,
            "RNDD_SECRET_KEY": self._secret(),
            "PYTHONPATH": str(self.app),
        })  # fmt: skip
        return env

    def _secret(self) -> str:
        path = self.folder / "secret-key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
        return path.read_text()

    def rndd(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """`rndd ARGS` in the snapshot, as `python -m flask --app wsgi ARGS` (what the script does)."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=self.app,
                              env=self.env, input=stdin, capture_output=True, text=True)  # fmt: skip
        if check and done.returncode:
            raise RuntimeError(f"{self.name}: rndd {' '.join(args)} exited {done.returncode}:\n"
                               f"{done.stdout[-1500:]}\n{done.stderr[-3000:]}")  # fmt: skip
        return done

    def serve(self) -> None:
        log = (self.folder / "gunicorn.log").open("w")
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "wsgi:app"],
            cwd=self.app, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited; see {log.name}")
            try:
                if http_get(self.port, "/federation/v1/node")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: gunicorn did not answer; see {log.name}")

    def workers(self) -> list[int]:
        if self.server is None:
            return []
        pid = self.server.pid
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    def sql(self, query: str, *params: Any) -> Any:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(query, params).fetchone()[0]


def make_node(name: str, country: str, work: Path, app: Path) -> Node:
    node = Node(name, country, work / name, app, free_port())
    node.folder.mkdir(parents=True)
    node.rndd("init")
    node.rndd("federation", "keygen")
    return node


def http_get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


# -- the origin's documents ------------------------------------------------------------------------


def attachment_bytes(record: dict[str, Any], number: int) -> tuple[str, bytes, str]:
    """(filename, bytes, text): a PDF of one or two pages or a Markdown file, some KB each."""
    from content.demo_files import make_pdf

    prose = f"{record['summary']} {record['body']}".replace("\n\n", " ")
    words = prose.split()[: 350 + (record["id"] * 37) % 500]
    text = f"Annex {record['id']} {MARKER}. " + " ".join(words)
    if number % 2:
        return f"annex-{record['id']}.md", f"# Annex {record['id']}\n\n{text}\n".encode(), text
    lines = textwrap.wrap(text, 95)
    pages = [lines[n : n + 45] for n in range(0, len(lines), 45)]
    return f"annex-{record['id']}.pdf", make_pdf(pages), text


def document_rows(record: dict[str, Any], rng: random.Random, author: int, topics: dict[str, int],
                  attach: bool, upload_dir: Path, attached: int) -> dict[str, list[dict]]:  # fmt: skip
    """The rows of one published document of Indonesia that the receiver may hold."""
    from content.attachments import storage_name
    from content.sniffing import FILE_TYPES

    audiences, weights = zip(*AUDIENCE_WEIGHTS, strict=True)
    visibility = rng.choices(audiences, weights)[0]
    extra = rng.sample(OTHERS, rng.randint(0, 2))
    shared = sorted({RECEIVER_COUNTRY, *extra}) if visibility == "countries" else []
    body = record["body"] + (f"\n\n## Lessons\n\n{record['extra']}" if record["extra"] else "")
    html = "".join(f"<p>{part}</p>" for part in body.split("\n\n") if part)
    published = (record["published_at"] or record["updated_at"]).astimezone(UTC).replace(tzinfo=None)
    doc_id = record["id"]
    rows: dict[str, list[dict]] = {"doc": [{
        "id": doc_id, "kind": record["kind"], "title": record["title"][:200],
        "summary": record["summary"][:1000], "body_markdown": body, "body_html": html, "toc": [],
        "language": record["language"], "country_code": ORIGIN_COUNTRY, "author_id": author,
        "tags": record["tags"], "year": record["year"], "visibility": visibility, "status": "published",
        "version": 1, "translation_of_id": None, "created_at": published, "updated_at": published,
        "published_at": published,
    }]}  # fmt: skip
    rows["topics"] = [{"document_id": doc_id, "topic_id": topics[slug]} for slug in record["topics"]]
    rows["shares"] = [{"document_id": doc_id, "country_code": code} for code in shared]
    rows["revision"] = [{"document_id": doc_id, "number": 1, "title": record["title"][:200],
                         "summary": record["summary"][:1000], "body_markdown": body, "author_id": author,
                         "note": "", "created_at": published}]  # fmt: skip
    rows["attachment"] = []
    if attach:
        import hashlib

        filename, data, text = attachment_bytes(record, attached)
        sha256 = hashlib.sha256(data).hexdigest()
        path = upload_dir / sha256[:2] / sha256[2:4] / sha256  # content.attachments.blob_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        file_type = FILE_TYPES["pdf" if filename.endswith(".pdf") else "md"]
        rows["attachment"] = [{
            "document_id": doc_id, "lesson_id": None, "filename": filename,
            "stored_name": storage_name(filename, file_type), "sha256": sha256, "size": len(data),
            "content_type": file_type.content_type, "text": text, "extraction_note": "",
            "created_at": published, "uploader_id": author,
        }]  # fmt: skip
    rows["change"] = [{"document_id": doc_id, "action": "published", "version": 1,
                       "country_code": ORIGIN_COUNTRY, "actor_id": author,
                       "created_at": published}]  # fmt: skip
    return rows


def fill_origin(origin: Node, docs: int, attach_every: int) -> dict[str, Any]:
    """Bulk-insert the documents with SQLAlchemy Core; counts, sizes and seconds."""
    from sqlalchemy import create_engine, event

    from content.models import (
        Attachment,
        ChangeLog,
        Document,
        DocumentShare,
        Revision,
        Topic,
        document_topics,
    )
    from network.models import User

    engine = create_engine(f"sqlite:///{origin.db_path}")
    event.listen(engine, "connect", lambda c, _: c.execute("PRAGMA synchronous=OFF"))
    tables = {"doc": Document.__table__, "topics": document_topics, "shares": DocumentShare.__table__,
              "revision": Revision.__table__, "attachment": Attachment.__table__,
              "change": ChangeLog.__table__}  # fmt: skip
    started = time.perf_counter()
    rng = random.Random(20240611)
    counts = {"public": 0, "network": 0, "countries": 0, "attachments": 0, "pdf": 0, "md": 0}
    attachment_bytes_total = 0
    with engine.begin() as conn:
        conn.execute(User.__table__.insert(), [{
            "email": "author.id@bench.rndd.example", "name": "Author ID", "password_hash": None,
            "country_code": ORIGIN_COUNTRY, "role": "contributor", "active": True,
            "created_at": naive_now(), "feed_key": None,
        }])  # fmt: skip
        query = User.__table__.select().where(User.email == "author.id@bench.rndd.example")
        author = conn.execute(query).one().id
        topics = {row.slug: row.id for row in conn.execute(Topic.__table__.select())}
        batch: list[dict[str, list[dict]]] = []
        for record in generate(docs):
            attach = attach_every > 0 and record["id"] % attach_every == 0
            rows = document_rows(record, rng, author, topics, attach, origin.upload_dir,
                                 counts["attachments"])  # fmt: skip
            counts[rows["doc"][0]["visibility"]] += 1
            for row in rows["attachment"]:
                counts["attachments"] += 1
                counts["pdf" if row["filename"].endswith(".pdf") else "md"] += 1
                attachment_bytes_total += row["size"]
            batch.append(rows)
            if len(batch) == BATCH or record["id"] == docs:
                for name, table in tables.items():
                    values = [row for rows in batch for row in rows[name]]
                    if values:
                        conn.execute(table.insert(), values)
                batch = []
    engine.dispose()
    return {"seconds": round(time.perf_counter() - started, 1), "audiences": counts,
            "attachment_kb_mean": round(attachment_bytes_total / max(1, counts["attachments"]) / 1024, 1),
            "db_mb": round(origin.db_path.stat().st_size / 2**20, 1)}  # fmt: skip


SAMPLE_CHECK = """
import sqlite3, sys
from pathlib import Path
from content import extraction, sniffing
database, uploads, marker = sys.argv[1:4]
with sqlite3.connect(database) as conn:
    rows = conn.execute("SELECT filename, sha256 FROM attachment GROUP BY content_type").fetchall()
for filename, sha in rows:
    path = Path(uploads) / sha[:2] / sha[2:4] / sha
    text, note = extraction.extract(path, sniffing.sniff(path, filename))
    assert marker in text, (filename, text[:200], note)
"""


def check_attachment_sample(origin: Node) -> None:
    """One PDF and one Markdown file must pass the app's own sniffing and extraction."""
    args = [sys.executable, "-c", SAMPLE_CHECK, str(origin.db_path), str(origin.upload_dir), MARKER]
    done = subprocess.run(args, cwd=origin.app, env=origin.env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"generated attachments are not accepted:\n{done.stderr[-2000:]}")


# -- the sync --------------------------------------------------------------------------------------


def timed_sync(receiver: Node, origin: Node) -> dict[str, Any]:
    """`rndd federation sync` on the receiver with step timers: wall, RSS, CPU, split."""
    hooks = receiver.folder / "sync-steps.json"
    log = receiver.folder / "rndd-federation-sync.log"
    origin_cpu = cpu_seconds(origin.workers())
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-c", HOOKED_SYNC, str(hooks)], cwd=receiver.app,
                                env=receiver.env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    steps = json.loads(hooks.read_text()) if hooks.exists() else {}
    return {"exit": code, "seconds": seconds, "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "cpu_user_s": round(usage.ru_utime, 1),
            "cpu_sys_s": round(usage.ru_stime, 1),
            "origin_worker_cpu_s": round(cpu_seconds(origin.workers()) - origin_cpu, 1),
            "steps": steps, "output": log.read_text().strip().splitlines()[-5:]}  # fmt: skip


def profiled_sync(receiver: Node, pristine: Path, work: Path) -> dict[str, Any]:
    """The same sync under cProfile, on a copy of the receiver as it was before the sync."""
    folder = work / f"{receiver.name}-profile"
    twin = Node(receiver.name, receiver.country, folder, receiver.app, receiver.port)
    twin.folder.mkdir(parents=True)
    shutil.copyfile(pristine, twin.db_path)
    shutil.copytree(receiver.folder / "keys", twin.folder / "keys")
    shutil.copyfile(receiver.folder / "secret-key", twin.folder / "secret-key")
    prof = twin.folder / "sync.prof"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "flask", "--app", "wsgi",
                           "federation", "sync"], cwd=twin.app, env=twin.env, capture_output=True,
                          text=True)  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"profiled sync exited {done.returncode}:\n{done.stderr[-3000:]}")
    text = profile_text(prof)
    (twin.folder / "sync-profile.txt").write_text(text)
    return {"seconds": round(seconds, 1), "prof": str(prof), "text": str(twin.folder / "sync-profile.txt")}


def profile_text(prof: Path, top: int = 45) -> str:
    import io

    lines = []
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        stats = pstats.Stats(str(prof), stream=buffer)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        lines.append(f"== by {order} ==\n" + buffer.getvalue().split("\n", 6)[-1])
    return "\n".join(lines)


# -- checks ----------------------------------------------------------------------------------------


def thai_search(receiver: Node, docs: int, attachments: int) -> dict[str, Any]:
    """A Thai reader's searches over HTTP on the receiver (a read token)."""
    password = secrets.token_urlsafe(18)
    email = "reader.th@bench.rndd.example"
    receiver.rndd("users", "create", email, "--name", "Bench Reader", "--country", RECEIVER_COUNTRY,
                  "--role", "reader", stdin=password + "\n")  # fmt: skip
    token = receiver.rndd("tokens", "create", email, "--scope", "read").stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, Any] = {}
    searches = (("everything", {"q": ""}), ("country ID", {"q": "", "country": ORIGIN_COUNTRY}),
                ("attachment marker", {"q": MARKER}), ("word 'embassy'", {"q": "embassy"}))  # fmt: skip
    for label, params in searches:
        path = "/api/v1/search?" + urllib.parse.urlencode({**params, "per_page": 5})
        t0 = time.perf_counter()
        status, body = http_get(receiver.port, path, headers)
        ms = round((time.perf_counter() - t0) * 1000, 1)
        total = json.loads(body).get("total") if status == 200 else None
        out[label] = {"status": status, "total": total, "ms": ms}
    out["all_copies_found"] = out["everything"]["total"] == docs and out["country ID"]["total"] == docs
    out["all_attachments_found"] = out["attachment marker"]["total"] == attachments
    return out


def receiver_checks(receiver: Node, docs: int, attachments: int) -> dict[str, Any]:
    copies = receiver.sql("SELECT count(*) FROM document WHERE origin_node = ?", ORIGIN)
    received = receiver.sql("SELECT count(*) FROM federation_received WHERE origin = ? AND NOT deleted",
                            ORIGIN)  # fmt: skip
    files = receiver.sql("SELECT count(*) FROM attachment")
    with_text = receiver.sql("SELECT count(*) FROM attachment WHERE instr(text, ?) > 0", MARKER)
    blobs = sum(1 for p in receiver.upload_dir.rglob("*") if p.is_file() and len(p.name) == 64)
    verify = receiver.rndd("index", "verify", check=False)
    return {
        "copies": copies, "expected": docs, "received_rows": received, "exact": copies == docs == received,
        "attachments": files, "attachments_expected": attachments, "attachments_with_text": with_text,
        "blobs": blobs, "index_verify_exit": verify.returncode,
        "index_verify_output": (verify.stdout + verify.stderr).strip().splitlines()[-3:],
    }  # fmt: skip


# -- main ------------------------------------------------------------------------------------------


def run(docs: int, out: Path, attach_every: int, profile: bool) -> dict[str, Any]:
    report: dict[str, Any] = {"docs": docs, "attach_every": attach_every, "gunicorn": " ".join(GUNICORN),
                              "started": datetime.now().isoformat(timespec="seconds"),
                              "cpus": os.cpu_count(), "load_average": {"start": os.getloadavg()}}  # fmt: skip
    work = out / f"federation-work-{docs}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    app = work / "app"
    step(f"snapshot of the app in {app}")
    copy_app(app)
    sys.path.insert(0, str(app))
    origin = make_node(ORIGIN, ORIGIN_COUNTRY, work, app)
    receiver = make_node(RECEIVER, RECEIVER_COUNTRY, work, app)
    try:
        step(f"origin {ORIGIN}: inserting {docs} documents (an attachment on 1 in {attach_every})")
        report["origin"] = fill_origin(origin, docs, attach_every)
        attachments = report["origin"]["audiences"]["attachments"]
        check_attachment_sample(origin)
        step(f"origin filled: {report['origin']}")
        origin.serve()
        receiver.serve()
        step(f"serving {ORIGIN} at {origin.url}, {RECEIVER} at {receiver.url}; add-peer both ways")
        receiver.rndd("federation", "add-peer", origin.url, "--yes")
        origin.rndd("federation", "add-peer", receiver.url, "--yes")
        pristine = work / "receiver-before-sync.sqlite3"
        shutil.copyfile(receiver.db_path, pristine)
        report["load_average"]["before sync"] = os.getloadavg()
        step(f"{RECEIVER}: rndd federation sync")
        sync = timed_sync(receiver, origin)
        report["load_average"]["after sync"] = os.getloadavg()
        steps = sync["steps"]
        index_s = steps.get("index_drain", {}).get("seconds")
        pull_s = steps["wall"]["seconds"] - index_s if index_s is not None and "wall" in steps else None
        report["sync"] = sync | {
            "seconds": round(sync["seconds"], 1), "docs_per_s": round(docs / sync["seconds"], 1),
            "pull_apply_s": round(pull_s, 1) if pull_s is not None else None,
            "pull_apply_docs_per_s": round(docs / pull_s, 1) if pull_s else None,
            "index_s": index_s, "index_docs_per_s": round(docs / index_s, 1) if index_s else None,
        }  # fmt: skip
        rate = report["sync"]["docs_per_s"]
        step(f"sync exit {sync['exit']} in {report['sync']['seconds']} s ({rate} docs/s)")
        report["checks"] = receiver_checks(receiver, docs, attachments)
        report["search"] = thai_search(receiver, docs, attachments)
        step(f"checks: {report['checks']}; search: {report['search']}")
        origin_log = (origin.folder / "gunicorn.log").read_text()
        report["origin_429"] = origin_log.count(" 429 ")
        if profile:
            step("profiling the same sync (cProfile) on a copy of the receiver as it was before")
            report["profile"] = profiled_sync(receiver, pristine, work)
    finally:
        origin.stop()
        receiver.stop()
    report["load_average"]["end"] = os.getloadavg()
    report["passed"] = bool(
        report["sync"]["exit"] == 0 and report["checks"]["exact"]
        and report["checks"]["attachments"] == attachments and report["checks"]["index_verify_exit"] == 0
        and report["search"]["all_copies_found"] and report["search"]["all_attachments_found"]
    )  # fmt: skip
    return report


def summary(report: dict[str, Any]) -> str:
    sync, checks, steps = report["sync"], report["checks"], report["sync"]["steps"]
    verdict = "PASS" if sync["docs_per_s"] >= TARGET_DOCS_PER_S else "MISS"
    lines = [
        f"federation sync, {report['docs']:,} documents ({report['origin']['audiences']}), "
        f"{report['cpus']} CPUs, gunicorn {report['gunicorn']}",
        f"  sync:         {sync['seconds']} s, {sync['docs_per_s']} documents/s "
        f"(target >= {TARGET_DOCS_PER_S}: {verdict}); exit {sync['exit']}",
        f"  pull+apply:   {sync['pull_apply_s']} s ({sync['pull_apply_docs_per_s']} documents/s)",
        f"  index drain:  {sync['index_s']} s ({sync['index_docs_per_s']} documents/s)",
        f"  peak RSS:     {sync['peak_rss_mb']} MB; CPU {sync['cpu_s']} s (user {sync['cpu_user_s']}, "
        f"sys {sync['cpu_sys_s']}); origin worker CPU {sync['origin_worker_cpu_s']} s",
        "  steps (calls, seconds): "
        + ", ".join(f"{k} {v['calls']} / {v['seconds']}" for k, v in steps.items()),
        f"  copies {checks['copies']}/{checks['expected']}, attachments {checks['attachments']}/"
        f"{checks['attachments_expected']}, index verify exit {checks['index_verify_exit']}, "
        f"Thai reader finds all: {report['search']['all_copies_found']}, "
        f"attachments by marker: {report['search']['all_attachments_found']}",
        f"  429s in the origin's log: {report['origin_429']}",
        "  load average: " + "; ".join(f"{k} {' '.join(f'{x:.2f}' for x in v)}"
                                       for k, v in report["load_average"].items()),
        f"  checks {'PASS' if report['passed'] else 'FAIL'}",
    ]  # fmt: skip
    if "profile" in report:
        profile = report["profile"]
        lines.append(f"  profile: {profile['text']} (profiled sync {profile['seconds']} s)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=MAIN / "bench" / "out")
    parser.add_argument("--attach-every", type=int, default=10,
                        help="an attachment on 1 document in N (0: none)")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="then run the same sync again under cProfile")  # fmt: skip
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report = run(args.docs, args.out.resolve(), args.attach_every, args.profile)
    text = summary(report)
    report["summary"] = text
    target = args.out / f"federation-{args.docs}.json"
    target.write_text(json.dumps(report, indent=2, default=str))
    print(text)
    print(f"figures in {target}")
    if "profile" in report:
        print(Path(report["profile"]["text"]).read_text()[:6000])
    if not report["passed"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
