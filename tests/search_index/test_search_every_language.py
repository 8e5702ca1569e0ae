"""Every language of the network, from real sentences: a word inside running text, an inflected
or compound form, and a phrase (or, where the script has no phrases of words, a normalised form).

Each document is in its own language; the query is typed as a reader of that language would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search_index import SearchIndex
from search_index.analyzers import analyze
from tests.search_index.conftest import record

PUBLIC = {"public"}
ZAWGYI_DOC = (  # python-myanmar's Zawgyi form of a Unicode sentence, as Zawgyi keyboards type it
    "ရန္ကုန္ရွိ သံ႐ုံးသည္ ျပည္ပေရာက္ ျမန္မာႏိုင္ငံသားမ်ားကို ကာကြယ္ေစာင့်ေရွာက္ေရး အစီအစဉ္ကို စတင္ခဲ့သည္။"
)
DOCS = {
    1: ("en", "The embassy in Jakarta negotiated a new agreement on consular cooperation. "
              "Officers were trained in crisis communication."),
    2: ("id", "Kementerian Luar Negeri memperkuat perlindungan warga negara Indonesia di luar negeri "
              "melalui aplikasi Safe Travel."),
    3: ("ms", "Wisma Putra menganjurkan rundingan dua hala dengan negara jiran mengenai keselamatan "
              "rakyat Malaysia."),
    4: ("th", "กระทรวงการต่างประเทศจัดการฝึกอบรมนักการทูตรุ่นใหม่เกี่ยวกับการทูตดิจิทัล"),
    5: ("vi", "Bộ Ngoại giao Việt Nam tổ chức khóa đào tạo về ngoại giao số cho cán bộ trẻ tại Hà Nội."),
    6: ("zh", "外交部举办数字外交培训班，帮助年轻外交官提高领事保护能力。"),
    7: ("ja", "外務省は若手外交官を対象にデジタル外交の研修を実施しました。"),
    8: ("ko", "외교부는 청년 외교관을 대상으로 디지털 외교 연수를 실시했다."),
    9: ("km", "ក្រសួងការបរទេសបានរៀបចំវគ្គបណ្តុះបណ្តាលស្តីពីការទូតឌីជីថលសម្រាប់មន្ត្រីវ័យក្មេង។"),
    10: ("lo", "ກະຊວງການຕ່າງປະເທດໄດ້ຈັດຝຶກອົບຮົມກ່ຽວກັບການທູດດິຈິຕອນໃຫ້ພະນັກງານໜຸ່ມ."),
    11: ("my", "မြန်မာနိုင်ငံ နိုင်ငံခြားရေးဝန်ကြီးဌာနသည် သံတမန်ရေးဆိုင်ရာ ဆွေးနွေးပွဲများကို ကျင်းပခဲ့သည်။"),
    12: ("my", ZAWGYI_DOC),
    13: ("fil", "Ang Kagawaran ng Ugnayang Panlabas ay nagsagawa ng pakikipagnegosasyon sa mga embahada "
               "para sa proteksyon ng mga mamamayang Pilipino. Sumulat ang mga konsul sa mga pamilya."),
    14: ("hi", "विदेश मंत्रालय ने युवा राजनयिकों के लिए प्रशिक्षण की घोषणा की। प्रशिक्षण का विषय है डिजिटल "
               "कूटनीति। सभी दूतावासों ने इसमें भाग लिया॥"),
}  # fmt: skip

CASES = [
    # (language, what it shows, query, document)
    ("en", "word", "cooperation", 1),
    ("en", "inflected", "negotiating", 1),
    ("en", "phrase", '"crisis communication"', 1),
    ("id", "word", "aplikasi", 2),
    ("id", "inflected", "kuat", 2),  # memperkuat
    ("id", "phrase", '"warga negara"', 2),
    ("ms", "word", "jiran", 3),
    ("ms", "inflected", "anjur", 3),  # menganjurkan
    ("ms", "phrase", '"dua hala"', 3),
    ("th", "word", "ฝึกอบรม", 4),
    ("th", "compound", "ต่างประเทศ", 4),  # inside กระทรวงการต่างประเทศ
    ("th", "phrase", '"การทูตดิจิทัล"', 4),
    ("vi", "word", "khóa", 5),
    ("vi", "unaccented", "ha noi", 5),
    ("vi", "phrase", '"ngoại giao số"', 5),
    ("zh", "word", "培训", 6),
    ("zh", "compound", "外交", 6),  # inside 外交部, 外交官
    ("zh", "phrase", '"领事保护"', 6),
    ("ja", "word", "研修", 7),
    ("ja", "inflected", "実施する", 7),  # 実施しました
    ("ja", "compound", "外交", 7),  # inside 外交官, デジタル外交
    ("ko", "word", "연수", 8),  # 연수를
    ("ko", "compound", "외교관", 8),  # 외교관을
    ("ko", "phrase", '"디지털 외교"', 8),
    ("km", "word", "ការទូត", 9),
    ("km", "coeng da for coeng ta", "បណ្ដុះបណ្ដាល", 9),  # typed with COENG DA, indexed with TA
    ("km", "phrase", '"ការទូតឌីជីថល"', 9),
    ("lo", "word", "ຝຶກອົບຮົມ", 10),
    ("lo", "ho no for hno", "ຫນຸ່ມ", 10),  # ໜ (U+0EDC) in the text
    ("lo", "phrase", '"ການທູດດິຈິຕອນ"', 10),
    ("my", "word", "သံတမန်", 11),  # inside သံတမန်ရေးဆိုင်ရာ
    ("my", "compound", "ဝန်ကြီးဌာန", 11),  # inside နိုင်ငံခြားရေးဝန်ကြီးဌာနသည်
    ("my", "phrase", '"ဆွေးနွေးပွဲ"', 11),
    ("my", "unicode query, zawgyi text", "ကာကွယ်စောင့်ရှောက်ရေး", 12),
    ("my", "zawgyi query, unicode text", "သံတမန္ေရး", 11),
    ("fil", "word", "embahada", 13),
    ("fil", "affixed", "negosasyon", 13),  # pakikipagnegosasyon
    ("fil", "infixed", "sulat", 13),  # sumulat
    ("fil", "phrase", '"ugnayang panlabas"', 13),
    ("hi", "word before a danda", "कूटनीति", 14),
    ("hi", "plural oblique", "राजनयिक", 14),  # राजनयिकों
    ("hi", "word before a double danda", "लिया", 14),
    ("hi", "phrase", '"डिजिटल कूटनीति"', 14),
]


@pytest.fixture(scope="module")
def languages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    ix = SearchIndex(Path(tmp_path_factory.mktemp("every-language")) / "index")
    records = [
        record(id=i, language=lang, title=f"Document {i}", body=text) for i, (lang, text) in DOCS.items()
    ]
    ix.apply([(r.id, r) for r in records], 1)
    yield ix
    ix.close()


@pytest.mark.parametrize(
    ("language", "shows", "query", "doc_id"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_found_as_its_readers_write_it(languages, language, shows, query, doc_id):
    hits = [hit.id for hit in languages.search(query, PUBLIC, per_page=100, language=language).hits]
    assert doc_id in hits
    # Undeclared query language: found all the same (scripts and the always-queried families).
    plain = [hit.id for hit in languages.search(query, PUBLIC, per_page=100).hits]
    assert doc_id in plain


@pytest.mark.parametrize(
    ("language", "query"),
    [("hi", "प्रशिक्षण"), ("km", "មន្ត្រី"), ("my", "ဆွေးနွေးပွဲ"), ("fil", "pamilya"), ("lo", "ພະນັກງານ")],
)
def test_a_word_finds_only_the_documents_that_have_it(languages, language, query):
    """Bigrams, syllables and stems do not make a word match everything (no glossary term)."""
    hits = {hit.id for hit in languages.search(query, PUBLIC, per_page=100, language=language).hits}
    assert hits == {DOCS_BY_LANGUAGE[language]}


DOCS_BY_LANGUAGE = {"hi": 14, "km": 9, "my": 11, "fil": 13, "lo": 10}


def test_the_danda_splits_words_and_is_no_token():
    assert [t for t, _ in analyze("hi", "डिजिटल कूटनीति। नई पहल॥")] == ["डिजिटल", "कूटनीत", "नई", "पहल"]


def test_khmer_visually_identical_spellings_analyse_alike():
    coeng_ta, coeng_da = "បណ្តុះបណ្តាល", "បណ្ដុះបណ្ដាល"
    assert analyze("bigram", coeng_ta) == analyze("bigram", coeng_da)
    assert analyze("bigram", "ការ\u200bទូត") == analyze("bigram", "ការទូត")  # ZWSP between words
    assert analyze("bigram", "\u1780\u17c1\u17b8") == analyze("bigram", "\u1780\u17be")  # E + II = OE
    # ស្ត្រី (woman) with COENG RO typed before COENG TA renders the same
    assert analyze("bigram", "ស\u17d2\u179a\u17d2\u178fី") == analyze("bigram", "ស្ត្រី")


def test_zawgyi_and_unicode_burmese_analyse_alike():
    unicode = "သံတမန်ရေး"
    assert analyze("bigram", "သံတမန္ေရး") == analyze("bigram", unicode)
    assert [t for t, _ in analyze("bigram", unicode)] == ["သံ", "တ", "မန်", "ရေး"]  # syllables


def test_snippet_of_zawgyi_text_marks_the_original_characters(languages):
    hit = languages.search("ကာကွယ်စောင့်ရှောက်ရေး", PUBLIC, language="my").hits[0]
    assert hit.id == 12
    assert "<mark>ကာကြယ္ေစာင့်ေရွာက္ေရး</mark>" in hit.snippet_html


def test_the_zawgyi_tools_load_only_when_burmese_is_seen():
    """myanmartools and python-myanmar are loaded by the first Burmese text, not before."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from search_index.analyzers import analyze\n"
        "for family, text in [('en', 'diplomacy'), ('hi', 'कूटनीति।'), ('fil', 'pakikipagnegosasyon'),\n"
        "                     ('bigram', 'ការទូត ການທູດ 외교')]:\n"
        "    analyze(family, text)\n"
        "before = {'myanmartools', 'myanmar'} & set(sys.modules)\n"
        "analyze('bigram', 'သံတမန်ရေး')\n"
        "print(sorted(before), sorted({'myanmartools', 'myanmar'} & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["[]", "['myanmar',", "'myanmartools']"]
