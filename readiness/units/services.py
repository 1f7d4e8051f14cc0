"""Unit rules: the tree, its paths, and what may be moved or deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, func, insert, literal, select, update
from sqlalchemy.orm.attributes import set_committed_value

from readiness import audit
from readiness.errors import ConflictError, InvalidError, NotFoundError
from readiness.extensions import db
from readiness.signals import people_changed
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
        parent = select(Unit.id).where(Unit.code == filters["parent"]).scalar_subquery()
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
    # Requirements scoped to the old or new ancestors now apply differently to everyone in
    # the moved subtree. The personnel table is found through the metadata: this domain
    # sits below personnel and does not import it.
    personnel = Unit.metadata.tables["personnel"]
    moved = db.session.scalars(
        select(personnel.c.id).where(personnel.c.unit_id.in_(
            select(Unit.id).where(Unit.path.startswith(new_path, autoescape=True))))
    ).all()
    if moved:
        people_changed.send(person_ids=list(moved))


# How a blocker is named in the 409; tables of higher domains are found through the
# metadata, so this lower domain needs no import of them.
_DEPENDANT_NAMES = {"units": "child unit(s)", "personnel": "person(s)",
                    "requirements": "requirement(s)", "users": "user account(s)",
                    "occ_evaluations": "OCC evaluation(s)", "pcrs_pledges": "PCRS pledge(s)"}


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


def create_units(rows: list[dict[str, Any]], actor: Any) -> list[Unit]:
    """Create many units at once, all or none; a parent may be an earlier row of the list."""
    errors: dict[int, dict[str, list[str]]] = {}

    def error(index: int, field: str, message: str) -> None:
        errors.setdefault(index, {}).setdefault(field, []).append(message)

    codes = [row["code"] for row in rows]
    position: dict[str, int] = {}
    for index, code in enumerate(codes):
        position.setdefault(code, index)
    known = units_by_code(set(codes) | {row["parent"] for row in rows if row.get("parent")})
    for index, row in enumerate(rows):
        code, parent = row["code"], row.get("parent")
        if code in known:
            error(index, "code", f"A unit with code {code!r} already exists.")
        elif position[code] != index:
            error(index, "code", f"Code {code!r} appears more than once in the list.")
        if parent is None or (parent in known and parent != code):
            continue
        if parent == code:
            error(index, "parent", "A unit cannot be its own parent.")
        elif parent not in position:
            error(index, "parent", f"Unknown unit {parent!r}.")
        elif position[parent] > index:
            error(index, "parent", f"Unit {parent!r} comes later in the list; "
                                   "list parents before their children.")
    if errors:
        # Duplicates alone are a conflict with existing data; anything else is bad input.
        conflicts_only = all(set(fields) == {"code"} for fields in errors.values())
        cls = ConflictError if conflicts_only else InvalidError
        raise cls(f"{len(errors)} of {len(rows)} unit(s) cannot be created.", errors)
    if not rows:
        return []

    # A new parent must exist before its children: insert generation by generation, each
    # generation in one statement; the paths hold ids, so they are set afterwards in one more.
    generation: list[int] = []
    for row in rows:
        parent = row.get("parent")
        generation.append(generation[position[parent]] + 1 if parent and parent not in known else 0)
    by_code = dict(known)
    made: dict[int, Unit] = {}
    for gen in range(max(generation) + 1):
        batch = [i for i, g in enumerate(generation) if g == gen]
        units = db.session.scalars(
            insert(Unit).returning(Unit, sort_by_parameter_order=True),
            [{"code": rows[i]["code"], "name": rows[i]["name"], "kind": rows[i]["kind"],
              "parent_id": by_code[rows[i]["parent"]].id if rows[i].get("parent") else None,
              "authorized_strength": rows[i].get("authorized_strength", 0), "path": "", "depth": 0}
             for i in batch],
        )
        for i, unit in zip(batch, units, strict=True):
            made[i] = by_code[unit.code] = unit
    created = [made[i] for i in range(len(rows))]
    tree = []
    for unit, row in zip(created, rows, strict=True):
        parent = by_code[row["parent"]] if row.get("parent") else None
        path = (parent.path if parent else "/") + f"{unit.id}/"
        depth = parent.depth + 1 if parent else 0
        tree.append({"b_id": unit.id, "b_path": path, "b_depth": depth})
        # Keep the session's objects in step with what the UPDATE below writes.
        for attr, value in (("parent", parent), ("path", path), ("depth", depth)):
            set_committed_value(unit, attr, value)
    table = Unit.__table__
    db.session.execute(
        update(table).where(table.c.id == bindparam("b_id"))
        .values(path=bindparam("b_path"), depth=bindparam("b_depth")),
        tree,
    )
    audit.record_many(actor, "create", "unit", [(r["code"], {k: r.get(k) for k in FIELDS}) for r in rows])
    db.session.flush()
    return created
