"""What every list endpoint of the API shares: `page` and `per_page`, and the page header."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

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
