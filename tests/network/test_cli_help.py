"""`rndd --help` and every subcommand's `--help` work on a bare machine: no RNDD_SECRET_KEY, no
configuration at all (a clean environment, in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click

from network import cli

RUN_RNDD = "import sys; from network.cli import main; sys.argv[0] = 'rndd'; main()"

# In the clean subprocess: the `--help` of every command path, through the real entry point.
EVERY_HELP = """
import contextlib, io, json, sys
from network import cli
results = {}
for path in json.loads(sys.argv[1]):
    sys.argv = ["rndd", *path, "--help"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main()
            code = 0
        except SystemExit as done:
            code = done.code or 0
    results[" ".join(path)] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(results))
"""


def _bare_environment(tmp_path) -> dict[str, str]:
    """Only what a shell needs to find Python; a working directory with no .env or instance."""
    return {"PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin", "HOME": str(tmp_path)}


def _run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", *args], env=_bare_environment(tmp_path), cwd=tmp_path, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    paths = []
    for name, command in group.commands.items():
        paths.append([*prefix, name])
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


def test_rndd_help_lists_every_command_without_configuration(tmp_path):
    done = _run(tmp_path, RUN_RNDD, "--help")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    listed = done.stdout.split("Commands:", 1)[1]
    for command in [*(c.name for c in cli.commands()), "db", "routes", "run", "shell"]:
        assert f"\n  {command} " in listed, command


def test_every_subcommands_help_works_without_configuration(tmp_path):
    group = click.Group(commands=cli.commands())
    paths = _command_paths(group)
    assert len(paths) > 20  # users, tokens, index, audit, federation and their subcommands
    done = _run(tmp_path, EVERY_HELP, json.dumps(paths))
    assert done.returncode == 0, done.stderr
    for path, (code, out, err) in json.loads(done.stdout).items():
        assert code == 0, f"rndd {path} --help: exit {code}\n{err}"
        assert out.startswith(f"Usage: rndd {path}"), f"rndd {path} --help:\n{out}{err}"
        assert "Traceback" not in out + err, path


def test_a_command_that_needs_configuration_says_so_plainly(tmp_path):
    done = _run(tmp_path, RUN_RNDD, "init")
    assert done.returncode == 1
    assert "RNDD_SECRET_KEY is not set" in done.stderr
    assert "Traceback" not in done.stderr
