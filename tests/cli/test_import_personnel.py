"""`readiness import personnel`."""

from __future__ import annotations

from sqlalchemy import func, select

from readiness.extensions import db
from readiness.personnel.models import Person
from tests.factories import make_unit

HEADER = "service_number,rank,family_name,given_name,patronymic,unit,role,status,earmarked,email\n"


def _people() -> dict[str, Person]:
    return {p.service_number: p for p in db.session.scalars(select(Person))}


def test_import_personnel_loads_every_field(run, csv_file):
    make_unit("PKB-1BN-A")
    path = csv_file(HEADER
                    + "AZ-100001,Captain,Məmmədov,Elçin,Rauf oğlu,PKB-1BN-A,company_commander,active,"
                      "true,elcin.mammadov@mod.example\n"
                    + "AZ-100002,Private,Əliyeva,Günel,,PKB-1BN-A,medic,,no,\n")
    result = run("import", "personnel", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"imported 2 people from {path}"
    people = _people()
    captain, medic = people["AZ-100001"], people["AZ-100002"]
    assert (captain.family_name, captain.patronymic, captain.unit.code, captain.earmarked,
            captain.email) == ("Məmmədov", "Rauf oğlu", "PKB-1BN-A", True, "elcin.mammadov@mod.example")
    # Empty optional cells take the defaults.
    assert (medic.patronymic, medic.status, medic.earmarked, medic.email) == (None, "active", False, None)


def test_import_personnel_reports_schema_and_reference_errors_by_line(run, csv_file):
    make_unit("PKB")
    path = csv_file(HEADER
                    + "AZ-1,Private,A,B,,PKB,rifleman,active,yes,\n"         # 2 good
                    + "AZ-2,Private,A,B,,NOPE,rifleman,active,yes,\n"        # 3 unknown unit
                    + "AZ-3,Private,A,B,,PKB,rifleman,retired,yes,\n"        # 4 bad status
                    + "AZ-4,Private,A,B,,PKB,rifleman,active,perhaps,x@\n"   # 5 bool and email
                    + "AZ-5,Private,A,B,,PKB,rifleman,active,yes,\n")        # 6 good
    result = run("import", "personnel", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == f"{path}:3: unit: Unknown unit 'NOPE'."
    assert lines[1].startswith(f"{path}:4: status: Must be one of")
    assert {line.split(": ")[1] for line in lines[2:4]} == {"earmarked", "email"}
    assert all(line.startswith(f"{path}:5: ") for line in lines[2:4])
    assert "nothing imported (4 problems)" in lines[4]
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_import_personnel_refuses_a_taken_service_number(run, csv_file):
    make_unit("PKB")
    first = csv_file(HEADER + "AZ-1,Private,A,B,,PKB,rifleman,active,yes,\n", name="first.csv")
    assert run("import", "personnel", str(first)).exit_code == 0
    again = csv_file(HEADER + "AZ-2,Private,A,B,,PKB,rifleman,active,yes,\n"
                     + "AZ-1,Private,C,D,,PKB,rifleman,active,yes,\n", name="again.csv")
    result = run("import", "personnel", str(again))
    assert result.exit_code == 2
    assert f"{again}:3: service_number: Service number 'AZ-1' already exists." in result.stderr
    assert set(_people()) == {"AZ-1"}


def test_import_personnel_dry_run_writes_nothing(run, csv_file):
    make_unit("PKB")
    result = run("import", "personnel", str(csv_file(HEADER + "AZ-1,Private,A,B,,PKB,rifleman,,,\n")),
                 "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would import 1 person (dry run" in result.stdout
    assert _people() == {}
