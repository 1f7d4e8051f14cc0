"""`readiness import evaluations|pledges FILE.csv`, and the same files through the browser import."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from readiness.cli import cli
from readiness.extensions import db
from readiness.interop.models import Evaluation, Milestone, Pledge
from readiness.workspace import jobs
from tests.interop.conftest import day, status


def evaluations_csv() -> str:
    """Three evaluations: 1BN passed SEL-1 and failed NEL-1; 2BN's SEL-1 is scheduled."""
    return (
        "unit,step,started_on,ended_on,evaluators,areas,outcome,feedback,re_evaluation_due\n"
        f"1BN,SEL-1,{day(-700)},{day(-699)},Maj Rauf Məmmədov,"
        f'"Command and control: interoperable; Logistics: partially interoperable",interoperable,,\n'
        f'1BN,nel 1,{day(-300)},{day(-298)},"Lt Col M. Jansen (NLD); Maj K. Nowak (POL)",,Not interoperable,'
        f'"Secure links failed; drills incomplete",{day(-1)}\n'
        f"2BN,SEL-1,{day(20)},,,,,,\n"
    )


def pledges_csv() -> str:
    """Two pledges (semicolons): 1BN at Level 2, updated a month ago; 2BN's just registered."""
    return (
        "unit;capability;strength;pledged_on;days_to_deploy;note_verbale_on;note_verbale_ref;"
        "table_of_organisation_on;major_equipment_on;self_sustainment_on;aav_on;aav_result;updated_on\n"
        f"1BN;Infantry company;120;{day(-400)};45;{day(-400)};NV 4/118;{day(-390)};{day(-390)};{day(-380)};"
        f"{day(-200)};successful;{day(-30)}\n"
        f"2BN;Engineer platoon;;{day(-20)};;;;;;;{day(15)};;\n"
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _run(runner, tmp_path, kind, text, *more):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    return path, runner.invoke(cli, ["import", kind, str(path), *more])


def test_import_evaluations_and_pledges(runner, tmp_path, to):
    _, result = _run(runner, tmp_path, "evaluations", evaluations_csv())
    assert result.exit_code == 0, result.output
    assert "imported 3 evaluations" in result.stdout
    nel1 = db.session.scalar(select(Evaluation).where(Evaluation.step == "NEL-1"))
    assert nel1.evaluators == ["Lt Col M. Jansen (NLD)", "Maj K. Nowak (POL)"]
    assert nel1.outcome == "not_interoperable"
    sel1 = db.session.scalar(
        select(Evaluation).where(Evaluation.step == "SEL-1", Evaluation.outcome.is_not(None))
    )
    assert [(a.area, a.result) for a in sel1.areas] == [
        ("Command and control", "interoperable"),
        ("Logistics", "partially_interoperable"),
    ]
    assert sel1.recorded_by == "system"

    _, result = _run(runner, tmp_path, "pledges", pledges_csv())
    assert result.exit_code == 0, result.output
    assert "imported 2 pledges" in result.stdout
    assert _count(Milestone) == 7  # 6 of 1BN's pledge, the scheduled AAV of 2BN's
    pcrs = status(to)["pcrs"]
    assert pcrs["level"] == "2"
    assert pcrs["renewal_due"] is False  # updated 30 days ago
    occ = status(to)["occ"]
    assert occ["reasons"][0]["message"].startswith(
        f"OCC SEL-1 passed; NEL-1 not interoperable on {day(-298)}"
    )


def test_a_bad_file_is_refused_line_by_line_and_nothing_is_written(runner, tmp_path, to):
    text = (
        "unit,step,started_on,ended_on,areas,outcome\n"
        f"1BN,SEL-1,{day(-10)},,Logistics: great,\n"  # line 2: bad area result
        f"NOPE,SEL-1,{day(-10)},,,\n"  # line 3: unknown unit
        f"1BN,NEL-1,{day(-5)},{day(-6)},,\n"  # line 4: ends before it starts
        f"1BN,SEL-2,{day(3)},{day(4)},,interoperable\n"  # line 5: outcome before it ended
        f"1BN,NEL-1,{day(-3)},,Logistics,\n"  # line 6: area without result
        f"1BN,SEL-1,{day(-30)},,,\n"
        f"1BN,SEL-1,{day(-30)},,,\n"  # line 8: repeats line 7
    )
    path, result = _run(runner, tmp_path, "evaluations", text)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:2: areas: 'Logistics: great': result: 'great' is not one of")
    assert f"{path}:3: unit: Unknown unit 'NOPE'." in lines
    assert f"{path}:4: ended_on: {day(-6)} is before started_on ({day(-5)})." in lines
    assert any(line.startswith(f"{path}:5: outcome: The evaluation ends on {day(4)}") for line in lines)
    assert f"{path}:6: areas: 'Logistics': write 'area: result', e.g. 'Logistics: interoperable'" in lines
    assert lines[-1] == f"{path}: nothing imported (5 problems)."
    assert _count(Evaluation) == 0
    # Once the rest is right, the repeated row is reported (a 409 of the service).
    _, result = _run(
        runner, tmp_path, "evaluations", f"unit,step,started_on\n1BN,SEL-1,{day(-30)}\n1BN,SEL-1,{day(-30)}\n"
    )
    assert result.exit_code == 2
    assert ":3: started_on: Same unit, step and start date as item 0 of the list." in result.stderr
    assert _count(Evaluation) == 0


def test_bad_pledge_rows_name_their_columns(runner, tmp_path, to):
    text = (
        "unit,capability,pledged_on,aav_result,rdl_agreement_on,updated_on\n"
        f"1BN,Company,{day(-10)},successful,,\n"  # a result without the visit's date
        f"1BN,Company,{day(-10)},,{day(5)},\n"  # an agreement dated after today
        f"1BN,,{day(-10)},,,\n"  # no capability
    )
    path, result = _run(runner, tmp_path, "pledges", text)
    assert result.exit_code == 2
    assert f"{path}:2: aav_on: Give the date of this milestone too." in result.stderr
    assert f"{path}:4: capability: Missing data for required field." in result.stderr
    # Row 3 is well-formed, so the service checks it; its milestone error names the kind.
    assert f"{path}:3: milestones[0].date: The RDL agreement is dated {day(5)}, after today" in result.stderr
    assert _count(Pledge) == 0


def test_dry_run_writes_nothing(runner, tmp_path, to):
    _, result = _run(runner, tmp_path, "pledges", pledges_csv(), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would import 2 pledges (dry run: nothing written)" in result.stdout
    assert _count(Pledge) == 0


def test_a_training_officer_imports_pledges_in_the_browser(app, browser):
    page = browser("to")
    form = page.get("/workspace/imports").get_data(as_text=True)
    assert 'value="evaluations"' in form
    assert 'value="pledges"' in form
    assert "note_verbale_on" in form  # the columns of each kind are listed
    lines = pledges_csv().splitlines()
    own = lines[0] + "\n" + lines[1] + "\n"
    resp = page.post(
        "/workspace/imports",
        {"kind": "pledges", "file": (io.BytesIO(own.encode()), "pledges.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    job_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    confirm = page.post(f"/workspace/imports/{job_id}/confirm", {})
    assert confirm.status_code == 302
    jobs.wait(job_id)
    db.session.expire_all()
    assert _count(Pledge) == 1
    # A row for another battalion is refused: outside the officer's scope.
    other = lines[0] + "\n" + lines[2] + "\n"
    resp = page.post(
        "/workspace/imports",
        {"kind": "pledges", "file": (io.BytesIO(other.encode()), "other.csv")},
        content_type="multipart/form-data",
    )
    body = page.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Unit 2BN is outside your scope." in body
    assert _count(Pledge) == 1
