"""The SVG charts: well-formed, readable without a browser's scripts, and saying what they show."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from readiness.dashboard.charts import forecast_svg, trend_svg


def parse(svg: str) -> ET.Element:
    """Parse a chart (our own output, not untrusted input)."""
    return ET.fromstring(svg)  # noqa: S314 - our own output


NS = {"svg": "http://www.w3.org/2000/svg"}


def _forecast(first_drop: date | None = date(2026, 7, 14)) -> dict:
    return {"unit": "BN<1>", "from": "2026-03-01", "to": "2027-03-01", "first_drop": first_drop,
            "points": [{"date": date(2026, 3, 1), "qualified": 9, "qualified_pct": 90.0, "level": "C-1"},
                       {"date": date(2026, 7, 14), "qualified": 7, "qualified_pct": 70.0, "level": "C-3"}]}


def test_forecast_is_well_formed_svg_with_title_and_description():
    root = parse(forecast_svg(_forecast()))
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text == "Forecast of BN<1>, 1 Mar 2026 to 1 Mar 2027"
    desc = root.find("svg:desc", NS).text
    assert "Qualified 90.0% on 1 Mar 2026 (C-1)" in desc
    assert "First drop on 14 Jul 2026" in desc


def test_forecast_marks_the_first_drop_with_its_level():
    svg = forecast_svg(_forecast())
    assert "First drop 14 Jul 2026: C-3" in svg
    assert "<script" not in svg
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_forecast_without_a_drop_says_so_and_draws_no_marker():
    svg = forecast_svg(_forecast(first_drop=None))
    assert "No drop in level" in svg
    assert "First drop" not in svg


def test_forecast_draws_every_band_label_and_each_point_with_a_tooltip():
    root = parse(forecast_svg(_forecast(), bands=(85, 75, 65)))
    labels = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"T-1", "T-2", "T-3", "T-4"} <= labels
    tips = [c.find("svg:title", NS).text for c in root.iter("{http://www.w3.org/2000/svg}circle")]
    assert tips == ["1 Mar 2026: 90.0% qualified (9 people), C-1",
                    "14 Jul 2026: 70.0% qualified (7 people), C-3"]


def test_forecast_of_a_unit_without_people_says_there_is_nothing_to_forecast():
    forecast = {"unit": "X", "from": "2026-03-01", "to": "2027-03-01", "first_drop": None,
                "points": [{"date": "2026-03-01", "qualified": 0, "qualified_pct": None, "level": None}]}
    assert "nothing to forecast" in forecast_svg(forecast)


def test_trend_without_history_says_so():
    svg = trend_svg([], start=date(2026, 1, 1), end=date(2026, 3, 1))
    parse(svg)
    assert "No history yet" in svg


def test_trend_draws_qualified_and_manning_lines():
    root = parse(trend_svg([
        {"date": "2026-01-01", "qualified_pct": 80.0, "manning_pct": 92.0, "level": "C-2"},
        {"date": "2026-02-01", "qualified_pct": 84.0, "manning_pct": 93.0, "level": "C-2"}]))
    lines = [p.find("svg:title", NS).text for p in root.iter("{http://www.w3.org/2000/svg}path")]
    assert lines == ["qualified", "manning"]
    assert "84.0% qualified, C-2" in root.find("svg:desc", NS).text
