"""Recording completions through the API: derived fields, validation, duplicates, lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.records.bulk import local_today
from readiness.records.codes import CODE_PATTERN
from readiness.training.models import Completion

pytestmark = pytest.mark.usefixtures("force")


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Completion))


def row(service_number="AZ-1", course="UNPOC", completed_on="2024-05-01", **extra):
    return {"service_number": service_number, "course": course, "completed_on": completed_on, **extra}


def test_one_completion_is_201_with_derived_expiry_and_code(admin_api):
    resp = admin_api.post("completions", row(score=87))
    assert resp.status_code == 201
    body = resp.json
    assert body["service_number"] == "AZ-1"
    assert body["course"] == "UNPOC"
    assert body["completed_on"] == "2024-05-01"
    assert body["expires_on"] == "2025-05-01"
    assert body["score"] == 87
    assert CODE_PATTERN.fullmatch(body["verification_code"])
    assert body["revoked"] is False
    assert body["revoke_reason"] is None
    assert body["recorded_by"] == "admin"
    assert body["recorded_at"]
    assert admin_api.get(f"completions/{body['id']}").json == body


@pytest.mark.parametrize(("course", "completed_on", "expires_on"), [
    ("MONTH", "2024-01-31", "2024-02-29"),   # leap year: the month's last day
    ("MONTH", "2023-01-31", "2023-02-28"),
    ("MONTH", "2024-03-31", "2024-04-30"),
    ("MONTH", "2024-12-31", "2025-01-31"),
    ("UNPOC", "2024-02-29", "2025-02-28"),
    ("FOREVER", "2024-02-29", None),
])
def test_expiry_is_calendar_months_with_month_ends(admin_api, course, completed_on, expires_on):
    resp = admin_api.post("completions", row(course=course, completed_on=completed_on))
    assert resp.status_code == 201
    assert resp.json["expires_on"] == expires_on


def test_score_is_optional(admin_api):
    resp = admin_api.post("completions", row())
    assert resp.status_code == 201
    assert resp.json["score"] is None


@pytest.mark.parametrize("score", [0, 100, "87", 55.0])
def test_whole_scores_from_0_to_100_are_accepted(admin_api, score):
    resp = admin_api.post("completions", row(score=score))
    assert resp.status_code == 201
    assert resp.json["score"] == int(float(score))


@pytest.mark.parametrize("score", [101, -1, "abc", 55.5, "55.5", True, ""])
def test_bad_scores_are_422_on_score_and_write_nothing(admin_api, score):
    resp = admin_api.post("completions", row(score=score))
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"score"}
    assert "score" in resp.json["message"]
    assert stored() == 0


@pytest.mark.parametrize(("field", "value"), [("expires_on", "2030-01-01"),
                                              ("verification_code", "7KQ2-MX9D-4TRA")])
def test_derived_fields_in_input_are_422_saying_they_are_derived(admin_api, field, value):
    resp = admin_api.post("completions", row(**{field: value}))
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {field}
    assert "derived" in resp.json["errors"][field][0].lower()
    assert field in resp.json["message"]
    assert stored() == 0


def test_unknown_fields_are_422(admin_api):
    resp = admin_api.post("completions", row(grade="A"))
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"grade"}


def test_missing_fields_are_422_naming_each(admin_api):
    resp = admin_api.post("completions", {})
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"service_number", "course", "completed_on"}


@pytest.mark.parametrize("completed_on", ["2024-02-30", "yesterday", "", None, "01.05.2024"])
def test_malformed_dates_are_422_on_completed_on(admin_api, completed_on):
    resp = admin_api.post("completions", row(completed_on=completed_on))
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"completed_on"}


def test_completed_after_today_is_422_on_completed_on(admin_api):
    tomorrow = local_today() + timedelta(days=1)
    resp = admin_api.post("completions", row(completed_on=tomorrow.isoformat()))
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"completed_on"}
    assert "after today" in resp.json["errors"]["completed_on"][0]
    assert "completed_on" in resp.json["message"]
    assert stored() == 0


def test_completed_today_is_accepted(admin_api):
    resp = admin_api.post("completions", row(completed_on=local_today().isoformat()))
    assert resp.status_code == 201


def test_today_is_the_configured_time_zones_date(app, admin_api):
    # At any moment some zone is a day ahead of another: Kiritimati (UTC+14) vs Niue (UTC-11).
    app.config["TIMEZONE"] = "Pacific/Kiritimati"
    ahead = local_today()
    app.config["TIMEZONE"] = "Pacific/Niue"
    behind = local_today()
    assert ahead > behind
    assert admin_api.post("completions", row(completed_on=ahead.isoformat())).status_code == 422
    app.config["TIMEZONE"] = "Pacific/Kiritimati"
    assert admin_api.post("completions", row(completed_on=ahead.isoformat())).status_code == 201


def test_unknown_person_is_422_naming_field_and_value(admin_api):
    resp = admin_api.post("completions", row(service_number="AZ-404"))
    assert resp.status_code == 422
    assert resp.json["errors"] == {"service_number": ["Unknown person 'AZ-404'."]}
    assert "AZ-404" in resp.json["message"]
    assert stored() == 0


def test_unknown_course_is_422_naming_field_and_value(admin_api):
    resp = admin_api.post("completions", row(course="NOPE"))
    assert resp.status_code == 422
    assert resp.json["errors"] == {"course": ["Unknown course 'NOPE'."]}
    assert stored() == 0


def test_a_standard_given_as_a_course_is_named_as_such(admin_api):
    resp = admin_api.post("completions", [row(), row(course="ENG", service_number="AZ-2")])
    assert resp.status_code == 422
    assert resp.json["errors"] == {
        "1": {"course": ["'ENG' is a standard, not a course: record it as a result."]}}
    assert stored() == 0


def test_service_number_and_course_are_trimmed(admin_api):
    resp = admin_api.post("completions", row(service_number=" AZ-1 ", course="UNPOC\t"))
    assert resp.status_code == 201
    assert (resp.json["service_number"], resp.json["course"]) == ("AZ-1", "UNPOC")


def test_same_person_course_and_date_twice_is_409(admin_api):
    assert admin_api.post("completions", row(score=70)).status_code == 201
    resp = admin_api.post("completions", row(score=90))
    assert resp.status_code == 409
    assert set(resp.json["errors"]) == {"completed_on"}
    assert stored() == 1


def test_same_person_and_course_on_another_date_is_fine(admin_api):
    assert admin_api.post("completions", row()).status_code == 201
    assert admin_api.post("completions", row(completed_on="2024-05-02")).status_code == 201


def test_a_list_answers_201_with_a_list_in_the_same_order(admin_api):
    rows = [row("AZ-3", "FOREVER"), row("AZ-1", "UNPOC", score=50), row("AZ-2", "MONTH", "2024-01-31")]
    resp = admin_api.post("completions", rows)
    assert resp.status_code == 201
    assert [(c["service_number"], c["course"], c["completed_on"]) for c in resp.json] == \
        [(r["service_number"], r["course"], r["completed_on"]) for r in rows]
    assert [c["expires_on"] for c in resp.json] == [None, "2025-05-01", "2024-02-29"]
    assert len({c["verification_code"] for c in resp.json}) == 3
    assert len({c["id"] for c in resp.json}) == 3
    assert stored() == 3


def test_a_list_with_one_bad_row_writes_nothing_and_keys_errors_by_index(admin_api):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    resp = admin_api.post("completions", [row(), row("AZ-404"), row(course="NOPE", completed_on=tomorrow),
                                          row(score=101)])
    assert resp.status_code == 422
    errors = resp.json["errors"]
    # Schema errors come first (the list is not looked up until every row is well-formed).
    assert errors == {"3": {"score": ["Must be greater than or equal to 0 and less than or equal to 100."]}}
    assert "[3].score" in resp.json["message"]
    assert stored() == 0
    resp = admin_api.post("completions", [row(), row("AZ-404"), row(course="NOPE", completed_on=tomorrow)])
    assert resp.status_code == 422
    errors = resp.json["errors"]
    assert set(errors) == {"1", "2"}
    assert errors["1"] == {"service_number": ["Unknown person 'AZ-404'."]}
    assert set(errors["2"]) == {"course", "completed_on"}
    assert "[1].service_number" in resp.json["message"]
    assert stored() == 0


def test_the_same_record_twice_in_a_list_is_409_on_the_second(admin_api):
    resp = admin_api.post("completions", [row(), row("AZ-2"), row(score=99)])
    assert resp.status_code == 409
    assert set(resp.json["errors"]) == {"2"}
    assert "row 0" in resp.json["errors"]["2"]["completed_on"][0]
    assert stored() == 0


def test_a_list_repeating_a_stored_record_is_409_and_writes_nothing(admin_api):
    admin_api.post("completions", row())
    resp = admin_api.post("completions", [row("AZ-2"), row()])
    assert resp.status_code == 409
    assert set(resp.json["errors"]) == {"1"}
    assert stored() == 1


def test_duplicates_do_not_hide_invalid_rows(admin_api):
    admin_api.post("completions", row())
    resp = admin_api.post("completions", [row(), row("AZ-404")])
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"1"}


@pytest.mark.parametrize("body", [[], "text", 5, None, [1, "x"]])
def test_a_body_that_is_no_object_or_list_of_objects_is_422(admin_api, body):
    resp = admin_api.post("completions", body)
    assert resp.status_code == 422
    assert stored() == 0


def test_schema_errors_of_a_list_are_keyed_by_index(admin_api):
    resp = admin_api.post("completions", [row(), {"service_number": "AZ-1", "expires_on": "2030-01-01"}])
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"1"}
    assert set(resp.json["errors"]["1"]) == {"course", "completed_on", "expires_on"}


def test_every_created_completion_is_audited(admin_api):
    resp = admin_api.post("completions", [row(), row("AZ-2", score=75)])
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "completion")
                                .order_by(AuditEvent.id)).all()
    # Keyed by the verification code, the completion's natural key printed on its certificate.
    assert [(e.actor, e.action, e.key) for e in events] == \
        [("admin", "create", c["verification_code"]) for c in resp.json]
    assert events[1].changes == {"service_number": "AZ-2", "course": "UNPOC", "completed_on": "2024-05-01",
                                 "score": 75}


def test_get_unknown_completion_is_404(admin_api):
    assert admin_api.get("completions/999").status_code == 404


def test_list_filters_by_every_key(admin_api):
    admin_api.post("completions", [
        row("AZ-1", "UNPOC", "2023-01-10"), row("AZ-2", "MONTH", "2024-01-31"),
        row("AZ-3", "FOREVER", "2024-06-01"), row("AZ-2", "UNPOC", "2024-03-01"),
    ])
    first = admin_api.get("completions?service_number=AZ-2&course=UNPOC").json[0]
    admin_api.post(f"completions/{first['id']}/revoke", {"reason": "Wrong course"})

    def listed(query: str) -> list[tuple[str, str]]:
        resp = admin_api.get(f"completions?{query}")
        assert resp.status_code == 200
        return sorted((c["service_number"], c["course"]) for c in resp.json)

    assert listed("service_number=AZ-2") == [("AZ-2", "MONTH"), ("AZ-2", "UNPOC")]
    assert listed("course=UNPOC") == [("AZ-1", "UNPOC"), ("AZ-2", "UNPOC")]
    assert listed("unit=1BN") == [("AZ-1", "UNPOC"), ("AZ-2", "MONTH"), ("AZ-2", "UNPOC")]
    assert listed("unit=1BN-A") == [("AZ-2", "MONTH"), ("AZ-2", "UNPOC")]
    assert listed("unit=NOPE") == []
    assert listed("revoked=true") == [("AZ-2", "UNPOC")]
    assert len(listed("revoked=false")) == 3
    assert listed("completed_from=2024-01-31&completed_to=2024-03-01") == \
        [("AZ-2", "MONTH"), ("AZ-2", "UNPOC")]
    assert listed("expires_before=2024-03-01") == [("AZ-1", "UNPOC"), ("AZ-2", "MONTH")]


def test_list_is_newest_first_and_paginated(admin_api):
    admin_api.post("completions", [row(completed_on=f"2024-0{m}-01") for m in range(1, 6)])
    resp = admin_api.get("completions?per_page=2&page=2")
    assert resp.status_code == 200
    assert [c["completed_on"] for c in resp.json] == ["2024-03-01", "2024-02-01"]
    assert '"total": 5' in resp.headers["X-Pagination"]


def test_bad_list_filters_are_422(admin_api):
    assert admin_api.get("completions?completed_from=soon").status_code == 422
    assert admin_api.get("completions?per_page=0").status_code == 422
