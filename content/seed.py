"""The network's shared topics, from the themes of its founding conference."""

from __future__ import annotations

from content.models import Topic
from network.extensions import db

TOPICS = [
    ("countering-extremism", "Countering extremism and promoting peace"),
    ("economic-diplomacy", "Economic and digital-economy diplomacy"),
    ("citizen-protection", "Protecting citizens abroad"),
    ("digital-divide", "Closing the digital divide"),
    ("crisis-response", "Crisis and disaster response"),
    ("public-diplomacy", "Public diplomacy and social media"),
    ("capacity-building", "Capacity building for diplomats"),
    ("virtual-diplomacy", "Virtual diplomacy and negotiation"),
    ("cyber-governance", "Cyber and digital governance"),
    ("health-diplomacy", "Health diplomacy"),
]


def seed_topics() -> int:
    """Insert missing topics; returns how many were added."""
    existing = {slug for (slug,) in db.session.query(Topic.slug)}
    added = 0
    for slug, name in TOPICS:
        if slug not in existing:
            db.session.add(Topic(slug=slug, name=name))
            added += 1
    return added
