"""Language and script tags: Arabic, Arabizi, English, mixed and the rest."""

from __future__ import annotations

import pytest

from nlp.lang import LANG_TAGS, detect_lang, is_arabizi
from tests.support.budget import run_within

ARABIZI = [
    # Egyptian
    "7aga 7elwa awi el service",
    "mesh 3agebny el network begad",
    "wallah el service za3'al",
    "3ayez arga3 el flous bta3ti",
    "ana msh fahem leh el net wa2ef keda",
    "el mandoob mesh beyrod 5ales",
    "el service bad awi w el app bey2afel",
    # Gulf
    "shlonak, el network wayed 5arban el yom",
    "wallah mafi shabaka fi el bait",
    "ya3ni 3ashan ana 3amil ma3kom sneen tsawoon kida",
    "sa7m zain bs el tawseel m6awel",
    # Levantine
    "kifak, el internet ktir ba6i2 el yom",
    "shu hal 5edme, sar 3ande mashakel ktir",
    "yalla inshallah bitsalla7o bukra",
    # Maghrebi
    "had service mzyan bzaf walakin ghali",
    # Tunisian, without a single digit-letter
    "Bahi barcha @RafeeqApp, el livraison behi",
    # a lone digit-letter word
    "sa7m",
]

NOT_ARABIZI = [
    "The app keeps crashing after the update",
    "My order is late and customer service never answers",
    "Got the iPhone 15 pro with 5G, works great",
    "see you 2day at 5pm, gr8 deal on the 128gb model",
    "Zain network is down again in Riyadh",
    "الخدمة سيئة جدا والتوصيل متأخر",
    "😂😂😂",
    "",
]


@pytest.mark.parametrize("post", ARABIZI)
def test_latin_script_arabic_is_recognised_as_arabizi(post: str) -> None:
    assert is_arabizi(post)
    assert detect_lang(post) == "ar-Latn"


@pytest.mark.parametrize("post", NOT_ARABIZI)
def test_english_arabic_and_emoji_are_not_arabizi(post: str) -> None:
    assert not is_arabizi(post)


@pytest.mark.parametrize(
    ("post", "tag"),
    [
        ("الخدمة سيئة جدا والتوصيل متأخر", "ar"),
        ("والله ما عاد اتحمل، الشبكة طايحة من امس 😡", "ar"),
        ("ده مش طبيعي، المندوب مبيردش خالص", "ar"),
        ("شو هالخدمة، صرلي ساعة ناطر عالخط", "ar"),
        ("طلبت من Noon والتوصيل تأخر اسبوع كامل", "ar"),
        ("#سهم_للاتصالات", "ar"),
        ("٣ ايام بدون نت في حي النرجس", "ar"),
        ("The app keeps crashing after the update", "en"),
        ("Worst customer service I have ever dealt with", "en"),
        ("Sahm Telecom", "en"),
        ("النت بطيء bad service honestly so slow", "mixed"),
        ("الخدمة سيئة جدا and the app is useless", "mixed"),
        ("the delivery was late again يا ليت تحلون", "mixed"),
        ("شبكة سهم wayed kteer wallah za3'al", "mixed"),
        ("le service client est vraiment nul", "other"),
        ("Привет, как дела", "other"),
        ("😂😂😂👍", "other"),
        ("١٢٣٤ 5678", "other"),
        ("", "other"),
        ("   \n\t ", "other"),
    ],
)
def test_posts_get_the_tag_of_their_scripts_and_vocabulary(post: str, tag: str) -> None:
    assert detect_lang(post) == tag


def test_links_handles_and_emails_do_not_make_an_arabic_post_mixed() -> None:
    post = "@SahmCare وين الرد؟ https://sahm.example.com/help ahmed@example.com"
    assert detect_lang(post) == "ar"


def test_english_stop_words_outweigh_a_single_arabizi_greeting() -> None:
    assert detect_lang("yalla let's go to the mall and get some food") == "en"


def test_every_tag_is_one_of_the_documented_tags() -> None:
    posts = [*ARABIZI, *NOT_ARABIZI, "mix النت bad"]
    assert {detect_lang(post) for post in posts} <= set(LANG_TAGS)


@pytest.mark.parametrize(
    "post",
    [
        "ا" * 100_000,  # one word a hundred thousand letters long
        "ahmed@" * 20_000,  # at-signs and no dot: an e-mail that never completes
        "a@b" * 30_000 + ".",
    ],
)
def test_a_long_run_without_spaces_is_tagged_within_a_second_or_two(post: str) -> None:
    tag, _ = run_within(3, detect_lang, post)
    assert tag in LANG_TAGS


def test_an_email_glued_to_arabic_punctuation_is_still_not_language() -> None:
    assert detect_lang("راسلوني على (noura.q88@outlook.sa) بسرعة") == "ar"
