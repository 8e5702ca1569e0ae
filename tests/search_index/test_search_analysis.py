"""Analyzers, folding, glossary lookup and safe snippets."""

from __future__ import annotations

import re

from search_index import glossary
from search_index.analyzers import analyze, fold
from search_index.parse import parse_query

PUBLIC = {"public"}


def test_fold_strips_latin_accents_but_keeps_other_scripts():
    assert fold("Ngoại Giao ĐÀ NẴNG") == "ngoai giao da nang"
    assert fold("Café Straße") == "cafe strasse"
    assert fold("คำ") == "คำ"  # NFKD would split SARA AM
    assert fold("कूटनीति") == "कूटनीति"


def test_thai_inner_words_share_the_compound_position_when_indexing():
    indexed = analyze("th", "นักการทูตไทย", mode="index")
    assert ("นักการทูต", 0) in indexed and ("การทูต", 0) in indexed and ("ไทย", 1) in indexed
    assert analyze("th", "นักการทูตไทย") == [("นักการทูต", 0), ("ไทย", 1)]


def test_chinese_parts_only_when_indexing():
    assert ("外交", 0) in analyze("zh", "中国外交部", mode="index")
    assert analyze("zh", "中国外交部") == [("中国外交部", 0)]


def test_bigrams_keep_phrase_positions():
    assert analyze("bigram", "외교는 중요") == [("외교", 0), ("교는", 1), ("중요", 2)]
    assert analyze("bigram", "외교는 중요", mode="index") == [
        ("외교", 0),
        ("교는", 1),
        ("는", 1),
        ("중요", 2),
        ("요", 2),
    ]


def test_indonesian_kerjasama_becomes_kerja_sama():
    assert [t for t, _ in analyze("id", "bekerjasama erat")] == ["kerja", "sama", "erat"]


def test_glossary_has_the_key_terms_in_the_main_languages():
    assert len(glossary.GLOSSARY) >= 15
    for concept, names in glossary.GLOSSARY.items():
        missing = {"en", "id", "th", "vi", "zh", "ja", "ko", "fil"} - set(names)
        assert not missing, (concept, missing)
    assert glossary.concept_of(["Negotiations"]) == "negotiation"
    assert glossary.concept_of(["kerja", "sama"]) == "cooperation"
    assert glossary.concept_of(["ministry", "of", "foreign", "affairs"]) == ("ministry of foreign affairs")
    assert glossary.concept_of(["weather"]) is None


def test_parser_keeps_word_spans_for_suggestions():
    parsed = parse_query('diplomcy -crisis "a b" country:ID')
    assert [(w.text, parsed.text[w.start : w.end]) for w in parsed.words] == [("diplomcy", "diplomcy")]


def test_snippets_are_escaped_with_only_mark_tags(multilingual):
    result = multilingual.search("warnings", PUBLIC)
    (hit,) = result.hits
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<mark>warnings</mark>" in hit.snippet_html
    tags = set(re.findall(r"</?([a-zA-Z]+)", hit.snippet_html + hit.title_html))
    assert tags <= {"mark"}


def test_summary_escaped_when_the_body_has_nothing_to_mark(multilingual):
    (hit,) = multilingual.search("messages", PUBLIC).hits
    assert hit.snippet_html == "How &lt;b&gt;embassies&lt;/b&gt; warn."
    assert hit.title_html == "Crisis <mark>messages</mark>"


def test_stemmed_matches_are_marked(multilingual):
    (hit,) = multilingual.search("negotiations", PUBLIC).hits
    assert "<mark>negotiating</mark>" in hit.snippet_html
    assert hit.title_html.startswith("<mark>Negotiating</mark>")
