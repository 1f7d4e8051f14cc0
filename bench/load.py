"""Load the generated force into SQLite or PostgreSQL, and reuse it while it still fits.

SQLite: a cached file under bench/.data/. PostgreSQL: the database `readiness_bench` (or `$BENCH_PG_NAME`).
Either is rebuilt when the generator, the scale or the schema changes (a fingerprint).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.generate import COLUMNS, Force, Scale, build
from readiness.extensions import db

GENERATOR_VERSION = 4
DATA_DIR = Path(__file__).resolve().parent / ".data"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: Several checkouts on one machine each set their own (the schema fingerprint differs between them).
PG_NAME = os.environ.get("BENCH_PG_NAME", "readiness_bench")


#: Tables the bench rebuilds on every run (the engine's derived data), so they are not fingerprinted.
DERIVED = ("requirement_facts", "person_facts", "fact_refresh_people", "unit_requirement_totals",
           "unit_person_totals",
           # The scheduler's history and bookkeeping: made by running it, never generated.
           "unit_snapshots", "unit_requirement_snapshots", "job_runs", "scheduler_instances")


def fingerprint(scale: Scale) -> str:
    """Identify the data: generator version, scale, and the columns of every base table."""
    schema = sorted((t.name, sorted(c.name for c in t.columns))
                    for t in db.metadata.sorted_tables if t.name not in DERIVED)
    raw = json.dumps([GENERATOR_VERSION, scale.__dict__, schema], default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class Built:
    """The force, built at most once per run however many databases need it."""

    def __init__(self, scale: Scale, today: date) -> None:
        self.scale, self.today = scale, today
        self._force: Force | None = None

    def get(self) -> Force:
        """Return the force, building it on first use."""
        if self._force is None:
            started = time.perf_counter()
            self._force = build(self.scale, self.today)
            print(f"  generated the force in {time.perf_counter() - started:.1f} s")
        return self._force


@contextmanager
def _exclusive() -> Iterator[None]:
    """Let one process at a time build or check the cached databases (several benches share them)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with (DATA_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def sqlite_url(scale: Scale, built: Built) -> str:
    """Return the URL of the cached SQLite database, building it if missing or outdated."""
    with _exclusive():
        return _sqlite_url(scale, built)


def _sqlite_url(scale: Scale, built: Built) -> str:
    key = fingerprint(scale)
    path = DATA_DIR / f"bench-{key}.db"
    if not path.exists():
        for old in DATA_DIR.glob("bench-*.db*"):
            old.unlink()
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        url = f"sqlite:///{tmp}"
        _create_schema(url)
        started = time.perf_counter()
        _load_sqlite(tmp, built.get())
        print(f"  loaded SQLite in {time.perf_counter() - started:.1f} s")
        shutil.move(tmp, path)
    return f"sqlite:///{path}"


def prepare(url: str) -> None:
    """Bring a cached database to the current schema: derived tables anew, missing indexes added."""
    engine = create_engine(url)
    derived = [db.metadata.tables[name] for name in DERIVED if name in db.metadata.tables]
    db.metadata.drop_all(engine, tables=derived)
    # The engine's own indexes on base tables may have changed shape since the data was loaded.
    completions = db.metadata.tables["completions"]
    standing = next(i for i in completions.indexes if i.name == "ix_completions_standing")
    standing.drop(engine, checkfirst=True)
    db.metadata.create_all(engine)
    # create_all makes the indexes of the tables it creates only: add the base tables' ones.
    for table in db.metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def _create_schema(url: str) -> None:
    engine = create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _load_sqlite(path: Path, force: Force) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    for table, columns in COLUMNS.items():
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - fixed names
                         ([_sqlite_value(v) for v in row] for row in force.rows[table]))
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def postgres_url(scale: Scale, built: Built) -> str | None:
    """Return the URL of `readiness_bench`, (re)building it when outdated; None without a server."""
    with _exclusive():
        return _postgres_url(scale, built)


def _postgres_url(scale: Scale, built: Built) -> str | None:
    key = fingerprint(scale)
    url = make_url(PG_ADMIN).set(database=PG_NAME)
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_NAME})
    except Exception as error:  # any failure to reach the server means: skip it
        print(f"  PostgreSQL not reachable ({type(error).__name__}): skipped")
        return None
    rendered = url.render_as_string(hide_password=False)
    if exists and _pg_key(rendered) == key:
        admin.dispose()
        return rendered
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
    admin.dispose()
    _create_schema(rendered)
    started = time.perf_counter()
    _load_postgres(rendered, built.get(), key)
    print(f"  loaded PostgreSQL in {time.perf_counter() - started:.1f} s")
    return rendered


def _pg_key(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT value FROM bench_meta WHERE key = 'fingerprint'"))
    except Exception:  # no meta table: a database from elsewhere, rebuild it
        return None
    finally:
        engine.dispose()


def _load_postgres(url: str, force: Force, key: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        for table, columns in COLUMNS.items():
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in force.rows[table]:
                    copy.write_row(row)
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                        f"(SELECT max(id) FROM {table}))")
        cur.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value text)")
        cur.execute("INSERT INTO bench_meta VALUES ('fingerprint', %s)", (key,))
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


SMALL = Scale(units=100, people=5_000, completions=200_000, attainments=10_000)


def prepared_databases(which: str, small: bool) -> list[tuple[str, str]]:
    """Build or reuse the bench force; return (name, URL) of the databases `which` asks for."""
    from readiness import create_app
    from readiness.engine import rules

    scale = SMALL if small else Scale()
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench"})
    with app.app_context():
        built = Built(scale, rules.today())
        print("Preparing the bench databases (cached in bench/.data/ and readiness_bench)…")
        urls = []
        if which in ("sqlite", "both"):
            urls.append(("SQLite", sqlite_url(scale, built)))
        if which in ("postgresql", "both") and (pg := postgres_url(scale, built)):
            urls.append(("PostgreSQL", pg))
    return urls


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    """Return the median wall time in ms of `runs` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
