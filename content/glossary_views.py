"""The network admin's glossary pages: the concepts, and one concept's forms per language."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from content import glossary
from content.models import GLOSSARY_REGISTERS, LANGUAGES
from network import i18n
from network.errors import Invalid
from network.form_messages import Form
from network.forms import ActionForm, require_submitted
from network.guards import role_required

bp = Blueprint("glossary", __name__, url_prefix="/admin/glossary")
network_admin = role_required("network_admin")
REGISTER_NAMES = {"formal": _l("formal"), "common": _l("common")}  # a form's badge
REGISTER_CHOICES = {"formal": _l("Formal"), "common": _l("Common")}  # the form's choices


class ConceptForm(Form):
    name = StringField(
        _l("New concept (its English name)"), validators=[DataRequired(), Length(max=glossary.MAX_NAME)]
    )


class FormForm(Form):
    language = SelectField(_l("Language"), validate_choice=False)
    text = StringField(_l("Form"), validators=[DataRequired(), Length(max=glossary.MAX_FORM)])
    register = SelectField(
        _l("Register"), validate_choice=False,
        choices=[SelectChoice(r, REGISTER_CHOICES.get(r, r)) for r in GLOSSARY_REGISTERS],
    )  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(code, name) for code, name in _language_names().items()]


def _language_names() -> dict[str, str]:
    """The network's languages named in the interface's language."""
    return {code: i18n.language_name(code, name) for code, name in LANGUAGES.items()}


def _keep_errors(form: Form, error: Invalid) -> None:
    """The service's problems shown at their fields."""
    for name, problem in error.fields.items():
        field = form[name]
        field.errors = [*field.errors, problem]


@bp.route("", methods=["GET", "POST"])
@network_admin
def concept_list():
    form = ConceptForm()
    if form.validate_on_submit():
        try:
            concept = glossary.add_concept(current_user, form.name.data)
        except Invalid as error:
            _keep_errors(form, error)
        else:
            flash(_("“%(name)s” added: now give its forms.", name=concept.name), "success")
            return redirect(url_for(".concept_detail", concept_id=concept.id))
    listed = glossary.concepts()
    return render_template("content/glossary.html", concepts=listed, form=form,
                           counts=glossary.language_counts(listed)), 422 if form.errors else 200  # fmt: skip


@bp.route("/<int:concept_id>", methods=["GET", "POST"])
@network_admin
def concept_detail(concept_id: int):
    concept = glossary.get_concept(concept_id)
    form = FormForm()
    if form.validate_on_submit():
        try:
            added = glossary.add_form(current_user, concept_id, form.language.data, form.text.data,
                                      form.register.data)  # fmt: skip
        except Invalid as error:
            _keep_errors(form, error)
        else:
            named = i18n.language_name(added.language, LANGUAGES[added.language])
            flash(_("“%(form)s” added in %(language)s.", form=added.text, language=named), "success")
            return redirect(url_for(".concept_detail", concept_id=concept_id))
    page = render_template("content/glossary_concept.html", concept=concept, form=form, action=ActionForm(),
                           languages=_language_names(), register_names=REGISTER_NAMES)  # fmt: skip
    return page, 422 if form.errors else 200


def _confirmed() -> None:
    require_submitted()


@bp.post("/<int:concept_id>/forms/<int:form_id>/remove")
@network_admin
def remove_form(concept_id: int, form_id: int):
    _confirmed()
    glossary.remove_form(current_user, concept_id, form_id)
    flash(_("Form removed."), "success")
    return redirect(url_for(".concept_detail", concept_id=concept_id))


@bp.post("/<int:concept_id>/remove")
@network_admin
def remove_concept(concept_id: int):
    _confirmed()
    name = glossary.remove_concept(current_user, concept_id)
    flash(_("“%(name)s” and its forms removed.", name=name), "success")
    return redirect(url_for(".concept_list"))
