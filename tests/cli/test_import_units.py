"""`readiness import units`: the CSV framework, shown on units."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.errors import ConflictError, InvalidError
from readiness.extensions import db
from readiness.imports import KINDS, ImportKind
from readiness.units.models import Unit
from readiness.units.services import create_units
from tests.factories import make_unit

HEADER = "code,name,parent,kind,authorized_strength\n"
GOOD = (HEADER + "PKB,Brigade,,brigade,30\nPKB-1BN,1st Battalion,PKB,battalion,\n"
        "PKB-1BN-A,A Company,PKB-1BN,company,5\n")


def _units() -> dict[str, Unit]:
    return {u.code: u for u in db.session.scalars(select(Unit))}


def _tree() -> dict[str, tuple[str | None, int, int]]:
    return {code: (u.parent.code if u.parent else None, u.depth, u.authorized_strength)
            for code, u in _units().items()}


EXPECTED_TREE = {"PKB": (None, 0, 30), "PKB-1BN": ("PKB", 1, 0), "PKB-1BN-A": ("PKB-1BN", 2, 5)}


def test_import_units_builds_the_tree(run, csv_file):
    path = csv_file(GOOD)
    result = run("import", "units", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"imported 3 units from {path}"
    assert _tree() == EXPECTED_TREE
    units = _units()
    assert units["PKB-1BN-A"].path == f"/{units['PKB'].id}/{units['PKB-1BN'].id}/{units['PKB-1BN-A'].id}/"


def test_import_units_accepts_semicolons_and_a_byte_order_mark(run, csv_file):
    path = csv_file(GOOD.replace(",", ";"), encoding="utf-8-sig")
    result = run("import", "units", str(path))
    assert result.exit_code == 0, result.output
    assert _tree() == EXPECTED_TREE


def test_import_units_accepts_a_byte_order_mark_with_commas(run, csv_file):
    result = run("import", "units", str(csv_file(GOOD, encoding="utf-8-sig")))
    assert result.exit_code == 0, result.output
    assert set(_units()) == set(EXPECTED_TREE)


def test_import_keeps_commas_and_newlines_inside_quoted_cells(run, csv_file):
    text = HEADER + 'PKB,"Brigade, Peacekeeping",,brigade,1\nHQ,"Head-\nquarters",PKB,hq,2\n'
    assert run("import", "units", str(csv_file(text))).exit_code == 0
    units = _units()
    assert (units["PKB"].name, units["HQ"].name) == ("Brigade, Peacekeeping", "Head-\nquarters")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_import_reports_every_bad_row_with_its_line_and_writes_nothing(run, csv_file, newline):
    text = (HEADER
            + "PKB,Brigade,,brigade,30\n"                 # 2
            + 'HQ,"Brigade\nHeadquarters",PKB,hq,10\n'     # 3-4: one row on two lines
            + "1BN,Battalion,PKB,,12\n"                   # 5: kind missing
            + "2BN,Battalion,PKB,battalion,many\n"        # 6: not a number
            + "\n"                                        # 7: blank, skipped
            + '3BN,"Battalion\nThree",NOPE,battalion,12\n'  # 8-9: unknown parent, reported on 8
            + "4BN,Battalion,PKB,battalion,4\n")          # 10
    path = csv_file(text.replace("\n", newline))
    result = run("import", "units", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        f"{path}:5: kind: Missing data for required field.",
        f"{path}:6: authorized_strength: Not a valid integer.",
        f"{path}:8: parent: Unknown unit 'NOPE'.",
    ]
    assert "nothing imported (3 problems)" in lines[3]
    assert _units() == {}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_dry_run_checks_and_reports_but_writes_nothing(run, csv_file):
    path = csv_file(GOOD)
    result = run("import", "units", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would import 3 units" in result.stdout
    assert _units() == {}
    assert run("import", "units", str(path)).exit_code == 0
    assert len(_units()) == 3


def test_dry_run_of_a_bad_file_fails_like_an_import(run, csv_file):
    make_unit("PKB", kind="brigade")
    path = csv_file(GOOD)
    result = run("import", "units", str(path), "--dry-run")
    assert result.exit_code == 2
    assert f"{path}:2: code: A unit with code 'PKB' already exists." in result.stderr
    assert set(_units()) == {"PKB"}


def test_unknown_column_is_named_with_the_expected_ones(run, csv_file):
    path = csv_file("code,name,foo,kind\nA,A,x,company\n")
    result = run("import", "units", str(path))
    assert result.exit_code == 2
    assert (f"{path}:1: unknown column 'foo'; expected code, name, parent, kind, authorized_strength"
            in result.stderr)
    assert _units() == {}


def test_missing_required_columns_are_named(run, csv_file):
    path = csv_file("code,parent\nA,\n")
    result = run("import", "units", str(path))
    assert result.exit_code == 2
    assert f"{path}:1: missing required columns 'name', 'kind'" in result.stderr


def test_header_names_ignore_case_and_spaces_and_optional_columns_may_be_left_out(run, csv_file):
    result = run("import", "units", str(csv_file(" Code ; NAME ; Kind\nPKB;Brigade;brigade\n")))
    assert result.exit_code == 0, result.output
    assert _tree() == {"PKB": (None, 0, 0)}


def test_parent_defined_later_in_the_file_is_refused(run, csv_file):
    path = csv_file(HEADER + "1BN,Battalion,PKB,battalion,1\nPKB,Brigade,,brigade,1\n")
    result = run("import", "units", str(path))
    assert result.exit_code == 2
    assert (f"{path}:2: parent: Unit 'PKB' comes later in the list; list parents before their children."
            in result.stderr)
    assert _units() == {}


def test_parent_may_already_be_in_the_database(run, csv_file):
    make_unit("PKB", kind="brigade")
    assert run("import", "units", str(csv_file(HEADER + "1BN,Battalion,PKB,battalion,1\n"))).exit_code == 0
    assert _tree()["1BN"] == ("PKB", 1, 1)


def test_code_twice_in_the_file_is_reported_on_the_second_row(run, csv_file):
    path = csv_file(HEADER + "A,A,,x,1\nB,B,,x,1\nA,Again,,x,1\n")
    result = run("import", "units", str(path))
    assert result.exit_code == 2
    assert f"{path}:4: code: Code 'A' appears more than once in the list." in result.stderr
    assert f"{path}:2:" not in result.stderr


def test_a_value_outside_the_named_columns_is_an_error(run, csv_file):
    path = csv_file("code,name,kind\nA,A,x,surprise\n")
    result = run("import", "units", str(path))
    assert result.exit_code == 2
    assert f"{path}:2: a value lies outside the 3 named columns" in result.stderr


def test_a_file_that_is_not_utf8_is_refused_with_its_line(run, csv_file):
    path = csv_file("code,name,kind\nA,Şamaxı,x\n", encoding="cp1254")
    result = run("import", "units", str(path))
    assert result.exit_code == 2
    assert f"{path}:2: not UTF-8 text" in result.stderr


def test_an_empty_file_or_a_missing_file_is_an_error(run, csv_file, tmp_path):
    result = run("import", "units", str(csv_file("")))
    assert result.exit_code == 2
    assert "expected a header row" in result.stderr
    result = run("import", "units", str(tmp_path / "absent.csv"))
    assert result.exit_code == 2
    assert "cannot read the file" in result.stderr


def test_import_is_attributed_to_the_system(run, csv_file):
    run("import", "units", str(csv_file(GOOD)))
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.actor, e.action, e.entity, e.key) for e in events] == [
        ("system", "create", "unit", "PKB"), ("system", "create", "unit", "PKB-1BN"),
        ("system", "create", "unit", "PKB-1BN-A")]
    assert events[1].changes["parent"] == "PKB"


def test_an_import_whose_service_is_missing_says_so(run, csv_file, monkeypatch):
    monkeypatch.setitem(KINDS, "completions", ImportKind(
        "completions", "readiness.records.not_written_yet:CompletionInSchema",
        "readiness.records.not_written_yet:create_completions", "completion"))
    result = run("import", "completions", str(csv_file("service_number\n1\n")))
    assert result.exit_code == 2
    assert "importing completions is not available yet" in result.stderr


def test_unknown_kind_is_a_usage_error(run, csv_file):
    result = run("import", "vehicles", str(csv_file(GOOD)))
    assert result.exit_code == 2
    assert "vehicles" in result.output


def test_create_units_conflict_when_only_codes_are_taken(app):
    make_unit("A")
    with pytest.raises(ConflictError) as caught:
        create_units([{"code": "A", "name": "A", "parent": None, "kind": "x"}], None)
    assert caught.value.errors == {0: {"code": ["A unit with code 'A' already exists."]}}


def test_create_units_refuses_a_unit_as_its_own_parent(app):
    with pytest.raises(InvalidError) as caught:
        create_units([{"code": "A", "name": "A", "parent": "A", "kind": "x"}], None)
    assert caught.value.errors == {0: {"parent": ["A unit cannot be its own parent."]}}


def test_create_units_under_a_deep_existing_unit_continues_its_path(app):
    make_unit("A")
    make_unit("B", "A")
    made = create_units([{"code": "C", "name": "C", "parent": "B", "kind": "x"},
                         {"code": "D", "name": "D", "parent": "C", "kind": "x"}], None)
    db.session.commit()
    db.session.expire_all()
    units = _units()
    assert [u.code for u in made] == ["C", "D"]
    assert units["D"].path == units["B"].path + f"{units['C'].id}/{units['D'].id}/"
    assert (units["C"].depth, units["D"].depth) == (2, 3)


def test_line_numbers_stay_right_in_a_long_file(run, csv_file):
    rows = [f"U{i},Unit {i},,company,1" for i in range(4500)]
    rows[2999] = "U2999,Unit,,company,-1"      # line 3001
    rows[4399] = "U4399,,,company,1"           # line 4401: empty name is a missing name
    path = csv_file(HEADER + "\n".join(rows) + "\n")
    result = run("import", "units", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:2] == [
        f"{path}:3001: authorized_strength: Must be greater than or equal to 0.",
        f"{path}:4401: name: Missing data for required field.",
    ]
    assert _units() == {}
    path = csv_file(HEADER + "\n".join(f"U{i},Unit {i},,company,1" for i in range(4500)) + "\n")
    assert run("import", "units", str(path)).exit_code == 0
    assert len(_units()) == 4500
