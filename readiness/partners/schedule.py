"""Partner schedules: crontab expressions in the configured time zone, read by APScheduler 3.

APScheduler 3 numbers weekdays from Monday = 0, crontab from Sunday = 0 (and 7); the
day-of-week field is therefore translated to day names before APScheduler reads it, so
`0 8 * * 1` means Mondays as it does in crontab. Crontab runs when either the day of the
month or the day of the week matches, APScheduler only when both do: an expression that
restricts both is refused rather than run differently from what it says.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _day(token: str) -> int:
    token = token.strip().lower()
    if token in CRON_DAYS:
        return CRON_DAYS.index(token)
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token)
    raise ValueError(f"day of the week {token!r}: use 0–7 (0 and 7 are Sunday) or sun–sat")


def _weekdays(field: str) -> str:
    """Translate a crontab day-of-week field into APScheduler day names."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        span, _, step_text = item.partition("/")
        if step_text and not (step_text.isdigit() and int(step_text) > 0):
            raise ValueError(f"day of the week {item!r}: the step must be a positive number")
        step = int(step_text or 1)
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            first, last = span.split("-", 1)
            low, high = _day(first), _day(last)
        else:
            low = _day(span)
            high = 6 if step_text else low
        if low > high:
            raise ValueError(f"day of the week {item!r}: the range runs backwards")
        days.update(d % 7 for d in range(low, high + 1, step))
    if len(days) == 7:
        return "*"
    return ",".join(CRON_DAYS[d] for d in sorted(days))


def parse(expression: str, timezone: str) -> CronTrigger:
    """Return the trigger of a crontab expression (minute hour day month weekday) or say what is wrong."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"give five fields (minute hour day-of-month month day-of-week), got {len(fields)}; "
                         "e.g. '0 8 1 * *' is the 1st of every month at 08:00")
    minute, hour, day, month, weekday = fields
    if day not in ("*", "?") and weekday not in ("*", "?"):
        raise ValueError("restrict the day of the month or the day of the week, not both")
    try:
        return CronTrigger.from_crontab(" ".join((minute, hour, day, month, _weekdays(weekday))),
                                        timezone=timezone)
    except ValueError as error:
        raise ValueError(str(error)) from None


def normalise(expression: str | None, timezone: str) -> str | None:
    """Return the expression with single spaces (None when blank), after checking it."""
    if expression is None or not expression.strip():
        return None
    text = " ".join(expression.split())
    if next_after(text, timezone, datetime.now(UTC)) is None:
        raise ValueError("the schedule never comes due (no such date)")
    return text


def next_after(expression: str, timezone: str, moment: datetime) -> datetime | None:
    """Return the first time the schedule asks for strictly after `moment`, in UTC."""
    trigger = parse(expression, timezone)
    candidate = trigger.get_next_fire_time(None, moment)
    if candidate is not None and candidate <= moment:
        candidate = trigger.get_next_fire_time(candidate, candidate + timedelta(seconds=1))
    return candidate.astimezone(UTC) if candidate is not None else None


def upcoming(expression: str, timezone: str, moment: datetime, count: int = 3) -> list[datetime]:
    """Return the next `count` times of the schedule after `moment`, in the schedule's zone."""
    trigger = parse(expression, timezone)
    times: list[datetime] = []
    current = moment
    while len(times) < count:
        nxt = next_after(expression, timezone, current)
        if nxt is None:
            break
        times.append(nxt.astimezone(trigger.timezone))
        current = nxt
    return times
