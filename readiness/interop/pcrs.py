"""Where a unit stands in the UN Peacekeeping Capability Readiness System on a date, and why not higher.

The pledge open on the date (registered, not yet withdrawn) and its milestones dated by then
decide the level: 1 with the four Level 1 documents, 2 with a successful AAV (the latest
visit decides), 3 with the Level 3 commitments, RDL with a successful verification visit,
the agreement and a promise to deploy within PCRS_RDL_MAX_DAYS. Renewal is due
PCRS_FIRST_UPDATE_MONTHS after registration without an update, else PCRS_UPDATE_MONTHS after
the latest update. A gate may hold the level back (readiness.interop.gates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from readiness.interop.gates import Gate, GateKeeper, Levels, gate_text
from readiness.interop.models import COMMITMENTS, DOCUMENTS, PCRS_LEVELS, label
from readiness.training.dates import add_months


@dataclass(frozen=True)
class PcrsSettings:
    """The numbers PCRS runs on (configuration)."""

    rdl_max_days: int = 60
    first_update_months: int = 12
    update_months: int = 6


def _visit(milestones: list[Any], kind: str, on: date) -> tuple[Any, Any]:
    """Return a visit kind's latest result by `on`, and a later visit still without one."""
    visits = sorted((m for m in milestones if m.kind == kind), key=lambda m: (m.dated_on, m.id or 0))
    done = [m for m in visits if m.result is not None and m.dated_on <= on]
    latest = done[-1] if done else None
    pending = next(
        (m for m in visits if m not in done and (latest is None or m.dated_on > latest.dated_on)), None
    )
    return latest, pending


def _visit_reason(kind: str, latest: Any, pending: Any, on: date) -> str | None:
    """Say why a visit does not count (None when it does)."""
    name = "AAV" if kind == "aav" else "RDL verification visit"
    if latest is not None and latest.result == "successful":
        return None
    if pending is None:
        later = ""
    elif pending.dated_on > on:
        later = f"{name} scheduled for {pending.dated_on.isoformat()}"
    else:
        later = f"{name} of {pending.dated_on.isoformat()}: result not yet recorded"
    if latest is not None:
        return f"{name} of {latest.dated_on.isoformat()} unsuccessful" + (f"; {later}" if later else "")
    return f"no successful {name} recorded" + (f" ({later})" if later else "")


def _rdl_lacks(visit: str | None, agreed: bool, days: int | None, max_days: int) -> list[str]:
    """Say what the Rapid Deployment Level still lacks beyond Level 3."""
    lacks = [visit] if visit else []
    if not agreed:
        lacks.append("no RDL agreement recorded")
    if days is None:
        lacks.append(f"no days to deploy promised; RDL needs {max_days} or fewer")
    elif days > max_days:
        lacks.append(f"the pledge promises deployment in {days} days; RDL needs {max_days} or fewer")
    return lacks


def _open_pledge(pledges: list[Any], on: date) -> tuple[Any, str | None]:
    """Return the pledge open on `on`, or None and why there is none."""
    begun = [p for p in pledges if p.pledged_on <= on]
    open_ = [p for p in begun if p.withdrawn_on is None or on < p.withdrawn_on]
    if open_:
        return max(open_, key=lambda p: p.pledged_on), None
    if begun:
        last = max(begun, key=lambda p: p.pledged_on)
        return None, (
            f"the pledge of {last.pledged_on.isoformat()} was withdrawn on {last.withdrawn_on.isoformat()}"
        )
    return None, "no pledge registered"


def pcrs_status(
    pledges: Iterable[Any],
    on: date,
    gates: dict[str, Gate],
    levels: Levels,
    settings: PcrsSettings = PcrsSettings(),
) -> dict[str, Any]:
    """Return the PCRS level on `on`, its checklist, whether renewal is due, and why not higher."""
    pledge, missing = _open_pledge(list(pledges), on)
    if pledge is None:
        return {
            "level": "none",
            "level_by_records": "none",
            "pledge": None,
            "checklist": [],
            "renewal_due_on": None,
            "renewal_due": False,
            "gates": [],
            "notes": [],
            "reasons": [{"kind": "no_pledge", "level": "1", "message": f"PCRS none: {missing}"}],
        }
    known = [m for m in pledge.milestones if m.dated_on <= on]
    latest: dict[str, date] = {}
    for m in known:
        if m.kind not in ("aav", "rdl_verification"):
            latest[m.kind] = max(latest.get(m.kind, m.dated_on), m.dated_on)
    aav, aav_next = _visit(pledge.milestones, "aav", on)
    rdl, rdl_next = _visit(pledge.milestones, "rdl_verification", on)
    days = pledge.days_to_deploy

    # What each level still lacks, in words (empty: the level is reached).
    lacking: dict[str, list[str]] = {
        "1": [f"no {label(k)} recorded" for k in DOCUMENTS if k not in latest],
        "2": [r for r in [_visit_reason("aav", aav, aav_next, on)] if r],
        "3": [f"no {label(k)} recorded" for k in COMMITMENTS if k not in latest],
        "RDL": _rdl_lacks(
            _visit_reason("rdl_verification", rdl, rdl_next, on),
            "rdl_agreement" in latest,
            days,
            settings.rdl_max_days,
        ),
    }
    index = 0
    while index < 4 and not lacking[PCRS_LEVELS[index + 1]]:
        index += 1
    by_records = index
    keeper = GateKeeper(gates, levels)
    held = None
    for i in range(1, by_records + 1):
        if (check := keeper.holds(f"PCRS {PCRS_LEVELS[i]}")) is not None:
            index, held = i - 1, check
            break

    level = PCRS_LEVELS[index]
    target = PCRS_LEVELS[index + 1] if index < 4 else None
    reasons = []
    if held is not None:
        reasons.append(
            {
                "kind": "gate",
                "level": target,
                "message": f"PCRS {level}: {'Level ' + target if target != 'RDL' else 'RDL'} held back: "
                f"{gate_text(held, on)}",
            }
        )
    elif target is not None:
        reasons += [
            {"kind": "missing", "level": target, "message": f"PCRS {level}: {text}"}
            for text in lacking[target]
        ]

    updates = sorted(m.dated_on for m in known if m.kind == "update" and m.dated_on >= pledge.pledged_on)
    if updates:
        due_on = add_months(updates[-1], settings.update_months)
        since = (
            f"not updated in the {settings.update_months} months since the update of "
            f"{updates[-1].isoformat()}"
        )
    else:
        due_on = add_months(pledge.pledged_on, settings.first_update_months)
        since = (
            f"not updated in the {settings.first_update_months} months since registration on "
            f"{pledge.pledged_on.isoformat()}"
        )
    notes = []
    if on >= due_on:
        notes.append(
            {"kind": "renewal_due", "message": f"PCRS pledge update due since {due_on.isoformat()}: {since}"}
        )

    checklist = [
        {"level": "1", "item": k, "label": label(k), "done": k in latest, "on": latest.get(k)}
        for k in DOCUMENTS
    ]
    checklist.append(
        {
            "level": "2",
            "item": "aav",
            "label": label("aav"),
            "done": not lacking["2"],
            "on": aav.dated_on if aav else None,
            "result": aav.result if aav else None,
        }
    )
    checklist += [
        {"level": "3", "item": k, "label": label(k), "done": k in latest, "on": latest.get(k)}
        for k in COMMITMENTS
    ]
    checklist += [
        {
            "level": "RDL",
            "item": "rdl_verification",
            "label": label("rdl_verification"),
            "done": rdl is not None and rdl.result == "successful",
            "on": rdl.dated_on if rdl else None,
            "result": rdl.result if rdl else None,
        },
        {
            "level": "RDL",
            "item": "rdl_agreement",
            "label": label("rdl_agreement"),
            "done": "rdl_agreement" in latest,
            "on": latest.get("rdl_agreement"),
        },
        {
            "level": "RDL",
            "item": "days_to_deploy",
            "label": f"deployable within {settings.rdl_max_days} days",
            "done": days is not None and days <= settings.rdl_max_days,
            "on": None,
            "days": days,
        },
    ]
    return {
        "level": level,
        "level_by_records": PCRS_LEVELS[by_records],
        "pledge": {
            "id": pledge.id,
            "capability": pledge.capability,
            "strength": pledge.strength,
            "pledged_on": pledge.pledged_on,
            "days_to_deploy": days,
            "withdrawn_on": pledge.withdrawn_on,
        },
        "checklist": checklist,
        "renewal_due_on": due_on,
        "renewal_due": on >= due_on,
        "gates": keeper.checked,
        "notes": notes,
        "reasons": reasons,
    }
