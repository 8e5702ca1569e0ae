"""Analyzers, folding, glossary lookup and safe snippets."""

from __future__ import annotations

import re

from search_index.analyzers import analyze, fold
from search_index.languages import LANGUAGES
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


LATIN = ("en", "id", "folded")


def test_the_shipped_glossary_names_forty_concepts_in_all_thirteen_languages(glossary):
    assert len(glossary) >= 40
    for concept, forms in glossary.forms.items():
        missing = set(LANGUAGES) - {language for language, _ in forms}
        assert not missing, (concept, missing)
    thai_embassy = {form for language, form in glossary.forms["embassy"] if language == "th"}
    assert {"สถานเอกอัครราชทูต", "สถานทูต"} <= thai_embassy  # formal and colloquial


def test_glossary_lookup_through_each_language_analyzer(glossary):
    assert glossary.concepts_of(["Negotiations"], LATIN) == ("negotiation",)  # English stem
    assert glossary.concepts_of(["perundingannya"], LATIN) == ("negotiation",)  # Sastrawi
    assert glossary.concepts_of(["kerja", "sama"], LATIN) == ("cooperation",)
    mofa = "ministry of foreign affairs"
    assert glossary.concepts_of(mofa.split(), LATIN) == (mofa,)
    assert glossary.concepts_of(["Bảo", "hộ", "công", "dân"], LATIN) == ("citizen protection",)
    assert glossary.concepts_of(["สถานเอกอัครราชทูต"], ("th", *LATIN)) == ("embassy",)
    assert glossary.concepts_of(["weather"], LATIN) == ()
    # Malay keamanan is peace, Indonesian keamanan security: both are offered.
    assert set(glossary.concepts_of(["keamanan"], LATIN)) == {"peace", "security"}


def test_multi_word_forms_become_loose_phrases_of_their_content_words(glossary):
    forms = {e.text: e for e in glossary.equivalents("citizen protection")}
    filipino = forms["proteksyon ng mamamayan"]
    # "ng" is left out and keeps its place; the words are stemmed as the Filipino field is, with
    # and without the linker (-ng, -g) that joins them to the next word.
    assert filipino.loose and len(filipino.phrases) > 1
    assert all(words[0].startswith("proteksyon") and places == (0, 2) for words, places in filipino.phrases)
    hindi = forms["नागरिकों की सुरक्षा"]
    assert hindi.phrases[0] == (("नागरिक", "सुरक्ष"), (0, 2))  # की left out, its place kept; stemmed
    assert not forms["领事保护"].loose  # one word, cut in two by the segmenter: an exact phrase


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
