"""`make bench`: the readiness questions at national scale, on SQLite and PostgreSQL.

Prints, per database, the median of several runs of each question answered by the
engine (derived data where it applies) beside the plain set-based computation over the
base tables, and checks that both give the same answer.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text

from bench.load import prepare, prepared_databases
from readiness import create_app, signals
from readiness.audit import AuditEvent
from readiness.engine import facts, rules, services
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training.models import Completion, Course
from readiness.units.models import Unit

TARGETS = {
    "whole force, today": 100, "whole force, two years ago": 1000, "one battalion, today": 20,
    "one person, today": 5, "one person, two years ago": 5, "forecast 365 days, whole force": 500,
    "import CSV of 100,000 completions": 5000, "record one completion": 10,
}


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Return the median wall time in ms of `runs` calls after one warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()  # no state carried between runs
    return statistics.median(times), result


class Report:
    """Rows of (question, engine ms, plain ms, same answer)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[tuple[str, float, float | None, str]] = []

    def add(self, question: str, mine: float, plain: float | None, same: str) -> None:
        """Add a row and print it at once."""
        self.rows.append((question, mine, plain, same))
        target = TARGETS.get(question)
        mark = "" if target is None else ("ok" if mine <= target else "SLOW")
        plain_text = f"{plain:10.1f}" if plain is not None else f"{'—':>10}"
        print(f"  {question:<36} {mine:10.1f} {plain_text} {target or '':>8} {mark:>4}  {same}", flush=True)


def _battalion() -> Unit:
    """The battalion whose assigned head count is closest to 500."""
    battalions = db.session.scalars(select(Unit).where(Unit.kind == "battalion").order_by(Unit.id).limit(20))
    return min(battalions, key=lambda u: abs(services.unit_readiness(u, rules.today())["assigned"] - 500))


def run(name: str, url: str, *, writes: bool = True) -> Report:
    """Ask every question of the database at `url`."""
    prepare(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    report = Report(name)
    print(f"\n== {name}: {url}")
    print(f"  {'question':<36} {'engine ms':>10} {'plain ms':>10} {'target':>8}")
    with app.app_context():
        started = time.perf_counter()
        facts.refresh()
        db.session.commit()
        refresh_ms = (time.perf_counter() - started) * 1000
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        _vacuum()
        stale = facts.stale()
        report.add("full refresh of the derived data", refresh_ms, None,
                   "fresh" if not any(stale.values()) else f"STALE {stale}")

        today = rules.today()
        past = today - timedelta(days=730)
        force = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        battalion = _battalion()
        person = db.session.scalars(select(Person).order_by(Person.id).offset(1234).limit(1)).one()
        questions: list[tuple[str, Callable[..., Any], tuple[Any, ...], int, int]] = [
            ("whole force, today", services.unit_readiness, (force, today), 7, 3),
            ("whole force, two years ago", services.unit_readiness, (force, past), 5, 3),
            ("one battalion, today", services.unit_readiness, (battalion, today), 21, 5),
            ("one person, today", services.person_readiness, (person, today), 51, 21),
            ("one person, two years ago", services.person_readiness, (person, past), 51, 21),
            ("forecast 365 days, whole force", services.forecast,
             (force, today, today + timedelta(days=365)), 7, 3),
        ]
        for question, fn, args, runs, plain_runs in questions:
            mine, a = timed(lambda fn=fn, args=args: fn(*args), runs)
            theirs, b = timed(lambda fn=fn, args=args: fn(*args, plain=True), plain_runs)
            report.add(question, mine, theirs, "same answer" if a == b else "DIFFERENT ANSWER")
        if writes:
            _writes(report, today)
        db.engine.dispose()
    return report


#: The import is timed this many times (median printed, each run beside it).
IMPORT_RUNS = 3


def _writes(report: Report, today: date) -> None:
    """Import 100,000 completions, then record one at a time; everything written is removed again."""
    from readiness.imports import KINDS, import_rows, load_file, resolve
    from readiness.records.services import create_completions

    rows = _new_completions(today, 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "completions.csv"
        with path.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["service_number", "course", "completed_on", "score"])
            writer.writerows(rows)
        kind = KINDS["completions"]
        schema, _ = resolve(kind)

        def import_file() -> None:
            loaded = load_file(path, schema(), "completions.csv")
            import_rows(kind, loaded, "completions.csv")
            db.session.commit()

        def import_plain() -> None:
            with _without_derived_data():
                import_file()

        # Three runs each, alternating: the first run of a process is the slowest (cold caches).
        mine_runs, plain_runs = [], []
        for _ in range(IMPORT_RUNS):
            mine_runs.append(_undone(import_file))
            plain_runs.append(_undone(import_plain))
        report.add("import CSV of 100,000 completions", statistics.median(mine_runs),
                   statistics.median(plain_runs),
                   "via readiness.imports; runs " + " / ".join(f"{ms:.0f}" for ms in mine_runs)
                   + " (plain " + " / ".join(f"{ms:.0f}" for ms in plain_runs) + ")")

        one = [{"service_number": r[0], "course": r[1], "completed_on": date.fromisoformat(r[2]),
                "score": r[3]} for r in rows[:21]]

        def record(i: int) -> None:
            create_completions([one[i]], None)
            db.session.commit()

        def record_plain(i: int) -> None:
            with _without_derived_data():
                record(i)

        report.add("record one completion", _undone_each(record, len(one)),
                   _undone_each(record_plain, len(one)), "via records.services")


class _without_derived_data:  # noqa: N801 - used like a function
    """Disconnect the engine's receivers: the baseline writes no derived data."""

    def __enter__(self) -> None:
        for signal in (signals.records_changed, signals.people_changed):
            signal.disconnect(facts._on_records_changed)
            signal.disconnect(facts._on_people_changed)

    def __exit__(self, *exc: object) -> None:
        facts.connect()


def _new_completions(today: date, count: int) -> list[tuple[str, str, str, int]]:
    """Rows that collide with no stored completion: recent days, people and courses spread out."""
    people = db.session.execute(select(Person.service_number).order_by(Person.id)).scalars().all()
    courses = db.session.execute(select(Course.code).order_by(Course.id)).scalars().all()
    recent = today - timedelta(days=20)
    taken = set(db.session.execute(
        select(Person.service_number, Course.code, Completion.completed_on)
        .join(Person, Person.id == Completion.person_id).join(Course, Course.id == Completion.course_id)
        .where(Completion.completed_on >= recent)).all())
    rows: list[tuple[str, str, str, int]] = []
    i = 0
    while len(rows) < count:
        # Person and day together are unique for the first 20 passes over the roster.
        key = (people[i % len(people)], courses[(i * 37) % len(courses)],
               recent + timedelta(days=i // len(people)))
        if key not in taken:
            taken.add(key)
            rows.append((key[0], key[1], key[2].isoformat(), 80))
        i += 1
    return rows


def _undone(fn: Callable[[], None]) -> float:
    """Time `fn` (which commits), then delete what it wrote and restore the facts."""
    last_completion = db.session.scalar(select(func.max(Completion.id)))
    last_audit = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    started = time.perf_counter()
    fn()
    elapsed = (time.perf_counter() - started) * 1000
    people = db.session.scalars(select(Completion.person_id).where(Completion.id > last_completion)
                                .distinct()).all()
    db.session.execute(delete(Completion).where(Completion.id > last_completion))
    db.session.execute(delete(AuditEvent).where(AuditEvent.id > last_audit))
    facts.refresh(people)
    db.session.commit()
    _vacuum()
    return elapsed


#: Tables a timed write leaves dead rows in (the write itself, then its undoing).
_WRITTEN = ("completions", "audit_events", "requirement_facts", "person_facts", "unit_requirement_totals",
            "unit_person_totals")


def _vacuum() -> None:
    """Clear the dead rows of the written tables on PostgreSQL, as autovacuum would in production.

    The bench server may run without autovacuum: then every import and its undoing left
    100,000 dead rows behind in each table, and each timed run wrote into a larger table
    than the last.
    """
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(_WRITTEN)}")


def _undone_each(fn: Callable[[int], None], runs: int) -> float:
    times = [_undone(lambda i=i: fn(i)) for i in range(runs)]
    return statistics.median(times[1:])


def main() -> None:
    """Build or reuse the bench databases and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--small", action="store_true", help="a tenth of the scale, for a quick look")
    parser.add_argument("--reads", action="store_true", help="only the questions, no imports or records")
    args = parser.parse_args()
    urls = prepared_databases(args.db, args.small)
    for name, url in urls:
        run(name, url, writes=not args.reads)


if __name__ == "__main__":
    main()
