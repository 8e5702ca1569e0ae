"""The six query shapes both search benchmarks send, so that HTTP and bare figures compare."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shape:
    queries: list[str]
    per_page: int = 10
    filters: list[dict[str, str]] = field(default_factory=lambda: [{}])

    def request(self, i: int) -> tuple[str, dict[str, str], int]:
        """The i-th (query, filter, per_page) of this shape; HTTP and bare runs use the same."""
        return self.queries[i % len(self.queries)], self.filters[i % len(self.filters)], self.per_page


# Every answer carries facets and snippets. "one word" asks for one hit (matching, counting and
# facets dominate); the last shape asks for ten highlighted hits of other words.
SHAPES: dict[str, Shape] = {
    "one word": Shape(
        ["diplomacy", "embassy", "negotiations", "citizens", "kementerian", "crisis"], per_page=1
    ),
    "two words": Shape(
        [
            "digital signatures",
            "crisis communication",
            "consular hotline",
            "media sosial",
            "trade negotiations",
            "open data",
        ]
    ),
    "phrase": Shape(
        [
            '"social media campaign"',
            '"capacity building"',
            '"kursus daring"',
            '"crisis communication protocol"',
            '"open data standards"',
        ]
    ),
    "three words with OR": Shape(
        [
            "embassy OR mission OR consular",
            "evacuation OR disaster OR earthquake",
            "vaccine OR health OR pandemic",
            "siber OR cybersecurity OR disinformation",
        ]
    ),
    "two words + filter": Shape(
        ["digital campaign", "crisis plan", "training course", "lapor diri"],
        filters=[{"country": "ID"}, {"kind": "case_study"}],
    ),
    "one word, facets + 10 highlights": Shape(
        ["diplomacy", "disinformation", "perundingan", "workshops"], per_page=10
    ),
}
