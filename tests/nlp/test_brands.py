"""Brand matching on normalized words: aliases in three scripts, clitics, handles, include and exclude terms."""

from __future__ import annotations

import pytest

from config import Brand
from nlp.brands import BrandMatcher, BrandRule

SAHM = BrandRule(
    id="sahm",
    aliases=("سهم للاتصالات", "Sahm Telecom", "سهم", "سهم موبايل", "Sahm", "sa7m"),
    handles=("@SahmTelecom", "@SahmCare"),
    exclude_terms=("سهم أرامكو", "سوق الأسهم", "سعر السهم"),
)
NAJM = BrandRule(id="najm", role="competitor", aliases=("نجم موبايل", "Najm Mobile", "nejm"), handles=("@NajmMobile",))
RAFEEQ = BrandRule(
    id="rafeeq",
    aliases=("رفيق", "تطبيق رفيق", "Rafeeq", "rafee2", "rafiq"),
    handles=("@RafeeqApp",),
    exclude_terms=("رفيق دربي", "رفيق الدرب"),
)
ZAIN = BrandRule(
    id="zain",
    aliases=("زين", "Zain", "زين السعودية"),
    ambiguous_aliases=frozenset({"زين"}),
    include_terms=("شبكة", "باقة", "شريحة", "5G"),
)


@pytest.fixture(scope="module")
def matcher() -> BrandMatcher:
    return BrandMatcher([SAHM, NAJM, RAFEEQ, ZAIN])


def ids(matcher: BrandMatcher, post: str) -> list[str]:
    return [brand["id"] for brand in matcher.match(post)]


@pytest.mark.parametrize(
    ("post", "alias"),
    [
        ("شبكة زين طايحة من الصبح", "زين"),
        ("شبكة زيـــن طايحة من الصبح", "زيـــن"),
        ("شبكة زيييين طايحة من الصبح", "زيييين"),
        ("Zain network is down, شبكة بطيئة", "Zain"),
        ("ZAIN 5G مو شغال", "ZAIN"),
        ("عندي شريحة زِين وما تشتغل", "زِين"),
    ],
)
def test_spellings_of_one_name_agree_after_normalization(matcher: BrandMatcher, post: str, alias: str) -> None:
    assert matcher.match(post) == [{"id": "zain", "alias": alias, "role": "brand"}]


@pytest.mark.parametrize(
    ("post", "brand", "alias"),
    [
        ("ودي اغير من نجم موبايل وسهم ما تفرق", "sahm", "سهم"),
        ("دفعت بسهم وانخصم المبلغ مرتين", "sahm", "سهم"),
        ("فسهم أحسن منهم بكثير", "sahm", "سهم"),
        ("رجعت للسهم بعد ما جربت غيرهم", "sahm", "سهم"),
        ("شكوى لرفيق: الطلب ما وصل", "rafeeq", "رفيق"),
        ("وبرفيق صار التوصيل اسرع", "rafeeq", "رفيق"),
        ("ما فيه مثل كرفيق في السرعة", "rafeeq", "رفيق"),
    ],
)
def test_arabic_clitics_glued_to_an_alias_are_peeled_off(
    matcher: BrandMatcher, post: str, brand: str, alias: str
) -> None:
    assert {"id": brand, "alias": alias, "role": "brand"} in matcher.match(post)


@pytest.mark.parametrize(
    ("post", "alias"),
    [
        ("Sahm Telecom support never answers", "Sahm Telecom"),
        ("sahm telecom down again", "sahm telecom"),
        ("wallah sa7m el network za3'al", "sa7m"),
        ("el net bta3 SA7M wa2ef", "SA7M"),
        ("Sahm's app keeps logging me out", "Sahm"),
    ],
)
def test_latin_and_arabizi_aliases_match_case_insensitively(matcher: BrandMatcher, post: str, alias: str) -> None:
    assert matcher.match(post) == [{"id": "sahm", "alias": alias, "role": "brand"}]


@pytest.mark.parametrize(
    "post",
    [
        "اشتريت سهمين في البنك",  # سهمين: two shares, a different word
        "Sahmsung? no, Samsung",
        "sa7ma kbira f el share3",
        "اسهم قيادية في السوق",
        "@SahmCareers we are hiring",
    ],
)
def test_aliases_match_whole_words_only(matcher: BrandMatcher, post: str) -> None:
    assert ids(matcher, post) == []


def test_handles_match_case_insensitively_and_keep_their_spelling(matcher: BrandMatcher) -> None:
    assert matcher.match("@sahmcare وين الرد؟ صار لي يومين") == [{"id": "sahm", "alias": "@sahmcare", "role": "brand"}]


def test_a_longer_alias_wins_over_its_first_word(matcher: BrandMatcher) -> None:
    assert matcher.match("سهم للاتصالات أسوأ شركة") == [{"id": "sahm", "alias": "سهم للاتصالات", "role": "brand"}]


def test_hashtags_are_split_into_words_and_reported_as_written(matcher: BrandMatcher) -> None:
    assert matcher.match("الخدمة صارت افضل #نجم_موبايل") == [
        {"id": "najm", "alias": "#نجم_موبايل", "role": "competitor"}
    ]


def test_competitors_carry_their_role_and_brands_come_in_order_of_appearance(matcher: BrandMatcher) -> None:
    post = "نقلت من @NajmMobile الى سهم موبايل وبعدين رجعت لنجم موبايل"
    assert matcher.match(post) == [
        {"id": "najm", "alias": "@NajmMobile", "role": "competitor"},
        {"id": "sahm", "alias": "سهم موبايل", "role": "brand"},
    ]


def test_an_exclude_term_rules_out_the_alias_inside_it(matcher: BrandMatcher) -> None:
    outcome = matcher.match_with_exclusions("سهم أرامكو ارتفع اليوم ٣٪")
    assert outcome.brands == []
    assert outcome.excluded == ("sahm",)


def test_an_exclude_term_elsewhere_does_not_hide_a_real_mention(matcher: BrandMatcher) -> None:
    post = "سعر السهم نزل وفوقها شبكة سهم للاتصالات طايحة"
    outcome = matcher.match_with_exclusions(post)
    assert outcome.brands == [{"id": "sahm", "alias": "سهم للاتصالات", "role": "brand"}]
    assert outcome.excluded == ()


def test_exclude_terms_match_through_clitics_and_normalization(matcher: BrandMatcher) -> None:
    assert matcher.match_with_exclusions("وسهم ارامكو بعد").excluded == ("sahm",)
    assert matcher.match_with_exclusions("الله يرحمك يا رفيـــق دربي").excluded == ("rafeeq",)


def test_an_ambiguous_alias_needs_an_include_term(matcher: BrandMatcher) -> None:
    assert ids(matcher, "الجو زين اليوم والحمدلله") == []
    assert ids(matcher, "باقة زين الجديدة غالية") == ["zain"]


def test_an_unambiguous_alias_counts_without_include_terms(matcher: BrandMatcher) -> None:
    assert ids(matcher, "زين السعودية رفعت الاسعار") == ["zain"]
    assert ids(matcher, "Zain raised its prices") == ["zain"]


def test_each_brand_is_reported_once_with_its_first_alias(matcher: BrandMatcher) -> None:
    assert matcher.match("سهم ثم Sahm ثم @SahmCare") == [{"id": "sahm", "alias": "سهم", "role": "brand"}]


def test_invisible_bidi_and_zero_width_characters_do_not_hide_a_brand(matcher: BrandMatcher) -> None:
    post = "\u200fشبكة \u202bسه\u200cم\u202c طايحة"
    assert ids(matcher, post) == ["sahm"]


def test_posts_naming_no_brand_match_nothing(matcher: BrandMatcher) -> None:
    outcome = matcher.match_with_exclusions("الجو اليوم حلو والقهوة اطيب 😍")
    assert outcome.brands == [] and outcome.excluded == ()
    assert matcher.match("") == []


def test_configured_brands_adapt_into_rules() -> None:
    brand = Brand.model_validate(
        {
            "id": "rafeeq",
            "name_ar": "رفيق",
            "name_en": "Rafeeq",
            "role": "brand",
            "aliases": ["رفيق", "تطبيق رفيق", "Rafeeq"],
            "arabizi": ["rafee2", "rafiq"],
            "handles": ["@RafeeqApp"],
            "include_terms": ["رفيق بلس"],
            "exclude_terms": ["رفيق دربي"],
            "timezone": "Asia/Riyadh",
        }
    )
    rule = BrandRule.from_config(brand)
    assert rule.aliases == ("رفيق", "Rafeeq", "تطبيق رفيق", "rafee2", "rafiq")
    assert rule.handles == ("@RafeeqApp",)
    assert rule.include_terms == ("رفيق بلس",)
    assert rule.exclude_terms == ("رفيق دربي",)
    matcher = BrandMatcher.from_brands([brand])
    assert matcher.match("rafee2 late again, el akl wesel bared") == [
        {"id": "rafeeq", "alias": "rafee2", "role": "brand"}
    ]


def test_an_unknown_role_is_refused_naming_the_brand() -> None:
    with pytest.raises(ValueError, match="'najm'.*role"):
        BrandRule(id="najm", role="rival", aliases=("نجم موبايل",))


def test_repeated_brand_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="repeated.*sahm"):
        BrandMatcher([SAHM, SAHM])


def test_an_ambiguous_alias_must_be_one_of_the_aliases() -> None:
    with pytest.raises(ValueError, match="زينة"):
        BrandRule(id="zain", aliases=("زين",), ambiguous_aliases=frozenset({"زينة"}))
