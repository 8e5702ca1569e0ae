"""WTForms' and Flask-WTF's own messages, in the interface's languages.

WTForms ships no Bahasa Indonesia (nor Thai, Vietnamese or Malay), so the messages its validators
can show on this site's forms are part of this site's catalog: marked here for extraction, and
looked up through :class:`FormTranslations`, which every form uses (`Form.Meta`). A message the
catalog lacks falls back to WTForms' own catalog for the language, then to English.
"""

from __future__ import annotations

from babel.support import Translations
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _n
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from network import i18n

MESSAGES = (
    _l("This field is required."),
    _n(
        "Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 2
    ),
    _n(
        "Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 2
    ),
    _n("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field must be equal to %(other_name)s."),
    _l("Not a valid choice."),
    _l("Not a valid integer value."),
    _l("Invalid URL."),
    _l("Invalid email address."),
    _l("Invalid input."),
)


class FormTranslations:
    """The `gettext`/`ngettext` pair WTForms asks for, answering from the site's catalog."""

    def _catalogs(self) -> list:
        code = str(get_locale()) if has_request_context() else i18n.SOURCE_LANGUAGE
        ours = i18n.compiled(code)
        return [ours, Translations.load(messages_path(), [code], domain="wtforms")]

    def gettext(self, string: str) -> str:
        for catalog in self._catalogs():
            translated = catalog.ugettext(string)
            if translated != string:
                return translated
        return string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        english = singular if n == 1 else plural
        for catalog in self._catalogs():
            translated = catalog.ungettext(singular, plural, n)
            if translated != english:
                return translated
        return english


translations = FormTranslations()


class Form(FlaskForm):
    """The site's forms: Flask-WTF's, with WTForms' messages in the interface's language."""

    class Meta:
        def get_translations(self, form):  # noqa: ANN001 (WTForms' signature)
            return translations
