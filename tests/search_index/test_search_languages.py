"""Each language of the region is found the way its readers write it."""

from __future__ import annotations

import re

import pytest

from search_index import QueryError, SearchIndex
from search_index.languages import detect_language, query_families
from search_index.schema import record_family
from search_index.scripts import SCRIPT_RANGES, script_counts

PUBLIC = {"public"}


def found(ix: SearchIndex, q: str, **kwargs: object) -> set[int]:
    result = ix.search(q, PUBLIC, per_page=100, **kwargs)
    return {hit.id for hit in result.hits}


def test_english_snowball_stemming_unifies_negotiations_and_negotiating(multilingual):
    assert 1 in found(multilingual, "negotiations")


@pytest.mark.parametrize(
    ("query", "doc_id"),
    [
        ("diplomasi", 2),  # berdiplomasi
        ("melindungi", 2),  # perlindungan: both stem to lindung
        ("kukuh", 2),  # memperkukuh
        ("kerja sama", 3),  # bekerjasama, which Sastrawi does not split
        ('"kerja sama"', 3),
        ("kerjasama", 3),
    ],
)
def test_indonesian_and_malay_sastrawi_stemming(multilingual, query, doc_id):
    assert doc_id in found(multilingual, query)


def test_thai_word_found_in_unsegmented_text_and_inside_a_compound(multilingual):
    hits = found(multilingual, "การทูต")
    assert {4, 5} <= hits  # 4: inside unsegmented text; 5: only inside นักการทูต
    result = multilingual.search("การทูต", PUBLIC, filters={"country": "TH"})
    snippets = {hit.id: hit.snippet_html for hit in result.hits}
    assert "<mark>การทูต</mark>" in snippets[5]


def test_chinese_search_mode_finds_word_inside_compound(multilingual):
    assert 6 in found(multilingual, "外交")  # only inside 中国外交部
    assert 6 in found(multilingual, "外交部")


def test_japanese_word_found_inside_a_sentence(multilingual):
    assert 7 in found(multilingual, "外交")
    assert 7 in found(multilingual, "発表")


@pytest.mark.parametrize(
    ("query", "doc_id"),
    [
        ("외교", 8),  # inside 외교는
        ("외", 8),  # one character: bigram prefix
        ("다", 8),  # the last character of a run
        ("ការទូត", 9),
        ("ການທູດ", 10),
        ("သံတမန်", 11),
    ],
)
def test_korean_khmer_lao_burmese_by_bigrams(multilingual, query, doc_id):
    assert doc_id in found(multilingual, query)


@pytest.mark.parametrize("query", ["ngoai giao", "NGOẠI GIAO", "da nang", "Đà Nẵng"])
def test_vietnamese_accent_and_case_folding(multilingual, query):
    assert 12 in found(multilingual, query)


def test_filipino_and_hindi_fold(multilingual):
    assert 13 in found(multilingual, "kagawaran")
    assert 14 in found(multilingual, "कूटनीति")


def test_glossary_expands_across_languages_and_exact_match_ranks_first(multilingual, glossary):
    result = multilingual.search("diplomacy", PUBLIC, per_page=100, glossary=glossary)
    hits = [hit.id for hit in result.hits]
    assert hits[0] == 15  # the English document that says "diplomacy"
    assert {2, 4, 6, 7} <= set(hits)  # diplomasi, การทูต, 外交 (zh), 外交 (ja)


def test_glossary_forms_are_analysed_only_for_the_families_in_the_index(
    make_record, index, monkeypatch, glossary_concepts
):
    from search_index import glossary as module

    analysed: set[str] = set()
    real = module.analyze

    def spy(family: str, text: str):
        analysed.add(family)
        return real(family, text)

    monkeypatch.setattr(module, "analyze", spy)
    fresh = module.Glossary(glossary_concepts)
    english = make_record(language="en", title="Embassy outreach", body="The embassy answered.")
    indonesian = make_record(language="id", title="Kedutaan besar", body="Kedutaan besar membuka layanan.")
    index.apply([(english.id, english), (indonesian.id, indonesian)], 1)
    result = index.search("embassy", PUBLIC, glossary=fresh)
    assert [hit.id for hit in result.hits] == [english.id, indonesian.id]
    assert analysed <= {"en", "id", "fil", "folded"}  # no Thai, Chinese or Japanese segmenter was asked


def test_glossary_multi_word_term(multilingual, glossary):
    # "kementerian luar negeri" names the ministry of foreign affairs: finds 外交部 and 外務省.
    assert {6, 7} <= found(multilingual, "kementerian luar negeri", glossary=glossary)
    assert not {6, 7} & found(multilingual, "kementerian luar negeri")  # only through the glossary


def test_indonesian_text_full_of_english_terms_is_found_by_english_words(make_record, index):
    doc = make_record(
        language="id",
        title="Strategi public diplomacy",
        body="Tim kami menggunakan digital engagement dan social listening setiap hari.",
    )
    index.apply([(doc.id, doc)], 1)
    assert {h.id for h in index.search("engagement listening", PUBLIC).hits} == {doc.id}


def test_declared_language_is_authoritative_and_detection_fills_blanks(make_record, index):
    text = "Kementerian berkomitmen memberikan perlindungan kepada warga negara di luar negeri."
    declared_en = make_record(language="en", title="Catatan", body=text)
    undeclared = make_record(language="", title="Catatan", body=text)
    assert record_family(declared_en) == "en"
    assert record_family(undeclared) == "id"
    index.apply([(declared_en.id, declared_en), (undeclared.id, undeclared)], 1)
    # melindungi reaches perlindungan only through the Indonesian stemmer.
    assert {h.id for h in index.search("melindungi", PUBLIC).hits} == {undeclared.id}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("กระทรวงการต่างประเทศ", "th"),
        ("외교부는 발표했다", "ko"),
        ("外務省は発表しました", "ja"),
        ("中国外交部发言人", "zh"),
        ("ការទូតឌីជីថល", "km"),
        ("ການທູດ", "lo"),
        ("သံတမန်ရေး", "my"),
        ("भारत की डिजिटल कूटनीति", "hi"),
        ("Bộ Ngoại giao Việt Nam đẩy mạnh ngoại giao số", "vi"),
        ("The ministry strengthened its digital diplomacy with partners", "en"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["".join(map(chr, range(128))), "", "Kementerian 2024", "_- 123"])
def test_ascii_text_counts_its_letters_as_the_script_patterns_do(text):
    """script_counts counts ASCII text without its patterns: the same counts, in the same order."""
    patterns = {name: re.compile(f"[{chars}]") for name, chars in SCRIPT_RANGES.items()}
    counted = {name: len(pattern.findall(text)) for name, pattern in patterns.items()}
    counted["latin"] = len(re.findall(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]", text))
    counted["devanagari"] = len(re.findall("[\u0900-\u097f]", text))
    assert list(script_counts(text).items()) == list(counted.items())


def test_query_language_decides_families():
    assert query_families("การทูต", None)[0] == "th"
    assert {"zh", "ja"} <= set(query_families("外交", None))
    assert set(query_families("diplomacy", "vi")) >= {"folded", "en", "id"}


def test_language_parameter_is_checked(multilingual):
    assert 12 in found(multilingual, "ngoai giao", language="vi")
    with pytest.raises(QueryError):
        multilingual.search("x", PUBLIC, language="klingon")
