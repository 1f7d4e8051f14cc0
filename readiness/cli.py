"""The `readiness` command group."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlalchemy.exc import IntegrityError

from readiness import create_app
from readiness.errors import DomainError, describe_errors
from readiness.extensions import db
from readiness.imports import KINDS, CsvImportError, NotAvailableError, import_rows, load_file, resolve


def _create_cli_app():
    # The CLI needs no session secret; a per-process one is fine when none is set.
    return create_app({"EPHEMERAL_SECRET_KEY": True})


@click.group(cls=FlaskGroup, create_app=_create_cli_app, add_version_option=False)
def cli() -> None:
    """Readiness: peacekeeping training and readiness management."""


def fail(error: DomainError) -> None:
    """Print a domain error with its field messages and exit with status 2."""
    db.session.rollback()
    click.echo(f"error: {error.message}", err=True)
    for line in describe_errors(error.errors or {}):
        click.echo(f"  {line}", err=True)
    sys.exit(2)


@cli.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("name")
@click.option("--role", required=True,
              type=click.Choice(["admin", "training_officer", "commander", "viewer"]))
@click.option("--unit", "unit_code", help="Unit code: the user's scope (default: whole force).")
@click.option("--email")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input.")
def users_create(name: str, role: str, unit_code: str | None, email: str | None,
                 password_stdin: bool) -> None:
    """Create a user; the password is read from standard input."""
    from readiness.auth.services import create_user

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        create_user(name, role, password, unit_code=unit_code, email=email)
    except DomainError as error:
        fail(error)
    db.session.commit()
    click.echo(f"Created user {name} ({role}{', unit ' + unit_code if unit_code else ''}).")


@cli.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("name")
def tokens_create(name: str) -> None:
    """Create an API token for user NAME and print it once."""
    from readiness.auth.services import create_token

    try:
        token = create_token(name)
    except DomainError as error:
        fail(error)
    db.session.commit()
    click.echo(token)


def _progress(label: str) -> Callable[[int], Any] | None:
    """Return a progress bar factory when a person watches stderr, else None (quiet)."""
    if not sys.stderr.isatty():
        return None
    return lambda total: click.progressbar(length=total, label=label, file=sys.stderr)


@cli.command("import")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the whole file and report; write nothing.")
def import_csv(kind: str, file: Path, dry_run: bool) -> None:
    """Import KIND records from a CSV file, all or nothing.

    The header row names the fields (e.g. code,name,parent,kind,authorized_strength);
    comma or semicolon separated, UTF-8. Each bad row is reported as FILE:LINE: message
    and nothing is written (exit status 2).
    """
    what = KINDS[kind]
    label = str(file)
    try:
        schema, _ = resolve(what)
    except NotAvailableError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    try:
        progress = _progress(f"Reading {file.name}")
        loaded = load_file(file, schema(), label, progress)
        if progress:
            click.echo(f"Checking references and writing {len(loaded.rows)} {what.noun(len(loaded.rows))}…",
                       err=True)
        created = import_rows(what, loaded, label)
        db.session.flush()
    except CsvImportError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo(f"{label}: nothing imported ({len(error.problems)} problem"
                   f"{'' if len(error.problems) == 1 else 's'}).", err=True)
        sys.exit(2)
    except IntegrityError as error:
        # The services check what they can first; this is what only the database saw.
        db.session.rollback()
        click.echo(f"{label}: the database refused the import: {error.orig}", err=True)
        click.echo(f"{label}: nothing imported.", err=True)
        sys.exit(2)
    if dry_run:
        db.session.rollback()
        count = len(created)
        click.echo(f"{label}: would import {count} {what.noun(count)} (dry run: nothing written)")
        return
    db.session.commit()
    click.echo(f"imported {len(created)} {what.noun(len(created))} from {label}")


@cli.group()
def demo() -> None:
    """The demo force."""


@demo.command("load")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (successfully) when the database already has units.")
def demo_load(if_empty: bool) -> None:
    """Load a demo peacekeeping brigade with four years of training records, and demo logins."""
    from readiness.demo.load import DEMO_PASSWORD, has_units, load_demo, local_today

    if has_units():
        if if_empty:
            click.echo("The database already has units: demo force not loaded.")
            return
        click.echo("error: the database already has units; `demo load` only fills an empty "
                   "database (`--if-empty` skips it quietly).", err=True)
        sys.exit(2)
    started = time.perf_counter()
    try:
        summary = load_demo(local_today(current_app.config["TIMEZONE"]))
    except DomainError as error:
        fail(error)
    db.session.commit()
    counts = ", ".join(f"{n} {KINDS[k].noun(n)}" for k, n in summary.counts.items())
    click.echo(f"Loaded the demo force as of {summary.today} in "
               f"{time.perf_counter() - started:.1f} s: {counts}.")
    for note in summary.notes:
        click.echo(f"note: {note}")
    if summary.users:
        click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
        for user in summary.users:
            scope = f"{user.unit} ({user.unit_name})" if user.unit else "whole force"
            click.echo(f"  {user.name:<10} {user.role:<17} {scope}")


from readiness.reports.cli import report  # noqa: E402 - the group is complete above

cli.add_command(report)

from readiness.scheduler.cli import scheduler_command  # noqa: E402

cli.add_command(scheduler_command)
