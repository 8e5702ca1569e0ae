"""Notification e-mail: queued from notifications, composed and sent with retries.

An e-mail is composed at each attempt, so the access policy decides at sending time: a
document narrowed or withdrawn since it was queued is left out, and an e-mail with nothing
left is dropped. A mailbox is less safe than the site, so only documents readable by everyone
or by the whole network show their summary; the others show their title and link only.

A sender claims an e-mail before sending it (its next attempt moves past a lease), so two
processes never send the same one; it is marked sent right after the server accepts it.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import insert, update

from content.models import Document
from network import access, i18n, mail
from network.extensions import db
from network.models import User, utcnow
from network.urls import external_url
from notify import watches
from notify.models import Email, Notification, NotifySettings

log = logging.getLogger("rndd.notify")
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
DIGEST_EVERY = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
SUMMARY_SHOWN = ("public", "network")
DIGEST_MAX = 50  # items listed in one e-mail; the rest are on the what's-new page


CHUNK = 500  # ids per IN (...) list


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _waiting(kind: str) -> dict[int, tuple[datetime, int]]:
    """Users with notifications of this delivery not yet in an e-mail: their oldest one's time
    and their newest one's id (what an e-mail made now takes)."""
    query = (
        db.select(Notification.user_id, db.func.min(Notification.created_at), db.func.max(Notification.id))
        .where(Notification.delivery == kind, Notification.email_id.is_(None))
        .group_by(Notification.user_id)
    )
    return {user_id: (oldest, newest) for user_id, oldest, newest in db.session.execute(query)}


def _settings(user_ids: list[int]) -> dict[int, NotifySettings]:
    found: dict[int, NotifySettings] = {}
    for chunk in _chunks(user_ids):
        query = db.select(NotifySettings).where(NotifySettings.user_id.in_(chunk))
        found.update({row.user_id: row for row in db.session.scalars(query)})
    return found


def _mailable(user_ids: list[int], settings: dict[int, NotifySettings]) -> set[int]:
    """Active users whose mail is on and whose address was not refused."""
    ok: set[int] = set()
    for chunk in _chunks(user_ids):
        for user_id, email, active in db.session.execute(
            db.select(User.id, User.email, User.active).where(User.id.in_(chunk))
        ):
            row = settings.get(user_id)
            if active and (row is None or (row.email_enabled and not row.mail_paused_for(email))):
                ok.add(user_id)
    return ok


def _queue(kind: str, users: dict[int, tuple[datetime, int]], settings: dict[int, NotifySettings]) -> int:
    """One e-mail per user for their waiting notifications of this delivery, made with three
    statements whatever the number of users; those of users who take no e-mail stay in the site.

    The e-mails made now share one creation time, by which one UPDATE finds each notification's
    e-mail; only notifications that were waiting when the users were read are taken.
    """
    if not users:
        return 0
    newest = max(last for _oldest, last in users.values())
    mailable = _mailable(sorted(users), settings)
    waiting = (Notification.delivery == kind, Notification.email_id.is_(None), Notification.id <= newest)
    others = sorted(set(users) - mailable)
    for chunk in _chunks(others):
        db.session.execute(
            update(Notification).where(*waiting, Notification.user_id.in_(chunk)).values(delivery="site")
        )
    if not mailable:
        return 0
    stamp = utcnow()
    fresh = {"kind": kind, "state": "pending", "attempts": 0, "next_attempt_at": stamp, "last_error": "",
             "created_at": stamp, "items_sent": 0}  # fmt: skip
    rows = [{"user_id": user_id, **fresh} for user_id in sorted(mailable)]
    db.session.execute(insert(Email), rows)
    made = db.select(Email.id).where(
        Email.user_id == Notification.user_id, Email.kind == kind, Email.created_at == stamp
    )
    db.session.execute(
        update(Notification)
        .where(*waiting, Notification.user_id.in_(made.with_only_columns(Email.user_id)))
        .values(email_id=made.scalar_subquery())
    )
    return len(mailable)


def queue_immediate() -> int:
    """Queue the notifications that go out at once (inside the caller's transaction)."""
    db.session.flush()
    users = _waiting("immediate")
    return _queue("immediate", users, _settings(sorted(users))) if users else 0


def queue_digests(now: datetime | None = None, *, force: bool = False) -> int:
    """Queue the daily and weekly digests that are due (all of them with `force`). A digest is
    due a period after the previous one, or after the user's oldest waiting notification."""
    now = now or utcnow()
    queued = 0
    for kind, every in DIGEST_EVERY.items():
        users = _waiting(kind)
        settings = _settings(sorted(users))
        due = {}
        for user_id, (oldest, newest) in users.items():
            last = getattr(settings.get(user_id), f"last_{kind}_at", None) or oldest
            if force or now - last >= every:
                due[user_id] = (oldest, newest)
        queued += _queue(kind, due, settings)
        _mark_sent_at(kind, sorted(due), settings, now)
    db.session.commit()
    return queued


def _mark_sent_at(kind: str, user_ids: list[int], settings: dict[int, NotifySettings], now: datetime) -> None:
    column = f"last_{kind}_at"
    known = [i for i in user_ids if i in settings]
    for chunk in _chunks(known):
        query = update(NotifySettings).where(NotifySettings.user_id.in_(chunk))
        db.session.execute(query.values({column: now}))
    new = [{"user_id": i, column: now} for i in user_ids if i not in settings]  # the rest: column defaults
    if new:
        db.session.execute(insert(NotifySettings), new)


@dataclass(frozen=True)
class Item:
    """What an e-mail says of one document, with the labels that decide who may read it."""

    reason: str
    title: str
    summary: str  # empty unless the document is readable by everyone or the whole network
    url: str
    labels: frozenset[str]


class _Documents:
    """Documents as e-mails show them, read once per sending pass (a document in many digests
    is loaded once); who may read each is decided per recipient."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[str, str, str, frozenset[str]] | None] = {}

    def get(self, ids: list[int]) -> dict[int, tuple[str, str, str, frozenset[str]] | None]:
        missing = [i for i in set(ids) if i not in self._seen]
        for chunk in _chunks(missing):
            for doc in db.session.scalars(db.select(Document).where(Document.id.in_(chunk))).unique():
                summary = doc.summary if shows_summary(doc) else ""
                url = external_url("content.document", doc_id=doc.id)
                self._seen[doc.id] = (doc.title, summary, url, frozenset(access.document_principals(doc)))
        for doc_id in missing:
            self._seen.setdefault(doc_id, None)  # deleted meanwhile
        return {i: self._seen[i] for i in ids}


def send_pending(now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Try every e-mail whose time has come; returns counts by outcome."""
    now = now or utcnow()
    outcome: dict[str, int] = defaultdict(int)
    docs = _Documents()
    due = db.select(Email.id).where(Email.state == "pending", Email.next_attempt_at <= now).order_by(Email.id)
    with mail.Mailer() as mailer:
        for email_id in list(db.session.scalars(due.limit(limit))):
            if _claim(email_id, now):
                outcome[_attempt(db.session.get(Email, email_id), now, mailer, docs)] += 1
    return dict(outcome)


def _claim(email_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(Email)
        .where(Email.id == email_id, Email.state == "pending", Email.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)
    ).rowcount  # fmt: skip
    db.session.commit()
    return claimed == 1


def _attempt(email: Email, now: datetime, mailer: mail.Mailer, docs: _Documents) -> str:
    """Compose and send one e-mail; returns sent, dropped, retry or failed."""
    user = email.user
    items = readable_items(user, email, docs) if user.is_active else []
    if not items:
        email.state, email.last_error = "dropped", "nothing in it may be read by its recipient now"
        db.session.commit()
        return "dropped"
    with force_locale(i18n.recipient_language(user)):
        subject, text = compose(user, email, items)
    try:
        mailer.send(user.email, subject, text, headers=_headers(user, email))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        return _refused(email, user, f"refused: {error}")
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            return _refused(email, user, f"refused ({error.smtp_code}): {error.smtp_error!r}")
        return _retry(email, now, f"server said {error.smtp_code}")
    except (smtplib.SMTPException, OSError) as error:
        return _retry(email, now, f"{type(error).__name__}: {error}")
    email.state, email.sent_at, email.items_sent = "sent", utcnow(), len(items)
    email.attempts += 1
    db.session.commit()
    return "sent"


def _retry(email: Email, now: datetime, problem: str) -> str:
    email.attempts += 1
    email.last_error = problem[:500]
    if email.attempts >= MAX_ATTEMPTS:
        email.state = "failed"
        db.session.commit()
        log.warning("e-mail %s failed for good after %s attempts: %s", email.id, email.attempts, problem)
        return "failed"
    email.next_attempt_at = now + timedelta(minutes=2**email.attempts)  # 2, 4, 8 ... 128 minutes
    db.session.commit()
    return "retry"


def _refused(email: Email, user: User, problem: str) -> str:
    """The server refused the address for good: this e-mail fails, and mail to it pauses."""
    email.state, email.last_error = "failed", problem[:500]
    email.attempts += 1
    settings = watches.settings_for(user)
    settings.bounced_at, settings.bounced_address = utcnow(), user.email
    db.session.commit()
    log.warning("e-mail %s to user %s refused: %s", email.id, user.id, problem)
    return "failed"


def readable_items(user: User, email: Email, docs: _Documents | None = None) -> list[Item]:
    """The e-mail's items whose documents the user may read now, newest first."""
    query = (
        db.select(Notification.document_id, Notification.reason)
        .where(Notification.email_id == email.id)
        .order_by(Notification.id.desc())
    )
    notes = list(db.session.execute(query))
    found = (docs or _Documents()).get([doc_id for doc_id, _reason in notes])
    labels = access.user_principals(user)
    items = []
    for doc_id, reason in notes:
        doc = found.get(doc_id)
        if doc is not None and access.labels_meet(labels, set(doc[3])):
            items.append(Item(reason, doc[0], doc[1], doc[2], doc[3]))
    return items


def shows_summary(doc: Document) -> bool:
    return doc.status == "published" and doc.visibility in SUMMARY_SHOWN


def compose(user: User, email: Email, items: list[Item]) -> tuple[str, str]:
    """Subject and text; a digest lists its newest DIGEST_MAX items and points to what's new."""
    count = len(items)
    subject = {
        "immediate": items[0].title
        if count == 1
        else ngettext("%(num)s new item", "%(num)s new items", count),
        "daily": ngettext("Your daily digest: %(num)s new", "Your daily digest: %(num)s new", count),
        "weekly": ngettext("Your weekly digest: %(num)s new", "Your weekly digest: %(num)s new", count),
    }[email.kind]
    text = render_template(
        "notify/email.txt", user=user, email=email, items=items[:DIGEST_MAX],
        more=max(0, len(items) - DIGEST_MAX),
        unsubscribe=unsubscribe_url(user, email), settings=external_url("notify.watching"),
        whats_new=external_url("notify.whats_new"),
    )  # fmt: skip
    return _("RNDD Hub: %(subject)s", subject=subject)[:200], text


def _headers(user: User, email: Email) -> dict[str, str]:
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "rndd.invalid"
    return {
        "Message-ID": f"<rndd-notify-{email.id}@{domain}>",  # the same on a retry: a server may drop a repeat
        "List-Unsubscribe": f"<{unsubscribe_url(user, email)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="rndd-unsubscribe")


def unsubscribe_url(user: User, email: Email) -> str:
    token = _serializer().dumps({"u": user.id, "e": email.id})
    return external_url("notify.unsubscribe", token=token)


def read_unsubscribe(token: str) -> dict[str, Any] | None:
    """The link's content, or None when it was altered."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    valid = isinstance(data, dict) and isinstance(data.get("u"), int) and isinstance(data.get("e"), int)
    return data if valid else None
