"""Demo users and documents, loaded through the same services as real edits."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update

from content import attachments, demo_files, lessons, services
from content.models import Document, Mission
from network.extensions import db
from network.models import User
from network.users import create_user

DATA = Path(__file__).parent / "demo_data" / "documents.json"
COURSES = Path(__file__).parent / "demo_data" / "courses.json"
REPORTS = Path(__file__).parent / "demo_data" / "reports.json"
DEMO_PASSWORD = "diplomacy-demo"  # noqa: S105 - printed for the demo on purpose
DEMO_COUNTRIES = ("ID", "AU", "SG", "TH", "JP")
ROLE_NAMES = {"reader": "reader", "contributor": "author", "country_admin": "admin"}
PEOPLE = {
    "ID": ("Dewi Lestari", "Budi Santoso", "Rina Wijaya"),
    "AU": ("Olivia Brown", "Jack Wilson", "Mia Taylor"),
    "SG": ("Tan Wei Ling", "Rajesh Kumar", "Nur Aisyah"),
    "TH": ("Somchai Rattanakul", "Kanya Srisuk", "Anong Chaiyaporn"),
    "JP": ("Sato Haruka", "Tanaka Kenji", "Suzuki Yui"),
}


def demo_email(country: str, role: str) -> str:
    return f"{ROLE_NAMES[role]}.{country.lower()}@demo.rndd.example"


def _ensure_users() -> dict[tuple[str, str], User]:
    people: dict[tuple[str, str], User] = {}
    wanted = [(c, r, PEOPLE[c][i]) for c in DEMO_COUNTRIES for i, r in enumerate(ROLE_NAMES)]
    wanted.append(("ID", "network_admin", "Network Secretariat"))
    for country, role, name in wanted:
        email = "secretariat@demo.rndd.example" if role == "network_admin" else demo_email(country, role)
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:
            user = create_user(email, name, country, role, DEMO_PASSWORD)
        people[(country, role)] = user
    db.session.commit()
    return people


def _load_document(item: dict[str, Any], author: User, admin: User, keys: dict[str, int]) -> None:
    data = {k: item[k] for k in ("kind", "title", "summary", "body_markdown", "language",
                                 "topics", "tags", "year")}  # fmt: skip
    if item.get("translation_of"):
        data["translation_of"] = keys[item["translation_of"]]
    doc = services.create_document(author, data)
    audience = (item["visibility"], item.get("shared_with") or [])
    if item["status"] in ("review", "published", "withdrawn"):
        services.submit_for_review(author, doc.id)
    if item["status"] in ("published", "withdrawn"):
        services.publish(admin, doc.id, *audience)
    if item["status"] == "withdrawn":
        services.unpublish(admin, doc.id)
    keys[item["key"]] = doc.id
    stamp = datetime(item["year"], 1 + doc.id % 12, 1 + doc.id % 27, 9, 30)
    published = stamp if item["status"] in ("published", "withdrawn") else None
    # Backdate the demo's timestamps only; a plain UPDATE leaves versions and the log alone.
    db.session.execute(
        update(Document).where(Document.id == doc.id)
        .values(created_at=stamp, updated_at=stamp, published_at=published)
    )  # fmt: skip
    db.session.commit()


def load_demo(echo: Callable[[str], Any] = print) -> None:
    """Idempotent: users and documents already there are left as they are."""
    people = _ensure_users()
    items = json.loads(DATA.read_text(encoding="utf-8"))
    existing = set(db.session.scalars(db.select(Document.title)))
    keys: dict[str, int] = {}
    for doc in db.session.scalars(db.select(Document)):
        keys[doc.title] = doc.id
    added = 0
    for item in sorted(items, key=lambda i: bool(i.get("translation_of"))):
        if item["title"] in existing:
            keys[item["key"]] = keys[item["title"]]
            continue
        author = people[(item["country"], item["author"])]
        _load_document(item, author, people[(item["country"], "country_admin")], keys)
        added += 1
    echo(f"Demo documents: {added} added, {len(items) - added} already there.")
    echo(f"Demo courses given lessons and files: {_load_course_material(people, keys)}.")
    echo(f"Demo mission reports added: {_load_reports(people)}.")
    echo(f"Demo users (password for all: {DEMO_PASSWORD}):")
    for (country, role), user in sorted(people.items()):
        echo(f"  {user.email:<36} {role:<14} {country}")


def _demo_file(spec: dict[str, Any]) -> bytes:
    if spec["kind"] == "pdf":
        return demo_files.make_pdf(spec["pages"])
    if spec["kind"] == "pptx":
        return demo_files.make_pptx([(title, lines) for title, lines in spec["slides"]])
    return demo_files.make_png(480, 120)


def _load_course_material(people: dict[tuple[str, str], User], keys: dict[str, int]) -> int:
    """Lessons and real files (made in code) for some demo courses; courses with lessons are skipped."""
    material = json.loads(COURSES.read_text(encoding="utf-8"))
    done = 0
    for key, course in material.items():
        doc = db.session.get(Document, keys[key]) if key in keys else None
        if doc is None or doc.lessons:
            continue
        admin = people[(doc.country_code, "country_admin")]
        lessons.update_course_details(admin, doc.id, doc.version, course["level"], course["duration_minutes"])
        made = [lessons.add_lesson(admin, doc.id, lesson, publish=True) for lesson in course["lessons"]]
        for spec in course["files"]:
            lesson = made[spec["lesson"] - 1] if spec.get("lesson") else None
            added = attachments.add_attachment(admin, doc.id, io.BytesIO(_demo_file(spec)), spec["name"],
                                               lesson_id=lesson.id if lesson else None)  # fmt: skip
            if lesson and spec.get("embed"):  # an image placed in the lesson's text by its URL
                image = f"![{spec.get('alt', 'Diagram')}](/attachments/{added.id})"
                body = lesson.body_markdown.replace("{{" + spec["embed"] + "}}", image)
                lessons.update_lesson(admin, lesson.id, {"body_markdown": body}, note="Diagram added")
        done += 1
    return done


def _load_reports(people: dict[tuple[str, str], User]) -> int:
    """Missions of the demo countries and reports filed in their names, published by the admins."""
    data = json.loads(REPORTS.read_text(encoding="utf-8"))
    known = {(m.country_code, m.name): m for m in db.session.scalars(db.select(Mission))}
    for spec in data["missions"]:
        if (spec["country"], spec["name"]) not in known:
            mission = Mission(country_code=spec["country"], name=spec["name"], city=spec["city"],
                              posted_in=spec["posted_in"])  # fmt: skip
            db.session.add(mission)
            known[(spec["country"], spec["name"])] = mission
    db.session.commit()
    existing = set(db.session.scalars(db.select(Document.title).where(Document.kind == "report")))
    added = 0
    for spec in data["reports"]:
        if spec["title"] in existing:
            continue
        author = people[(spec["country"], "contributor")]
        fields = ("title", "summary", "body_markdown", "language", "topics", "urgency", "concerns")
        values = {k: spec[k] for k in fields} | {"kind": "report", "sources": spec.get("sources", [])}
        values["mission"] = known[(spec["country"], spec["mission"])].id
        doc = services.create_document(author, values)
        services.submit_for_review(author, doc.id)
        services.publish(people[(spec["country"], "country_admin")], doc.id, spec["visibility"],
                         spec.get("shared_with") or [])  # fmt: skip
        added += 1
    return added
