"""The network's glossary as data: seeded from glossary.json, edited by the network admin.

Search reads it at query time (`current_glossary`), so an edit applies to the next search
without re-indexing. Each process keeps the analysed glossary and checks a cheap stamp (counts
and the latest change) per search, so an edit made through another worker is seen at once.
Every change is audited in the same transaction.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import Mapping
from importlib import resources
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func

from content.models import GLOSSARY_REGISTERS, LANGUAGES, GlossaryConcept, GlossaryForm
from network import access, audit, i18n
from network.errors import Forbidden, Invalid, NotFound
from network.extensions import db
from network.models import utcnow
from search_index import Glossary
from search_index.glossary import MAX_TERM_WORDS

SEED_FILE = "glossary.json"
MAX_NAME = 80
MAX_FORM = 120

_lock = threading.Lock()
_cached: tuple[Any, Glossary] | None = None


def seed_data() -> dict[str, dict[str, dict[str, list[str]]]]:
    """concept -> language -> {"formal": [...], "common": [...]}, as shipped with the package."""
    text = resources.files("content").joinpath(SEED_FILE).read_text(encoding="utf-8")
    return json.loads(text)["concepts"]


def seed_glossary() -> int:
    """Load the shipped glossary into an empty one; returns how many concepts were added.

    Only into an empty glossary: once the network admin edits it, a concept they removed must
    not come back with the next `rndd init`."""
    if db.session.scalar(db.select(func.count(GlossaryConcept.id))):
        return 0
    data = seed_data()
    for name, languages in data.items():
        concept = GlossaryConcept(name=name)
        for lang, registers in languages.items():
            for register, texts in registers.items():
                concept.forms.extend(GlossaryForm(language=lang, register=register, text=t) for t in texts)
        db.session.add(concept)
    return len(data)


def concepts() -> list[GlossaryConcept]:
    """Every concept with its forms, by name."""
    query = db.select(GlossaryConcept).order_by(GlossaryConcept.name)
    return list(db.session.scalars(query.options(db.selectinload(GlossaryConcept.forms))))


def as_mapping() -> dict[str, dict[str, list[str]]]:
    """concept -> language -> forms (formal first), read in two queries."""
    found: dict[str, dict[str, list[str]]] = {}
    rows = db.session.execute(
        db.select(GlossaryConcept.name, GlossaryForm.language, GlossaryForm.text)
        .join(GlossaryForm, GlossaryForm.concept_id == GlossaryConcept.id, isouter=True)
        .order_by(GlossaryConcept.name, GlossaryForm.language, GlossaryForm.register.desc(), GlossaryForm.id)
    )
    for name, language, text in rows:
        languages = found.setdefault(name, {})
        if language is not None:
            languages.setdefault(language, []).append(text)
    return found


def _stamp() -> tuple[Any, ...]:
    row = db.session.execute(
        db.select(
            func.count(GlossaryConcept.id),
            func.max(GlossaryConcept.updated_at),
            db.select(func.count(GlossaryForm.id)).scalar_subquery(),
        )
    ).one()
    return (str(db.engine.url), *row)


def current_glossary() -> Glossary:
    """The glossary as search uses it: rebuilt when the database's copy changed."""
    global _cached
    stamp = _stamp()
    with _lock:
        if _cached is not None and _cached[0] == stamp:
            return _cached[1]
    glossary = Glossary(as_mapping())
    with _lock:
        _cached = (stamp, glossary)
    return glossary


# -- editing (the network admin) ---------------------------------------------------------------


def _require(actor: Any) -> None:
    if not access.can_manage_glossary(actor):
        raise Forbidden(_("Only the network admin edits the glossary."))


def _problems(field: str, limit: int) -> tuple[str, str, str]:
    """What `_clean` says of a concept's name or of a form: whole sentences, as translators need."""
    if field == "name":
        return (
            _("Give a name without control characters."),
            _("Give a name of 1 to %(limit)s characters.", limit=limit),
            _("Give a name with at least one letter."),
        )
    return (
        _("Give the form without control characters."),
        _("Give the form of 1 to %(limit)s characters.", limit=limit),
        _("Give the form with at least one letter."),
    )


def _clean(text: Any, limit: int, field: str) -> str:
    """One line of NFC text: a form typed with decomposed marks matches the same search terms."""
    value = unicodedata.normalize("NFC", " ".join(str(text or "").split()))
    control, length, letter = _problems(field, limit)
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise Invalid({field: control})
    if not value or len(value) > limit:
        raise Invalid({field: length})
    if not any(char.isalnum() for char in value):
        raise Invalid({field: letter})
    return value


def get_concept(concept_id: int) -> GlossaryConcept:
    concept = db.session.get(GlossaryConcept, concept_id)
    if concept is None:
        raise NotFound()
    return concept


def add_concept(actor: Any, name: Any) -> GlossaryConcept:
    """A new concept without forms yet. Raises Invalid for an empty, long or taken name."""
    _require(actor)
    name = _clean(name, MAX_NAME, "name").lower()
    taken = db.session.scalar(db.select(GlossaryConcept.id).where(func.lower(GlossaryConcept.name) == name))
    if taken:
        raise Invalid({"name": _("The glossary already has “%(name)s”.", name=name)})
    concept = GlossaryConcept(name=name, updated_at=utcnow())
    db.session.add(concept)
    db.session.flush()
    audit.record(actor, "glossary.concept_added", object_type="glossary", object_id=concept.id, title=name)
    db.session.commit()
    return concept


def add_form(actor: Any, concept_id: int, language: Any, text: Any, register: Any = "formal") -> GlossaryForm:
    """A form of a concept in one language. Raises NotFound, or Invalid for a bad language,
    register or text, or a form the concept already has."""
    _require(actor)
    concept = get_concept(concept_id)
    problems: dict[str, str] = {}
    if language not in LANGUAGES:
        problems["language"] = _("Choose one of the network's languages.")
    if register not in GLOSSARY_REGISTERS:
        problems["register"] = _("Choose formal or common.")
    if problems:
        raise Invalid(problems)
    text = _clean(text, MAX_FORM, "text")
    if len(text.split()) > MAX_TERM_WORDS:
        raise Invalid(
            {"text": _("A form has at most %(num)s words (a query names it in as many).", num=MAX_TERM_WORDS)}
        )
    if any(f.language == language and f.text.casefold() == text.casefold() for f in concept.forms):
        named = i18n.language_name(language, LANGUAGES[language])
        problem = _("“%(name)s” already has this form in %(language)s.", name=concept.name, language=named)
        raise Invalid({"text": problem})
    form = GlossaryForm(language=language, text=text, register=register)
    concept.forms.append(form)
    concept.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "glossary.form_added", object_type="glossary", object_id=concept.id,
                 title=concept.name, language=language, form=text, register=register)  # fmt: skip
    db.session.commit()
    return form


def remove_form(actor: Any, concept_id: int, form_id: int) -> GlossaryConcept:
    """Remove one form of a concept. Raises NotFound when the concept has no such form."""
    _require(actor)
    concept = get_concept(concept_id)
    form = next((f for f in concept.forms if f.id == form_id), None)
    if form is None:
        raise NotFound()
    concept.forms.remove(form)
    concept.updated_at = utcnow()
    audit.record(
        actor, "glossary.form_removed", object_type="glossary", object_id=concept.id, title=concept.name,
        language=form.language, form=form.text, register=form.register,
    )  # fmt: skip
    db.session.commit()
    return concept


def remove_concept(actor: Any, concept_id: int) -> str:
    """Remove a concept and its forms; returns its name."""
    _require(actor)
    concept = get_concept(concept_id)
    name, forms = concept.name, {f"{f.language}: {f.text}" for f in concept.forms}
    db.session.delete(concept)
    audit.record(actor, "glossary.concept_removed", object_type="glossary", object_id=concept_id, title=name,
                 forms=sorted(forms))  # fmt: skip
    db.session.commit()
    return name


def language_counts(listed: list[GlossaryConcept]) -> Mapping[str, int]:
    """How many concepts have a form in each language (to see which languages lag)."""
    return {code: sum(any(f.language == code for f in c.forms) for c in listed) for code in LANGUAGES}
