"""Calendar arithmetic for validity periods."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """Add calendar months; a day that does not exist becomes the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_on(day: date, validity_months: int | None) -> date | None:
    """Return the expiry date of a record made on `day`, or None if it never expires."""
    return None if validity_months is None else add_months(day, validity_months)
