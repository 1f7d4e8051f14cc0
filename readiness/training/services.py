"""Catalogue and requirement rules: codes are unique, requirements name what exists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select

from readiness import audit
from readiness.errors import ConflictError, InvalidError, NotFoundError, describe_errors
from readiness.extensions import db
from readiness.signals import requirements_changed
from readiness.training.models import Attainment, Course, Requirement, Standard
from readiness.units.models import Unit
from readiness.units.services import units_by_code

COURSE_FIELDS = ("code", "title", "provider", "kind", "validity_months")
STANDARD_FIELDS = ("code", "title", "body", "scale", "validity_months")
REQUIREMENT_FIELDS = ("course", "standard", "min_level", "unit", "role")

Catalogued = TypeVar("Catalogued", Course, Standard)
RowErrors = dict[int, dict[str, list[str]]]


def _raise_row_errors(what: str, count: int, errors: RowErrors, *, conflicts_only: bool) -> None:
    """Raise the bulk error for `errors` (index → field → messages), if there are any."""
    if not errors:
        return
    lines = "; ".join(describe_errors(errors)[:10])
    summary = f"{len(errors)} of {count} {what} refused, nothing was written: {lines}"
    raise (ConflictError if conflicts_only else InvalidError)(summary, errors)


# --- courses and standards --------------------------------------------------------------

def _by_code(model: type[Catalogued], codes: Iterable[str]) -> dict[str, Catalogued]:
    wanted = set(codes)
    if not wanted:
        return {}
    return {row.code: row for row in db.session.scalars(select(model).where(model.code.in_(wanted)))}


def courses_by_code(codes: Iterable[str]) -> dict[str, Course]:
    """Return the courses among `codes`, by code, in one query."""
    return _by_code(Course, codes)


def standards_by_code(codes: Iterable[str]) -> dict[str, Standard]:
    """Return the standards among `codes`, by code, in one query."""
    return _by_code(Standard, codes)


def get_course(code: str) -> Course:
    """Return the course with `code` or raise NotFoundError."""
    course = db.session.scalar(select(Course).where(Course.code == code))
    if course is None:
        raise NotFoundError(f"Course {code!r} not found.")
    return course


def get_standard(code: str) -> Standard:
    """Return the standard with `code` or raise NotFoundError."""
    standard = db.session.scalar(select(Standard).where(Standard.code == code))
    if standard is None:
        raise NotFoundError(f"Standard {code!r} not found.")
    return standard


def _list_catalogued(model: type[Catalogued], filters: dict[str, Any], exact: tuple[str, ...],
                     any_case: tuple[str, ...]) -> Select[Any]:
    stmt = select(model)
    for name in exact:
        if name in filters:
            stmt = stmt.where(getattr(model, name) == filters[name])
    for name in any_case:
        if name in filters:
            stmt = stmt.where(func.lower(getattr(model, name)) == filters[name].lower())
    if "q" in filters:
        stmt = stmt.where(func.lower(model.title).contains(filters["q"].lower(), autoescape=True))
    return stmt.order_by(model.code)


def list_courses(filters: dict[str, Any]) -> Select[tuple[Course]]:
    """Return the statement listing courses by code, filtered by `filters`."""
    return _list_catalogued(Course, filters, ("code", "kind"), ("provider",))


def list_standards(filters: dict[str, Any]) -> Select[tuple[Standard]]:
    """Return the statement listing standards by code, filtered by `filters`."""
    return _list_catalogued(Standard, filters, ("code", "scale"), ("body",))


def _create_catalogued(model: type[Catalogued], entity: str, fields: tuple[str, ...],
                       rows: list[dict[str, Any]], actor: Any) -> list[Catalogued]:
    """Create catalogue entries all or nothing; a code taken (or given twice) is a conflict."""
    errors: RowErrors = {}
    existing = _by_code(model, (row["code"] for row in rows))
    first_index: dict[str, int] = {}
    for index, row in enumerate(rows):
        code = row["code"]
        if code in existing:
            errors[index] = {"code": [f"A {entity} with code {code!r} already exists."]}
        elif code in first_index:
            errors[index] = {"code": [f"Code {code!r} is given twice (also at index {first_index[code]})."]}
        first_index.setdefault(code, index)
    _raise_row_errors(f"{entity}s", len(rows), errors, conflicts_only=True)
    created = [model(**{f: row[f] for f in fields if f in row}) for row in rows]
    db.session.add_all(created)
    db.session.flush()  # one batched INSERT … RETURNING
    audit.record_many(actor, "create", entity,
                      [(obj.code, {f: getattr(obj, f) for f in fields}) for obj in created])
    return created


def create_courses(rows: list[dict[str, Any]], actor: Any) -> list[Course]:
    """Create courses from schema-loaded rows, all or nothing."""
    return _create_catalogued(Course, "course", COURSE_FIELDS, rows, actor)


def create_standards(rows: list[dict[str, Any]], actor: Any) -> list[Standard]:
    """Create standards from schema-loaded rows, all or nothing."""
    return _create_catalogued(Standard, "standard", STANDARD_FIELDS, rows, actor)


def _update_catalogued(obj: Catalogued, entity: str, fields: tuple[str, ...],
                       data: dict[str, Any], actor: Any) -> Catalogued:
    changes: dict[str, Any] = {}
    if "code" in data and data["code"] != obj.code and _by_code(type(obj), [data["code"]]):
        raise ConflictError(f"A {entity} with code {data['code']!r} already exists.",
                            {"code": ["Already exists."]})
    for field in fields:
        if field in data and data[field] != getattr(obj, field):
            changes[field] = [getattr(obj, field), data[field]]
            setattr(obj, field, data[field])
    db.session.flush()
    if changes:
        audit.record(actor, "update", entity, obj.code, changes)
    return obj


def update_course(course: Course, data: dict[str, Any], actor: Any) -> Course:
    """Change a course; completions already recorded keep the expiry they were given."""
    # expires_on is stored when a completion is recorded (DESIGN §2.1, from the validity
    # then in force), so a new validity applies to completions recorded from now on.
    return _update_catalogued(course, "course", COURSE_FIELDS, data, actor)


def update_standard(standard: Standard, data: dict[str, Any], actor: Any) -> Standard:
    """Change a standard; its scale is fixed once requirements or results use it."""
    if "scale" in data and data["scale"] != standard.scale:
        users = [
            f"{n} {what}" for what, n in (
                ("requirement(s)", _count(Requirement, Requirement.standard_id == standard.id)),
                ("result(s)", _count(Attainment, Attainment.standard_id == standard.id)),
            ) if n
        ]
        if users:
            raise ConflictError(
                f"Standard {standard.code} is used by {' and '.join(users)}; its scale cannot change.",
                {"scale": ["In use: cannot change."]},
            )
    return _update_catalogued(standard, "standard", STANDARD_FIELDS, data, actor)


def _count(model: type[Any], clause: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(clause)) or 0


# --- requirements -----------------------------------------------------------------------

def get_requirement(requirement_id: int) -> Requirement:
    """Return the requirement with `requirement_id` or raise NotFoundError."""
    requirement = db.session.get(Requirement, requirement_id)
    if requirement is None:
        raise NotFoundError(f"Requirement {requirement_id} not found.")
    return requirement


def list_requirements(filters: dict[str, Any]) -> Select[tuple[Requirement]]:
    """Return the statement listing requirements by id, filtered by codes and role."""
    stmt = select(Requirement).order_by(Requirement.id)
    if "course" in filters:
        stmt = stmt.where(Requirement.course.has(Course.code == filters["course"]))
    if "standard" in filters:
        stmt = stmt.where(Requirement.standard.has(Standard.code == filters["standard"]))
    if "unit" in filters:
        stmt = stmt.where(Requirement.unit.has(Unit.code == filters["unit"]))
    if "role" in filters:
        stmt = stmt.where(Requirement.role == filters["role"])
    return stmt


def create_requirements(rows: list[dict[str, Any]], actor: Any) -> list[Requirement]:
    """Create requirements from schema-loaded rows, all or nothing."""
    courses = courses_by_code(r["course"] for r in rows if r.get("course"))
    standards = standards_by_code(r["standard"] for r in rows if r.get("standard"))
    units = units_by_code({r["unit"] for r in rows if r.get("unit")})
    errors: RowErrors = {}
    for index, row in enumerate(rows):
        if row_errors := _requirement_errors(row, courses, standards, units):
            errors[index] = row_errors
    _raise_row_errors("requirements", len(rows), errors, conflicts_only=False)
    created = [
        Requirement(course=courses.get(row.get("course") or ""),
                    standard=standards.get(row.get("standard") or ""),
                    min_level=row.get("min_level"), unit=units.get(row.get("unit") or ""),
                    role=row.get("role"))
        for row in rows
    ]
    _raise_row_errors("requirements", len(rows), _duplicates(created), conflicts_only=True)
    db.session.add_all(created)
    db.session.flush()
    audit.record_many(actor, "create", "requirement",
                      [(str(r.id), _requirement_fields(r)) for r in created])
    requirements_changed.send()
    return created


def _requirement_errors(row: dict[str, Any], courses: dict[str, Course],
                        standards: dict[str, Standard], units: dict[str, Unit]) -> dict[str, list[str]]:
    """Return the field errors of one row once its codes are looked up."""
    errors: dict[str, list[str]] = {}
    if row.get("course") and row["course"] not in courses:
        errors["course"] = [f"Unknown course {row['course']!r}."]
    if row.get("unit") and row["unit"] not in units:
        errors["unit"] = [f"Unknown unit {row['unit']!r}."]
    if not row.get("standard"):
        return errors
    standard = standards.get(row["standard"])
    if standard is None:
        errors["standard"] = [f"Unknown standard {row['standard']!r}."]
    elif standard.scale == "slp" and row.get("min_level") is None:
        errors["min_level"] = [f"Standard {standard.code} is a STANAG 6001 profile: "
                               "give the minimum level, e.g. 'SLP 3222'."]
    elif standard.scale != "slp" and row.get("min_level") is not None:
        errors["min_level"] = [f"Standard {standard.code} is pass/fail: give no minimum level."]
    return errors


def _key(r: Requirement) -> tuple[Any, ...]:
    return (r.course.id if r.course else None, r.standard.id if r.standard else None,
            r.min_level, r.unit.id if r.unit else None, r.role)


def _duplicates(new: list[Requirement]) -> RowErrors:
    """Return errors for new requirements equal to an existing one or to an earlier one."""
    course_ids = {r.course.id for r in new if r.course}
    standard_ids = {r.standard.id for r in new if r.standard}
    # Not yet added to the session, so this query cannot autoflush them.
    existing = {
        _key(r): r.id for r in db.session.scalars(select(Requirement).where(or_(
            Requirement.course_id.in_(course_ids), Requirement.standard_id.in_(standard_ids))))
    }
    errors: RowErrors = {}
    first_index: dict[tuple[Any, ...], int] = {}
    for index, requirement in enumerate(new):
        key, field = _key(requirement), "course" if requirement.course else "standard"
        if key in existing:
            errors[index] = {field: [f"The same requirement already exists (id {existing[key]})."]}
        elif key in first_index:
            errors[index] = {field: [f"The same requirement is given twice (also at index "
                                     f"{first_index[key]})."]}
        first_index.setdefault(key, index)
    return errors


def _requirement_fields(requirement: Requirement) -> dict[str, Any]:
    return {
        "course": requirement.course.code if requirement.course else None,
        "standard": requirement.standard.code if requirement.standard else None,
        "min_level": requirement.min_level,
        "unit": requirement.unit.code if requirement.unit else None,
        "role": requirement.role,
    }


def delete_requirement(requirement: Requirement, actor: Any) -> None:
    """Delete a requirement; the records it asked for stay."""
    audit.record(actor, "delete", "requirement", str(requirement.id), _requirement_fields(requirement))
    db.session.delete(requirement)
    db.session.flush()
    requirements_changed.send()
