"""Partner schedules: crontab in the configured zone, due or not across month ends and time changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from readiness.partners import schedule


def utc(*parts: int) -> datetime:
    """An aware UTC time."""
    return datetime(*parts, tzinfo=UTC)


def test_monthly_on_the_first_at_eight_is_local_time_across_the_month_end():
    # Asia/Baku is UTC+4: 08:00 there is 04:00 UTC.
    assert schedule.next_after("0 8 1 * *", "Asia/Baku", utc(2026, 1, 31, 23, 0)) == utc(2026, 2, 1, 4, 0)
    assert schedule.next_after("0 8 1 * *", "Asia/Baku", utc(2026, 2, 1, 4, 0)) == utc(2026, 3, 1, 4, 0)
    # 2026-12-31 23:00 UTC is already 1 January 03:00 in Baku, five hours before the report.
    assert schedule.next_after("0 8 1 * *", "Asia/Baku", utc(2026, 12, 31, 23, 0)) == utc(2027, 1, 1, 4, 0)


def test_weekdays_are_numbered_as_in_crontab_not_as_in_apscheduler_3():
    # 2026-03-01 is a Sunday; crontab's 1 is Monday (APScheduler 3 alone would read Tuesday).
    assert schedule.next_after("30 7 * * 1", "UTC", utc(2026, 3, 1)) == utc(2026, 3, 2, 7, 30)
    assert schedule.next_after("0 9 * * 0", "UTC", utc(2026, 3, 2)) == utc(2026, 3, 8, 9, 0)
    assert schedule.next_after("0 9 * * 7", "UTC", utc(2026, 3, 2)) == utc(2026, 3, 8, 9, 0)
    assert schedule.next_after("0 9 * * sun", "UTC", utc(2026, 3, 2)) == utc(2026, 3, 8, 9, 0)
    assert [t.day for t in schedule.upcoming("0 9 * * 1-5", "UTC", utc(2026, 3, 6, 10), 3)] == [9, 10, 11]
    assert [t.day for t in schedule.upcoming("0 9 * * 0,6", "UTC", utc(2026, 3, 2), 3)] == [7, 8, 14]


def test_a_summer_time_change_keeps_the_local_hour():
    # Berlin moves to summer time on 2026-03-29: Monday 08:00 is 07:00 UTC before, 06:00 after.
    assert schedule.next_after("0 8 * * 1", "Europe/Berlin", utc(2026, 3, 20)) == utc(2026, 3, 23, 7, 0)
    assert schedule.next_after("0 8 * * 1", "Europe/Berlin", utc(2026, 3, 24)) == utc(2026, 3, 30, 6, 0)


@pytest.mark.parametrize(("expression", "message"), [
    ("0 8 1 *", "give five fields"),
    ("61 8 1 * *", "higher than the maximum value (59)"),
    ("0 25 1 * *", "higher than the maximum value (23)"),
    ("0 8 1 13 *", "higher than the maximum value (12)"),
    ("0 8 * * 8", "day of the week '8'"),
    ("0 8 * * 5-1", "runs backwards"),
    ("0 8 1 * 1", "not both"),
    ("0 8 31 2 *", "never comes due"),
    ("every day", "give five fields"),
])
def test_a_bad_expression_says_what_is_wrong(expression, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        schedule.normalise(expression, "Asia/Baku")


def test_blank_means_on_request_and_spaces_are_tidied():
    assert schedule.normalise("  ", "Asia/Baku") is None
    assert schedule.normalise(" 0  8 1 *  * ", "Asia/Baku") == "0 8 1 * *"
