"""The CSV import's field-wise loader gives exactly what the schema's own load gives."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from readiness.imports import KINDS, FieldwiseLoader, load_text, resolve

# Rows as the CSV reader hands them over: stripped strings, empty cells absent.
ROWS: dict[str, list[dict[str, str]]] = {
    "completions": [
        {"service_number": "AZ-1", "course": "UNPKO", "completed_on": "2024-02-29", "score": "87"},
        {"service_number": "AZ-1", "course": "UNPKO", "completed_on": "2024-02-29"},
        {"service_number": "AZ-2", "course": "UNPKO", "completed_on": "2024-02-30", "score": "87"},
        {"service_number": "AZ-3", "course": "UNPKO", "completed_on": "2024-03-01", "score": "101"},
        {"service_number": "AZ-4", "course": "UNPKO", "completed_on": "2024-03-01", "score": "55.5"},
        {"service_number": "AZ-5", "completed_on": "2024-03-01"},
        {"service_number": "AZ-6", "course": "x" * 41, "completed_on": "2024-03-01"},
        {"service_number": "AZ-7", "course": "UNPKO", "completed_on": "01.03.2024"},
        {"service_number": "AZ-8", "course": "UNPKO", "completed_on": "2024-03-01", "score": "+0"},
    ],
    "attainments": [
        {"service_number": "AZ-1", "standard": "SLP", "level": "3+32+2", "assessed_on": "2023-12-31"},
        {"service_number": "AZ-1", "standard": "SLP", "level": "x" * 41, "assessed_on": "2023-12-31"},
        {"service_number": "AZ-1", "standard": "SLP", "assessed_on": "2023-12-31"},
    ],
}


def _schema_load(schema: Any, row: dict[str, str]) -> Any:
    try:
        return schema.load(row)
    except ValidationError:
        return None


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_fieldwise_rows_equal_the_schemas_own_load(kind: str) -> None:
    schema = resolve(KINDS[kind])[0]()
    loader = FieldwiseLoader.for_schema(schema)
    assert loader is not None
    for row in ROWS[kind] * 2:  # twice: the second pass answers from what was seen
        assert loader.load(row) == _schema_load(schema, row), row


def test_a_schema_with_hooks_is_loaded_by_marshmallow_itself() -> None:
    schema = resolve(KINDS["personnel"])[0]()
    assert FieldwiseLoader.for_schema(schema) is None


def test_bad_rows_among_good_ones_keep_their_lines_and_order() -> None:
    schema = resolve(KINDS["completions"])[0]()
    text = ("service_number,course,completed_on,score\n"
            "AZ-1,UNPKO,2024-01-10,90\n"
            "AZ-2,UNPKO,2024-13-10,90\n"
            "AZ-3,UNPKO,2024-01-10,\n"
            "AZ-4,UNPKO,2024-01-10,-1\n"
            "AZ-5,UNPKO,2024-01-11,100\n")
    loaded = load_text(text, schema, "c.csv")
    assert [r["service_number"] for r in loaded.rows] == ["AZ-1", "AZ-3", "AZ-5"]
    assert loaded.lines == [2, 4, 6]
    assert loaded.rows[1]["score"] is None
    assert [str(p) for p in loaded.problems] == [
        "c.csv:3: completed_on: Not a valid date.",
        "c.csv:5: score: Must be greater than or equal to 0 and less than or equal to 100.",
    ]


def test_a_field_subclass_that_returns_a_list_is_never_shared_between_rows() -> None:
    from marshmallow import Schema, fields

    class Names(fields.String):
        def _deserialize(self, value, attr, data, **kwargs):
            return [n.strip() for n in super()._deserialize(value, attr, data, **kwargs).split(";")]

    class RowSchema(Schema):
        names = Names(required=True)

    loader = FieldwiseLoader.for_schema(RowSchema())
    first, second = loader.load({"names": "A; B"}), loader.load({"names": "A; B"})
    assert first == second == {"names": ["A", "B"]}
    first["names"].append("C")
    assert second == {"names": ["A", "B"]}
