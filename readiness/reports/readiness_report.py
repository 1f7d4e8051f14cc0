"""Readiness reports of a unit on a date, as PDF: built as plain data, then rendered.

Cover (levels and reasons), forecast and trend charts, requirement and sub-unit tables
are laid out by WeasyPrint from templates/pdf/report.html. In the full edition, the
people with gaps follow, grouped by sub-unit, drawn by readiness.reports.annex (a
5,000-person listing in about a second instead of half a minute). The partner edition
holds aggregates only: no names, service numbers or other personal data.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from sqlalchemy import select

from readiness.dashboard import charts, queries
from readiness.engine import rules, services
from readiness.extensions import db
from readiness.interop import status as interop_status
from readiness.personnel.models import Person
from readiness.reports import annex, fonts, pdf
from readiness.reports.certificates import long_date
from readiness.units.models import Unit

FORECAST_DAYS = 365
TREND_DAYS = 365
STYLESHEETS = ("report.css",)
EDITION_NAMES = {"full": "Full edition — contains personal data",
                 "partner": "Partner edition — aggregates only, no personal data"}
#: Statuses that keep a person from being qualified (rule 7), listed first.
GAPS = ("expired", "missing", "insufficient")


@dataclass(frozen=True)
class PersonGaps:
    """A person who is not qualified on the date, and why."""

    service_number: str
    rank: str
    name: str
    role: str
    gaps: str


@dataclass(frozen=True)
class SubUnit:
    """The people with gaps of one unit of the subtree."""

    code: str
    name: str
    people: list[PersonGaps]


@dataclass
class ReportData:
    """Everything a readiness report prints; templates see nothing else."""

    document_id: str
    generated_at: datetime
    edition: str
    unit_code: str
    unit_name: str
    unit_kind: str
    as_of: date
    authority: str
    readiness: dict[str, Any]
    reasons: list[str]
    requirements: list[dict[str, Any]]
    children: list[dict[str, Any]]
    forecast_svg: str
    forecast_from: date
    forecast_to: date
    first_drop: date | None
    trend_svg: str
    bands: dict[str, Any]
    groups: list[SubUnit] = field(default_factory=list)
    interop: dict[str, Any] | None = None  # OCC E&F stage and PCRS level (readiness.interop.status)

    @property
    def title(self) -> str:
        """The document title, also its PDF metadata."""
        return f"Readiness report — {self.unit_code} {self.unit_name} — {long_date(self.as_of)}"

    @property
    def edition_name(self) -> str:
        """What the edition holds, in words."""
        return EDITION_NAMES[self.edition]

    @property
    def people_listed(self) -> int:
        """How many people the annex lists."""
        return sum(len(g.people) for g in self.groups)

    @property
    def footer(self) -> str:
        """The running foot: document id and generation time."""
        return f"Document {self.document_id} · generated {self.generated_at:%Y-%m-%d %H:%M} UTC"

    @property
    def header(self) -> str:
        """The running head."""
        return f"Readiness report · {self.unit_code} {self.unit_name} · as of {long_date(self.as_of)} · " \
               f"{self.edition} edition"

    def long(self, day: date | None) -> str:
        """Format a date."""
        return long_date(day) if day else "—"


def _document_id(unit: Unit, on: date) -> str:
    return f"RR-{unit.code}-{on:%Y%m%d}-{secrets.token_hex(3).upper()}"


def _chart(svg: str) -> str:
    # The charts name common system fonts; a PDF uses only the shipped ones.
    return svg.replace(charts.FONT, fonts.family_css("sans").replace('"', ""))


def _people_with_gaps(unit: Unit, on: date) -> list[SubUnit]:
    """Return the assigned people not qualified on `on`, by unit of the subtree in tree order."""
    matrix = queries.matrix(queries.MatrixFilters(path=unit.path), on, page=None)
    labels = {r.id: r.target for r in matrix.requirements}
    by_person: dict[int, list[tuple[int, str, str, date | None]]] = {}
    for (pid, rid), (status, expires) in matrix.cells.items():
        if status != "valid":
            order = GAPS.index(status) if status in GAPS else len(GAPS)
            by_person.setdefault(pid, []).append((order, labels.get(rid, str(rid)), status, expires))
    failing = [p for p in matrix.people if any(o < len(GAPS) for o, *_ in by_person.get(p.id, []))]
    if not failing:
        return []
    patronymics = {}
    ids = [p.id for p in failing]
    for start in range(0, len(ids), 1000):
        patronymics.update(db.session.execute(
            select(Person.id, Person.patronymic).where(Person.id.in_(ids[start:start + 1000]))).all())
    names = queries.unit_names({p.unit for p in failing})
    groups: dict[str, list[PersonGaps]] = {}
    for p in failing:
        items = sorted(by_person[p.id])
        gaps = "; ".join(
            f"{target} {status}" + (f" {expires.isoformat()}" if expires and status in ("expired", "expiring")
                                    else "")
            for _, target, status, expires in items)
        name = " ".join(x for x in (p.family_name, p.given_name, patronymics.get(p.id)) if x)
        groups.setdefault(p.unit, []).append(PersonGaps(
            p.service_number, fonts.printable(p.rank), fonts.printable(name), p.role, gaps))
    # The matrix lists people in tree order, so the groups come in tree order too.
    return [SubUnit(code, fonts.printable(names[code][0]), people) for code, people in groups.items()]


def report_data(unit: Unit, on: date, edition: str) -> ReportData:
    """Gather the report of `unit` on `on`: the engine's answers with labels, charts and, if full, people."""
    readiness = services.unit_readiness(unit, on)
    bands = {"P": current_app.config["P_BANDS"], "T": current_app.config["T_BANDS"]}
    labels = queries.requirement_labels({r["id"] for r in readiness["requirements"]})
    requirements = sorted(
        ({**r, "title": labels[r["id"]].title, "scope": labels[r["id"]].scope,
          "held_back": r["expired"] + r["missing"] + r["insufficient"]} for r in readiness["requirements"]),
        key=lambda r: (-r["held_back"], -r["expiring"], r["target"]))
    names = queries.unit_names({c["unit"] for c in readiness["children"]})
    children = [{**c, "name": names[c["unit"]][0]} for c in readiness["children"]]
    start = max(on, rules.today())
    forecast = services.forecast(unit, start, start + timedelta(days=FORECAST_DAYS))
    history = queries.trend(unit, on - timedelta(days=TREND_DAYS), on)
    return ReportData(
        document_id=_document_id(unit, on), generated_at=datetime.now(UTC).replace(microsecond=0),
        edition=edition, unit_code=unit.code, unit_name=fonts.printable(unit.name), unit_kind=unit.kind,
        as_of=on, authority=fonts.printable(current_app.config["ISSUING_AUTHORITY"]), readiness=readiness,
        reasons=[r["message"] for r in readiness["reasons"]], requirements=requirements, children=children,
        forecast_svg=_chart(charts.forecast_svg(forecast, bands["T"], width=760, height=190)),
        forecast_from=start, forecast_to=forecast["to"], first_drop=forecast["first_drop"],
        trend_svg=_chart(charts.trend_svg(history, bands["T"], width=760, height=190,
                                          start=on - timedelta(days=TREND_DAYS), end=on)),
        bands=bands, groups=_people_with_gaps(unit, on) if edition == "full" else [],
        interop=interop_status.report_view(unit, on, readiness, personal=edition == "full"))


def check_printable(data: ReportData) -> None:
    """Refuse (422) a report with text the fonts cannot draw, naming where it is."""
    fields = {"unit name": data.unit_name, "issuing authority": data.authority}
    fields.update({f"sub-unit {c['unit']}": c["name"] for c in data.children})
    fields.update({f"requirement {r['target']}": r["title"] for r in data.requirements})
    fields.update(data.interop["printable"] if data.interop else {})
    for group in data.groups:
        fields[f"unit {group.code}"] = group.name
        for p in group.people:
            fields[f"person {p.service_number}"] = " ".join((p.rank, p.name, p.role))
    fonts.preflight(fields, current_app.static_folder or "", "sans", "report")


ANNEX_COLUMNS = (annex.Column("Service no.", 78), annex.Column("Rank", 88), annex.Column("Name", 215),
                 annex.Column("Role", 92), annex.Column("Requirements not met on the date", 300.89))


def _front(data: ReportData, total: int) -> Any:
    return pdf.render_document(pdf.render_template("report.html", r=data, total=total), STYLESHEETS)


def render(data: ReportData) -> bytes:
    """Render the report: the front by WeasyPrint, the people annex drawn directly, merged into one PDF."""
    check_printable(data)
    people = None
    if data.groups:
        people = annex.layout(
            f"People not qualified on {long_date(data.as_of)}, by unit", ANNEX_COLUMNS,
            [annex.Group(f"{g.code} — {g.name} · {len(g.people)} "
                         f"{'person' if len(g.people) == 1 else 'people'}",
                         [(p.service_number, p.rank, p.name, p.role, p.gaps) for p in g.people])
             for g in data.groups], current_app.static_folder or "")
    extra = len(people.pages) if people else 0
    # The front's page count is known only once laid out; its footers need the total, so a
    # second layout follows when the first guess was wrong (the front is a few pages).
    guess = 3
    front = _front(data, guess + extra)
    if len(front.pages) != guess:
        front = _front(data, len(front.pages) + extra)
    front_bytes = pdf.write(front)
    if people is None:
        return front_bytes
    total = len(front.pages) + extra
    back = annex.draw(people, first_page=len(front.pages) + 1, total_pages=total, header=data.header,
                      footer=data.footer)
    return _merge(data, front_bytes, back, people, len(front.pages))


def _merge(data: ReportData, front: bytes, back: bytes, people: annex.Annex, annex_start: int) -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(front)))
    writer.append(PdfReader(io.BytesIO(back)), import_outline=False)
    parent = writer.add_outline_item(title="People not qualified", page_number=annex_start)
    for heading, index in people.outline:
        writer.add_outline_item(title=heading, page_number=annex_start + index, parent=parent)
    writer.add_metadata({
        "/Title": data.title, "/Author": data.authority, "/Creator": "Readiness",
        "/Subject": f"Readiness of {data.unit_code} on {data.as_of.isoformat()}, {data.edition_name}",
        "/Keywords": f"readiness, {data.unit_code}, {data.document_id}",
        "/CreationDate": f"D:{data.generated_at:%Y%m%d%H%M%S}Z"})
    writer.root_object[NameObject("/Lang")] = TextStringObject("en")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def report_pdf(unit: Unit, on: date, edition: str, actor: Any) -> bytes:
    """Return the readiness report of `unit` on `on` as PDF bytes (`actor` is checked by the caller)."""
    return render(report_data(unit, on, edition))
