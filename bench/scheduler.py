"""`python -m bench.scheduler`: the daily snapshot of the national-scale force (target ≤ 10 s).

On the engine bench's force (bench.generate, cached by bench.load: 1,000 units, 50,000
people, 2,000,000 completions), on SQLite and PostgreSQL: the `snapshots` job's work for
today (from the derived facts; the first time and again, which replaces the day), for
past days (from the records, as a back-fill does), and the job itself filling a week
it missed. Prints medians, rows and storage per day, and checks a sample of units
against `services.unit_readiness`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bench.load import prepare, prepared_databases
from readiness import create_app
from readiness.engine import facts, rules, services
from readiness.engine.snapshots import COUNTS, UnitRequirementSnapshot, UnitSnapshot, forget, take
from readiness.extensions import db
from readiness.scheduler import runner
from readiness.units.models import Unit

TARGET_S = 10.0
FIELDS = ("authorized", "assigned", "qualified", "manning_pct", "qualified_pct", "p_level", "t_level",
          "level")


def _row(name: str, seconds: float, note: str = "", target: float | None = None) -> None:
    mark = "" if target is None else ("ok" if seconds <= target else "SLOW")
    print(f"  {name:<46} {seconds:8.2f} s {target or '':>6} {mark:>4}  {note}", flush=True)


def _timed(fn: Any, runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _take(day: date) -> Any:
    taken = take(day)
    db.session.commit()
    return taken


def _check(day: date, sample: list[Unit]) -> int:
    """Compare the stored snapshot of `day` with the engine for `sample`; return how many differ."""
    differ = 0
    for unit in sample:
        answer = services.unit_readiness(unit, day)
        snap = db.session.get(UnitSnapshot, (unit.id, day))
        rows = db.session.scalars(select(UnitRequirementSnapshot).where(
            UnitRequirementSnapshot.unit_id == unit.id, UnitRequirementSnapshot.as_of == day))
        mine = ({f: getattr(snap, f) for f in FIELDS},
                {r.requirement_id: {c: getattr(r, c) for c in COUNTS} for r in rows})
        theirs = ({f: answer[f] for f in FIELDS},
                  {r["id"]: {c: r[c] for c in COUNTS} for r in answer["requirements"]})
        if mine != theirs:
            differ += 1
            print(f"  DIFFERENT: {unit.code} on {day}")
    db.session.rollback()
    return differ


def _storage(days: int) -> str:
    if db.engine.dialect.name == "postgresql":
        size = db.session.scalar(text("SELECT pg_total_relation_size('unit_snapshots') "
                                      "+ pg_total_relation_size('unit_requirement_snapshots')")) or 0
    else:
        try:
            size = db.session.scalar(text(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%unit_%snapshots%'"))
        except Exception:  # SQLite built without dbstat
            return "size not measured"
    return f"{size / days / 1e6:.1f} MB per day on disk (tables and indexes)"


def run(name: str, url: str, runs: int) -> None:
    """Time the snapshots on the database at `url`."""
    prepare(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    print(f"\n== {name}")
    with app.app_context():
        started = time.perf_counter()
        facts.refresh()
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"  derived data refreshed in {time.perf_counter() - started:.1f} s")
        units = db.session.scalar(select(func.count()).select_from(Unit))
        today = rules.today()
        print(f"  {units:,} units; today {today}; load {os.getloadavg()[0]:.2f} (1 min)")
        print(f"  {'what':<46} {'median':>10} {'target':>6}")

        first, taken = _timed(lambda: _take(today), 1)
        _row("today, first time (facts)", first, f"{taken.units} units, {taken.requirement_rows:,} rows",
             TARGET_S)
        again, _ = _timed(lambda: _take(today), runs)
        _row(f"today again, replacing it (median of {runs})", again, "", TARGET_S)
        yesterday, taken = _timed(lambda: _take(today - timedelta(days=1)), max(1, runs // 2))
        _row("yesterday (records, as a back-fill)", yesterday, f"{taken.requirement_rows:,} rows", TARGET_S)
        year_ago, _ = _timed(lambda: _take(today - timedelta(days=365)), 1)
        _row("a year ago (records)", year_ago, "", TARGET_S)

        # The job on a clock: the last snapshot eight days back, so it fills seven missed days and today.
        for back in range(8):
            forget(today - timedelta(days=back))
        db.session.commit()
        _take(today - timedelta(days=8))
        night = datetime.combine(today, clock_time(23, 45), ZoneInfo(app.config["TIMEZONE"])).astimezone(UTC)
        app.config["SCHEDULER_CLOCK"] = lambda: night
        started = time.perf_counter()
        job = runner.run("snapshots")
        elapsed = time.perf_counter() - started
        assert job is not None
        assert job.outcome == "ok", job.error
        _row("the job, a week missed (8 days to today)", elapsed,
             f"{elapsed / 8:.2f} s per day; {job.message}")

        sample = random.Random(7).sample(list(db.session.scalars(select(Unit))), 25)
        sample.append(db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)))
        checked = (today, today - timedelta(days=1), today - timedelta(days=365))
        differ = sum(_check(day, sample) for day in checked)
        print(f"  engine check: {len(sample)} units × 3 days, {differ} different")
        days = db.session.scalar(select(func.count(UnitSnapshot.as_of.distinct()))) or 1
        print(f"  storage: {_storage(days)} ({days} days stored)")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    """Build or reuse the bench force and print the snapshot timings."""
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--small", action="store_true", help="a tenth of the scale, for a quick look")
    parser.add_argument("--runs", type=int, default=5, help="runs of each timing (median)")
    args = parser.parse_args()
    for name, url in prepared_databases(args.db, args.small):
        run(name, url, args.runs)


if __name__ == "__main__":
    main()
