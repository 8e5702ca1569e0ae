"""Daily digest benchmark: 10,000 users following 5 items each, 2,000 new documents.

    python bench/digest_bench.py [--users 10000] [--docs 2000] [--old-docs 1000] [--out bench/out]
                                 [--database-url postgresql://postgres@127.0.0.1:5432/bench_digest]
                                 [--no-send] [--profile]

In one process, the app in the checkout (`create_app` with a config dict), on a fresh database:
SQLite in `<out>/digest-work-<users>/` (replaced at every run), or the PostgreSQL database named by
`--database-url` (dropped and created again). `flask_migrate.upgrade()`, the countries and topics,
then bulk inserts with SQLAlchemy Core:

- `--users` users over the 16 countries (85% readers, 10% contributors, 4% country admins, 1%
  network admins); one in ten has notification settings (flash reports always, or no e-mail);
- six or seven missions per country (about 100);
- five watches per user, distinct: topics, countries, missions and kinds, and for one user in ten
  one saved search among 34 distinct queries (some with a facet filter); delivery mostly
  daily, some weekly, immediate, site or off;
- `--old-docs` documents already published and handled (the index holds them; saved searches
  page through them), then `--docs` new published documents with one `published` change-log
  row each: kinds case_study, course, resource and (40%) report with a mission, the country it
  concerns and an urgency; audiences public, network, countries (shared with three others) and
  country; prose from `corpus.py`. The follower cursor `notify` is set to the last old row, so
  only the new documents are new.

Then the index is drained (timed apart: it is not the digest), and timed, each in its own
step: (1) `derive.derive_all()`, (2) `mailing.queue_digests(force=True)`, (3) composing every
pending e-mail (`mailing.readable_items` + `mailing.compose` inside a test request context, no
state change), (4) `mailing.send_pending()` until nothing is pending, against an aiosmtpd sink
(`python -m aiosmtpd ... aiosmtpd.handlers.Sink`, a process of its own as a real server would
be) on 127.0.0.1; the immediate e-mails queued by (1) are sent in (4) as well. Counts, seconds,
RSS and the load average (the machine is shared) are printed as JSON and written to
`<out>/digest-<users>.json`. `--profile` runs each step under cProfile (slower: read shares,
not seconds) and keeps the top functions in `<out>/digest-<users>-<step>.txt`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

MAIN = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MAIN))
sys.path.insert(0, str(MAIN / "bench"))

from corpus import COUNTRIES, EN, TOPICS, generate  # noqa: E402

ROLES = (("reader", 85), ("contributor", 10), ("country_admin", 4), ("network_admin", 1))
WATCH_TYPES = (("topic", 35), ("country", 25), ("mission", 25), ("kind", 15))
KINDS = (("report", 45), ("resource", 25), ("case_study", 20), ("course", 10))  # of the watches
DOC_KINDS = (("report", 40), ("case_study", 25), ("resource", 20), ("course", 15))
DELIVERY = (("daily", 70), ("weekly", 12), ("immediate", 8), ("site", 8), ("off", 2))
AUDIENCES = (("public", 25), ("network", 20), ("countries", 25), ("country", 30))
URGENCY = (("routine", 75), ("priority", 20), ("flash", 5))
REGIONS = ("ASEAN", "Pacific", "South Asia")
SEARCHES = 50
# Rows were inserted with their ids: move each PostgreSQL sequence past them.
MOVE_SEQUENCES = [
    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))"  # noqa: S608
    for table, column in (("document", "id"), ("change_log", "seq"), ('"user"', "id"), ("mission", "id"))
]
BATCH = 2000


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def rss_mb() -> dict[str, float]:
    """Current RSS and the process's peak so far (ru_maxrss only grows)."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    return {
        "rss_mb": round(current),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {' '.join(map(str, load()))}] {message}", file=sys.stderr,
          flush=True)  # fmt: skip


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


# -- the database ----------------------------------------------------------------------------------


def engine_url(url: str) -> str:
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )


def recreate_postgres(url: str) -> None:
    """Drop and create the benchmark's database (never a system one)."""
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    name = target.database or ""
    if not name.replace("_", "").isalnum() or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"refusing to drop database {name!r}")
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                     {"n": name})  # fmt: skip
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def make_app(url: str, work: Path, smtp_port: int) -> Any:
    from network import create_app

    return create_app({
        "TESTING": False, "SECRET_KEY": "digest-bench-" + "x" * 40, "BASE_URL": "https://hub.bench.example",
        "SQLALCHEMY_DATABASE_URI": url, "INDEX_DIR": str(work / "index"), "UPLOAD_DIR": str(work / "uploads"),
        "KEY_DIR": str(work / "keys"), "INDEX_BATCH_SECONDS": 0, "NOTIFY_IN_PROCESS": False,
        "RATELIMIT_ENABLED": False, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_USE_TLS": False,
        "MAIL_USERNAME": None, "MAIL_SENDER": "RNDD Hub <hub@bench.example>",
    })  # fmt: skip


# -- the rows --------------------------------------------------------------------------------------


def user_rows(count: int, rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for n in range(1, count + 1):
        country = COUNTRIES[(n - 1) % len(COUNTRIES)]
        role = pick(rng, ROLES)
        if n <= 2 * len(COUNTRIES):  # every country has an admin and a contributor
            role = "country_admin" if n <= len(COUNTRIES) else "contributor"
        rows.append({"id": n, "email": f"user{n}@{country.lower()}.bench.example", "name": f"User {n}",
                     "password_hash": None, "country_code": country, "role": role, "active": True,
                     "created_at": now, "feed_key": None})  # fmt: skip
    return rows


def mission_rows(rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    cities = ["Canberra", "Tokyo", "Seoul", "New Delhi", "Beijing", "Wellington", "Jakarta", "Bangkok",
              "Manila", "Hanoi", "Singapore", "Kuala Lumpur", "Geneva", "New York", "Brussels"]  # fmt: skip
    rows, next_id = [], 1
    for country in COUNTRIES:
        for city in rng.sample(cities, 6 + (next_id % 2)):
            rows.append({"id": next_id, "country_code": country, "name": f"Embassy of {country} in {city}",
                         "city": city, "posted_in": city, "active": True, "created_at": now})  # fmt: skip
            next_id += 1
    return rows


def saved_searches(rng: random.Random) -> list[tuple[str, dict[str, list[str]]]]:
    """34 distinct searches: words and phrases of the corpus, some with a facet filter."""
    words = [t.split()[-1] for t in EN["thing"]] + ["embassy", "evacuation", "ASEAN", "budget", "election"]
    phrases = [f'"{t.split(" ", 1)[1]}"' for t in EN["thing"] if " " in t][:12]
    queries = list(dict.fromkeys(words + phrases))
    out: list[tuple[str, dict[str, list[str]]]] = []
    for n, query in enumerate(queries[:SEARCHES]):
        filters: dict[str, list[str]] = {}
        if n % 4 == 1:
            filters = {"country": [rng.choice(COUNTRIES)]}
        elif n % 4 == 2:
            filters = {"kind": ["report"]}
        out.append((query, filters))
    return out


def watch_rows(users: list[dict], missions: list[dict], rng: random.Random,
               now: datetime) -> list[dict[str, Any]]:  # fmt: skip
    searches = saved_searches(rng)
    mission_ids = [str(m["id"]) for m in missions]
    rows = []
    for user in users:
        chosen: set[tuple[str, str]] = set()
        if user["id"] % 10 == 0:
            query, filters = rng.choice(searches)
            rows.append({"user_id": user["id"], "type": "search", "value": "", "name": query[:120],
                         "query": query, "filters": filters, "delivery": pick(rng, DELIVERY),
                         "created_at": now})  # fmt: skip
            chosen.add(("search", query))
        while len(chosen) < 5:
            kind = pick(rng, WATCH_TYPES)
            value = {
                "topic": lambda: rng.choice(TOPICS),
                "country": lambda: rng.choice(COUNTRIES),
                "mission": lambda: rng.choice(mission_ids),
                "kind": lambda: pick(rng, KINDS),
            }[kind]()
            if (kind, value) in chosen:
                continue
            chosen.add((kind, value))
            rows.append({"user_id": user["id"], "type": kind, "value": value, "name": "", "query": "",
                         "filters": {}, "delivery": pick(rng, DELIVERY), "created_at": now})  # fmt: skip
    return rows


def settings_rows(users: list[dict], rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for user in users:
        if rng.random() < 0.1:
            flash = rng.random() < 0.4
            rows.append({"user_id": user["id"], "email_enabled": flash or rng.random() < 0.5,
                         "flash_always": flash, "workflow_email": True, "bounced_at": None,
                         "bounced_address": ""})  # fmt: skip
    return rows


def document_rows(record: dict[str, Any], rng: random.Random, people: dict[str, dict[str, list[int]]],
                  missions: dict[str, list[int]], topics: dict[str, int], when: datetime,
                  seq: int) -> dict[str, list[dict]]:  # fmt: skip
    """One published document and its topics, shares and `published` change-log row."""
    doc_id, owner = record["id"], record["country"]
    kind = pick(rng, DOC_KINDS)
    visibility = pick(rng, AUDIENCES)
    author = rng.choice(people[owner]["contributor"])
    report = kind == "report"
    body = record["body"]
    if report:  # short, as filed from a phone
        body = " ".join(body.split()[: rng.randint(60, 200)])
    # a report is published by its author (the country lets them), the rest by an admin
    actor = author if report else rng.choice(people[owner]["country_admin"])
    html = "".join(f"<p>{part}</p>" for part in body.split("\n\n") if part)
    others = [c for c in COUNTRIES if c != owner]
    concerns = (rng.choice(others) if rng.random() < 0.8 else rng.choice(REGIONS)) if report else None
    rows: dict[str, list[dict]] = {"doc": [{
        "id": doc_id, "kind": kind, "title": record["title"][:200], "summary": record["summary"][:1000],
        "body_markdown": body, "body_html": html, "toc": [], "language": record["language"],
        "country_code": owner, "author_id": author, "tags": record["tags"], "year": when.year,
        "visibility": visibility, "status": "published", "version": 1, "translation_of_id": None,
        "created_at": when, "updated_at": when, "published_at": when, "origin_node": None,
        "level": "introductory" if kind == "course" else None,
        "duration_minutes": 30 if kind == "course" else None,
        "mission_id": rng.choice(missions[owner]) if report else None, "concerns": concerns,
        "urgency": pick(rng, URGENCY) if report else None,
        "sources": ["https://news.example/item"] if report else [],
    }]}  # fmt: skip
    rows["topics"] = [{"document_id": doc_id, "topic_id": topics[slug]} for slug in record["topics"]]
    shared = rng.sample(others, 3) if visibility == "countries" else []
    rows["shares"] = [{"document_id": doc_id, "country_code": code} for code in shared]
    rows["change"] = [{"seq": seq, "document_id": doc_id, "action": "published", "version": 1,
                       "country_code": owner, "actor_id": actor, "created_at": when}]  # fmt: skip
    return rows


def insert_all(url: str, users: int, old_docs: int, docs: int) -> dict[str, Any]:
    """Every row with SQLAlchemy Core in one transaction; returns counts and the cursor's seq."""
    from sqlalchemy import create_engine, event, text

    from content.models import ChangeLog, Document, DocumentShare, Mission, Topic, document_topics
    from network.models import User
    from notify.models import FollowerCursor, NotifySettings, Watch

    rng = random.Random(20261206)
    now = naive(datetime.now(UTC))
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda c, _: c.execute("PRAGMA synchronous=OFF"))
    started = time.perf_counter()
    counts: dict[str, Any] = {}
    with engine.begin() as conn:
        user_list = user_rows(users, rng, now)
        conn.execute(User.__table__.insert(), user_list)
        mission_list = mission_rows(rng, now)
        conn.execute(Mission.__table__.insert(), mission_list)
        watches = watch_rows(user_list, mission_list, rng, now)
        for n in range(0, len(watches), BATCH * 5):
            conn.execute(Watch.__table__.insert(), watches[n : n + BATCH * 5])
        settings = settings_rows(user_list, rng)
        if settings:
            conn.execute(NotifySettings.__table__.insert(), settings)
        people: dict[str, dict[str, list[int]]] = {
            c: {"contributor": [], "country_admin": []} for c in COUNTRIES
        }
        for user in user_list:
            if user["role"] in people[user["country_code"]]:
                people[user["country_code"]][user["role"]].append(user["id"])
        missions: dict[str, list[int]] = {}
        for mission in mission_list:
            missions.setdefault(mission["country_code"], []).append(mission["id"])
        topics = {row.slug: row.id for row in conn.execute(Topic.__table__.select())}
        tables = {"doc": Document.__table__, "topics": document_topics, "shares": DocumentShare.__table__,
                  "change": ChangeLog.__table__}  # fmt: skip
        start = now - timedelta(days=30)
        batch: list[dict[str, list[dict]]] = []
        doc_counts: Counter[str] = Counter()
        for record in generate(old_docs + docs):
            new = record["id"] > old_docs
            when = now - timedelta(hours=12) + timedelta(seconds=record["id"]) if new else (
                start + timedelta(minutes=record["id"]))  # fmt: skip
            rows = document_rows(record, rng, people, missions, topics, when, record["id"])
            if new:
                doc = rows["doc"][0]
                doc_counts[doc["kind"]] += 1
                doc_counts[doc["visibility"]] += 1
                if doc["urgency"] == "flash":
                    doc_counts["flash"] += 1
            batch.append(rows)
            if len(batch) == BATCH or record["id"] == old_docs + docs:
                for name, table in tables.items():
                    if values := [row for rows in batch for row in rows[name]]:
                        conn.execute(table.insert(), values)
                batch = []
        cursors = FollowerCursor.__table__
        conn.execute(cursors.delete().where(cursors.c.name == "notify"))  # the migration made one
        conn.execute(cursors.insert(), [{"name": "notify", "seq": old_docs, "updated_at": now}])
        if engine.dialect.name == "postgresql":
            for statement in MOVE_SEQUENCES:
                conn.execute(text(statement))
        counts["watches"] = Counter(w["type"] for w in watches)
        counts["deliveries"] = Counter(w["delivery"] for w in watches)
        counts["settings_rows"] = len(settings)
        counts["flash_always"] = sum(1 for s in settings if s["flash_always"])
        counts["email_disabled"] = sum(1 for s in settings if not s["email_enabled"])
        counts["roles"] = Counter(u["role"] for u in user_list)
        counts["missions"] = len(mission_list)
        counts["distinct_saved_searches"] = len({w["query"] for w in watches if w["type"] == "search"})
        counts["new_documents"] = dict(doc_counts)
    engine.dispose()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


# -- the steps -------------------------------------------------------------------------------------


class Steps:
    """Times each step (optionally under cProfile); keeps seconds, RSS and load per step."""

    def __init__(self, out: Path, label: str, profile: bool) -> None:
        self.out, self.label, self.profile = out, label, profile
        self.figures: dict[str, dict[str, Any]] = {}

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        step(f"{name} ...")
        before = load()
        profiler = cProfile.Profile() if self.profile else None
        started = time.perf_counter()
        cpu = time.process_time()
        if profiler:
            profiler.enable()
        try:
            result = fn()
        finally:
            if profiler:
                profiler.disable()
        seconds = time.perf_counter() - started
        self.figures[name] = {"seconds": round(seconds, 2), "cpu_s": round(time.process_time() - cpu, 2),
                              **rss_mb(), "load_before": before, "load_after": load()}  # fmt: skip
        if profiler:
            target = self.out / f"digest-{self.label}-{name}.txt"
            target.write_text(profile_text(profiler))
            self.figures[name]["profile"] = str(target)
        step(f"{name}: {self.figures[name]}")
        return result


def profile_text(profiler: cProfile.Profile, top: int = 40) -> str:
    parts = []
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order).print_stats(top)
        parts.append(f"== by {order} ==\n" + buffer.getvalue())
    return "\n".join(parts)


def compose_all() -> dict[str, Any]:
    """Compose every pending e-mail as the sender would, without sending or changing it."""
    from network.extensions import db
    from notify import mailing
    from notify.models import Email

    sizes, items, dropped = [], [], 0
    ids = list(db.session.scalars(db.select(Email.id).where(Email.state == "pending").order_by(Email.id)))
    documents = mailing._Documents()  # as one sending pass reads each document once
    for email_id in ids:
        email = db.session.get(Email, email_id)
        found = mailing.readable_items(email.user, email, documents)
        if not found:
            dropped += 1
            continue
        subject, text = mailing.compose(email.user, email, found)
        sizes.append(len(subject) + len(text.encode()))
        items.append(len(found))
        db.session.expunge_all()  # as each attempt starts afresh; keeps the session small
    db.session.rollback()
    return {"emails": len(ids), "composed": len(sizes), "would_drop": dropped, **spread("items", items),
            **spread("bytes", sizes)}  # fmt: skip


def spread(name: str, values: list[int]) -> dict[str, Any]:
    if not values:
        return {f"{name}_mean": 0}
    ordered = sorted(values)
    return {f"{name}_mean": round(sum(values) / len(values), 1), f"{name}_median": ordered[len(ordered) // 2],
            f"{name}_p95": ordered[int(len(ordered) * 0.95)], f"{name}_max": ordered[-1]}  # fmt: skip


def send_all() -> dict[str, int]:
    from notify import mailing

    outcome: Counter[str] = Counter()
    while counts := mailing.send_pending(limit=500):
        outcome.update(counts)
    return dict(outcome)


def notification_counts() -> dict[str, Any]:
    from sqlalchemy import func

    from network.extensions import db
    from notify.models import Email, Notification

    by = db.session.execute(db.select(Notification.delivery, Notification.reason, func.count())
                            .group_by(Notification.delivery, Notification.reason)).all()  # fmt: skip
    emails = db.session.execute(
        db.select(Email.kind, Email.state, func.count()).group_by(Email.kind, Email.state)
    )
    users = db.session.scalar(db.select(func.count(func.distinct(Notification.user_id))))
    result = {"notifications": sum(n for _, _, n in by), "users_notified": users,
              "by_delivery_reason": {f"{d}/{r}": n for d, r, n in by},
              "emails": {f"{k}/{s}": n for k, s, n in emails}}  # fmt: skip
    db.session.rollback()
    return result


# -- the SMTP sink ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink(port: int, work: Path) -> subprocess.Popen:
    log = (work / "smtp-sink.log").open("w")
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
                             "-l", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return sink
        except OSError:
            time.sleep(0.1)
    sink.kill()
    raise RuntimeError("the SMTP sink did not start; see smtp-sink.log")


# -- main ------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = args.out / f"digest-work-{args.users}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if args.database_url:
        url = engine_url(args.database_url)
        recreate_postgres(url)
    else:
        url = f"sqlite:///{work / 'digest.sqlite3'}"
    report: dict[str, Any] = {"users": args.users, "docs": args.docs, "old_docs": args.old_docs,
                              "database": url.split("://")[0], "cpus": os.cpu_count(),
                              "started": datetime.now(UTC).isoformat(timespec="seconds"),
                              "load_average": {"start": load()}}  # fmt: skip
    port = free_port()
    sink = start_sink(port, work)
    try:
        app = make_app(url, work, port)
        with app.app_context():
            prepare_schema()
        step(
            f"inserting {args.users} users, their watches, {args.old_docs} old and {args.docs} new documents"
        )
        report["data"] = insert_all(url, args.users, args.old_docs, args.docs)
        step(f"inserted in {report['data']['seconds']} s")
        report["steps"] = measure(app, args, report)
    finally:
        sink.terminate()
        sink.wait(timeout=30)
    report["load_average"]["end"] = load()
    return report


def prepare_schema() -> None:
    import flask_migrate

    from content.seed import seed_topics
    from network.extensions import db
    from network.seed import seed_countries

    flask_migrate.upgrade()
    seed_countries()
    seed_topics()
    db.session.commit()


def measure(app: Any, args: argparse.Namespace, report: dict[str, Any]) -> dict[str, Any]:
    from content import indexing
    from notify import derive, mailing

    steps = Steps(args.out, str(args.users), args.profile)
    with app.app_context():
        steps.run("index_drain", indexing.drain)
        report["load_average"]["before digest"] = load()
        steps.figures["derive"]["changes"] = steps.run("derive", derive.derive_all)
        report["after_derive"] = notification_counts()
        queued = steps.run("queue_digests", lambda: mailing.queue_digests(force=True))
        steps.figures["queue_digests"]["digests_queued"] = queued
        with app.test_request_context():
            report["compose"] = steps.run("compose", compose_all)
        if not args.no_send:
            report["send"] = steps.run("send_smtp", send_all)
        report["after_send"] = notification_counts()
    report["load_average"]["after digest"] = load()
    digest = ("derive", "queue_digests", "compose")
    report["digest_seconds"] = round(sum(steps.figures[s]["seconds"] for s in digest), 1)
    return steps.figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--docs", type=int, default=2_000)
    parser.add_argument("--old-docs", type=int, default=1_000,
                        help="documents already published and handled before the new ones")  # fmt: skip
    parser.add_argument("--out", type=Path, default=MAIN / "bench" / "out")
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLite (the database is recreated)")
    parser.add_argument("--no-send", action="store_true", help="compose only; no SMTP")
    parser.add_argument("--profile", action="store_true", help="each step under cProfile (slower)")
    args = parser.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.users < 2 * len(COUNTRIES):
        parser.error(
            f"--users must be at least {2 * len(COUNTRIES)} (an admin and a contributor per country)"
        )
    report = run(args)
    text = json.dumps(report, indent=2, default=str)
    target = args.out / f"digest-{args.users}.json"
    target.write_text(text)
    print(text)
    print(f"figures in {target}")


if __name__ == "__main__":
    main()
