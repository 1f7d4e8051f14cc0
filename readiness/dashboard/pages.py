"""What each readiness page shows, as plain data: the engine's answers plus labels and navigation.

Numbers come from the engine (`readiness.engine.services`) untouched; this module only
adds names, order and the dates the user asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from markupsafe import Markup

from readiness.auth.scope import scope_path
from readiness.dashboard import charts, queries
from readiness.engine import rules, services
from readiness.interop import status as interop_status
from readiness.units.models import Unit

FORECAST_DAYS = 365
#: Children table columns: sort key, heading, numeric, first direction ('-': descending).
#: Levels start worst first and percentages lowest first: what drags the unit down comes first.
SORT_COLUMNS = (("code", "Unit", False, ""), ("level", "Level", False, "-"),
                ("manning_pct", "Manning", True, ""), ("qualified_pct", "Qualified", True, ""),
                ("assigned", "Assigned", True, "-"))
SORT_KEYS = ("code", "name", "level", "authorized", "assigned", "manning_pct", "qualified", "qualified_pct")
DEFAULT_SORT = "-level"


@dataclass
class Dates:
    """The dates a page is for, as asked and as understood, with a message per bad field."""

    today: date
    as_of: date
    deploy_on: date | None = None
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> date:
        """The date deployment-day lapses are counted from: the as-of date, or today if it is past."""
        return max(self.as_of, self.today)

    def query(self, **extra: Any) -> dict[str, Any]:
        """Return the query arguments that keep these dates (valid ones only) on a link."""
        args: dict[str, Any] = {}
        if "as_of" not in self.errors and self.raw.get("as_of"):
            args["as_of"] = self.as_of.isoformat()
        if self.deploy_on is not None:
            args["deploy_on"] = self.deploy_on.isoformat()
        return {**args, **{k: v for k, v in extra.items() if v not in (None, "")}}


def _parse(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_dates(args: Any, today: date) -> Dates:
    """Read `as_of` and `deploy_on` from a query string; a bad one is reported and set aside."""
    raw = {name: (args.get(name) or "").strip() for name in ("as_of", "deploy_on")}
    dates = Dates(today=today, as_of=today, raw=raw)
    if raw["as_of"]:
        parsed = _parse(raw["as_of"])
        if parsed is None or len(raw["as_of"]) != 10:
            dates.errors["as_of"] = (f"“{raw['as_of']}” is not a date: use YYYY-MM-DD, e.g. "
                                     f"{today.isoformat()}. Showing today.")
        elif parsed.year < 1900:
            dates.errors["as_of"] = "Pick a date from 1900 on. Showing today."
        else:
            dates.as_of = parsed
    if raw["deploy_on"]:
        parsed = _parse(raw["deploy_on"])
        if parsed is None or len(raw["deploy_on"]) != 10:
            dates.errors["deploy_on"] = f"“{raw['deploy_on']}” is not a date: use YYYY-MM-DD."
        elif parsed <= dates.base:
            dates.errors["deploy_on"] = (f"The deployment day must come after {dates.base.isoformat()} "
                                         "(the as-of date, or today when that is in the past).")
        elif (parsed - today).days > services.MAX_FORECAST_DAYS:
            dates.errors["deploy_on"] = f"Pick a day within {services.MAX_FORECAST_DAYS // 366} years."
        else:
            dates.deploy_on = parsed
    return dates


def read_sort(value: str | None) -> str:
    """Return a known sort key (with its direction), or the default: worst level first."""
    if value and value.lstrip("-") in SORT_KEYS:
        return value
    return DEFAULT_SORT


def sort_heads(sort: str) -> list[dict[str, Any]]:
    """Return the children table's headings: each links to its sort, the active one toggles."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    heads = []
    for column, label, numeric, first in SORT_COLUMNS:
        active = column == key
        following = ("" if descending else "-") if active else first
        heads.append({"key": column, "label": label, "numeric": numeric, "active": active,
                      "direction": "descending" if descending else "ascending", "next": following + column})
    return heads


def _sorted_children(children: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    key, reverse = sort.lstrip("-"), sort.startswith("-")
    present = [c for c in children if c.get(key) is not None]
    absent = [c for c in children if c.get(key) is None]
    # Ties keep code order; units without a value (no posts, no people) always come last.
    present.sort(key=lambda c: c["code"])
    if key == "level":  # within a level, the lower qualified share is the worse
        present.sort(key=lambda c: (level_rank(c["level"]), -(c["qualified_pct"] or 0)), reverse=reverse)
    else:
        present.sort(key=lambda c: c[key], reverse=reverse)
    return present + sorted(absent, key=lambda c: c["code"])


def level_rank(level: str | None) -> int | None:
    """Return 1–4 from 'C-2', 'P-3' or 'T-1'; None for no level."""
    return int(level.split("-")[1]) if level else None


def crumbs(user: Any, unit: Unit) -> list[tuple[str, str]]:
    """Return (code, name) of the units above `unit` that the user may open, root first."""
    return queries.ancestors(unit, scope_path(user))


def unit_page(user: Any, unit: Unit, dates: Dates, sort: str) -> dict[str, Any]:
    """Gather the unit page: readiness on the date, children, forecast, trend, deployment day."""
    readiness = services.unit_readiness(unit, dates.as_of)
    names = queries.unit_names({c["unit"] for c in readiness["children"]})
    children = [{**c, "code": c["unit"], "name": names[c["unit"]][0], "kind": names[c["unit"]][1]}
                for c in readiness["children"]]
    labels = queries.requirement_labels({r["id"] for r in readiness["requirements"]})
    requirements = sorted(
        ({**r, "title": labels[r["id"]].title, "scope": labels[r["id"]].scope,
          "held_back": r["expired"] + r["missing"] + r["insufficient"]} for r in readiness["requirements"]),
        key=lambda r: (-r["held_back"], -r["expiring"], r["target"]))
    bands = current_app.config["T_BANDS"]

    start = dates.base
    forecast = services.forecast(unit, start, start + timedelta(days=FORECAST_DAYS))
    history_start = dates.today - timedelta(days=FORECAST_DAYS)
    history = queries.trend(unit, history_start, dates.today)
    deploy = None
    if dates.deploy_on is not None:
        deploy = {"readiness": deploy_readiness(unit, dates),
                  "lapses": queries.lapses(unit.path, dates.base, dates.deploy_on, page=1, per_page=10)}
    return {
        "unit": unit, "readiness": readiness, "children": _sorted_children(children, sort),
        "requirements": requirements, "sort": sort, "crumbs": crumbs(user, unit),
        "sort_heads": sort_heads(sort), "sort_label": sort.lstrip("-").replace("_pct", " %"),
        "keep": {} if sort == DEFAULT_SORT else {"sort": sort},
        "forecast": forecast, "deploy": deploy,
        "forecast_svg": Markup(charts.forecast_svg(forecast, bands, width=600, height=300)),  # noqa: S704 - built with escaping
        "history": history, "history_stored": queries.has_history_table(),
        "trend_svg": Markup(charts.trend_svg(history, bands, start=history_start, end=dates.today))  # noqa: S704
        if history else None,
        "bands": {"P": current_app.config["P_BANDS"], "T": bands},
        "interop": interop_status.unit_status(unit, dates.as_of, readiness),
    }


def default_horizon(on: date) -> date:
    """Return how far ahead the gap list looks without a deployment day: the expiry warning window."""
    return on + timedelta(days=rules.warning_days())


def deploy_readiness(unit: Unit, dates: Dates) -> dict[str, Any] | None:
    """Return the unit's readiness on the deployment day, if one was given."""
    return services.unit_readiness(unit, dates.deploy_on) if dates.deploy_on else None
