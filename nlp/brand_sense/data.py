"""Brand-sense training and evaluation data.

- `labeled_posts.jsonl`: team-labelled posts holding an ambiguous word (`word`), each `brand`
  true/false under `guidelines.md`; `drawn` is `real` (the post as published) or `substituted` (a
  real post naming another company of the brand's sector, that name replaced by the word: the only
  way to see positives of a fictional brand). A fixed share of each word's posts, chosen by a
  salted hash of the text, is the hold-out no fit ever sees.
- Weak data from `../shared/data` (fitting only): the contexts of unambiguous company names
  (موبايلي, أمازون, سامسونج …) as positives and of ordinary words that could be names (نجم, جميل,
  نور …) as negatives, the word itself masked. Posts of the labelled file never enter it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nlp.labelled_files import read_labelled_lines, salted_split
from nlp.model.data import post_key
from nlp.normalize import normalize_for_matching

LABELED_FILE = Path(__file__).with_name("labeled_posts.jsonl")
HOLDOUT_SALT = "nabd-brand-sense-holdout-v1"
HOLDOUT_SIXTEENTHS = 5  # 31% of each word's posts
DRAWN = ("real", "substituted")

# Names that, in these corpora, are (almost) only companies, brands or products.
COMPANY_NAMES = (
    "موبايلي", "mobily", "stc", "اس تي سي", "فودافون", "vodafone", "اورانج", "اتصالات مصر",
    "امازون", "amazon", "اوبر", "uber", "هنقرستيشن", "ارامكس", "aramex", "نمشي", "كريم كار",
    "سامسونج", "سامسونق", "samsung", "هواوي", "huawei", "شاومي", "نوكيا", "nokia", "ايفون", "iphone",
    "الراجحي", "تويوتا", "هيونداي", "نيسان", "مرسيدس", "كنتاكي", "ماكدونالدز", "البيك", "بيبسي",
    "المراعي", "نادك", "طيران ناس", "فلاي ناس", "فيسبوك", "تويتر", "سناب شات", "يوتيوب", "نتفلكس",
)
# Ordinary words that could name a business, almost always in their ordinary senses here (سهم and رفيق
# too: no company of that name is in these corpora). Not زين: the operator Zain is common in them.
ORDINARY_WORDS = (
    "نجم", "نجمه", "سهم", "اسهم", "رفيق", "جميل", "طيب", "حلو", "نور", "امل", "سلام", "كريم", "سفير",
    "راحه", "فرح", "صديق", "قمر", "ورد", "شمس", "ذهب", "واحه", "ركن", "روح", "جود", "خير",
    "سعاده", "بيت", "رفيقي", "درب", "سما", "بحر", "نسيم", "غيمه", "لؤلؤه",
)
WEAK_CAP = 250  # occurrences kept per name or word


class BrandSenseLabelsError(ValueError):
    """A line of the labelled file is not usable; the message names file, line and key."""


@dataclass(frozen=True)
class SenseLabel:
    source_id: str
    word: str
    text: str
    brand: bool
    sense: str
    drawn: str
    split: str
    second_brand: bool | None = None


def holdout_split(word: str, text: str) -> str:
    return salted_split(HOLDOUT_SALT, HOLDOUT_SIXTEENTHS, text, word)


def read_sense_labels(path: Path = LABELED_FILE) -> list[SenseLabel]:
    """Every labelled post of `path`; a bad line raises BrandSenseLabelsError naming it."""
    return read_labelled_lines(path, _label, BrandSenseLabelsError)


def _label(where: str, record: dict) -> SenseLabel:
    for key, kind in (("source_id", str), ("word", str), ("text", str), ("brand", bool), ("sense", str)):
        if not isinstance(record.get(key), kind):
            raise BrandSenseLabelsError(f"{where}: `{key}` must be a {kind.__name__}")
    drawn = record.get("drawn", "real")
    if drawn not in DRAWN:
        raise BrandSenseLabelsError(f"{where}: `drawn` must be one of {DRAWN}, got {drawn!r}")
    second = record.get("second_label")
    second_brand = second.get("brand") if isinstance(second, dict) else None
    if second is not None and not isinstance(second_brand, bool):
        raise BrandSenseLabelsError(f"{where}: `second_label.brand` must be true or false")
    return SenseLabel(record["source_id"], record["word"], record["text"], record["brand"], record["sense"],
                      drawn, holdout_split(record["word"], record["text"]), second_brand)


@dataclass(frozen=True)
class WeakExample:
    source_id: str
    name: str  # the masked name or word
    text: str
    brand: bool


def weak_examples(data_dir: Path, excluded_ids: Iterable[str], excluded_keys: Iterable[str],
                  skip_names: Iterable[str] = ()) -> list[WeakExample]:
    """Up to WEAK_CAP posts per company name (brand) and per ordinary word (not brand), first found
    first over the sorted files of `data_dir`; labelled posts (by id or text) left out."""
    excluded_ids, excluded_keys, skip = set(excluded_ids), set(excluded_keys), set(skip_names)
    names = [(name, True) for name in COMPANY_NAMES if name not in skip]
    names += [(word, False) for word in dict.fromkeys(ORDINARY_WORDS) if word not in skip]
    patterns = {name: _raw_pattern(name) for name, _ in names}
    prefilter = re.compile("|".join(f"(?:{p.pattern})" for p in patterns.values()), re.IGNORECASE)
    found: dict[str, list[WeakExample]] = {name: [] for name, _ in names}
    seen: set[str] = set()
    for source_id, text in _posts(data_dir):
        if source_id in excluded_ids or not prefilter.search(text):
            continue
        key = post_key(text)
        if key in excluded_keys or key in seen:
            continue
        seen.add(key)
        for name, brand in names:
            if len(found[name]) < WEAK_CAP and patterns[name].search(text):
                found[name].append(WeakExample(source_id, name, text, brand))
    return [example for examples in found.values() for example in examples]


def _raw_pattern(name: str) -> re.Pattern[str]:
    """A cheap pre-filter on raw text (the matcher's normalized words decide afterwards)."""
    return re.compile(rf"(?<![^\W\d_]){re.escape(name)}", re.IGNORECASE)


def _posts(data_dir: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(Path(data_dir).glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            for number, line in enumerate(stream):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                text = record.get("text") if isinstance(record, dict) else None
                if isinstance(text, str) and text.strip() and len(text) <= 2000:
                    yield str(record.get("id") or f"{path.name.split('.')[0]}:{number}"), text


def name_words(name: str) -> tuple[str, ...]:
    """A name's normalized words, as the matcher compares them."""
    return tuple(re.findall(r"[^\W_]+", normalize_for_matching(name)))
