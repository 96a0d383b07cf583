"""Arabic text normalization: tiny `str -> str` steps composed into named profiles."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
    normalize_unicode,
)

Step = Callable[[str], str]

URL_TOKEN = "URL"
USER_TOKEN = "USER"
LAUGHTER = "ههه"

# Zero-width characters and bidirectional controls: invisible, but they split words.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff\u00ad]")
_ZWJ = "\u200d"
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_MENTION_RE = re.compile(r"(?<![\w@])@\w+")
_HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)")
_CAMEL_BOUNDARY_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
# Arabic diacritics beyond camel-tools' set: Quranic annotation marks and small high letters.
_EXTRA_DIACRITICS_RE = re.compile("[\u0610-\u061a\u0653-\u0655\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
_TATWEEL_RE = re.compile("\u0640+")
_ARABIC_LETTER_RUN_RE = re.compile(r"([\u0621-\u064a])\1{2,}")
_LATIN_LETTER_RUN_RE = re.compile(r"([a-zA-Z])\1{2,}")
_SYMBOL_RUN_RE = re.compile(r"([^\w\s])\1{3,}")
_WHITESPACE_RE = re.compile(r"\s+")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬", "01234567890123456789.,")
_PERSIAN_LETTERS = str.maketrans({"ک": "ك", "ی": "ي", "ې": "ي", "ھ": "ه", "ۀ": "ة", "ە": "ه", "ڪ": "ك"})
_KEPT_IN_MATCHING = frozenset("@_")
_EMOJI_GLUE = frozenset("\u200d\ufe0e\ufe0f\u20e3")


def unicode_compatibility(text: str) -> str:
    """Fold presentation forms and ligatures (NFKC), e.g. `ﻻ` -> `لا`."""
    return normalize_unicode(text)


def remove_invisible_controls(text: str) -> str:
    """Drop zero-width and bidi control characters; keep a joiner only inside emoji sequences."""
    text = _INVISIBLE_RE.sub("", text)
    if _ZWJ not in text:
        return text
    kept = []
    for index, char in enumerate(text):
        if char == _ZWJ and not _joins_emoji(text, index):
            continue
        kept.append(char)
    return "".join(kept)


def _joins_emoji(text: str, index: int) -> bool:
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    return _is_symbol(before) and _is_symbol(after)


def _is_symbol(char: str) -> bool:
    return bool(char) and unicodedata.category(char) in {"So", "Sk", "Mn"} and not "\u0600" <= char <= "\u06ff"


def replace_urls(text: str) -> str:
    """Replace links with the `URL` token."""
    return _URL_RE.sub(URL_TOKEN, text)


def remove_urls(text: str) -> str:
    """Drop links entirely (matching and search ignore them)."""
    return _URL_RE.sub(" ", text)


def replace_mentions(text: str) -> str:
    """Replace @handles with the `USER` token."""
    return _MENTION_RE.sub(USER_TOKEN, text)


def split_hashtags(text: str) -> str:
    """Turn `#خدمة_العملاء` into `خدمة العملاء` and `#CustomerService` into `Customer Service`."""
    return _HASHTAG_RE.sub(lambda match: _hashtag_words(match.group(1)), text)


def _hashtag_words(tag: str) -> str:
    return _CAMEL_BOUNDARY_RE.sub(" ", tag.replace("_", " ")).strip()


def eastern_digits_to_ascii(text: str) -> str:
    """Map Eastern-Arabic and Persian digits (and the Arabic decimal marks) to ASCII."""
    return text.translate(_DIGITS)


def fold_persian_letters(text: str) -> str:
    """Map Persian/Urdu keyboard letters (`ی`, `ک`, `ھ`) to their Arabic counterparts."""
    return text.translate(_PERSIAN_LETTERS)


def remove_diacritics(text: str) -> str:
    """Remove harakat, tanwin, shadda, sukun, dagger alef and Quranic marks."""
    return _EXTRA_DIACRITICS_RE.sub("", dediac_ar(text))


def remove_tatweel(text: str) -> str:
    """Remove the kashida (tatweel) used to stretch words: `زيـــن` -> `زين`."""
    return _TATWEEL_RE.sub("", text)


def collapse_elongation(text: str) -> str:
    """Collapse stretched letters: Arabic runs to one letter, laughter to `ههه`, Latin runs to two."""
    text = _ARABIC_LETTER_RUN_RE.sub(_collapse_arabic_run, text)
    return _LATIN_LETTER_RUN_RE.sub(r"\1\1", text)


def _collapse_arabic_run(match: re.Match[str]) -> str:
    letter = match.group(1)
    return LAUGHTER if letter == "ه" else letter


def cap_symbol_runs(text: str) -> str:
    """Cut runs of one repeated emoji or punctuation mark to three (`😂😂😂😂😂` -> `😂😂😂`)."""
    return _SYMBOL_RUN_RE.sub(r"\1\1\1", text)


def fold_alef(text: str) -> str:
    """Fold hamzated and madda alef forms (`أ إ آ ٱ`) to bare alef."""
    return normalize_alef_ar(text)


def fold_alef_maqsura(text: str) -> str:
    """Fold alef maqsura to yeh: `على` and `علي` agree."""
    return normalize_alef_maksura_ar(text)


def fold_teh_marbuta(text: str) -> str:
    """Fold teh marbuta to heh: `خدمة` and `خدمه` agree."""
    return normalize_teh_marbuta_ar(text)


def lowercase_latin(text: str) -> str:
    """Lowercase Latin letters (Arabic has no case)."""
    return text.lower()


def symbols_to_space(text: str) -> str:
    """Turn punctuation, emoji and other symbols into spaces, keeping `@` and `_` of handles."""
    return text.translate(_SYMBOL_TABLE)


class _SymbolTable(dict):
    """A `str.translate` table that decides each code point once: symbol -> space."""

    def __missing__(self, code_point: int) -> str:
        char = chr(code_point)
        if char in _EMOJI_GLUE:
            decision = " "
        elif char in _KEPT_IN_MATCHING:
            decision = char
        else:
            decision = " " if unicodedata.category(char)[0] in {"P", "S"} else char
        self[code_point] = decision
        return decision


_SYMBOL_TABLE = _SymbolTable()


def collapse_whitespace(text: str) -> str:
    """Collapse whitespace runs (newlines included) to one space and trim the ends."""
    return _WHITESPACE_RE.sub(" ", text).strip()


_SHARED_STEPS: list[Step] = [unicode_compatibility, remove_invisible_controls]
_LETTER_STEPS: list[Step] = [
    split_hashtags,
    eastern_digits_to_ascii,
    fold_persian_letters,
    remove_diacritics,
    remove_tatweel,
    collapse_elongation,
    cap_symbol_runs,
    fold_alef,
    fold_alef_maqsura,
]

PROFILES: dict[str, list[Step]] = {
    # Model input: keeps emoji, punctuation, teh marbuta and Latin case; hides handles.
    "model": [*_SHARED_STEPS, replace_urls, replace_mentions, *_LETTER_STEPS, collapse_whitespace],
    # Brand/topic matching and search: aggressive folding, handles kept for alias matching.
    "matching": [
        *_SHARED_STEPS,
        remove_urls,
        *_LETTER_STEPS,
        fold_teh_marbuta,
        lowercase_latin,
        symbols_to_space,
        collapse_whitespace,
    ],
}


def normalize(text: str, profile: str) -> str:
    """Apply the steps of the named profile, in order."""
    if not isinstance(text, str):
        raise TypeError(f"normalize expects str text, got {type(text).__name__}")
    try:
        steps = PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown normalization profile {profile!r}; known: {sorted(PROFILES)}") from None
    for step in steps:
        text = step(text)
    return text


def normalize_for_model(text: str) -> str:
    """Normalize a post for the classifier's tokenizer (emoji and teh marbuta kept)."""
    return normalize(text, "model")


def normalize_for_matching(text: str) -> str:
    """Normalize a post for brand/topic matching and search (aggressive folding, lowercase)."""
    return normalize(text, "matching")
