"""OCC E&F evaluations: record them (one, a list or a CSV file, all or nothing), change them, list them.

`create_evaluations` follows the bulk contract of readiness.imports: every row is checked
before anything is written, with one query per kind of lookup, then the evaluations are
written, audited and flushed; the caller commits. Errors are keyed by row index, then field.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Select, select

from readiness import audit
from readiness.db import utcnow
from readiness.errors import ConflictError, InvalidError, NotFoundError, describe_errors
from readiness.extensions import db
from readiness.interop.models import Evaluation, EvaluationArea
from readiness.interop.rows import actor_name, ensure_in_scope, plain, repeated, units_of
from readiness.records.bulk import RowErrors, local_today
from readiness.units.models import Unit

FIELDS = ("step", "started_on", "ended_on", "evaluators", "outcome", "feedback", "re_evaluation_due")
_KEY = (Evaluation.unit_id, Evaluation.step, Evaluation.started_on)


def problems(values: dict[str, Any], today: date) -> dict[str, Any]:
    """Return what is wrong with an evaluation's values taken together: field → messages."""
    if "started_on" not in values:
        return {}  # nothing to compare with (a form whose start date is wrong)
    found: dict[str, Any] = defaultdict(list)
    started, ended, due = values["started_on"], values["ended_on"], values["re_evaluation_due"]
    if ended < started:
        found["ended_on"].append(f"{ended.isoformat()} is before started_on ({started.isoformat()}).")
    elif values["outcome"] is not None and ended > today:
        found["outcome"].append(
            f"The evaluation ends on {ended.isoformat()}, after today "
            f"({today.isoformat()}): record the outcome once it has ended."
        )
    if due is not None and due <= ended:
        found["re_evaluation_due"].append(f"Must be after ended_on ({ended.isoformat()}).")
    seen: dict[str, int] = {}
    areas: dict[int, dict[str, list[str]]] = {}
    for index, area in enumerate(values["areas"]):
        name = area["area"].casefold()
        if name in seen:
            areas[index] = {"area": [f"{area['area']!r} is assessed twice (also item {seen[name]})."]}
        seen.setdefault(name, index)
    if areas:
        found["areas"] = areas
    return dict(found)


def with_defaults(row: dict[str, Any]) -> dict[str, Any]:
    """Return a loaded row with the values of the fields it leaves out."""
    # A one-day evaluation needs no end date.
    return {
        "evaluators": [],
        "areas": [],
        "outcome": None,
        "feedback": None,
        "re_evaluation_due": None,
        **row,
        "ended_on": row.get("ended_on") or row.get("started_on"),
    }


def _areas(areas: list[dict[str, Any]]) -> list[EvaluationArea]:
    return [
        EvaluationArea(position=i, area=a["area"], result=a["result"], remarks=a.get("remarks"))
        for i, a in enumerate(areas)
    ]


def _audited(field: str, value: Any) -> Any:
    """Return a value as the audit trail keeps it: lists as one readable text."""
    if field == "evaluators":
        return "; ".join(value)
    if field == "areas":
        return "; ".join(f"{a['area']}: {a['result']}" for a in value)
    return plain(value)


def _changes(values: dict[str, Any]) -> dict[str, Any]:
    """What the audit trail keeps of a new evaluation."""
    return {f: _audited(f, values[f]) for f in (*FIELDS, "areas")}


def create_evaluations(
    rows: list[dict[str, Any]], actor: Any, *, today: date | None = None
) -> list[Evaluation]:
    """Record schema-loaded evaluation rows (each with its `unit` code), all or none."""
    today = today or local_today()
    errors = RowErrors("evaluations")
    units = units_of(rows, errors, actor)
    values = [with_defaults(row) for row in rows]
    for index, value in enumerate(values):
        if found := problems(value, today):
            errors.invalid[index].update(found)
    keys = [(units[v["unit"]].id, v["step"], v["started_on"]) if v["unit"] in units else None for v in values]
    repeated(keys, _KEY, errors, "started_on", "unit, step and start date")
    errors.raise_any()

    now, by = utcnow(), actor_name(actor)
    created = [
        Evaluation(
            unit=units[v["unit"]],
            **{f: v[f] for f in FIELDS},
            areas=_areas(v["areas"]),
            recorded_by=by,
            recorded_at=now,
        )
        for v in values
    ]
    db.session.add_all(created)
    db.session.flush()
    audit.record_many(
        actor,
        "create",
        "occ_evaluation",
        [(str(e.id), {"unit": v["unit"], **_changes(v)}) for e, v in zip(created, values, strict=True)],
    )
    return created


def _current(evaluation: Evaluation) -> dict[str, Any]:
    return {
        **{f: getattr(evaluation, f) for f in FIELDS},
        "areas": [{"area": a.area, "result": a.result, "remarks": a.remarks} for a in evaluation.areas],
    }


def update_evaluation(
    evaluation: Evaluation, data: dict[str, Any], actor: Any, *, today: date | None = None
) -> Evaluation:
    """Change an evaluation, e.g. record its outcome, areas and feedback once it has ended."""
    ensure_in_scope(actor, evaluation.unit)
    today = today or local_today()
    before = _current(evaluation)
    after = {**before, **data}
    if after["ended_on"] is None or (
        "started_on" in data and "ended_on" not in data and before["ended_on"] == before["started_on"]
    ):
        after["ended_on"] = after["started_on"]  # a one-day evaluation moves as a whole
    if found := problems(after, today):
        raise InvalidError("Invalid evaluation: " + "; ".join(describe_errors(found)), found)
    key = (after["step"], after["started_on"])
    if key != (before["step"], before["started_on"]) and db.session.scalar(
        select(Evaluation.id).where(
            Evaluation.unit_id == evaluation.unit_id,
            Evaluation.step == key[0],
            Evaluation.started_on == key[1],
            Evaluation.id != evaluation.id,
        )
    ):
        raise ConflictError(
            f"{evaluation.unit.code} already has a {key[0]} evaluation starting {key[1].isoformat()}.",
            {"started_on": ["Already recorded: the same unit, step and start date."]},
        )
    changes = {
        f: [_audited(f, before[f]), _audited(f, after[f])]
        for f in (*FIELDS, "areas")
        if before[f] != after[f]
    }
    for field in changes.keys() - {"areas"}:
        setattr(evaluation, field, after[field])
    if "areas" in changes:
        # Old areas go first: a new one may take an old one's name (unique per evaluation).
        for area in list(evaluation.areas):
            db.session.delete(area)
        evaluation.areas.clear()
        db.session.flush()
        evaluation.areas.extend(_areas(after["areas"]))
    if changes:
        evaluation.updated_at = utcnow()
        db.session.flush()
        audit.record(actor, "update", "occ_evaluation", str(evaluation.id), changes)
    return evaluation


def list_evaluations(unit: Unit, filters: dict[str, Any]) -> Select[tuple[Evaluation]]:
    """Return the statement listing a unit's evaluations, latest start first."""
    stmt = select(Evaluation).where(Evaluation.unit_id == unit.id)
    if "step" in filters:
        stmt = stmt.where(Evaluation.step == filters["step"])
    if "outcome" in filters:
        stmt = stmt.where(Evaluation.outcome == filters["outcome"])
    return stmt.order_by(Evaluation.started_on.desc(), Evaluation.id.desc())


def get_evaluation(unit: Unit, evaluation_id: int) -> Evaluation:
    """Return the unit's evaluation with this id, or raise NotFoundError."""
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.unit_id != unit.id:
        raise NotFoundError(f"Evaluation {evaluation_id} of {unit.code} not found.")
    return evaluation
