"""Ranking: a document with the query's own words ranks above documents found only through the
glossary, in every language of the network, however sparse that language's fields are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search_index import Glossary, IndexRecord, SearchIndex
from search_index.analyzers import fold
from search_index.evaluate import EQUIVALENT_SHARE
from search_index.languages import LANGUAGES
from search_index.search import LANGUAGE_PREFERENCE

PUBLIC = {"public"}
CONCEPT = "diplomacy"
# One sentence of ordinary ministry prose per language, without the word for diplomacy: the
# document that has the word is made long with it, as a real case study would be.
PROSE = {
    "en": "Officers answered questions from travellers and updated the travel advice every week.",
    "id": "Petugas menjawab pertanyaan para pelancong dan memperbarui imbauan perjalanan setiap minggu.",
    "ms": "Pegawai menjawab soalan pelancong dan mengemas kini nasihat perjalanan setiap minggu.",
    "th": "เจ้าหน้าที่ตอบคำถามของนักเดินทางและปรับปรุงคำแนะนำการเดินทางทุกสัปดาห์",
    "vi": "Cán bộ trả lời câu hỏi của du khách và cập nhật khuyến cáo đi lại hằng tuần.",
    "zh": "工作人员回答旅行者的问题，并每周更新旅行建议。",
    "ja": "職員は旅行者の質問に答え、毎週渡航情報を更新した。",
    "ko": "직원들은 여행자의 질문에 답하고 매주 여행 권고를 갱신했다.",
    "km": "មន្ត្រីបានឆ្លើយសំណួររបស់អ្នកធ្វើដំណើរ និងធ្វើបច្ចុប្បន្នភាពការណែនាំការធ្វើដំណើររៀងរាល់សប្តាហ៍។",
    "lo": "ພະນັກງານໄດ້ຕອບຄຳຖາມຂອງນັກທ່ອງທ່ຽວ ແລະ ປັບປຸງຄຳແນະນຳການເດີນທາງທຸກໆອາທິດ.",
    "my": "အရာရှိများသည် ခရီးသွားများ၏ မေးခွန်းများကို ဖြေကြားပြီး ခရီးသွားအကြံပြုချက်ကို အပတ်စဉ် ပြင်ဆင်ခဲ့သည်။",
    "fil": "Sinagot ng mga opisyal ang mga tanong ng mga biyahero at binago ang payo sa paglalakbay.",
    "hi": "अधिकारियों ने यात्रियों के प्रश्नों के उत्तर दिए और हर सप्ताह यात्रा परामर्श अद्यतन किया।",
}
COUNTRY = {
    "en": "AU", "id": "ID", "ms": "MY", "th": "TH", "vi": "VN", "zh": "CN", "ja": "JP", "ko": "KR",
    "km": "KH", "lo": "LA", "my": "MM", "fil": "PH", "hi": "IN",
}  # fmt: skip


def _concepts() -> dict[str, dict[str, list[str]]]:
    from tests.search_index.conftest import shipped_concepts

    return shipped_concepts()


GLOSSARY = _concepts()
SHIPPED = Glossary(GLOSSARY)


def _term(language: str) -> str | None:
    names = GLOSSARY[CONCEPT].get(language)
    return names[0] if names else None


def _record(doc_id: int, language: str, title: str, body: str) -> IndexRecord:
    from tests.search_index.conftest import record

    return record(id=doc_id, language=language, country=COUNTRY[language], title=title, body=body)


def _corpus() -> list[IndexRecord]:
    """Per language: one long case study naming diplomacy once in its body (id 100 + i), one
    short note that names it in its title (id 200 + i), and two texts that do not (300, 400)."""
    records = []
    for i, language in enumerate(LANGUAGES):
        term, prose = _term(language), PROSE[language]
        if term:
            body = " ".join([prose] * 12 + [f"{prose} {term} {prose}"] + [prose] * 12)
            records.append(_record(100 + i, language, f"{language} case study", body))
            records.append(_record(200 + i, language, f"{term}", f"{term}. {prose}"))
        records.append(_record(300 + i, language, f"{language} notes", prose))
        records.append(_record(400 + i, language, f"{language} more notes", f"{prose} {prose}"))
    return records


@pytest.fixture(scope="module")
def ranked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    ix = SearchIndex(Path(tmp_path_factory.mktemp("ranking")) / "index")
    ix.apply([(r.id, r) for r in _corpus()], 1)
    yield ix
    ix.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_own_words_rank_above_glossary_equivalents(ranked, language):
    term = _term(language)
    if term is None:
        pytest.skip(f"the glossary names {CONCEPT} in no {language} form yet")
    found = ranked.search(term, PUBLIC, per_page=100, language=language, glossary=SHIPPED)
    ids = [hit.id for hit in found.hits]
    same = {fold(name) for names in [GLOSSARY[CONCEPT].get(language, ())] for name in names}
    exact = {100 + i for i, other in enumerate(LANGUAGES) if _term(other) and fold(_term(other)) in same} | {
        200 + i for i, other in enumerate(LANGUAGES) if _term(other) and fold(_term(other)) in same
    }
    equivalents = [doc for doc in ids if doc not in exact]
    assert 100 + LANGUAGES.index(language) in ids
    assert equivalents, "the glossary found nothing in other languages"
    worst_exact = max(ids.index(doc) for doc in exact)
    assert worst_exact < min(ids.index(doc) for doc in equivalents), ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_title_match_outranks_a_body_match(ranked, language):
    """The title boost is kept: the short note titled with the word comes before the case study."""
    term = _term(language)
    if term is None:
        pytest.skip(f"the glossary names {CONCEPT} in no {language} form yet")
    found = ranked.search(term, PUBLIC, per_page=100, language=language, glossary=SHIPPED)
    ids = [hit.id for hit in found.hits]
    i = LANGUAGES.index(language)
    assert ids.index(200 + i) < ids.index(100 + i)


def test_the_query_language_preference_never_lifts_an_equivalent_above_the_words():
    assert LANGUAGE_PREFERENCE * EQUIVALENT_SHARE < 1


def test_documents_in_the_query_language_come_first_among_equal_matches(index, make_record):
    # The same text in Chinese and Japanese: 外交 is a word of both.
    zh = make_record(language="zh", title="外交", body="数字外交")
    ja = make_record(language="ja", title="外交", body="デジタル外交")
    index.apply([(zh.id, zh), (ja.id, ja)], 1)
    for language, first in (("ja", ja.id), ("zh", zh.id)):
        assert index.search("外交", PUBLIC, language=language).hits[0].id == first
