"""The shape of a post that the spam model reads: links, handles, hashtags, phone numbers."""

import numpy as np
import pytest

from nlp.spam.features import SHAPE_FEATURES, shape_features


def feature(text: str, name: str) -> float:
    return float(shape_features([text])[0, SHAPE_FEATURES.index(name)])


@pytest.mark.parametrize("text", [
    "للطلب واتساب 0551234567 توصيل لجميع المدن",
    "للتواصل ٠٥٥ ١٢٣ ٤٥٦٧ عطور أصلية",
    "اتصل على 055-123-4567 الآن",
    "رقمنا 055\u200b1234567 خصم ٣٠٪",
])
def test_a_phone_number_is_found_whatever_separates_its_digits(text):
    assert feature(text, "phone_number") == 1.0


@pytest.mark.parametrize("text", [
    "الباقة ب 150 ريال شهريا والسرعة 300 ميجا",
    "فاز الهلال 3-1 على النصر في الدقيقة 90",
    "شوفوا https://t.co/AbCdEfGh12345678 هالفيديو",
])
def test_prices_scores_and_link_codes_are_not_phone_numbers(text):
    assert feature(text, "phone_number") == 0.0


def test_links_handles_hashtags_and_retweets_are_counted():
    text = "RT @news_sa: سهم تطلق باقة جديدة https://t.co/x1 @SahmCare #سهم #اتصالات"
    assert feature(text, "urls") == 1.0
    assert feature(text, "mentions") == 2.0
    assert feature(text, "hashtags") == 2.0
    assert feature(text, "retweet") == 1.0


def test_every_text_gets_one_finite_row_even_empty_huge_or_without_spaces():
    texts = ["", "😂", "ا" * 1_000_000, "\u202e\u200f" * 1000 + "0" * 5000]
    rows = shape_features(texts)
    assert rows.shape == (4, len(SHAPE_FEATURES))
    assert np.isfinite(rows).all()
