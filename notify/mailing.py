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
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update

from content.models import Document
from network import access, mail
from network.extensions import db
from network.models import User, utcnow
from network.urls import external_url
from notify.models import Email, Notification, NotifySettings

log = logging.getLogger("rndd.notify")
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
DIGEST_EVERY = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
SUMMARY_SHOWN = ("public", "network")


def _mailable(user: User) -> bool:
    settings = db.session.get(NotifySettings, user.id)
    if not user.is_active:
        return False
    if settings is None:
        return True
    bounced = settings.bounced_at is not None and settings.bounced_address == user.email
    return settings.email_enabled and not bounced


def _queue(notes: list[Notification], kind: str) -> int:
    """One e-mail per user for these notifications; those of users who take no e-mail stay in
    the site only."""
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for note in notes:
        by_user[note.user_id].append(note)
    queued = 0
    for user_id, group in by_user.items():
        user = db.session.get(User, user_id)
        if user is None or not _mailable(user):
            for note in group:
                note.delivery = "site"
            continue
        email = Email(user_id=user_id, kind=kind, state="pending", next_attempt_at=utcnow())
        db.session.add(email)
        db.session.flush()
        for note in group:
            note.email_id = email.id
        queued += 1
    return queued


def queue_immediate() -> int:
    """Queue the notifications that go out at once (inside the caller's transaction)."""
    db.session.flush()
    pending = db.select(Notification).where(
        Notification.delivery == "immediate", Notification.email_id.is_(None)
    )
    return _queue(list(db.session.scalars(pending)), "immediate")


def queue_digests(now: datetime | None = None, *, force: bool = False) -> int:
    """Queue the daily and weekly digests that are due (all of them with `force`)."""
    now = now or utcnow()
    queued = 0
    for kind, every in DIGEST_EVERY.items():
        pending = db.select(Notification).where(
            Notification.delivery == kind, Notification.email_id.is_(None)
        )
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for note in db.session.scalars(pending):
            by_user[note.user_id].append(note)
        due: list[Notification] = []
        for user_id, notes in by_user.items():
            settings = db.session.get(NotifySettings, user_id) or _new_settings(user_id)
            last = getattr(settings, f"last_{kind}_at") or min(n.created_at for n in notes)
            if force or now - last >= every:
                setattr(settings, f"last_{kind}_at", now)
                due.extend(notes)
        queued += _queue(due, kind)
    db.session.commit()
    return queued


def _new_settings(user_id: int) -> NotifySettings:
    settings = NotifySettings(user_id=user_id, email_enabled=True, flash_always=False, workflow_email=True,
                              bounced_address="")  # fmt: skip
    db.session.add(settings)
    return settings


def send_pending(now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Try every e-mail whose time has come; returns counts by outcome."""
    now = now or utcnow()
    outcome: dict[str, int] = defaultdict(int)
    due = db.select(Email.id).where(Email.state == "pending", Email.next_attempt_at <= now).order_by(Email.id)
    for email_id in list(db.session.scalars(due.limit(limit))):
        if _claim(email_id, now):
            outcome[_attempt(db.session.get(Email, email_id), now)] += 1
    return dict(outcome)


def _claim(email_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(Email)
        .where(Email.id == email_id, Email.state == "pending", Email.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)
    ).rowcount  # fmt: skip
    db.session.commit()
    return claimed == 1


def _attempt(email: Email, now: datetime) -> str:
    """Compose and send one e-mail; returns sent, dropped, retry or failed."""
    user = email.user
    items = readable_items(user, email) if user.is_active else []
    if not items:
        email.state, email.last_error = "dropped", "nothing in it may be read by its recipient now"
        db.session.commit()
        return "dropped"
    subject, text = compose(user, email, items)
    try:
        mail.send(user.email, subject, text, headers=_headers(user, email))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        return _failed(email, user, f"refused: {error}", bounced=True)
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            return _failed(email, user, f"refused ({error.smtp_code}): {error.smtp_error!r}", bounced=True)
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


def _failed(email: Email, user: User, problem: str, *, bounced: bool) -> str:
    email.state, email.last_error = "failed", problem[:500]
    email.attempts += 1
    if bounced:
        settings = db.session.get(NotifySettings, user.id) or _new_settings(user.id)
        settings.bounced_at, settings.bounced_address = utcnow(), user.email
    db.session.commit()
    log.warning("e-mail %s to user %s refused: %s", email.id, user.id, problem)
    return "failed"


def readable_items(user: User, email: Email) -> list[tuple[Notification, Document]]:
    """The e-mail's notifications whose documents the user may read now."""
    query = (
        db.select(Notification, Document)
        .join(Document, Document.id == Notification.document_id)
        .where(Notification.email_id == email.id)
        .order_by(Notification.id)
    )
    return [(note, doc) for note, doc in db.session.execute(query).unique() if access.can_read(user, doc)]


def shows_summary(doc: Document) -> bool:
    return doc.status == "published" and doc.visibility in SUMMARY_SHOWN


def compose(user: User, email: Email, items: list[tuple[Notification, Document]]) -> tuple[str, str]:
    subject = {
        "immediate": items[0][1].title if len(items) == 1 else f"{len(items)} new items",
        "daily": f"Your daily digest: {len(items)} new",
        "weekly": f"Your weekly digest: {len(items)} new",
    }[email.kind]
    lines = [
        {"item": note, "doc": doc, "summary": doc.summary if shows_summary(doc) else "",
         "url": external_url("content.document", doc_id=doc.id)}
        for note, doc in items
    ]  # fmt: skip
    text = render_template("notify/email.txt", user=user, email=email, items=lines,
                           unsubscribe=unsubscribe_url(user, email),
                           settings=external_url("notify.watching"))  # fmt: skip
    return f"RNDD Hub: {subject}"[:200], text


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
