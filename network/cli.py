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

from network import audit, backup_cli
from network.config import LOCAL_BASE_URL
from network.errors import Invalid
from network.extensions import db
from network.models import ROLES, TOKEN_SCOPES, User
from network.urls import set_base_url


def init_database() -> None:
    """Upgrade the schema to head, then seed reference data; safe to repeat."""
    from content.glossary import seed_glossary
    from content.seed import seed_topics
    from network.seed import seed_countries

    upgrade()
    added = seed_countries(), seed_topics(), seed_glossary()
    db.session.commit()
    click.echo(
        f"Database ready ({added[0]} countries, {added[1]} topics and {added[2]} glossary concepts added)."
    )


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or migrate the database and seed the countries, topics and (when empty) the glossary."""
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
    current_app.config["REQUIRE_2FA"] = current_app.config.get("REQUIRE_2FA") or "none"
    load_demo(echo=click.echo)
    _demo_node_key()
    click.echo(f"Search index: {indexing.rebuild()} documents indexed.")
    if serve:
        if current_app.config["BASE_URL"] == LOCAL_BASE_URL:  # not chosen by the operator: serve's own
            set_base_url(current_app, _served_at(host, port))
        click.echo(f"Serving RNDD Hub at {current_app.config['BASE_URL']}/ (Ctrl+C stops it)")
        # Flask refuses app.run() inside its own CLI, so serve with Werkzeug directly.
        run_simple(host, port, current_app._get_current_object(), threaded=True)


def _demo_node_key() -> None:
    """The demo federates out of the box: it gets a node key the first time."""
    from federation import keys

    try:
        click.echo(f"Node key: {keys.node_key().fingerprint}")
    except keys.NoNodeKey:
        click.echo(f"Node key made: {keys.generate().fingerprint}")


def _served_at(host: str, port: int) -> str:
    """The address a browser on this machine uses; a wildcard address names no host of its own."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 -- compared, not bound
        click.echo("Set RNDD_BASE_URL to the address other machines use to reach this one.", err=True)
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


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


@users_group.command("reset-link")
@click.argument("email")
@with_appcontext
def users_reset_link(email: str) -> None:
    """Print a link that lets the user choose a new password (once, for a limited time)."""
    from network import resets

    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        click.echo(f"No active user {email}.", err=True)
        raise SystemExit(1)
    link = resets.reset_link(user)
    audit.record(None, "password.reset_requested", email=audit.COMMAND_LINE, object_type="user",
                 object_id=user.id, title=user.email, country=user.country_code)  # fmt: skip
    db.session.commit()
    click.echo(link)


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
    from network.tokens import issue_token

    _token, clear = issue_token(user, name, scope, from_cli=True)
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


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check the audit log's hash chain; exit 1 naming the first entry that does not hold."""
    report = audit.verify()
    if not report.is_intact:
        click.echo(f"Audit entry {report.bad_id} {report.problem} ({report.checked} entries before it hold).")
        raise SystemExit(1)
    click.echo(f"Audit log intact: {report.checked} entries.")


def commands() -> list[click.Command]:
    """Every command of `rndd` (and of `flask --app wsgi`)."""
    from federation.cli import federation_group

    return [init_command, demo_command, users_group, tokens_group, index_group, audit_group,
            backup_cli.backup_command, backup_cli.restore_command, federation_group]  # fmt: skip


def register(app: Flask) -> None:
    for command in commands():
        app.cli.add_command(command)


class HubGroup(FlaskGroup):
    """`rndd`: its commands belong to the group itself, so listing them and their `--help` need no
    application, and so no configuration; the application is made only to run one."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted(click.Group.list_commands(self, ctx))


def _create_app() -> Flask:
    from network import create_app
    from network.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:  # a clear message, not a traceback
        raise click.ClickException(str(error)) from None


def main() -> None:
    """Console script: a Flask CLI group over the application factory.

    `rndd demo` is the one command that may start without RNDD_SECRET_KEY: it is a local
    demonstration, so it gets a throwaway key (sessions end when it stops), and without
    RNDD_BASE_URL, so it serves at http://127.0.0.1:5000 or its --host and --port.
    """
    if sys.argv[1:2] == ["demo"] and not os.environ.get("RNDD_SECRET_KEY"):
        os.environ["RNDD_SECRET_KEY"] = secrets.token_hex(32)
        click.echo("Demo: using a throwaway secret key; set RNDD_SECRET_KEY for real use.", err=True)
    if sys.argv[1:2] == ["demo"] and not os.environ.get("RNDD_BASE_URL"):
        os.environ["RNDD_BASE_URL"] = LOCAL_BASE_URL  # `demo --serve` moves it to its --host and --port
    from flask_migrate.cli import db as migrations_group

    group = HubGroup(create_app=_create_app, add_version_option=False, commands=commands())
    group.add_command(migrations_group, "db")  # Flask-Migrate adds it to the app; here without one
    group(prog_name="rndd")
