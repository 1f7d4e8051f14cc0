"""Rules 8–10 in Python, on the counts the SQL of `readiness.engine.rules` gives: a unit's
percentages, its P, T and combined levels with what the next level needs, and the forecast's
points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class Band:
    """Where a percentage stands among the bands of one scale (P or T)."""

    level: str | None
    rank: int | None  # 1 best … 4 worst; None without a percentage
    next_level: str | None  # the level above, None at the top
    needs: Fraction | None  # the lowest percentage of the level above
    short: int | None  # how many more people the level above takes


def percent(part: int, whole: int) -> Fraction | None:
    """Return 100·part/whole exactly, or None when whole is 0."""
    return None if whole == 0 else Fraction(100 * part, whole)


def display_pct(value: Fraction | None) -> float | None:
    """Round a percentage to one decimal for display (half away from zero)."""
    if value is None:
        return None
    tenths = value * 10
    return float(int(tenths + Fraction(1, 2))) / 10


def band(prefix: str, part: int, whole: int, bands: Any) -> Band:
    """Place 100·part/whole among `bands` (lowest percentage of levels 1, 2, 3)."""
    limits = [Fraction(str(b)) for b in bands]
    pct = percent(part, whole)
    if pct is None:
        return Band(None, None, None, None, None)
    rank = next((i + 1 for i, limit in enumerate(limits) if pct >= limit), len(limits) + 1)
    if rank == 1:
        return Band(f"{prefix}-1", 1, None, None, None)
    needs = limits[rank - 2]
    # The fewest people for the level above: smallest n with 100·n/whole ≥ needs.
    target = -(-needs * whole // 100)
    return Band(f"{prefix}-{rank}", rank, f"{prefix}-{rank - 1}", needs, int(target) - part)


def combined_level(p_rank: int | None, t_rank: int | None) -> str | None:
    """Return `C-n` with n the worse of the two ranks, or the one that exists (rule 9)."""
    ranks = [r for r in (p_rank, t_rank) if r is not None]
    return f"C-{max(ranks)}" if ranks else None


def p_band(assigned: int, authorized: int) -> Band:
    """Return the personnel band of a unit."""
    return band("P", assigned, authorized, current_app.config["P_BANDS"])


def t_band(qualified: int, assigned: int) -> Band:
    """Return the training band of a unit."""
    return band("T", qualified, assigned, current_app.config["T_BANDS"])


# ---- rule 10: forecast points ---------------------------------------------------------------

def forecast_points(start: date, qualified_at_start: int, drops: dict[date, int]) -> list[tuple[date, int]]:
    """Return (date, qualified) at `start` and on every later date where `qualified` changes."""
    points, qualified = [(start, qualified_at_start)], qualified_at_start
    for day in sorted(d for d in drops if d > start):
        if drops[day]:
            qualified -= drops[day]
            points.append((day, qualified))
    return points
