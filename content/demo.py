"""Demo users and documents, loaded through the same services as real edits."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update

from content import services
from content.models import Document
from network.extensions import db
from network.models import User
from network.users import create_user

DATA = Path(__file__).parent / "demo_data" / "documents.json"
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
    echo(f"Demo users (password for all: {DEMO_PASSWORD}):")
    for (country, role), user in sorted(people.items()):
        echo(f"  {user.email:<36} {role:<14} {country}")
