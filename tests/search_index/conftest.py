"""Fixtures for the search index: a record factory and shared, read-only indexes.

The language tools load once per test process; indexes that tests only read are built once per
session to keep the suite fast.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from search_index import Glossary, IndexRecord, SearchIndex

PUBLIC = {"public"}
GLOSSARY_FILE = Path(__file__).parents[2] / "content" / "glossary.json"


def shipped_concepts() -> dict[str, dict[str, list[str]]]:
    """The glossary `rndd init` seeds: concept -> language -> forms (formal first)."""
    data = json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))["concepts"]
    return {
        concept: {lang: [*forms["formal"], *forms.get("common", [])] for lang, forms in languages.items()}
        for concept, languages in data.items()
    }


@pytest.fixture(scope="session")
def glossary_concepts() -> dict[str, dict[str, list[str]]]:
    return shipped_concepts()


@pytest.fixture(scope="session")
def glossary(glossary_concepts) -> Glossary:
    """The shipped glossary, as content/ passes it to searches."""
    return Glossary(glossary_concepts)
_ids = itertools.count(10_000)


def record(**fields: Any) -> IndexRecord:
    """An IndexRecord with harmless defaults; `id` defaults to a fresh number."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    values: dict[str, Any] = {
        "id": next(_ids),
        "version": 1,
        "kind": "case_study",
        "title": "Untitled",
        "summary": "",
        "body": "",
        "extra": "",
        "language": "en",
        "country": "ID",
        "topics": [],
        "tags": [],
        "year": 2024,
        "principals": set(PUBLIC),
        "published_at": base,
        "updated_at": base,
    }
    values.update(fields)
    if "published_days" in values:
        values["published_at"] = base + timedelta(days=values.pop("published_days"))
    return IndexRecord(**values)


@pytest.fixture(scope="session")
def make_record() -> Callable[..., IndexRecord]:
    return record


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SearchIndex]:
    ix = SearchIndex(tmp_path / "index")
    yield ix
    ix.close()


MULTILINGUAL = [
    record(
        id=1,
        title="Negotiating in the digital age",
        country="SG",
        body="Our diplomats were negotiating trade agreements over video links.",
    ),
    record(
        id=2,
        language="id",
        title="Pengalaman Indonesia",
        country="ID",
        body="Kementerian Luar Negeri berdiplomasi melalui media sosial. "
        "Perlindungan WNI di luar negeri. Memperkukuh jejaring kawasan.",
    ),
    record(
        id=3,
        language="ms",
        title="Wisma Putra",
        country="MY",
        body="Malaysia bekerjasama dengan negara jiran dalam hal konsular.",
    ),
    record(
        id=4,
        language="th",
        title="ประสบการณ์ของไทย",
        country="TH",
        body="กระทรวงเจรจาการค้าผ่านสื่อสังคมออนไลน์และการทูตสาธารณะ",
    ),
    record(id=5, language="th", title="ข่าวกระทรวง", country="TH", body="นักการทูตรุ่นใหม่"),
    record(id=6, language="zh", title="新闻发布会", country="CN", body="中国外交部发言人今天举行记者会"),
    record(
        id=7,
        language="ja",
        title="日本の取り組み",
        country="JP",
        body="外務省は新しい外交政策を発表しました",
    ),
    record(id=8, language="ko", title="정책 소개", country="KR", body="한국의 외교는 중요하다"),
    record(id=9, language="km", title="ព័ត៌មាន", country="KH", body="ការទូតឌីជីថលរបស់កម្ពុជា"),
    record(id=10, language="lo", title="ຂ່າວ", country="LA", body="ການທູດດິຈິຕອນຂອງລາວ"),
    record(id=11, language="my", title="သတင်း", country="MM", body="မြန်မာသံတမန်ရေးရာ"),
    record(
        id=12,
        language="vi",
        title="Ngoại giao số của Việt Nam",
        country="VN",
        body="Bộ Ngoại giao đẩy mạnh chuyển đổi số tại Đà Nẵng.",
    ),
    record(
        id=13,
        language="fil",
        title="Pakikipag-ugnayan",
        country="PH",
        body="Ang Kagawaran ay gumagamit ng social media.",
    ),
    record(id=14, language="hi", title="भारत", country="IN", body="भारत की डिजिटल कूटनीति"),
    record(
        id=15,
        title="Public diplomacy on social media",
        country="AU",
        body="Public diplomacy needs a voice on every platform.",
    ),
    record(
        id=16,
        title="Crisis messages",
        country="NZ",
        summary="How <b>embassies</b> warn.",
        body="Embassy staff prepared <script>alert('x')</script> warnings for citizens.",
    ),
]


@pytest.fixture(scope="session")
def multilingual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    ix = SearchIndex(tmp_path_factory.mktemp("multilingual") / "index")
    ix.apply([(r.id, r) for r in MULTILINGUAL], 1)
    yield ix
    ix.close()
