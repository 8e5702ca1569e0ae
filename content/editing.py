"""Between the editor form and the document services: choices in, plain values out."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from content import missions
from content.forms import DocumentForm, PublishForm
from content.models import KINDS, LANGUAGES, Document
from content.queries import topics
from network import access, i18n
from network.extensions import db
from network.models import Country

DETECT_LABEL = _l("Detect automatically from the text")


def _other_countries(owner: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(db.select(Country).where(Country.code != owner).order_by(Country.name))
    return [SelectChoice(c.code, i18n.country_name(c.code, c.name)) for c in rows]


def document_form(actor: Any, doc: Document | None = None) -> DocumentForm:
    """The editor, filled from the document on GET and from the request on POST."""
    form = DocumentForm(obj=doc) if request.method == "GET" else DocumentForm()
    form.kind.choices = [SelectChoice(kind, label) for kind, label in KINDS.items()]
    form.language.choices = [
        SelectChoice(code, i18n.language_name(code, name)) for code, name in LANGUAGES.items()
    ]
    if doc is None:  # a new document's language may be left to detection (services.written_in)
        form.language.choices.insert(0, SelectChoice("", DETECT_LABEL))
    form.topics.choices = [SelectChoice(t.slug, t.name) for t in topics()]
    owner = doc.country_code if doc else actor.country_code
    form.shared_with.choices = _other_countries(owner)
    form.mission.choices = [SelectChoice("", "— not a report —")] + [
        SelectChoice(str(m.id), m.name) for m in missions.listed(owner)
    ]
    siblings = db.session.scalars(
        db.select(Document)
        .where(access.visible_documents(actor), Document.country_code == owner)
        .where(Document.translation_of_id.is_(None))
        .order_by(Document.title)
    ).unique()
    form.translation_of.choices = [SelectChoice("", _("— not a translation —"))] + [
        SelectChoice(str(d.id), f"{d.title} ({d.language})") for d in siblings if not doc or d.id != doc.id
    ]
    if request.method == "GET":
        _fill(form, actor, doc)
    return form


def _fill(form: DocumentForm, actor: Any, doc: Document | None) -> None:
    if doc is None:
        form.language.data = ""
        form.visibility.data = "country"
        return
    form.topics.data = [t.slug for t in doc.topics]
    form.tags.data = ", ".join(doc.tags or [])
    form.year.data = str(doc.year or "")
    form.translation_of.data = str(doc.translation_of_id or "")
    form.shared_with.data = doc.shared_with
    form.version.data = doc.version
    form.mission.data = str(doc.mission_id or "")
    form.sources.data = "\n".join(doc.sources or [])


def form_values(form: DocumentForm, actor: Any, doc: Document | None = None) -> dict[str, Any]:
    """The fields the actor may set; the audience only for those who may publish."""
    values: dict[str, Any] = {
        "title": form.title.data or "",
        "summary": form.summary.data or "",
        "body_markdown": form.body_markdown.data or "",
        "kind": form.kind.data,
        "language": form.language.data,
        "topics": form.topics.data or [],
        "tags": form.tags.data or "",
        "year": form.year.data or None,
        "translation_of": form.translation_of.data or None,
    }
    if form.kind.data == "report":
        values.update(mission=form.mission.data or None, concerns=form.concerns.data or "",
                      urgency=form.urgency.data or "routine", sources=form.sources.data or "")  # fmt: skip
    may_set_audience = access.can_publish(actor, doc) if doc else actor.role == "country_admin"
    if may_set_audience and form.visibility.data:
        values["visibility"] = form.visibility.data
        values["shared_with"] = form.shared_with.data if form.visibility.data == "countries" else []
    return values


def publish_form(doc: Document) -> PublishForm:
    form = PublishForm() if request.method == "POST" else PublishForm(visibility=doc.visibility)
    form.shared_with.choices = _other_countries(doc.country_code)
    if request.method == "GET":
        form.shared_with.data = doc.shared_with
    return form
