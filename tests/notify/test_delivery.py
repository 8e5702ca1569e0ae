"""Delivery holds when processes die: a sender killed in the middle of an SMTP conversation and
a derivation that fails half-way both resume without losing or repeating anything. And the
embedded default derives and sends after the response, with no timer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from content import services
from network.extensions import db
from network.models import utcnow
from notify import derive, mailing, runner, watches
from notify.models import Email, Notification

pytestmark = pytest.mark.both_databases
ROOT = Path(__file__).resolve().parents[2]


def _eventually(condition, what: str, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_killed_sender_resumes_without_duplicates(mail_app, mailbox, make_user, make_document, tmp_path):
    readers = [make_user("TH", "reader") for _ in range(3)]
    for reader in readers:
        watches.add(reader, {"type": "kind", "value": "case_study", "delivery": "immediate"})
    make_document("ID", "network", "published", title="Sent exactly once")
    db.session.commit()
    mailbox.hold = threading.Event()  # the first DATA waits: the sender is killed in the middle of it
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RNDD_DATABASE_URL": mail_app.config["SQLALCHEMY_DATABASE_URI"],
        "RNDD_SECRET_KEY": mail_app.config["SECRET_KEY"],
        "RNDD_BASE_URL": "http://hub.test",
        "RNDD_INDEX_DIR": mail_app.config["INDEX_DIR"],
        "RNDD_UPLOAD_DIR": mail_app.config["UPLOAD_DIR"],
        "RNDD_KEY_DIR": mail_app.config["KEY_DIR"],
        "RNDD_MAIL_SERVER": "127.0.0.1",
        "RNDD_MAIL_PORT": str(mailbox.port),
        "RNDD_MAIL_USE_TLS": "0",
    }
    with open(tmp_path / "sender.log", "wb") as log:
        sender = subprocess.Popen(  # noqa: S603 - this interpreter, our own command
            [sys.executable, "-m", "flask", "--app", "wsgi", "notify", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _eventually(lambda: mailbox.holding.is_set() or sender.poll() is not None, "the sender never sent")
        assert sender.poll() is None, (tmp_path / "sender.log").read_text()
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(30)
    finally:
        if sender.poll() is None:
            sender.kill()
    mailbox.hold.set()
    mailbox.hold = None
    db.session.rollback()  # see what the killed process committed

    derived = db.session.scalar(
        db.select(db.func.count())
        .select_from(Notification)
        .where(Notification.user_id.in_([r.id for r in readers]))
    )
    assert derived == 3  # its derivation had committed before it sent
    assert derive.derive_all() == 0  # and is not done again
    assert mailbox.messages == []  # the message it was sending was never accepted
    mailing.send_pending()  # the claimed e-mail waits for its lease to pass; the others go now
    mailing.send_pending(utcnow() + mailing.LEASE + timedelta(seconds=1))
    for reader in readers:
        assert len(mailbox.to(reader.email)) == 1, reader.email
    assert mailing.send_pending(utcnow() + timedelta(days=1)) == {}


def test_a_derivation_that_fails_half_way_leaves_nothing_behind(
    mail_app, mailbox, make_user, make_document, monkeypatch
):
    reader = make_user("TH", "reader")
    watches.add(reader, {"type": "kind", "value": "case_study", "delivery": "immediate"})
    make_document("ID", "network", "published", title="Derived once")

    def dies() -> int:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(mailing, "queue_immediate", dies)
    with pytest.raises(RuntimeError):
        derive.derive()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0
    monkeypatch.undo()
    runner.run()
    assert len(mailbox.to(reader.email)) == 1
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(Email).where(Email.user_id == reader.id))
        == 1
    )


def test_the_embedded_default_notifies_after_the_response(mail_app, mailbox, client, login, make_user):
    reader = make_user("TH", "reader")
    watches.add(reader, {"type": "kind", "value": "resource", "delivery": "immediate"})
    admin = make_user("ID", "country_admin")
    login(admin)
    body = {"title": "Jakarta Message", "kind": "resource", "status": "published", "visibility": "network"}
    with client.post("/api/v1/documents", json=body) as response:  # closing it runs what follows the response
        assert response.status_code == 201
    [message] = mailbox.to(reader.email)
    assert "Jakarta Message" in message.get_content()


def test_a_review_notice_waits_for_nothing(mail_app, mailbox, client, login, make_user):
    author = make_user("ID", "contributor")
    admin = make_user("ID", "country_admin", interface_language="en")
    doc = services.create_document(author, {"title": "Please review"})
    login(author)
    with client.post(f"/api/v1/documents/{doc.id}/submit") as response:
        assert response.status_code == 200
    [message] = mailbox.to(admin.email)
    assert "Waiting for your review: Please review" in message.get_content()
