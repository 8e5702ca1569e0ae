"""The network admin's glossary pages: the concepts, and one concept's forms per language."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from content import glossary
from content.models import GLOSSARY_REGISTERS, LANGUAGES
from network.errors import Invalid
from network.forms import ActionForm
from network.guards import role_required

bp = Blueprint("glossary", __name__, url_prefix="/admin/glossary")
network_admin = role_required("network_admin")


class ConceptForm(FlaskForm):
    name = StringField(
        "New concept (its English name)", validators=[DataRequired(), Length(max=glossary.MAX_NAME)]
    )


class FormForm(FlaskForm):
    language = SelectField("Language", validate_choice=False)
    text = StringField("Form", validators=[DataRequired(), Length(max=glossary.MAX_FORM)])
    register = SelectField("Register", validate_choice=False,
                           choices=[SelectChoice(r, r.capitalize()) for r in GLOSSARY_REGISTERS])  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(code, name) for code, name in LANGUAGES.items()]


def _keep_errors(form: FlaskForm, error: Invalid) -> None:
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
            flash(f"“{concept.name}” added: now give its forms.", "success")
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
            flash(f"“{added.text}” added in {LANGUAGES[added.language]}.", "success")
            return redirect(url_for(".concept_detail", concept_id=concept_id))
    return render_template("content/glossary_concept.html", concept=concept, form=form, action=ActionForm(),
                           languages=LANGUAGES), 422 if form.errors else 200  # fmt: skip


def _confirmed() -> None:
    if not ActionForm().validate_on_submit():
        raise Invalid({"csrf_token": "The form expired; try again."})


@bp.post("/<int:concept_id>/forms/<int:form_id>/remove")
@network_admin
def remove_form(concept_id: int, form_id: int):
    _confirmed()
    glossary.remove_form(current_user, concept_id, form_id)
    flash("Form removed.", "success")
    return redirect(url_for(".concept_detail", concept_id=concept_id))


@bp.post("/<int:concept_id>/remove")
@network_admin
def remove_concept(concept_id: int):
    _confirmed()
    name = glossary.remove_concept(current_user, concept_id)
    flash(f"“{name}” and its forms removed.", "success")
    return redirect(url_for(".concept_list"))
