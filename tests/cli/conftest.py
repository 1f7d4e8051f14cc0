"""Fixtures for the `readiness` command line: run a command, write a CSV file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from readiness.cli import cli


@pytest.fixture
def run(runner: Any) -> Callable[..., Any]:
    """Run `readiness ARGS…` against the test app; `input` feeds standard input."""

    def invoke(*args: str, input: str | None = None) -> Any:
        return runner.invoke(cli, list(args), input=input)

    return invoke


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    """Write CSV text to a file (UTF-8 unless told) and return its path."""

    def write(text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


Setup = Callable[[str, str], None]


@pytest.fixture
def setup(run: Callable[..., Any], csv_file: Callable[..., Path]) -> Setup:
    """Import `text` as `kind` (a step of a test's setup), failing loudly if it is refused."""

    def load(kind: str, text: str) -> None:
        result = run("import", kind, str(csv_file(text, name=f"setup-{kind}.csv")))
        assert result.exit_code == 0, result.output

    return load
