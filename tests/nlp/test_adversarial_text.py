"""No text stalls or breaks the text functions: random and adversarial Unicode (long runs without spaces, bidi
and zero-width controls, combining marks, mixed scripts, lone surrogates) under a per-call budget.

A guard against super-linear work, not a speed test: the budgets are many times what linear work takes
(speed is measured by bench/adversarial_text.py, docs/benchmarks.md)."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from config import load_config
from nabd.alerts.message import plain_text, slack_escape
from nlp.analysis_cap import analysed_part
from nlp.brands import BrandMatcher
from nlp.complaints.matcher import TopicMatcher
from nlp.enrich import enrich_file
from nlp.lang import LANG_TAGS, detect_lang
from nlp.normalize import normalize_for_matching, normalize_for_model
from nlp.pii import MASKS, PII_KINDS, mask_pii
from tests.support.budget import run_within

REPO = Path(__file__).resolve().parents[2]
BRANDS = BrandMatcher.from_brands(load_config(REPO / "config").brands)
TOPICS = TopicMatcher.from_file(REPO / "config" / "topics.yaml")

# The pieces hostile or broken posts are made of.
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةى"
PIECES = [
    *ARABIC, *"abcxyzSAHM", *"0123456789", *"٠١٢٣٤٥٦٧٨٩۰۵", *" \t\n@#._-+():/،؛?!%$",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",  # zero-width
    "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    "\u0651", "\u064b", "\u0670", "\u0301", "\u0640",  # combining marks, tatweel
    "ﻻ", "😂", "👍🏽", "👨‍👩‍👧", "\u20e3", "中", "Ж", "\ud800", "\udfff", "\ud83d",  # lone surrogates, as JSON can carry
    "سهم", "@SahmCare", "@ahmed_q", "ahmed@", "x.com/", "https://", "www.", "جوالي ", "4111 ", "0551234567",
    "التوصيل ", "متأخر ", "ما ", "#سهم_للاتصالات", "<script>", "javascript:", "@here",
]
fragments = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)
# A random post, or a fragment repeated into a long run (up to tens of thousands of characters).
posts = st.one_of(
    st.text(st.characters(codec=None), max_size=400),
    st.lists(st.sampled_from(PIECES), max_size=200).map("".join),
    st.tuples(fragments, st.integers(1, 1500)).map(lambda piece: piece[0] * piece[1]),
)
FUZZ = settings(max_examples=15, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow],
                derandomize=True, database=None)


def enrichment_steps(text: str) -> tuple:
    """What enrichment and the classifier's text preparation do to one post's text (masking reads all of it,
    the analysis steps its first `ANALYSIS_CHARS` characters)."""
    head = analysed_part(text)
    return (
        BRANDS.match_with_exclusions(head), mask_pii(text, keep_handles=BRANDS.handles), detect_lang(head),
        normalize_for_matching(head), normalize_for_model(head), TOPICS.match(head),
        plain_text(text), slack_escape(text),
    )


@FUZZ
@given(posts)
def test_every_text_function_takes_any_post_without_error(post: str) -> None:
    matches, masked, lang, *_ = enrichment_steps(post)
    assert lang in LANG_TAGS
    assert all(brand["id"] in {rule.id for rule in BRANDS.rules} for brand in matches.brands)
    assert len(masked.text) <= len(post) + 8 * masked.total


@FUZZ
@given(posts)
@example("@0@0")  # found by this test: the second `@0` followed the mask's `]` once the first was masked
def test_masking_twice_changes_nothing_more(post: str) -> None:
    once = mask_pii(post, keep_handles=BRANDS.handles).text
    assert mask_pii(once, keep_handles=BRANDS.handles).text == once


@FUZZ
@given(posts)
def test_an_alert_excerpt_holds_no_bidi_control_tag_or_script_link(post: str) -> None:
    safe = plain_text(post)
    assert not set(safe) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u200b<>")
    assert "javascript:" not in safe.lower()


ONE_MEGABYTE = 1_000_000
BRAND = "سهم للاتصالات "  # a name that is the brand whatever follows (`سهم` alone is ambiguous: docs/brand-sense.md)
# Runs without spaces at the full megabyte; shapes made of many short words (each word costs the brand
# matcher a few microseconds) at a fifth of it, to keep the suite fast.
ADVERSARIAL = {
    "one word of a million letters": BRAND + "ا" * ONE_MEGABYTE,
    "a letter under a million combining marks": BRAND + "ب" + "\u0651" * ONE_MEGABYTE,
    "one-digit groups": BRAND + "5 " * (ONE_MEGABYTE // 10),
    "a brand handle and name repeated": "@SahmCare سهم " * (ONE_MEGABYTE // 65),
    "bidi and zero-width controls between letters": BRAND + "س\u200bه\u202eم\u2066\u200f\u2069 " * (ONE_MEGABYTE // 50),
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_a_one_megabyte_adversarial_post_is_enriched_within_a_generous_budget(text: str) -> None:
    def enrich_one(text: str) -> tuple:  # as enrichment reads a post: the analysis steps up to the cap
        head = analysed_part(text)
        return (BRANDS.match(head), mask_pii(text, keep_handles=BRANDS.handles).total, detect_lang(head))

    (brands, _, lang), _ = run_within(10, enrich_one, text)
    assert [brand["id"] for brand in brands] == ["sahm"] and lang in LANG_TAGS


# Megabytes dense with personal data, or with numbers shaped like it: masking reads every character of a
# post, so its work must stay linear however many numbers, labels and near misses a post holds.
PII_DENSE = {  # the repeated piece, and what each repetition is masked as (None: left as written)
    "phone numbers": ("0551234567 ", "phone"),
    "a mobile split into two-digit groups": ("05 05 05 05 05 ", "phone"),
    "payment cards in groups": ("4111 1111 1111 1111 ", "card"),
    "IBANs": ("SA0380000000608010167519 ", "iban"),
    "national ids": ("1098765432 ", "national_id"),
    "people's handles": ("@ahmed_q ", "handle"),
    "order numbers": ("طلب 0551234567 ", None),
    "IBAN-shaped words": ("SA44 ", None),
    "zeros": ("0 ", None),
}


@pytest.mark.parametrize(("piece", "kind"), PII_DENSE.values(), ids=PII_DENSE.keys())
def test_a_megabyte_dense_with_personal_data_is_enriched_with_every_piece_of_it_masked(
    piece: str, kind: str | None, tmp_path: Path
) -> None:
    repeats = ONE_MEGABYTE // len(piece)
    raw = tmp_path / "raw.jsonl"
    raw.write_text(json.dumps({"id": "m1", "text": BRAND + piece * repeats}, ensure_ascii=False) + "\n", encoding="utf-8")
    summary, _ = run_within(20, partial(enrich_file, brands=BRANDS), raw, tmp_path / "out.jsonl")
    (record,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["text"] == BRAND + (MASKS[kind] + " " if kind else piece) * repeats
    assert summary.pii_masked == {name: repeats if name == kind else 0 for name in PII_KINDS}


def test_a_file_of_hostile_posts_is_enriched_and_a_lone_surrogate_only_rejects_its_line(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"m{number}", "text": BRAND + text}, ensure_ascii=True)
             for number, text in enumerate(["\ud83d وين الرد", "ا" * 50_000, "5 " * 20_000, "\u202eسهم\u2066 ما يرد"])]
    raw = tmp_path / "raw.jsonl"
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary, _ = run_within(10, partial(enrich_file, brands=BRANDS), raw, tmp_path / "out.jsonl")
    assert (summary.written, summary.rejected) == (3, 1)
