"""Documents, topics, revisions and the change log."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network import labels
from network.extensions import db
from network.models import Country, User, utcnow
from search_index.languages import LANGUAGES as ANALYSED_LANGUAGES

# The kinds of document and their labels: the one place a kind is added (forms, filters, search,
# the API's checks and the pages all read it; test_openapi holds the API description to it).
KINDS = {
    "case_study": _l("Case study"),
    "course": _l("Course"),
    "resource": _l("Resource"),
    "report": _l("Mission report"),
}
URGENCIES = tuple(labels.URGENCIES)
VISIBILITIES = ("public", "network", "countries", "country")
STATUSES = ("draft", "review", "published", "withdrawn")
# The codes are search_index's (the languages it analyses, in the network's order); a language
# added there needs its name here, or this module fails to import.
_LANGUAGE_NAMES = {
    "en": "English",
    "id": "Bahasa Indonesia",
    "ms": "Bahasa Melayu",
    "th": "ไทย (Thai)",
    "vi": "Tiếng Việt",
    "zh": "中文 (Chinese)",
    "ja": "日本語 (Japanese)",
    "ko": "한국어 (Korean)",
    "km": "ខ្មែរ (Khmer)",
    "lo": "ລາວ (Lao)",
    "my": "မြန်မာ (Burmese)",
    "fil": "Filipino",
    "hi": "हिन्दी (Hindi)",
}
LANGUAGES = {code: _LANGUAGE_NAMES[code] for code in ANALYSED_LANGUAGES}
LEVELS = ("introductory", "intermediate", "advanced")
LESSON_STATUSES = ("draft", "review", "published")
CHANGE_ACTIONS = (
    "created",
    "updated",
    "published",
    "unpublished",
    "visibility_changed",
    "deleted",
    "submitted",  # a draft went to review: its country's admins are told
    "returned",  # back to draft: its author is told
)

document_topics = Table(
    "document_topic",
    db.metadata,
    Column("document_id", ForeignKey("document.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


class Topic(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Mission(db.Model):
    """An embassy or consulate of a member country; its country's admins keep the list.

    A mission is retired, never deleted: the reports filed in its name keep it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("country.code"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    city: Mapped[str] = mapped_column(String(100), default="")
    posted_in: Mapped[str] = mapped_column(String(100), default="")  # the host country, as written
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("country_code", "name"),)


class DocumentShare(db.Model):
    """A country a `countries` document is shared with."""

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("country.code"), primary_key=True)


class Document(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    toc: Mapped[list] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8))
    country_code: Mapped[str] = mapped_column(ForeignKey("country.code"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    year: Mapped[int | None]
    visibility: Mapped[str] = mapped_column(String(12), default="country")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    translation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    origin_node: Mapped[str | None] = mapped_column(String(200))
    origin_id: Mapped[str | None] = mapped_column(String(100))
    origin_url: Mapped[str | None] = mapped_column(String(500))
    level: Mapped[str | None] = mapped_column(String(20))  # courses: one of LEVELS
    duration_minutes: Mapped[int | None]  # courses: estimated time to complete
    # Reports: the mission that files it, what it concerns (a country code or a region's name),
    # how urgent it is, and the links it is based on.
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id", ondelete="SET NULL"), index=True)
    concerns: Mapped[str | None] = mapped_column(String(60))
    urgency: Mapped[str | None] = mapped_column(String(10))
    sources: Mapped[list] = mapped_column(JSON, default=list)

    country: Mapped[Country] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(lazy="joined")
    # Every listing shows topics and audience: loaded for a whole page in one query each, not
    # one query per document.
    topics: Mapped[list[Topic]] = relationship(
        secondary=document_topics, order_by=Topic.name, lazy="selectin"
    )
    shares: Mapped[list[DocumentShare]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    translation_of: Mapped[Document | None] = relationship(remote_side=[id])
    mission: Mapped[Mission | None] = relationship(lazy="joined")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="document", order_by="Lesson.position", cascade="all, delete-orphan",
        passive_deletes=True,
    )  # fmt: skip
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.id", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}
    # Ids are never reused (SQLite reuses the last one unless told), so nothing of a deleted
    # document can ever attach to a new one.
    __table_args__ = (
        Index("ix_document_status_visibility", "status", "visibility"),
        {"sqlite_autoincrement": True},
    )

    @property
    def shared_with(self) -> list[str]:
        return sorted(share.country_code for share in self.shares)

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def translation_root_id(self) -> int:
        return self.translation_of_id or self.id

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.status}/{self.visibility} {self.title[:30]!r}>"


class Revision(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("document_id", "number"), {"sqlite_autoincrement": True})


class ChangeLog(db.Model):
    """Append-only: one row per change, written in the change's own transaction."""

    seq: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(24))
    version: Mapped[int]
    country_code: Mapped[str] = mapped_column(String(2))
    actor_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = {"sqlite_autoincrement": True}


class Lesson(db.Model):
    """An ordered part of a course; it has no audience of its own: it reads as its course does,
    once published. A lesson added to a published course starts as a draft that its country's
    contributors write and submit and its country admins publish (`network.access`).

    Positions run 1..n without gaps over all lessons, drafts included; the unique constraint
    makes a duplicate impossible even under concurrent writers (services renumber in two steps
    to stay within it).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Copies received from peers and lessons of unpublished courses are "published": they
    # show whenever their course does.
    status: Mapped[str] = mapped_column(String(12), default="published", server_default="published")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="lessons")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="lesson", order_by="Attachment.id", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (UniqueConstraint("document_id", "position"), {"sqlite_autoincrement": True})

    @property
    def is_published(self) -> bool:
        return self.status == "published"


class LessonRevision(db.Model):
    """Every saved version of a lesson's title and body (the course's history holds its own)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("lesson_id", "number"), {"sqlite_autoincrement": True})


class Attachment(db.Model):
    """A file on a document (or one of its lessons); its bytes live under UPLOAD_DIR by sha256.

    `filename` is what the uploader called it, for display only; `stored_name` is the cleaned
    name sent in Content-Disposition. `text` is what extraction found, for search.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text, default="", deferred=True)  # up to 1 MB: loaded for indexing
    extraction_note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    lesson: Mapped[Lesson | None] = relationship(back_populates="attachments")
    uploader: Mapped[User | None] = relationship()

    __table_args__ = {"sqlite_autoincrement": True}

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def shows_inline(self) -> bool:
        """Only images and PDFs may be shown in the page; everything else downloads."""
        return self.is_image or self.content_type == "application/pdf"


GLOSSARY_REGISTERS = ("formal", "common")


class GlossaryConcept(db.Model):
    """A key term of the network's work; search matches each of its forms as an equivalent of
    the others. `updated_at` moves with every change to it or its forms (the search cache's
    stamp, content/glossary.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    forms: Mapped[list[GlossaryForm]] = relationship(
        back_populates="concept", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(GlossaryForm.language, GlossaryForm.register.desc(), GlossaryForm.text)",
    )  # fmt: skip


class GlossaryForm(db.Model):
    """How one language names a concept: its formal (official) or common (colloquial) form."""

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("glossary_concept.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(120))
    register: Mapped[str] = mapped_column(String(10), default="formal")

    concept: Mapped[GlossaryConcept] = relationship(back_populates="forms")

    __table_args__ = (UniqueConstraint("concept_id", "language", "text"),)
