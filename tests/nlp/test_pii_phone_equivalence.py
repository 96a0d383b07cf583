"""The phone finder read in one pattern per number masks exactly what the finder before it did (issue 21): the
old finder is kept below as it was (commit f50d0b2), and both read the same random and adversarial posts."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from typing import NamedTuple

import pytest

from nlp import pii
from nlp.pii import mask_pii

# ---- the phone finder of commit f50d0b2, as it was (its helpers that did not change are read from nlp.pii) ----
_BARE_COUNTRY_NUMBERS = {**pii._GULF_AND_EGYPT_NUMBERS, "20": r"0?1[0125][0-9]{8}|0?[2-9][0-9]{8}|0[2-9][0-9]{7}"}
_OTHER_COUNTRY = (f"(?={pii._GROUP_GAP}[1-9])(?!{'|'.join(pii._across_groups(code, first=False) for code in pii._GULF_AND_EGYPT_NUMBERS)})"
                  + pii._across_groups("[1-9][0-9]{7,14}", first=False))
_PHONE_WITHOUT_CONTEXT_START_RE = re.compile(
    r"(?<![0-9])(?="
    + pii._number_trie([
        *pii._numbers(pii._LOCAL_MOBILE),
        *(number for code, national in _BARE_COUNTRY_NUMBERS.items() for number in pii._numbers(national, code)),
        *(number for code, national in pii._GULF_AND_EGYPT_NUMBERS.items() for number in pii._numbers(national, "00" + code)),
        ("00", _OTHER_COUNTRY),
    ])
    + r"(?![0-9]))"
)


def old_phone_spans(text: str) -> Iterator[pii._Span]:
    words = pii._PhoneWords(text)
    long_enough = [candidate for candidate in pii._PHONE_CANDIDATE_RE.finditer(text)
                   if candidate.end() - candidate.start() >= pii._MIN_PHONE_DIGITS]
    for candidate in long_enough:
        yield from _old_phones_in_candidate(text, candidate, words)


def _old_phones_in_candidate(text: str, candidate: re.Match[str], words: pii._PhoneWords) -> Iterator[pii._Span]:
    start, end = candidate.span()
    others = sorted(pii._phone_starts_after_plus_or_word(text, candidate, words))
    without_word = _PHONE_WITHOUT_CONTEXT_START_RE.search(text, start, end)
    taken_until, other = start, 0
    while True:
        while other < len(others) and others[other] < taken_until:
            other += 1
        if without_word is not None and without_word.start() < taken_until:
            without_word = _PHONE_WITHOUT_CONTEXT_START_RE.search(text, taken_until, end)
        if without_word is None and other == len(others):
            return
        first_start = min(others[other] if other < len(others) else end, without_word.start() if without_word else end)
        taken_until = first_start + 1
        run = _old_group_run(text, candidate, first_start)
        found = _old_longest_phone_from(text, run, words) if _old_may_start_phone(run, words) else None
        if found is not None:
            yield found
            taken_until = found.end


class _OldGroupRun(NamedTuple):
    lead_start: int
    plus_before: bool
    numbers: list[str]
    ends: list[int]


def _old_group_run(text: str, candidate: re.Match[str], first_start: int) -> _OldGroupRun:
    previous_end = first_start
    while previous_end > candidate.start() and text[previous_end - 1] not in pii._ASCII_DIGITS_CHARS:
        previous_end -= 1
    plus, paren = text.find("+", previous_end, first_start), text.find("(", previous_end, first_start)
    lead_start = min(plus if plus >= 0 else first_start, paren if paren >= 0 else first_start)
    numbers: list[str] = []
    ends: list[int] = []
    digits = ""
    for group in pii._DIGIT_GROUP_RE.finditer(text, first_start, candidate.end()):
        digits += group.group()
        if len(digits) > pii._MAX_PHONE_DIGITS or len(numbers) == pii._MAX_GROUPS_PER_PHONE:
            break
        numbers.append(digits)
        ends.append(group.end())
    return _OldGroupRun(lead_start, plus >= 0, numbers, ends)


def _old_may_start_phone(run: _OldGroupRun, words: pii._PhoneWords) -> bool:
    return bool(run.numbers) and (
        run.plus_before or run.numbers[0].startswith(pii._PHONE_WITHOUT_CONTEXT_STARTS) or words.near(run.lead_start))


def _old_longest_phone_from(text: str, run: _OldGroupRun, words: pii._PhoneWords) -> pii._Span | None:
    for last in range(len(run.numbers) - 1, -1, -1):
        if len(run.numbers[last]) < pii._MIN_PHONE_DIGITS:
            break
        shape = pii._phone_shape(run.numbers[last], run.plus_before)
        if shape is None:
            continue
        end = pii._phone_end(text, run.lead_start, run.ends[last])
        if _old_phone_fits_context(shape, text, run.lead_start, end, words):
            return pii._Span(run.lead_start, end, "phone")
    return None


def _old_phone_fits_context(shape: str, text: str, start: int, end: int, words: pii._PhoneWords) -> bool:
    if shape == "international":
        return True
    if shape == "local" and not words.near(start):
        return False
    backwards = text[max(0, start - pii._LABEL_WINDOW) : start][::-1]
    return not (pii._REFERENCE_LABEL_BEFORE_RE.match(backwards) or pii._MONEY_BEFORE_RE.match(backwards)
                or pii._MONEY_OR_PERCENT_AFTER_RE.match(text[end : end + 12]))


# ---- random and adversarial posts ----
NUMBERS = ["0551234567", "0509876543", "0112345678", "01012345678", "0123456789", "966551234567", "9660551234567",
           "971501234567", "96550123456", "97336123456", "97455123456", "96891234567", "201012345678", "20223456789",
           "2002234567", "00966551234567", "0020101234567", "0044201234567", "0096612345678", "00123456789",
           "551234567", "22345678", "99887766", "4111111111111111", "5500000000000004", "1098765432",
           "29001011234567", "0000", "05", "5", "123", "2026", "0555", "966"]
SEPARATORS = [" ", "-", ".", "\u200b", "\u060c", " - ", "\u00a0", "\u200f ", "  ", "   ", "    ", ") (", ")-", " (", "/"]
WORDS = ["جوالي", "رقمي", "واتساب", "اتصلوا على", "call", "tel:", "WhatsApp", "هاتف المنزل", "كلمني",
         "طلب رقم", "order #", "فاتورة", "رقم الشحنة", "tracking no", "السعر", "بسعر", "SAR", "ريال", "%", "٪", "جنيه",
         "سهم للاتصالات", "التوصيل متأخر", "شكرا", "#", ":", "+", "(", ")", "(+", "+ (", "x", "abc", "a@b.com",
         "SA0380000000608010167519", "@ahmed_q", "https://x.com/ahmed_q/status/1"]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def split_into_groups(rng: random.Random, digits: str) -> str:
    """`digits` written in groups as people type them: cut anywhere, one separator (or a few) between groups."""
    pieces, position = [], 0
    while position < len(digits):
        size = rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 7, 10, 17])
        pieces.append(digits[position : position + size])
        position += size
        if position < len(digits):
            pieces.append(rng.choice(SEPARATORS) if rng.random() < 0.8 else "")
    return "".join(pieces)


def random_post(rng: random.Random) -> str:
    pieces = []
    for _ in range(rng.randint(1, 24)):
        roll = rng.random()
        if roll < 0.45:
            number = rng.choice(NUMBERS) if rng.random() < 0.7 else "".join(
                rng.choice("0123456789" if rng.random() < 0.5 else "0259") for _ in range(rng.randint(1, 18)))
            written = split_into_groups(rng, number) if rng.random() < 0.6 else number
            pieces.append(written.translate(ARABIC_INDIC) if rng.random() < 0.15 else written)
        elif roll < 0.85:
            pieces.append(rng.choice(WORDS))
        else:
            pieces.append(rng.choice(SEPARATORS))
    return "".join(piece + rng.choice(["", " ", " ", " ", "  ", ": ", "\n"]) for piece in pieces)


def posts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [random_post(rng) for _ in range(count)]


ADVERSARIAL_UNITS = ["0551234567 ", "05 05 05 05 05 ", "طلب 0551234567 ", "0 ", "0551234567ريال ", "(055) 123 4567 ",
                     "+966 55 123 4567 ", "جوالي 22345678 ", "00 966 55 123 45 67 ", "0551234567 % ", "055 1234567 2 ",
                     "9 6 6 5 5 1 2 3 4 5 6 7 ", "0551234567-0551234567 ", "٠٥٥١٢٣٤٥٦٧ "]


def test_the_phone_finder_finds_what_the_old_one_did_in_random_posts() -> None:
    for post in posts(21, 6_000):
        text = post.translate(pii._ASCII_DIGITS)
        assert list(pii._phone_spans(text)) == list(old_phone_spans(text)), post


@pytest.mark.parametrize("unit", ADVERSARIAL_UNITS)
def test_the_phone_finder_finds_what_the_old_one_did_in_long_repeated_stretches(unit: str) -> None:
    text = ("سهم للاتصالات " + unit * (20_000 // len(unit))).translate(pii._ASCII_DIGITS)
    assert list(pii._phone_spans(text)) == list(old_phone_spans(text))


def test_masked_posts_are_those_recorded_before_the_change() -> None:
    """Masked text and counts of the same posts, hashed; recorded with the finder of commit f50d0b2."""
    digest = hashlib.sha256()
    for post in posts(2112, 3_000) + ["سهم للاتصالات " + unit * 300 for unit in ADVERSARIAL_UNITS]:
        result = mask_pii(post)
        digest.update(json.dumps([result.text, result.counts], ensure_ascii=False).encode())
    assert digest.hexdigest() == RECORDED_MASKS_SHA256


RECORDED_MASKS_SHA256 = "b2b71910010b086644463082336cbf2d8613723c853fc17f6591be53713ff540"  # 7,656 phones masked
