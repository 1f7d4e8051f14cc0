"""The training matrix as CSV and XLSX: one row per person, one column per requirement."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from readiness.dashboard.queries import Matrix

PERSON_COLUMNS = ("service_number", "rank", "family_name", "given_name", "unit", "role", "assigned")
#: Cell fills in the workbook, the same colours as the page's legend.
FILLS = {"valid": "CDEBD3", "expiring": "FBEBB5", "expired": "F3C4C1", "insufficient": "F8D5B0",
         "missing": "E4E7EB"}
NOT_APPLICABLE = ""


def cell_text(status: str | None, expires_on: date | None) -> str:
    """Say a cell: the status, with the day it lapses (or lapsed) where there is one."""
    if status is None:
        return NOT_APPLICABLE
    if expires_on is None or status in ("missing", "insufficient"):
        return status
    return f"{status} {'since' if status == 'expired' else 'until'} {expires_on.isoformat()}"


def _safe(value: object) -> object:
    # A spreadsheet runs text that starts like a formula; names and codes are data.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _rows(m: Matrix) -> list[list[object]]:
    rows = []
    for p in m.people:
        cells = [cell_text(*m.cells.get((p.id, r.id), (None, None))) for r in m.requirements]
        rows.append([p.service_number, p.rank, p.family_name, p.given_name, p.unit, p.role,
                     "yes" if p.assigned else "no", *cells])
    return rows


def _header(m: Matrix) -> list[str]:
    return [*PERSON_COLUMNS, *(r.target for r in m.requirements)]


def matrix_csv(m: Matrix, on: date) -> str:
    """Return the matrix as CSV text: a header of field names and requirement targets, a row per person."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe(v) for v in _header(m)])
    for row in _rows(m):
        writer.writerow([_safe(v) for v in row])
    return out.getvalue()


def _text(sheet: object, value: object, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text says
    if font is not None:
        cell.font = font
    return cell


def _texts(sheet: object, values: list[object], font: Font | None = None) -> list[WriteOnlyCell]:
    return [_text(sheet, v, font) for v in values]


def matrix_xlsx(m: Matrix, unit: str, on: date) -> bytes:
    """Return the matrix as an XLSX workbook: coloured cells, a frozen header, filters, a legend sheet."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="Matrix")
    header = _header(m)
    sheet.freeze_panes = "H2"
    for i in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(i)].width = 14 if i > len(PERSON_COLUMNS) else 16
    sheet.append(_texts(sheet, header, Font(bold=True)))
    fills = {status: PatternFill("solid", fgColor=colour) for status, colour in FILLS.items()}
    for p, row in zip(m.people, _rows(m), strict=True):
        out = []
        for i, value in enumerate(row):
            cell = _text(sheet, value)
            if i >= len(PERSON_COLUMNS):
                status = m.cells.get((p.id, m.requirements[i - len(PERSON_COLUMNS)].id), (None, None))[0]
                if status in fills:
                    cell.fill = fills[status]
            out.append(cell)
        sheet.append(out)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(m.people) + 1}"

    about = book.create_sheet(title="About")
    bold = Font(bold=True)
    requirements = ([r.target, r.title, r.scope] for r in m.requirements)
    for row in (["Unit", unit], ["As of", on.isoformat()], ["People", str(len(m.people))], [],
                ["Requirement", "Title", "Applies to"], *requirements,
                [], ["Status", "Meaning"], *([s, meaning] for s, meaning in LEGEND.items())):
        about.append(_texts(about, row, bold if row and row[0] in ("Requirement", "Status") else None))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


#: What each status means (DESIGN.md §2 rules 3 and 4), for the page legend and the workbook.
LEGEND = {
    "valid": "Held and valid on the date.",
    "expiring": "Valid, but lapses within the warning window.",
    "expired": "Held before, no longer valid on the date.",
    "insufficient": "Latest result is below the required level.",
    "missing": "Never held (or only revoked records).",
}
