"""Unit rules: the tree, its paths, and what may be moved or deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, update

from readiness import audit
from readiness.errors import ConflictError, InvalidError, NotFoundError
from readiness.extensions import db
from readiness.units.models import Unit

FIELDS = ("code", "name", "parent", "kind", "authorized_strength")


def get_unit(code: str) -> Unit:
    """Return the unit with `code` or raise NotFoundError."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFoundError(f"Unit {code!r} not found.")
    return unit


def units_by_code(codes: set[str]) -> dict[str, Unit]:
    """Return the units among `codes`, by code, in one query."""
    if not codes:
        return {}
    return {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))}


def subtree_ids(unit: Unit) -> Select[tuple[int]]:
    """Return a select of the ids of `unit` and all its descendants."""
    return select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))


def list_units(filters: dict[str, Any], scope_clause: Any) -> Select[tuple[Unit]]:
    """Return the statement listing units in scope, filtered by `filters`."""
    stmt = select(Unit).where(scope_clause).order_by(Unit.path)
    if "code" in filters:
        stmt = stmt.where(Unit.code == filters["code"])
    if "kind" in filters:
        stmt = stmt.where(Unit.kind == filters["kind"])
    if "name" in filters:
        stmt = stmt.where(func.lower(Unit.name).contains(filters["name"].lower(), autoescape=True))
    if "parent" in filters:
        parent = db.session.scalar(select(Unit.id).where(Unit.code == filters["parent"]))
        stmt = stmt.where(Unit.parent_id == parent)
    return stmt


def _parent(code: str | None) -> Unit | None:
    if code is None:
        return None
    parent = db.session.scalar(select(Unit).where(Unit.code == code))
    if parent is None:
        raise InvalidError(f"Unknown parent unit {code!r}.", {"parent": [f"Unknown unit {code!r}."]})
    return parent


def _ensure_code_free(code: str) -> None:
    if db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise ConflictError(f"A unit with code {code!r} already exists.", {"code": ["Already exists."]})


def create_unit(data: dict[str, Any], actor: Any) -> Unit:
    """Create a unit under its parent (or as a root)."""
    _ensure_code_free(data["code"])
    parent = _parent(data.get("parent"))
    unit = Unit(code=data["code"], name=data["name"], kind=data["kind"], parent=parent,
                authorized_strength=data.get("authorized_strength", 0))
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    db.session.flush()
    audit.record(actor, "create", "unit", unit.code, {k: data.get(k) for k in FIELDS})
    return unit


def update_unit(unit: Unit, data: dict[str, Any], actor: Any) -> Unit:
    """Change a unit; moving it under its own subtree is a conflict."""
    changes: dict[str, Any] = {}
    if "code" in data and data["code"] != unit.code:
        _ensure_code_free(data["code"])
        changes["code"] = [unit.code, data["code"]]
        unit.code = data["code"]
    for field in ("name", "kind", "authorized_strength"):
        if field in data and data[field] != getattr(unit, field):
            changes[field] = [getattr(unit, field), data[field]]
            setattr(unit, field, data[field])
    if "parent" in data:
        parent = _parent(data["parent"])
        if parent is not unit.parent:
            _move(unit, parent)
            changes["parent"] = data["parent"]
    db.session.flush()
    if changes:
        audit.record(actor, "update", "unit", unit.code, changes)
    return unit


def _move(unit: Unit, parent: Unit | None) -> None:
    if parent is not None and parent.path.startswith(unit.path):
        raise ConflictError(
            f"Cannot move {unit.code} under {parent.code}: {parent.code} is "
            + ("the unit itself." if parent is unit else f"inside {unit.code}'s subtree."),
            {"parent": ["Would make the unit its own ancestor."]},
        )
    old_path, old_depth = unit.path, unit.depth
    new_path = (parent.path if parent else "/") + f"{unit.id}/"
    new_depth = parent.depth + 1 if parent else 0
    unit.parent = parent
    db.session.flush()
    # One statement re-roots the whole subtree, however deep.
    db.session.execute(
        update(Unit)
        .where(Unit.path.startswith(old_path, autoescape=True))
        .values(path=literal(new_path) + func.substr(Unit.path, len(old_path) + 1),
                depth=Unit.depth + (new_depth - old_depth))
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


# How a blocker is named in the 409; tables of higher domains are found through the
# metadata, so this lower domain needs no import of them.
_DEPENDANT_NAMES = {"units": "child unit(s)", "personnel": "person(s)",
                    "requirements": "requirement(s)", "users": "user account(s)"}


def delete_unit(unit: Unit, actor: Any) -> None:
    """Delete an empty unit; one with children, people or dependants is a conflict."""
    blockers = []
    for table in Unit.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "units":
                count = db.session.scalar(
                    select(func.count()).select_from(table).where(fk.parent == unit.id)
                )
                if count:
                    blockers.append(f"{count} {_DEPENDANT_NAMES.get(table.name, table.name)}")
    if blockers:
        raise ConflictError(f"Unit {unit.code} still has {', '.join(blockers)}; "
                       "move or delete them first.")
    audit.record(actor, "delete", "unit", unit.code, {"name": unit.name, "kind": unit.kind})
    db.session.delete(unit)
    db.session.flush()
