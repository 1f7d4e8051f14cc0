"""Expiry warnings with a controllable clock: once per threshold, digests by scope, through real SMTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from readiness.auth.services import create_user
from readiness.engine import rules
from readiness.engine.models import RequirementFact
from readiness.expiry.jobs import run_expiry_warnings
from readiness.expiry.models import ExpiryWarning
from readiness.extensions import db
from readiness.mail.sender import run_outbox
from readiness.personnel.models import Person
from readiness.personnel.services import create_people
from readiness.records.services import create_completions
from readiness.training.services import create_courses, create_requirements
from tests.factories import PASSWORD, make_unit

BAKU = ZoneInfo("Asia/Baku")


def at(day: date, hour: int = 6) -> datetime:
    """The job's clock: `hour` o'clock on `day` in the configured zone (Asia/Baku), as UTC."""
    return datetime.combine(day, time(hour), tzinfo=BAKU).astimezone(UTC)


def person(sn: str, unit: str, family: str, *, email: str | None = None,
           status: str = "active") -> dict[str, Any]:
    """A person row for the personnel service."""
    return {"service_number": sn, "rank": "Sergeant", "family_name": family, "given_name": "Elvin",
            "patronymic": None, "unit": unit, "role": "rifleman", "status": status, "earmarked": True,
            "email": email}


@pytest.fixture
def force(app: Any) -> date:
    """BDE ⊃ BN1 ⊃ A1, BDE ⊃ BN2; CPTM (12 months) of everyone; training officers of each scope.

    AZ-1 (A1, with an address) and AZ-2 (BN2, none) completed CPTM 300 days ago; AZ-3 (BN1)
    has separated. Returns the day their CPTM expires.
    """
    assert app.config["TIMEZONE"] == "Asia/Baku"
    today = rules.today()
    make_unit("BDE", kind="brigade")
    make_unit("BN1", "BDE", kind="battalion")
    make_unit("A1", "BN1")
    make_unit("BN2", "BDE", kind="battalion")
    create_courses([{"code": "CPTM", "title": "Core Pre-deployment Training Materials", "provider": "UN",
                     "kind": "individual", "validity_months": 12}], None)
    create_requirements([{"course": "CPTM", "standard": None, "min_level": None, "unit": None, "role": None}],
                        None)
    create_people([person("AZ-1", "A1", "Əliyev", email="eliyev@mod.example"),
                   person("AZ-2", "BN2", "Həsənov"),
                   person("AZ-3", "BN1", "Quliyev", email="quliyev@mod.example", status="separated")], None)
    create_completions([{"service_number": sn, "course": "CPTM", "completed_on": today - timedelta(days=300)}
                        for sn in ("AZ-1", "AZ-2", "AZ-3")], None, today=today)
    for name, unit, email in (("to_all", None, "all@mod.example"), ("to_bn1", "BN1", "bn1@mod.example"),
                              ("to_a1", "A1", "a1@mod.example"), ("to_bn2", "BN2", "bn2@mod.example"),
                              ("to_quiet", "BN1", None)):
        create_user(name, "training_officer", PASSWORD, unit_code=unit, email=email)
    create_user("cdr", "commander", PASSWORD, unit_code="BN1", email="cdr@mod.example")
    db.session.commit()
    (expiry,) = set(db.session.scalars(select(RequirementFact.expires_on)))
    return expiry


def sent_rows() -> list[tuple[str, int, int]]:
    """(service number, threshold, days before expiry) of every warning recorded."""
    return [(sn, th, (exp - queued.astimezone(BAKU).date()).days) if queued.tzinfo else
            (sn, th, (exp - queued.replace(tzinfo=UTC).astimezone(BAKU).date()).days)
            for sn, th, exp, queued in db.session.execute(
                select(Person.service_number, ExpiryWarning.threshold, ExpiryWarning.expires_on,
                       ExpiryWarning.queued_at)
                .join(Person, Person.id == ExpiryWarning.person_id)
                .order_by(ExpiryWarning.id))]


def test_each_threshold_is_sent_once_and_a_missed_run_sends_only_the_most_urgent(app, force):
    expiry = force
    assert run_expiry_warnings(at(expiry - timedelta(days=91))) == \
        f"no new warnings on {(expiry - timedelta(days=91)).isoformat()}"
    assert run_expiry_warnings(at(expiry - timedelta(days=90))).startswith("2 warnings")
    assert run_expiry_warnings(at(expiry - timedelta(days=89))).startswith("no new warnings")
    assert run_expiry_warnings(at(expiry - timedelta(days=60))).startswith("2 warnings")
    # The job did not run for seven weeks: the 30-day warning was missed, the 7-day one is due.
    assert run_expiry_warnings(at(expiry - timedelta(days=5))).startswith("2 warnings")
    assert run_expiry_warnings(at(expiry - timedelta(days=5), 20)).startswith("no new warnings")
    assert run_expiry_warnings(at(expiry - timedelta(days=1))).startswith("no new warnings")
    assert run_expiry_warnings(at(expiry)).startswith("no new warnings")  # lapsed: no longer a warning
    db.session.commit()
    assert sent_rows() == [("AZ-1", 90, 90), ("AZ-2", 90, 90), ("AZ-1", 60, 60), ("AZ-2", 60, 60),
                           ("AZ-1", 7, 5), ("AZ-2", 7, 5)]


def test_a_job_started_late_at_once_sends_one_warning_not_every_threshold(app, force):
    expiry = force
    run_expiry_warnings(at(expiry - timedelta(days=20)))
    db.session.commit()
    assert sent_rows() == [("AZ-1", 30, 20), ("AZ-2", 30, 20)]


def test_the_day_is_the_configured_zones_not_utcs(app, force):
    expiry = force
    day_91 = expiry - timedelta(days=91)
    # 23:30 UTC on day -91 is already 03:30 of day -90 in Baku.
    late_utc = datetime.combine(day_91, time(23, 30), tzinfo=UTC)
    early_utc = datetime.combine(day_91, time(19, 59), tzinfo=UTC)
    assert run_expiry_warnings(early_utc).startswith("no new warnings")
    day_90 = (expiry - timedelta(days=90)).isoformat()
    assert run_expiry_warnings(late_utc).startswith(f"2 warnings on {day_90}")


def test_digests_go_to_each_training_officer_whose_scope_holds_the_person(app, force, smtp):
    expiry = force
    now = at(expiry - timedelta(days=30))
    summary = run_expiry_warnings(now)
    db.session.commit()
    assert summary == (f"2 warnings on {(expiry - timedelta(days=30)).isoformat()} for 2 people: "
                       "4 digests to training officers, 1 message to people")
    assert run_outbox(now) == "5 sent"

    by_to = {tuple(r.rcpt_tos): r for r in smtp.received}
    assert set(by_to) == {("all@mod.example",), ("bn1@mod.example",), ("a1@mod.example",),
                          ("bn2@mod.example",), ("eliyev@mod.example",)}  # not the commander, not AZ-3
    whole = by_to[("all@mod.example",)]
    assert whole.subject == "Training expiring: 2 requirements of 2 people in your units"
    body = whole.body()
    assert "Within 30 days:" in body
    assert f"{expiry.isoformat()} (in 30 days): Sergeant Əliyev Elvin (AZ-1, A1) - CPTM" in body
    assert "Sergeant Həsənov Elvin (AZ-2, BN2)" in body
    assert "http://127.0.0.1:5000/workspace/people/AZ-1" in body
    assert "Əliyev" in whole.body("html")
    for scoped, holds, lacks in ((("bn1@mod.example",), "AZ-1", "AZ-2"),
                                 (("a1@mod.example",), "AZ-1", "AZ-2"),
                                 (("bn2@mod.example",), "AZ-2", "AZ-1")):
        text = by_to[scoped].body()
        assert holds in text
        assert lacks not in text
        assert by_to[scoped].subject == "Training expiring: 1 requirement of 1 person in your units"
    own = by_to[("eliyev@mod.example",)]
    assert own.subject == f"Your training expires soon: CPTM on {expiry.isoformat()}"
    assert "Dear Sergeant Əliyev Elvin" in own.body()
    assert "Həsənov" not in own.body()


def test_a_renewed_record_starts_its_warnings_afresh(app, force):
    expiry = force
    run_expiry_warnings(at(expiry - timedelta(days=10)))
    db.session.commit()
    create_completions([{"service_number": "AZ-1", "course": "CPTM", "completed_on": rules.today()}], None)
    db.session.commit()
    renewed = db.session.scalar(select(func.max(RequirementFact.expires_on)))
    assert renewed > expiry
    summary = run_expiry_warnings(at(renewed - timedelta(days=50)))
    assert summary.startswith("1 warning on")
    db.session.commit()
    assert sent_rows()[-1] == ("AZ-1", 60, 50)


def test_the_job_asks_the_same_number_of_queries_for_2_or_40_people(app, force):
    expiry = force
    statements: list[str] = []

    def count(*_args: Any) -> None:
        statements.append("x")

    def run() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            run_expiry_warnings(at(expiry - timedelta(days=30)))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
        return len(statements)

    few = run()
    today = rules.today()
    create_people([person(f"AZ-{100 + i}", ("A1", "BN2")[i % 2], "Məmmədov", email=f"p{i}@mod.example")
                   for i in range(38)], None)
    create_completions([{"service_number": f"AZ-{100 + i}", "course": "CPTM",
                         "completed_on": today - timedelta(days=300)} for i in range(38)], None, today=today)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(RequirementFact)) == 41
    assert run() == few


def test_thresholds_come_from_configuration(app, force):
    expiry = force
    app.config["EXPIRY_WARNING_THRESHOLDS"] = "14, 3"
    assert run_expiry_warnings(at(expiry - timedelta(days=30))).startswith("no new warnings")
    assert run_expiry_warnings(at(expiry - timedelta(days=14))).startswith("2 warnings")
    app.config["EXPIRY_WARNING_THRESHOLDS"] = "14, soon"
    with pytest.raises(ValueError, match="EXPIRY_WARNING_THRESHOLDS must be whole days"):
        run_expiry_warnings(at(expiry))
