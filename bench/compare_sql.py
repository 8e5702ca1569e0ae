"""The two SQL sides of `search_compare.py`: SQLite FTS5 and PostgreSQL full-text search.

Each answers a request with one statement: a materialised CTE of the readable matches (the
full-text match, the reader's principals, the filter, the rank), so the match runs once, then
their total, the five facets and the page. The page's snippets come from each database's own
functions: `highlight()` and `snippet()` in a second FTS5 statement (they need the MATCH of
their own query), `ts_headline` within PostgreSQL's one statement.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from compare_engines import FACETS, PRINCIPALS, TITLE_BOOST, Answer, Progress, query_parts, text_of


def _rows(records: list[dict[str, Any]], progress: Progress) -> Any:
    for count, r in enumerate(records, 1):
        yield r
        progress(count)


def _answer(rows: list[tuple[str, Any, Any]]) -> tuple[int, list[int], dict[str, dict[str, int]]]:
    total, page, facets = 0, [], {name: {} for name in FACETS}
    for kind, key, value in rows:
        if kind == "total":
            total = value
        elif kind == "page":
            page.append(int(key))
        else:
            facets[kind][str(key)] = value
    return total, page, facets


def server_cpu(db: Any) -> float | None:
    """CPU seconds of a connection's server process when it runs on this machine, else None."""
    pid = db.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Fts5:
    """SQLite FTS5, external-content table over `documents`, porter + unicode61 tokenizer."""

    name = "SQLite FTS5"

    def __init__(self, root: Path) -> None:
        self.path = root / "fts5.sqlite"
        self.db: sqlite3.Connection | None = None

    def build(self, records: list[dict[str, Any]], progress: Progress) -> dict[str, Any]:
        self.path.unlink(missing_ok=True)
        db = sqlite3.connect(self.path)
        db.executescript(
            """
            PRAGMA journal_mode = WAL;
            CREATE TABLE documents (id INTEGER PRIMARY KEY, kind TEXT, country TEXT,
                language TEXT, year INTEGER, title TEXT, summary TEXT, body TEXT);
            CREATE TABLE topics (doc INTEGER, topic TEXT, PRIMARY KEY (doc, topic)) WITHOUT ROWID;
            CREATE TABLE principals (doc INTEGER, principal TEXT, PRIMARY KEY (doc, principal))
                WITHOUT ROWID;
            CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, content='documents',
                content_rowid='id', tokenize='porter unicode61');
            """
        )
        for r in _rows(records, progress):
            fields = (r["title"], r["summary"], text_of(r))
            db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (r["id"], r["kind"], r["country"], r["language"], r["year"], *fields),
            )
            db.execute(
                "INSERT INTO fts (rowid, title, summary, body) VALUES (?, ?, ?, ?)", (r["id"], *fields)
            )
            db.executemany("INSERT INTO topics VALUES (?, ?)", [(r["id"], t) for t in r["topics"]])
            db.executemany("INSERT INTO principals VALUES (?, ?)", [(r["id"], p) for p in r["principals"]])
        db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        return {}

    def open(self) -> None:
        self.db = sqlite3.connect(self.path)

    @staticmethod
    def match(q: str) -> str:
        """Words quoted (so no word is read as syntax), phrases and OR kept: FTS5's own syntax."""
        return " ".join(p if p == "OR" or p.startswith('"') else f'"{p}"' for p in query_parts(q))

    def search(self, q: str, filters: dict[str, str], per_page: int) -> Answer:
        assert self.db is not None
        match = self.match(q)
        where = "".join(f" AND d.{column} = ?" for column in filters)
        facets = " ".join(
            f"UNION ALL SELECT '{name}', {name}, count(*) FROM r GROUP BY {name}"  # noqa: S608
            for name in FACETS
            if name != "topic"
        )
        # Column names come from FACETS and shapes.py's filters; every value is a parameter.
        sql = f"""
            WITH r AS MATERIALIZED (
                SELECT fts.rowid AS id, bm25(fts, {TITLE_BOOST}, {TITLE_BOOST}, 1.0) AS score,
                       d.kind, d.country, d.language, d.year
                FROM fts JOIN documents d ON d.id = fts.rowid
                WHERE fts MATCH ?{where} AND EXISTS (SELECT 1 FROM principals p
                    WHERE p.doc = fts.rowid AND p.principal IN ({",".join("?" * len(PRINCIPALS))})))
            SELECT 'total', NULL, count(*) FROM r {facets}
            UNION ALL SELECT 'topic', t.topic, count(*) FROM r JOIN topics t ON t.doc = r.id
                GROUP BY t.topic
            UNION ALL SELECT * FROM (SELECT 'page', id, score FROM r ORDER BY score, id LIMIT ?)
        """  # noqa: S608
        rows = self.db.execute(sql, (match, *filters.values(), *PRINCIPALS, per_page)).fetchall()
        total, page, facet_counts = _answer(rows)
        return Answer(total, page, facet_counts, self.snippets(match, page))

    def snippets(self, match: str, page: list[int]) -> list[str]:
        if not page:
            return []
        assert self.db is not None
        rows = dict(
            self.db.execute(
                "SELECT rowid, highlight(fts, 0, '<b>', '</b>') || ' ' || "  # noqa: S608
                "snippet(fts, 2, '<b>', '</b>', '…', 32) FROM fts "
                f"WHERE fts MATCH ? AND rowid IN ({','.join('?' * len(page))})",
                (match, *page),
            ).fetchall()
        )
        return [rows[i] for i in page]

    def size(self) -> int:
        return self.path.stat().st_size

    def index_size(self) -> int:
        """The FTS5 index alone (its data table), without the documents it points to."""
        with sqlite3.connect(self.path) as db:
            return db.execute("SELECT sum(length(block)) FROM fts_data").fetchone()[0]

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


class Postgres:
    """PostgreSQL: a stored tsvector per document in its language's configuration ('english'
    or 'simple'), GIN on it and on `principals text[]`, websearch_to_tsquery, ts_rank,
    ts_headline."""

    name = "PostgreSQL FTS"

    def __init__(self, url: str, docs: int) -> None:
        self.url = url
        self.table = f"docs_{docs}"  # one table per corpus size, so that --reuse finds its own
        self.settings: dict[str, str] = {}  # for the searching session (--pg-set jit=off)
        self.db: Any = None

    def unavailable(self) -> str | None:
        """Why PostgreSQL cannot be used (None when it can): the database is created if absent."""
        import psycopg

        if not shutil.which("createdb"):
            return "createdb is not installed"
        name = self.url.rsplit("/", 1)[1]
        try:
            psycopg.connect(self.url, connect_timeout=5).close()
        except psycopg.OperationalError as error:
            created = subprocess.run(
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True, text=True
            )
            if created.returncode:
                return f"{error}".strip() + " / createdb: " + created.stderr.strip()
        return None

    def build(self, records: list[dict[str, Any]], progress: Progress) -> dict[str, Any]:
        """Returns the server process's CPU seconds: the analysis runs there, not here."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            cpu_before = server_cpu(db)
            db.execute(f"DROP TABLE IF EXISTS {self.table}")
            db.execute(
                f"""
                CREATE TABLE {self.table} (id integer PRIMARY KEY, kind text, country text,
                    language text, year integer, topics text[], principals text[], cfg regconfig,
                    title text, summary text, body text,
                    tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector(cfg, title), 'A')
                        || setweight(to_tsvector(cfg, summary), 'A') || to_tsvector(cfg, body))
                        STORED)
                """
            )
            columns = "id, kind, country, language, year, topics, principals, cfg, title, summary, body"
            with db.cursor().copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                for r in _rows(records, progress):
                    cfg = "english" if r["language"] == "en" else "simple"
                    copy.write_row(
                        (
                            r["id"],
                            r["kind"],
                            r["country"],
                            r["language"],
                            r["year"],
                            r["topics"],
                            sorted(r["principals"]),
                            cfg,
                            r["title"],
                            r["summary"],
                            text_of(r),
                        )
                    )
            db.execute(f"CREATE INDEX {self.table}_tsv ON {self.table} USING gin (tsv)")
            db.execute(f"CREATE INDEX {self.table}_principals ON {self.table} USING gin (principals)")
            db.execute(f"VACUUM ANALYZE {self.table}")
            cpu_after = server_cpu(db)
        if cpu_before is None or cpu_after is None:
            return {"server_cpu_s": None}
        return {"server_cpu_s": round(cpu_after - cpu_before, 1)}

    def open(self) -> None:
        import psycopg

        self.db = psycopg.connect(self.url, autocommit=True)
        for name, value in self.settings.items():
            self.db.execute("SELECT set_config(%s, %s, false)", (name, value))

    def sql(self, filters: dict[str, str]) -> str:
        # Column names come from FACETS and shapes.py's filters; every value is a parameter.
        where = "".join(f" AND d.{column} = %({column})s" for column in filters)
        facets = ", ".join(
            f"'{name}', (SELECT json_agg(json_build_array(k, n)) FROM (SELECT {name}::text k, "  # noqa: S608
            f"count(*) n FROM r GROUP BY 1) x)"
            for name in FACETS
            if name != "topic"
        )
        return f"""
            WITH q AS (SELECT websearch_to_tsquery('english', %(q)s)
                              || websearch_to_tsquery('simple', %(q)s) AS q),
            r AS MATERIALIZED (
                SELECT d.id, d.kind, d.country, d.language, d.year, d.topics,
                       ts_rank('{{0.4, 0.4, 0.4, 1.0}}', d.tsv, q.q) AS score
                FROM {self.table} d, q WHERE d.tsv @@ q.q AND d.principals && %(principals)s{where})
            SELECT json_build_object('total', (SELECT count(*) FROM r), {facets},
                'topic', (SELECT json_agg(json_build_array(k, n)) FROM (SELECT t k, count(*) n
                    FROM r, unnest(r.topics) t GROUP BY 1) x),
                'page', (SELECT json_agg(json_build_array(p.id,
                        ts_headline(d.cfg, d.title, q.q, 'HighlightAll=true') || ' ' ||
                        ts_headline(d.cfg, d.body, q.q, 'MaxFragments=2, MaxWords=20, MinWords=8'))
                        ORDER BY p.score DESC, p.id)
                    FROM (SELECT id, score FROM r ORDER BY score DESC, id LIMIT %(limit)s) p
                    JOIN {self.table} d ON d.id = p.id, q))
        """  # noqa: S608

    def search(self, q: str, filters: dict[str, str], per_page: int) -> Answer:
        params = {"q": q, "principals": list(PRINCIPALS), "limit": per_page, **filters}
        found = self.db.execute(self.sql(filters), params).fetchone()[0]
        page = found["page"] or []
        facets = {name: {str(k): n for k, n in found[name] or []} for name in FACETS}
        return Answer(found["total"], [row[0] for row in page], facets, [row[1] for row in page])

    def plan(self, q: str, filters: dict[str, str], per_page: int) -> dict[str, Any]:
        """What the server did for one request: its own time and whether JIT compiled it (the
        server's default `jit = on` compiles plans above `jit_above_cost`, which costs time)."""
        params = {"q": q, "principals": list(PRINCIPALS), "limit": per_page, **filters}
        plan = self.db.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + self.sql(filters), params).fetchone()[0][0]
        jit = plan.get("JIT", {}).get("Timing", {}).get("Total")
        return {"server_ms": round(plan["Execution Time"], 1), "jit_ms": jit and round(jit, 1)}

    def size(self) -> int:
        import psycopg

        with psycopg.connect(self.url) as db:
            return db.execute("SELECT pg_total_relation_size(%s)", (self.table,)).fetchone()[0]

    def index_size(self) -> int:
        """The two GIN indexes alone."""
        import psycopg

        with psycopg.connect(self.url) as db:
            return db.execute(
                "SELECT pg_relation_size(%s) + pg_relation_size(%s)",
                (f"{self.table}_tsv", f"{self.table}_principals"),
            ).fetchone()[0]

    def count(self) -> int | None:
        import psycopg

        try:
            with psycopg.connect(self.url) as db:
                return db.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]  # noqa: S608
        except psycopg.Error:
            return None

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
