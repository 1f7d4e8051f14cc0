"""What the API's endpoints share: paging of lists, and POST bodies of one object or a list."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select, func, select
from werkzeug.exceptions import BadRequest

from readiness.errors import DomainError, InvalidError, describe_errors
from readiness.extensions import db

MAX_PER_PAGE = 500
PAGE_HEADER = {"X-Pagination": {
    "description": "JSON: total, page, per_page, total_pages",
    "schema": {"type": "string"},
}}


class PageArgsSchema(Schema):
    """`page` (from 1) and `per_page` (1–500); every list's query schema extends this."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def paged(stmt: Select[Any], args: dict[str, Any]) -> tuple[list[Any], int, dict[str, str]]:
    """Run one page of `stmt`; return the rows, 200, and an X-Pagination header."""
    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    meta = {"total": total, "page": page, "per_page": per_page,
            "total_pages": (total + per_page - 1) // per_page}
    return rows, 200, {"X-Pagination": json.dumps(meta)}


def filter_args(args: dict[str, Any]) -> dict[str, Any]:
    """Return the query arguments without the paging ones."""
    return {k: v for k, v in args.items() if k not in {"page", "per_page"}}


# --- POST bodies that are one object or a list ------------------------------------------

def one_or_list(schema: type[Schema]) -> dict[str, Any]:
    """Describe, for OpenAPI, JSON content that is one `schema` object or a list of them."""
    return {"application/json": {"schema": {"oneOf": [schema, {"type": "array", "items": schema}]}}}


def create_doc(in_schema: type[Schema], out_schema: type[Schema]) -> dict[str, Any]:
    """Return `@blp.doc` arguments for a POST taking one object or a list."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "requestBody": {"required": True, "content": one_or_list(in_schema)},
        "responses": {
            "201": {"description": "What was created, in the same shape and order",
                    "content": one_or_list(out_schema)},
            "409": {"description": "A duplicate, in the database or twice in the list; errors: "
                                   "index → field → messages (one object: field → messages)",
                    "content": error},
            "422": {"description": "Invalid input; errors as for 409", "content": error},
        },
    }


def load_one_or_list(schema: type[Schema]) -> tuple[list[dict[str, Any]], bool]:
    """Load the JSON body, one object or a non-empty list; return the rows and whether a list came."""
    data = None
    if request.get_data():
        try:
            data = request.get_json(force=True)
        except BadRequest as exc:
            raise BadRequest("The body is not valid JSON.") from exc
    many = isinstance(data, list)
    if many and not data:
        raise InvalidError("The list is empty: send one object or a list of at least one.")
    if not many and not isinstance(data, dict):
        raise InvalidError("Send one JSON object, or a list of them.")
    try:
        rows = schema(many=many).load(data)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        raise InvalidError("Invalid input: " + "; ".join(describe_errors(messages)[:10]),
                           messages) from err
    return (rows if many else [rows]), many


def create_one_or_list(create: Callable[[list[dict[str, Any]]], list[Any]],
                       in_schema: type[Schema], out_schema: type[Schema]) -> Any:
    """Create from one object or a list, all or nothing, commit, answer 201 in the same shape."""
    rows, many = load_one_or_list(in_schema)
    try:
        created = create(rows)
    except DomainError as err:
        # One object sent: its errors are field → messages, not keyed by index 0.
        if not many and err.errors and set(err.errors) == {0}:
            err.errors = err.errors[0]
        raise
    # Dumped before the commit, which expires every object: dumping after it would reload
    # each one with a query of its own.
    body = out_schema(many=True).dump(created)
    db.session.commit()
    return jsonify(body if many else body[0]), 201
