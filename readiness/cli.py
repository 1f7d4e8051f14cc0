"""The `readiness` command group."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from readiness import create_app
from readiness.errors import DomainError, describe_errors
from readiness.extensions import db


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
