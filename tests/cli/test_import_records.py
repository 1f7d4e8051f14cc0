"""`readiness import completions|attainments`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from readiness.extensions import db
from readiness.training.models import Attainment, Completion
from tests.cli.conftest import Setup

CATALOGUE = {
    "units": "code,name,kind\nPKB,Brigade,brigade\n",
    "personnel": "service_number,rank,family_name,given_name,unit,role\n"
                 "AZ-1,Captain,Məmmədov,Elçin,PKB,staff_officer\nAZ-2,Private,Əliyeva,Günel,PKB,medic\n",
    "courses": "code,title,provider,validity_months\nUN-CPTM,CPTM,UN,48\nNSO-N3-07,Orientation,NSO,\n",
    "standards": "code,title,body,scale,validity_months\nEN,English,NATO,slp,36\nWPN,Weapons,AZ,pass,12\n",
}


def _setup(setup: Setup) -> None:
    for kind, text in CATALOGUE.items():
        setup(kind, text)


def test_import_completions_derives_expiry_and_codes(run, csv_file, setup):
    _setup(setup)
    path = csv_file("service_number,course,completed_on,score\n"
                    "AZ-1,UN-CPTM,2024-01-31,87\nAZ-2,UN-CPTM,2024-02-01,\nAZ-2,NSO-N3-07,2023-05-05,90\n")
    result = run("import", "completions", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"imported 3 completions from {path}"
    done = {(c.person.service_number, c.course.code): c for c in db.session.scalars(select(Completion))}
    assert done["AZ-1", "UN-CPTM"].expires_on == dt.date(2028, 1, 31)
    assert done["AZ-2", "UN-CPTM"].score is None
    assert done["AZ-2", "NSO-N3-07"].expires_on is None
    assert len({c.verification_code for c in done.values()}) == 3
    assert {c.recorded_by for c in done.values()} == {"system"}


def test_import_completions_reports_bad_rows_by_line_and_writes_nothing(run, csv_file, setup):
    _setup(setup)
    path = csv_file("service_number,course,completed_on,score\n"
                    "AZ-1,UN-CPTM,2024-01-31,87\n"          # 2 good
                    "AZ-9,UN-CPTM,2024-01-31,87\n"          # 3 unknown person
                    "AZ-1,NOPE,2024-01-31,\n"                # 4 unknown course
                    "AZ-2,UN-CPTM,31.01.2024,101\n"         # 5 bad date, bad score
                    "AZ-1,UN-CPTM,2024-01-31,80\n")         # 6 same as line 2
    result = run("import", "completions", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert f"{path}:3: service_number: Unknown person 'AZ-9'." in lines
    assert f"{path}:4: course: Unknown course 'NOPE'." in lines
    assert {line.split(": ")[1] for line in lines if line.startswith(f"{path}:5: ")} == {
        "completed_on", "score"}
    assert db.session.scalars(select(Completion)).first() is None


def test_import_completions_refuses_derived_columns(run, csv_file, setup):
    _setup(setup)
    path = csv_file("service_number,course,completed_on,expires_on\nAZ-1,UN-CPTM,2024-01-31,2028-01-31\n")
    result = run("import", "completions", str(path))
    assert result.exit_code == 2
    assert f"{path}:1: column 'expires_on' is derived" in result.stderr


def test_import_attainments_normalises_profiles(run, csv_file, setup):
    _setup(setup)
    path = csv_file("service_number;standard;level;assessed_on\n"
                    "AZ-1;EN;SLP 3+3 2 2;2025-03-01\nAZ-2;WPN;pass;2026-01-10\n")
    result = run("import", "attainments", str(path))
    assert result.exit_code == 0, result.output
    levels = {(a.person.service_number, a.standard.code): a.level
              for a in db.session.scalars(select(Attainment))}
    assert levels == {("AZ-1", "EN"): "3+322", ("AZ-2", "WPN"): "pass"}


def test_import_attainments_reports_a_bad_level_on_its_line(run, csv_file, setup):
    _setup(setup)
    path = csv_file("service_number,standard,level,assessed_on\n"
                    "AZ-1,EN,3322,2025-03-01\nAZ-2,EN,SLP 6,2025-03-01\nAZ-2,WPN,maybe,2025-03-01\n")
    result = run("import", "attainments", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{path}:3: level: ") for line in lines)
    assert any(line.startswith(f"{path}:4: level: ") for line in lines)
    assert db.session.scalars(select(Attainment)).first() is None
