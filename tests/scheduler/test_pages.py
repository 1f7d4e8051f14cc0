"""The admin pages of the scheduler: who may open them, what they say about the jobs, the runs and
the scheduler processes, and "Run now" (a request the scheduler process picks up)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from readiness.db import utcnow
from readiness.extensions import db
from readiness.scheduler.models import JobRun, SchedulerInstance
from tests.dashboard.conftest import Browser, _forget
from tests.factories import make_unit, make_user

ROLES = ("admin", "to", "cdr", "viewer", "anon")


def _row(method: str, path: str, *statuses: int) -> Any:
    return pytest.param(method, path, dict(zip(ROLES, statuses, strict=True)), id=f"{method} {path}")


PAGES = [
    # method, path, admin, training officer, commander, viewer, anonymous (302: to the login form)
    _row("GET", "/admin/jobs", 200, 403, 403, 403, 302),
    _row("GET", "/admin/jobs/snapshots", 200, 403, 403, 403, 302),
    _row("GET", "/admin/jobs/snapshots?outcome=failed&page=2", 200, 403, 403, 403, 302),
    _row("POST", "/admin/jobs/snapshots/run", 302, 403, 403, 403, 302),
    _row("GET", "/admin/jobs/nope", 404, 403, 403, 403, 302),
    _row("POST", "/admin/jobs/nope/run", 404, 403, 403, 403, 302),
]


@pytest.fixture
def people(app: Any) -> dict[str, Any]:
    """One user per role (the others scoped to battalion BN)."""
    make_unit("BN", kind="battalion")
    return {"admin": make_user("admin"), "to": make_user("to", role="training_officer", unit="BN"),
            "cdr": make_user("cdr", role="commander", unit="BN"),
            "viewer": make_user("viewer", role="viewer", unit="BN")}


def token(browser: Browser, path: str = "/admin/jobs") -> str:
    """Return the CSRF token of a form on an admin page."""
    html = browser.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def post(browser: Browser, path: str, data: dict[str, str]) -> Any:
    """POST a form as this user."""
    _forget()
    return browser.client.post(path, data=data)


@pytest.mark.parametrize(("method", "path", "expected"), PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_only_admins_open_the_scheduler_pages(app, people, role, method, path, expected):
    if role == "anon":
        client = app.test_client()
        if method == "GET":
            resp = client.get(path)
        else:  # with the login form's token: what turns it away is the missing login
            page = client.get("/login").get_data(as_text=True)
            _forget()
            found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            resp = client.post(path, data={"csrf_token": found.group(1)})
        assert resp.status_code == expected[role]
        assert "/login" in resp.headers["Location"]
        return
    browser = Browser(app, role)
    # POST with a real token (from the home page's logout form): the refusal is the role's, not CSRF's.
    resp = browser.get(path) if method == "GET" else post(browser, path, {"csrf_token": token(browser, "/")})
    assert resp.status_code == expected[role], resp.get_data(as_text=True)[:500]
    if expected[role] == 403:
        assert "may not do this" in resp.get_data(as_text=True)
    asked = db.session.scalar(select(JobRun.id)) is not None
    assert asked == (expected[role] == 302 and method == "POST")


@pytest.fixture
def admin(app: Any, people: dict[str, Any]) -> Browser:
    """The admin, logged in."""
    return Browser(app, "admin")


def cell(html: str, job: str, field: str) -> str:
    """Return the text of a job's cell on the jobs page."""
    row = re.search(rf'<tr data-job="{job}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {job}"
    found = re.search(rf'data-field="{field}">(.*?)</td>', row.group(1), re.S)
    assert found, f"no {field} in the row of {job}"
    return plain(found.group(1))


def plain(html: str) -> str:
    """Return a page's text without its tags, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def local(app: Any, value: datetime) -> str:
    """Say a time as the pages do: local, to the second."""
    return value.astimezone(ZoneInfo(app.config["TIMEZONE"])).strftime("%Y-%m-%d %H:%M:%S")


def _run(outcome: str, due: datetime, **fields: Any) -> JobRun:
    run = JobRun(job="snapshots", trigger="scheduled", scheduled_for=due, started_at=due,
                 finished_at=due + timedelta(seconds=2) if outcome in ("ok", "failed") else None,
                 outcome=outcome, instance="host:1:abcd", **fields)
    db.session.add(run)
    return run


def test_the_jobs_page_shows_the_schedule_the_next_and_the_last_run(app, admin):
    app.config["SCHEDULE_SNAPSHOTS"] = "45 23 * * *"
    now = utcnow().replace(microsecond=0)
    ok = _run("ok", now - timedelta(days=2), duration_ms=1234, message="snapshot of 6 units for 2026-01-01")
    _run("failed", now - timedelta(days=1), duration_ms=85, message="OperationalError: database is locked",
         error="Traceback (most recent call last):\n  ...\nOperationalError: database is locked")
    db.session.commit()
    html = admin.get("/admin/jobs").get_data(as_text=True)
    assert cell(html, "snapshots", "schedule") == "crontab 45 23 * * * (Asia/Baku) SCHEDULE_SNAPSHOTS"
    zone = ZoneInfo(app.config["TIMEZONE"])
    local_now = datetime.now(zone)
    due = local_now.replace(hour=23, minute=45, second=0, microsecond=0)
    if due <= local_now:
        due += timedelta(days=1)
    assert cell(html, "snapshots", "next") == due.strftime("%Y-%m-%d %H:%M:%S")
    last = cell(html, "snapshots", "last")
    assert "failed" in last
    assert "85 ms" in last
    assert "OperationalError: database is locked" in last
    assert cell(html, "snapshots", "last_ok") == local(app, ok.finished_at)
    assert cell(html, "snapshots", "failures") == "1"


def test_a_job_switched_off_has_no_next_run(app, admin):
    app.config["SCHEDULE_SNAPSHOTS"] = "off"
    html = admin.get("/admin/jobs").get_data(as_text=True)
    assert cell(html, "snapshots", "schedule").startswith("off")
    assert cell(html, "snapshots", "next") == "—"
    assert cell(html, "snapshots", "last") == "never"


def test_the_jobs_page_says_who_holds_the_lock(app, admin):
    now = utcnow()
    db.session.add_all([
        SchedulerInstance(name="a:11:aaaa", host="a", pid=11, state="leader",
                          started_at=now - timedelta(hours=5), seen_at=now - timedelta(seconds=3),
                          leader_since=now - timedelta(hours=5)),
        SchedulerInstance(name="b:22:bbbb", host="b", pid=22, state="standby", started_at=now,
                          seen_at=now - timedelta(seconds=2)),
        SchedulerInstance(name="c:33:cccc", host="c", pid=33, state="leader",
                          started_at=now - timedelta(days=2), seen_at=now - timedelta(days=1),
                          leader_since=now - timedelta(days=2)),
    ])
    db.session.commit()
    html = unescape(admin.get("/admin/jobs").get_data(as_text=True))
    assert 'data-leader="a:11:aaaa"' in html
    assert "Running: instance a:11:aaaa on a (pid 11) holds the lock since" in plain(html)
    assert re.search(r'data-instance="b:22:bbbb">.*?<td>standby</td>', html, re.S)
    assert re.search(r'data-instance="c:33:cccc">.*?<td>gone \(was leader\)</td>', html, re.S)


def test_the_jobs_page_warns_when_no_scheduler_runs(app, admin):
    now = utcnow()
    db.session.add(SchedulerInstance(name="c:33:cccc", host="c", pid=33, state="leader", started_at=now,
                                     seen_at=now - timedelta(minutes=10), leader_since=now))
    db.session.commit()
    html = admin.get("/admin/jobs").get_data(as_text=True)
    assert 'data-leader=""' in html
    assert "No scheduler is running" in html


def test_run_now_asks_the_scheduler_once(app, admin):
    resp = post(admin, "/admin/jobs/snapshots/run", {"csrf_token": token(admin)})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/admin/jobs/snapshots")
    run = db.session.scalar(select(JobRun))
    assert (run.job, run.trigger, run.outcome) == ("snapshots", "manual", "requested")
    assert run.requested_by == "admin"
    page = admin.get("/admin/jobs/snapshots").get_data(as_text=True)
    assert "no scheduler is running: it waits until one starts" in unescape(page)
    assert 'data-outcome="requested"' in page
    again = post(admin, "/admin/jobs/snapshots/run", {"csrf_token": token(admin)})
    assert again.status_code == 302
    assert "already requested" in unescape(admin.get("/admin/jobs/snapshots").get_data(as_text=True))
    assert len(db.session.scalars(select(JobRun)).all()) == 1


def test_run_now_with_a_scheduler_running_says_when_it_starts(app, admin):
    now = utcnow()
    db.session.add(SchedulerInstance(name="a:11:aaaa", host="a", pid=11, state="leader", started_at=now,
                                     seen_at=now, leader_since=now))
    db.session.commit()
    post(admin, "/admin/jobs/snapshots/run", {"csrf_token": token(admin)})
    page = unescape(admin.get("/admin/jobs/snapshots").get_data(as_text=True))
    assert "the scheduler starts it within 15 s" in page


def test_run_now_without_the_csrf_token_is_refused(app, admin):
    resp = post(admin, "/admin/jobs/snapshots/run", {})
    assert resp.status_code == 400
    assert db.session.scalar(select(JobRun.id)) is None


def test_the_history_lists_runs_newest_first_with_their_errors(app, admin):
    start = datetime(2026, 1, 1, 19, 45, tzinfo=UTC)
    for i in range(60):
        failed = i % 3 == 0
        error = f"Traceback (most recent call last):\nBoom{i}" if failed else None
        _run("failed" if failed else "ok", start + timedelta(days=i), duration_ms=100 + i,
             message=f"run number {i}", error=error)
    db.session.commit()
    html = unescape(admin.get("/admin/jobs/snapshots").get_data(as_text=True))
    ids = [int(i) for i in re.findall(r'<tr data-run="(\d+)">', html)]
    assert len(ids) == 50
    assert ids == sorted(ids, reverse=True)
    assert "Page 1 of 2" in html
    assert "60 runs" in html
    assert "Boom57" in html
    second = unescape(admin.get("/admin/jobs/snapshots?page=2").get_data(as_text=True))
    assert len(re.findall(r'<tr data-run="', second)) == 10
    failed = unescape(admin.get("/admin/jobs/snapshots?outcome=failed").get_data(as_text=True))
    assert "20 runs failed" in failed
    assert set(re.findall(r'data-outcome="(\w+)"', failed)) == {"failed"}
    assert '<pre class="traceback">Traceback (most recent call last):\nBoom0</pre>' in failed


def test_admins_find_the_jobs_in_the_navigation(app, people):
    assert 'href="/admin/jobs"' in Browser(app, "admin").get("/").get_data(as_text=True)
    assert 'href="/admin/jobs"' not in Browser(app, "cdr").get("/").get_data(as_text=True)
