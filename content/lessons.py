"""Lesson services: a course's ordered lessons, with a workflow of their own.

A lesson has no audience of its own: a published lesson reads as its course. A lesson added to
a published course starts as a draft, which the country's contributors edit and submit for
review and its country admins publish (or take back to draft); a lesson added to a course not
yet published is "published" at once: it goes out with its course. Who may do what is
`network.access` (`can_add_lesson`, `can_edit_lesson`, `can_publish_lesson`, `can_read_lesson`);
a lesson the actor may not read is NotFound.

Every write commits, in one transaction, the lesson, its revision, a renumbering that keeps
positions 1..n, and a new version of the course with its history entry and `updated`
change-log row (`services.record_change`), so the index and federation re-read the course.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from content import change_notes, services
from content.models import Document, Lesson, LessonRevision
from content.rendering import render_markdown
from network import access
from network.errors import Conflict, Forbidden, Invalid, NotFound
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


def course_for_new_lesson(actor: Any, doc_id: int) -> Document:
    """The course `actor` may add a lesson to. Raises: NotFound, Forbidden, Invalid (not a course)."""
    doc = services.get_readable(actor, doc_id)
    if doc.kind != "course" and access.can_edit(actor, doc):
        raise Invalid({"kind": _("Only courses have lessons; make this document a course first.")})
    if not access.can_add_lesson(actor, doc):
        raise Forbidden(_("You may read this course but not add lessons to it."))
    return doc


def get_lesson(actor: Any, doc_id: int, lesson_id: int) -> Lesson:
    """Raises: NotFound when the lesson is not in this course, or the actor may not read it."""
    course = _course(actor, doc_id, edit=False)
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.document_id != course.id or not access.can_read_lesson(actor, lesson):
        raise NotFound()
    return lesson


def readable_lesson(actor: Any, lesson_id: int) -> Lesson:
    """A lesson by id alone (the API's address). Raises: NotFound as `get_lesson`."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound()
    return get_lesson(actor, lesson.document_id, lesson_id)


def editable_lesson(actor: Any, lesson_id: int) -> tuple[Document, Lesson]:
    """Raises: NotFound (unreadable), Forbidden (readable but not the actor's to edit)."""
    lesson = readable_lesson(actor, lesson_id)
    if not access.can_edit_lesson(actor, lesson):
        raise Forbidden(_("You may read this lesson but not edit it."))
    return lesson.document, lesson


def _clean(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    unknown = set(data) - set(FIELDS)
    problems = {name: _("Unknown field.") for name in sorted(unknown)}
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


def _touch(actor: Any, course: Document, note: str) -> None:
    """The course's new version, history entry and change-log row for a change of its lessons."""
    services.record_change(actor, course, change_notes.joined(note))


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


def add_lesson(actor: Any, doc_id: int, data: dict[str, Any], publish: bool = False) -> Lesson:
    """Add a lesson (at the end, or at `position`, moving later lessons on).

    On a published course it starts as a draft, unless a country admin asks to `publish` it at
    once. Raises: NotFound (unreadable course), Forbidden (may not add lessons, or `publish`
    without being the course's admin), Invalid (bad fields, not a course).
    """
    course = course_for_new_lesson(actor, doc_id)
    values = _clean(data, partial=False)
    if publish and not access.can_publish(actor, course):
        raise Forbidden(_("Only the country admins of the course's country publish its lessons."))
    body = values.get("body_markdown", "")
    status = "draft" if course.status == "published" and not publish else "published"
    lesson = Lesson(document_id=course.id, title=values["title"], body_markdown=body, status=status,
                    body_html=render_markdown(body).html)  # fmt: skip
    ordered = list(course.lessons)
    ordered.insert(_clamp(values.get("position"), len(ordered) + 1) - 1, lesson)
    how = " as a draft" if status == "draft" else (" and published" if course.status == "published" else "")
    with _saving():
        _place(course, ordered)
        _revise(actor, lesson, "Created")
        _touch(actor, course, f"Lesson “{lesson.title}” added{how}")
    return lesson


def update_lesson(actor: Any, lesson_id: int, data: dict[str, Any], note: str = "",
                  based_on: int | None = None) -> Lesson:  # fmt: skip
    """Change title, body or position. `based_on` (a revision number) refuses a stale edit.

    Raises: NotFound, Forbidden, Invalid, Conflict (someone saved the lesson since `based_on`).
    """
    course, lesson = editable_lesson(actor, lesson_id)
    values = _clean(data, partial=True)
    if based_on is not None and based_on != latest_revision(lesson):
        raise Conflict(_("This lesson was changed by someone else while you were editing it."))
    text_changed = any(name in values and values[name] != getattr(lesson, name)
                       for name in ("title", "body_markdown"))  # fmt: skip
    ordered = [other for other in course.lessons if other.id != lesson.id]
    moved = "position" in values and _clamp(values["position"], len(ordered) + 1) != lesson.position
    if not (text_changed or moved):
        return lesson
    title = lesson.title
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
        what = ("edited" if text_changed else "") + (" and " if text_changed and moved else "")
        _touch(actor, course, change_notes.joined(f"Lesson “{title}” {what}{'moved' if moved else ''}", note))
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
            _touch(actor, course, "Lessons reordered")
    return ordered


def delete_lesson(actor: Any, lesson_id: int) -> int:
    """Delete a lesson (and its attachments); the later lessons move up. Returns the course id."""
    course, lesson = editable_lesson(actor, lesson_id)
    with _saving():
        remaining = [other for other in course.lessons if other.id != lesson.id]
        course.lessons.remove(lesson)
        db.session.delete(lesson)
        db.session.flush()
        _place(course, remaining)
        _touch(actor, course, f"Lesson “{lesson.title}” deleted")
    return course.id


def _set_status(actor: Any, lesson: Lesson, status: str, note: str) -> Lesson:
    """The lesson's new status, its revision and the course's new version, in one transaction."""
    with _saving():
        lesson.status = status
        lesson.updated_at = utcnow()
        _revise(actor, lesson, note)
        _touch(actor, lesson.document, f"Lesson “{lesson.title}”: {note.lower()}")
    return lesson


def submit_lesson(actor: Any, lesson_id: int) -> Lesson:
    """A draft goes to the country admins for review. Raises: NotFound, Forbidden, Conflict."""
    lesson = editable_lesson(actor, lesson_id)[1]
    if lesson.status != "draft":
        raise Conflict(_("Only a draft lesson can be submitted for review."))
    return _set_status(actor, lesson, "review", "Submitted for review")


def publish_lesson(actor: Any, lesson_id: int) -> Lesson:
    """Readers of the course see the lesson from now on. Raises: NotFound, Forbidden, Conflict."""
    lesson = readable_lesson(actor, lesson_id)
    if not access.can_publish_lesson(actor, lesson):
        raise Forbidden(_("Only the country admins of the course's country publish its lessons."))
    if lesson.status == "published":
        raise Conflict(_("This lesson is already published."))
    return _set_status(actor, lesson, "published", "Published")


def unpublish_lesson(actor: Any, lesson_id: int) -> Lesson:
    """Back to draft: the admins take back a published lesson; its writers one in review.

    Raises: NotFound, Forbidden, Conflict (already a draft).
    """
    lesson = readable_lesson(actor, lesson_id)
    allowed = access.can_publish_lesson(actor, lesson) or (
        lesson.status == "review" and access.can_edit_lesson(actor, lesson)
    )
    if not allowed:
        raise Forbidden(_("Only the country admins of the course's country take a published lesson back."))
    if lesson.status == "draft":
        raise Conflict(_("This lesson is a draft already."))
    return _set_status(actor, lesson, "draft", "Returned to draft")


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
