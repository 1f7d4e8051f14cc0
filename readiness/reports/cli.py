"""`readiness report unit CODE [--as-of D] [--edition full|partner] -o FILE.pdf`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from readiness.engine.rules import today
from readiness.errors import DomainError, describe_errors
from readiness.reports.readiness_report import report_pdf
from readiness.reports.schemas import EDITIONS
from readiness.units.services import get_unit

report = AppGroup("report", help="Produce readiness reports as PDF.")


@report.command("unit")
@click.argument("code")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The date (YYYY-MM-DD); default: today in the configured zone.")
@click.option("--edition", type=click.Choice(EDITIONS), default="full", show_default=True,
              help="full lists the people with gaps; partner holds aggregates only.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="The PDF file to write.")
def report_unit(code: str, as_of: datetime | None, edition: str, output: Path) -> None:
    """Write the readiness report of unit CODE (and its sub-units) to a PDF file."""
    on = as_of.date() if as_of else today()
    try:
        content = report_pdf(get_unit(code), on, edition, None)
    except DomainError as error:
        click.echo(f"error: {error.message}", err=True)
        for line in describe_errors(error.errors or {}):
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    output.write_bytes(content)
    click.echo(f"Wrote {output}: {edition} edition of {code} as of {on.isoformat()}, "
               f"{len(content) // 1024} kB.")
