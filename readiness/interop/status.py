"""Where units stand in OCC E&F and PCRS on a date: their records through readiness.interop.occ and .pcrs.

Gates need the unit's readiness levels on the same date from the engine: a page that has
the engine's answer already passes it in; a list of units gets the levels of all of them
from one count of their common subtree (readiness.engine.queries), never unit by unit.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from readiness.engine import levels as engine_levels
from readiness.engine import queries as engine_queries
from readiness.engine import services as engine_services
from readiness.extensions import db
from readiness.interop import gates as gating
from readiness.interop.models import PCRS_LEVELS, STEPS, Evaluation, Pledge
from readiness.interop.occ import occ_status
from readiness.interop.pcrs import PcrsSettings, pcrs_status
from readiness.units.models import Unit

_NO_LEVELS: Mapping[str, str | None] = {"level": None, "p_level": None, "t_level": None}


def configured_gates() -> dict[str, gating.Gate]:
    """Return INTEROP_GATES as gates (checked at start-up by readiness.interop.init_app)."""
    return gating.parse_gates(current_app.config["INTEROP_GATES"])


def pcrs_settings() -> PcrsSettings:
    """Return the PCRS numbers from configuration."""
    config = current_app.config
    return PcrsSettings(
        int(config["PCRS_RDL_MAX_DAYS"]),
        int(config["PCRS_FIRST_UPDATE_MONTHS"]),
        int(config["PCRS_UPDATE_MONTHS"]),
    )


def _status(
    code: str,
    on: date,
    evaluations: list[Evaluation],
    pledges: list[Pledge],
    gates: dict[str, gating.Gate],
    levels: gating.Levels,
) -> dict[str, Any]:
    levels = functools.cache(levels)  # both frameworks may ask; the engine answers once
    warning = int(current_app.config["EXPIRY_WARNING_DAYS"])
    return {
        "unit": code,
        "as_of": on,
        "recorded": bool(evaluations or pledges),
        "occ": occ_status(evaluations, on, gates, levels, warning),
        "pcrs": pcrs_status(pledges, on, gates, levels, pcrs_settings()),
    }


def _records(unit_ids: list[int]) -> tuple[dict[int, list[Evaluation]], dict[int, list[Pledge]]]:
    """Return the evaluations and pledges (with milestones) of these units, by unit id: three queries."""
    evaluations: dict[int, list[Evaluation]] = defaultdict(list)
    pledges: dict[int, list[Pledge]] = defaultdict(list)
    if unit_ids:
        for e in db.session.scalars(select(Evaluation).where(Evaluation.unit_id.in_(unit_ids))):
            evaluations[e.unit_id].append(e)
        for p in db.session.scalars(select(Pledge).where(Pledge.unit_id.in_(unit_ids))):
            pledges[p.unit_id].append(p)
    return evaluations, pledges


def unit_status(unit: Unit, on: date, readiness: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the unit's OCC stage and PCRS level on `on` with their reasons.

    `readiness`: the engine's unit readiness for the same date, if the caller has it.
    """
    evaluations, pledges = _records([unit.id])
    return status_of(unit, on, evaluations[unit.id], pledges[unit.id], readiness)


def status_of(
    unit: Unit,
    on: date,
    evaluations: list[Evaluation],
    pledges: list[Pledge],
    readiness: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the status of a unit whose records the caller has read already (all of them)."""
    return _status(
        unit.code,
        on,
        evaluations,
        pledges,
        configured_gates(),
        (lambda: readiness) if readiness is not None else (lambda: engine_services.unit_readiness(unit, on)),
    )


def _reached(status: dict[str, Any], gates: dict[str, gating.Gate]) -> bool:
    """Tell whether the records take the unit to a stage or level that has a gate."""
    occ = STEPS.index(status["occ"]["stage_by_records"]) if status["occ"]["stage_by_records"] in STEPS else -1
    pcrs = PCRS_LEVELS.index(status["pcrs"]["level_by_records"])
    return any(f"OCC {STEPS[i]}" in gates for i in range(occ + 1)) or any(
        f"PCRS {PCRS_LEVELS[i]}" in gates for i in range(1, pcrs + 1)
    )


def unit_statuses(units: list[Unit], on: date) -> dict[int, dict[str, Any]]:
    """Return the status of each unit on `on`, by unit id, with a fixed number of queries."""
    evaluations, pledges = _records([u.id for u in units])
    gates = configured_gates()
    out = {u.id: _status(u.code, on, evaluations[u.id], pledges[u.id], {}, lambda: _NO_LEVELS) for u in units}
    gated = [u for u in units if _reached(out[u.id], gates)]
    levels = unit_levels(gated, on)
    for u in gated:
        out[u.id] = _status(u.code, on, evaluations[u.id], pledges[u.id], gates, lambda u=u: levels[u.id])
    return out


def unit_levels(units: list[Unit], on: date) -> dict[int, dict[str, str | None]]:
    """Return each unit's readiness levels on `on` (as the engine's unit readiness gives them), by unit id.

    One count of the engine per tree (the units' deepest common ancestor), rolled up per unit.
    """
    by_root: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_root[unit.path.split("/")[1]].append(unit)
    out = {}
    for group in by_root.values():
        common = _common_path([u.path for u in group])
        root = db.session.scalar(select(Unit).where(Unit.path == common))
        tree = engine_queries.subtree(root)
        counts = engine_queries.unit_counts(root, on, engine_queries.source_for(on))
        for unit in group:
            authorized = assigned = qualified = 0
            for member in tree:
                if member.path.startswith(unit.path):
                    a, q = counts.people.get(member.id, (0, 0))
                    authorized, assigned, qualified = (
                        authorized + member.authorized,
                        assigned + a,
                        qualified + q,
                    )
            p, t = engine_levels.p_band(assigned, authorized), engine_levels.t_band(qualified, assigned)
            out[unit.id] = {
                "p_level": p.level,
                "t_level": t.level,
                "level": engine_levels.combined_level(p.rank, t.rank),
            }
    return out


def _common_path(paths: list[str]) -> str:
    """Return the path of the deepest unit holding all `paths` ('/1/4/' of '/1/4/7/' and '/1/4/9/')."""
    parts = [p.strip("/").split("/") for p in paths]
    common = []
    for ids in zip(*parts, strict=False):
        if len(set(ids)) != 1:
            break
        common.append(ids[0])
    return "/" + "/".join(common) + "/"


def report_view(unit: Unit, on: date, readiness: Mapping[str, Any], *, personal: bool) -> dict[str, Any]:
    """Return the unit's status for a readiness report; without `personal`, evaluator names are left out.

    `printable` maps what the report prints beyond the reasons (pledge, evaluators) to its text,
    for the report's font check.
    """
    found = unit_status(unit, on, readiness)
    printable = {}
    if found["pcrs"]["pledge"]:
        printable["pledge capability"] = found["pcrs"]["pledge"]["capability"]
    for step in found["occ"]["steps"]:
        if personal and step["evaluators"]:
            # NFC, as the report prints every name: a letter typed as base + accent finds its glyph.
            step["evaluators"] = [unicodedata.normalize("NFC", n) for n in step["evaluators"]]
            printable[f"evaluators of {step['step']}"] = ", ".join(step["evaluators"])
        elif not personal:
            step["evaluators"] = []  # personal data: the partner edition holds aggregates only
    return {**found, "personal": personal, "printable": printable}
