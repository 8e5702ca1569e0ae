"""The in-site side: a user's notifications (readable documents only), what's new, unsubscribing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_

from content import search
from content.models import Document, Topic
from network import access
from network.errors import BadRequest
from network.extensions import db
from network.models import User, utcnow
from network.paging import Page
from notify import mailing, watches
from notify.models import Email, Notification, UsedUnsubscribe, Watch

FIRST_VISIT = timedelta(days=7)
NEW_PER_WATCH = 20


def _readable(actor: Any) -> Select:
    """The actor's notifications whose documents the actor may read now."""
    return (
        db.select(Notification, Document)
        .join(Document, Document.id == Notification.document_id)
        .where(Notification.user_id == actor.id, access.visible_documents(actor))
    )


def unread_count(actor: Any) -> int:
    query = _readable(actor).where(Notification.read_at.is_(None)).with_only_columns(db.func.count())
    return db.session.scalar(query) or 0


def notifications(actor: Any, page: int = 1, per_page: int = 30, unread_only: bool = False) -> Page:
    query = _readable(actor)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = db.session.scalar(query.with_only_columns(db.func.count())) or 0
    rows = db.session.execute(
        query.order_by(Notification.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return Page(list(rows.unique()), total, page, per_page)


def mark_read(actor: Any, ids: list[int] | None = None) -> int:
    """Mark some (or, with None, all) of the actor's notifications read; returns how many."""
    query = db.update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
    if ids is not None:
        if len(ids) > 1000 or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise BadRequest("ids is a list of at most 1,000 notification numbers.")
        query = query.where(Notification.id.in_(ids))
    count = db.session.execute(query.values(read_at=utcnow())).rowcount
    db.session.commit()
    return count


@dataclass
class NewFor:
    item: watches.Described
    docs: list[Document]


def whats_new(actor: Any) -> tuple[datetime, list[NewFor]]:
    """What arrived since the previous visit, per followed item; this visit is remembered."""
    settings = watches.settings_for(actor)
    now = utcnow()
    since = settings.whats_new_seen_at or now - FIRST_VISIT
    found = [NewFor(item, _new(actor, item.watch, since)) for item in watches.describe(watches.listed(actor))]
    settings.whats_new_seen_at = now
    db.session.commit()
    return since, found


def _new(actor: Any, watch: Watch, since: datetime) -> list[Document]:
    query = (
        db.select(Document)
        .where(access.visible_documents(actor), Document.status == "published", Document.published_at > since)
        .order_by(Document.published_at.desc())
        .limit(NEW_PER_WATCH)
    )
    if watch.type == "search":
        ids = _search_ids(actor, watch)
        if not ids:
            return []
        query = query.where(Document.id.in_(ids))
    elif watch.type == "topic":
        query = query.where(Document.topics.any(Topic.slug == watch.value))
    elif watch.type == "country":
        query = query.where(
            or_(Document.country_code == watch.value, db.func.upper(Document.concerns) == watch.value)
        )
    elif watch.type == "mission":
        query = query.where(Document.mission_id == (int(watch.value) if watch.value.isdigit() else None))
    else:
        query = query.where(Document.kind == watch.value)
    return list(db.session.scalars(query).unique())


def _search_ids(actor: Any, watch: Watch) -> list[int]:
    """The newest hundred documents the saved search finds for the actor, as the search page would."""
    try:
        found = search.search(actor, watch.query, watch.filters or {}, sort="newest", per_page=100)
    except (search.BadQuery, search.SearchUnavailable):
        return []
    return [doc.id for doc, _hit in found.items]


@dataclass
class Unsubscribed:
    user: User | None
    already: bool = False


def unsubscribe(token: str) -> Unsubscribed:
    """Stop notification e-mail for the link's user. An altered link is None's user; a link used
    before says so and changes nothing."""
    data = mailing.read_unsubscribe(token)
    user = db.session.get(User, data["u"]) if data else None
    email = db.session.get(Email, data["e"]) if data else None
    if user is None or email is None or email.user_id != user.id:
        return Unsubscribed(None)
    nonce = f"email:{email.id}"
    if db.session.get(UsedUnsubscribe, nonce) is not None:
        return Unsubscribed(user, already=True)
    settings = watches.settings_for(user)
    settings.email_enabled = False
    db.session.add(UsedUnsubscribe(nonce=nonce, used_at=utcnow()))
    db.session.commit()
    return Unsubscribed(user)
