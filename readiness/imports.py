"""CSV imports: read a file, load each row with the entity's schema, hand all rows to its bulk service.

A file is imported whole or not at all. Every problem is reported as `FILE:LINE: message`,
LINE being the physical line where the row starts (the header is line 1). The CLI prints
those lines; the browser import (readiness.workspace.imports) shows the same problems as a
table of line and message, from `CsvImportError.items`.
"""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing

from readiness.errors import DomainError, describe_errors


@dataclass(frozen=True)
class ImportKind:
    """What one `readiness import KIND` loads: its schema, its bulk service and its noun."""

    name: str  # plural, as typed on the command line
    schema: str  # "module:Class"
    service: str  # "module:function", the BULK CONTRACT's create_<things>(rows, actor)
    singular: str
    plural: str = ""  # when not the kind's name

    def noun(self, count: int) -> str:
        """Return the noun for `count` records ('1 unit', '3 units', '2 people')."""
        return self.singular if count == 1 else self.plural or self.name


KINDS: dict[str, ImportKind] = {k.name: k for k in (
    ImportKind("units", "readiness.units.schemas:UnitInSchema",
               "readiness.units.services:create_units", "unit"),
    ImportKind("personnel", "readiness.personnel.schemas:PersonInSchema",
               "readiness.personnel.services:create_people", "person", "people"),
    ImportKind("courses", "readiness.training.schemas:CourseInSchema",
               "readiness.training.services:create_courses", "course"),
    ImportKind("standards", "readiness.training.schemas:StandardInSchema",
               "readiness.training.services:create_standards", "standard"),
    ImportKind("requirements", "readiness.training.schemas:RequirementInSchema",
               "readiness.training.services:create_requirements", "requirement"),
    ImportKind("completions", "readiness.records.schemas:CompletionInSchema",
               "readiness.records.services:create_completions", "completion"),
    ImportKind("attainments", "readiness.records.schemas:AttainmentInSchema",
               "readiness.records.services:create_attainments", "attainment"),
    ImportKind("evaluations", "readiness.interop.schemas:EvaluationCsvSchema",
               "readiness.interop.evaluations:create_evaluations", "evaluation"),
    ImportKind("pledges", "readiness.interop.schemas:PledgeCsvSchema",
               "readiness.interop.pledges:create_pledges", "pledge"),
)}


BATCH = 2000  # rows schema-loaded at once


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (line 0 for the file as a whole) and what."""

    label: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.label}:{self.line}: {self.message}" if self.line else f"{self.label}: {self.message}"


class CsvImportError(Exception):
    """The file cannot be imported; `items` are its problems, `problems` the lines `FILE:LINE: message`."""

    def __init__(self, items: list[Problem]) -> None:
        self.items = items
        self.problems = [str(item) for item in items]
        super().__init__("\n".join(self.problems))


class NotAvailableError(Exception):
    """The schema or service of this kind of import is not part of the application yet."""


def resolve(kind: ImportKind) -> tuple[type[Schema], Callable[[list[dict[str, Any]], Any], list[Any]]]:
    """Import the schema class and bulk service of `kind` (late: some domains may be missing)."""
    found = []
    for target in (kind.schema, kind.service):
        module_name, _, attr = target.partition(":")
        try:
            found.append(getattr(importlib.import_module(module_name), attr))
        except ModuleNotFoundError as error:
            # Only the target module itself may be missing; a broken import inside it is a bug.
            if error.name is None or not module_name.startswith(error.name):
                raise
            raise NotAvailableError(f"importing {kind.name} is not available yet "
                                    f"(module {module_name} does not exist)") from error
        except AttributeError as error:
            raise NotAvailableError(f"importing {kind.name} is not available yet "
                                    f"({module_name} has no {attr})") from error
    return found[0], found[1]


@dataclass
class LoadedFile:
    """A file's rows after schema loading, each with the line it starts on."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_text(path: Path, label: str) -> str:
    """Read a UTF-8 file, with or without a byte-order mark."""
    try:
        data = path.read_bytes()
    except OSError as error:
        problem = Problem(label, 0, f"cannot read the file: {error.strerror or error}")
        raise CsvImportError([problem]) from error
    return decode(data, label)


def decode(data: bytes, label: str) -> str:
    """Decode a file's bytes as UTF-8, with or without a byte-order mark; say where it is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise CsvImportError([Problem(label, line, f"not UTF-8 text (byte 0x{data[error.start]:02x}); "
                                              "save the file as UTF-8 CSV")]) from error


def delimiter_of(header_line: str) -> str:
    """Tell whether a header line is separated by commas or semicolons (spreadsheets use both)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def csv_records(text: str, label: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Return the header and an iterator of (starting line, cells), blank rows skipped."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first_line), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise CsvImportError([Problem(label, 1, str(error))]) from error
    if not header or not any(cell.strip() for cell in header):
        raise CsvImportError([Problem(label, 1, "the file is empty; expected a header row of field names")])

    def records() -> Iterator[tuple[int, list[str]]]:
        # line_num counts physical lines read so far; a row starts just after the previous one.
        previous = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise CsvImportError([Problem(label, previous + 1, str(error))]) from error
            start, previous = previous + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield start, cells

    return header, records()


def expected_columns(schema: Schema) -> tuple[list[str], set[str]]:
    """Return the columns a schema loads (in order) and those it requires."""
    names, required = [], set()
    for name, fld in schema.load_fields.items():
        key = fld.data_key or name
        names.append(key)
        if fld.required:
            required.add(key)
    return names, required


def check_header(header: list[str], schema: Schema, label: str) -> list[str]:
    """Return the normalised column names, or raise naming unknown, missing or repeated ones."""
    columns = [cell.strip().lower() for cell in header]
    names, required = expected_columns(schema)
    problems: list[str] = []
    # A schema may list fields the system derives (DERIVED: name → source): say so.
    derived = getattr(schema, "DERIVED", {})
    for column in (c for c in columns if c in derived):
        problems.append(f"column {column!r} is derived from {derived[column]}; remove it from the file")
    # A column without a name (a trailing separator) is allowed as long as it stays empty.
    unknown = [c for c in columns if c and c not in names and c not in derived]
    if unknown:
        listed = ", ".join(repr(c) for c in unknown)
        problems.append(f"unknown column{'s' if len(unknown) > 1 else ''} {listed}; "
                        f"expected {', '.join(names)}")
    repeated = sorted({c for c in columns if columns.count(c) > 1 and c})
    if repeated:
        problems.append(f"column{'s' if len(repeated) > 1 else ''} "
                        f"{', '.join(repr(c) for c in repeated)} appear{'' if len(repeated) > 1 else 's'} "
                        "more than once")
    missing = [n for n in names if n in required and n not in columns]
    if missing:
        problems.append(f"missing required column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(repr(c) for c in missing)}")
    if problems:
        raise CsvImportError([Problem(label, 1, text) for text in problems])
    return columns


def row_messages(label: str, line: int, errors: Any) -> list[Problem]:
    """Return one row's field errors as problems `field: message` of that line."""
    if not isinstance(errors, dict):
        errors = {"_schema": errors if isinstance(errors, list) else [errors]}
    # Errors of the whole row (marshmallow's _schema) name no field.
    return [Problem(label, line, text.removeprefix("_schema: ")) for text in describe_errors(errors)]


class _Quiet:
    """Stands in for click's progress bar when nobody watches."""

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, steps: int) -> None:
        """Ignore progress."""


class FieldwiseLoader:
    """Load rows field by field with the schema's own fields, each distinct value once.

    The same as `schema.load(row)` for a schema without hooks: marshmallow calls each
    field's `deserialize` with the raw value (or `missing`) and keeps what is not missing.
    A CSV file repeats few course codes, dates and scores, so a file of 100,000 rows needs
    a fraction of the calls. Returns None for a row with any error: the schema then loads
    it again for its messages.
    """

    #: Fields whose result depends on the value alone and is immutable, so it may be shared.
    #: Exactly these classes: a subclass may read other columns or return a list. A subclass
    #: that does neither says so with a class attribute `cache_by_value = True`.
    PURE = (fields.String, fields.Date, fields.DateTime, fields.Integer, fields.Float, fields.Decimal,
            fields.Boolean)

    def __init__(self, schema: Schema) -> None:
        self.fields = [(fld.data_key or name, fld.attribute or name, fld, {} if self._pure(fld) else None)
                       for name, fld in schema.load_fields.items()]
        self.known = {key for key, _, _, _ in self.fields}

    @classmethod
    def _pure(cls, fld: fields.Field) -> bool:
        return type(fld) in cls.PURE or getattr(type(fld), "cache_by_value", False) is True

    @classmethod
    def for_schema(cls, schema: Schema) -> FieldwiseLoader | None:
        """Return a loader for `schema`, or None when it has hooks or nested attributes."""
        if any(schema._hooks.values()) or schema.partial:  # hooks may change anything
            return None
        if any("." in (fld.attribute or name) for name, fld in schema.load_fields.items()):
            return None
        return cls(schema)

    def load(self, data: dict[str, str]) -> dict[str, Any] | None:
        """Return the loaded row, or None if the schema would refuse it."""
        if not data.keys() <= self.known:
            return None
        out: dict[str, Any] = {}
        for key, attribute, fld, seen in self.fields:
            raw = data.get(key, missing)
            try:
                if seen is None:
                    value = fld.deserialize(raw, key, data)
                elif raw in seen:
                    value = seen[raw]
                else:
                    value = seen[raw] = fld.deserialize(raw, key, data)
            except ValidationError:
                return None
            if value is not missing:
                out[attribute] = value
        return out


def load_file(path: Path, schema: Schema, label: str,
              progress: Callable[[int], ContextManager[Any]] | None = None) -> LoadedFile:
    """Read and schema-load every row of a CSV file, collecting every row's errors.

    A bad header raises CsvImportError at once; bad rows are kept in `problems`.
    `progress(total_lines)` may return a progress bar (anything with `update(lines)`).
    """
    return load_text(read_text(path, label), schema, label, progress)


def load_text(text: str, schema: Schema, label: str,
              progress: Callable[[int], ContextManager[Any]] | None = None) -> LoadedFile:
    """Schema-load every row of a CSV text, as `load_file` does for a file."""
    header, records = csv_records(text, label)
    columns = check_header(header, schema, label)
    named = sum(1 for c in columns if c)
    total = text.count("\n") + (not text.endswith("\n"))
    loaded = LoadedFile()
    batch: list[dict[str, str]] = []
    batch_lines: list[int] = []

    fieldwise = FieldwiseLoader.for_schema(schema)

    def load_one(data: dict[str, str], line: int) -> None:
        try:
            loaded.rows.append(schema.load(data))
        except ValidationError as error:
            loaded.problems.extend(row_messages(label, line, error.messages))
            return
        loaded.lines.append(line)

    def load_batch() -> None:
        # A row with an error is loaded again by the schema itself, for its own messages.
        if fieldwise is not None:
            for data, line in zip(batch, batch_lines, strict=True):
                row = fieldwise.load(data)
                if row is None:
                    load_one(data, line)
                else:
                    loaded.rows.append(row)
                    loaded.lines.append(line)
        else:
            # Loading a batch at once is a quarter faster than row by row.
            try:
                loaded.rows.extend(schema.load(batch, many=True))
                loaded.lines.extend(batch_lines)
            except ValidationError:
                for data, line in zip(batch, batch_lines, strict=True):
                    load_one(data, line)
        batch.clear()
        batch_lines.clear()

    with (progress or (lambda _: _Quiet()))(total) as bar:
        done = 0
        for line, cells in records:
            data, stray = {}, len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):])
            for col, cell in zip(columns, cells, strict=False):
                # Empty cells are absent, so optional fields take their defaults (usually null).
                if value := cell.strip():
                    if col:
                        data[col] = value
                    else:
                        stray = True
            if stray:
                loaded.problems.append(Problem(label, line, f"a value lies outside the {named} "
                                                            f"named columns ({len(cells)} values)"))
                continue
            batch.append(data)
            batch_lines.append(line)
            if len(batch) == BATCH:
                load_batch()
                bar.update(line - done)
                done = line
        load_batch()
        bar.update(max(0, total - done))
    # Problems found outside the batches come first otherwise; the report goes by line.
    loaded.problems.sort(key=lambda p: p.line)
    return loaded


def service_messages(label: str, lines: list[int], error: DomainError) -> list[Problem]:
    """Turn a bulk service's {index: {field: [messages]}} into problems on the rows' lines."""
    errors = error.errors or {}
    out: list[Problem] = []
    by_row = {k: v for k, v in errors.items() if isinstance(k, int) or (isinstance(k, str) and k.isdigit())}
    for key in sorted(by_row, key=int):
        index = int(key)
        if 0 <= index < len(lines):
            out.extend(row_messages(label, lines[index], by_row[key]))
        else:
            out.extend(Problem(label, 0, f"row {index + 1}: {t}") for t in describe_errors(by_row[key]))
    rest = {k: v for k, v in errors.items() if k not in by_row}
    out.extend(Problem(label, 0, t) for t in describe_errors(rest))
    if not out:
        out.append(Problem(label, 0, error.message))
    return out


def import_rows(kind: ImportKind, loaded: LoadedFile, label: str, actor: Any = None) -> list[Any]:
    """Hand the loaded rows to the kind's bulk service; raise CsvImportError on any problem.

    The well-formed rows go to the service even when others are bad, so one run reports
    every problem (unknown references, duplicates) at once. The caller commits or rolls back.
    """
    _, service = resolve(kind)
    problems = list(loaded.problems)
    created: list[Any] = []
    if loaded.rows:
        try:
            created = service(loaded.rows, actor)
        except DomainError as error:
            problems.extend(service_messages(label, loaded.lines, error))
    if problems:
        # Stable sort: a row's own messages keep their order.
        raise CsvImportError(sorted(problems, key=lambda p: p.line))
    return created
