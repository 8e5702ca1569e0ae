"""End-to-end search benchmark of the real app: database, `rndd index rebuild`, gunicorn, HTTP.

    python bench/search_bench_http.py --docs 10000 [--workers 2] [--out bench/out] [--rate-limit off]

Steps, each timed, in `<out>/work-<docs>/` (replaced at every run, kept afterwards):
1. the app (wsgi.py, network, content, search_index, migrations) is copied to `app/`, so edits
   made in the checkout during a long run cannot change or break what is measured; every command,
   gunicorn and the bare-Whoosh step run that copy;
2. a fresh SQLite database: `rndd init`, then N documents of `bench/corpus.py` bulk-inserted with
   SQLAlchemy Core, mapped onto the real columns so the access policy gives them the corpus's
   readers (plus a change-log row per document and one author per country);
3. `rndd index rebuild` (timed, peak RSS) and `rndd index verify` (must exit 0);
4. gunicorn with `--workers` sync workers on a free loopback port, each worker warmed; six query
   shapes, 200 requests each from 4 client threads, then 40 from one client (no queueing), as a
   reader of Indonesia with a read token (sees about 30% of the documents);
5. the same requests in this process straight against `search_index.SearchIndex`;
6. publish-to-searchable, 5 times: a country admin signs in (CSRF), saves a draft with a unique
   word, publishes it; the clock starts at the publish response and stops when the reader's
   `/api/v1/search` (polled every 20 ms) finds it;
7. peak RSS (VmHWM) of each worker after the load and at the end.

Prints a Markdown table with PASS/MISS against the targets (set for 100,000 documents) and writes
every figure as JSON to `<out>/http-<docs>.json`. `rndd` commands run as `python -m flask --app
wsgi ...` (what the console script does) so that the copy runs, not an installed package.

The app's default rate limit (600 requests a minute per client address, in each worker) would
answer most of the load with 429, so by default gunicorn serves
`network:create_app({'RATELIMIT_ENABLED': False})`; `--rate-limit on` serves `wsgi:app` as is.
The machine is shared: the load average is printed with each step and kept in the JSON.
"""

from __future__ import annotations

import argparse
import html
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAIN = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MAIN / "bench"))

from corpus import COUNTRIES, generate  # noqa: E402
from shapes import SHAPES, Shape  # noqa: E402

APP_PARTS = ("wsgi.py", "network", "content", "search_index", "migrations")

READER_COUNTRY = "ID"
CLIENT_THREADS = 4
REQUESTS_PER_SHAPE = 200
SERIAL_REQUESTS = 40  # one client, no queueing: the per-request cost of the HTTP path
POLL_SECONDS = 0.02
PUBLISH_REPEATS = 5
SETTLE_SECONDS = 5
BATCH = 1000


# -- environment and the app's command line ------------------------------------------------------


@dataclass
class Env:
    work: Path
    vars: dict[str, str]

    @property
    def app(self) -> Path:
        """The snapshot of the app that every command, gunicorn and this process run."""
        return self.work / "app"

    @property
    def db_path(self) -> Path:
        return self.work / "rndd.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.work / "index"


def make_env(work: Path, fresh: bool = True) -> Env:
    """The work directory (emptied when `fresh`) and the RNDD_* variables pointing into it."""
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    env = dict(os.environ)
    env.update({
        "RNDD_DATABASE_URL": f"sqlite:///{work / 'rndd.sqlite3'}",
        "RNDD_INDEX_DIR": str(work / "index"),
        "RNDD_UPLOAD_DIR": str(work / "uploads"),
        "RNDD_SECRET_KEY": _secret_key(work),
        "PYTHONPATH": str(work / "app"),
        # The admin who publishes signs in with a password only (production asks admins for a
        # second factor, which a benchmark of search need not script).
        "RNDD_REQUIRE_2FA": "none",
    })  # fmt: skip
    env.setdefault("RNDD_BASE_URL", "http://127.0.0.1:5000")  # required outside debug; the host counts
    env.pop("RNDD_DEBUG", None)
    return Env(work, env)


def _secret_key(work: Path) -> str:
    """One key per work directory, so that a --reuse run can still use the stored token."""
    path = work / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text()


def copy_app(target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for part in APP_PARTS:
        source = MAIN / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / part)


def snapshot_app(env: Env, wait: float = 600) -> None:
    """Copy the app out of the checkout, so edits made there during a long run cannot change (or
    break) what runs; retried while the checkout does not import (someone mid-edit)."""
    deadline = time.monotonic() + wait
    while True:
        copy_app(env.app)
        check = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=env.app, env=env.vars,
                               capture_output=True, text=True)  # fmt: skip
        if check.returncode == 0:
            sys.path.insert(0, str(env.app))
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the app in {MAIN} does not import:\n{check.stderr[-2000:]}")
        step(f"the checkout does not import yet ({check.stderr.strip().splitlines()[-1]}); retrying")
        time.sleep(15)


def rndd_command() -> list[str]:
    """`rndd` is `flask --app wsgi`; run through flask so the snapshot, not an installed copy, runs."""
    return [sys.executable, "-m", "flask", "--app", "wsgi"]


def rndd(env: Env, *args: str, stdin: str | None = None) -> str:
    """Run an `rndd` command in the snapshot; its stdout; raises on a non-zero exit."""
    done = subprocess.run([*rndd_command(), *args], cwd=env.app, env=env.vars, input=stdin,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"rndd {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout


def timed_rndd(env: Env, *args: str) -> tuple[int, float, float]:
    """Run an `rndd` command with output to a log; (exit code, seconds, peak RSS MB)."""
    log = env.work / f"rndd-{'-'.join(args)}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen([*rndd_command(), *args], cwd=env.app, env=env.vars, stdout=out,
                                stderr=subprocess.STDOUT)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - started, usage.ru_maxrss / 1024


# -- data ------------------------------------------------------------------------------------------


def audience(principals: set[str], owner: str) -> tuple[str, str, list[str]]:
    """(status, visibility, shared-with countries) that give the corpus record its readers."""
    if principals == {"public"}:
        return "published", "public", []
    if principals == {"network"}:
        return "published", "network", []
    if any(p.startswith("user:") for p in principals):
        return "draft", "country", []
    if all(p.startswith("admins:") for p in principals):
        return "withdrawn", "country", []
    codes = {p.split(":", 1)[1] for p in principals if p.startswith("country:")}
    if codes == {owner}:
        return "published", "country", []
    return "published", "countries", sorted(codes - {owner})


def markdown_body(record: dict[str, Any]) -> str:
    body = record["body"]
    return f"{body}\n\n## Lessons\n\n{record['extra']}" if record["extra"] else body


def simple_html(markdown_text: str) -> str:
    return "".join(f"<p>{html.escape(part)}</p>" for part in markdown_text.split("\n\n") if part)


def naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def document_rows(record: dict[str, Any], authors: dict[str, int], topic_ids: dict[str, int],
                  ) -> tuple[dict, list[dict], list[dict], dict]:  # fmt: skip
    """The document, its topic and share rows, and its change-log row."""
    status, visibility, shared = audience(record["principals"], record["country"])
    body = markdown_body(record)
    updated = naive(record["updated_at"])
    doc = {
        "id": record["id"], "kind": record["kind"], "title": record["title"][:200],
        "summary": record["summary"][:1000], "body_markdown": body, "body_html": simple_html(body),
        "toc": [], "language": record["language"], "country_code": record["country"],
        "author_id": authors[record["country"]], "tags": record["tags"], "year": record["year"],
        "visibility": visibility, "status": status, "version": record["version"],
        "translation_of_id": None, "created_at": naive(record["published_at"]) or updated,
        "updated_at": updated, "published_at": naive(record["published_at"]),
    }  # fmt: skip
    topics = [{"document_id": record["id"], "topic_id": topic_ids[s]} for s in record["topics"]]
    shares = [{"document_id": record["id"], "country_code": code} for code in shared]
    action = {"published": "published", "draft": "created", "withdrawn": "unpublished"}[status]
    change = {"document_id": record["id"], "action": action, "version": record["version"],
              "country_code": record["country"], "actor_id": None, "created_at": updated}  # fmt: skip
    return doc, topics, shares, change


def insert_authors(conn: Any) -> dict[str, int]:
    """One contributor per country, the author of that country's drafts; code -> user id."""
    from network.models import User

    now = datetime.now(UTC).replace(tzinfo=None)
    conn.execute(User.__table__.insert(), [
        {"email": f"author.{code.lower()}@bench.rndd.example", "name": f"Author {code}",
         "password_hash": None, "country_code": code, "role": "contributor", "active": True,
         "created_at": now, "feed_key": None}
        for code in COUNTRIES
    ])  # fmt: skip
    rows = conn.execute(User.__table__.select().where(User.email.like("author.%@bench.rndd.example")))
    return {row.country_code: row.id for row in rows}


def batches(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_corpus(env: Env, docs: int) -> dict[str, Any]:
    """Bulk-insert the corpus with executemany; seconds and counts by status."""
    from sqlalchemy import create_engine, delete, event, func, select

    from content.models import ChangeLog, Document, DocumentShare, Topic, document_topics
    from network.models import utcnow
    from notify.derive import CURSOR
    from notify.models import FollowerCursor

    engine = create_engine(env.vars["RNDD_DATABASE_URL"])
    event.listen(engine, "connect", lambda c, _: c.execute("PRAGMA synchronous=OFF"))
    started = time.perf_counter()
    statuses: dict[str, int] = {}
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
            conn.execute(ChangeLog.__table__.insert(), [r[3] for r in rows])
            for r in rows:
                statuses[r[0]["status"]] = statuses.get(r[0]["status"], 0) + 1
        # Imported history, as an upgrade's: the notification follower starts after it (else
        # both workers would derive 100,000 publications' notices while being measured).
        last = conn.execute(select(func.max(ChangeLog.seq))).scalar_one()
        conn.execute(delete(FollowerCursor).where(FollowerCursor.name == CURSOR))
        cursor = {"name": CURSOR, "seq": last, "updated_at": utcnow()}
        conn.execute(FollowerCursor.__table__.insert(), [cursor])
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": round(seconds, 1), "statuses": statuses,
            "db_mb": round(env.db_path.stat().st_size / 2**20, 1)}  # fmt: skip


@dataclass
class Accounts:
    reader_email: str
    reader_id: int
    token: str
    admin_email: str
    password: str

    @property
    def principals(self) -> set[str]:
        """What `network.access.user_principals` gives the reader."""
        return {"public", "network", f"country:{READER_COUNTRY}", f"user:{self.reader_id}"}


def create_accounts(env: Env) -> Accounts:
    """A reader with a read token and a country admin, both of Indonesia, through the CLI."""
    password = secrets.token_urlsafe(18)
    reader, admin = "reader.id@bench.rndd.example", "admin.id@bench.rndd.example"
    rndd(env, "users", "create", reader, "--name", "Bench Reader", "--country", READER_COUNTRY,
         "--role", "reader", stdin=password + "\n")  # fmt: skip
    rndd(env, "users", "create", admin, "--name", "Bench Admin", "--country", READER_COUNTRY,
         "--role", "country_admin", stdin=password + "\n")  # fmt: skip
    token = rndd(env, "tokens", "create", reader, "--scope", "read").strip().splitlines()[-1]
    import sqlite3

    with sqlite3.connect(env.db_path) as conn:
        (reader_id,) = conn.execute("SELECT id FROM user WHERE email = ?", (reader,)).fetchone()
    return Accounts(reader, reader_id, token, admin, password)


# -- index -----------------------------------------------------------------------------------------


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def build_index(env: Env, docs: int) -> dict[str, Any]:
    code, seconds, rss = timed_rndd(env, "index", "rebuild")
    if code:
        raise RuntimeError(f"rndd index rebuild exited {code}; see {env.work}")
    verify_code, verify_s, _ = timed_rndd(env, "index", "verify")
    return {
        "seconds": round(seconds, 1), "docs_per_s": round(docs / seconds, 1),
        "index_mb": round(directory_size(env.index_dir) / 2**20, 1), "peak_rss_mb": round(rss),
        "verify_exit": verify_code, "verify_s": round(verify_s, 1),
    }  # fmt: skip


# -- gunicorn --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the app from the checkout; started and stopped by this process."""

    def __init__(self, env: Env, workers: int, rate_limit: bool) -> None:
        self.port = free_port()
        app = "wsgi:app" if rate_limit else "network:create_app({'RATELIMIT_ENABLED': False})"
        self.log = (env.work / "gunicorn.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "--bind",
             f"127.0.0.1:{self.port}", app],
            cwd=env.app, env=env.vars, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_ready(self, workers: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.proc.returncode}; see {self.log.name}")
            try:
                if get(self.port, "/api/v1/countries")[0] == 200 and len(self.workers()) == workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in {timeout} s; see {self.log.name}")

    def workers(self) -> list[int]:
        pid = self.proc.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return sorted(int(child) for child in children)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def worker_memory(pids: list[int]) -> dict[str, dict[str, float]]:
    """VmHWM (peak RSS), VmRSS and Pss (shared pages split between sharers) of each worker, MB."""
    figures = {}
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        values = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.M))
        rollup = Path(f"/proc/{pid}/smaps_rollup")
        if rollup.exists():
            values |= dict(re.findall(r"^(Pss):\s+(\d+) kB", rollup.read_text(), re.M))
        figures[str(pid)] = {k: round(int(v) / 1024, 1) for k, v in values.items()}
    return figures


def has_index_open(pid: int, index_dir: Path) -> bool:
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            if os.readlink(fd).startswith(str(index_dir)):
                return True
        except OSError:
            continue
    return False


# -- HTTP client -----------------------------------------------------------------------------------


def get(port: int, path: str, headers: dict[str, str] | None = None,
        conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:  # fmt: skip
    """One GET; reuses `conn` (it reconnects by itself after a `Connection: close`)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def search_path(q: str, filters: dict[str, str], per_page: int) -> str:
    params = {"q": q, "page": "1", "per_page": str(per_page), **filters}
    return "/api/v1/search?" + urllib.parse.urlencode(params)


@dataclass
class Timings:
    ms: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, status: int, body: bytes) -> None:
        with self.lock:
            self.ms.append(ms)
            if status == 200:
                self.totals.append(json.loads(body)["total"])
            else:
                self.errors[str(status)] = self.errors.get(str(status), 0) + 1


def client(port: int, token: str, paths: list[str], timings: Timings) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}"}
    for path in paths:
        t0 = time.perf_counter()
        status, body = get(port, path, headers, conn)
        timings.add((time.perf_counter() - t0) * 1000, status, body)
    conn.close()


def run_clients(port: int, token: str, paths: list[str], threads: int) -> tuple[Timings, float]:
    """Send `paths` from `threads` clients (round-robin split); timings and wall seconds."""
    timings = Timings()
    pool = [threading.Thread(target=client, args=(port, token, paths[i::threads], timings))
            for i in range(threads)]  # fmt: skip
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return timings, time.perf_counter() - started


def shape_paths(shape: Shape, count: int) -> list[str]:
    return [search_path(*shape.request(i)) for i in range(count)]


def warm(server: Server, token: str, index_dir: Path) -> int:
    """Send every shape's queries until each worker has the index open; requests sent."""
    paths = [p for shape in SHAPES.values() for p in shape_paths(shape, len(shape.queries))]
    sent = 0
    for _ in range(10):
        timings, _ = run_clients(server.port, token, paths, CLIENT_THREADS)
        sent += len(paths)
        if timings.errors:
            raise RuntimeError(f"warm-up answered {timings.errors}")
        if all(has_index_open(pid, index_dir) for pid in server.workers()):
            return sent
    raise RuntimeError("a worker never opened the index during warm-up")


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1)}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def http_load(server: Server, token: str) -> dict[str, dict[str, Any]]:
    """Per shape: REQUESTS_PER_SHAPE from CLIENT_THREADS clients (more clients than workers, so
    requests queue), then SERIAL_REQUESTS from 2 clients (one per worker) and from 1."""
    figures = {}
    for name, shape in SHAPES.items():
        timings, wall = run_clients(server.port, token, shape_paths(shape, REQUESTS_PER_SHAPE),
                                    CLIENT_THREADS)  # fmt: skip
        paired, _ = run_clients(server.port, token, shape_paths(shape, SERIAL_REQUESTS), 2)
        serial, _ = run_clients(server.port, token, shape_paths(shape, SERIAL_REQUESTS), 1)
        figures[name] = {
            **summary(timings.ms), "requests_per_s": round(len(timings.ms) / wall, 1),
            "errors": timings.errors | {f"serial {k}": v for k, v in serial.errors.items()}
            | {f"2 clients {k}": v for k, v in paired.errors.items()},
            "median_total": int(statistics.median(timings.totals)) if timings.totals else None,
            "two_clients": summary(paired.ms),
            "serial": summary(serial.ms),
        }  # fmt: skip
        print(f"  {name}: {figures[name]}", file=sys.stderr, flush=True)
    return figures


# -- bare Whoosh -----------------------------------------------------------------------------------


def bare_whoosh(index_dir: Path, principals: set[str], docs: int) -> dict[str, Any]:
    """The same requests in this process against one SearchIndex (searcher reused)."""
    from search_index import SearchIndex

    index = SearchIndex(index_dir)
    visible = index.search("", principals, per_page=1).total
    for shape in SHAPES.values():  # warm-up, as the workers were warmed
        for i in range(len(shape.queries)):
            q, filters, per_page = shape.request(i)
            index.search(q, principals, filters=filters, per_page=per_page)
    shapes = {}
    for name, shape in SHAPES.items():
        ms = []
        for i in range(REQUESTS_PER_SHAPE):
            q, filters, per_page = shape.request(i)
            t0 = time.perf_counter()
            index.search(q, principals, filters=filters, per_page=per_page)
            ms.append((time.perf_counter() - t0) * 1000)
        shapes[name] = summary(ms)
    index.close()
    return {"visible_fraction": round(visible / docs, 3), "shapes": shapes}


# -- publish to searchable -------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """A signed-in session: cookies kept, redirects not followed, CSRF tokens read from forms."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def open(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, Location header, body text)."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=120) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def csrf(self, path: str) -> str:
        status, _, body = self.open(path)
        found = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
            r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"', body
        )
        if status != 200 or not found:
            raise RuntimeError(f"no csrf_token on {path} (status {status})")
        return found.group(1)

    def post(self, path: str, form: dict[str, str], expect: int = 302) -> str:
        status, location, body = self.open(path, {**form, "csrf_token": self.csrf(path)})
        if status != expect:
            raise RuntimeError(f"POST {path} answered {status}: {body[:500]}")
        return location

    def login(self, email: str, password: str) -> None:
        self.post("/login", {"email": email, "password": password})


def publish_once(browser: Browser, port: int, token: str, timeout: float) -> dict[str, Any]:
    """Create a draft with a unique word, publish it, poll search until the reader finds it."""
    word = "benchword" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
    location = browser.post("/documents/new", {
        "title": f"Publish latency {word}", "kind": "resource", "language": "en",
        "body_markdown": f"A short note about {word} for the search benchmark.", "save": "Save",
    })  # fmt: skip
    doc_id = int(re.search(r"/documents/(\d+)", location).group(1))
    t_request = time.perf_counter()
    # `shown`: the audience whose statement the confirmation showed (content/audience.key)
    form = {"visibility": "public", "shown": "public", "confirm": "yes"}
    browser.post(f"/documents/{doc_id}/publish", form)
    started = time.perf_counter()
    polls = 0
    while time.perf_counter() - started < timeout:
        polls += 1
        if found(port, token, word, doc_id):
            break
        time.sleep(POLL_SECONDS)
    else:
        step(f"  document {doc_id} not found by search {timeout} s after publishing")
        return {"doc_id": doc_id, "word": word, "seconds": None, "polls": polls}
    return {"doc_id": doc_id, "word": word, "seconds": round(time.perf_counter() - started, 3),
            "polls": polls, "publish_request_s": round(started - t_request, 3)}  # fmt: skip


def found(port: int, token: str, word: str, doc_id: int) -> bool:
    """Does the reader's search for `word` list the document?"""
    status, body = get(port, search_path(word, {}, 5), {"Authorization": f"Bearer {token}"})
    return status == 200 and any(item["id"] == doc_id for item in json.loads(body)["items"])


def publish_latency(port: int, accounts: Accounts, timeout: float = 30) -> dict[str, Any]:
    """PUBLISH_REPEATS publishes; a document never found counts as `timeout` seconds."""
    browser = Browser(port)
    browser.login(accounts.admin_email, accounts.password)
    runs = [publish_once(browser, port, accounts.token, timeout) for _ in range(PUBLISH_REPEATS)]
    seconds = [timeout if run["seconds"] is None else run["seconds"] for run in runs]
    missing = [run["doc_id"] for run in runs if run["seconds"] is None]
    time.sleep(SETTLE_SECONDS)  # every drain has finished: is each document still found?
    lost = [run["doc_id"] for run in runs if not found(port, accounts.token, run["word"], run["doc_id"])]
    return {"median_s": statistics.median(seconds), "max_s": max(seconds), "not_found": missing,
            "not_found_after_settle": lost, "timeout_s": timeout, "runs": runs}  # fmt: skip


def verify_after(env: Env) -> dict[str, Any]:
    """`rndd index verify` once the app has written: its exit code and what it reported."""
    code, _, _ = timed_rndd(env, "index", "verify")
    text = (env.work / "rndd-index-verify.log").read_text().strip()
    return {"exit": code, "output": text.splitlines()[-5:]}


# -- report ----------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def rows(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, PASS/MISS) for the table."""
    out = []
    if "insert" in report:  # not with --reuse
        build = report["index"]
        out += [
            ("insert (SQLAlchemy Core)", f"{report['insert']['seconds']} s", "", ""),
            ("index rebuild", f"{build['seconds']} s ({build['docs_per_s']} docs/s)", "<= 600 s",
             verdict(build["seconds"] <= 600)),
            ("index size", f"{build['index_mb']} MB", "", ""),
            ("rebuild peak RSS", f"{build['peak_rss_mb']} MB", "", ""),
            ("index verify", f"exit {build['verify_exit']}", "exit 0", verdict(build["verify_exit"] == 0)),
        ]  # fmt: skip
    out.append(("reader sees", f"{report['bare']['visible_fraction']:.0%} of documents", "", ""))
    for name, http_fig in report["http"].items():
        bare = report["bare"]["shapes"][name]
        limit = 250 if name == "phrase" else 100
        serial_ratio = http_fig["serial"]["p95_ms"] / bare["p95_ms"] if bare["p95_ms"] else float("inf")
        ratio = http_fig["p95_ms"] / bare["p95_ms"] if bare["p95_ms"] else float("inf")
        errors = f", errors {http_fig['errors']}" if http_fig["errors"] else ""
        out += [
            (f"HTTP {name}, {CLIENT_THREADS} clients: p50 / p95",
             f"{http_fig['p50_ms']} / {http_fig['p95_ms']} ms, {http_fig['requests_per_s']} req/s{errors}",
             f"p95 <= {limit} ms",
             verdict(http_fig["p95_ms"] <= limit and not http_fig["errors"])),
            *((("  2 clients: p50 / p95", f"{http_fig['two_clients']['p50_ms']} / "
                f"{http_fig['two_clients']['p95_ms']} ms", f"p95 <= {limit} ms",
                verdict(http_fig["two_clients"]["p95_ms"] <= limit)),) if "two_clients" in http_fig else ()),
            ("  1 client: p50 / p95", f"{http_fig['serial']['p50_ms']} / "
             f"{http_fig['serial']['p95_ms']} ms", f"p95 <= {limit} ms",
             verdict(http_fig["serial"]["p95_ms"] <= limit)),
            ("  bare Whoosh: p50 / p95", f"{bare['p50_ms']} / {bare['p95_ms']} ms", "", ""),
            ("  HTTP p95 / bare p95, 1 client", f"{serial_ratio:.2f}x", "<= 1.5x",
             verdict(serial_ratio <= 1.5)),
            (f"  HTTP p95 / bare p95, {CLIENT_THREADS} clients", f"{ratio:.2f}x", "<= 1.5x",
             verdict(ratio <= 1.5)),
        ]  # fmt: skip
    pub = report["publish"]
    lost = f"; never found: {pub['not_found']}" if pub["not_found"] else ""
    if pub.get("not_found_after_settle"):
        lost += f"; gone from search {SETTLE_SECONDS} s later: {pub['not_found_after_settle']}"
    out.append(("publish to searchable", f"median {pub['median_s']} s, max {pub['max_s']} s{lost}",
                "<= 2 s (max)", verdict(pub["max_s"] <= 2 and not lost)))  # fmt: skip
    after = report["verify_after_publish"]
    out.append(("index verify after publishing", f"exit {after['exit']}: {' '.join(after['output'])}",
                "exit 0", verdict(after["exit"] == 0)))  # fmt: skip
    for pid, mem in report["memory_after_load"].items():
        final = report["memory_final"].get(pid, mem)
        peak = max(mem["VmHWM"], final["VmHWM"])
        out.append((f"worker {pid} peak RSS (VmHWM)", f"{mem['VmHWM']} MB after load, {final['VmHWM']} MB "
                    f"at the end (Pss now {final.get('Pss', '?')} MB)", "<= 300 MB",
                    verdict(peak <= 300)))  # fmt: skip
    return out


def markdown_table(report: dict[str, Any]) -> str:
    lines = [f"### {report['docs']:,} documents, {report['workers']} gunicorn workers, "
             f"rate limit {report['rate_limit']} ({report['started']})", "",
             "| figure | value | target | |", "|---|---|---|---|"]  # fmt: skip
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(report)]
    if report["docs"] != 100_000:
        lines += ["", "Targets are set for 100,000 documents; at other sizes PASS/MISS is indicative."]
    return "\n".join(lines)


# -- main ------------------------------------------------------------------------------------------


def step(message: str) -> None:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"[{time.strftime('%H:%M:%S')} load {load}] {message}", file=sys.stderr, flush=True)


def serve_and_measure(env: Env, accounts: Accounts, workers: int, rate_limit: bool,
                      report: dict[str, Any]) -> None:  # fmt: skip
    server = Server(env, workers, rate_limit)
    try:
        server.wait_ready(workers)
        step(f"gunicorn on port {server.port}, workers {server.workers()}; warming up")
        report["warm_requests"] = warm(server, accounts.token, env.index_dir)
        step("HTTP load")
        report["load_average"]["before HTTP load"] = os.getloadavg()
        report["http"] = http_load(server, accounts.token)
        report["memory_after_load"] = worker_memory(server.workers())
        step("publish to searchable")
        report["publish"] = publish_latency(server.port, accounts)
        report["memory_final"] = worker_memory(server.workers())
    finally:
        server.stop()


def run(docs: int, workers: int, out: Path, rate_limit: bool, reuse: bool) -> dict[str, Any]:
    report: dict[str, Any] = {"docs": docs, "workers": workers, "rate_limit": "on" if rate_limit else "off",
                              "started": datetime.now().isoformat(timespec="seconds"),
                              "load_average": {"start": os.getloadavg()}}  # fmt: skip
    started = time.perf_counter()
    work = out / f"work-{docs}"
    saved = work / "accounts.json"
    if reuse and saved.exists():
        env = make_env(work, fresh=False)
        snapshot_app(env)
        accounts = Accounts(**json.loads(saved.read_text()))
        report["index"] = json.loads((work / "index.json").read_text()) | {"reused": True}
        step(f"reusing the database and index of {work}")
    else:
        env = make_env(work)
        snapshot_app(env)
        step(f"rndd init in {env.work}")
        rndd(env, "init")
        step(f"inserting {docs} documents")
        report["insert"] = insert_corpus(env, docs)
        accounts = create_accounts(env)
        saved.write_text(json.dumps(accounts.__dict__))
        step(f"inserted in {report['insert']['seconds']} s; rndd index rebuild")
        report["index"] = build_index(env, docs)
        (work / "index.json").write_text(json.dumps(report["index"]))
        step(f"index: {report['index']}")
    if report["index"]["verify_exit"]:
        raise RuntimeError(f"rndd index verify failed; see {env.work}/rndd-index-verify.log")
    serve_and_measure(env, accounts, workers, rate_limit, report)
    report["verify_after_publish"] = verify_after(env)
    step("bare Whoosh")
    report["bare"] = bare_whoosh(env.index_dir, accounts.principals, docs)
    report["load_average"]["end"] = os.getloadavg()
    report["total_s"] = round(time.perf_counter() - started, 1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=MAIN / "bench" / "out")
    parser.add_argument(
        "--rate-limit",
        choices=("on", "off"),
        default="off",
        help="on: serve wsgi:app with the app's rate limits (429s expected)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database and index of an earlier run of the same size (query-path "
        "changes only: the index must have been built by the same schema)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report = run(args.docs, args.workers, args.out.resolve(), args.rate_limit == "on", args.reuse)
    table = markdown_table(report)
    report["table"] = table
    target = args.out / f"http-{args.docs}.json"
    target.write_text(json.dumps(report, indent=2, default=str))
    print(table)
    print(f"\ntotal {report['total_s']} s; figures in {target}")


if __name__ == "__main__":
    main()
