"""Snippets: one ellipsis between fragments, cuts at word boundaries in every script, and
nothing but <mark> added to escaped text."""

from __future__ import annotations

import html
import re

from search_index import segmenters
from search_index.cuts import cut_after, cut_before

PUBLIC = {"public"}
_MARK_RE = re.compile(r"</?mark>")


def _snippet(index, make_record, language: str, body: str, query: str) -> str:
    doc = make_record(language=language, title="T", body=body)
    index.apply([(doc.id, doc)], 1)
    hits = index.search(query, PUBLIC, language=language).hits
    assert [hit.id for hit in hits] == [doc.id]
    return hits[0].snippet_html


def _pieces(snippet: str) -> list[str]:
    """The text of each fragment, marks removed and unescaped."""
    return [
        html.unescape(_MARK_RE.sub("", part)).strip()
        for part in snippet.strip("…").split("…")
        if part.strip()
    ]


def test_two_fragments_are_joined_by_one_ellipsis(index, make_record):
    filler = " ".join(f"word{i}" for i in range(200))
    body = f"{filler} zanzibarian treaty {filler} zanzibarian accord {filler}"
    snippet = _snippet(index, make_record, "en", body, "zanzibarian")
    assert snippet.count("<mark>zanzibarian</mark>") == 2
    assert not re.search(r"…\s*…", snippet), snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    for piece in _pieces(snippet):  # whole words only
        assert all(re.fullmatch(r"word\d+|zanzibarian|treaty|accord", word) for word in piece.split()), piece


def test_fragments_that_meet_become_one(index, make_record):
    body = "The zanzibarian envoy met the zanzibarian minister. " * 3
    snippet = _snippet(index, make_record, "en", body, "zanzibarian")
    assert "…" not in snippet.rstrip("…")  # one passage, which the text goes on after
    assert snippet.count("<mark>") >= 2


def test_thai_snippet_is_cut_between_words(index, make_record):
    sentence = "กระทรวงการต่างประเทศจัดการฝึกอบรมเจ้าหน้าที่กงสุลเกี่ยวกับการสื่อสารในภาวะวิกฤต"
    body = sentence * 8 + "นักการทูตรุ่นใหม่" + sentence * 8
    snippet = _snippet(index, make_record, "th", body, "การทูต")
    assert "<mark>" in snippet
    bounds = {s for _, s, _ in segmenters.thai_words(body)} | {len(body)}
    for piece in _pieces(snippet):
        start = body.find(piece)
        assert start in bounds and start + len(piece) in bounds, piece


def test_khmer_snippet_never_starts_inside_a_cluster(index, make_record):
    sentence = "ក្រសួងការបរទេសបានរៀបចំវគ្គបណ្តុះបណ្តាលស្តីពីការទូតឌីជីថលសម្រាប់មន្ត្រីវ័យក្មេង"
    body = " ".join([sentence] * 6)
    snippet = _snippet(index, make_record, "km", body, "ការទូត")
    for piece in _pieces(snippet):
        assert "\u1780" <= piece[0] <= "\u17b3", piece[:3]  # a consonant or independent vowel
        start = body.find(piece)
        assert start == 0 or body[start - 1] != "\u17d2"  # not a subscript after COENG


def test_burmese_snippet_is_cut_between_syllables(index, make_record):
    sentence = "နိုင်ငံခြားရေးဝန်ကြီးဌာနသည်လူငယ်သံတမန်များအတွက်ဒစ်ဂျစ်တယ်သံတမန်ရေးသင်တန်းကိုဖွင့်လှစ်ခဲ့သည်"
    body = sentence * 4
    snippet = _snippet(index, make_record, "my", body, "သင်တန်း")
    bounds = {s for _, s, _ in segmenters.myanmar_syllables(body)} | {len(body)}
    for piece in _pieces(snippet):
        start = body.find(piece)
        assert start in bounds and start + len(piece) in bounds, piece


def test_snippet_is_escaped_with_only_marks_added(index, make_record):
    body = "x " * 150 + "<script>alert('zanzibarian')</script> & <b>bold</b> " + "y " * 150
    snippet = _snippet(index, make_record, "en", body, "zanzibarian")
    assert "<script>" not in snippet and "<b>" not in snippet
    assert set(re.findall(r"</?[a-z]+>", snippet)) <= {"<mark>", "</mark>"}
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet


def test_cuts_move_to_the_words_of_each_script():
    latin = "negotiations continued online"
    assert cut_before(latin, 3) == 0 and cut_after(latin, 3) == len("negotiations")
    thai = "การทูตดิจิทัล"  # การทูต | ดิจิทัล
    assert cut_before(thai, 2) == 0 and cut_after(thai, 2) == len("การทูต")
    khmer = "ក្រសួង"  # a cut after the COENG would split the stack ក្រ
    assert cut_before(khmer, 2) == 0
    burmese = "သံတမန်ရေး"  # သံ | တ | မန် | ရေး
    assert cut_before(burmese, 4) == 3 and cut_after(burmese, 4) == 6
