"""Where a unit stands in NATO OCC Evaluation & Feedback on a date, and why not higher.

Each step's latest evaluation concluded by the date (an outcome, ended on or before it)
decides the step: `passed` (interoperable; `lapsed` once its re-evaluation due date has
gone by), `not_passed` (partially or not interoperable) or `not_evaluated`. The stage is the
highest step passed in order: walking SEL-1 → NEL-2 while steps are passed, a lapsed step is
covered by a higher step passed after it. A gate may hold the stage back (readiness.interop.gates).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from readiness.interop.gates import Gate, GateKeeper, Levels, gate_text
from readiness.interop.models import STEPS, label


def _concluded(evaluation: Any, on: date) -> bool:
    return evaluation.outcome is not None and evaluation.ended_on <= on


def _pending(evaluation: Any, on: date) -> dict[str, Any]:
    if evaluation.started_on > on:
        state, text = "scheduled", f"scheduled for {evaluation.started_on.isoformat()}"
    elif evaluation.ended_on > on:
        state, text = (
            "in_progress",
            (
                f"in progress since {evaluation.started_on.isoformat()}, "
                f"ends {evaluation.ended_on.isoformat()}"
            ),
        )
    else:
        state, text = (
            "awaiting_outcome",
            (
                f"held {evaluation.started_on.isoformat()} to "
                f"{evaluation.ended_on.isoformat()}, outcome not yet recorded"
            ),
        )
    return {
        "evaluation": evaluation.id,
        "state": state,
        "started_on": evaluation.started_on,
        "ended_on": evaluation.ended_on,
        "message": text,
    }


def _step(step: str, evaluations: list[Any], on: date) -> dict[str, Any]:
    """Return a step's state on `on`: its latest concluded evaluation decides, a newer open one is pending."""
    order = sorted(evaluations, key=lambda e: (e.started_on, e.ended_on, e.id or 0))
    concluded = [e for e in order if _concluded(e, on)]
    latest = max(concluded, key=lambda e: (e.ended_on, e.started_on, e.id or 0)) if concluded else None
    pending = next(
        (e for e in order if not _concluded(e, on) and (latest is None or e.started_on > latest.started_on)),
        None,
    )
    if latest is None:
        state = "not_evaluated"
    elif latest.outcome != "interoperable":
        state = "not_passed"
    elif latest.re_evaluation_due is not None and on > latest.re_evaluation_due:
        state = "lapsed"
    else:
        state = "passed"
    return {
        "step": step,
        "state": state,
        "evaluation": latest.id if latest else None,
        "outcome": latest.outcome if latest else None,
        "started_on": latest.started_on if latest else None,
        "ended_on": latest.ended_on if latest else None,
        "re_evaluation_due": latest.re_evaluation_due if latest else None,
        "evaluators": list(latest.evaluators or []) if latest else [],
        "pending": _pending(pending, on) if pending else None,
    }


def _due_text(due: date | None, on: date) -> str:
    if due is None:
        return ""
    return f"; re-evaluation {'was ' if on > due else ''}due {due.isoformat()}"


def occ_status(
    evaluations: Iterable[Any], on: date, gates: dict[str, Gate], levels: Levels, warning_days: int = 90
) -> dict[str, Any]:
    """Return the OCC stage on `on`, every step's state, and why the stage is not higher."""
    by_step: dict[str, list[Any]] = {s: [] for s in STEPS}
    for evaluation in evaluations:
        by_step[evaluation.step].append(evaluation)
    steps = [_step(s, by_step[s], on) for s in STEPS]

    stage, stop = -1, len(STEPS)  # the stage's index; the first step not passed
    for i, s in enumerate(steps):
        if s["state"] not in ("passed", "lapsed"):
            stop = i
            break
        if s["state"] == "passed":
            stage = i
    by_records = stage
    keeper = GateKeeper(gates, levels)
    held = None
    for i in range(by_records + 1):
        if (check := keeper.holds(f"OCC {STEPS[i]}")) is not None:
            stage, held = i - 1, (STEPS[i], check)
            break

    head = f"OCC {STEPS[stage]} passed; " if stage >= 0 else "OCC: no step passed; "
    reasons: list[dict[str, Any]] = []
    if held is not None:
        step, check = held
        reasons.append(
            {
                "kind": "gate",
                "step": step,
                "message": f"{head}{step} passed but held back: {gate_text(check, on)}",
            }
        )
    else:
        for s in steps[stage + 1 : stop]:  # lapsed steps above the stage
            reasons.append(
                {
                    "kind": "lapsed",
                    "step": s["step"],
                    "message": f"{head}{s['step']} lapsed: re-evaluation was due "
                    f"{s['re_evaluation_due'].isoformat()}",
                }
            )
        if stop < len(STEPS):
            s = steps[stop]
            pending = s["pending"]
            if s["state"] == "not_evaluated":
                text = f"{s['step']} not yet evaluated" + (f" ({pending['message']})" if pending else "")
                kind = "not_evaluated"
            else:
                text = (
                    f"{s['step']} {label(s['outcome'])} on {s['ended_on'].isoformat()}"
                    + _due_text(s["re_evaluation_due"], on)
                    + (f"; re-evaluation {pending['message']}" if pending else "")
                )
                kind = "not_passed"
            reasons.append({"kind": kind, "step": s["step"], "message": head + text})
    for s in steps[stop + 1 :]:
        if s["state"] == "passed":
            reasons.append(
                {
                    "kind": "out_of_order",
                    "step": s["step"],
                    "message": f"OCC {s['step']} passed on {s['ended_on'].isoformat()} counts once "
                    f"{STEPS[stop]} is passed",
                }
            )

    notes = []
    due = steps[stage]["re_evaluation_due"] if stage >= 0 else None
    if due is not None and due - on <= timedelta(days=warning_days):
        notes.append(
            {
                "kind": "re_evaluation_due",
                "step": STEPS[stage],
                "message": f"OCC {STEPS[stage]} re-evaluation due {due.isoformat()}",
            }
        )
    return {
        "stage": STEPS[stage] if stage >= 0 else "none",
        "stage_by_records": STEPS[by_records] if by_records >= 0 else "none",
        "steps": steps,
        "reasons": reasons,
        "notes": notes,
        "gates": keeper.checked,
    }
