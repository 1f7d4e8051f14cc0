"""The /partners API: create, change, send now, resend, deliveries; bad input named by field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from readiness.audit import AuditEvent
from readiness.engine import rules
from readiness.extensions import db
from readiness.mail.sender import run_outbox
from readiness.partners.models import Partner
from tests.partners.conftest import PARTNER
from tests.smtp import pdf_text


def test_an_admin_creates_a_partner_whose_first_report_is_the_schedules_next_time(admin):
    before = datetime.now(UTC)
    resp = admin.post("partners", PARTNER)
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert {k: body[k] for k in ("name", "emails", "language", "units", "edition", "schedule", "active",
                                 "timezone")} == {
        **{k: PARTNER[k] for k in ("name", "emails", "language", "units", "schedule")},
        "edition": "partner", "active": True, "timezone": "Asia/Baku"}
    due = datetime.fromisoformat(body["next_due_at"])
    assert due > before
    local = due.astimezone(rules.ZoneInfo("Asia/Baku"))
    assert (local.day, local.hour, local.minute) == (1, 8, 0)
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "partner"))
    assert (event.action, event.actor, event.key) == ("create", "admin", str(body["id"]))
    assert event.changes["units"] == ["1BN"]
    assert event.changes["schedule"] == "0 8 1 * *"
    assert admin.get(f"partners/{body['id']}").json == body


def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(admin):
    cases = [
        ({**PARTNER, "schedule": "0 8 1 *"}, "schedule"),
        ({**PARTNER, "schedule": "0 8 1 * mon"}, "schedule"),
        ({**PARTNER, "schedule": "0 25 * * *"}, "schedule"),
        ({**PARTNER, "emails": ["pcrs@un.example", "not-an-address"]}, "emails"),
        ({**PARTNER, "emails": []}, "emails"),
        ({**PARTNER, "units": ["1BN", "NOPE"]}, "units"),
        ({**PARTNER, "units": []}, "units"),
        ({**PARTNER, "language": "fr"}, "language"),
        ({**PARTNER, "edition": "secret"}, "edition"),
        ({k: v for k, v in PARTNER.items() if k != "name"}, "name"),
    ]
    for body, field in cases:
        resp = admin.post("partners", body)
        assert resp.status_code == 422, (body, resp.json)
        assert list(resp.json["errors"]) == [field], resp.json
    assert admin.post("partners", {**PARTNER, "units": ["1BN", "NOPE"]}).json["errors"] == {
        "units": {"1": ["Unknown unit 'NOPE'."]}}
    assert admin.post("partners", {**PARTNER, "emails": ["x@y.example", "bad"]}).json["errors"] == {
        "emails": {"1": ["Not a valid email address."]}}
    assert db.session.scalar(select(Partner.id)) is None
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.entity == "partner")) is None


def test_a_name_in_use_is_a_conflict_and_unknown_ids_are_404(admin):
    assert admin.post("partners", PARTNER).status_code == 201
    resp = admin.post("partners", {**PARTNER, "name": PARTNER["name"].upper()})
    assert resp.status_code == 409
    assert resp.json["errors"] == {"name": ["Already used."]}
    for method, path in (("GET", "partners/99"), ("PATCH", "partners/99"), ("POST", "partners/99/send"),
                         ("GET", "partners/99/deliveries"), ("POST", "partners/1/deliveries/99/resend")):
        resp = admin._call(method, path, {} if method != "GET" else None)
        assert resp.status_code == 404, (method, path, resp.json)
        assert resp.json["code"] == 404


def test_patch_changes_fields_replans_the_schedule_and_is_audited(admin):
    pid = admin.post("partners", PARTNER).json["id"]
    resp = admin.patch(f"partners/{pid}", {"schedule": "30 7 * * 1", "units": ["2BN", "1BN"],
                                            "language": "az"})
    assert resp.status_code == 200, resp.json
    assert resp.json["units"] == ["1BN", "2BN"]
    assert resp.json["language"] == "az"
    local = datetime.fromisoformat(resp.json["next_due_at"]).astimezone(rules.ZoneInfo("Asia/Baku"))
    assert (local.weekday(), local.hour, local.minute) == (0, 7, 30)
    resp = admin.patch(f"partners/{pid}", {"active": False})
    assert resp.json["next_due_at"] is None
    assert admin.patch(f"partners/{pid}", {"schedule": "soon"}).json["errors"] == {
        "schedule": ["give five fields (minute hour day-of-month month day-of-week), got 1; "
                     "e.g. '0 8 1 * *' is the 1st of every month at 08:00."]}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "partner", AuditEvent.action ==
                                                         "update").order_by(AuditEvent.id)).all()
    assert events[0].changes == {"units": [["1BN"], ["1BN", "2BN"]], "language": ["en", "az"],
                                 "schedule": ["0 8 1 * *", "30 7 * * 1"]}
    assert events[1].changes == {"active": [True, False]}


def test_lists_are_paginated_and_filtered(admin):
    for i in range(3):
        admin.post("partners", {**PARTNER, "name": f"Partner {i}", "units": ["2BN" if i else "1BN"]})
    resp = admin.get("partners?per_page=2")
    assert [p["name"] for p in resp.json] == ["Partner 0", "Partner 1"]
    assert json.loads(resp.headers["X-Pagination"]) == {"total": 3, "page": 1, "per_page": 2,
                                                        "total_pages": 2}
    assert [p["name"] for p in admin.get("partners?unit=1BN").json] == ["Partner 0"]
    assert admin.get("partners?per_page=0").status_code == 422


def test_send_now_mails_the_report_pdf_and_resend_sends_identical_bytes(app, admin, smtp):
    pid = admin.post("partners", PARTNER).json["id"]
    resp = admin.post(f"partners/{pid}/send", {})
    assert resp.status_code == 201, resp.json
    first = resp.json
    assert (first["status"], first["trigger"], first["requested_by"], first["edition"]) == (
        "queued", "manual", "admin", "partner")
    assert first["as_of"] == rules.today().isoformat()
    (doc,) = first["documents"]
    assert doc["unit"] == "1BN"
    assert doc["document_id"].startswith("RR-1BN-")

    assert run_outbox(datetime.now(UTC)) == "1 sent"
    (got,) = smtp.received
    assert sorted(got.rcpt_tos) == sorted(PARTNER["emails"])
    assert got.subject == f"Readiness report: 1BN as of {rules.today().isoformat()}"
    assert "This is the partner edition: aggregates only" in got.body()
    assert doc["sha256"] in got.body()
    ((filename, content),) = got.attachments()
    assert filename == f"readiness-report-1BN-{rules.today().isoformat()}-partner.pdf"
    text = pdf_text(content)
    assert "1BN" in text
    assert "1st Peacekeeping Battalion" in text
    assert "Əliyev" not in text
    assert "AZ-1" not in text

    (listed,) = admin.get(f"partners/{pid}/deliveries").json
    assert listed["status"] == "sent"
    assert listed["attempts"] == 1
    assert listed["sent_at"]

    resp = admin.post(f"partners/{pid}/deliveries/{first['id']}/resend")
    assert resp.status_code == 201, resp.json
    assert resp.json["trigger"] == "resend"
    assert resp.json["resent_from"] == first["id"]
    assert resp.json["documents"] == first["documents"]
    assert run_outbox(datetime.now(UTC) + timedelta(seconds=1)) == "1 sent"
    assert smtp.received[1].attachments() == [(filename, content)]
    assert [d["trigger"] for d in admin.get(f"partners/{pid}/deliveries").json] == ["resend", "manual"]
    actions = [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "partner").order_by(AuditEvent.id))]
    assert actions == ["create", "send", "resend"]


def test_an_azerbaijani_partner_gets_its_covering_mail_in_azerbaijani(admin, smtp):
    pid = admin.post("partners", {**PARTNER, "language": "az", "edition": "full"}).json["id"]
    assert admin.post(f"partners/{pid}/send", {}).status_code == 201
    run_outbox(datetime.now(UTC))
    (got,) = smtp.received
    assert got.subject == f"Hazırlıq hesabatı: 1BN, {rules.today().isoformat()} tarixinə"
    assert "Bu, tam nəşrdir" in got.body()
    ((_, content),) = got.attachments()
    assert "Quliyev" in pdf_text(content)  # the full edition names the people with gaps


def test_send_refuses_an_inactive_partner_and_a_future_date(admin):
    pid = admin.post("partners", PARTNER).json["id"]
    resp = admin.post(f"partners/{pid}/send", {"as_of": (rules.today() + timedelta(days=1)).isoformat()})
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == ["as_of"]
    admin.patch(f"partners/{pid}", {"active": False})
    resp = admin.post(f"partners/{pid}/send", {})
    assert resp.status_code == 409
    assert admin.get(f"partners/{pid}/deliveries").json == []


def test_the_openapi_document_describes_the_partner_endpoints(client):
    spec = client.get("/api/openapi.json").json
    for path in ("/api/v1/partners", "/api/v1/partners/{partner_id}", "/api/v1/partners/{partner_id}/send",
                 "/api/v1/partners/{partner_id}/deliveries",
                 "/api/v1/partners/{partner_id}/deliveries/{delivery_id}/resend"):
        assert path in spec["paths"], path
    assert {"Partner", "PartnerIn", "PartnerInPatch", "Delivery"} <= set(spec["components"]["schemas"])


def test_a_scoped_reader_sees_only_the_units_and_deliveries_of_its_scope(app, admin):
    from tests.factories import api_client, make_user

    both = admin.post("partners", {**PARTNER, "units": ["1BN", "2BN"]}).json["id"]
    other = admin.post("partners", {**PARTNER, "name": "Only 2BN", "units": ["2BN"]}).json["id"]
    admin.patch(f"partners/{both}", {"units": ["2BN"]})
    assert admin.post(f"partners/{both}/send", {}).status_code == 201  # a 2BN report only
    admin.patch(f"partners/{both}", {"units": ["1BN", "2BN"]})
    commander = api_client(app, make_user("cdr", role="commander", unit="1BN"))
    assert [(p["id"], p["units"]) for p in commander.get("partners").json] == [(both, ["1BN"])]
    assert commander.get(f"partners/{other}").status_code == 404
    assert commander.get(f"partners/{both}/deliveries").json == []  # the delivery held 2BN's report
    assert len(admin.get(f"partners/{both}/deliveries").json) == 1
