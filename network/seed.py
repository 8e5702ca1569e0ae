"""Reference data: the sixteen member countries."""

from __future__ import annotations

from network.extensions import db
from network.models import Country

COUNTRIES = [
    ("BN", "Brunei Darussalam", "Ministry of Foreign Affairs", "ms"),
    ("KH", "Cambodia", "Ministry of Foreign Affairs and International Cooperation", "km"),
    ("ID", "Indonesia", "Ministry of Foreign Affairs (Kementerian Luar Negeri)", "id"),
    ("LA", "Lao PDR", "Ministry of Foreign Affairs", "lo"),
    ("MY", "Malaysia", "Ministry of Foreign Affairs (Wisma Putra)", "ms"),
    ("MM", "Myanmar", "Ministry of Foreign Affairs", "my"),
    ("PH", "Philippines", "Department of Foreign Affairs", "fil"),
    ("SG", "Singapore", "Ministry of Foreign Affairs", "en"),
    ("TH", "Thailand", "Ministry of Foreign Affairs", "th"),
    ("VN", "Viet Nam", "Ministry of Foreign Affairs", "vi"),
    ("AU", "Australia", "Department of Foreign Affairs and Trade", "en"),
    ("CN", "China", "Ministry of Foreign Affairs", "zh"),
    ("IN", "India", "Ministry of External Affairs", "hi"),
    ("JP", "Japan", "Ministry of Foreign Affairs", "ja"),
    ("KR", "Republic of Korea", "Ministry of Foreign Affairs", "ko"),
    ("NZ", "New Zealand", "Ministry of Foreign Affairs and Trade", "en"),
]


def seed_countries() -> int:
    """Insert missing countries, never overwriting edits; returns how many were added."""
    existing = {code for (code,) in db.session.query(Country.code)}
    added = 0
    for code, name, ministry, language in COUNTRIES:
        if code not in existing:
            db.session.add(Country(code=code, name=name, ministry=ministry, default_language=language))
            added += 1
    return added
