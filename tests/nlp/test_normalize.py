"""Golden tests for the Arabic normalization steps and the `model` / `matching` profiles."""

import pytest

from nlp.normalize import (
    PROFILES,
    collapse_elongation,
    eastern_digits_to_ascii,
    normalize,
    normalize_for_matching,
    normalize_for_model,
    remove_invisible_controls,
    split_hashtags,
)

M, S = "model", "matching"

GOLDEN = [
    # --- Gulf ---
    ("والله الخدمة زيـــن وايد 👍", M, "والله الخدمة زين وايد 👍"),
    ("والله الخدمة زيـــن وايد 👍", S, "والله الخدمه زين وايد"),
    ("شلون أسوي شكوى على @STC_KSA ؟", M, "شلون اسوي شكوي علي USER ؟"),
    ("شلون أسوي شكوى على @STC_KSA ؟", S, "شلون اسوي شكوي علي @stc_ksa"),
    ("النت عندي يقطع كل شوي 😡😡😡😡😡😡", M, "النت عندي يقطع كل شوي 😡😡😡"),
    ("النت عندي يقطع كل شوي 😡😡😡😡😡😡", S, "النت عندي يقطع كل شوي"),
    ("ابي ألغي الاشتراك خلاااص", M, "ابي الغي الاشتراك خلاص"),
    ("مو طبيعي التأخير ياخي #زين_السعودية", M, "مو طبيعي التاخير ياخي زين السعودية"),
    ("مو طبيعي التأخير ياخي #زين_السعودية", S, "مو طبيعي التاخير ياخي زين السعوديه"),
    ("الفاتورة ٣٥٠ ريال بدون سبب!!", M, "الفاتورة 350 ريال بدون سبب!!"),
    ("الفاتورة ٣٥٠ ريال بدون سبب!!", S, "الفاتوره 350 ريال بدون سبب"),
    # --- Egyptian ---
    ("الطلب موصلش لحد دلوقتي 😤", M, "الطلب موصلش لحد دلوقتي 😤"),
    ("حلووووو اوي بجد", M, "حلو اوي بجد"),
    ("هههههههههه مش قادر", M, "ههه مش قادر"),
    ("هههههههههه مش قادر", S, "ههه مش قادر"),
    ("إزاي كده يا فودافون؟؟؟؟", M, "ازاي كده يا فودافون؟؟؟"),
    ("إزاي كده يا فودافون؟؟؟؟", S, "ازاي كده يا فودافون"),
    ("الراجل ده محترم جداً", M, "الراجل ده محترم جدا"),
    ("مفيش حاجة اتصلحت فى الفرع", M, "مفيش حاجة اتصلحت في الفرع"),
    ("مفيش حاجة اتصلحت فى الفرع", S, "مفيش حاجه اتصلحت في الفرع"),
    ("عايز أرجّع المنتج", M, "عايز ارجع المنتج"),
    # --- Levantine ---
    ("كتير منيح هالمطعم 😍😍", M, "كتير منيح هالمطعم 😍😍"),
    ("شو هالحكي؟ ما في تغطية بالضيعة", M, "شو هالحكي؟ ما في تغطية بالضيعة"),
    ("شو هالحكي؟ ما في تغطية بالضيعة", S, "شو هالحكي ما في تغطيه بالضيعه"),
    ("بدي رجّع المصاري يا جماعة", M, "بدي رجع المصاري يا جماعة"),
    ("هيك الخدمة؟ عن جد مش معقول", S, "هيك الخدمه عن جد مش معقول"),
    ("يسلموووو إيديكن", M, "يسلمو ايديكن"),
    # --- Maghrebi ---
    ("واش كاين شي حل؟ الكونكسيون ضعيفة بزاف", M, "واش كاين شي حل؟ الكونكسيون ضعيفة بزاف"),
    ("واش كاين شي حل؟ الكونكسيون ضعيفة بزاف", S, "واش كاين شي حل الكونكسيون ضعيفه بزاف"),
    ("بصح الخدمة مزيانة بزااااف", M, "بصح الخدمة مزيانة بزاف"),
    ("ما عجبنيش هاد الشي", S, "ما عجبنيش هاد الشي"),
    ("شحال الثمن ديال هاد البلان؟", M, "شحال الثمن ديال هاد البلان؟"),
    # --- MSA ---
    ("إنَّ الخِدْمَةَ مُمْتَازَةٌ", M, "ان الخدمة ممتازة"),
    ("إنَّ الخِدْمَةَ مُمْتَازَةٌ", S, "ان الخدمه ممتازه"),
    ("تم إلغاء الطلب دون إشعار مسبق.", M, "تم الغاء الطلب دون اشعار مسبق."),
    ("آسف، لم أتلقَّ أي رد حتى الآن", S, "اسف لم اتلق اي رد حتي الان"),
    ("ٱلْحَمْدُ لِلَّهِ", M, "الحمد لله"),
    ("مستشفى الملك فيصل", S, "مستشفي الملك فيصل"),
    ("ﻻ يوجد ﺗﻐﻄﻴﺔ", M, "لا يوجد تغطية"),
    # --- Arabizi ---
    ("el 5edma 7elwa awiii", M, "el 5edma 7elwa awii"),
    ("el 5edma 7elwa awiii", S, "el 5edma 7elwa awii"),
    ("Mesh 3agebny el app", S, "mesh 3agebny el app"),
    ("Mesh 3agebny el app", M, "Mesh 3agebny el app"),
    ("wallah ma 9ar shay", M, "wallah ma 9ar shay"),
    # --- mixed Arabic / English ---
    ("الـ app بطيء جداً Slow!!!!!", M, "ال app بطيء جدا Slow!!!"),
    ("الـ app بطيء جداً Slow!!!!!", S, "ال app بطيء جدا slow"),
    ("Best delivery ever من نون 👏", S, "best delivery ever من نون"),
    ("#CustomerService سيئة", M, "Customer Service سيئة"),
    ("#CustomerService سيئة", S, "customer service سيئه"),
    ("تابعوا https://t.co/AbC123 للتفاصيل", M, "تابعوا URL للتفاصيل"),
    ("تابعوا https://t.co/AbC123 للتفاصيل", S, "تابعوا للتفاصيل"),
    ("شوفوا www.example.com/offer الحين", M, "شوفوا URL الحين"),
    # --- emoji runs ---
    ("😂😂😂😂😂😂😂 يا رب صبرك", M, "😂😂😂 يا رب صبرك"),
    ("😂😂😂😂😂😂😂 يا رب صبرك", S, "يا رب صبرك"),
    ("تم التوصيل ❤️❤️", M, "تم التوصيل ❤️❤️"),
    ("👨\u200d👩\u200d👧 عيلتي", M, "👨\u200d👩\u200d👧 عيلتي"),
    ("👨\u200d👩\u200d👧 عيلتي", S, "عيلتي"),
    # --- elongation and tatweel ---
    ("جمييييييل", M, "جميل"),
    ("رائــــــــع", M, "رائع"),
    ("ممممممتاز", S, "متاز"),
    ("goooood service", M, "good service"),
    # --- bidi and zero-width controls ---
    ("\u200fشكرا\u200f لكم", M, "شكرا لكم"),
    ("زي\u200cن", S, "زين"),
    ("\u202bالطلب\u202c تأخر", M, "الطلب تاخر"),
    ("\ufeffمرحبا", M, "مرحبا"),
    ("\u2067خدمة\u2069 سيئة", S, "خدمه سيئه"),
    # --- Eastern-Arabic and Persian digits ---
    ("رقم الطلب ٤٥٦٧٨٩", M, "رقم الطلب 456789"),
    ("السعر ۱۲۰ ریال", M, "السعر 120 ريال"),
    ("خصم ٢٠٪ على ٣٫٥ كيلو", M, "خصم 20٪ علي 3.5 كيلو"),
    ("خصم ٢٠٪ على ٣٫٥ كيلو", S, "خصم 20 علي 3 5 كيلو"),
    # --- Persian keyboard letters and whitespace ---
    ("کیف حالک", M, "كيف حالك"),
    ("  الخدمة\n\nممتازة\t ", M, "الخدمة ممتازة"),
]


@pytest.mark.parametrize(("text", "profile", "expected"), GOLDEN)
def test_golden_table_of_dialectal_posts_normalizes_as_written(text, profile, expected):
    assert normalize(text, profile) == expected


def test_golden_table_has_at_least_sixty_cases():
    assert len(GOLDEN) >= 60


def test_named_profile_functions_match_the_generic_entry_point():
    text = "الخدمــــة ممتااازة 😍😍😍😍 #شكرا_زين"
    assert normalize_for_model(text) == normalize(text, "model")
    assert normalize_for_matching(text) == normalize(text, "matching")


def test_model_profile_never_deletes_emoji():
    for emoji in ["😍", "😡", "👍", "💔", "🙄", "🔥"]:
        assert emoji in normalize_for_model(f"الخدمة {emoji}")


def test_model_profile_keeps_teh_marbuta_while_matching_folds_it():
    assert normalize_for_model("الشركة") == "الشركة"
    assert normalize_for_matching("الشركة") == "الشركه"


def test_stretched_and_plain_brand_names_agree_for_matching():
    assert normalize_for_matching("زيـــن") == normalize_for_matching("زين") == "زين"
    assert normalize_for_matching("ZAIN") == normalize_for_matching("Zain")


def test_elongated_words_collapse_to_one_letter():
    assert collapse_elongation("جمييييييل") == "جميل"


def test_laughter_is_kept_as_three_heh():
    assert collapse_elongation("ههههههههههه") == "ههه"


def test_hashtag_underscores_become_spaces():
    assert split_hashtags("#خدمة_العملاء") == "خدمة العملاء"


def test_zero_width_joiner_is_removed_between_letters_but_kept_in_emoji():
    assert remove_invisible_controls("ز\u200dين") == "زين"
    assert remove_invisible_controls("👩\u200d💻") == "👩\u200d💻"


def test_persian_and_eastern_digits_map_to_ascii():
    assert eastern_digits_to_ascii("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"


def test_normalization_is_idempotent_on_the_golden_inputs():
    for text, profile, _ in GOLDEN:
        once = normalize(text, profile)
        assert normalize(once, profile) == once


def test_unknown_profile_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="unknown normalization profile 'search'.*matching"):
        normalize("نص", "search")


def test_non_text_input_is_refused():
    with pytest.raises(TypeError, match="expects str"):
        normalize(None, "model")


def test_profiles_are_lists_of_callables():
    assert set(PROFILES) == {"model", "matching"}
    assert all(callable(step) for steps in PROFILES.values() for step in steps)
