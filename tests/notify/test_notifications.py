"""Follow, derive, deliver: immediate e-mail and digests carry the right documents only, through
a real SMTP server; workflow notices reach admins and authors; nothing is sent twice."""

from __future__ import annotations

import threading
import time

import pytest

from content import services
from network.extensions import db
from notify import derive, mailing, runner, watches
from notify.models import Email, Notification

pytestmark = pytest.mark.both_databases


def _follow(user, kind: str, value: str, delivery: str = "immediate"):
    return watches.add(user, {"type": kind, "value": value, "delivery": delivery})


def _count(model, user) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(model.user_id == user.id))


def test_an_immediate_email_tells_a_follower_of_a_new_document(mail_app, mailbox, make_user, make_document):
    reader = make_user("TH", "reader")
    _follow(reader, "topic", "crisis-response")
    doc = make_document(
        "ID",
        "network",
        "published",
        title="Evacuation drill in Jakarta",
        summary="How the ministry rehearsed an evacuation.",
        topics=["crisis-response"],
    )
    runner.run()
    [message] = mailbox.to(reader.email)
    body = message.get_content()
    assert "Evacuation drill in Jakarta" in body
    assert "How the ministry rehearsed an evacuation." in body  # network: the summary may travel
    assert f"http://hub.test/documents/{doc.id}" in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(message["List-Unsubscribe"]).strip().startswith("<http://hub.test/unsubscribe/")
    assert runner.run().get("sent", 0) == 0  # nothing twice
    assert len(mailbox.to(reader.email)) == 1


def test_a_follower_who_may_not_read_the_document_hears_nothing(mail_app, mailbox, make_user, make_document):
    outsider = make_user("TH", "reader")
    insider = make_user("ID", "reader")
    for user in (outsider, insider):
        _follow(user, "country", "ID")
    make_document("ID", "country", "published", title="Internal cable on consular staffing")
    runner.run()
    assert mailbox.to(outsider.email) == []
    [message] = mailbox.to(insider.email)
    assert "Internal cable on consular staffing" in message.get_content()
    assert _count(Notification, outsider) == 0


def test_restricted_documents_travel_by_title_and_link_only(mail_app, mailbox, make_user, make_document):
    reader = make_user("ID", "reader")
    _follow(reader, "country", "ID")
    make_document("ID", "country", "published", title="Staffing note", summary="SECRET-ISH SUMMARY TEXT")
    runner.run()
    [message] = mailbox.to(reader.email)
    assert "Staffing note" in message.get_content()
    assert "SECRET-ISH SUMMARY TEXT" not in message.get_content()


def test_a_daily_digest_leaves_out_what_was_narrowed_before_it_went(
    mail_app, mailbox, make_user, make_document
):
    reader = make_user("TH", "reader", interface_language="en")
    _follow(reader, "kind", "case_study", delivery="daily")
    kept = make_document("ID", "network", "published", title="Kept for the digest")
    narrowed = make_document("ID", "network", "published", title="Narrowed before the digest")
    runner.run()
    assert mailbox.to(reader.email) == []  # a daily digest is not due yet
    owner_admin = make_user("ID", "country_admin")
    doc = db.session.get(type(narrowed), narrowed.id)
    services.update_document(owner_admin, doc.id, doc.version, {"visibility": "country"})
    counts = runner.run(digests_now=True)
    assert counts["digests"] == 1
    [message] = mailbox.to(reader.email)
    assert "daily digest" in message["Subject"]
    assert kept.title in message.get_content()
    assert "Narrowed before the digest" not in message.get_content()


def test_a_digest_with_nothing_readable_left_is_dropped(mail_app, mailbox, make_user, make_document):
    reader = make_user("TH", "reader")
    _follow(reader, "kind", "case_study", delivery="weekly")
    doc = make_document("ID", "network", "published", title="Withdrawn before the weekly digest")
    runner.run()
    services.unpublish(make_user("ID", "country_admin"), doc.id)
    counts = runner.run(digests_now=True)
    assert counts.get("dropped") == 1
    assert mailbox.to(reader.email) == []
    assert db.session.scalar(db.select(Email.state).where(Email.user_id == reader.id)) == "dropped"


def test_review_and_publication_notices(mail_app, mailbox, make_user):
    author = make_user("ID", "contributor", interface_language="en")
    admins = [make_user("ID", "country_admin", interface_language="en") for _ in range(2)]
    other_admin = make_user("TH", "country_admin")
    doc = services.create_document(author, {"title": "Draft for review", "body_markdown": "Text."})
    services.submit_for_review(author, doc.id)
    runner.run()
    for admin in admins:
        [message] = mailbox.to(admin.email)
        assert "Waiting for your review: Draft for review" in message.get_content()
    assert mailbox.to(other_admin.email) == []
    assert mailbox.to(author.email) == []

    services.return_to_draft(admins[0], doc.id)
    runner.run()
    [returned] = mailbox.to(author.email)
    assert "Returned to draft: Draft for review" in returned.get_content()

    services.submit_for_review(author, doc.id)
    services.publish(admins[0], doc.id, "network")
    runner.run()
    published = mailbox.to(author.email)[-1]
    assert "Published: Draft for review" in published.get_content()
    # The second submission was published before the batch ran: nobody is asked to review it.
    assert [len(mailbox.to(admin.email)) for admin in admins] == [1, 1]


def test_one_document_matching_several_watches_is_one_notification(
    mail_app, mailbox, make_user, make_document
):
    reader = make_user("TH", "reader")
    _follow(reader, "topic", "crisis-response", delivery="daily")
    _follow(reader, "country", "ID", delivery="immediate")
    make_document("ID", "public", "published", title="Both at once", topics=["crisis-response"])
    runner.run()
    [note] = db.session.scalars(db.select(Notification).where(Notification.user_id == reader.id)).all()
    assert note.delivery == "immediate"
    assert len(mailbox.to(reader.email)) == 1


def test_flash_reports_always_when_asked(mail_app, mailbox, make_user, make_document, make_mission):
    reader = make_user("TH", "reader", interface_language="en")
    row = watches.settings_for(reader)
    row.flash_always = True
    db.session.commit()
    mission = make_mission("ID")
    make_document(
        "ID",
        "network",
        "published",
        title="Flash: port closed",
        kind="report",
        mission=mission.id,
        urgency="flash",
    )
    make_document("ID", "network", "published", title="Routine: port open", kind="report", mission=mission.id)
    runner.run()
    [message] = mailbox.to(reader.email)
    assert "FLASH report: Flash: port closed" in message.get_content()


def test_a_saved_search_tells_of_readable_matches_only(mail_app, mailbox, make_user, make_document):
    reader = make_user("TH", "reader")
    watches.add(reader, {"type": "search", "query": "vaccine", "name": "Vaccines", "delivery": "immediate"})
    make_document("ID", "network", "published", title="Vaccine diplomacy in the region")
    make_document("ID", "country", "published", title="Vaccine stock, internal")
    make_document("ID", "network", "published", title="Disaster drills")
    runner.run()
    [message] = mailbox.to(reader.email)
    assert "Vaccine diplomacy in the region" in message.get_content()
    assert "internal" not in message.get_content()
    assert "Disaster drills" not in message.get_content()


def test_derivation_is_idempotent_and_resumes_from_its_cursor(mail_app, make_user, make_document):
    reader = make_user("TH", "reader")
    _follow(reader, "kind", "case_study", delivery="site")
    make_document("ID", "network", "published")
    assert derive.derive_all() > 0
    assert derive.derive_all() == 0
    assert _count(Notification, reader) == 1
    make_document("ID", "network", "published")
    derive.derive_all()
    assert _count(Notification, reader) == 2


def test_two_processes_deriving_at_once_take_turns(mail_app, make_user, make_document, monkeypatch):
    # Two web workers' followers on one database: the second waits for the first's batch, then
    # finds nothing left (on SQLite, which locks no row, it failed on the unique key).
    reader = make_user("TH", "reader")
    _follow(reader, "kind", "case_study", delivery="site")
    make_document("ID", "network", "published")
    db.session.commit()
    inside, insert = threading.Event(), derive._Batch.insert

    def slow_insert(batch):  # the first batch holds its turn a while, its rows computed
        if not inside.is_set():
            inside.set()
            time.sleep(0.5)
        insert(batch)

    monkeypatch.setattr(derive._Batch, "insert", slow_insert)
    handled: list[int] = []
    failed: list[BaseException] = []

    def follower() -> None:
        with mail_app.app_context():
            try:
                handled.append(derive.derive())
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                failed.append(error)

    first = threading.Thread(target=follower)
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=follower)
    second.start()
    first.join(20)
    second.join(20)
    assert failed == [] and sorted(handled)[0] == 0 and sum(handled) > 0
    assert _count(Notification, reader) == 1


def test_a_refused_address_fails_once_and_pauses_mail(mail_app, mailbox, make_user, make_document):
    reader = make_user("TH", "reader")
    mailbox.refuse.add(reader.email)
    _follow(reader, "kind", "case_study")
    make_document("ID", "network", "published")
    runner.run()
    assert db.session.scalar(db.select(Email.state).where(Email.user_id == reader.id)) == "failed"
    settings = watches.current_settings(reader)
    assert settings.bounced_at is not None
    make_document("ID", "network", "published")
    runner.run()
    assert _count(Email, reader) == 1  # no more mail queued to it
    assert _count(Notification, reader) == 2  # still in the site


def test_a_temporary_failure_is_retried_with_backoff_and_sent_once(
    mail_app, mailbox, make_user, make_document
):
    from datetime import timedelta

    from network.models import utcnow

    reader = make_user("TH", "reader")
    _follow(reader, "kind", "case_study")
    make_document("ID", "network", "published", title="Retried")
    mailbox.busy = 2
    runner.run()
    email = db.session.scalar(db.select(Email).where(Email.user_id == reader.id))
    assert email.attempts == 1 and email.state == "pending" and "451" in email.last_error
    assert mailing.send_pending() == {}  # not due yet: the backoff holds it
    later = utcnow() + timedelta(minutes=3)
    assert mailing.send_pending(later) == {"sent": 2}
    assert mailing.send_pending(later + timedelta(hours=1)) == {}
    assert [m["Subject"] for m in mailbox.to(reader.email)] == ["RNDD Hub: Retried"]
    db.session.refresh(email)
    assert (email.state, email.attempts) == ("sent", 2)


def test_a_long_digest_lists_the_newest_and_points_to_the_rest(mail_app, mailbox, make_user, make_document):
    reader = make_user("TH", "reader", interface_language="en")
    _follow(reader, "country", "ID", delivery="daily")
    for n in range(mailing.DIGEST_MAX + 3):
        make_document("ID", "public", "published", title=f"Item number {n:03d}")
    runner.run(digests_now=True)
    [message] = mailbox.to(reader.email)
    body = message.get_content()
    assert f"daily digest: {mailing.DIGEST_MAX + 3} new" in message["Subject"]
    assert "Item number 052" in body and "Item number 003" in body and "Item number 002" not in body
    assert "... and 3 more: http://hub.test/whats-new" in body


def test_an_email_speaks_the_recipients_language(mail_app, mailbox, make_user, make_document):
    from flask_babel import force_locale, gettext

    reader = make_user("ID", "reader")  # no choice made: Indonesia's language, which the site offers
    _follow(reader, "country", "ID", delivery="daily")
    make_document("ID", "public", "published", title="Latihan evakuasi")
    runner.run(digests_now=True)
    [message] = mailbox.to(reader.email)
    with force_locale("id"):
        heading = gettext("Your daily digest from RNDD Hub:")
        stop = gettext("Stop these e-mails: %(url)s", url="")
    assert heading != "Your daily digest from RNDD Hub:"  # the catalog translates it
    assert heading in message.get_content() and stop.strip() in message.get_content()
