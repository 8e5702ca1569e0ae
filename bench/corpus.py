"""A deterministic corpus of realistic digital-diplomacy documents for benchmarks.

`generate(n, seed)` yields dicts with the fields of `search_index.IndexRecord`: English and
Indonesian prose of 300 to 900 words composed from sentence templates, spread over the sixteen
countries, the ten topics, the three kinds, the years 2019-2026 and every visibility and status,
with the principals `network.access.document_principals` would give them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

COUNTRIES = "BN KH ID LA MY MM PH SG TH VN AU CN IN JP KR NZ".split()
TOPICS = [
    "countering-extremism",
    "economic-diplomacy",
    "citizen-protection",
    "digital-divide",
    "crisis-response",
    "public-diplomacy",
    "capacity-building",
    "virtual-diplomacy",
    "cyber-governance",
    "health-diplomacy",
]
KINDS = ["case_study", "course", "resource"]
# (visibility or status, weight)
AUDIENCES = [
    ("public", 14),
    ("network", 10),
    ("countries", 20),
    ("country", 36),
    ("draft", 12),
    ("withdrawn", 8),
]

EN = {
    "actor": [
        "the ministry",
        "our embassy",
        "the consular team",
        "the digital unit",
        "the spokesperson",
        "the secretariat",
        "a regional working group",
        "the mission",
        "young diplomats",
        "the crisis centre",
        "the public diplomacy office",
        "partner ministries",
        "the training academy",
        "the cyber policy desk",
    ],
    "verb": [
        "launched",
        "coordinated",
        "negotiated",
        "reviewed",
        "expanded",
        "published",
        "tested",
        "evaluated",
        "strengthened",
        "monitored",
        "designed",
        "shared",
        "translated",
        "streamlined",
        "piloted",
        "documented",
    ],
    "thing": [
        "a social media campaign",
        "an evacuation plan",
        "a consular hotline",
        "trade negotiations",
        "a vaccine diplomacy initiative",
        "an online course",
        "a cybersecurity dialogue",
        "a fact-checking network",
        "digital signatures",
        "a citizen registration portal",
        "a crisis communication protocol",
        "virtual summit procedures",
        "capacity building workshops",
        "open data standards",
        "a counter-disinformation strategy",
        "a disaster response exercise",
        "economic diplomacy briefings",
    ],
    "context": [
        "during the monsoon season",
        "after the earthquake",
        "with ASEAN partners",
        "before the ministerial meeting",
        "across twelve embassies",
        "for citizens abroad",
        "in three regional languages",
        "on a tight budget",
        "with civil society",
        "under pandemic restrictions",
        "for small missions",
        "in cooperation with the private sector",
        "ahead of the election",
    ],
    "result": [
        "response times fell by half",
        "citizens received alerts within minutes",
        "the negotiations concluded early",
        "engagement doubled on every platform",
        "misinformation spread more slowly",
        "staff gained confidence",
        "partners adopted the same approach",
        "costs dropped noticeably",
        "the ministry learned hard lessons",
        "public trust improved",
    ],
    "lesson": [
        "clear ownership matters",
        "training must come first",
        "translation cannot be an afterthought",
        "data protection shapes every design",
        "small teams need simple tools",
        "leadership support is essential",
        "feedback loops keep services relevant",
        "interoperability saves time",
    ],
}
EN_TEMPLATES = [
    "{actor} {verb} {thing} {context}.",
    "As a result, {result}.",
    "In practice, {actor} {verb} {thing} and {result}.",
    "One lesson stands out: {lesson}.",
    "{actor} also {verb} {thing} {context}, although {lesson}.",
    "Colleagues noted that {result} once {actor} {verb} {thing}.",
    "The diplomacy of the digital age requires that {lesson}.",
]
ID = {
    "actor": [
        "kementerian",
        "kedutaan besar kami",
        "tim konsuler",
        "unit digital",
        "juru bicara",
        "sekretariat",
        "kelompok kerja kawasan",
        "perwakilan",
        "diplomat muda",
        "pusat krisis",
        "direktorat diplomasi publik",
        "kementerian mitra",
        "pusat pendidikan dan pelatihan",
    ],
    "verb": [
        "meluncurkan",
        "mengoordinasikan",
        "merundingkan",
        "meninjau",
        "memperluas",
        "menerbitkan",
        "menguji",
        "mengevaluasi",
        "memperkuat",
        "memantau",
        "merancang",
        "membagikan",
        "menerjemahkan",
        "menyederhanakan",
    ],
    "thing": [
        "kampanye media sosial",
        "rencana evakuasi",
        "layanan pengaduan konsuler",
        "perundingan perdagangan",
        "prakarsa diplomasi kesehatan",
        "kursus daring",
        "dialog keamanan siber",
        "jaringan pemeriksa fakta",
        "tanda tangan digital",
        "portal lapor diri warga negara",
        "protokol komunikasi krisis",
        "lokakarya peningkatan kapasitas",
        "standar data terbuka",
        "strategi melawan disinformasi",
        "latihan tanggap bencana",
    ],
    "context": [
        "selama musim hujan",
        "setelah gempa bumi",
        "bersama mitra ASEAN",
        "menjelang pertemuan tingkat menteri",
        "di dua belas perwakilan",
        "bagi warga negara di luar negeri",
        "dalam tiga bahasa daerah",
        "dengan anggaran terbatas",
        "bersama masyarakat sipil",
        "dalam kerja sama dengan sektor swasta",
    ],
    "result": [
        "waktu tanggap turun separuh",
        "warga menerima peringatan dalam hitungan menit",
        "perundingan selesai lebih cepat",
        "keterlibatan publik meningkat dua kali lipat",
        "disinformasi menyebar lebih lambat",
        "pegawai menjadi lebih percaya diri",
        "mitra menerapkan pendekatan yang sama",
        "kepercayaan publik membaik",
    ],
    "lesson": [
        "kepemilikan yang jelas sangat penting",
        "pelatihan harus didahulukan",
        "penerjemahan tidak boleh dinomorduakan",
        "pelindungan data membentuk setiap rancangan",
        "tim kecil membutuhkan alat yang sederhana",
        "dukungan pimpinan sangat penting",
    ],
}
ID_TEMPLATES = [
    "{actor} {verb} {thing} {context}.",
    "Hasilnya, {result}.",
    "Dalam praktiknya, {actor} {verb} {thing} dan {result}.",
    "Satu pelajaran menonjol: {lesson}.",
    "{actor} juga {verb} {thing} {context}, meskipun {lesson}.",
    "Diplomasi digital menuntut bahwa {lesson}.",
]
TITLE_EN = ["Lessons from {thing}", "How {actor} {verb} {thing}", "{thing} {context}"]
TITLE_ID = ["Pelajaran dari {thing}", "Bagaimana {actor} {verb} {thing}", "{thing} {context}"]


def _fill(rng: random.Random, template: str, words: dict[str, list[str]]) -> str:
    text = template.format(**{slot: rng.choice(options) for slot, options in words.items()})
    return text[0].upper() + text[1:]


def _prose(rng: random.Random, words: dict, templates: list[str], target: int) -> str:
    sentences: list[str] = []
    count = 0
    while count < target:
        sentence = _fill(rng, rng.choice(templates), words)
        sentences.append(sentence)
        count += sentence.count(" ") + 1
        if rng.random() < 0.15:
            sentences.append("\n\n")
    return " ".join(sentences).replace(" \n\n ", "\n\n")


def _principals(rng: random.Random, audience: str, owner: str, author: int) -> set[str]:
    if audience in ("public", "network"):
        return {audience}
    if audience == "countries":
        shared = rng.sample([c for c in COUNTRIES if c != owner], 3)
        return {f"country:{code}" for code in (owner, *shared)}
    if audience == "country":
        return {f"country:{owner}"}
    if audience == "draft":
        return {f"admins:{owner}", f"user:{author}"}
    return {f"admins:{owner}"}


def generate(n: int, seed: int = 20240611) -> Iterator[dict[str, Any]]:
    """`n` records, the same for the same seed."""
    rng = random.Random(seed)
    audiences, weights = zip(*AUDIENCES, strict=True)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    for doc_id in range(1, n + 1):
        indonesian = rng.random() < 0.35
        words, templates = (ID, ID_TEMPLATES) if indonesian else (EN, EN_TEMPLATES)
        titles = TITLE_ID if indonesian else TITLE_EN
        owner = rng.choice(COUNTRIES)
        audience = rng.choices(audiences, weights)[0]
        published = start + timedelta(days=rng.randrange(0, 8 * 365), seconds=doc_id)
        lessons = _prose(rng, words, templates, rng.randint(0, 150)) if rng.random() < 0.3 else ""
        yield {
            "id": doc_id,
            "version": rng.randint(1, 5),
            "kind": rng.choice(KINDS),
            "title": _fill(rng, rng.choice(titles), words),
            "summary": _prose(rng, words, templates, 30),
            "body": _prose(rng, words, templates, rng.randint(300, 900)),
            "extra": lessons,
            "language": "id" if indonesian else "en",
            "country": owner,
            "topics": rng.sample(TOPICS, rng.randint(1, 3)),
            "tags": rng.sample(["asean", "covid-19", "g20", "youth", "women", "pacific"], 2),
            "year": min(2026, published.year),
            "principals": _principals(rng, audience, owner, rng.randint(1, 400)),
            "published_at": None if audience in ("draft",) else published,
            "updated_at": published + timedelta(days=rng.randint(0, 60)),
        }
