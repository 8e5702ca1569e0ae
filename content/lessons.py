"""Lesson services: a course's ordered lessons, written like the course itself.

A lesson has no audience of its own: reading it is reading its course, editing it is editing
its course. Every write commits, in one transaction, the lesson, its revision, a renumbering
that keeps positions 1..n, and an `updated` change-log row for the course (whose `updated_at`
and so its version move too), so the index re-reads the course with its lessons' text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from content import changelog, services
from content.models import Document, Lesson, LessonRevision
from content.rendering import render_markdown
from network.errors import Conflict, Invalid, NotFound
from network.extensions import db
from network.models import utcnow

FIELDS = ("title", "body_markdown", "position")


def _course(actor: Any, doc_id: int, edit: bool) -> Document:
    doc = services.get_editable(actor, doc_id) if edit else services.get_readable(actor, doc_id)
    if doc.kind != "course":
        if edit:
            raise Invalid({"kind": _("Only courses have lessons; make this document a course first.")})
        raise NotFound(_("This document is not a course."))
    return doc


def get_lesson(actor: Any, doc_id: int, lesson_id: int) -> Lesson:
    """Raises: NotFound when the lesson is not in this course or the course is not readable."""
    course = _course(actor, doc_id, edit=False)
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.document_id != course.id:
        raise NotFound()
    return lesson


def readable_lesson(actor: Any, lesson_id: int) -> Lesson:
    """A lesson by id alone (the API's address). Raises: NotFound as `get_lesson`."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound()
    return get_lesson(actor, lesson.document_id, lesson_id)


def _editable_lesson(actor: Any, lesson_id: int) -> tuple[Document, Lesson]:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound()
    return _course(actor, lesson.document_id, edit=True), lesson


def _clean(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    unknown = set(data) - set(FIELDS)
    problems = {name: "Unknown field." for name in sorted(unknown)}
    values: dict[str, Any] = {}
    if "title" in data or not partial:
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            problems["title"] = _("Give the lesson a title.")
        elif len(title.strip()) > current_app.config["TITLE_MAX"]:
            problems["title"] = _("At most %(num)s characters.", num=current_app.config["TITLE_MAX"])
        else:
            values["title"] = title.strip()
    if "body_markdown" in data:
        body = data["body_markdown"]
        if not isinstance(body, str):
            problems["body_markdown"] = _("Must be text.")
        elif len(body) > current_app.config["BODY_MAX"]:
            problems["body_markdown"] = _(
                "At most %(num)s characters.", num=format(current_app.config["BODY_MAX"], ",")
            )
        else:
            values["body_markdown"] = body.replace("\r\n", "\n").replace("\x00", "").strip()
    if data.get("position") is not None:
        position = data["position"]
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            problems["position"] = _("Must be a whole number, 1 for the first lesson.")
        else:
            values["position"] = position
    if problems:
        raise Invalid(problems)
    return values


def _place(course: Document, ordered: list[Lesson]) -> None:
    """Number `ordered` 1..n. Two steps, so the unique (course, position) never sees a duplicate."""
    moving = [lesson for n, lesson in enumerate(ordered, 1) if lesson.position != n]
    for n, lesson in enumerate(moving, 1):
        if lesson.id is not None:
            lesson.position = -n
    db.session.flush()
    for n, lesson in enumerate(ordered, 1):
        lesson.position = n
    course.lessons = ordered


def _touch(actor: Any, course: Document) -> None:
    course.updated_at = utcnow()
    changelog.record(course, "updated", actor)


def _revise(actor: Any, lesson: Lesson, note: str) -> None:
    db.session.flush()
    number = latest_revision(lesson) + 1
    db.session.add(LessonRevision(
        lesson_id=lesson.id, number=number, title=lesson.title, body_markdown=lesson.body_markdown,
        author_id=getattr(actor, "id", None), note=note[:300],
    ))  # fmt: skip


@contextmanager
def _saving() -> Iterator[None]:
    """The services' transaction; a concurrent writer's duplicate position is a Conflict too."""
    try:
        with services._saving():
            yield
    except IntegrityError as error:
        raise Conflict(_("The lessons changed while you were saving; reload and try again.")) from error


def _clamp(position: int | None, most: int) -> int:
    return most if position is None else min(max(position, 1), most)


def add_lesson(actor: Any, doc_id: int, data: dict[str, Any]) -> Lesson:
    """Add a lesson (at the end, or at `position`, moving later lessons on).

    Raises: NotFound (unreadable course), Forbidden (not editable), Invalid (bad fields, not a course).
    """
    course = _course(actor, doc_id, edit=True)
    values = _clean(data, partial=False)
    body = values.get("body_markdown", "")
    lesson = Lesson(document_id=course.id, title=values["title"], body_markdown=body,
                    body_html=render_markdown(body).html)  # fmt: skip
    ordered = list(course.lessons)
    ordered.insert(_clamp(values.get("position"), len(ordered) + 1) - 1, lesson)
    with _saving():
        _place(course, ordered)
        _revise(actor, lesson, "Created")
        _touch(actor, course)
    return lesson


def update_lesson(actor: Any, lesson_id: int, data: dict[str, Any], note: str = "",
                  based_on: int | None = None) -> Lesson:  # fmt: skip
    """Change title, body or position. `based_on` (a revision number) refuses a stale edit.

    Raises: NotFound, Forbidden, Invalid, Conflict (someone saved the lesson since `based_on`).
    """
    course, lesson = _editable_lesson(actor, lesson_id)
    values = _clean(data, partial=True)
    if based_on is not None and based_on != latest_revision(lesson):
        raise Conflict(_("This lesson was changed by someone else while you were editing it."))
    text_changed = any(name in values and values[name] != getattr(lesson, name)
                       for name in ("title", "body_markdown"))  # fmt: skip
    ordered = [other for other in course.lessons if other.id != lesson.id]
    moved = "position" in values and _clamp(values["position"], len(ordered) + 1) != lesson.position
    if not (text_changed or moved):
        return lesson
    with _saving():
        if text_changed:
            lesson.title = values.get("title", lesson.title)
            if values.get("body_markdown", lesson.body_markdown) != lesson.body_markdown:
                lesson.body_markdown = values["body_markdown"]
                lesson.body_html = render_markdown(lesson.body_markdown).html
            lesson.updated_at = utcnow()
            _revise(actor, lesson, note)
        if moved:
            ordered.insert(_clamp(values["position"], len(ordered) + 1) - 1, lesson)
            _place(course, ordered)
        _touch(actor, course)
    return lesson


def move_lesson(actor: Any, lesson_id: int, step: int) -> Lesson:
    """One place up (-1) or down (+1); a no-op at either end. The no-JavaScript reorder."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound()
    return update_lesson(actor, lesson_id, {"position": max(1, lesson.position + step)})


def reorder(actor: Any, doc_id: int, lesson_ids: list[int]) -> list[Lesson]:
    """Put all of a course's lessons in the given order (drag and drop sends the whole list).

    Raises: NotFound, Forbidden, Invalid (the ids are not exactly the course's lessons).
    """
    course = _course(actor, doc_id, edit=True)
    by_id = {lesson.id: lesson for lesson in course.lessons}
    if sorted(lesson_ids) != sorted(by_id) or len(set(lesson_ids)) != len(lesson_ids):
        raise Invalid({"order": _("Send every lesson of this course exactly once.")})
    ordered = [by_id[i] for i in lesson_ids]
    if [lesson.id for lesson in course.lessons] != lesson_ids:
        with _saving():
            _place(course, ordered)
            _touch(actor, course)
    return ordered


def delete_lesson(actor: Any, lesson_id: int) -> int:
    """Delete a lesson (and its attachments); the later lessons move up. Returns the course id."""
    course, lesson = _editable_lesson(actor, lesson_id)
    with _saving():
        remaining = [other for other in course.lessons if other.id != lesson.id]
        course.lessons.remove(lesson)
        db.session.delete(lesson)
        db.session.flush()
        _place(course, remaining)
        _touch(actor, course)
    return course.id


def latest_revision(lesson: Lesson) -> int:
    return db.session.scalar(
        db.select(db.func.max(LessonRevision.number)).where(LessonRevision.lesson_id == lesson.id)
    ) or 0  # fmt: skip


def revisions(lesson: Lesson) -> list[LessonRevision]:
    query = db.select(LessonRevision).where(LessonRevision.lesson_id == lesson.id)
    return list(db.session.scalars(query.order_by(LessonRevision.number.desc())))


def update_course_details(actor: Any, doc_id: int, version: int, level: str | None,
                          duration_minutes: Any) -> Document:  # fmt: skip
    """Set a course's level and estimated duration (its outline's header).

    Raises: NotFound, Forbidden, Invalid (unknown level, bad duration), Conflict (stale version).
    """
    _course(actor, doc_id, edit=True)
    details = {"level": level or None, "duration_minutes": duration_minutes}
    return services.update_document(actor, doc_id, version, details)
