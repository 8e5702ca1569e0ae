"""The page types of the site, with content wide and varied enough to test them (narrow screens,
accessibility): one place, so a new page type is added once."""

from __future__ import annotations

from content import indexing, lessons, services
from content.models import Mission
from network.extensions import db
from network.tokens import issue_token
from notify import runner, watches

LONG_TITLE = "Coordinating consular crisis communication across sixteen ministries and their embassies"
BODY = """A first paragraph with a long address: https://www.kemlu.go.id/portal/id/read/1234/berita/a-very-long-path

| Country | Channel | Followers | Response time | Languages | Notes |
|---|---|---|---|---|---|
| Indonesia | Safe Travel app | 1,200,000 | 15 minutes | Bahasa Indonesia, English | alerts in every crisis |

```
rndd federation add-peer https://hub.mfa.example.org --yes && rndd federation sync --peer hub-mfa-example
```
"""


def make_site(make_user, make_document) -> dict:
    """Pages of every type, with content wide enough to test them."""
    admin = make_user("ID", "country_admin", email="admin.id@example.org", name="Dewi Kartika Sari Wulandari")
    network_admin = make_user("SG", "network_admin", email="network@example.org")
    doc = make_document(
        "ID", "network", "published", title=LONG_TITLE, body_markdown=BODY, tags=["crisis", "consular"]
    )
    services.update_document(
        admin, doc.id, doc.version, {"summary": "What worked, and what did not, in 2024."}
    )
    draft = make_document("ID", "public", "review", title="A draft waiting for review")
    course = make_document("ID", "public", "published", kind="course", title="Digital diplomacy basics")
    lesson = lessons.add_lesson(admin, course.id, {"title": "Lesson one", "body_markdown": BODY})
    issue_token(admin, "news monitor of the ministry's communication directorate", "read")
    mission = Mission(country_code="ID", name="Embassy of the Republic of Indonesia in Yangon", city="Yangon")
    db.session.add(mission)
    db.session.commit()
    make_document("ID", "network", "published", kind="report", mission=mission.id, urgency="flash",
                  title="Flash: floods close the highway", concerns="MM")  # fmt: skip
    reader = make_user("TH", "reader", email="reader.th@example.org")
    watches.add(reader, {"type": "country", "value": "ID", "delivery": "daily"})
    watches.add(reader, {"type": "search", "query": "crisis", "name": "Crisis"})
    topic = doc.topics[0].slug if doc.topics else None
    db.session.commit()
    indexing.drain()  # searchable before the browser asks
    runner.run(digests_now=True)  # the reader has notifications
    return {
        "admin": admin.email, "network_admin": network_admin.email, "doc": doc.id, "draft": draft.id,
        "course": course.id, "lesson": lesson.id, "topic": topic, "reader": reader.email,
    }  # fmt: skip


def pages(site: dict) -> dict[str, list[str]]:
    d, c = site["doc"], site["course"]
    return {
        "": ["/login", "/password/forgot", "/", f"/documents/{d}/nothing-here"],
        site["admin"]: [
            "/", "/documents", f"/documents/{d}", f"/documents/{d}/history",
            f"/documents/{d}/diff?from=1&to=2", f"/documents/{d}/revisions/1", f"/documents/{d}/edit",
            "/documents/new", f"/documents/{site['draft']}/publish", f"/documents/{d}/delete",
            f"/documents/{c}", f"/documents/{c}/lessons/{site['lesson']}",
            f"/documents/{c}/lessons/{site['lesson']}/edit", "/countries/ID", "/search", "/search?q=crisis",
            "/drafts", "/review", "/admin/users", "/admin/audit", "/account/tokens", "/account/sessions",
            "/account/security/", "/account/password", "/api/docs", "/documents/999999", "/reports/new",
            "/missions",
            *([f"/topics/{site['topic']}"] if site["topic"] else []),
        ],
        site["network_admin"]: [
            "/admin/countries", "/admin/countries/ID", "/admin/accounts", "/admin/peers", "/admin/glossary",
            "/admin/mail",
        ],
        site["reader"]: [
            "/monitoring", "/monitoring?view=timeline", "/watching", "/whats-new", "/notifications",
        ],
    }  # fmt: skip


