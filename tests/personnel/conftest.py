"""A small force for personnel tests: a brigade with two battalions and a company."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_unit


@pytest.fixture
def force(app: Any) -> None:
    """PKB brigade; 1BN (with company 1BN-A) and 2BN under it."""
    make_unit("PKB", kind="brigade")
    make_unit("1BN", "PKB", kind="battalion")
    make_unit("1BN-A", "1BN")
    make_unit("2BN", "PKB", kind="battalion")

