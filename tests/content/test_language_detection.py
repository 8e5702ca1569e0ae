"""A document created without a language gets the language of its text, in the API and the
editor; a declared language is never second-guessed; too little text keeps the country's."""

from __future__ import annotations

import pytest

from content.models import Document
from network.extensions import db
from network.models import ApiToken

pytestmark = pytest.mark.both_databases

# (author's country, title, body, expected language): real sentences, several by officers
# of a country whose default language is another one.
TEXTS = [
    ("IN", "Consular outreach after the monsoon floods",
     "Our mission in Dubai set up a helpline for Indian nationals affected by the floods and "
     "issued emergency certificates within a day.", "en"),
    ("IN", "बाढ़ के बाद कांसुलर सहायता",
     "दुबई स्थित हमारे मिशन ने बाढ़ से प्रभावित भारतीय नागरिकों के लिए हेल्पलाइन शुरू की।", "hi"),
    ("SG", "Diplomasi digital Indonesia",
     "Kementerian Luar Negeri memperkuat pelindungan warga negara Indonesia melalui aplikasi "
     "Safe Travel dan layanan pengaduan daring.", "id"),
    ("AU", "ประสบการณ์การทูตดิจิทัล",
     "สถานเอกอัครราชทูตใช้สื่อสังคมออนไลน์เพื่อแจ้งเตือนคนไทยในต่างประเทศ", "th"),
    ("TH", "Ngoại giao số của Việt Nam",
     "Bộ Ngoại giao đẩy mạnh chuyển đổi số trong công tác bảo hộ công dân ở nước ngoài.", "vi"),
    ("TH", "Proteksyon ng mga mamamayang Pilipino",
     "Pinalakas ng Kagawaran ng Ugnayang Panlabas ang tulong sa mga Pilipinong nasa ibang bansa "
     "sa pamamagitan ng mga bagong serbisyo.", "fil"),
    ("ID", "ការទូតឌីជីថលរបស់កម្ពុជា", "ក្រសួងការបរទេសបានប្រើប្រាស់បណ្ដាញសង្គមដើម្បីជូនដំណឹងដល់ពលរដ្ឋ", "km"),
    ("ID", "ການທູດດິຈິຕອນ", "ກະຊວງການຕ່າງປະເທດໄດ້ນໍາໃຊ້ສື່ສັງຄົມອອນລາຍເພື່ອແຈ້ງເຕືອນພົນລະເມືອງ", "lo"),
    ("ID", "မြန်မာ့ သံတမန်ရေး", "နိုင်ငံခြားရေးဝန်ကြီးဌာနသည် နိုင်ငံသားများကို ကာကွယ်စောင့်ရှောက်ရေး လုပ်ငန်းများ ဆောင်ရွက်သည်", "my"),
    ("ID", "외교부의 디지털 외교", "외교부는 재외국민 보호를 위해 새로운 앱을 출시했다.", "ko"),
    ("ID", "日本の領事支援", "外務省は海外に住む日本人の安全を守るため、新しいアプリを発表しました。", "ja"),
    ("ID", "中国领事保护", "外交部发言人表示，将加强海外中国公民的领事保护工作。", "zh"),
]  # fmt: skip


def bearer(user) -> dict[str, str]:
    token, clear = ApiToken.issue(user, scope="write", name="test")
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


@pytest.mark.parametrize(("country", "title", "body", "language"), TEXTS, ids=[t[3] for t in TEXTS])
def test_the_api_detects_the_language_of_an_undeclared_document(client, make_user, country, title, body,
                                                                 language):  # fmt: skip
    author = make_user(country, "contributor")
    response = client.post("/api/v1/documents", json={"title": title, "body_markdown": body},
                           headers=bearer(author))  # fmt: skip
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["language"] == language


def test_an_indian_officers_english_text_is_english_and_a_declared_language_stays(client, make_user):
    author = make_user("IN", "contributor")
    headers = bearer(author)
    country, title, body, _ = TEXTS[0]
    detected = client.post("/api/v1/documents", json={"title": title, "body_markdown": body}, headers=headers)
    assert detected.get_json()["language"] == "en"  # not the country's default, Hindi
    as_hindi = {"title": title, "body_markdown": body, "language": "hi"}
    declared = client.post("/api/v1/documents", json=as_hindi, headers=headers)
    assert declared.get_json()["language"] == "hi"  # the author said so
    null = client.post("/api/v1/documents", json={"title": title, "body_markdown": body, "language": None},
                       headers=headers)  # fmt: skip
    assert null.get_json()["language"] == "en"
    short = client.post("/api/v1/documents", json={"title": "Note 7"}, headers=headers)
    assert short.get_json()["language"] == "hi"  # too little text to tell: the country's
    bad = client.post("/api/v1/documents", json={"title": title, "language": "xx"}, headers=headers)
    assert bad.status_code == 422


def test_a_declared_language_is_not_detected_at_all(client, make_user, monkeypatch):
    # Detection loads py3langid's model (about 80 MB in each worker): not for nothing.
    def refuse(text: str) -> str:
        raise AssertionError("detection ran for a document whose language was declared")

    monkeypatch.setattr("content.services.detect_language", refuse)
    author = make_user("IN", "contributor")
    _country, title, body, _ = TEXTS[0]
    declared = {"title": title, "body_markdown": body, "language": "en"}
    response = client.post("/api/v1/documents", json=declared, headers=bearer(author))
    assert response.status_code == 201 and response.get_json()["language"] == "en"


def test_the_editor_offers_detection_for_new_documents_only(client, make_user, login):
    author = make_user("IN", "contributor")
    login(author)
    page = client.get("/documents/new").get_data(as_text=True)
    assert '<option selected value="">Detect automatically from the text</option>' in page
    _, title, body, _ = TEXTS[0]
    saved = client.post("/documents/new", data={"title": title, "body_markdown": body, "kind": "case_study",
                                                 "language": "", "save": "Save"})  # fmt: skip
    assert saved.status_code == 302
    doc = db.session.scalar(db.select(Document).where(Document.title == title))
    assert doc.language == "en"
    edit = client.get(f"/documents/{doc.id}/edit").get_data(as_text=True)
    assert "Detect automatically" not in edit
    assert '<option selected value="en">' in edit
