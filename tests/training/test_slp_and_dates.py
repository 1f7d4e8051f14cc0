"""STANAG 6001 profiles and validity arithmetic."""

import re
from datetime import date

import pytest

from readiness.training.dates import add_months, expires_on
from readiness.training.slp import display, meets, parse_level, skill_values


@pytest.mark.parametrize(("text", "stored"), [
    ("SLP 3321", "3321"),
    ("3321", "3321"),
    ("3+32+2", "3+32+2"),
    ("SLP 2+2+2+2", "2+2+2+2"),
    ("slp 3 3 2 1", "3321"),
    ("  SLP 0+0+0+0 ", "0+0+0+0"),
    ("5555", "5555"),
])
def test_accepted_profiles_are_normalised(text, stored):
    assert parse_level(text) == stored


@pytest.mark.parametrize(("text", "says"), [
    ("", "four skill levels"),
    ("SLP 332", "got 3"),
    ("33211", "got 5"),
    ("5+444", "no 5+"),
    ("3a21", "'A' is not a skill level"),
    ("6321", "'6' is not a skill level"),
    ("3++321", "'+' is not a skill level"),
])
def test_malformed_profiles_say_what_is_wrong(text, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_level(text)


def test_plus_level_sits_between_its_base_and_the_next():
    assert meets("2+222", "2222")
    assert not meets("2+222", "3222")
    assert not meets("2222", "2+222")
    assert skill_values("2+32+1") == (5, 6, 5, 2)


def test_every_skill_must_meet_the_minimum():
    assert not meets("4441", "2222")
    assert meets("3222", "3222")


def test_display_prefixes_slp():
    assert display("3+32+2") == "SLP 3+32+2"


@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2024, 8, 31), 1, date(2024, 9, 30)),
    (date(2024, 11, 15), 2, date(2025, 1, 15)),
    (date(2024, 3, 31), 0, date(2024, 3, 31)),
    (date(2022, 12, 31), 36, date(2025, 12, 31)),
])
def test_add_months_clamps_to_month_end(start, months, end):
    assert add_months(start, months) == end


def test_no_validity_never_expires():
    assert expires_on(date(2024, 1, 1), None) is None
    assert expires_on(date(2024, 1, 1), 24) == date(2026, 1, 1)
