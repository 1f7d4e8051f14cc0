"""`readiness import courses|standards|requirements`."""

from __future__ import annotations

from sqlalchemy import select

from readiness.extensions import db
from readiness.training.models import Course, Requirement, Standard
from tests.factories import make_unit


def _codes(model: type) -> set[str]:
    return set(db.session.scalars(select(model.code)))


def test_import_courses_from_a_spreadsheet_export(run, csv_file):
    # Spreadsheets in many locales write semicolons and a byte-order mark.
    path = csv_file("code;title;provider;kind;validity_months\r\n"
                    "UN-CPTM;UN Core Pre-Deployment Training;UN DPO;individual;48\r\n"
                    "UN-STM-IB;\"UN STM; Infantry Battalion\";UN DPO;collective;\r\n", encoding="utf-8-sig")
    result = run("import", "courses", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"imported 2 courses from {path}"
    courses = {c.code: c for c in db.session.scalars(select(Course))}
    assert courses["UN-STM-IB"].title == "UN STM; Infantry Battalion"
    assert (courses["UN-CPTM"].validity_months, courses["UN-STM-IB"].validity_months) == (48, None)


def test_import_standards_reports_bad_rows_and_writes_nothing(run, csv_file):
    path = csv_file("code,title,body,scale,validity_months\n"
                    "STANAG6001-EN,English,NATO,slp,36\n"
                    "AZ-WPN-QUAL,Weapons,National,score,12\n"
                    "STANAG6001-EN,English again,NATO,slp,36\n")
    result = run("import", "standards", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:3: scale: Must be one of")
    assert lines[1].startswith(f"{path}:4: code: ")
    assert _codes(Standard) == set()


def test_import_standards(run, csv_file):
    path = csv_file("code,title,body,scale,validity_months\nSTANAG6001-EN,English,NATO,slp,36\n"
                    "AZ-WPN-QUAL,Weapons,National,pass,12\n")
    assert run("import", "standards", str(path)).exit_code == 0
    assert _codes(Standard) == {"STANAG6001-EN", "AZ-WPN-QUAL"}


def test_import_requirements_needs_exactly_one_target_and_known_codes(run, csv_file):
    make_unit("PKB")
    ok = csv_file("code,title,provider\nUN-CPTM,CPTM,UN\n", name="courses.csv")
    assert run("import", "courses", str(ok)).exit_code == 0
    path = csv_file("course,standard,min_level,unit,role\n"
                    "UN-CPTM,,,PKB,\n"                   # 2 good
                    ",,,PKB,\n"                          # 3 no target
                    "UN-CPTM,,,NOPE,medic\n"             # 4 unknown unit
                    "UN-CPTM,,,,driver\n")               # 5 good
    result = run("import", "requirements", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert f"{path}:3: course: Give a course or a standard." in lines
    assert f"{path}:4: unit: Unknown unit 'NOPE'." in lines
    assert not any(line.startswith((f"{path}:2:", f"{path}:5:")) for line in lines)
    assert db.session.scalars(select(Requirement)).first() is None
    fixed = csv_file("course,standard,min_level,unit,role\nUN-CPTM,,,PKB,\nUN-CPTM,,,,driver\n",
                     name="fixed.csv")
    result = run("import", "requirements", str(fixed))
    assert result.exit_code == 0, result.output
    assert "imported 2 requirements" in result.stdout
