"""The `rndd` command line (also `flask --app wsgi <command>`)."""

from __future__ import annotations

import os
import secrets
import sys
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from network.errors import Invalid
from network.extensions import db
from network.models import ROLES, TOKEN_SCOPES, ApiToken, User


def init_database() -> None:
    """Upgrade the schema to head, then seed reference data; safe to repeat."""
    from content.seed import seed_topics
    from network.seed import seed_countries

    upgrade()
    added = seed_countries(), seed_topics()
    db.session.commit()
    click.echo(f"Database ready ({added[0]} countries and {added[1]} topics added).")


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or migrate the database and seed the countries and topics."""
    init_database()


@click.command("demo")
@click.option("--serve", is_flag=True, help="Serve the demo site after loading it.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo_command(serve: bool, host: str, port: int) -> None:
    """`init`, plus demo users and documents of several countries, languages and audiences."""
    from content import indexing
    from content.demo import load_demo

    init_database()
    load_demo(echo=click.echo)
    click.echo(f"Search index: {indexing.rebuild()} documents indexed.")
    if serve:
        click.echo(f"Serving RNDD Hub at http://{host}:{port}/ (Ctrl+C stops it)")
        # Flask refuses app.run() inside its own CLI, so serve with Werkzeug directly.
        run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.group("users")
def users_group() -> None:
    """Manage users."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--country", "country", required=True, help="ISO code, e.g. ID")
@click.option("--role", type=click.Choice(ROLES), required=True)
@with_appcontext
def users_create(email: str, name: str, country: str, role: str) -> None:
    """Create a user; the password comes from stdin, or a prompt on a terminal."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    from network.users import create_user

    try:
        user = create_user(email, name, country, role, password)
    except Invalid as error:
        for field, problem in error.fields.items():
            click.echo(f"{field}: {problem}", err=True)
        raise SystemExit(1) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}, {user.country_code}).")


@click.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--scope", type=click.Choice(TOKEN_SCOPES), default="read", show_default=True)
@click.option("--name", default="cli", help="A label to recognise the token by.")
@with_appcontext
def tokens_create(email: str, scope: str, name: str) -> None:
    """Print a new API token once (only its hash is kept)."""
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        click.echo(f"No active user {email}.", err=True)
        raise SystemExit(1)
    token, clear = ApiToken.issue(user, scope=scope, name=name)
    db.session.add(token)
    db.session.commit()
    click.echo(clear)


@click.group("index")
def index_group() -> None:
    """The search index: rebuild, drain, verify."""


@index_group.command("rebuild")
@with_appcontext
def index_rebuild() -> None:
    """Rebuild from the database into a new directory and swap it in; search keeps working."""
    from content import indexing
    from content.models import Document

    if indexing.search_index().is_rebuilding():
        click.echo("Another rebuild is running; this one starts when it has finished.")
    total = db.session.scalar(db.select(db.func.count()).select_from(Document)) or 0
    with click.progressbar(length=total, label="Indexing documents") as bar:
        count = indexing.rebuild(progress=lambda n: bar.update(n - bar.pos))
    click.echo(f"Index rebuilt: {count} documents.")


@index_group.command("drain")
@with_appcontext
def index_drain() -> None:
    """Apply the change-log rows the index has not seen yet; exit 1 if it cannot be used."""
    from content import indexing
    from search_index import IndexUnavailable

    try:
        click.echo(f"Applied {indexing.drain()} change-log rows.")
    except IndexUnavailable as error:
        _unusable_index(error)


@index_group.command("verify")
@with_appcontext
def index_verify() -> None:
    """Compare (id, version) in index and database; exit 1 on any difference, or if the index
    is absent, corrupt or of another layout (reported, never rebuilt here)."""
    from content import indexing
    from search_index import IndexUnavailable

    try:
        report = indexing.verify()
    except IndexUnavailable as error:
        _unusable_index(error)
    for name in ("missing", "stale", "duplicate", "extra"):
        ids = getattr(report, name)
        if ids:
            click.echo(f"{name}: {len(ids)} ({', '.join(map(str, ids[:50]))})")
    if not report.is_clean:
        raise SystemExit(1)
    click.echo("Index and database agree.")


def _unusable_index(error: Exception) -> NoReturn:
    click.echo(f"The {error}. Nothing was changed; run `rndd index rebuild`.", err=True)
    raise SystemExit(1)


def register(app: Flask) -> None:
    for command in (init_command, demo_command, users_group, tokens_group, index_group):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from network import create_app

    return create_app()


def main() -> None:
    """Console script: a Flask CLI group over the application factory.

    `rndd demo` is the one command that may start without RNDD_SECRET_KEY: it is a local
    demonstration, so it gets a throwaway key (sessions end when it stops).
    """
    if sys.argv[1:2] == ["demo"] and not os.environ.get("RNDD_SECRET_KEY"):
        os.environ["RNDD_SECRET_KEY"] = secrets.token_hex(32)
        click.echo("Demo: using a throwaway secret key; set RNDD_SECRET_KEY for real use.", err=True)
    FlaskGroup(create_app=_create_app, add_version_option=False)(prog_name="rndd")
