"""CSV import of the catalogue and requirements through the same schemas and bulk services."""

from __future__ import annotations

from readiness.cli import cli
from readiness.training.models import Course, Requirement
from tests.factories import make_unit
from tests.training.catalogue_factories import count, make_course, make_standard


def _import(runner, tmp_path, kind, text):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(cli, ["import", kind, str(path)]), path.name


def test_courses_import_with_empty_validity_meaning_never_expires(runner, tmp_path):
    result, _ = _import(runner, tmp_path, "courses",
                        "code,title,provider,kind,validity_months\n"
                        "NSO-N3-07,Staff Officer Orientation,NATO School,,\n"
                        "AZ-PTEC-MOC,UN Military Observer Course,Azerbaijan PTEC,individual,36\n")
    assert result.exit_code == 0, result.output
    assert count(Course) == 2


def test_bad_course_rows_are_reported_by_line_and_nothing_is_written(runner, tmp_path):
    make_course("TAKEN")
    result, name = _import(runner, tmp_path, "courses",
                           "code,title,provider,validity_months\n"
                           "OK,Fine,PTEC,12\n"
                           "BAD,Typo,PTEC,3600\n"
                           "TAKEN,Again,PTEC,12\n")
    assert result.exit_code == 2
    assert f"{name}:3: validity_months" in result.output
    assert f"{name}:4: code: A course with code 'TAKEN' already exists." in result.output
    assert count(Course) == 1


def test_requirements_import_resolves_codes_and_parses_levels(runner, tmp_path):
    make_unit("1BN")
    make_course("MOC")
    make_standard("EN")
    result, name = _import(runner, tmp_path, "requirements",
                           "course,standard,min_level,unit,role\n"
                           "MOC,,,1BN,observer\n"
                           ",EN,SLP 3+3 2 2,,staff officer\n")
    assert result.exit_code == 0, result.output
    assert count(Requirement) == 2
    result, _ = _import(runner, tmp_path, "requirements",
                        "course,standard,min_level,unit,role\n"
                        ",EN,SLP 332,,\n"
                        "NOPE,,,,\n")
    assert result.exit_code == 2
    assert f"{name}:2: min_level: A profile has four skills" in result.output
    assert f"{name}:3: course: Unknown course 'NOPE'." in result.output
    assert count(Requirement) == 2
