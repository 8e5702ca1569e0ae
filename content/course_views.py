"""Pages for courses and attachments: lessons, their order, uploads and downloads.

Views parse and render; `content.lessons` and `content.attachments` decide. Refused uploads
and lesson edits come back as the same page with the error on the form, with a 4xx status.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from content import attachments, audience, lessons, queries, services
from content.models import Attachment
from network import access, security
from network.api import id_from
from network.errors import Conflict, DomainError, Invalid, NotFound
from network.form_messages import Form
from network.forms import ActionForm
from network.guards import signed_in

bp = Blueprint("course", __name__, template_folder="templates")


class LessonForm(Form):
    """Values are checked by `content.lessons`, shared with the API."""

    title = StringField(_l("Title"))
    body_markdown = TextAreaField(_l("Lesson text (Markdown)"))
    note = StringField(_l("What changed (for the history)"))
    revision = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    save = SubmitField(_l("Save lesson"))


def file_response(attachment: Attachment, path: Path, inline: bool = False) -> Response:
    """The stored bytes with headers that stop a browser from running or guessing them."""
    inline = inline and attachment.shows_inline
    response = send_file(
        path, mimetype=attachment.content_type, as_attachment=not inline,
        download_name=attachment.stored_name, conditional=True, etag=attachment.sha256,
    )  # fmt: skip
    response.headers["Content-Type"] = attachment.content_type  # as stored: Werkzeug would add a charset
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"  # revalidate: access is checked every time
    response.headers["Vary"] = "Cookie, Authorization"
    digest = base64.b64encode(bytes.fromhex(attachment.sha256)).decode()
    response.headers["Content-Digest"] = f"sha-256=:{digest}:"  # RFC 9530: clients can check too
    pdf = attachment.content_type == "application/pdf"  # Chromium's PDF viewer does not run sandboxed
    response.headers["Content-Security-Policy"] = security.PDF_POLICY if pdf else security.FILE_POLICY
    return response


def lesson_field(raw: str | None) -> int | None:
    """The `lesson_id` of an upload form: none, or a whole number (the service finds the lesson).

    Raises: Invalid when it is not a whole number; NotFound when no lesson can have it.
    """
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise Invalid({"lesson_id": _("Must be the id of a lesson of this course.")})
    lesson_id = id_from(raw)
    if lesson_id is None:
        raise NotFound(_("No such lesson in this course."))
    return lesson_id


def _document_page(doc, status: int, **extra: Any):
    """The document page again (as `content.document` draws it), with an error on a form."""
    return render_template(
        "content/document.html", doc=doc, translations=queries.translations(current_user, doc),
        audience=audience.describe(doc), action=ActionForm(), **extra,
    ), status  # fmt: skip


def _posted(form: Form | None = None) -> None:
    if not (form or ActionForm()).validate_on_submit():
        raise Invalid({"csrf_token": _("The form expired; reload the page and try again.")})


@bp.route("/documents/<int:doc_id>/lessons/<int:lesson_id>")
def lesson(doc_id: int, lesson_id: int):
    return _lesson_page(lessons.get_lesson(current_user, doc_id, lesson_id))


def _lesson_page(found, status: int = 200, **extra: Any):
    """Numbered and linked among the lessons the user may read, so a draft leaves no gap."""
    course = found.document
    shown = access.readable_lessons(current_user, course)
    position = shown.index(found)
    return render_template(
        "content/lesson.html", doc=course, lesson=found, action=ActionForm(), number=position + 1,
        count=len(shown), previous=shown[position - 1] if position else None,
        next=shown[position + 1] if position + 1 < len(shown) else None, **extra,
    ), status  # fmt: skip


def _edit_page(doc, lesson, form: LessonForm, status: int = 200, **extra: Any):
    history = lessons.revisions(lesson) if lesson is not None else []
    return render_template("content/lesson_edit.html", doc=doc, lesson=lesson, form=form, history=history,
                           action=ActionForm(), upload_from="edit", **extra), status  # fmt: skip


def _show_errors(form: LessonForm, error: Invalid) -> None:
    for name, problem in error.fields.items():
        field = getattr(form, name, None) or form.title
        field.errors = [*field.errors, problem]


@bp.route("/documents/<int:doc_id>/lessons/new", methods=["GET", "POST"])
@signed_in
def new_lesson(doc_id: int):
    doc = lessons.course_for_new_lesson(current_user, doc_id)
    form = LessonForm()
    if form.validate_on_submit():
        data = {"title": form.title.data or "", "body_markdown": form.body_markdown.data or ""}
        try:
            created = lessons.add_lesson(current_user, doc.id, data)
        except Invalid as error:
            _show_errors(form, error)
        else:
            flash(_("Lesson added."), "success")
            return redirect(url_for(".lesson", doc_id=doc.id, lesson_id=created.id))
    return _edit_page(doc, None, form, 422 if form.errors else 200)


@bp.route("/documents/<int:doc_id>/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_lesson(doc_id: int, lesson_id: int):
    found = lessons.get_lesson(current_user, doc_id, lesson_id)
    doc = lessons.editable_lesson(current_user, found.id)[0]
    form = LessonForm(obj=found) if request.method == "GET" else LessonForm()
    if request.method == "GET":
        form.revision.data = lessons.latest_revision(found)
    conflict = None
    if form.validate_on_submit():
        data = {"title": form.title.data or "", "body_markdown": form.body_markdown.data or ""}
        try:
            lessons.update_lesson(current_user, found.id, data, note=form.note.data or "",
                                  based_on=form.revision.data)  # fmt: skip
        except Invalid as error:
            _show_errors(form, error)
        except Conflict as error:
            conflict = error.message
            form.revision.data = lessons.latest_revision(found)
        else:
            flash(_("Lesson saved."), "success")
            return redirect(url_for(".lesson", doc_id=doc.id, lesson_id=found.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return _edit_page(doc, found, form, status, conflict=conflict)


@bp.route("/documents/<int:doc_id>/lessons/<int:lesson_id>/delete", methods=["POST"])
@signed_in
def delete_lesson(doc_id: int, lesson_id: int):
    _posted()
    found = lessons.get_lesson(current_user, doc_id, lesson_id)
    lessons.delete_lesson(current_user, found.id)
    flash(_("Lesson deleted."), "success")
    return redirect(url_for("content.document", doc_id=doc_id))


STATUS_CHANGES = {
    "submit": (lessons.submit_lesson, _l("Lesson submitted for review.")),
    "publish": (lessons.publish_lesson, _l("Lesson published: the course's readers see it now.")),
    "unpublish": (lessons.unpublish_lesson, _l("Lesson returned to draft: readers no longer see it.")),
}


@bp.route("/documents/<int:doc_id>/lessons/<int:lesson_id>/submit", methods=["POST"],
          defaults={"change": "submit"})  # fmt: skip
@bp.route("/documents/<int:doc_id>/lessons/<int:lesson_id>/publish", methods=["POST"],
          defaults={"change": "publish"})  # fmt: skip
@bp.route("/documents/<int:doc_id>/lessons/<int:lesson_id>/unpublish", methods=["POST"],
          defaults={"change": "unpublish"})  # fmt: skip
@signed_in
def lesson_status(doc_id: int, lesson_id: int, change: str):
    """Submit for review, publish, back to draft: buttons on the lesson page."""
    _posted()
    found = lessons.get_lesson(current_user, doc_id, lesson_id)
    service, message = STATUS_CHANGES[change]
    try:
        service(current_user, found.id)
    except Conflict as error:
        return _lesson_page(found, error.status, status_error=error.message)
    flash(str(message), "success")
    return redirect(url_for(".lesson", doc_id=doc_id, lesson_id=found.id))


@bp.route("/documents/<int:doc_id>/lessons/<int:lesson_id>/move", methods=["POST"])
@signed_in
def move_lesson(doc_id: int, lesson_id: int):
    """Up/down buttons: the reorder that works without JavaScript."""
    _posted()
    found = lessons.get_lesson(current_user, doc_id, lesson_id)
    lessons.move_lesson(current_user, found.id, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("content.document", doc_id=doc_id, _anchor="outline-h"))


@bp.route("/documents/<int:doc_id>/lessons/order", methods=["POST"])
@signed_in
def reorder(doc_id: int):
    """Drag and drop (network/static/lessons.js) sends the whole order; CSRF via X-CSRFToken."""
    body = request.get_json(silent=True)
    order = body.get("order") if isinstance(body, dict) else None
    if not isinstance(order, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in order):
        raise Invalid({"order": _('Send {"order": [lesson ids]}.')})
    ordered = lessons.reorder(current_user, doc_id, order)
    return jsonify(order=[{"id": item.id, "position": item.position} for item in ordered])


@bp.route("/documents/<int:doc_id>/course", methods=["POST"])
@signed_in
def course_details(doc_id: int):
    _posted()
    doc = services.get_editable(current_user, doc_id)
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        version = -1
    try:
        lessons.update_course_details(current_user, doc.id, version, request.form.get("level") or None,
                                      request.form.get("duration_minutes"))  # fmt: skip
    except (Invalid, Conflict) as error:
        problems = error.fields if isinstance(error, Invalid) else {"version": error.message}
        return _document_page(doc, error.status, course_errors=problems)
    flash(_("Course details saved."), "success")
    return redirect(url_for("content.document", doc_id=doc.id))


@bp.route("/documents/<int:doc_id>/attachments", methods=["POST"])
@signed_in
def upload(doc_id: int):
    _posted()
    doc = services.get_readable(current_user, doc_id)  # the service checks who may add files
    lesson_id = lesson_field(request.form.get("lesson_id"))
    upload_file = request.files.get("file")
    try:
        added = attachments.add_attachment(
            current_user, doc.id, upload_file.stream if upload_file else None,
            upload_file.filename if upload_file else "", lesson_id=lesson_id,
        )  # fmt: skip
    except DomainError as error:
        if error.status in (403, 404):
            raise
        message = error.fields.get("file", error.message) if isinstance(error, Invalid) else error.message
        if not lesson_id:
            return _document_page(doc, error.status, upload_error=message)
        found = lessons.get_lesson(current_user, doc.id, lesson_id)
        if request.form.get("from") == "edit":
            return _edit_page(doc, found, LessonForm(obj=found), error.status, upload_error=message)
        return _lesson_page(found, error.status, upload_error=message)
    flash(_("“%(filename)s” uploaded.", filename=added.filename), "success")
    if added.extraction_note:
        flash(_("Stored, but: %(extraction_note)s", extraction_note=added.extraction_note), "warning")
    if not lesson_id:
        return redirect(url_for("content.document", doc_id=doc.id))
    endpoint = ".edit_lesson" if request.form.get("from") == "edit" else ".lesson"
    return redirect(url_for(endpoint, doc_id=doc.id, lesson_id=lesson_id))


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@signed_in
def delete_attachment(attachment_id: int):
    _posted()
    doc_id = attachments.delete_attachment(current_user, attachment_id)
    flash(_("Attachment removed."), "success")
    return redirect(url_for("content.document", doc_id=doc_id))


@bp.route("/attachments/<int:attachment_id>")
def download(attachment_id: int):
    """The one page URL of a file: 404 for anyone who may not read its document."""
    attachment, path = attachments.open_for(current_user, attachment_id)
    return file_response(attachment, path, inline=request.args.get("inline") == "1")
