"""`rndd backup PATH` and `rndd restore PATH [--force]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from network.backup import BackupError, create_backup
from network.databases import DatabaseToolError
from network.restore import RestoreRefused, restore_backup


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write one archive of the database, uploads and node keys, with a manifest of checksums.

    The site may keep serving meanwhile; a failed backup leaves no partial archive behind.
    """
    try:
        result = create_backup(path)
    except (BackupError, DatabaseToolError, OSError) as error:
        click.echo(f"Backup failed: {error}", err=True)
        raise SystemExit(1) from error
    for name in result.vanished:
        click.echo(f"Left out {name}: it was deleted while the backup ran.", err=True)
    click.echo(f"Backup written to {result.path} ({len(result.files)} files, {result.size / 2**20:.1f} MB).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the contents of an instance that is not empty.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Restore an archive of `rndd backup` into an empty instance, then rebuild the search index.

    The archive is checked in full (names, checksums, schema) before anything is changed.
    """
    try:
        result = restore_backup(path, force=force)
    except RestoreRefused as error:
        click.echo(f"Restore refused: {error} Nothing was restored.", err=True)
        raise SystemExit(1) from error
    except DatabaseToolError as error:
        click.echo(f"Restore failed: {error} The database was left as it was.", err=True)
        raise SystemExit(1) from error
    manifest = result.manifest
    click.echo(f"Restored the backup of {manifest['node_name']} made at {manifest['created_at']} "
               f"({len(manifest['files'])} files, schema {manifest['schema_revision']}).")  # fmt: skip
    if result.upgraded_from:
        click.echo(f"Database upgraded from schema {result.upgraded_from} to this version's.")
    click.echo(f"Search index rebuilt: {result.indexed} documents.")
