"""Pages for reading and writing documents. Views parse and render; services decide."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from content import audience, exporting, queries, revisions, services
from content.editing import document_form, form_values, publish_form
from content.models import KINDS, LANGUAGES, VISIBILITIES, Topic
from content.rendering import render_markdown
from network import access, security
from network.api import id_from, page_arg
from network.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from network.extensions import db
from network.forms import ActionForm
from network.guards import role_required, signed_in
from network.models import Country

bp = Blueprint("content", __name__, template_folder="templates")
writer = role_required("contributor", "country_admin")
admin = role_required("country_admin")



@bp.route("/")
def home():
    latest = queries.documents(current_user, per_page=12, published_only=True)
    countries = db.session.scalars(db.select(Country).order_by(Country.name))
    return render_template(
        "content/home.html", latest=latest.items, topics=queries.topics(), countries=list(countries)
    )


@bp.route("/documents")
def browse():
    filters = {k: request.args.get(k) for k in ("kind", "country", "topic", "language")}
    if filters["kind"] and filters["kind"] not in KINDS:
        filters["kind"] = None
    if filters["language"] and filters["language"] not in LANGUAGES:
        filters["language"] = None
    page = queries.documents(current_user, page=page_arg(), published_only=True, **filters)
    return render_template(
        "content/browse.html",
        page=page,
        filters=filters,
        topics=queries.topics(),
        title="Documents",
    )


@bp.route("/countries/<code>")
def country(code: str):
    found = db.session.get(Country, code.upper())
    if found is None:
        raise NotFound(_("No such member country."))
    page = queries.documents(current_user, page=page_arg(), published_only=True, country=found.code)
    return render_template("content/country.html", country=found, page=page)


@bp.route("/topics/<slug>")
def topic(slug: str):
    found = db.session.scalar(db.select(Topic).where(Topic.slug == slug))
    if found is None:
        raise NotFound(_("No such topic."))
    page = queries.documents(current_user, page=page_arg(), published_only=True, topic=slug)
    return render_template("content/topic.html", topic=found, page=page)


@bp.route("/documents/<int:doc_id>")
def document(doc_id: int):
    doc = services.get_readable(current_user, doc_id)
    return render_template(
        "content/document.html", doc=doc, translations=queries.translations(current_user, doc),
        audience=audience.describe(doc), action=ActionForm(),
    )  # fmt: skip


@bp.route("/documents/<int:doc_id>/export.md", defaults={"extension": "md"})
@bp.route("/documents/<int:doc_id>/export.html", defaults={"extension": "html"})
def export(doc_id: int, extension: str):
    """The document as a file to keep: Markdown or self-contained HTML (404 for whoever may not
    read it); a course with the lessons the user may read."""
    found, text = (exporting.markdown if extension == "md" else exporting.html)(current_user, doc_id)
    response = Response(text, mimetype="text/markdown" if extension == "md" else "text/html")
    name = exporting.filename(found.doc, extension)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"  # what one reader may read, kept by nobody else
    response.headers["Vary"] = "Cookie, Authorization"
    if extension == "html":
        response.headers["Content-Security-Policy"] = security.EXPORT_POLICY
    return response


@bp.route("/drafts")
@signed_in
def drafts():
    return render_template(
        "content/drafts.html", drafts=queries.my_drafts(current_user),
        withdrawn=queries.withdrawn(current_user) if current_user.is_country_admin else [],
    )  # fmt: skip


@bp.route("/review")
@admin
def review():
    return render_template("content/review.html", docs=queries.review_queue(current_user),
                           lessons=queries.lessons_in_review(current_user))  # fmt: skip


def _show_errors(form, error: Invalid, fallback: str = "title") -> None:
    """Put each problem on its field (or the fallback field, for names the form lacks)."""
    for name, problem in error.fields.items():
        field = getattr(form, name, None) or getattr(form, fallback)
        field.errors = [*field.errors, problem]


@bp.route("/documents/new", methods=["GET", "POST"])
@writer
def new_document():
    form = document_form(current_user)
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = render_markdown(form.body_markdown.data or "").html
        else:
            try:
                doc = services.create_document(current_user, form_values(form, current_user))
            except Invalid as error:
                _show_errors(form, error)
            else:
                flash(_("Draft saved."), "success")
                return redirect(url_for(".document", doc_id=doc.id))
    status = 422 if form.errors else 200
    return render_template("content/edit.html", form=form, doc=None, preview=preview), status


@bp.route("/documents/<int:doc_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_document(doc_id: int):
    doc = services.get_editable(current_user, doc_id)
    form = document_form(current_user, doc)
    preview, conflict = None, None
    if form.validate_on_submit():
        if form.preview.data:
            preview = render_markdown(form.body_markdown.data or "").html
        else:
            try:
                services.update_document(
                    current_user, doc.id, form.version.data or 0, form_values(form, current_user, doc),
                    note=form.note.data or "",
                )  # fmt: skip
            except Invalid as error:
                _show_errors(form, error)
            except Conflict as error:
                db.session.rollback()
                conflict = error.message
                doc = services.get_editable(current_user, doc_id)
            else:
                flash(_("Saved."), "success")
                return redirect(url_for(".document", doc_id=doc.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template(
        "content/edit.html", form=form, doc=doc, preview=preview, conflict=conflict
    ), status


@bp.route("/preview", methods=["POST"])
@writer
def preview():
    """Live preview for the editor's script: the same sanitised HTML a save would store."""
    text = request.form.get("body_markdown", "")
    if len(text) > 200_000:
        raise Invalid({"body_markdown": _("Too long to preview.")})
    return jsonify(html=render_markdown(text).html)


def _action(doc_id: int, run, message: str):
    if not ActionForm().validate_on_submit():
        raise Invalid({"csrf_token": _("The form expired; reload the page and try again.")})
    try:
        run(current_user, doc_id)
    except Conflict as error:
        flash(error.message, "warning")
    else:
        flash(message, "success")
    return redirect(url_for(".document", doc_id=doc_id))


@bp.route("/documents/<int:doc_id>/submit", methods=["POST"])
@writer
def submit(doc_id: int):
    return _action(doc_id, services.submit_for_review, _("Submitted for review."))


@bp.route("/documents/<int:doc_id>/return", methods=["POST"])
@writer
def return_to_draft(doc_id: int):
    return _action(doc_id, services.return_to_draft, _("Back to draft."))


@bp.route("/documents/<int:doc_id>/withdraw", methods=["POST"])
@admin
def withdraw(doc_id: int):
    return _action(doc_id, services.unpublish, _("Withdrawn: only your country admins can read it now."))


@bp.route("/documents/<int:doc_id>/publish", methods=["GET", "POST"])
@admin
def publish(doc_id: int):
    """The confirmation: the statement always describes the audience the form submits.

    Publishing needs the form to carry back the audience its statement showed (`shown`, kept
    in step by network/static/publish.js or by "Update the statement"); any other audience is
    refused with 409 and the page shows the statement of the one submitted, to confirm again.
    """
    doc = services.get_publishable(current_user, doc_id)
    form = publish_form(doc)
    chosen = _chosen_audience(form.visibility.data, form.shared_with.data, doc)
    mismatch = None
    if form.validate_on_submit() and form.confirm.data == "yes":
        if form.shown.data != audience.key(*chosen):
            mismatch = _(
                "The audience you chose is not the one the statement showed, so nothing was published. "
                "Read the statement for your choice below, then publish again."
            )
        else:
            try:
                services.publish(current_user, doc.id, *chosen)
            except Invalid as error:
                _show_errors(form, error, fallback="visibility")
            except Conflict as error:
                flash(error.message, "warning")
                return redirect(url_for(".document", doc_id=doc.id))
            else:
                flash(_("Published."), "success")
                return redirect(url_for(".document", doc_id=doc.id))
    form.shown.data = audience.key(*chosen)
    statement = audience.describe(doc, *chosen)
    status = 409 if mismatch else (422 if form.errors else 200)
    return render_template(
        "content/publish.html", doc=doc, form=form, statement=statement, mismatch=mismatch
    ), status


@bp.route("/documents/<int:doc_id>/publish/statement")
@admin
def publish_statement(doc_id: int):
    """The statement for an audience being chosen (`?visibility=&shared_with=`), for publish.js."""
    doc = services.get_publishable(current_user, doc_id)
    chosen = _chosen_audience(request.args.get("visibility"), request.args.getlist("shared_with"), doc)
    statement = audience.describe(doc, *chosen)
    return jsonify(
        audience=audience.key(*chosen), once_published=statement.once_published,
        attachments=statement.attachments, federation=statement.federation,
    )  # fmt: skip


def _chosen_audience(visibility: str | None, shared: list[str] | None, doc) -> tuple[str, list[str]]:
    if visibility not in VISIBILITIES:
        visibility = doc.visibility
    codes = sorted({str(code).upper() for code in shared or []}) if visibility == "countries" else []
    return visibility, codes


@bp.route("/documents/<int:doc_id>/delete", methods=["GET", "POST"])
@writer
def delete(doc_id: int):
    doc = services.get_readable(current_user, doc_id)
    form = ActionForm()
    if form.validate_on_submit():
        services.delete_document(current_user, doc.id)
        flash(_("“%(title)s” was deleted.", title=doc.title), "success")
        return redirect(url_for(".drafts"))
    if not access.can_delete(current_user, doc):
        raise Forbidden(_("You may not delete this document."))
    return render_template("content/delete.html", doc=doc, form=form)


@bp.route("/documents/<int:doc_id>/history")
@signed_in
def history(doc_id: int):
    doc, revs = revisions.history(current_user, doc_id)
    return render_template("content/history.html", doc=doc, revisions=revs, action=ActionForm())


@bp.route("/documents/<int:doc_id>/revisions/<int:number>")
@signed_in
def revision(doc_id: int, number: int):
    rev = revisions.get_revision(current_user, doc_id, number)
    doc = services.get_readable(current_user, doc_id)
    html = render_markdown(rev.body_markdown).html
    return render_template("content/revision.html", doc=doc, rev=rev, html=html, action=ActionForm())


@bp.route("/documents/<int:doc_id>/diff")
@signed_in
def diff(doc_id: int):
    numbers = _two_numbers(request.args)
    old = revisions.get_revision(current_user, doc_id, numbers[0])
    new = revisions.get_revision(current_user, doc_id, numbers[1])
    doc = services.get_readable(current_user, doc_id)
    return render_template("content/diff.html", doc=doc, old=old, new=new, lines=revisions.diff(old, new))


def _two_numbers(args: Any) -> tuple[int, int]:
    """Raises: BadRequest without two whole numbers; NotFound for one no revision can have."""
    given = (args.get("from", ""), args.get("to", ""))
    if not all(text.isascii() and text.isdigit() for text in given):
        raise BadRequest(_("Give two revision numbers: ?from=1&to=2"))
    numbers = tuple(id_from(text) for text in given)
    if None in numbers:
        raise NotFound(_("No such revision."))
    return numbers


@bp.route("/documents/<int:doc_id>/revisions/<int:number>/restore", methods=["POST"])
@writer
def restore(doc_id: int, number: int):
    if not ActionForm().validate_on_submit():
        raise Invalid({"csrf_token": _("The form expired; reload the page and try again.")})
    doc = services.get_editable(current_user, doc_id)
    try:
        revisions.restore(current_user, doc_id, number, doc.version)
    except Conflict as error:
        flash(error.message, "warning")
    else:
        flash(_("Revision %(number)s restored as a new revision.", number=number), "success")
    return redirect(url_for(".history", doc_id=doc_id))
