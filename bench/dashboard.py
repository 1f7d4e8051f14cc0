"""`python -m bench.dashboard`: the readiness pages at national scale, server time per page.

Reuses the engine bench's force (bench.generate, cached by bench.load) on a private copy
(a SQLite file copy, a PostgreSQL database made from the cached one as a template), so
it never disturbs another bench. Each page is asked through the app in-process (routing,
engine, queries, template), the median of several runs after a warm-up.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.load import (
    PG_ADMIN,
    PG_NAME,
    median_ms,
    prepare,
    prepared_databases,
)
from readiness import create_app
from readiness.auth.models import User
from readiness.auth.services import create_user
from readiness.dashboard import charts
from readiness.engine import facts, rules, services
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.units.models import Unit

#: Server-time targets of the issue, in ms.
TARGETS = {"whole-force page": 300, "battalion page": 100, "company matrix (~150 people)": 200,
           "forecast chart, whole force": 100}
PASSWORD = "bench-password"  # noqa: S105 - a throwaway user of a throwaway copy
COPY_NAME = f"{PG_NAME}_dashboard"


def _row(name: str, ms: float, note: str = "") -> None:
    target = TARGETS.get(name)
    mark = "" if target is None else ("ok" if ms <= target else "SLOW")
    print(f"  {name:<40} {ms:9.1f} {target or '':>8} {mark:>5}  {note}", flush=True)


def _pick(kind: str, size: int, url_units: list[tuple[Unit, int]]) -> tuple[Unit, int]:
    return min(url_units, key=lambda pair: abs(pair[1] - size))


def _assigned_by_unit(kind: str) -> list[tuple[Unit, int]]:
    """Units of a kind with the number of assigned people in their subtree (first 40 by id)."""
    units = list(db.session.scalars(select(Unit).where(Unit.kind == kind).order_by(Unit.id).limit(40)))
    out = []
    for unit in units:
        count = db.session.scalar(
            select(func.count()).select_from(Person).join(Unit, Unit.id == Person.unit_id)
            .where(Unit.path.startswith(unit.path), rules.is_assigned(Person)))
        out.append((unit, int(count or 0)))
    return out


def run(name: str, url: str) -> None:
    """Time every page on the database at `url`."""
    prepare(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 64, "parallelism": 1}})
    print(f"\n== {name}")
    with app.app_context():
        started = time.perf_counter()
        facts.refresh()
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"  derived data refreshed in {(time.perf_counter() - started):.1f} s")
        if db.session.scalar(select(User).where(User.name == "bench-admin")) is None:
            create_user("bench-admin", "admin", PASSWORD)
            db.session.commit()
        force = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
        battalion, b_people = _pick("battalion", 500, _assigned_by_unit("battalion"))
        company, c_people = _pick("company", 150, _assigned_by_unit("company"))
        today = rules.today()
        past, deploy = (today - timedelta(days=730)).isoformat(), (today + timedelta(days=120)).isoformat()
        client = app.test_client()
        client.post("/login", data={"name": "bench-admin", "password": PASSWORD})

        def page(path: str) -> Callable[[], None]:
            def get() -> None:
                resp = client.get(path)
                assert resp.status_code == 200, (path, resp.status_code)
                db.session.rollback()
            return get

        people = db.session.scalar(select(func.count()).select_from(Person).where(rules.is_assigned(Person)))
        print(f"  force: {people:,} assigned; battalion {battalion.code}: {b_people}; "
              f"company {company.code}: {c_people}")
        print(f"  {'page':<40} {'median ms':>9} {'target':>8}")
        _row("whole-force page", median_ms(page(f"/readiness/units/{force.code}"), 7))

        def engine_only() -> None:
            services.unit_readiness(force, today)
            db.session.rollback()

        _row("  of which engine unit_readiness", median_ms(engine_only, 7))
        from readiness.dashboard import pages as dashboard_pages

        def page_data() -> None:
            with app.test_request_context():
                user = db.session.scalar(select(User).where(User.name == "bench-admin"))
                dates = dashboard_pages.read_dates({}, today)
                dashboard_pages.unit_page(user, force, dates, dashboard_pages.DEFAULT_SORT)
            db.session.rollback()

        _row("  of which page data (engine, forecast, labels)", median_ms(page_data, 7))
        _row("battalion page", median_ms(page(f"/readiness/units/{battalion.code}"), 15))
        _row("company matrix (~150 people)", median_ms(page(f"/readiness/units/{company.code}/matrix"), 15),
             f"{c_people} people")

        def chart() -> None:
            data = services.forecast(force, today, today + timedelta(days=365))
            charts.forecast_svg(data, app.config["T_BANDS"], width=600, height=300)
            db.session.rollback()

        _row("forecast chart, whole force", median_ms(chart, 7), "engine forecast + SVG")
        _row("whole-force page, two years ago",
             median_ms(page(f"/readiness/units/{force.code}?as_of={past}"), 3))
        _row("whole-force page with deploy day", median_ms(
            page(f"/readiness/units/{force.code}?deploy_on={deploy}"), 5))
        _row("battalion matrix", median_ms(page(f"/readiness/units/{battalion.code}/matrix"), 5))
        _row("battalion gaps", median_ms(page(f"/readiness/units/{battalion.code}/gaps"), 5))
        _row("whole-force gaps", median_ms(page(f"/readiness/units/{force.code}/gaps"), 3))
        _row("company matrix, XLSX export",
             median_ms(page(f"/readiness/units/{company.code}/matrix.xlsx"), 5))
        _row("battalion matrix, CSV export",
             median_ms(page(f"/readiness/units/{battalion.code}/matrix.csv"), 3))
        db.session.remove()
        db.engine.dispose()


def _sqlite_copy(source: str, folder: Path) -> str:
    # The backup API copies a consistent snapshot even while another bench writes the file.
    target = folder / "dashboard-bench.db"
    with sqlite3.connect(make_url(source).database or "") as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def _postgres_copy(source: str) -> str | None:
    """Copy the cached bench database (as a template); None when another session holds it."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{COPY_NAME}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{COPY_NAME}" TEMPLATE "{PG_NAME}"'))
    except Exception as error:  # the template is busy (another bench holds it): say so and skip
        print(f"  PostgreSQL copy not made ({type(error).__name__}: another session uses {PG_NAME}?)")
        return None
    finally:
        admin.dispose()
    return make_url(source).set(database=COPY_NAME).render_as_string(hide_password=False)


def _drop_postgres_copy() -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{COPY_NAME}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    """Build or reuse the bench force, copy it, and print the page timings."""
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--small", action="store_true", help="a tenth of the scale, for a quick look")
    args = parser.parse_args()
    sources = prepared_databases(args.db, args.small)
    with tempfile.TemporaryDirectory() as folder:
        for name, source in sources:
            if name == "SQLite":
                run(name, _sqlite_copy(source, Path(folder)))
            elif (copy := _postgres_copy(source)) is not None:
                try:
                    run(name, copy)
                finally:
                    _drop_postgres_copy()


if __name__ == "__main__":
    main()
