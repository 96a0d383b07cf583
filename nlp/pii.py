"""PII masking: phone numbers, e-mail addresses, IBANs, national ids, payment cards and people's handles
become readable masks."""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

logger = logging.getLogger(__name__)

PII_KINDS = ("phone", "email", "iban", "national_id", "card", "handle")
MASKS = {kind: f"[{kind}]" for kind in PII_KINDS}
MASK_RE = re.compile(r"\[(?:phone|email|iban|national_id|card|handle)\]")
_KEPT = "kept"  # a span left as written (a brand's own link) that no later finder may mask inside
# What can start PII at all: a digit (any script), an `@`, or a link to X.
_MAYBE_PII_RE = re.compile(r"\d|@|(?:x|twitter)\.com/", re.IGNORECASE)

# Eastern-Arabic (٠-٩) and Persian (۰-۹) digits map one code point to one code point, so a
# translated copy of a post has the same offsets as the post itself.
_ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# What may sit between the digit groups of one phone number: spaces, dots, dashes, the Arabic comma,
# the invisible bidi marks that right-to-left editors insert around numbers and zero-width characters
# (which split a number without showing, to slip it past filters).
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad"
_SEPARATOR = rf"[ \t\u00a0.\-\u2010-\u2015\u060c{_INVISIBLE}]"
_SEPARATOR_CHARS = frozenset(" \t\u00a0.-\u2010\u2011\u2012\u2013\u2014\u2015\u060c\u200b\u200c\u200d\u200e\u200f\ufeff\u00ad") | (
    frozenset(chr(code) for code in [*range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A)])
)
_PHONE_CANDIDATE_RE = re.compile(
    rf"(?<![0-9A-Za-z])(?:\({_SEPARATOR}?)?(?:\+{_SEPARATOR}?)?(?:\({_SEPARATOR}?)?[0-9]+\)?"
    rf"(?:{_SEPARATOR}{{1,3}}\(?[0-9]+\)?)*"
)
_DIGIT_GROUP_RE = re.compile(r"[0-9]+")
_MAX_GROUPS_PER_PHONE = 10
_MAX_PHONE_DIGITS = 17  # "00" + the 15 digits of the longest E.164 number
_MIN_PHONE_DIGITS = 8  # the shortest shape below: an eight-digit local number
# The first digits of a number that is a phone without a phone word nearby: `+` or `00` (international),
# a local mobile (05…, 01…), or a Gulf or Egyptian country code written without `+`.
_PHONE_WITHOUT_CONTEXT_STARTS = ("0", "9", "2")
_PHONE_START_RE = re.compile(r"(?<![0-9])[029]")

# Payment cards (ISO/IEC 7812): 13 to 19 digits, Luhn-checked, the first digit 2-6 (Mastercard's 2-series,
# Amex and Diners 3, Visa 4, Mastercard and mada 5, Discover 6), written whole or in groups of three or more
# digits separated like a phone's groups (a space, a dash, an invisible character).
# No lookahead after the run: a failing one would make every later group start rescan the run (quadratic).
_CARD_CANDIDATE_RE = re.compile(rf"(?<![0-9A-Za-z+])[2-6][0-9]{{2,}}(?:{_SEPARATOR}{{1,3}}[0-9]{{3,}})*")
_CARD_DIGITS = range(13, 20)
_MAX_CARD_GROUPS = 6

# An @handle in the text (not the `@` of an e-mail address, which is masked first), and a link to an X
# (Twitter) post or profile, whose path names its author. Paths of X that are not accounts stay.
_HANDLE_RE = re.compile(r"(?<![\w@.])@(\w+)(?!@)")  # `@a@b` is no handle (and masking stays idempotent)
_X_LINK_RE = re.compile(
    r"(?<![\w.])((?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/)(\w{1,50})(?!\w)(?:/status(?:es)?/([0-9]+))?",
    re.IGNORECASE,
)
_REST_OF_LINK_RE = re.compile(r"\S*")
_X_PATHS = frozenset(
    "i home search hashtag explore intent share settings messages notifications compose login signup tos privacy "
    "about download".split()
)

_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
    r"(?![A-Za-z0-9\-])"
)

_SAUDI_ID_RE = re.compile(r"(?<![0-9])(?<![0-9][.,])[12][0-9]{9}(?![0-9])(?![.,][0-9])")
_EGYPTIAN_ID_RE = re.compile(r"(?<![0-9])(?<![0-9][.,])[23][0-9]{13}(?![0-9])(?![.,][0-9])")
_EGYPTIAN_GOVERNORATES = frozenset(
    ["01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19"]
    + ["21", "22", "23", "24", "25", "26", "27", "28", "29", "31", "32", "33", "34", "35", "88"]
)

_MAX_BANK_CODE_LETTERS = 4
_IBAN_START_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}")
# Country code -> IBAN length (SWIFT IBAN registry), the Arab world first.
IBAN_LENGTHS = {
    "SA": 24, "AE": 23, "KW": 30, "BH": 22, "QA": 29, "OM": 23, "EG": 29, "JO": 30, "LB": 28,
    "PS": 29, "IQ": 23, "TN": 24, "LY": 25, "SD": 18, "MR": 27, "TR": 26, "PK": 24, "GB": 22,
    "DE": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16, "CH": 21, "AT": 20, "IE": 22,
    "SE": 24, "NO": 15, "DK": 18, "FI": 18, "PL": 28, "PT": 25, "GR": 27, "CY": 28, "MT": 31,
    "LU": 20,
}  # fmt: skip

# Country calling code -> the national numbers we accept after it.
_GULF_AND_EGYPT = {
    "966": re.compile(r"0?5[0-9]{8}|0?1[1-7][0-9]{7}"),
    "971": re.compile(r"0?5[0-9]{8}|0?[234679][0-9]{7}"),
    "965": re.compile(r"[124569][0-9]{7}"),
    "973": re.compile(r"[136789][0-9]{7}"),
    "974": re.compile(r"[34567][0-9]{7}"),
    "968": re.compile(r"[279][0-9]{7}"),
    "20": re.compile(r"0?1[0125][0-9]{8}|0?[2-9][0-9]{7,8}"),
}
_LOCAL_MOBILE_RE = re.compile(r"05[0-9]{8}|01[0125][0-9]{8}|01[1-7][0-9]{7}")
_LOCAL_WITH_CONTEXT_RE = re.compile(r"0[1-9][0-9]{7,9}|5[0-9]{8}|[2-9][0-9]{7}")

_PHONE_WORDS = (
    r"جوال|جوالي|الجوال|رقمي|رقم\s*الجوال|رقم\s*التواصل|واتس|واتساب|الواتس|الواتساب|وتساب|اتصل|اتصلوا|اتصال"
    r"|كلمني|كلموني|كلمه|كلمها|تواصل|تواصلوا|هاتف|الهاتف|هاتفي|موبايل|الموبايل|موبايلي|تلفون|تلفوني|تليفون"
    r"|تليفوني|نمرة|نمرتي|النمرة|call|phone|whatsapp|whats|tel|mobile|cell|contact"
)
# Found once per post (a digit may follow the word directly: `واتس99887766`).
_PHONE_CONTEXT_RE = re.compile(rf"(?<!\w)(?:{_PHONE_WORDS})(?![^\W\d])", re.IGNORECASE)
_PHONE_CONTEXT_WINDOW = 40

# A label right before a number that makes it an order, tracking or reference number.
_REFERENCE_WORDS = (
    r"طلب|طلبي|طلبية|طلبيتي|اوردر|أوردر|شحنة|شحنتي|الشحنه|شحنه|تتبع|تتبّع|فاتورة|فاتورتي|فاتوره|بوليصة"
    r"|بوليصه|حجز|حجزي|مرجع|مرجعي|المرجعي|بلاغ|بلاغي|تذكرة|تذكرتي|تذكره|عملية|العمليه|معاملة|معاملتي"
    r"|شكوى|شكوتي|حوالة|حواله|سند|إيصال|ايصال|كوبون|كود|موديل|سيريال|الصنف|منتج|المنتج"
)
_REFERENCE_LABEL_RE = re.compile(
    rf"(?:(?<!\w)[وفبل]?(?:ال)?(?:{_REFERENCE_WORDS})(?!\w)"
    r"|(?<![A-Za-z])(?:order|orders|tracking|track|invoice|inv|ref|reference|booking|ticket|case|shipment"
    r"|awb|transaction|txn|receipt|coupon|code|model|serial|sku|item|parcel|package|confirmation|po)(?![A-Za-z])"
    r"|#)"
    r"(?:[\s:#\-–.،,]|رقم|رقمه|رقمها|هو|هي|no|nr|num|number|id|is)*$",
    re.IGNORECASE,
)
_LABEL_WINDOW = 40

_MONEY_OR_PERCENT_AFTER_RE = re.compile(
    r"^[\s\u00a0]*(?:%|٪|ريال|ر\.?\s?س|ر\.?\s?ق|جنيه|ج\.?\s?م|درهم|دينار|دولار|يورو|ليرة|الف|ألف|مليون|مليار"
    r"|sar|sr|aed|usd|egp|kwd|qar|bhd|omr|jod|eur|gbp|\$|€|£)",
    re.IGNORECASE,
)
_MONEY_BEFORE_RE = re.compile(
    r"(?:sar|sr|aed|usd|egp|kwd|qar|bhd|omr|jod|eur|gbp|\$|€|£|ريال|ر\.س|سعر|بسعر|السعر|price)[\s\u00a0:]*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MaskResult:
    """A post with its PII masked, and how many of each kind were masked."""

    text: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PII_KINDS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str
    replacement: str | None = None  # what the span becomes, when not its kind's mask


def mask_pii(text: str, keep_handles: Iterable[str] = ()) -> MaskResult:
    """Replace phone numbers, e-mails, IBANs, national ids, payment cards and people's @handles in `text`
    with `[phone]`-style masks; a link to an X post loses its author's handle (`x.com/i/web/status/…`).

    `keep_handles` are the handles that are not a person (the configured brands' own accounts, with or
    without `@`, any case): they stay as written, in the text and in links.
    """
    if not isinstance(text, str):
        raise TypeError(f"mask_pii expects str text, got {type(text).__name__}")
    if not _MAYBE_PII_RE.search(text):
        return MaskResult(text)
    ascii_text = text.translate(_ASCII_DIGITS)
    kept = frozenset(handle.lstrip("@").casefold() for handle in keep_handles)
    spans = _find_pii_spans(ascii_text, kept)
    return _apply_masks(text, spans)


def _find_pii_spans(text: str, kept: frozenset[str]) -> list[_Span]:
    """Spans of PII in priority order: an e-mail hides the digits inside it, an IBAN its groups, a link
    to X the status id inside it, a card its groups (else a phone could take its first digits)."""
    finders = (
        _email_spans,
        lambda text: _x_link_spans(text, kept),
        _iban_spans,
        _card_spans,
        _phone_spans,
        _national_id_spans,
        lambda text: _handle_spans(text, kept),
    )
    covered = bytearray(len(text))
    spans: list[_Span] = []
    for finder in finders:
        for span in finder(text):
            if covered.find(1, span.start, span.end) >= 0:
                continue
            covered[span.start : span.end] = b"\x01" * (span.end - span.start)
            spans.append(span)
    return sorted(spans, key=lambda span: span.start)


def _apply_masks(text: str, spans: list[_Span]) -> MaskResult:
    counts = dict.fromkeys(PII_KINDS, 0)
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        if span.kind == _KEPT:
            pieces.append(text[span.start : span.end])
        else:
            pieces.append(MASKS[span.kind] if span.replacement is None else span.replacement)
            counts[span.kind] += 1
        position = span.end
    pieces.append(text[position:])
    return MaskResult("".join(pieces), counts)


def _x_link_spans(text: str, kept: frozenset[str]) -> Iterator[_Span]:
    """`x.com/<handle>/status/<id>` becomes `x.com/i/web/status/<id>` (the same post, no author);
    `x.com/<handle>` becomes `x.com/[handle]`. A brand's own links stay, protected from other finders."""
    for match in _X_LINK_RE.finditer(text):
        prefix, handle, status_id = match.groups()
        if handle.casefold() in _X_PATHS:
            continue
        if handle.casefold() in kept:
            yield _Span(match.start(), _link_end(text, match.end()), _KEPT)
        elif status_id:
            yield _Span(match.start(), match.end(), "handle", f"{prefix}i/web/status/{status_id}")
        else:
            yield _Span(match.start(), match.end(), "handle", f"{prefix}{MASKS['handle']}")


def _link_end(text: str, position: int) -> int:
    """The end of the link that runs on from `position` (to the next whitespace)."""
    return _REST_OF_LINK_RE.match(text, position).end()


def _handle_spans(text: str, kept: frozenset[str]) -> Iterator[_Span]:
    for match in _HANDLE_RE.finditer(text):
        if match.group(1).casefold() not in kept:
            yield _Span(match.start(), match.end(), "handle")


def _card_spans(text: str) -> Iterator[_Span]:
    for candidate in _CARD_CANDIDATE_RE.finditer(text):
        groups = [(match.start(), match.end()) for match in _DIGIT_GROUP_RE.finditer(text, *candidate.span())]
        first = 0
        while first < len(groups):
            last = _card_from(text, groups, first)
            if last is None:
                first += 1
                continue
            start, end = groups[first][0], groups[last][1]
            if not _is_reference_or_money(text, start, end):
                yield _Span(start, end, "card")
            first = last + 1


def _card_from(text: str, groups: list[tuple[int, int]], first: int) -> int | None:
    """The last group of the longest Luhn-valid card number made of groups `first..last`."""
    if text[groups[first][0]] not in "23456":
        return None
    digits, found = "", None
    for last in range(first, min(len(groups), first + _MAX_CARD_GROUPS)):
        digits += text[groups[last][0] : groups[last][1]]
        if len(digits) > _CARD_DIGITS[-1]:
            break
        if len(digits) in _CARD_DIGITS and _luhn_valid(digits) and not _is_egyptian_id_number(digits):
            found = last
    return found


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _is_egyptian_id_number(digits: str) -> bool:
    """A 14-digit number that reads as an Egyptian national id is left to that finder."""
    return len(digits) == 14 and digits[0] in "23" and _is_egyptian_id(digits)


def _email_spans(text: str) -> Iterator[_Span]:
    for match in _EMAIL_RE.finditer(text):
        yield _Span(match.start(), match.end(), "email")


def _iban_spans(text: str) -> Iterator[_Span]:
    for match in _IBAN_START_RE.finditer(text):
        length = IBAN_LENGTHS.get(match.group()[:2].upper())
        if length is None:
            continue
        end = _iban_end(text, match.start(), length)
        if end is not None and _is_plausible_iban(text[match.start() : end]):
            yield _Span(match.start(), end, "iban")


def _iban_end(text: str, start: int, length: int) -> int | None:
    """Where an IBAN of `length` characters starting at `start` ends; single separators may group it."""
    position, count = start, 0
    while count < length and position < len(text):
        char = text[position]
        if char.isascii() and char.isalnum():
            count += 1
            position += 1
        elif char in _SEPARATOR_CHARS and _is_ascii_alnum(text, position + 1):
            position += 1
        else:
            break
    if count != length or _is_ascii_alnum(text, position):
        return None
    return position


def _is_plausible_iban(written: str) -> bool:
    """A valid ISO 13616 checksum, or (a mistyped IBAN is still personal) a BBAN of digits and a short bank code."""
    iban = "".join(char for char in written if char.isalnum()).upper()
    rearranged = iban[4:] + iban[:4]
    if int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1:
        return True
    return sum(char.isalpha() for char in iban[4:]) <= _MAX_BANK_CODE_LETTERS


def _is_ascii_alnum(text: str, index: int) -> bool:
    return index < len(text) and text[index].isascii() and text[index].isalnum()


def _phone_spans(text: str) -> Iterator[_Span]:
    words = _PhoneWords(text)
    for candidate in _PHONE_CANDIDATE_RE.finditer(text):
        if _may_hold_phone(text, candidate, words):
            yield from _phones_in_candidate(text, candidate, words)


def _may_hold_phone(text: str, candidate: re.Match[str], words: _PhoneWords) -> bool:
    """A stretch of digit groups without `+`, without a group starting 0, 9 or 2 and without a phone word
    before or inside it holds no phone: skipped whole (a megabyte of `5 5 5 …` is one such stretch)."""
    start, end = candidate.span()
    return ("+" in candidate.group() or _PHONE_START_RE.search(text, start, end) is not None
            or words.any_before(end, start - _PHONE_CONTEXT_WINDOW))


class _PhoneWords:
    """Where the post's phone words (`جوالي`, `واتساب`, `call`) end, found in one pass."""

    def __init__(self, text: str) -> None:
        matches = list(_PHONE_CONTEXT_RE.finditer(text))
        self.starts = [match.start() for match in matches]
        self.ends = [match.end() for match in matches]

    def near(self, start: int) -> bool:
        """A phone word ends within the window of characters before `start`."""
        index = bisect_right(self.ends, start) - 1
        return index >= 0 and self.starts[index] >= start - _PHONE_CONTEXT_WINDOW

    def any_before(self, end: int, since: int) -> bool:
        """A phone word ends before `end` and starts at or after `since`."""
        index = bisect_right(self.ends, end) - 1
        return index >= 0 and self.starts[index] >= since


class _DigitGroup(NamedTuple):
    start: int
    end: int
    digits: str
    plus_before: bool
    lead_start: int  # where a leading `+` or `(` of this group starts


def _digit_groups(text: str, candidate: re.Match[str]) -> list[_DigitGroup]:
    groups = []
    previous_end = candidate.start()
    for match in _DIGIT_GROUP_RE.finditer(text, candidate.start(), candidate.end()):
        start = match.start()
        plus, paren = text.find("+", previous_end, start), text.find("(", previous_end, start)
        lead_start = min(plus if plus >= 0 else start, paren if paren >= 0 else start)
        groups.append(_DigitGroup(start, match.end(), match.group(), plus >= 0, lead_start))
        previous_end = match.end()
    return groups


def _phones_in_candidate(text: str, candidate: re.Match[str], words: _PhoneWords) -> Iterator[_Span]:
    """The longest runs of digit groups in a number-like stretch that form a phone number."""
    groups = _digit_groups(text, candidate)
    first = 0
    while first < len(groups):
        if not _may_start_phone(groups[first], words):
            first += 1
            continue
        found = _longest_phone_from(text, groups, first, words)
        if found is None:
            first += 1
            continue
        yield found[0]
        first = found[1] + 1


def _may_start_phone(group: _DigitGroup, words: _PhoneWords) -> bool:
    """Cheap test first: only `+`, a leading 0/9/2, or a phone word nearby can start a phone number
    (keeps a megabyte of digit groups fast)."""
    return group.plus_before or group.digits.startswith(_PHONE_WITHOUT_CONTEXT_STARTS) or words.near(group.lead_start)


def _longest_phone_from(text: str, groups: list[_DigitGroup], first: int, words: _PhoneWords) -> tuple[_Span, int] | None:
    """The longest phone number made of groups `first..last`, and that `last`."""
    numbers: list[str] = []
    digits = ""
    for last in range(first, min(len(groups), first + _MAX_GROUPS_PER_PHONE)):
        if last > first and groups[last].plus_before:
            break
        digits += groups[last].digits
        if len(digits) > _MAX_PHONE_DIGITS:
            break
        numbers.append(digits)
    start = groups[first].lead_start
    for offset in range(len(numbers) - 1, -1, -1):
        if len(numbers[offset]) < _MIN_PHONE_DIGITS:
            break
        shape = _phone_shape(numbers[offset], groups[first].plus_before)
        if shape is None:
            continue
        end = _phone_end(text, start, groups[first + offset].end)
        if _phone_fits_context(shape, text, start, end, words):
            return _Span(start, end, "phone"), first + offset
    return None


def _phone_end(text: str, start: int, digits_end: int) -> int:
    """Include a closing parenthesis when the span opened one."""
    span = text[start:digits_end]
    if span.count("(") > span.count(")") and digits_end < len(text) and text[digits_end] == ")":
        return digits_end + 1
    return digits_end


def _phone_shape(digits: str, international: bool) -> str | None:
    """`international`, `mobile` (a phone by its digits alone), `local` (needs a phone word nearby) or None."""
    if international:
        return "international" if _is_international_number(digits) else None
    if digits.startswith("00") and len(digits) > 2 and digits[2] != "0":
        return "international" if _is_international_number(digits[2:]) else None
    if _LOCAL_MOBILE_RE.fullmatch(digits) or _is_bare_country_number(digits):
        return "mobile"
    return "local" if _LOCAL_WITH_CONTEXT_RE.fullmatch(digits) else None


def _phone_fits_context(shape: str, text: str, start: int, end: int, words: _PhoneWords) -> bool:
    """International numbers always count; local ones unless labelled as a reference or an amount."""
    if shape == "international":
        return True
    if shape == "local" and not words.near(start):
        return False
    return not _is_reference_or_money(text, start, end)


def _is_international_number(digits: str) -> bool:
    """A number written after `+` or `00`: Gulf and Egyptian numbers by plan, others by E.164 length."""
    for country_code, national in _GULF_AND_EGYPT.items():
        if digits.startswith(country_code):
            return bool(national.fullmatch(digits[len(country_code) :]))
    return 8 <= len(digits) <= 15 and digits[0] != "0"


def _is_bare_country_number(digits: str) -> bool:
    """`966551234567`: a Gulf or Egyptian mobile written with its country code but no `+`."""
    if len(digits) < 11:
        return False
    for country_code, national in _GULF_AND_EGYPT.items():
        if digits.startswith(country_code):
            return bool(national.fullmatch(digits[len(country_code) :]))
    return False


def _is_reference_or_money(text: str, start: int, end: int) -> bool:
    """An order/tracking number by its label, or an amount by its currency or percent sign."""
    before = text[max(0, start - _LABEL_WINDOW) : start]
    after = text[end : end + 12]
    return bool(
        _REFERENCE_LABEL_RE.search(before)
        or _MONEY_BEFORE_RE.search(before)
        or _MONEY_OR_PERCENT_AFTER_RE.match(after)
    )


def _national_id_spans(text: str) -> Iterator[_Span]:
    for match in _SAUDI_ID_RE.finditer(text):
        if not _is_reference_or_money(text, match.start(), match.end()):
            yield _Span(match.start(), match.end(), "national_id")
    for match in _EGYPTIAN_ID_RE.finditer(text):
        if _is_egyptian_id(match.group()) and not _is_reference_or_money(text, match.start(), match.end()):
            yield _Span(match.start(), match.end(), "national_id")


def _is_egyptian_id(digits: str) -> bool:
    """Egypt's 14-digit id: century digit, a valid birth date, a governorate code."""
    month, day = int(digits[3:5]), int(digits[5:7])
    return 1 <= month <= 12 and 1 <= day <= 31 and digits[7:9] in _EGYPTIAN_GOVERNORATES
