"""Keeping the interface's catalogs in step with the code (a developer's tool, not the site's).

    python -m network.catalogs extract   # rewrite network/translations/messages.pot from the code
    python -m network.catalogs update    # extract, then merge the new template into every .po
    python -m network.catalogs check     # list what each shipped catalog misses (exit 1 if any)

The test suite runs the same extraction (tests/network/test_catalogs.py), so a message added to the
code without its translations fails the build.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import write_po

from network.i18n import TEMPLATE, catalog_path, missing_messages, read_catalog, shipped_catalogs

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("network", "content", "federation", "notify")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "_n": (1, 2), "lazy_ngettext": (1, 2)}
METHODS = [
    ("**/translations/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**/templates/**.txt", "jinja2.ext:babel_extract"),
]
OPTIONS = {
    "**/templates/**.html": {"trimmed": "true", "extensions": "jinja2.ext.i18n"},
    "**/templates/**.txt": {"extensions": "jinja2.ext.i18n"},
}


def extract() -> Catalog:
    """Every message the code and templates of the site's packages mark for translation."""
    catalog = Catalog(project="RNDD Hub", charset="utf-8", fuzzy=False)
    for package in PACKAGES:
        found = extract_from_dir(ROOT / package, METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True)
        for filename, lineno, message, comments, context in found:
            location = (f"{package}/{filename}", lineno)
            catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=110, sort_output=False, omit_header=False)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command in ("extract", "update"):
        template = extract()
        _write(template, TEMPLATE)
        if command == "update":
            for code in shipped_catalogs():
                catalog = read_catalog(catalog_path(code))
                catalog.update(template, no_fuzzy_matching=True)
                _write(catalog, catalog_path(code))
    missing = {code: missing_messages(code) for code in shipped_catalogs()}
    for code, ids in missing.items():
        print(f"{code}: {len(ids)} message(s) missing")
        for message in ids:
            print(f"  {message!r}")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
