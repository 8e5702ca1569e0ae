"""Shared parts of the fault and load scripts (`fault_*.py`, `load_mixed.py`).

The app runs from a snapshot (as in `search_bench_http.py`) under gunicorn on 127.0.0.1, on a
PostgreSQL database of its own on 127.0.0.1 (default `h4_load`). The first run seeds it (`rndd
init`, the corpus, `rndd demo`, one API token per demo user) and keeps a copy as the template
`<name>_seed` with its index; every run then starts from a fresh copy of that template, so runs
compare. All traffic stays on the loopback interface, and every loop is bounded in time and count.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAIN = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MAIN / "bench"))

from corpus import generate  # noqa: E402
from search_bench_http import (  # noqa: E402
    BATCH,
    Env,
    batches,
    document_rows,
    free_port,
    insert_authors,
    make_env,
    percentile,
    snapshot_app,
    step,
)

PG_HOST, PG_PORT = "127.0.0.1", 5432
DEMO_COUNTRIES = ("ID", "AU", "SG", "TH", "JP")
DEMO_PASSWORD = "diplomacy-demo"  # noqa: S105 - content/demo.py prints it on purpose
APP = "wsgi:app"  # the app exactly as deployed, rate limits included
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


# -- PostgreSQL ------------------------------------------------------------------------------------


def database_url(name: str, port: int = PG_PORT) -> str:
    return f"postgresql+psycopg://postgres@{PG_HOST}:{port}/{name}"


def _admin(sql: str, **params: Any) -> Any:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(sql), params)
            return result.fetchall() if result.returns_rows else None
    finally:
        engine.dispose()


def database_exists(name: str) -> bool:
    return bool(_admin("SELECT 1 FROM pg_database WHERE datname = :n", n=name))


def recreate_database(name: str, template: str | None = None) -> None:
    """Drop `name` (ending its sessions) and create it, empty or as a copy of `template`."""
    for value in (name, template):
        if value is not None and (not _NAME.match(value) or value in ("postgres", "template0", "template1")):
            raise ValueError(f"refusing to drop or copy database {value!r}")
    _admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n", n=name)
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


# -- the app's data --------------------------------------------------------------------------------


def app_python(env: Env, code: str, timeout: float = 600) -> str:
    """Run `code` in the snapshot's environment (its `wsgi.app` importable); its stdout."""
    done = subprocess.run([sys.executable, "-c", code], cwd=env.app, env=env.vars, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"app code exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout


def rndd_run(env: Env, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """An `rndd` command in the snapshot (as `python -m flask --app wsgi`), output captured."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=env.app,
                          env=env.vars, capture_output=True, text=True, timeout=timeout)  # fmt: skip


# Rows were inserted with their ids: move each sequence past them.
MOVE_SEQUENCES = (
    "SELECT setval(pg_get_serial_sequence('document', 'id'), (SELECT max(id) FROM document))",
    "SELECT setval(pg_get_serial_sequence('change_log', 'seq'), (SELECT max(seq) FROM change_log))",
    """SELECT setval(pg_get_serial_sequence('"user"', 'id'), (SELECT max(id) FROM "user"))""",
)


def must(done: subprocess.CompletedProcess) -> str:
    """The stdout of a command that had to succeed."""
    if done.returncode:
        command = " ".join(map(str, done.args[3:]))
        raise RuntimeError(f"{command} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout


def insert_corpus(url: str, docs: int) -> None:
    """The corpus with SQLAlchemy Core (ids 1..docs), then the sequences moved past it."""
    from sqlalchemy import create_engine, text

    from content.models import ChangeLog, Document, DocumentShare, Topic, document_topics

    engine = create_engine(url)
    with engine.begin() as conn:
        authors = insert_authors(conn)
        topic_ids = {row.slug: row.id for row in conn.execute(Topic.__table__.select())}
        for batch in batches(generate(docs), BATCH):
            rows = [document_rows(record, authors, topic_ids) for record in batch]
            conn.execute(Document.__table__.insert(), [r[0] for r in rows])
            conn.execute(document_topics.insert(), [t for r in rows for t in r[1]])
            if shares := [s for r in rows for s in r[2]]:
                conn.execute(DocumentShare.__table__.insert(), shares)
            conn.execute(ChangeLog.__table__.insert(), [r[3] for r in rows])
        for statement in MOVE_SEQUENCES:
            conn.execute(text(statement))
    engine.dispose()


TOKENS_PER_USER = 4  # each load client has a token of its own: the rate limit counts per token
TOKENS_CODE = f"""
import json
from wsgi import app
from network.extensions import db
from network.models import ApiToken, User
out = []
with app.app_context():
    for user in db.session.scalars(db.select(User).where(User.email.like('%@demo.rndd.example'))):
        scope = 'read' if user.role == 'reader' else 'write'
        for _ in range({TOKENS_PER_USER}):
            token, clear = ApiToken.issue(user, scope=scope, name='bench')
            db.session.add(token)
            out.append(dict(email=user.email, id=user.id, role=user.role, country=user.country_code,
                            token=clear))
    db.session.commit()
print(json.dumps(out))
"""


@dataclass
class Account:
    email: str
    id: int
    role: str
    country: str
    token: str


@dataclass
class Site:
    """A fresh copy of the seeded database and index, and the demo users' tokens."""

    env: Env
    database: str
    accounts: list[Account]

    def of(self, role: str) -> list[Account]:
        """Every token of the demo users with `role` (TOKENS_PER_USER per user)."""
        return [a for a in self.accounts if a.role == role]

    def point_at(self, port: int) -> None:
        """Send the app's database connections to another port (a proxy)."""
        self.env.vars["RNDD_DATABASE_URL"] = database_url(self.database, port)


def prepare(name: str, docs: int, out: Path) -> Site:
    """Database `name` and its index, copied from the seed (made first if missing)."""
    seed, seed_dir = f"{name}_seed", out / f"{name}-seed-{docs}"
    env = make_env(out / name)
    env.vars["RNDD_DATABASE_URL"] = database_url(name)
    snapshot_app(env)
    if not (database_exists(seed) and (seed_dir / "accounts.json").exists()):
        step(f"seeding {seed}: rndd init, {docs} corpus documents, rndd demo, tokens")
        recreate_database(name)
        must(rndd_run(env, "init"))
        if docs:
            insert_corpus(env.vars["RNDD_DATABASE_URL"], docs)
        must(rndd_run(env, "demo"))
        tokens = json.loads(app_python(env, TOKENS_CODE))
        recreate_database(seed, template=name)
        shutil.rmtree(seed_dir, ignore_errors=True)
        shutil.copytree(env.index_dir, seed_dir / "index")
        (seed_dir / "accounts.json").write_text(json.dumps(tokens))
    recreate_database(name, template=seed)
    shutil.rmtree(env.index_dir, ignore_errors=True)
    shutil.copytree(seed_dir / "index", env.index_dir)
    tokens = json.loads((seed_dir / "accounts.json").read_text())
    return Site(env, name, [Account(**fields) for fields in tokens])


# -- gunicorn --------------------------------------------------------------------------------------


class Gunicorn:
    """gunicorn serving the snapshot on a free loopback port; started and stopped by the script."""

    def __init__(self, env: Env, workers: int = 2, worker_class: str = "sync", threads: int = 1,
                 app: str = APP, log_name: str = "gunicorn.log") -> None:  # fmt: skip
        self.env, self.workers_wanted, self.port = env, workers, free_port()
        self.log = (env.work / log_name).open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", worker_class,
             "--threads", str(threads), "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", app],
            cwd=env.app, env=env.vars, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.describe = f"{workers} {worker_class} workers" + (f" x {threads} threads" if threads > 1 else "")

    def wait_ready(self, timeout: float = 120) -> list[int]:
        """The worker pids, once the app answers and every worker is up."""
        deadline = time.monotonic() + timeout
        probe = Client(self.port)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.proc.returncode}; see {self.log.name}")
            answered = probe.call("GET", "/api/v1/countries").status == 200
            if answered and len(self.workers()) == self.workers_wanted:
                probe.close()
                return self.workers()
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in {timeout} s; see {self.log.name}")

    def workers(self) -> list[int]:
        pid = self.proc.pid
        with contextlib.suppress(OSError):
            return sorted(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
        return []

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# -- HTTP ------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int  # 0: no HTTP answer (connection refused, reset or timed out)
    headers: dict[str, str]
    body: bytes
    ms: float
    error: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive connection to the app on 127.0.0.1, as one API user."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 60) -> None:
        self.port, self.timeout = port, timeout
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: Any = None) -> Answer:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn = self.conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return Answer(response.status, dict(response.getheaders()), payload, _ms(started))
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Answer(0, {}, b"", _ms(started), f"{type(error).__name__}: {error}")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


@dataclass
class Recorder:
    """Latencies and statuses per kind of request, and statuses per second since `t0`."""

    t0: float = field(default_factory=time.monotonic)
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    timeline: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)
    events: list[tuple[float, str, int]] = field(
        default_factory=list
    )  # (seconds since t0 at the answer, ...)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, answer: Answer) -> None:
        with self.lock:
            self.events.append((time.monotonic() - self.t0, kind, answer.status))
            self.ms[kind].append(answer.ms)
            self.statuses[kind][answer.status] += 1
            self.timeline[int(time.monotonic() - self.t0)][answer.status] += 1
            if answer.error and len(self.errors) < 20:
                self.errors.append(f"{kind}: {answer.error}")

    def summary(self) -> dict[str, dict[str, Any]]:
        return {kind: {"count": len(ms), "p50_ms": round(percentile(ms, 0.5), 1),
                       "p95_ms": round(percentile(ms, 0.95), 1), "max_ms": round(max(ms), 1),
                       "statuses": dict(sorted(self.statuses[kind].items()))}
                for kind, ms in sorted(self.ms.items())}  # fmt: skip

    def all_ms(self) -> list[float]:
        return [v for ms in self.ms.values() for v in ms]


# -- a TCP proxy in front of PostgreSQL --------------------------------------------------------------


class TcpProxy:
    """127.0.0.1:<port> forwarding to PostgreSQL. `cut()` drops every connection and stops
    listening (new connections are refused), as a stopped server looks to the app; `restore()`
    listens again. The PostgreSQL server itself, shared with other users of the machine, is
    never touched."""

    def __init__(self, target_port: int = PG_PORT) -> None:
        self.target, self.port = target_port, free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.AbstractServer | None = None
        self.streams: set[asyncio.StreamWriter] = set()
        self.accepted = 0

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def restore(self) -> None:
        """Listen (again)."""
        self._run(self._listen())

    start = restore

    def cut(self) -> int:
        """Refuse new connections and reset the open ones; how many were reset."""
        return self._run(self._cut())

    def stop(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> int:
        if self.server is not None:
            self.server.close()
            self.server = None
        open_streams = list(self.streams)
        for stream in open_streams:
            stream.transport.abort()
        self.streams.clear()
        return len(open_streams) // 2

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(PG_HOST, self.target)
        except OSError:
            writer.transport.abort()
            return
        pair = {writer, up_writer}
        self.streams |= pair
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self.streams -= pair
            for stream in pair:
                stream.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.close()


# -- CPU time --------------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (gone ones count 0)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def database_backends(name: str) -> list[int]:
    """The PostgreSQL server processes serving connections to database `name`."""
    return [row[0] for row in _admin("SELECT pid FROM pg_stat_activity WHERE datname = :n", n=name)]


class CpuMeter:
    """CPU seconds of the gunicorn workers and of the database's server processes over a span."""

    def __init__(self, server: Gunicorn, database: str) -> None:
        self.server, self.database = server, database
        self.start = self._sample()

    def _sample(self) -> dict[str, dict[int, float]]:
        return {"workers": {p: cpu_seconds([p]) for p in self.server.workers()},
                "postgresql": {p: cpu_seconds([p]) for p in database_backends(self.database)}}  # fmt: skip

    def used(self) -> dict[str, float]:
        end = self._sample()
        return {part: round(sum(v - self.start[part].get(p, 0.0) for p, v in end[part].items()), 2)
                for part in end}  # fmt: skip


# -- odds and ends ---------------------------------------------------------------------------------


def write_document(n: int, word: str) -> dict[str, Any]:
    """A small public document whose title and body carry a unique word."""
    body = f"A short note about **{word}** written by a load client.\n\nAnother line."
    return {"title": f"Load note {n} {word}", "kind": "resource", "language": "en",
            "summary": f"Written under load ({word}).", "body_markdown": body}  # fmt: skip


def unique_word(prefix: str, n: int) -> str:
    """A word no corpus text contains (letters only, so the analyzers keep it whole)."""
    letters = "bcdfghjklmnpqrstvwxz"
    digits, value = [], n
    while True:
        digits.append(letters[value % len(letters)])
        value //= len(letters)
        if not value:
            break
    return prefix + "".join(digits)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
