"""The interface's languages: catalogs, the choice of a language per request, localised names.

The catalogs ship as `.po` files under `network/translations/` and are compiled in memory the
first time a language is asked for (once per process). Why not `.mo` files built at install
time: an editable install (`pip install -e`, what CI and developers use) bypasses setuptools'
build steps, and an installed site-packages may not be writable for a compile at start; an
in-memory compile needs neither, cannot go stale, and costs a few milliseconds per language.

English is the source language (the strings in the code); another language is offered only
when its catalog translates every message of `messages.pot`, so a half-done catalog is never
shown to a reader.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, has_app_context, has_request_context, request
from flask_babel import Babel, Domain, format_date, format_datetime, get_locale, refresh
from flask_login import current_user, user_logged_in

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
SOURCE_LANGUAGE = "en"
COOKIE = "rndd_language"
COOKIE_SECONDS = 365 * 24 * 3600


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def catalog_path(code: str) -> Path:
    return TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"


def shipped_catalogs() -> list[str]:
    """Every language with a catalog in the package, complete or not."""
    return sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def missing_messages(code: str, template: Catalog | None = None) -> list[str]:
    """The template's messages this language's catalog does not translate (absent, empty or fuzzy)."""
    template = template or read_catalog(TEMPLATE)
    catalog = read_catalog(catalog_path(code))
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = found.string if found is not None else None
        values = strings if isinstance(strings, (tuple, list)) else (strings,)
        if found is None or found.fuzzy or not all(values):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


@cache
def interface_languages() -> tuple[str, ...]:
    """The languages the picker offers: the source language and every complete catalog."""
    template = read_catalog(TEMPLATE)
    complete = [code for code in shipped_catalogs() if not missing_messages(code, template)]
    return (SOURCE_LANGUAGE, *complete)


@cache
def compiled(code: str) -> NullTranslations:
    """One language's catalog compiled to gettext's binary form, in memory."""
    path = catalog_path(code)
    if code == SOURCE_LANGUAGE or not path.exists():
        return Translations()
    buffer = BytesIO()
    write_mo(buffer, read_catalog(path))
    buffer.seek(0)
    return Translations(fp=buffer)


class CatalogDomain(Domain):
    """Flask-Babel's domain, reading the shipped `.po` catalogs instead of `.mo` files on disk."""

    def get_translations(self) -> NullTranslations:
        locale = get_locale() if has_app_context() else None
        return compiled(str(locale)) if locale else NullTranslations()


class HubBabel(Babel):
    @property
    def domain_instance(self) -> Domain:
        if not hasattr(self, "_catalog_domain"):
            self._catalog_domain = CatalogDomain()
        return self._catalog_domain


def select_language() -> str:
    """The user's saved choice, else the visitor's cookie, else the browser's Accept-Language."""
    if not has_request_context():
        return SOURCE_LANGUAGE
    offered = interface_languages()
    chosen = getattr(current_user, "interface_language", None) if current_user else None
    if chosen in offered:
        return chosen
    if request.cookies.get(COOKIE) in offered:
        return request.cookies[COOKIE]
    return request.accept_languages.best_match(offered) or SOURCE_LANGUAGE


def recipient_language(user: object) -> str:
    """The language of a mail: the recipient's choice, else their country's language if the
    interface speaks it, else the language of the request that sends it."""
    offered = interface_languages()
    for code in (
        getattr(user, "interface_language", None),
        getattr(getattr(user, "country", None), "default_language", None),
    ):
        if code in offered:
            return code
    locale = get_locale() if has_request_context() else None
    return str(locale) if locale else SOURCE_LANGUAGE


def display_name(code: str) -> str:
    """A language's own name for itself, as a picker shows it ("Bahasa Indonesia", "English")."""
    name = Locale.parse(code).get_display_name(code) or code
    return {"id": "Bahasa Indonesia", "ms": "Bahasa Melayu"}.get(code, name[:1].upper() + name[1:])


def language_name(code: str, fallback: str | None = None) -> str:
    """A content language's name in the interface's language."""
    names = get_locale().languages
    name = names.get(code)
    return name[:1].upper() + name[1:] if name else (fallback or code)


def country_name(code: str, fallback: str) -> str:
    """A member country's name in the interface's language (ISO 3166 codes), else its stored name."""
    return get_locale().territories.get(code, fallback) if len(code) == 2 else fallback


def _choose_again(_app: Flask, user: object) -> None:
    """Once someone signs in, their saved language applies to the rest of the request (the welcome)."""
    refresh()


def register(app: Flask) -> None:
    HubBabel(app, locale_selector=select_language)
    user_logged_in.connect(_choose_again, app)

    @app.template_filter("date")
    def date_filter(value: datetime | None) -> str:
        return format_date(value, "d MMM y") if value else ""

    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None) -> str:
        return format_datetime(value, "d MMM y, HH:mm") + " UTC" if value else ""

    @app.context_processor
    def languages_for_templates() -> dict:
        return {
            "interface_languages": [(code, display_name(code)) for code in interface_languages()],
            "interface_language": str(get_locale()),
        }
