"""What the spam model reads besides character n-grams: the shape of a post (links, handles,
hashtags, phone numbers, digits, length), computed from the raw text in linear time."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

SHAPE_FEATURES = ("log_length", "urls", "mentions", "hashtags", "phone_number", "digit_share", "latin_share",
                  "lines", "retweet")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION_RE = re.compile(r"(?<!\w)@\w+")
_HASHTAG_RE = re.compile(r"#\w+")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_PHONE_RE = re.compile(r"\+?\d{8,}")  # after spaces, dashes and dots between digits are removed
_PHONE_GLUE_RE = re.compile(r"(?<=\d)[\s\-.\u200b\u200c\u200d\u2060]+(?=\d)")
_RETWEET_RE = re.compile(r"\s*RT\s+@\w+")
_EASTERN_DIGIT_RE = re.compile(r"[٠-٩۰-۹]")
_NOT_DIGIT_RE = re.compile(r"[^0-9]+")
_NOT_LATIN_RE = re.compile(r"[^A-Za-z]+")
MAX_CHARS = 20_000  # a post longer than this is measured on its first 20,000 characters


def shape_features(texts: Sequence[str]) -> np.ndarray:
    """One row of SHAPE_FEATURES per raw text (float32)."""
    return np.array([_shape(text[:MAX_CHARS]) for text in texts], dtype=np.float32).reshape(len(texts), len(SHAPE_FEATURES))


def _shape(text: str) -> list[float]:
    length = max(len(text), 1)
    digits = text.translate(_DIGITS) if _EASTERN_DIGIT_RE.search(text) else text
    without_urls = _URL_RE.sub(" ", digits)
    compact = _PHONE_GLUE_RE.sub("", without_urls)
    return [
        float(np.log1p(len(text))),
        float(min(len(_URL_RE.findall(text)), 5)),
        float(min(len(_MENTION_RE.findall(text)), 10)),
        float(min(len(_HASHTAG_RE.findall(text)), 10)),
        float(bool(_PHONE_RE.search(compact))),
        len(_NOT_DIGIT_RE.sub("", without_urls)) / length,
        len(_NOT_LATIN_RE.sub("", without_urls)) / length,
        float(min(text.count("\n"), 20)),
        float(bool(_RETWEET_RE.match(text))),
    ]
