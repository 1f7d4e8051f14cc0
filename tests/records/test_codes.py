"""Verification codes: random, well-formed, unique, and forgiving to type."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from readiness.records import codes


def test_a_code_is_three_groups_of_four_crockford_symbols():
    for _ in range(200):
        code = codes.generate_code()
        assert codes.CODE_PATTERN.fullmatch(code), code
        assert len(code) == 14
        assert not set(code) & set("ILOU")


def test_a_code_carries_at_least_60_random_bits():
    assert len(codes.ALPHABET) == 32
    assert codes.SYMBOLS * math.log2(len(codes.ALPHABET)) >= 60


def test_many_codes_are_distinct_and_use_every_symbol():
    many = codes.generate_codes(20_000)
    assert len(many) == len(set(many)) == 20_000
    assert all(codes.CODE_PATTERN.fullmatch(c) for c in many)
    used = set("".join(many).replace("-", ""))
    assert used == set(codes.ALPHABET)


def test_generated_codes_avoid_the_taken_ones():
    taken = set(codes.generate_codes(50))
    assert not set(codes.generate_codes(50, taken=taken)) & taken


@pytest.mark.parametrize(("typed", "stored"), [
    ("7KQ2-MX9D-4TRA", "7KQ2-MX9D-4TRA"),
    ("7kq2-mx9d-4tra", "7KQ2-MX9D-4TRA"),
    ("7KQ2MX9D4TRA", "7KQ2-MX9D-4TRA"),
    (" 7KQ2 MX9D 4TRA ", "7KQ2-MX9D-4TRA"),
    ("7KQ2--MX9D-\t4TRA", "7KQ2-MX9D-4TRA"),
    ("OOOO-IIII-LLLL", "0000-1111-1111"),
    ("oo0o-iI1l-LlLl", "0000-1111-1111"),
])
def test_normalize_code_accepts_what_people_type(typed, stored):
    assert codes.normalize_code(typed) == stored


@pytest.mark.parametrize("typed", [
    "", "7KQ2-MX9D-4TR", "7KQ2-MX9D-4TRAA", "7KQ2-MX9D-4TRU", "7KQ2_MX9D_4TRA", "7KQ2-MX9D-4TR!",
    "ӘKQ2-MX9D-4TRA",
])
def test_normalize_code_refuses_what_cannot_be_a_code(typed):
    assert codes.normalize_code(typed) is None


def test_every_symbol_is_equally_likely_in_every_place():
    many = [c.replace("-", "") for c in codes.generate_codes(50_000)]
    n = len(codes.ALPHABET)

    def fair(counts: Counter[str], draws: int) -> bool:
        # Within seven standard deviations: a fair draw never fails, a skewed one (a symbol
        # a sixth more likely than another) does, over all places together.
        sd = math.sqrt(draws * (1 / n) * (1 - 1 / n))
        return all(abs(counts[s] - draws / n) < 7 * sd for s in codes.ALPHABET)

    assert fair(Counter("".join(many)), len(many) * codes.SYMBOLS)
    for place in range(codes.SYMBOLS):
        assert fair(Counter(code[place] for code in many), len(many)), place
