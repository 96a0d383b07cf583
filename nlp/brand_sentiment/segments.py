"""Sentiment per brand in a post that names several: which part of the post speaks of which brand.

Two readings, in order:

1. **A comparison** — `<A> أسرع/أفضل/أرخص … من <B>`: A positive, B negative; `<A> أسوأ/أبطأ/أغلى …
   من <B>`: A negative, B positive (a negation just before the comparative swaps them); A is the last
   brand named before the comparative in its clause. `ما في أسوأ من <B>` ("nothing is worse than B"):
   B negative. The words from A to B are the evidence.
2. **Its own clause** — the post is cut into clauses at sentence punctuation and at contrast words
   (بس، لكن، بينما، أما، عكس …); inside a clause that names several brands, each brand's part runs
   from its name to the next brand's name, the words before the first name going to the first. A
   brand's part is the text the classifier judges for that brand; a part with fewer than
   `MIN_PART_WORDS` words of its own is too thin to judge, and the brand takes the sentiment of its
   clause — or of the post, when the clause is the whole post.

A brand named in several parts takes the strongest opinion among them (negative before positive
before neutral: a complaint is what a support team must not miss). The post's own sentiment is kept
for a brand whose text is the whole post (nothing to tell apart)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

SENTIMENTS = ("negative", "neutral", "positive")
MIN_PART_WORDS = 2
EVIDENCE_CHARS = 160

_ALEF = "[اأإآ]"
_BETTER = ("فضل", "حسن", "سرع", "قوى", "رخص", "وفر", "روع", "جمل", "لذ", "نظف", "ضمن", "ثبت", "وضح", "نظم")
_WORSE = ("سوأ", "سوء", "سوا", "بطأ", "بطء", "بطا", "ضعف", "غلى", "خس", "ردى", "ردا", "فشل", "تعس", "زفت", "سخف", "لعن", "خرب")
_COMPARATIVE_RE = re.compile(
    rf"(?<![^\W\d_])(?P<neg>(?:مو|ما|مش|ليس|ليست|مب|موب)\s+)?{_ALEF}(?P<stem>{'|'.join((*_BETTER, *_WORSE))})\s+(?:بكثير\s+|بوايد\s+|شوي\s+)?(?:من|عن)\b"
)
_CLAUSE_RE = re.compile(
    r"[.!?؟؛;\n،,]+|(?<![^\W\d_])(?:بس|لكن|لاكن|ولكن|بينما|اما|أما|عكس|بعكس|بالعكس|مقارنة|مقارنه|بخلاف)(?![^\W\d_])"
)
_WORD_RE = re.compile(r"[^\W_]+")
_NOTHING_RE = re.compile(r"(?:ما\s*في|ما\s*فيه|مافيش|ما\s*فيش|لا\s*يوجد|ما\s*حد|مافي\s*شي|ما\s*في\s*شي)\s*$")
_STRENGTH = {"negative": 2, "positive": 1, "neutral": 0}


@dataclass(frozen=True)
class BrandSentiment:
    sentiment: str
    evidence: str | None  # the part of the post judged for the brand; None when it was the whole post


@dataclass(frozen=True)
class Reading:
    """What a post says per brand before the classifier is asked: the brands a comparison settled,
    and each other brand's parts (None: the whole post)."""

    brands: tuple[str, ...]
    settled: dict[str, BrandSentiment]
    parts: dict[str, list[str | None]]

    def texts(self) -> set[str]:
        """The parts the classifier must judge."""
        return {part for brand_parts in self.parts.values() for part in brand_parts if part is not None}

    def resolve(self, judged: dict[str, str], post_sentiment: str) -> dict[str, BrandSentiment]:
        """Each brand's sentiment, given the classifier's sentiment of every part (`judged`)."""
        result = dict(self.settled)
        for brand, brand_parts in self.parts.items():
            opinions = [(judged[part], part) for part in brand_parts if part is not None]
            if not opinions:
                result[brand] = BrandSentiment(post_sentiment, None)
                continue
            sentiment, part = max(opinions, key=lambda opinion: _STRENGTH[opinion[0]])
            result[brand] = BrandSentiment(sentiment, _evidence(part))
        for brand in self.brands:
            result.setdefault(brand, BrandSentiment(post_sentiment, None))
        return {brand: result[brand] for brand in self.brands}


def read_brands(text: str, spans: dict[str, Sequence[tuple[int, int]]]) -> Reading:
    """Comparisons and parts of a post for the brands of `spans` (`{brand: [(start, end), …]}`)."""
    brands = tuple(brand for brand, places in spans.items() if places)
    if len(brands) < 2:
        return Reading(brands, {}, {})
    settled = _comparison(text, spans)
    parts = _parts(text, {brand: spans[brand] for brand in brands if brand not in settled})
    return Reading(brands, settled, parts)


def brand_sentiments(
    text: str,
    spans: dict[str, Sequence[tuple[int, int]]],
    post_sentiment: str,
    judge: Callable[[list[str]], list[str]],
) -> dict[str, BrandSentiment]:
    """The sentiment toward each brand of `spans` in `text`. `judge(texts)` gives one sentiment per
    text (the classifier's sentiment head); it is called at most once, with the parts to judge."""
    reading = read_brands(text, spans)
    texts = sorted(reading.texts())
    return reading.resolve(dict(zip(texts, judge(texts))) if texts else {}, post_sentiment)


def _comparison(text: str, spans: dict[str, Sequence[tuple[int, int]]]) -> dict[str, BrandSentiment]:
    """Brands read from `<A> <comparative> من <B>` patterns (A's last name before, B's first after)."""
    found: dict[str, BrandSentiment] = {}
    places = sorted((start, end, brand) for brand, brand_spans in spans.items() for start, end in brand_spans)
    for match in _COMPARATIVE_RE.finditer(text):
        before = [place for place in places if place[1] <= match.start() and not _CLAUSE_RE.search(text[place[1] : match.start()])]
        after = [place for place in places if place[0] >= match.end() and _few_words(text[match.end() : place[0]])]
        if after and not before and _NOTHING_RE.search(text[max(0, match.start() - 12) : match.start()]):
            # "ما في أسوأ من X" / "مافيه احسن من X": nothing is worse (better) than X.
            better = (match.group("stem") in _BETTER) != bool(match.group("neg"))
            found.setdefault(after[0][2], BrandSentiment("positive" if better else "negative",
                                                         _evidence(text[match.start() : after[0][1]])))
            continue
        if not before or not after or before[-1][2] == after[0][2]:
            continue
        better = match.group("stem") in _BETTER
        if match.group("neg"):
            better = not better
        first, second = before[-1], after[0]
        evidence = _evidence(text[first[0] : second[1]])
        for brand, wins in ((first[2], better), (second[2], not better)):
            found.setdefault(brand, BrandSentiment("positive" if wins else "negative", evidence))
    return found


def _few_words(between: str, most: int = 3) -> bool:
    return len(_WORD_RE.findall(between)) <= most and not _CLAUSE_RE.search(between.strip())


def _parts(text: str, spans: dict[str, Sequence[tuple[int, int]]]) -> dict[str, list[str | None]]:
    """Each brand's parts of the post; None for a part that is the whole post (use the post's label)."""
    clauses = [(match.start(), match.end()) for match in _CLAUSE_RE.finditer(text)]
    bounds, start = [], 0
    for clause_start, clause_end in clauses:
        bounds.append((start, clause_start))
        start = clause_end
    bounds.append((start, len(text)))
    bounds = [(a, b) for a, b in bounds if _WORD_RE.search(text[a:b])]
    parts: dict[str, list[str | None]] = {brand: [] for brand in spans}
    whole = text.strip()
    for clause_start, clause_end in bounds:
        named = sorted((start, end, brand) for brand, brand_spans in spans.items()
                       for start, end in brand_spans if clause_start <= start < clause_end)
        if not named:
            continue
        clause = text[clause_start:clause_end]
        cuts = [clause_start] + [_cut(text, named[i][1], named[i + 1][0]) for i in range(len(named) - 1)] + [clause_end]
        for index, (start, end, brand) in enumerate(named):
            part_start, part_end = cuts[index], cuts[index + 1]
            own_words = len(_WORD_RE.findall(text[part_start:start])) + len(_WORD_RE.findall(text[end:part_end]))
            chosen = text[part_start:part_end] if own_words >= MIN_PART_WORDS else clause
            parts[brand].append(None if chosen.strip() == whole else chosen.strip())
    return parts


def _cut(text: str, previous_end: int, next_start: int) -> int:
    """Where the part of one brand ends and the next brand's begins, between the two names: at the
    last word opening with the conjunction و (`وانضميت ل mobily`: the verb goes with what follows),
    else at the next name."""
    cut = next_start
    for match in _WORD_RE.finditer(text, previous_end, next_start):
        if match.group().startswith("و") and len(match.group()) > 2:
            cut = match.start()
    return cut


def _evidence(part: str) -> str:
    part = " ".join(part.split())
    return part if len(part) <= EVIDENCE_CHARS else part[: EVIDENCE_CHARS - 1] + "…"
