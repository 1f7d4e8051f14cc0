"""`python -m bench.workspace`: the training officer's pages at national scale (50,000 people).

Serves each page through the application (test client, in process: the time is the
server's, without a network) as an admin of the whole force, on the bench force of
bench/generate.py (SQLite and PostgreSQL, cached by bench/load.py), and prints the median
of several requests per page against the targets: the personnel list pages and filters
in under 300 ms, a class roster of 200 saves in under a second.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import delete, func, select, text

from bench.load import median_ms, prepare, prepared_databases
from readiness import create_app
from readiness.audit import AuditEvent
from readiness.auth.models import User
from readiness.auth.services import create_user
from readiness.engine import facts, rules
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training.models import Completion, Course
from readiness.units.models import Unit
from readiness.workspace import names
from readiness.workspace.names import fold

LIST_TARGET_MS = 300
ROSTER_TARGET_MS = 1000
BENCH_USER = "bench-workspace"


def _client(app: Any, user_id: int) -> Any:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return client


def _get(client: Any, path: str) -> Callable[[], Any]:
    def call() -> Any:
        resp = client.get(path)
        if resp.status_code != 200:
            raise RuntimeError(f"{path}: {resp.status_code}")
        return resp
    return call


def _pages(app: Any) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Pick a battalion, a person, a name and a course of the force, and name the pages to time."""
    with app.app_context():
        battalion = db.session.scalar(select(Unit.code).where(Unit.kind == "battalion").order_by(Unit.id))
        person = db.session.scalars(select(Person).order_by(Person.id).offset(1234).limit(1)).one()
        name = fold(person.family_name)
        total = db.session.scalar(select(func.count()).select_from(Person))
        facts_ = {"battalion": battalion, "person": person.service_number, "name": name,
                  "people": total}
    last = max(1, -(-total // 50))
    people = "/workspace/people"
    return [
        ("people, first page", people),
        (f"people, page {last // 2}", f"{people}?page={last // 2}"),
        (f"people, last page ({last})", f"{people}?page={last}"),
        ("people of a battalion (subtree)", f"{people}?{urlencode({'unit': battalion})}"),
        ("people: rifleman, active, earmarked", f"{people}?role=rifleman&status=active&earmarked=yes"),
        ("people not qualified today", f"{people}?qualified=no"),
        ("people of a battalion, qualified",
         f"{people}?{urlencode({'unit': battalion, 'qualified': 'yes'})}"),
        (f"people named '{name}'", f"{people}?{urlencode({'q': name})}"),
        ("people named 'famil' (matches everyone)", f"{people}?q=famil"),
        ("people by service number", f"{people}?{urlencode({'q': person.service_number})}"),
        ("search box: a name", f"/workspace/search?{urlencode({'q': name, 'go': 'no'})}"),
        ("person page", f"/workspace/people/{person.service_number}"),
        ("catalogue", "/workspace/courses"),
    ], facts_


def _roster(app: Any, client: Any, battalion: str) -> float:
    """Save a class of 200 of the battalion through the roster page; undo it; return the ms."""
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == battalion))
        numbers = db.session.scalars(
            select(Person.service_number).join(Person.unit)
            .where(Unit.path.startswith(unit.path, autoescape=True)).order_by(Person.id).limit(200)).all()
        course = db.session.scalar(select(Course.code).order_by(Course.id))
        day = rules.today() - timedelta(days=1)
        last_completion = db.session.scalar(select(func.coalesce(func.max(Completion.id), 0)))
        last_audit = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        # A same-day record of someone in the class would be left out, not saved: clear the day first.
        db.session.execute(delete(Completion).where(Completion.completed_on == day,
                                                    Completion.course.has(Course.code == course)))
        db.session.commit()
    form = {"course": course, "completed_on": day.isoformat(), "numbers": "\n".join(numbers),
            "include_valid": "y", "action": "save"}
    started = time.perf_counter()
    resp = client.post("/workspace/roster", data=form)
    elapsed = (time.perf_counter() - started) * 1000
    if resp.status_code != 302:
        raise RuntimeError(f"roster: {resp.status_code} {resp.get_data(as_text=True)[:500]}")
    with app.app_context():
        people = db.session.scalars(select(Completion.person_id).where(Completion.id > last_completion)).all()
        db.session.execute(delete(Completion).where(Completion.id > last_completion))
        db.session.execute(delete(AuditEvent).where(AuditEvent.id > last_audit))
        facts.refresh(people)
        db.session.commit()
    return elapsed


def _import(app: Any, client: Any, battalion: str, rows: int = 10_000) -> tuple[float, float]:
    """Upload a CSV of `rows` completions, wait for the background check, confirm, wait; undo it.

    Returns the seconds the check and the import took, as the uploader waits for them.
    """
    import io

    from readiness.workspace import jobs
    from readiness.workspace.models import ImportJob

    with app.app_context():
        numbers = db.session.scalars(select(Person.service_number).order_by(Person.id)).all()
        wanted = rows // len(numbers) + 2
        courses = db.session.scalars(select(Course.code).order_by(Course.id).limit(wanted)).all()
        day = rules.today() - timedelta(days=2)
        last_completion = db.session.scalar(select(func.coalesce(func.max(Completion.id), 0)))
        last_audit = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        db.session.execute(delete(Completion).where(Completion.completed_on == day))
        db.session.commit()
    body = "service_number,course,completed_on,score\n" + "".join(
        f"{numbers[i % len(numbers)]},{courses[i // len(numbers)]},{day.isoformat()},80\n"
        for i in range(rows))
    started = time.perf_counter()
    resp = client.post("/workspace/imports", data={"kind": "completions",
                                                   "file": (io.BytesIO(body.encode()), "bench.csv")},
                       content_type="multipart/form-data")
    job_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    jobs.wait(job_id, timeout=600)
    checked = time.perf_counter() - started
    started = time.perf_counter()
    client.post(f"/workspace/imports/{job_id}/confirm", data={})
    jobs.wait(job_id, timeout=600)
    imported = time.perf_counter() - started
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        if job.state != "done":
            raise RuntimeError(f"import job ended {job.state}: {(job.problems or [])[:3]}")
        people = db.session.scalars(select(Completion.person_id).where(Completion.id > last_completion)
                                    .distinct()).all()
        db.session.execute(delete(Completion).where(Completion.id > last_completion))
        db.session.execute(delete(AuditEvent).where(AuditEvent.id > last_audit))
        db.session.execute(delete(ImportJob).where(ImportJob.id == job_id))
        facts.refresh(people)
        db.session.commit()
    return checked, imported


def run(name: str, url: str, runs: int) -> list[tuple[str, float, int]]:
    """Time every page on the database at `url`."""
    prepare(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    print(f"\n== {name}: {url}")
    with app.app_context():
        started = time.perf_counter()
        facts.refresh()
        names.refresh()  # the bench force is loaded raw, past the services that keep both current
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"  derived data (facts, folded names) refreshed in {time.perf_counter() - started:.1f} s")
        user = db.session.scalar(select(User).where(User.name == BENCH_USER)) or create_user(
            BENCH_USER, "admin", "bench-password-not-secret")
        db.session.commit()
        user_id = user.id
    pages, found = _pages(app)
    print(f"  {found['people']:,} people; battalion {found['battalion']}, person {found['person']}")
    print(f"  {'page':<42} {'median ms':>10} {'target':>7}")
    client = _client(app, user_id)
    rows = []
    for label, path in pages:
        ms = median_ms(_get(client, path), runs)
        rows.append((label, ms, LIST_TARGET_MS))
        mark = "ok" if ms <= LIST_TARGET_MS else "SLOW"
        print(f"  {label:<42} {ms:10.1f} {LIST_TARGET_MS:>7} {mark}", flush=True)
    times = [_roster(app, client, found["battalion"]) for _ in range(3)]
    ms = statistics.median(times)
    rows.append(("class roster of 200 saved", ms, ROSTER_TARGET_MS))
    print(f"  {'class roster of 200 saved':<42} {ms:10.1f} {ROSTER_TARGET_MS:>7} "
          f"{'ok' if ms <= ROSTER_TARGET_MS else 'SLOW'}")
    checked, imported = _import(app, client, found["battalion"])
    print(f"  {'CSV of 10,000 completions: check (s)':<42} {checked:10.1f}")
    print(f"  {'CSV of 10,000 completions: import (s)':<42} {imported:10.1f}")
    with app.app_context():
        db.session.execute(delete(User).where(User.name == BENCH_USER))
        db.session.commit()
        db.engine.dispose()
    return rows


def main() -> None:
    """Build or reuse the bench databases and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.workspace", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--small", action="store_true", help="a tenth of the scale, for a quick look")
    parser.add_argument("--runs", type=int, default=7, help="requests per page (the median is shown)")
    args = parser.parse_args()
    urls = prepared_databases(args.db, args.small)
    slow = []
    for name, url in urls:
        slow += [(name, label) for label, ms, target in run(name, url, args.runs) if ms > target]
    print("\nall within target" if not slow else f"\nSLOW: {slow}")


if __name__ == "__main__":
    main()
