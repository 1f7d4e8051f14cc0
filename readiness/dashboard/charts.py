"""Readiness charts as SVG strings, drawn on the server: the same chart in a page and in a PDF.

Pure functions on plain data (the engine's answers, or their JSON), no request, no
database, no JavaScript and nothing fetched: an SVG with its own <title>/<desc> for
screen readers and a <title> per point for the browser's native tooltip. Only plain
shapes, presentation attributes and one font family, so WeasyPrint draws it too.

    forecast_svg(services.forecast(unit, start, end), bands=(85, 75, 65))
    trend_svg([{"date": ..., "qualified_pct": ..., "level": ...}, ...], bands=(85, 75, 65))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr

FONT = "DejaVu Sans, Arial, sans-serif"
INK, MUTED, GRID, DROP = "#1d2733", "#5b6775", "#c7ced6", "#a4262c"
LINE = "#1f4e79"
#: Fill of each training band, best to worst (pale, so the line and text stay readable).
BAND_FILLS = ("#dcefe0", "#f6efc8", "#fbe1c6", "#f6d4d2")
#: Badge colours of the levels 1–4 (background, text), shared with the pages' CSS.
LEVEL_COLOURS = {1: ("#1b7f3b", "#ffffff"), 2: ("#f0c419", "#1d2733"),
                 3: ("#e07b00", "#1d2733"), 4: ("#b3261e", "#ffffff")}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class _Frame:
    """Where the plot area lies and how dates and percentages map onto it."""

    width: int
    height: int
    start: date
    end: date
    low: float  # the percentage at the bottom of the plot
    left: int = 46
    right: int = 44
    top: int = 26
    bottom: int = 30

    @property
    def plot_w(self) -> float:
        """Width of the plot area."""
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        """Height of the plot area."""
        return self.height - self.top - self.bottom

    def x(self, day: date) -> float:
        """Return the x of a day (clamped to the frame)."""
        span = max((self.end - self.start).days, 1)
        offset = min(max((day - self.start).days, 0), span)
        return round(self.left + self.plot_w * offset / span, 1)

    def y(self, pct: float) -> float:
        """Return the y of a percentage (clamped to the frame)."""
        pct = min(max(pct, self.low), 100.0)
        return round(self.top + self.plot_h * (100.0 - pct) / (100.0 - self.low), 1)


def as_date(value: Any) -> date:
    """Accept a date or its ISO text (the engine's answer or its JSON)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def long_date(day: date) -> str:
    """Return '1 Mar 2026'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _pct(value: float | None) -> str:
    return "no one assigned" if value is None else f"{value:.1f}%"


def _low(values: Sequence[float], bands: Sequence[float]) -> float:
    """The bottom of the scale: ten points under the lowest band or value, in tens, ≥ 0."""
    lowest = min([*values, *bands]) if (values or bands) else 0.0
    return max(0.0, (int(lowest) // 10 - 1) * 10.0)


def _attrs(**attrs: Any) -> str:
    return "".join(f" {k.rstrip('_').replace('_', '-')}={quoteattr(str(v))}"
                   for k, v in attrs.items() if v is not None)


def _el(tag: str, body: str | None = None, **attrs: Any) -> str:
    if body is None:
        return f"<{tag}{_attrs(**attrs)}/>"
    return f"<{tag}{_attrs(**attrs)}>{body}</{tag}>"


def _text(x: float, y: float, text: str, *, size: int = 11, fill: str = MUTED, anchor: str = "start",
          weight: str | None = None) -> str:
    return _el("text", escape(text), x=x, y=y, font_size=size, fill=fill, text_anchor=anchor,
               font_weight=weight, font_family=FONT)


def _open(frame: _Frame, id_prefix: str, title: str, desc: str) -> str:
    ids = f"{id_prefix}-title {id_prefix}-desc"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"'
            f'{_attrs(width=frame.width, height=frame.height, viewBox=f"0 0 {frame.width} {frame.height}")}'
            f' aria-labelledby="{ids}">')
    return (head + _el("title", escape(title), id=f"{id_prefix}-title")
            + _el("desc", escape(desc), id=f"{id_prefix}-desc")
            + _el("rect", x=0, y=0, width=frame.width, height=frame.height, fill="#ffffff"))


def _bands(frame: _Frame, bands: Sequence[float], prefix: str) -> list[str]:
    """Pale horizontal bands, one per level, labelled at the right."""
    out = []
    limits = [100.0, *[float(b) for b in bands], frame.low]
    for i in range(len(limits) - 1):
        top, bottom = limits[i], max(limits[i + 1], frame.low)
        if top <= frame.low:
            continue
        y0, y1 = frame.y(top), frame.y(bottom)
        out.append(_el("rect", x=frame.left, y=y0, width=round(frame.plot_w, 1), height=round(y1 - y0, 1),
                       fill=BAND_FILLS[min(i, len(BAND_FILLS) - 1)]))
        if y1 - y0 >= 10:
            out.append(_text(frame.left + frame.plot_w + 6, (y0 + y1) / 2 + 4, f"{prefix}-{i + 1}",
                             size=10, weight="bold"))
    return out


def _axes(frame: _Frame, bands: Sequence[float]) -> list[str]:
    """Percentage gridlines at the band limits and 100, month ticks along the bottom."""
    out = []
    bottom = frame.top + frame.plot_h
    for pct in sorted({100.0, frame.low, *[float(b) for b in bands if b > frame.low]}):
        y = frame.y(pct)
        out.append(_el("line", x1=frame.left, y1=y, x2=frame.left + round(frame.plot_w, 1), y2=y,
                       stroke=GRID, stroke_width=1))
        out.append(_text(frame.left - 6, y + 4, f"{pct:g}%", size=10, anchor="end"))
    day = date(frame.start.year, frame.start.month, 1)
    months = []
    while day <= frame.end:
        if day >= frame.start:
            months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    step = 1 if len(months) <= 14 else 2 if len(months) <= 28 else 3 if len(months) <= 40 else 6
    room = frame.plot_w / max(len(months), 1) * step  # the space between two labels
    last_end = float("-inf")
    for i, month in enumerate(months):
        x = frame.x(month)
        out.append(_el("line", x1=x, y1=bottom, x2=x, y2=bottom + 4, stroke=MUTED, stroke_width=1))
        with_year = month.month == 1 or i == 0
        label = MONTHS[month.month - 1] + (f" {month.year}" if with_year and room >= 44 else "")
        half = len(label) * 3.2  # about half the width of 10px text
        if i % step == 0 and x - half > last_end + 4:
            out.append(_text(x, bottom + 16, label, size=10, anchor="middle"))
            last_end = x + half
    out.append(_el("line", x1=frame.left, y1=bottom, x2=frame.left + round(frame.plot_w, 1), y2=bottom,
                   stroke=MUTED, stroke_width=1))
    return out


def _message(frame: _Frame, id_prefix: str, title: str, message: str) -> str:
    body = [_open(frame, id_prefix, title, message),
            _el("rect", x=frame.left, y=frame.top, width=round(frame.plot_w, 1),
                height=round(frame.plot_h, 1), fill="#f5f7fa", stroke=GRID),
            _text(frame.width / 2, frame.top + frame.plot_h / 2 + 4, message, size=13, anchor="middle")]
    return "".join(body) + "</svg>"


def forecast_svg(forecast: Mapping[str, Any], bands: Sequence[float] = (85, 75, 65), width: int = 720,
                 height: int = 240, *, id_prefix: str = "forecast", title: str | None = None) -> str:
    """Draw the engine's forecast: qualified % as steps over the training bands, the first drop marked.

    `forecast` is `engine.services.forecast(...)` or its JSON; `bands` the lowest percentage
    of T-1, T-2, T-3 (config T_BANDS).
    """
    start, end = as_date(forecast["from"]), as_date(forecast["to"])
    points = [(as_date(p["date"]), p["qualified_pct"], p.get("level"), p.get("qualified"))
              for p in forecast["points"]]
    title = title or f"Forecast of {forecast['unit']}, {long_date(start)} to {long_date(end)}"
    values = [p[1] for p in points if p[1] is not None]
    frame = _Frame(width, height, start, max(end, start + timedelta(days=1)), _low(values, bands))
    if not values:
        return _message(frame, id_prefix, title, "No one is assigned: there is nothing to forecast.")
    first_drop = as_date(forecast["first_drop"]) if forecast.get("first_drop") else None
    last = points[-1]
    desc = (f"Qualified {_pct(points[0][1])} on {long_date(start)}"
            f" ({points[0][2] or 'no level'}), {_pct(last[1])} on {long_date(end)}."
            + (f" First drop on {long_date(first_drop)}." if first_drop else " No drop in level."))
    parts = [_open(frame, id_prefix, title, desc), *_bands(frame, bands, "T"), *_axes(frame, bands)]

    # Steps: the value holds until the next change.
    path = []
    for i, (day, pct, _, _) in enumerate(points):
        x, y = frame.x(day), frame.y(pct if pct is not None else frame.low)
        path.append(f"M{x},{y}" if i == 0 else f"V{y}")
        nxt = points[i + 1][0] if i + 1 < len(points) else frame.end
        path.append(f"H{frame.x(nxt)}")
    parts.append(_el("path", d="".join(path), fill="none", stroke=LINE, stroke_width=2.5,
                     stroke_linejoin="round"))
    # A dot per change while they stay apart; the title on each is the browser's tooltip.
    for day, pct, level, qualified in points if len(points) <= 40 else []:
        tip = f"{long_date(day)}: {_pct(pct)} qualified" + (f" ({qualified} people)" if qualified is not None
                                                           else "") + (f", {level}" if level else "")
        parts.append(_el("circle", _el("title", escape(tip)), cx=frame.x(day),
                         cy=frame.y(pct if pct is not None else frame.low), r=3, fill=LINE))

    if first_drop is not None:
        x = frame.x(first_drop)
        level = next((p[2] for p in points if p[0] == first_drop), None)
        label = f"First drop {long_date(first_drop)}" + (f": {level}" if level else "")
        parts.append(_el("line", x1=x, y1=frame.top - 4, x2=x, y2=frame.top + round(frame.plot_h, 1),
                         stroke=DROP, stroke_width=2, stroke_dasharray="5 3"))
        anchor = "end" if x > frame.left + frame.plot_w * 0.6 else "start"
        parts.append(_text(x + (-5 if anchor == "end" else 5), frame.top - 9, label, size=11, fill=DROP,
                           anchor=anchor, weight="bold"))
    return "".join(parts) + "</svg>"


def trend_svg(points: Sequence[Mapping[str, Any]], bands: Sequence[float] = (85, 75, 65), width: int = 720,
              height: int = 240, *, start: date | None = None, end: date | None = None,
              id_prefix: str = "trend", title: str = "Readiness over time") -> str:
    """Draw past daily snapshots: qualified % (solid) and manning % (dashed) over the training bands.

    Each point: `date`, `qualified_pct`, optional `manning_pct` and `level`. Without
    points it says there is no history yet.
    """
    rows = sorted(((as_date(p["date"]), p.get("qualified_pct"), p.get("manning_pct"), p.get("level"))
                   for p in points), key=lambda r: r[0])
    first = start or (rows[0][0] if rows else date.today())
    last = end or (rows[-1][0] if rows else first + timedelta(days=30))
    values = [v for r in rows for v in (r[1], r[2]) if v is not None]
    frame = _Frame(width, height, first, max(last, first + timedelta(days=1)), _low(values, bands))
    if not values:
        return _message(frame, id_prefix, title,
                        "No history yet: daily snapshots start once the scheduler runs.")
    desc = (f"From {long_date(rows[0][0])} ({_pct(rows[0][1])} qualified) to {long_date(rows[-1][0])} "
            f"({_pct(rows[-1][1])} qualified, {rows[-1][3] or 'no level'}).")
    parts = [_open(frame, id_prefix, title, desc), *_bands(frame, bands, "T"), *_axes(frame, bands)]
    for index, dash, label in ((1, None, "qualified"), (2, "6 4", "manning")):
        series = [(r[0], r[index]) for r in rows if r[index] is not None]
        if not series:
            continue
        d = "".join(f"{'M' if i == 0 else 'L'}{frame.x(day)},{frame.y(v)}"
                    for i, (day, v) in enumerate(series))
        parts.append(_el("path", _el("title", escape(label)), d=d, fill="none",
                         stroke=LINE if index == 1 else MUTED, stroke_width=2.5 if index == 1 else 1.5,
                         stroke_dasharray=dash))
    # A legend for the two lines, top left.
    parts.append(_el("line", x1=frame.left, y1=12, x2=frame.left + 18, y2=12, stroke=LINE, stroke_width=2.5))
    parts.append(_text(frame.left + 22, 16, "Qualified %", size=10))
    parts.append(_el("line", x1=frame.left + 100, y1=12, x2=frame.left + 118, y2=12, stroke=MUTED,
                     stroke_width=1.5, stroke_dasharray="6 4"))
    parts.append(_text(frame.left + 122, 16, "Manning %", size=10))
    return "".join(parts) + "</svg>"
