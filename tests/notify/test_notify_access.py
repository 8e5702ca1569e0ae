"""The access matrix for notifications: a reader of every country and role is told of exactly the
documents they may read, in the site and by e-mail, also after a narrowing between the change and
the digest; unsubscribing works once, with one click, and refuses an altered link."""

from __future__ import annotations

import pytest
from access_table import OWNER, RELATIONS, ROLES, SHARED, expected

from content import services
from network.extensions import db
from notify import runner, watches

pytestmark = pytest.mark.both_databases
VISIBILITIES = ("public", "network", "countries", "country")


def test_every_role_and_country_is_told_exactly_what_it_may_read(
    mail_app, mailbox, make_user, make_document, client, login
):
    people = {
        (role, relation): make_user(RELATIONS[relation], role) for role in ROLES for relation in RELATIONS
    }
    for user in people.values():
        watches.add(user, {"type": "kind", "value": "resource", "delivery": "daily"})
    docs = {
        vis: make_document(
            OWNER,
            vis,
            "published",
            kind="resource",
            title=f"Matrix {vis} document",
            shared_with=[SHARED] if vis == "countries" else None,
        )
        for vis in VISIBILITIES
    }
    runner.run()
    # Between the change and the digest, the network document is narrowed to its own country.
    admin = make_user(OWNER, "country_admin")
    narrowed = docs["network"]
    services.update_document(admin, narrowed.id, narrowed.version, {"visibility": "country"})
    now = {"public": "public", "network": "country", "countries": "countries", "country": "country"}
    runner.run(digests_now=True)

    for (role, relation), user in people.items():
        want = {
            f"Matrix {vis} document"
            for vis in VISIBILITIES
            if expected(role, relation, now[vis], "published")
        }
        mailed = "".join(m.get_content() for m in mailbox.to(user.email))
        got = {f"Matrix {vis} document" for vis in VISIBILITIES if f"Matrix {vis} document" in mailed}
        assert got == want, (role, relation)
        login(user)
        listed = client.get("/api/v1/notifications").get_json()
        assert {item["document"]["title"] for item in listed["items"]} == want, (role, relation)
        assert listed["unread"] == len(want)


def test_unread_count_in_the_header_counts_readable_documents_only(
    app, make_user, make_document, client, login
):
    reader = make_user("TH", "reader")
    watches.add(reader, {"type": "country", "value": "ID", "delivery": "site"})
    doc = make_document("ID", "network", "published", title="Counted")
    make_document("ID", "network", "published", title="Counted too")
    runner.run()
    login(reader)
    assert 'aria-label="2 unread"' in client.get("/").get_data(as_text=True)
    services.update_document(make_user("ID", "country_admin"), doc.id, doc.version, {"visibility": "country"})
    page = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="1 unread"' in page
    assert "Counted too" in page and ">Counted<" not in page
    assert client.post("/api/v1/notifications/read", json={"all": True}).get_json() == {"marked": 2}
    assert "unread" not in client.get("/").get_data(as_text=True).split("<main")[0]


def _unsubscribe_link(mailbox, user) -> str:
    [message] = mailbox.to(user.email)
    return str(message["List-Unsubscribe"]).strip()[1:-1].replace("http://hub.test", "")


def test_one_click_unsubscribe_works_once_and_refuses_altered_links(
    mail_app, mailbox, make_user, make_document, app
):
    reader = make_user("TH", "reader")
    watches.add(reader, {"type": "kind", "value": "case_study", "delivery": "immediate"})
    make_document("ID", "network", "published", title="First")
    runner.run()
    link = _unsubscribe_link(mailbox, reader)
    anonymous = app.test_client()  # a mail client: no cookie, no CSRF token (RFC 8058)

    assert anonymous.get(link).status_code == 200  # a person sees a button; nothing changes yet
    assert watches.current_settings(reader).email_enabled is True
    altered = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    refused = anonymous.post(altered, data={"List-Unsubscribe": "One-Click"})
    assert refused.status_code == 400 and "not valid" in refused.get_data(as_text=True)

    done = anonymous.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more notification e-mail" in done.get_data(as_text=True)
    db.session.expire_all()
    assert watches.current_settings(reader).email_enabled is False
    again = anonymous.post(link, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and "used already" in again.get_data(as_text=True)

    make_document("ID", "network", "published", title="Second")
    runner.run()
    assert len(mailbox.to(reader.email)) == 1  # nothing more by mail
    assert "Second" in client_titles(app, reader)


def client_titles(app, user) -> str:
    from notify import inbox

    return " ".join(doc.title for _note, doc in inbox.notifications(user).items)
