"""PII masking: what must be masked, and the near-misses that must survive untouched."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp import pii
from nlp.pii import PII_KINDS, MaskResult, mask_pii
from tests.support.budget import run_within

MASKED = [
    # Saudi mobiles in every way people type them
    ("جوالي 0551234567 كلموني بعد العصر", "جوالي [phone] كلموني بعد العصر"),
    ("رقمي ٠٥٥١٢٣٤٥٦٧ لو احد يعرف حل للنت", "رقمي [phone] لو احد يعرف حل للنت"),
    ("تواصلوا معي 055 123 4567 ضروري", "تواصلوا معي [phone] ضروري"),
    ("الرقم 055-123-4567 ما يرد عليه احد", "الرقم [phone] ما يرد عليه احد"),
    ("اتصلوا على +966 55 123 4567 الله يخليكم", "اتصلوا على [phone] الله يخليكم"),
    ("واتساب +966551234567 للاستفسار", "واتساب [phone] للاستفسار"),
    ("كلموا أبوي 00966551234567 هو صاحب الخط", "كلموا أبوي [phone] هو صاحب الخط"),
    ("(+966) 50-987-6543 هذا رقم المندوب", "[phone] هذا رقم المندوب"),
    ("رقم الزوجة ٠٠٩٦٦٥٠٩٨٧٦٥٤٣ ارجوكم ساعدوها", "رقم الزوجة [phone] ارجوكم ساعدوها"),
    ("ارسلت لهم 966501234567 ولا احد رد", "ارسلت لهم [phone] ولا احد رد"),
    ("رقمي\u200f 050\u200f 111\u200f 2233 ما وصلني كود التفعيل", "رقمي\u200f [phone] ما وصلني كود التفعيل"),
    ("٠٥٠.٩٨٧.٦٥٤٣ هذا جوالي", "[phone] هذا جوالي"),
    ("جوالي ۰۵۴۳۲۱۰۹۸۷ بالكيبورد الفارسي", "جوالي [phone] بالكيبورد الفارسي"),
    ("هاتف المنزل 011 234 5678 مقطوع من امس", "هاتف المنزل [phone] مقطوع من امس"),
    ("اتصلت ٥ مرات على 0551234567 و 0559876543 بدون فايدة", "اتصلت ٥ مرات على [phone] و [phone] بدون فايدة"),
    # other Gulf countries
    ("my number +971 50 123 4567 call me", "my number [phone] call me"),
    ("رقمي الاماراتي 00971 56 765 4321", "رقمي الاماراتي [phone]"),
    ("الكويت +965 9988 7766 تواصل واتس", "الكويت [phone] تواصل واتس"),
    ("واتساب 99887766 للطلب من الكويت", "واتساب [phone] للطلب من الكويت"),
    ("البحرين +973 3612 3456 اتصلوا", "البحرين [phone] اتصلوا"),
    ("قطر: +974 5512 3456", "قطر: [phone]"),
    ("عمان ٩٦٨+ بعدين +968 9123 4567", "عمان ٩٦٨+ بعدين [phone]"),
    # Egypt
    ("ده رقمي 01012345678 كلمني ضروري", "ده رقمي [phone] كلمني ضروري"),
    ("رقم المندوب ٠١٢٢٣٤٥٦٧٨٩ مش بيرد خالص", "رقم المندوب [phone] مش بيرد خالص"),
    ("موبايلي +20 100 123 4567 يا جماعة", "موبايلي [phone] يا جماعة"),
    ("0020 111 234 5678 ده رقم خدمة شخصي", "[phone] ده رقم خدمة شخصي"),
    # international formats
    ("UK office +44 20 7946 0958", "UK office [phone]"),
    ("call me on +1 (415) 555-0132 please", "call me on [phone] please"),
    # e-mail addresses
    ("ايميلي ahmed.alharbi@gmail.com ارسلوا الفاتورة", "ايميلي [email] ارسلوا الفاتورة"),
    ("راسلوني:noura.q88@outlook.sa", "راسلوني:[email]"),
    ("my email is Sara_Otaibi+sahm@hotmail.co.uk thanks", "my email is [email] thanks"),
    ("ايميل الشغل m.alzahrani@company-ksa.com.sa وجوالي 0501234567", "ايميل الشغل [email] وجوالي [phone]"),
    # IBANs
    ("الايبان SA0380000000608010167519 حولوا عليه المبلغ", "الايبان [iban] حولوا عليه المبلغ"),
    ("رجعوا فلوسي على SA03 8000 0000 6080 1016 7519 الله يخليكم", "رجعوا فلوسي على [iban] الله يخليكم"),
    ("IBAN: AE07 0331 2345 6789 0123 456", "IBAN: [iban]"),
    ("حسابي في الكويت KW81CBKU0000000000001234560101", "حسابي في الكويت [iban]"),
    ("الحساب EG380019000500000000263180002 في البنك الأهلي", "الحساب [iban] في البنك الأهلي"),
    ("ايباني sa٠٣٨٠٠٠٠٠٠٠٦٠٨٠١٠١٦٧٥١٩", "ايباني [iban]"),
    ("transfer to GB82 WEST 1234 5698 7654 32 please", "transfer to [iban] please"),
    ("الايبان SA03 8000 0000 6080 1016 7518 (يمكن غلطت برقم)", "الايبان [iban] (يمكن غلطت برقم)"),
    # Saudi national and iqama ids, and an Egyptian national id
    ("رقم هويتي 1098765432 والطلب ما تم", "رقم هويتي [national_id] والطلب ما تم"),
    ("رقم الاقامة ٢٤٥٦٧٨٩٠١٢ ومع ذلك رفضوا", "رقم الاقامة [national_id] ومع ذلك رفضوا"),
    ("السجل المدني 1122334455.", "السجل المدني [national_id]."),
    ("الرقم القومي 29001011234567 اتسجل غلط", "الرقم القومي [national_id] اتسجل غلط"),
    # payment cards (Luhn-valid, 13 to 19 digits), however they are grouped
    ("انسحب مبلغ من بطاقتي 4111 1111 1111 1111 مرتين", "انسحب مبلغ من بطاقتي [card] مرتين"),
    ("رقم البطاقة 5500-0000-0000-0004 والعملية مرفوضة", "رقم البطاقة [card] والعملية مرفوضة"),
    ("بطاقة مدى ٤٤٦٢ ٠٣٠٠ ٠٠٠٠ ٠٠٠٠ انخصم منها", "بطاقة مدى [card] انخصم منها"),
    ("amex 3782 822463 10005 charged twice", "amex [card] charged twice"),
    ("البطاقة 5105105105105100 ما تنقبل في التطبيق", "البطاقة [card] ما تنقبل في التطبيق"),
    ("فيزا 4111\u200b1111\u200b1111\u200b1111 انسرقت", "فيزا [card] انسرقت"),
    # phone numbers split by invisible characters or an Arabic comma
    ("جوالي 055\u200b123\u200b4567 كلموني", "جوالي [phone] كلموني"),
    ("رقمي 050\u2060987\u20606543 واتساب", "رقمي [phone] واتساب"),
    ("رقمي ٠٥٥،١٢٣،٤٥٦٧ لو سمحتوا", "رقمي [phone] لو سمحتوا"),
    ("جوالي 0551234567، كلموني بعد العصر", "جوالي [phone]، كلموني بعد العصر"),
    # a person's handle inside the post, and inside a link to their post or profile
    ("اسألوا @ahmed_q1990 هو عنده نفس المشكلة", "اسألوا [handle] هو عنده نفس المشكلة"),
    ("شكرا @نورة_العتيبي على المساعدة", "شكرا [handle] على المساعدة"),
    ("شوفوا https://x.com/ahmed_q/status/1862001234567890123 نفس مشكلتي",
     "شوفوا https://x.com/i/web/status/1862001234567890123 نفس مشكلتي"),
    ("twitter.com/Noura_88/status/1862001234567890123?s=20 هذي تغريدتها",
     "twitter.com/i/web/status/1862001234567890123?s=20 هذي تغريدتها"),
    ("حسابه https://www.twitter.com/ahmed_q وما رد", "حسابه https://www.twitter.com/[handle] وما رد"),
]

NOT_MASKED = [
    # prices and amounts
    "سعر الجوال ٢٥٠٠ ريال بعد الخصم",
    "السعر SAR 1,299 وهو غالي مقارنة بالسوق",
    "حولت 300 ريال وانخصمت مرتين من حسابي",
    "ميزانية المشروع 1500000000 ريال حسب الخبر",
    "الباقة ب 99.99 ر.س شهريا",
    "ارتفعت الاسعار 15% من بداية السنة",
    "نسبة الرضا ٨٧٪ فقط",
    # dates and times
    "تاريخ الطلب 2024-05-12 وللحين ما وصل",
    "موعد التوصيل كان ١٢/٥/٢٠٢٤ والحين احنا في يونيو",
    "الموعد 12.05.2024 الساعة 10:30 مساء",
    "من 2023-2024 وهم نفس المشكلة",
    # order, tracking, invoice and ticket numbers in context
    "رقم الطلب 7712345 وما وصل لي شي",
    "order #1234567890 still not shipped",
    "رقم الطلب: 1234567890 ابغى اعرف وين صار",
    "رقم الشحنة ٢٩٨٧٦٥٤٣٢١ واقفة في الرياض",
    "رقم الفاتورة 2045678912 فيها مبلغ زيادة",
    "فتحت تذكرة رقم 1029384756 وما احد رد",
    "tracking number 1Z999AA10123456784 stuck since Monday",
    "طلبي #2109876543 متأخر اسبوع",
    # versions, speeds, model names, scores, toll-free lines
    "نسخة التطبيق 5.12.3 فيها مشكلة في الدفع",
    "بعد تحديث iOS 17.4.1 النت صار يفصل",
    "سرعة 5G وصلت 1000 ميقا بس في الليل تنزل",
    "ايفون 15 برو ماكس 256 جيجا",
    "المباراة انتهت 2-1 والنت فصل في الشوط الثاني",
    "اتصلت على 920000000 ونص ساعة انتظار",
    "الرقم المجاني 8001234567 ما يرد",
    "ip الراوتر 192.168.1.1 ما يفتح",
    # numbers shaped like a card that fail its checksum, or are labelled as an order
    "الرقم التسلسلي 1234 5678 9012 3456 مكتوب على الكرتون",
    "رقم الطلب 4111111111111111 وما وصل",
    # links to X that name no person
    "https://x.com/i/web/status/1862001234567890123 هذا الرابط",
    "https://x.com/search?q=سهم شوفوا البحث",
    "https://x.com/hashtag/سهم_للاتصالات",
]


@pytest.mark.parametrize(("post", "expected"), MASKED)
def test_personal_numbers_emails_and_accounts_are_masked(post: str, expected: str) -> None:
    assert mask_pii(post).text == expected


@pytest.mark.parametrize("post", NOT_MASKED)
def test_prices_dates_references_and_versions_are_left_as_written(post: str) -> None:
    result = mask_pii(post)
    assert result.text == post
    assert result.total == 0


def test_counts_say_how_many_of_each_kind_were_masked() -> None:
    post = ("جوالي 0551234567 او 0559876543 وايميلي ahmed@gmail.com والايبان SA0380000000608010167519 وهويتي 1098765432"
            " وبطاقتي 4111 1111 1111 1111 واسألوا @ahmed_q")
    counts = {"phone": 2, "email": 1, "iban": 1, "national_id": 1, "card": 1, "handle": 1}
    assert mask_pii(post).counts == counts


def test_counts_always_name_every_kind() -> None:
    result = mask_pii("الخدمة ممتازة والتوصيل سريع 👍")
    assert set(result.counts) == set(PII_KINDS)
    assert result.total == 0


def test_digits_inside_an_email_are_part_of_the_email_not_a_phone() -> None:
    result = mask_pii("راسلني 0551234567@gmail.com")
    assert result.text == "راسلني [email]"
    assert result.counts["phone"] == 0


def test_handles_are_not_mistaken_for_email_addresses() -> None:
    post = "@ahmed_q رقمي 0551234567 وما أحد رد"
    assert mask_pii(post).text == "[handle] رقمي [phone] وما أحد رد"


def test_a_brand_handle_is_the_brand_not_a_person_and_stays() -> None:
    post = "@SahmCare @sahmtelecom ردوا على @ahmed_q https://x.com/SahmCare/status/1862001234567890123"
    result = mask_pii(post, keep_handles=["@SahmCare", "SahmTelecom"])
    assert result.text == "@SahmCare @sahmtelecom ردوا على [handle] https://x.com/SahmCare/status/1862001234567890123"
    assert result.counts["handle"] == 1


def test_a_handle_inside_a_card_like_number_link_is_masked_without_touching_the_status_id() -> None:
    post = "https://x.com/ahmed_q/status/4111111111111111"
    assert mask_pii(post).text == "https://x.com/i/web/status/4111111111111111"


def test_a_phone_followed_by_an_unrelated_number_masks_only_the_phone() -> None:
    assert mask_pii("جوالي 0551234567 2024").text == "جوالي [phone] 2024"


def test_an_iban_with_a_word_glued_after_it_is_not_stretched_over_the_word() -> None:
    post = "SA0380000000608010167519ABC"
    assert mask_pii(post).text == post


def test_letter_codes_shaped_like_an_iban_but_failing_its_checksum_are_left_alone() -> None:
    post = "كود التفعيل SA12 ABCD EFGH IJKL MNOP QRST ما اشتغل"
    assert mask_pii(post).text == post


def test_eight_digit_local_numbers_need_a_phone_word_nearby() -> None:
    assert mask_pii("الكود 99887766 ما اشتغل").text == "الكود 99887766 ما اشتغل"
    assert mask_pii("الواتس 99887766").text == "الواتس [phone]"


def test_masking_keeps_everything_else_byte_for_byte() -> None:
    post = "خدمة سهـــم 😡😡\u200f جوالي 0551234567\n#سهم_للاتصالات"
    assert mask_pii(post).text == "خدمة سهـــم 😡😡\u200f جوالي [phone]\n#سهم_للاتصالات"


def test_masking_is_stable_when_applied_twice() -> None:
    once = mask_pii("جوالي +966 55 123 4567 وايميلي a.b@c.com").text
    assert mask_pii(once).text == once


def test_mask_result_is_returned_for_empty_text() -> None:
    assert mask_pii("") == MaskResult("")


def test_non_text_input_is_refused_with_its_type() -> None:
    with pytest.raises(TypeError, match="int"):
        mask_pii(551234567)  # type: ignore[arg-type]


def test_a_profile_link_at_the_end_of_a_sentence_loses_its_handle() -> None:
    assert mask_pii("تابعوا x.com/Noura_88.").text == "تابعوا x.com/[handle]."


@pytest.mark.parametrize(
    "post",
    [
        "5 " * 100_000,  # a hundred thousand one-digit groups: one phone candidate
        "4111-" * 40_000 + "x",  # card-like groups with a letter glued at the end
        "رقمي 0" + " 5" * 100_000,  # a phone word, then digit groups
    ],
)
def test_long_runs_of_digit_groups_are_masked_within_a_budget(post: str) -> None:
    result, _ = run_within(5, mask_pii, post)
    assert len(result.text) <= len(post)


@pytest.mark.parametrize(
    ("piece", "phones"),
    [
        ("0 ", 0), ("2 ", 0), ("9-", 0), ("00 ", 0), ("0\u200b", 0), ("20 ", 0),  # no phone can begin anywhere
        ("05 05 05 05 05 ", 2_000),  # one begins at every group: each is tried once, the rest are inside phones
        ("طلب 0551234567 ", 0),  # a mobile on every line, each labelled an order number
    ],
)
def test_a_stretch_of_digit_groups_is_tried_for_a_phone_only_where_one_may_begin(
    piece: str, phones: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    tried: list[int] = []
    group_run = pii._group_run
    monkeypatch.setattr(pii, "_group_run", lambda text, stretch, start: tried.append(start) or group_run(text, stretch, start))
    repeats = 30_000 // len(piece)
    result = mask_pii(piece * repeats)
    assert result.counts["phone"] == phones
    assert len(tried) == (repeats if piece.startswith("طلب") else phones)


GROUPS = st.lists(
    st.one_of(st.sampled_from(["4111", "1111", "5500", "0000", "0004", "3782", "822463", "10005", "29001011234567"]),
              st.text("0123456789", min_size=1, max_size=7)),
    min_size=1, max_size=80,
)


@settings(max_examples=200, derandomize=True, database=None)
@given(GROUPS, st.sampled_from([" ", "-", "\u200b", " - "]))
def test_a_long_stretch_of_digit_groups_yields_the_cards_a_short_one_would(groups: list[str], gap: str) -> None:
    text = "x " + gap.join(groups) + " y"
    assert pii._longest_cards_vectorized(text, 2, len(text) - 2) == pii._longest_cards(text, 2, len(text) - 2)
