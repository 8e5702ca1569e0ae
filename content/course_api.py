"""Lessons and attachments in the JSON API (`/api/v1`), docs/api.md.

Views parse and render only: `content.lessons` and `content.attachments` apply the access
policy (404 for an unreadable course, 403 for a readable one the caller may not edit). The YAML
after `---` in each docstring is the view's OpenAPI operation (see `network/openapi.py`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user

from content import attachments, lessons
from content.course_views import file_response, lesson_field
from content.models import Attachment, Lesson
from network.api import created, json_body, write_access
from network.extensions import csrf
from network.urls import external_url

bp = Blueprint("course_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens carry no CSRF risk; `write_access` checks it for sessions


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": external_url("course_api.download", attachment_id=attachment.id),
        "lesson_id": attachment.lesson_id,
        "sha256": attachment.sha256,
        "extraction_note": attachment.extraction_note or None,
    }


def lesson_json(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": lesson.id,
        "document_id": lesson.document_id,
        "url": external_url("course.lesson", doc_id=lesson.document_id, lesson_id=lesson.id),
        "title": lesson.title,
        "position": lesson.position,
        "status": lesson.status,
        "body_markdown": lesson.body_markdown,
        "body_html": lesson.body_html,
        "attachments": [attachment_json(a) for a in lesson.attachments],
    }


@bp.post("/documents/<int:doc_id>/lessons")
@write_access
def create_lesson(doc_id: int):
    """Add a lesson to a course, at the end or at `position`.
    ---
    operationId: createLesson
    summary: Add a lesson to a course
    tags: [lessons]
    requestBody:
      required: true
      content:
        application/json:
          schema: {$ref: '#/components/schemas/LessonWrite'}
    responses:
      201:
        description: The new lesson; later lessons moved on by one.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Lesson'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      404: {$ref: '#/components/responses/NotFound'}
      409: {$ref: '#/components/responses/Conflict'}
      415: {$ref: '#/components/responses/UnsupportedType'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    lesson = lessons.add_lesson(current_user, doc_id, json_body())
    return created(lesson_json(lesson), external_url(".lesson", lesson_id=lesson.id))


@bp.get("/lessons/<int:lesson_id>")
def lesson(lesson_id: int):
    """One lesson, for whoever may read its course.
    ---
    operationId: getLesson
    summary: One lesson with its body and attachments
    tags: [lessons]
    responses:
      200:
        description: The lesson.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Lesson'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(lesson_json(lessons.readable_lesson(current_user, lesson_id)))


@bp.route("/lessons/<int:lesson_id>", methods=["PATCH", "DELETE"])
@write_access
def change_lesson(lesson_id: int):
    """Edit or delete a lesson; positions stay 1..n without gaps.
    ---
    patch:
      operationId: updateLesson
      summary: Change a lesson's title, body or position
      tags: [lessons]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/LessonWrite'}
      responses:
        200:
          description: The lesson after the change.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Lesson'}
        401: {$ref: '#/components/responses/Unauthorized'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        409: {$ref: '#/components/responses/Conflict'}
        415: {$ref: '#/components/responses/UnsupportedType'}
        422: {$ref: '#/components/responses/Invalid'}
    delete:
      operationId: deleteLesson
      summary: Delete a lesson and its attachments; later lessons move up
      tags: [lessons]
      responses:
        204: {description: Deleted.}
        401: {$ref: '#/components/responses/Unauthorized'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    if request.method == "DELETE":
        lessons.delete_lesson(current_user, lesson_id)
        return "", 204
    return jsonify(lesson_json(lessons.update_lesson(current_user, lesson_id, json_body())))


_STATUS_RESPONSES = """
    responses:
      200:
        description: The lesson after the change.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Lesson'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      404: {$ref: '#/components/responses/NotFound'}
      409: {$ref: '#/components/responses/Conflict'}
"""


def _with_responses(view):
    """The three status changes answer alike; their operations share the responses."""
    view.__doc__ = (view.__doc__ or "").rstrip() + "\n" + _STATUS_RESPONSES
    return view


@bp.post("/lessons/<int:lesson_id>/submit")
@write_access
@_with_responses
def submit_lesson(lesson_id: int):
    """A draft lesson goes to review (for who may edit it: the country's contributors and admins).
    ---
    operationId: submitLesson
    summary: Submit a draft lesson for review
    tags: [lessons]"""
    return jsonify(lesson_json(lessons.submit_lesson(current_user, lesson_id)))


@bp.post("/lessons/<int:lesson_id>/publish")
@write_access
@_with_responses
def publish_lesson(lesson_id: int):
    """A draft or reviewed lesson reaches the course's readers (the course's country admins only).
    ---
    operationId: publishLesson
    summary: Publish a lesson
    tags: [lessons]"""
    return jsonify(lesson_json(lessons.publish_lesson(current_user, lesson_id)))


@bp.post("/lessons/<int:lesson_id>/unpublish")
@write_access
@_with_responses
def unpublish_lesson(lesson_id: int):
    """Back to draft: a published lesson by the country admins, one in review by its writers too.
    ---
    operationId: unpublishLesson
    summary: Return a lesson to draft
    tags: [lessons]"""
    return jsonify(lesson_json(lessons.unpublish_lesson(current_user, lesson_id)))


@bp.post("/documents/<int:doc_id>/attachments")
@write_access
def upload(doc_id: int):
    """Attach a file to a document, or to one of its lessons with the form field `lesson_id`.

    The type is decided by the file's content; its text is extracted for search.
    ---
    operationId: uploadAttachment
    summary: Upload an attachment (multipart, field `file`)
    tags: [attachments]
    requestBody:
      required: true
      content:
        multipart/form-data:
          schema:
            type: object
            required: [file]
            properties:
              file: {type: string, format: binary}
              lesson_id: {type: integer, description: Attach to this lesson of the course.}
    responses:
      201:
        description: Stored. `extraction_note` says why no text could be read, when none could.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Attachment'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      404: {$ref: '#/components/responses/NotFound'}
      413: {$ref: '#/components/responses/TooLarge'}
      415: {$ref: '#/components/responses/UnsupportedType'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    upload_file = request.files.get("file")
    lesson_id = lesson_field(request.form.get("lesson_id"))
    added = attachments.add_attachment(
        current_user, doc_id, upload_file.stream if upload_file else None,
        upload_file.filename or "" if upload_file else "", lesson_id=lesson_id,
    )  # fmt: skip
    return created(attachment_json(added), external_url(".download", attachment_id=added.id))


@bp.get("/attachments/<int:attachment_id>")
def download(attachment_id: int):
    """The file's bytes, for whoever may read its document; 404 for anyone else.
    ---
    operationId: downloadAttachment
    summary: Download an attachment
    tags: [attachments]
    responses:
      200:
        description: The file, as an attachment, with its type and `X-Content-Type-Options nosniff`.
        content:
          application/octet-stream:
            schema: {type: string, format: binary}
      404: {$ref: '#/components/responses/NotFound'}
      500:
        description: "checksum_mismatch: the stored file is damaged; it is never served."
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Error'}
    """
    attachment, path = attachments.open_for(current_user, attachment_id)
    return file_response(attachment, path)


@bp.delete("/attachments/<int:attachment_id>")
@write_access
def delete_attachment(attachment_id: int):
    """Remove an attachment.
    ---
    operationId: deleteAttachment
    summary: Delete an attachment
    tags: [attachments]
    responses:
      204: {description: Deleted.}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    attachments.delete_attachment(current_user, attachment_id)
    return "", 204
