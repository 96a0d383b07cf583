"""PII masking: phone numbers, e-mail addresses, IBANs, national ids, payment cards and people's handles
become readable masks."""

from __future__ import annotations

import functools
import logging
import re
from bisect import bisect_left, bisect_right
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
_OTHER_DIGITS_RE = re.compile("[٠-٩۰-۹]")

# What may sit between the digit groups of one phone number: spaces, dots, dashes, the Arabic comma,
# the invisible bidi marks that right-to-left editors insert around numbers and zero-width characters
# (which split a number without showing, to slip it past filters).
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad"
_SEPARATOR = rf"[ \t\u00a0.\-\u2010-\u2015\u060c{_INVISIBLE}]"
_SEPARATOR_CHARS = frozenset(" \t\u00a0.-\u2010\u2011\u2012\u2013\u2014\u2015\u060c\u200b\u200c\u200d\u200e\u200f\ufeff\u00ad") | (
    frozenset(chr(code) for code in [*range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A)])
)
# Every pattern that scans a whole post opens with a lookahead on the characters it can start with, before
# its lookbehinds: most positions of a long post are then given up at once.
_PHONE_CANDIDATE_RE = re.compile(
    rf"(?=[(+0-9])(?<![0-9A-Za-z])(?:\({_SEPARATOR}?)?(?:\+{_SEPARATOR}?)?(?:\({_SEPARATOR}?)?[0-9]+\)?"
    rf"(?:{_SEPARATOR}{{1,3}}\(?[0-9]+\)?)*"
)
_DIGIT_GROUP_RE = re.compile(r"[0-9]+")
_GROUP_START_RE = re.compile(r"(?<![0-9])[0-9]")
_ASCII_DIGITS_CHARS = frozenset("0123456789")
# What may stand between two digit groups of one such stretch (the gap of `_PHONE_CANDIDATE_RE`). No part of
# it can be a digit, so it never needs to give back what it took (possessive: no backtracking into it).
_GROUP_GAP = rf"(?:\)?+{_SEPARATOR}{{1,3}}+\(?+)?+"
_MAX_GROUPS_PER_PHONE = 10
_MAX_PHONE_DIGITS = 17  # "00" + the 15 digits of the longest E.164 number
_MIN_PHONE_DIGITS = 8  # the shortest shape below: an eight-digit local number
# The first digits of a number that is a phone without a phone word nearby: `+` or `00` (international),
# a local mobile (05…, 01…), or a Gulf or Egyptian country code written without `+`.
_PHONE_WITHOUT_CONTEXT_STARTS = ("0", "9", "2")
# The longest distance from a digit group back to its leading `(` or `+`: `( + ( 5` opening a stretch.
_MAX_LEAD_CHARS = 6

# Payment cards (ISO/IEC 7812): 13 to 19 digits, Luhn-checked, the first digit 2-6 (Mastercard's 2-series,
# Amex and Diners 3, Visa 4, Mastercard and mada 5, Discover 6), written whole or in groups of three or more
# digits separated like a phone's groups (a space, a dash, an invisible character).
# No lookahead after the run: a failing one would make every later group start rescan the run (quadratic).
_CARD_CANDIDATE_RE = re.compile(rf"(?=[2-6])(?<![0-9A-Za-z+])[2-6][0-9]{{2,}}(?:{_SEPARATOR}{{1,3}}[0-9]{{3,}})*")
_CARD_DIGITS = range(13, 20)
_MAX_CARD_GROUPS = 6
_MANY_CARD_CHARS = 128  # a longer stretch of digit groups is searched for cards with numpy
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")  # a digit doubled, less 9 above 9

# An @handle in the text (not the `@` of an e-mail address, which is masked first), and a link to an X
# (Twitter) post or profile, whose path names its author. Paths of X that are not accounts stay.
_HANDLE_RE = re.compile(r"(?=@)(?<![\w@.])@(\w+)(?!@)")  # `@a@b` is no handle (and masking stays idempotent)
_X_LINK_RE = re.compile(
    r"(?<![\w.])(?=[hwmxt])((?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/)(\w{1,50})(?!\w)(?:/status(?:es)?/([0-9]+))?",
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

_SAUDI_ID_RE = re.compile(r"(?=[12])(?<![0-9])(?<![0-9][.,])[12][0-9]{9}(?![0-9])(?![.,][0-9])")
_EGYPTIAN_ID_RE = re.compile(r"(?=[23])(?<![0-9])(?<![0-9][.,])[23][0-9]{13}(?![0-9])(?![.,][0-9])")
_EGYPTIAN_GOVERNORATES = frozenset(
    ["01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19"]
    + ["21", "22", "23", "24", "25", "26", "27", "28", "29", "31", "32", "33", "34", "35", "88"]
)

_MAX_BANK_CODE_LETTERS = 4
_IBAN_START_RE = re.compile(r"(?=[A-Za-z])(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}")
_IBAN_LETTER_NUMBERS = {ord(letter): str(number) for number, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10)}
_DROP_SEPARATORS = dict.fromkeys(map(ord, _SEPARATOR_CHARS))
_DROP_DIGITS = dict.fromkeys(map(ord, "0123456789"))
# Country code -> IBAN length (SWIFT IBAN registry), the Arab world first.
IBAN_LENGTHS = {
    "SA": 24, "AE": 23, "KW": 30, "BH": 22, "QA": 29, "OM": 23, "EG": 29, "JO": 30, "LB": 28,
    "PS": 29, "IQ": 23, "TN": 24, "LY": 25, "SD": 18, "MR": 27, "TR": 26, "PK": 24, "GB": 22,
    "DE": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16, "CH": 21, "AT": 20, "IE": 22,
    "SE": 24, "NO": 15, "DK": 18, "FI": 18, "PL": 28, "PT": 25, "GR": 27, "CY": 28, "MT": 31,
    "LU": 20,
}  # fmt: skip
# An IBAN as written from its start: exactly its country's number of letters and digits, single separators
# between them allowed (`SA03 8000 0000 …`), and no letter or digit right after it.
_IBAN_BODY_RES = {
    country: re.compile(rf"[A-Za-z0-9](?:{_SEPARATOR}?[A-Za-z0-9]){{{length - 1}}}(?![A-Za-z0-9])")
    for country, length in IBAN_LENGTHS.items()
}

# Country calling code -> the national numbers we accept after it.
_GULF_AND_EGYPT_NUMBERS = {
    "966": r"0?5[0-9]{8}|0?1[1-7][0-9]{7}",
    "971": r"0?5[0-9]{8}|0?[234679][0-9]{7}",
    "965": r"[124569][0-9]{7}",
    "973": r"[136789][0-9]{7}",
    "974": r"[34567][0-9]{7}",
    "968": r"[279][0-9]{7}",
    "20": r"0?1[0125][0-9]{8}|0?[2-9][0-9]{7,8}",
}
# No country code begins another, so a number matches at most one code's branch.
_WITH_COUNTRY_CODE_RE = re.compile("|".join(f"{code}(?:{national})" for code, national in _GULF_AND_EGYPT_NUMBERS.items()))
# After `+` or `00`: a Gulf or Egyptian number by its plan, any other by the length of E.164 numbers.
_INTERNATIONAL_RE = re.compile(rf"{_WITH_COUNTRY_CODE_RE.pattern}|(?!{'|'.join(_GULF_AND_EGYPT_NUMBERS)})[1-9][0-9]{{7,14}}")
# Written with the country code but without `+` or `00`, a number has 11 digits or more: Egypt's shortest
# national numbers are left out (every other country's are long enough already).
_MIN_BARE_COUNTRY_DIGITS = 11
_LOCAL_MOBILE = r"05[0-9]{8}|01[0125][0-9]{8}|01[1-7][0-9]{7}"
_LOCAL_WITH_CONTEXT = r"0[1-9][0-9]{7,9}|5[0-9]{8}|[2-9][0-9]{7}"
_LOCAL_MOBILE_RE = re.compile(_LOCAL_MOBILE)
_LOCAL_WITH_CONTEXT_RE = re.compile(_LOCAL_WITH_CONTEXT)

_PHONE_WORDS = (
    r"جوال|جوالي|الجوال|رقمي|رقم\s*الجوال|رقم\s*التواصل|واتس|واتساب|الواتس|الواتساب|وتساب|اتصل|اتصلوا|اتصال"
    r"|كلمني|كلموني|كلمه|كلمها|تواصل|تواصلوا|هاتف|الهاتف|هاتفي|موبايل|الموبايل|موبايلي|تلفون|تلفوني|تليفون"
    r"|تليفوني|نمرة|نمرتي|النمرة|call|phone|whatsapp|whats|tel|mobile|cell|contact"
)
# Found once per post (a digit may follow the word directly: `واتس99887766`).
_PHONE_WORD_FIRST_LETTERS = "".join(sorted({word[0] for word in _PHONE_WORDS.split("|")}))
_PHONE_CONTEXT_RE = re.compile(
    rf"(?=[{_PHONE_WORD_FIRST_LETTERS}])(?<!\w)(?:{_PHONE_WORDS})(?![^\W\d])", re.IGNORECASE
)
_PHONE_CONTEXT_WINDOW = 40

# A label right before a number that makes it an order, tracking or reference number: an Arabic word (a
# conjunction, preposition or article may be glued to it), an English word or `#`, then only fillers.
_REFERENCE_WORDS_AR = (
    "طلب طلبي طلبية طلبيتي اوردر أوردر شحنة شحنتي الشحنه شحنه تتبع تتبّع فاتورة فاتورتي فاتوره بوليصة "
    "بوليصه حجز حجزي مرجع مرجعي المرجعي بلاغ بلاغي تذكرة تذكرتي تذكره عملية العمليه معاملة معاملتي "
    "شكوى شكوتي حوالة حواله سند إيصال ايصال كوبون كود موديل سيريال الصنف منتج المنتج"
).split()
_REFERENCE_WORDS_EN = (
    "order orders tracking track invoice inv ref reference booking ticket case shipment awb transaction txn "
    "receipt coupon code model serial sku item parcel package confirmation po"
).split()
_LABEL_FILLER_WORDS = "رقم رقمه رقمها هو هي no nr num number id is".split()
_LABEL_WINDOW = 40


def _backwards(words: list[str]) -> str:
    """An alternation of `words` written backwards, for patterns matched on a reversed window; a lookahead on
    the letters they can start with first, so that a window that starts with no such letter is given up at once."""
    first_letters = re.escape("".join(sorted({word[-1] for word in words})))
    return f"(?=[{first_letters}])(?:" + "|".join(re.escape(word[::-1]) for word in words) + ")"


# Both "before" patterns read the window before a number backwards, from the number: one anchored match
# instead of a search that tries the word lists at every position of the window.
_REFERENCE_LABEL_BEFORE_RE = re.compile(
    rf"(?:[\s:#\-–.،,]|{_backwards(_LABEL_FILLER_WORDS)})*"
    rf"(?:(?<!\w){_backwards(_REFERENCE_WORDS_AR)}(?:لا)?[وفبل]?(?!\w)"
    rf"|(?<![A-Za-z]){_backwards(_REFERENCE_WORDS_EN)}(?![A-Za-z])"
    r"|#)",
    re.IGNORECASE,
)

_MONEY_OR_PERCENT_AFTER_RE = re.compile(
    r"^[\s\u00a0]*(?=[%٪رجديلاأمsaueqbkojg$€£])"  # the letters the amounts below start with, tried first
    r"(?:%|٪|ريال|ر\.?\s?س|ر\.?\s?ق|جنيه|ج\.?\s?م|درهم|دينار|دولار|يورو|ليرة|الف|ألف|مليون|مليار"
    r"|sar|sr|aed|usd|egp|kwd|qar|bhd|omr|jod|eur|gbp|\$|€|£)",
    re.IGNORECASE,
)
_CURRENCY_WORDS_BEFORE = "sar sr aed usd egp kwd qar bhd omr jod eur gbp $ € £ ريال ر.س سعر بسعر السعر price".split()
_MONEY_BEFORE_RE = re.compile(rf"[\s\u00a0:]*(?:{_backwards(_CURRENCY_WORDS_BEFORE)})", re.IGNORECASE)  # backwards


@dataclass(frozen=True)
class MaskResult:
    """A post with its PII masked, and how many of each kind were masked."""

    text: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PII_KINDS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class _Span(NamedTuple):
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
    ascii_text = text.translate(_ASCII_DIGITS) if _OTHER_DIGITS_RE.search(text) else text
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
    spans.sort()  # by start: spans never overlap
    return spans


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
    long_enough = [candidate.span() for candidate in _CARD_CANDIDATE_RE.finditer(text)
                   if candidate.end() - candidate.start() >= _CARD_DIGITS[0]]  # the others hold too few digits
    for start, end in long_enough:
        find = _longest_cards if end - start <= _MANY_CARD_CHARS else _longest_cards_vectorized
        taken_until = start
        for card_start, card_end in find(text, start, end):
            if card_start < taken_until:
                continue
            if not _is_reference_or_money(text, card_start, card_end):
                yield _Span(card_start, card_end, "card")
            taken_until = card_end


def _longest_cards(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """For each digit group of the stretch `start..end` that begins one, the longest card number (Luhn-valid,
    13-19 digits, first digit 2-6, not an Egyptian national id) of at most six groups from it: (start, end)."""
    groups = [(match.start(), match.end()) for match in _DIGIT_GROUP_RE.finditer(text, start, end)]
    cards = []
    for first, (first_start, _) in enumerate(groups):
        if text[first_start] not in "23456":
            continue
        digits, found = "", None
        for last in range(first, min(len(groups), first + _MAX_CARD_GROUPS)):
            digits += text[groups[last][0] : groups[last][1]]
            if len(digits) > _CARD_DIGITS[-1]:
                break
            if len(digits) in _CARD_DIGITS and _luhn_valid(digits) and not _is_egyptian_id_number(digits):
                found = last
        if found is not None:
            cards.append((first_start, groups[found][1]))
    return cards


def _longest_cards_vectorized(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """`_longest_cards` with numpy, for a long stretch: the Luhn sum of any run of digits is the difference of
    two prefix sums (digits doubled at even, or at odd, positions, as the run's end decides)."""
    import numpy as np

    codes = np.frombuffer(text[start:end].encode("utf-32-le"), dtype=np.uint32)
    is_digit = (codes >= ord("0")) & (codes <= ord("9"))
    edges = np.diff(is_digit.astype(np.int8), prepend=0, append=0)
    group_starts, group_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    values = codes[is_digit].astype(np.int64) - ord("0")
    offsets = np.concatenate(([0], np.cumsum(group_ends - group_starts)))  # where each group's digits begin
    doubled = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)[values]
    even = np.arange(len(values)) % 2 == 0
    doubled_at_even = np.concatenate(([0], np.cumsum(np.where(even, doubled, values))))
    doubled_at_odd = np.concatenate(([0], np.cumsum(np.where(even, values, doubled))))
    first_digit = values[offsets[:-1]]
    may_start = (first_digit >= 2) & (first_digit <= 6)
    lasts = np.full(len(group_starts), -1, dtype=np.int64)
    for extra in range(_MAX_CARD_GROUPS):  # the number of groups after the first: longer cards overwrite
        first = np.arange(len(group_starts) - extra)
        begin, stop = offsets[first], offsets[first + extra + 1]
        luhn = np.where(stop % 2 == 0, doubled_at_even[stop] - doubled_at_even[begin],
                        doubled_at_odd[stop] - doubled_at_odd[begin])
        length = stop - begin
        valid = may_start[first] & (length >= _CARD_DIGITS[0]) & (length <= _CARD_DIGITS[-1]) & (luhn % 10 == 0)
        for index in np.flatnonzero(valid & (length == 14) & (first_digit[first] <= 3)):
            digits = "".join(map(str, values[begin[index] : stop[index]].tolist()))
            valid[index] = not _is_egyptian_id_number(digits)
        lasts[first[valid]] = first[valid] + extra
    firsts = np.flatnonzero(lasts >= 0)
    return list(zip((group_starts[firsts] + start).tolist(), (group_ends[lasts[firsts]] + start).tolist()))


def _luhn_valid(digits: str) -> bool:
    """The Luhn check: every second digit from the right doubled (less 9 above 9), the sum a multiple of 10."""
    undoubled, doubled = digits[-1::-2], digits[-2::-2].translate(_LUHN_DOUBLED)
    return (sum(map(int, undoubled)) + sum(map(int, doubled))) % 10 == 0


def _is_egyptian_id_number(digits: str) -> bool:
    """A 14-digit number that reads as an Egyptian national id is left to that finder."""
    return len(digits) == 14 and digits[0] in "23" and _is_egyptian_id(digits)


def _email_spans(text: str) -> Iterator[_Span]:
    for match in _EMAIL_RE.finditer(text):
        yield _Span(match.start(), match.end(), "email")


def _iban_spans(text: str) -> Iterator[_Span]:
    for match in _IBAN_START_RE.finditer(text):
        written = _IBAN_BODY_RES.get(match.group()[:2].upper())
        written = written.match(text, match.start()) if written else None
        if written and _is_plausible_iban(written.group()):
            yield _Span(match.start(), written.end(), "iban")


@functools.lru_cache(maxsize=4096)
def _is_plausible_iban(written: str) -> bool:
    """A valid ISO 13616 checksum, or (a mistyped IBAN is still personal) a BBAN of digits and a short bank code."""
    iban = written.translate(_DROP_SEPARATORS).upper()
    if int((iban[4:] + iban[:4]).translate(_IBAN_LETTER_NUMBERS)) % 97 == 1:
        return True
    return len(iban[4:].translate(_DROP_DIGITS)) <= _MAX_BANK_CODE_LETTERS


_DIGIT_ATOM_RE = re.compile(r"(\[[0-9\-]+\]|[0-9])(\?|\{[0-9]+(?:,[0-9]+)?\})?")


def _across_groups(digits_pattern: str, *, first: bool) -> str:
    """A pattern of digits only (digits, digit classes, `?`, `{m}`, `{m,n}`, `|`: those of this module) as it
    may be written across the digit groups of one stretch: a group gap before each digit (not the first one
    of each alternative, when `first`)."""
    alternatives = []
    for alternative in digits_pattern.split("|"):
        pieces, position = [], 0
        while position < len(alternative):
            atom = _DIGIT_ATOM_RE.match(alternative, position)
            if atom is None:
                raise ValueError(f"unsupported digits pattern {digits_pattern!r} at {position}")
            digit, repeat = atom.groups()
            gap = "" if first and not pieces else _GROUP_GAP
            if repeat and not gap:
                raise ValueError(f"the first digit of {digits_pattern!r} may not be repeated")
            pieces.append(f"(?:{gap}{digit}){repeat}" if repeat else f"{gap}{digit}")
            position = atom.end()
        alternatives.append("".join(pieces))
    return "(?:" + "|".join(alternatives) + ")"


def _numbers(digits_pattern: str, prefix: str = "") -> list[tuple[str, str]]:
    """Each alternative of `prefix` + `digits_pattern` as its leading plain digits and the rest across groups."""
    numbers = []
    for alternative in digits_pattern.split("|"):
        alternative = prefix + alternative
        head = re.match(r"[0-9]*", alternative).group()
        if alternative[len(head) : len(head) + 1] in ("?", "{"):
            head = head[:-1]  # the quantifier repeats the last digit
        rest = alternative[len(head) :]
        numbers.append((head, _across_groups(rest, first=not head) if rest else ""))
    return numbers


def _number_trie(numbers: list[tuple[str, str]], first: bool = True) -> str:
    """An alternation of numbers (leading digits, rest across groups) across digit groups, factored by their
    leading digits so that a start is given up at its first digit that fits none."""
    rests = [rest for head, rest in numbers if not head]
    by_digit: dict[str, list[tuple[str, str]]] = {}
    for head, rest in numbers:
        if head:
            by_digit.setdefault(head[0], []).append((head[1:], rest))
    branches = rests + [("" if first else _GROUP_GAP) + digit + _number_trie(following, first=False)
                        for digit, following in by_digit.items()]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


# Where a local number (a phone only near a phone word) may start.
_PHONE_WITH_CONTEXT_START_RE = re.compile(rf"(?={_number_trie(_numbers(_LOCAL_WITH_CONTEXT))}(?![0-9]))")


def _fixed_lengths(digits_pattern: str, prefix: str = "") -> dict[int, list[str]]:
    """Each alternative of `prefix` + `digits_pattern` (a pattern of digits only, as `_across_groups` reads them)
    as patterns of one length each, `?` and `{m,n}` spelled out: {number of digits: patterns}."""
    by_length: dict[int, list[str]] = {}
    for alternative in digits_pattern.split("|"):
        spelled = [("", 0)]
        for atom in _DIGIT_ATOM_RE.finditer(prefix + alternative):
            digit, repeat = atom.groups()
            if repeat == "?":
                counts = [0, 1]
            elif repeat:
                low, _, high = repeat[1:-1].partition(",")
                counts = list(range(int(low), int(high or low) + 1))
            else:
                counts = [1]
            spelled = [(pattern + (f"{digit}{{{count}}}" if count > 1 else digit * count), length + count)
                       for pattern, length in spelled for count in counts]
        for pattern, length in spelled:
            by_length.setdefault(length, []).append(pattern)
    return by_length


_NumbersByLength = dict[int, list[tuple[str, str]]]  # digits -> numbers as `_numbers` gives them


def _by_length(*patterns: tuple[str, str], at_least: int = 0) -> _NumbersByLength:
    """(prefix, digits pattern) pairs as numbers across groups by their number of digits (`at_least` or more)."""
    by_length: _NumbersByLength = {}
    for prefix, digits_pattern in patterns:
        for length, spelled in _fixed_lengths(digits_pattern, prefix).items():
            if length >= at_least:
                by_length.setdefault(length, []).extend(number for one in spelled for number in _numbers(one))
    return by_length


def _merged(*many: _NumbersByLength) -> _NumbersByLength:
    merged: _NumbersByLength = {}
    for by_length in many:
        for length, numbers in by_length.items():
            merged.setdefault(length, []).extend(numbers)
    return merged


def _international_by_length() -> _NumbersByLength:
    """`00` and a Gulf or Egyptian number by its plan, or another country's by the length of E.164 numbers
    (`_INTERNATIONAL_RE` after `00`)."""
    codes = "|".join(_across_groups(code, first=False) for code in _GULF_AND_EGYPT_NUMBERS)
    others = {3 + rest: [("00", f"(?={_GROUP_GAP}[1-9])(?!{codes})"
                                + _across_groups(f"[1-9][0-9]{{{rest}}}", first=False))]
              for rest in range(7, 15)}
    return _merged(_by_length(*(("00" + code, national) for code, national in _GULF_AND_EGYPT_NUMBERS.items())), others)


def _longest_phone_groups(international: _NumbersByLength, national: _NumbersByLength) -> list[tuple[int, bool, list]]:
    """(digits, international, numbers) for each number of digits and kind, longest first."""
    lengths = sorted({*international, *national}, reverse=True)
    return [(length, is_international, numbers) for length in lengths
            for is_international, numbers in ((True, international.get(length)), (False, national.get(length)))
            if numbers]


def _longest_phone_pattern(national: _NumbersByLength) -> tuple[re.Pattern[str], dict[int, tuple[int, bool]]]:
    """One pattern that matches, from a digit group, the phone number of the most digits (international, or of
    the `national` shapes) that runs to the end of a group: a capturing group per number of digits and kind,
    longest first; and {group index: (digits, international)}."""
    groups = _longest_phone_groups(_INTERNATIONAL_BY_LENGTH, national)
    pattern = re.compile("|".join(f"({_number_trie(numbers)})(?![0-9])" for _, _, numbers in groups))
    return pattern, {index: (length, is_international) for index, (length, is_international, _) in enumerate(groups, 1)}


# `_phone_shape` as patterns across a stretch's digit groups, for a run with no leading `+` or `(`: after `00`
# an international number; a local mobile or a Gulf or Egyptian number with its country code (11 digits or
# more); near a phone word, a local number too. The longest number in one match; its group says its length.
_INTERNATIONAL_BY_LENGTH = _international_by_length()
_MOBILE_BY_LENGTH = _merged(_by_length(("", _LOCAL_MOBILE)),
                            _by_length(*_GULF_AND_EGYPT_NUMBERS.items(), at_least=_MIN_BARE_COUNTRY_DIGITS))
_LONGEST_PHONE = _longest_phone_pattern(_MOBILE_BY_LENGTH)
_LONGEST_PHONE_NEAR_WORD = _longest_phone_pattern(_merged(_MOBILE_BY_LENGTH, _by_length(("", _LOCAL_WITH_CONTEXT))))
# Where a phone number that needs no phone word nearby may start (a digit group from which one runs to the end
# of a group), searched for in one pass over each long stretch, so that a stretch of digit groups costs work
# only where a phone may begin: first a lookahead with one trie of every such number written compactly (most
# positions are given up at their first digit that fits none), then the match that says the longest.
_OTHER_COUNTRY = (f"(?={_GROUP_GAP}[1-9])(?!{'|'.join(_across_groups(code, first=False) for code in _GULF_AND_EGYPT_NUMBERS)})"
                  + _across_groups("[1-9][0-9]{7,14}", first=False))
_PHONE_WITHOUT_WORD_RE = re.compile(
    r"(?<![0-9])(?="
    + _number_trie([
        *_numbers(_LOCAL_MOBILE),
        *(number for code, national in _GULF_AND_EGYPT_NUMBERS.items() for number in _numbers(national, code)),
        *(number for code, national in _GULF_AND_EGYPT_NUMBERS.items() for number in _numbers(national, "00" + code)),
        ("00", _OTHER_COUNTRY),
    ])
    + rf"(?![0-9]))(?:{_LONGEST_PHONE[0].pattern})"
)
_UNDECIDED = object()  # the one-pattern reading of a run cannot decide: read it shape by shape


def _phone_spans(text: str) -> Iterator[_Span]:
    words = _PhoneWords(text)
    long_enough = [candidate for candidate in _PHONE_CANDIDATE_RE.finditer(text)
                   if candidate.end() - candidate.start() >= _MIN_PHONE_DIGITS]  # the others hold too few digits
    for candidate in long_enough:
        yield from _phones_in_candidate(text, candidate, words)


def _phones_in_candidate(text: str, candidate: re.Match[str], words: _PhoneWords) -> Iterator[_Span]:
    """The longest runs of digit groups in a number-like stretch that form a phone number, left to right,
    tried only from the groups that may start one: after a `+`, where a local number begins near a phone
    word, and where a number that needs no phone word begins (searched for as the stretch is read: one
    stretch may hold a million digits)."""
    start, end = candidate.span()
    others = sorted(_phone_starts_after_plus_or_word(text, candidate, words))
    without_word = _PHONE_WITHOUT_WORD_RE.search(text, start, end)  # never past the stretch's end
    taken_until, other = start, 0
    while other < len(others):
        while other < len(others) and others[other] < taken_until:
            other += 1
        if without_word is not None and without_word.start() < taken_until:
            without_word = _PHONE_WITHOUT_WORD_RE.search(text, taken_until, end)
        if other == len(others):
            break
        first_start = min(others[other], without_word.start() if without_word else end)
        taken_until = first_start + 1
        found = _phone_from(text, candidate, first_start, words, without_word)
        if found is not None:
            yield found
            taken_until = found.end
    if without_word is not None and without_word.start() < taken_until:
        without_word = _PHONE_WITHOUT_WORD_RE.search(text, taken_until, end)
    yield from _phones_without_word(text, candidate, without_word, words)


def _phones_without_word(text: str, candidate: re.Match[str], match: re.Match[str] | None,
                         words: _PhoneWords) -> Iterator[_Span]:
    """The rest of `_phones_in_candidate` once only numbers that need no phone word may start, from `match` on."""
    end = candidate.end()
    if not any(words.before_stretch(candidate.start(), end, _PHONE_CONTEXT_WINDOW + _MAX_LEAD_CHARS)):
        words = None  # no phone word is near any group of the stretch
    while match is not None:
        found = _phone_from(text, candidate, match.start(), words, match)
        if found is None:
            match = _PHONE_WITHOUT_WORD_RE.search(text, match.start() + 1, end)
        else:
            yield found
            match = _PHONE_WITHOUT_WORD_RE.search(text, found.end, end)


def _phone_from(text: str, candidate: re.Match[str], first_start: int, words: _PhoneWords | None,
                without_word: re.Match[str] | None) -> _Span | None:
    """The longest phone number from the group at `first_start`: read from `without_word` (a match of
    `_PHONE_WITHOUT_WORD_RE`) where it starts there, the group has no leading `+` or `(` and no phone word is
    near, else shape by shape (`words` None: no phone word is near the stretch)."""
    run = _group_run(text, candidate, first_start)
    if without_word is not None and without_word.start() == first_start and run.lead_start == first_start:
        found = _plain_phone_from(text, run, without_word, _LONGEST_PHONE[1], words)
        if found is not _UNDECIDED:
            return found
    words = words or _NO_PHONE_WORDS
    return _longest_phone_from(text, run, words) if _may_start_phone(run, words, text) else None


def _phone_starts_after_plus_or_word(text: str, candidate: re.Match[str], words: _PhoneWords) -> set[int]:
    start, end = candidate.span()
    found = set()
    first_digit = _GROUP_START_RE.search(text, start, end).start()
    if text.find("+", start, first_digit) >= 0:
        found.add(first_digit)
    for word_start, word_end in words.before_stretch(start, end, _PHONE_CONTEXT_WINDOW + _MAX_LEAD_CHARS):
        near_end = min(end, word_start + _PHONE_CONTEXT_WINDOW + _MAX_LEAD_CHARS + 1)
        for group in _GROUP_START_RE.finditer(text, max(start, word_end), near_end):
            if _PHONE_WITH_CONTEXT_START_RE.match(text, group.start()):
                found.add(group.start())
    return found


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

    def before_stretch(self, start: int, end: int, reach: int) -> Iterator[tuple[int, int]]:
        """(start, end) of the phone words that end before `end` and start at most `reach` characters before
        `start` or later: those that may be near a digit group of the stretch `start..end`."""
        index = bisect_left(self.starts, start - reach)
        while index < len(self.starts) and self.ends[index] < end:
            yield self.starts[index], self.ends[index]
            index += 1


_NO_PHONE_WORDS = _PhoneWords("")


class _GroupRun(NamedTuple):
    """The digit groups of a stretch from one group on, read only as far as needed: the phone numbers they may
    form are the digits of that group, of it and the next, and so on, while they are at most ten groups and 17
    digits."""

    lead_start: int  # where the first group's leading `+` or `(` starts (else the group's own start)
    plus_before: bool  # only a stretch's first group can have one (`_PHONE_CANDIDATE_RE`)
    start: int  # where the first group's digits start
    stretch_end: int


def _group_run(text: str, candidate: re.Match[str], first_start: int) -> _GroupRun:
    previous_end = first_start  # the end of the group before, else the stretch's start
    while previous_end > candidate.start() and text[previous_end - 1] not in _ASCII_DIGITS_CHARS:
        previous_end -= 1
    gap = text[previous_end:first_start]
    if "(" not in gap and "+" not in gap:
        return _GroupRun(first_start, False, first_start, candidate.end())
    plus, paren = text.find("+", previous_end, first_start), text.find("(", previous_end, first_start)
    lead_start = min(plus if plus >= 0 else first_start, paren if paren >= 0 else first_start)
    return _GroupRun(lead_start, plus >= 0, first_start, candidate.end())


def _run_numbers(text: str, run: _GroupRun) -> tuple[list[str], list[int]]:
    """The digits of the run's first group, of it and the next, and so on (ten groups, 17 digits at most), with
    where each ends."""
    numbers: list[str] = []
    ends: list[int] = []
    digits = ""
    for group in _DIGIT_GROUP_RE.finditer(text, run.start, run.stretch_end):
        digits += group.group()
        if len(digits) > _MAX_PHONE_DIGITS or len(numbers) == _MAX_GROUPS_PER_PHONE:
            break
        numbers.append(digits)
        ends.append(group.end())
    return numbers, ends


def _may_start_phone(run: _GroupRun, words: _PhoneWords, text: str) -> bool:
    """Cheap test first: only `+`, a leading 0/9/2, or a phone word nearby can start a phone number."""
    return run.plus_before or text[run.start] in _PHONE_WITHOUT_CONTEXT_STARTS or words.near(run.lead_start)


def _longest_phone_from(text: str, run: _GroupRun, words: _PhoneWords) -> _Span | None:
    """The longest phone number the run's groups form: read by one pattern where the run has no leading `+` or
    `(`, else (and where that pattern cannot decide) shape by shape, longest first."""
    if run.lead_start == run.start:
        found = _longest_plain_phone_from(text, run, words)
        if found is not _UNDECIDED:
            return found
    numbers, ends = _run_numbers(text, run)
    for last in range(len(numbers) - 1, -1, -1):
        if len(numbers[last]) < _MIN_PHONE_DIGITS:
            break
        shape = _phone_shape(numbers[last], run.plus_before)
        if shape is None:
            continue
        end = _phone_end(text, run.lead_start, ends[last])
        if _phone_fits_context(shape, text, run.lead_start, end, words):
            return _Span(run.lead_start, end, "phone")
    return None


def _longest_plain_phone_from(text: str, run: _GroupRun, words: _PhoneWords) -> _Span | None | object:
    """`_longest_phone_from` for a run with no leading `+` or `(`, in one match of a pattern that tries every
    shape of every length, longest first; `_UNDECIDED` where it cannot decide."""
    pattern, kinds = _LONGEST_PHONE_NEAR_WORD if words.near(run.start) else _LONGEST_PHONE
    match = pattern.match(text, run.start, run.stretch_end)
    return None if match is None else _plain_phone_from(text, run, match, kinds, words=None)


def _plain_phone_from(text: str, run: _GroupRun, match: re.Match[str], kinds: dict[int, tuple[int, bool]],
                      words: _PhoneWords | None) -> _Span | None | object:
    """The phone number that `match` (of a `_longest_phone_pattern`, from the run's first group, which has no
    leading `+` or `(`) says is the longest, if its context fits. `_UNDECIDED` where a phone word is near (unless
    `words` is None: none is, or the match knew of them), where a shorter number may still be the answer (an
    amount after the longest) or where the longest may run over more than ten groups."""
    digits, international = kinds[match.lastindex]
    start = run.start
    if match.end() - start - digits >= _MAX_GROUPS_PER_PHONE or (words is not None and words.near(start)):
        return _UNDECIDED  # ten characters between groups or more: maybe more than ten groups
    end = match.end()
    if text.find("(", start, end) >= 0:
        end = _phone_end(text, start, end)
    if international:
        return _Span(start, end, "phone")
    if not _after_a_digit_group(text, start) and _is_labelled_or_priced_before(text, start):
        return None  # so is every shorter number from the same start
    if not _before_a_digit_group(text, end) and _is_money_after(text, end):
        return _UNDECIDED
    return _Span(start, end, "phone")


def _after_a_digit_group(text: str, start: int) -> bool:
    """A digit and one separator right before `start`: no label, currency or amount can be read there."""
    return start >= 2 and text[start - 1] in _SEPARATOR_CHARS and text[start - 2] in _ASCII_DIGITS_CHARS


def _before_a_digit_group(text: str, end: int) -> bool:
    """One separator and a digit right after `end`: no currency or percent sign can follow there."""
    return end + 1 < len(text) and text[end] in _SEPARATOR_CHARS and text[end + 1] in _ASCII_DIGITS_CHARS


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
    return _INTERNATIONAL_RE.fullmatch(digits) is not None


def _is_bare_country_number(digits: str) -> bool:
    """`966551234567`: a Gulf or Egyptian mobile written with its country code but no `+`."""
    return len(digits) >= _MIN_BARE_COUNTRY_DIGITS and _WITH_COUNTRY_CODE_RE.fullmatch(digits) is not None


def _is_reference_or_money(text: str, start: int, end: int) -> bool:
    """An order/tracking number by its label, or an amount by its currency or percent sign."""
    return _is_labelled_or_priced_before(text, start) or _is_money_after(text, end)


def _is_labelled_or_priced_before(text: str, start: int) -> bool:
    """A reference label (`طلب رقم`, `order #`) or a currency (`SAR`, `بسعر`) right before `start`."""
    backwards = text[max(0, start - _LABEL_WINDOW) : start][::-1]
    return bool(_REFERENCE_LABEL_BEFORE_RE.match(backwards) or _MONEY_BEFORE_RE.match(backwards))


def _is_money_after(text: str, end: int) -> bool:
    """A currency or a percent sign right after `end`."""
    return bool(_MONEY_OR_PERCENT_AFTER_RE.match(text[end : end + 12]))


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
