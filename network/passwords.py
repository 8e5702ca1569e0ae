"""The password policy: long enough and not a common password; no composition rules.

NIST SP 800-63B asks for length and a check against passwords known from breaches, and
advises against rules such as "one digit and one capital". The list shipped here holds the
10,000 most common passwords (see docs/accounts.md for its source and licence).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from flask_babel import gettext as _

from network.errors import Invalid

PASSWORD_MIN = 12
PASSWORD_MAX = 200


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("network").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def problem(password: str) -> str | None:
    """What is wrong with a new password, in words for its owner, or None."""
    if len(password) < PASSWORD_MIN:
        return _("Use at least %(num)s characters.", num=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("Use at most %(num)s characters.", num=PASSWORD_MAX)
    if password.strip().lower() in common_passwords():
        return _("This is one of the most common passwords; choose another.")
    return None


def check(password: str, field: str = "password") -> None:
    """Raises: Invalid naming `field` when the password breaks the policy."""
    found = problem(password)
    if found:
        raise Invalid({field: found})
