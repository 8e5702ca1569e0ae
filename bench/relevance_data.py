# ruff: noqa: E501 - data: sentences and judgements read best one to a line
"""Documents and graded queries for `relevance.py`.

The demo content (content/demo_data) is in English, Indonesian, Thai and Japanese; the documents
here add five short texts in each other language of the network, on the same five subjects:
A. training in digital diplomacy, B. protecting citizens abroad, C. evacuation in a crisis,
D. trade negotiation online, E. answering disinformation. They are written as natives write:
Khmer with both COENG TA and COENG DA, Lao with ໜ and a decomposed SARA AM, Burmese partly in
Zawgyi, Hindi with plural and oblique forms, Filipino with affixed forms.

Grades: 3 = what the reader is looking for, in the query's language; 2 = on the subject, or the
same text in another language; 1 = found only through the glossary (the concept in another
language). Unlisted documents are 0.
"""

from __future__ import annotations

# key -> (language, country, title, body)
DOCS: dict[str, tuple[str, str, str, str]] = {
    "ms-A": ("ms", "MY", "Kursus Diplomasi Digital untuk Pegawai Muda",
             "Wisma Putra menganjurkan kursus enam minggu mengenai diplomasi digital untuk pegawai "
             "diplomatik muda, termasuk komunikasi awam di media sosial."),
    "ms-B": ("ms", "MY", "Perlindungan Rakyat Malaysia di Luar Negara",
             "Aplikasi konsular membantu rakyat Malaysia mendaftarkan perjalanan dan menghubungi talian "
             "kecemasan kedutaan."),
    "ms-C": ("ms", "MY", "Pemindahan Rakyat Malaysia semasa Krisis",
             "Kedutaan bekerjasama dengan syarikat penerbangan untuk memindahkan ribuan pelajar dari "
             "kawasan konflik."),
    "ms-D": ("ms", "MY", "Rundingan Perdagangan Secara Maya",
             "Pasukan perunding meneruskan rundingan perjanjian perdagangan dua hala melalui "
             "persidangan video."),
    "ms-E": ("ms", "MY", "Menangani Berita Palsu",
             "Perwakilan Malaysia memantau berita palsu di media sosial dan memberikan penjelasan segera."),
    "vi-A": ("vi", "VN", "Khóa đào tạo ngoại giao số cho cán bộ trẻ",
             "Bộ Ngoại giao tổ chức khóa đào tạo sáu tuần về ngoại giao số cho các nhà ngoại giao trẻ, "
             "tập trung vào truyền thông trên mạng xã hội."),
    "vi-B": ("vi", "VN", "Bảo hộ công dân Việt Nam ở nước ngoài",
             "Cục Lãnh sự ra mắt ứng dụng giúp công dân đăng ký khi ra nước ngoài và liên hệ đường dây "
             "nóng bảo hộ công dân."),
    "vi-C": ("vi", "VN", "Sơ tán công dân khỏi vùng xung đột",
             "Đại sứ quán phối hợp với các hãng hàng không sơ tán hàng nghìn lao động Việt Nam trong "
             "cuộc khủng hoảng."),
    "vi-D": ("vi", "VN", "Đàm phán hiệp định thương mại trực tuyến",
             "Đoàn đàm phán duy trì các phiên đàm phán qua video khi không thể đi lại."),
    "vi-E": ("vi", "VN", "Chống tin giả trên mạng xã hội",
             "Các cơ quan đại diện theo dõi tin giả và thông tin sai lệch, phản hồi kịp thời trên mạng "
             "xã hội."),
    "zh-A": ("zh", "CN", "青年外交官数字外交培训",
             "外交部为青年外交官举办为期六周的数字外交培训，重点是社交媒体上的公共沟通。"),
    "zh-B": ("zh", "CN", "海外中国公民领事保护", "领事司推出手机应用，帮助海外中国公民登记行程并联系领事保护热线。"),
    "zh-C": ("zh", "CN", "危机中的撤侨行动", "驻外使馆与航空公司合作，在危机期间从冲突地区撤侨，撤离数千名中国公民。"),
    "zh-D": ("zh", "CN", "线上贸易谈判", "旅行中断后，谈判团队通过视频会议继续推进双边贸易协定谈判。"),
    "zh-E": ("zh", "CN", "驻外使馆应对网络虚假信息", "驻外使馆监测社交媒体上的虚假信息，并及时发布澄清。"),
    "ko-A": ("ko", "KR", "청년 외교관을 위한 디지털 외교 연수",
             "외교부는 청년 외교관을 대상으로 소셜미디어 공공외교에 중점을 둔 6주간의 디지털 외교 연수를 실시했다."),
    "ko-B": ("ko", "KR", "재외국민 보호를 위한 영사 앱",
             "영사국은 해외에 체류하는 재외국민이 여행을 등록하고 영사 콜센터에 연락할 수 있는 앱을 출시했다."),
    "ko-C": ("ko", "KR", "위기 상황에서의 교민 철수",
             "대사관은 항공사와 협력하여 분쟁 지역에서 수천 명의 교민을 철수시켰다."),
    "ko-D": ("ko", "KR", "화상으로 진행된 무역 협상",
             "협상단은 출장이 중단되자 화상 회의로 양자 무역 협정 협상을 이어갔다."),
    "ko-E": ("ko", "KR", "허위정보 대응", "재외공관은 소셜미디어의 허위정보를 모니터링하고 신속하게 대응했다."),
    "km-A": ("km", "KH", "វគ្គបណ្តុះបណ្តាលការទូតឌីជីថលសម្រាប់អ្នកការទូតវ័យក្មេង",
             "ក្រសួងការបរទេសបានរៀបចំវគ្គបណ្តុះបណ្តាលរយៈពេលប្រាំមួយសប្តាហ៍ស្តីពីការទូតឌីជីថល"
             "សម្រាប់អ្នកការទូតវ័យក្មេង។"),
    "km-B": ("km", "KH", "ការការពារពលរដ្ឋខ្មែរនៅក្រៅប្រទេស",
             "កម្មវិធីទូរស័ព្ទថ្មីជួយពលរដ្ឋខ្មែរនៅក្រៅប្រទេសចុះឈ្មោះ និងទាក់ទងស្ថានទូតក្នុងករណីអាសន្ន។"),
    "km-C": ("km", "KH", "ការជម្លៀសពលករខ្មែរក្នុងពេលវិបត្តិ",
             "ស្ថានទូតបានសហការជាមួយក្រុមហ៊ុនអាកាសចរណ៍ដើម្បីជម្លៀសពលករខ្មែររាប់ពាន់នាក់ក្នុងពេលវិបត្តិ។"),
    "km-D": ("km", "KH", "ការចរចាពាណិជ្ជកម្មតាមប្រព័ន្ធអនឡាញ",
             "ក្រុមចរចាបានបន្តការចរចាកិច្ចព្រមព្រៀងពាណិជ្ជកម្មទ្វេភាគីតាមរយៈកិច្ចប្រជុំវីដេអូ។"),
    "km-E": ("km", "KH", "ការប្រឆាំងព័ត៌មានក្លែងក្លាយ",  # typed with COENG DA (បណ្ដាញ)
             "ស្ថានទូតតាមដានព័ត៌មានក្លែងក្លាយនៅលើបណ្ដាញសង្គម ហើយឆ្លើយតបភ្លាមៗ។"),
    "lo-A": ("lo", "LA", "ຫຼັກສູດການທູດດິຈິຕອນສຳລັບນັກການທູດໜຸ່ມ",
             "ກະຊວງການຕ່າງປະເທດໄດ້ຈັດຫຼັກສູດຝຶກອົບຮົມຫົກອາທິດກ່ຽວກັບການທູດດິຈິຕອນໃຫ້ນັກການທູດໜຸ່ມ."),
    "lo-B": ("lo", "LA", "ການປົກປ້ອງພົນລະເມືອງລາວຢູ່ຕ່າງປະເທດ",
             "ແອັບໃໝ່ຊ່ວຍໃຫ້ພົນລະເມືອງລາວຢູ່ຕ່າງປະເທດລົງທະບຽນ ແລະ ຕິດຕໍ່ສະຖານທູດໃນກໍລະນີສຸກເສີນ."),
    "lo-C": ("lo", "LA", "ການອົບພະຍົບແຮງງານລາວໃນຊ່ວງວິກິດ",
             "ສະຖານທູດໄດ້ຮ່ວມມືກັບສາຍການບິນເພື່ອອົບພະຍົບແຮງງານລາວຫຼາຍພັນຄົນໃນຊ່ວງວິກິດ."),
    "lo-D": ("lo", "LA", "ການເຈລະຈາການຄ້າທາງອອນລາຍ",
             "ຄະນະເຈລະຈາໄດ້ສືບຕໍ່ການເຈລະຈາສັນຍາການຄ້າສອງຝ່າຍຜ່ານກອງປະຊຸມທາງວິດີໂອ."),
    "lo-E": ("lo", "LA", "ການຕອບໂຕ້ຂ່າວປອມ",  # SARA AM decomposed (NIKHAHIT + AA) in ຄໍາ
             "ສະຖານທູດຕິດຕາມຂ່າວປອມໃນສື່ສັງຄົມອອນລາຍ ແລະ ໃຫ້ຄ\u0ecd\u0eb2ອະທິບາຍທັນທີ."),
    "my-A": ("my", "MM", "လူငယ်သံတမန်များအတွက် ဒစ်ဂျစ်တယ်သံတမန်ရေး သင်တန်း",
             "နိုင်ငံခြားရေးဝန်ကြီးဌာနသည် လူငယ်သံတမန်များအတွက် ခြောက်ပတ်ကြာ ဒစ်ဂျစ်တယ်သံတမန်ရေး "
             "သင်တန်းကို ဖွင့်လှစ်ခဲ့သည်။"),
    "my-B": ("my", "MM", "ျပည္ပေရာက္ ျမန္မာႏိုင္ငံသားမ်ားကို ကာကြယ္ေစာင့်ေရွာက္ျခင္း",  # Zawgyi
             "သံ႐ုံးသည္ ျပည္ပေရာက္ ျမန္မာႏိုင္ငံသားမ်ား မွတ္ပုံတင္ႏိုင္ရန္ႏွင့် အေရးေပၚအေျခအေနတြင္ "
             "ဆက္သြယ္ႏိုင္ရန္ မိုဘိုင္းအက္ပ္ကို စတင္ခဲ့သည္။"),
    "my-C": ("my", "MM", "အရေးပေါ်အခြေအနေတွင် ရွှေ့ပြောင်းလုပ်သားများကို ပြန်လည်ခေါ်ယူခြင်း",
             "သံရုံးသည် လေကြောင်းလိုင်းများနှင့် ပူးပေါင်း၍ ပဋိပက္ခဒေသမှ မြန်မာလုပ်သား "
             "ထောင်ပေါင်းများစွာကို ပြန်လည်ခေါ်ယူခဲ့သည်။"),
    "my-D": ("my", "MM", "အွန်လိုင်း ကုန်သွယ်ရေး ညှိနှိုင်းဆွေးနွေးမှု",
             "ညှိနှိုင်းရေးအဖွဲ့သည် ဗီဒီယိုအစည်းအဝေးများမှတစ်ဆင့် နှစ်နိုင်ငံ ကုန်သွယ်ရေးသဘောတူညီချက် "
             "ညှိနှိုင်းမှုကို ဆက်လက်လုပ်ဆောင်ခဲ့သည်။"),
    "my-E": ("my", "MM", "သတင္းမွားမ်ားကို တုံ႔ျပန္ျခင္း",  # Zawgyi
             "သံ႐ုံးမ်ားသည္ လူမႈကြန္ရက္ေပၚရွိ သတင္းမွားမ်ားကို ေစာင့်ၾကည့်ၿပီး အျမန္တုံ႔ျပန္ခဲ့သည္။"),
    "fil-A": ("fil", "PH", "Pagsasanay sa Digital na Diplomasya para sa mga Batang Diplomat",
              "Nagsagawa ang Kagawaran ng Ugnayang Panlabas ng anim na linggong pagsasanay sa digital na "
              "diplomasya para sa mga batang diplomat, na nakatuon sa pakikipag-ugnayan sa social media."),
    "fil-B": ("fil", "PH", "Proteksyon ng mga Mamamayang Pilipino sa Ibang Bansa",
              "Tinutulungan ng bagong app ang mga mamamayang Pilipino sa ibang bansa na magparehistro at "
              "tumawag sa embahada kapag may emerhensiya."),
    "fil-C": ("fil", "PH", "Paglikas ng mga Manggagawang Pilipino sa Panahon ng Krisis",
              "Nakipagtulungan ang embahada sa mga airline upang ilikas ang libu-libong manggagawang "
              "Pilipino mula sa lugar ng kaguluhan."),
    "fil-D": ("fil", "PH", "Kasunduang Pangkalakalan sa Pamamagitan ng Video",
              "Ipinagpatuloy ng mga negosyador ang pakikipagnegosasyon sa kasunduang pangkalakalan sa "
              "pamamagitan ng mga video conference."),
    "fil-E": ("fil", "PH", "Paglaban sa Maling Impormasyon",
              "Binabantayan ng mga embahada ang maling impormasyon sa social media at sumasagot agad."),
    "hi-A": ("hi", "IN", "युवा राजनयिकों के लिए प्रशिक्षण",
             "विदेश मंत्रालय ने युवा राजनयिकों के लिए छह सप्ताह का प्रशिक्षण आयोजित किया। इसका विषय था "
             "डिजिटल कूटनीति।"),
    "hi-B": ("hi", "IN", "विदेश में भारतीय नागरिकों की सुरक्षा",
             "नया मोबाइल ऐप विदेशों में रहने वाले भारतीय नागरिकों को पंजीकरण करने और आपात स्थिति में "
             "दूतावास से संपर्क करने में मदद करता है।"),
    "hi-C": ("hi", "IN", "संकट के दौरान भारतीय कामगारों की निकासी",
             "दूतावासों ने एयरलाइनों के साथ मिलकर संघर्ष क्षेत्र से हज़ारों भारतीय कामगारों को निकाला।"),
    "hi-D": ("hi", "IN", "ऑनलाइन व्यापार वार्ता",
             "वार्ताकारों ने वीडियो सम्मेलनों के माध्यम से द्विपक्षीय व्यापार समझौते पर वार्ता जारी रखी।"),
    "hi-E": ("hi", "IN", "सोशल मीडिया पर ग़लत सूचना का मुकाबला",
             "दूतावास सोशल मीडिया पर ग़लत सूचना की निगरानी करते हैं और तुरंत जवाब देते हैं।"),
}  # fmt: skip

# (language, query, {document key: grade})
QUERIES: list[tuple[str, str, dict[str, int]]] = [
    ("en", "consular chatbot", {"sg-consular-chatbot-handover": 3, "id-chatbot-konsuler-pmi": 2}),
    ("en", "crisis communication", {
        "id-course-crisis-communication-clinic": 3, "au-remote-crisis-cell-volcanic-ash": 2,
        "id-informasi-krisis-korps-diplomatik": 2, "th-evacuation-crisis-communication": 2}),
    ("en", "cyber norms", {
        "sg-course-cyber-norms-tabletop": 3, "au-norms-to-practice-guide": 3,
        "au-course-cyber-diplomacy-foundations": 2}),
    ("en", "travel advice", {"au-travel-advice-small-screen": 3, "au-accessibility-checklist-consular-content": 1}),
    ("en", "trade negotiation", {
        "id-virtual-trade-negotiation-rounds": 3, "sg-digital-economy-agreements-primer": 1, "ko-D": 1,
        "vi-D": 1, "zh-D": 1, "fil-D": 1, "ms-D": 1}),
    ("en", "digital diplomacy", {
        "id-jakarta-message": 3, "id-kursus-dasar-diplomasi-digital": 2, "th-course-digital-diplomacy": 2,
        "au-connectivity-digital-inclusion": 2}),
    ("en", "diplomacy", {
        "au-course-cyber-diplomacy-foundations": 3, "id-jakarta-message": 3,
        "au-connectivity-digital-inclusion": 3, "th-health-diplomacy-webinar-series": 3,
        "id-kursus-dasar-diplomasi-digital": 1, "th-course-digital-diplomacy": 1,
        "jp-health-diplomacy-remote-training": 1, "id-diplomasi-kesehatan-akses-vaksin": 1}),
    ("en", "protecting citizens abroad", {
        "id-peduli-wni-portal-en": 3, "th-consular-app-thai-abroad-en": 3, "id-peduli-wni-portal": 1}),
    ("en", "data flows", {"jp-trusted-data-flows-notes": 3, "sg-digital-economy-agreements-primer": 2}),
    ("en", "volcanic ash", {"au-remote-crisis-cell-volcanic-ash": 3, "id-informasi-krisis-korps-diplomatik": 2}),
    ("id", "perlindungan WNI", {
        "id-peduli-wni-portal": 3, "id-aplikasi-safe-travel": 3, "id-peduli-wni-portal-en": 2}),
    ("id", "diplomasi digital", {
        "id-kursus-dasar-diplomasi-digital": 3, "id-jakarta-message": 2, "ms-A": 2, "th-course-digital-diplomacy": 1}),
    ("id", "pekerja migran", {"id-chatbot-konsuler-pmi": 3, "id-literasi-digital-calon-pmi": 3}),
    ("id", "vaksin", {"id-diplomasi-kesehatan-akses-vaksin": 3}),
    ("id", "media sosial perwakilan", {"id-pedoman-akun-media-sosial-perwakilan": 3}),
    ("id", "berdiplomasi", {
        "id-kursus-dasar-diplomasi-digital": 3, "id-diplomasi-kesehatan-akses-vaksin": 2, "ms-A": 2}),
    ("id", "gunung api", {"id-informasi-krisis-korps-diplomatik": 3}),
    ("ms", "diplomasi digital", {"ms-A": 3, "id-kursus-dasar-diplomasi-digital": 2}),
    ("ms", "rundingan perdagangan", {"ms-D": 3}),
    ("ms", "perlindungan rakyat", {"ms-B": 3}),
    ("ms", "berita palsu", {"ms-E": 3}),
    ("ms", "pemindahan", {"ms-C": 3}),
    ("ms", "kedutaan", {"ms-B": 3, "ms-C": 3, "id-informasi-krisis-korps-diplomatik": 2}),
    ("th", "การทูต", {
        "th-course-digital-diplomacy": 3, "th-public-diplomacy-creators-draft": 3, "id-jakarta-message": 1,
        "au-course-cyber-diplomacy-foundations": 1}),
    ("th", "กงสุล", {"th-consular-app-thai-abroad": 3, "th-evisa-rollout-neighbours": 2,
                     "th-evacuation-crisis-communication": 2}),
    ("th", "วีซ่าอิเล็กทรอนิกส์", {"th-evisa-rollout-neighbours": 3, "sg-evisa-appointment-queue-pilot": 1}),
    ("th", "การอพยพ", {"th-evacuation-crisis-communication": 3}),
    ("th", "สถานเอกอัครราชทูต", {"th-evisa-rollout-neighbours": 3, "th-public-diplomacy-creators-draft": 2}),
    ("th", "ข่าวปลอม", {"th-course-digital-diplomacy": 3}),
    ("ja", "外交", {"jp-health-diplomacy-remote-training": 3, "jp-disaster-info-diplomatic-corps": 2,
                    "jp-course-sns-overseas-missions": 2, "zh-A": 1}),
    ("ja", "研修", {"jp-course-sns-overseas-missions": 3, "jp-health-diplomacy-remote-training": 3}),
    ("ja", "偽情報", {"jp-disinformation-monitoring-pilot": 3, "jp-course-sns-overseas-missions": 1}),
    ("ja", "安全情報", {"jp-safety-info-multichannel": 3, "jp-course-sns-overseas-missions": 2}),
    ("ja", "災害", {"jp-disaster-info-diplomatic-corps": 3}),
    ("ja", "邦人保護", {
        "jp-safety-info-multichannel": 3, "zh-B": 1, "vi-B": 1, "ko-B": 1, "ms-B": 1, "id-peduli-wni-portal-en": 1}),
    ("zh", "外交", {"zh-A": 3, "jp-health-diplomacy-remote-training": 1}),
    ("zh", "领事保护", {"zh-B": 3}),
    ("zh", "撤侨", {"zh-C": 3}),
    ("zh", "贸易谈判", {"zh-D": 3}),
    ("zh", "虚假信息", {"zh-E": 3}),
    ("zh", "外交官", {"zh-A": 3, "jp-course-sns-overseas-missions": 1}),
    ("ko", "외교", {"ko-A": 3}),
    ("ko", "재외국민", {"ko-B": 3}),
    ("ko", "철수", {"ko-C": 3}),
    ("ko", "무역 협상", {"ko-D": 3}),
    ("ko", "허위정보", {"ko-E": 3}),
    ("ko", "외교관", {"ko-A": 3}),
    ("km", "ការទូត", {"km-A": 3}),
    ("km", "ពលរដ្ឋខ្មែរ", {"km-B": 3}),
    ("km", "ការជម្លៀស", {"km-C": 3}),
    ("km", "ការចរចា", {"km-D": 3}),
    ("km", "បណ្តាញសង្គម", {"km-E": 3}),  # COENG TA; the text has COENG DA
    ("km", "បណ្ដុះបណ្ដាល", {"km-A": 3}),  # COENG DA; the text has COENG TA
    ("km", "ស្ថានទូត", {"km-B": 3, "km-C": 3, "km-E": 3}),
    ("km", "ជម្លៀស", {"km-C": 3}),  # inside ការជម្លៀស
    ("km", "ពលករ", {"km-C": 3}),
    ("km", "កិច្ចព្រមព្រៀង", {"km-D": 3}),
    ("km", "ពាណិជ្ជកម្ម", {"km-D": 3}),
    ("lo", "ການທູດ", {"lo-A": 3}),
    ("lo", "ພົນລະເມືອງລາວ", {"lo-B": 3}),
    ("lo", "ອົບພະຍົບ", {"lo-C": 3}),
    ("lo", "ເຈລະຈາ", {"lo-D": 3}),
    ("lo", "ຄຳອະທິບາຍ", {"lo-E": 3}),  # SARA AM precomposed; the text has it decomposed
    ("lo", "ນັກການທູດຫນຸ່ມ", {"lo-A": 3}),  # HO + NO; the text has ໜ
    ("lo", "ຕ່າງປະເທດ", {"lo-A": 3, "lo-B": 3}),  # inside ກະຊວງການຕ່າງປະເທດ in lo-A
    ("lo", "ພົນລະເມືອງ", {"lo-B": 3}),
    ("lo", "ການຄ້າ", {"lo-D": 3}),
    ("lo", "ສັນຍາ", {"lo-D": 3}),
    ("lo", "ສະຖານທູດ", {"lo-B": 3, "lo-C": 3, "lo-E": 3}),
    ("my", "သံတမန်ရေး", {"my-A": 3}),
    ("my", "နိုင်ငံသားများ", {"my-B": 3}),  # the text is Zawgyi
    ("my", "ပြန်လည်ခေါ်ယူ", {"my-C": 3}),
    ("my", "ညှိနှိုင်း", {"my-D": 3}),
    ("my", "သတင်းမှား", {"my-E": 3}),  # the text is Zawgyi
    ("my", "သံတမန္ေရး", {"my-A": 3}),  # a Zawgyi query; the text is Unicode
    ("fil", "diplomasya", {"fil-A": 3}),
    ("fil", "negosasyon", {"fil-D": 3}),  # pakikipagnegosasyon
    ("fil", "mamamayang Pilipino", {"fil-B": 3}),
    ("fil", "lumikas", {"fil-C": 3}),  # paglikas, ilikas
    ("fil", "maling impormasyon", {"fil-E": 3}),
    ("fil", "embahada", {"fil-B": 3, "fil-C": 3, "fil-E": 3}),
    ("fil", "sanay", {"fil-A": 3}),  # pagsasanay
    ("hi", "कूटनीति", {"hi-A": 3}),  # before a danda
    ("hi", "राजनयिक", {"hi-A": 3}),  # राजनयिकों
    ("hi", "नागरिक", {"hi-B": 3}),  # नागरिकों
    ("hi", "दूतावास", {"hi-B": 3, "hi-C": 3, "hi-E": 3}),  # दूतावासों
    ("hi", "व्यापार वार्ता", {"hi-D": 3}),
    ("hi", "गलत सूचना", {"hi-E": 3}),  # without the nukta the text has
    ("hi", "कामगार", {"hi-C": 3}),  # कामगारों
    ("vi", "ngoại giao số", {"vi-A": 3}),
    ("vi", "bảo hộ công dân", {"vi-B": 3}),
    ("vi", "sơ tán", {"vi-C": 3}),
    ("vi", "đàm phán", {"vi-D": 3}),
    ("vi", "tin giả", {"vi-E": 3}),
    ("vi", "dam phan", {"vi-D": 3}),
]  # fmt: skip
