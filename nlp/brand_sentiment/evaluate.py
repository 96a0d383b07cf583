"""Measuring sentiment per brand on the team-labelled posts (`nabd brand-sentiment eval`).

Each post of `labeled_posts.jsonl` names two or more brands (found by keyword searches of
`../shared/data` for Saudi telecoms, phones, cars, airlines, food and shops; `guidelines.md`); the team
gave each brand its own sentiment. The brands are matched with `EVALUATION_BRANDS` (the real names,
not the demo's), the post is classified, and each brand's sentiment is compared with its label, for
nabd's per-brand reading and for the post's one sentiment copied onto every brand (what nabd did
before). Brands labelled `not_brand`, or that the matcher does not find, are counted apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from nlp.brand_sentiment.segments import SENTIMENTS, brand_sentiments
from nlp.labelled_files import read_labelled_lines

LABELED_FILE = Path(__file__).with_name("labeled_posts.jsonl")
LABELS = (*SENTIMENTS, "not_brand")

# The brands of the labelled posts, as a deployment would configure them. زين is ambiguous ("good").
EVALUATION_BRANDS = {
    "stc": ("stc", "اس تي سي", "الاتصالات السعودية", "الاتصالات السعوديه"),
    "mobily": ("موبايلي", "mobily"),
    "zain": ("زين", "zain"),
    "vodafone": ("فودافون", "vodafone"),
    "orange": ("اورانج", "orange"),
    "etisalat": ("اتصالات مصر", "اتصالات الامارات", "etisalat"),
    "samsung": ("سامسونج", "سامسونق", "سامسونغ", "samsung", "جالكسي", "جلاكسي", "galaxy"),
    "apple": ("ايفون", "آيفون", "iphone", "ابل", "apple"),
    "huawei": ("هواوي", "huawei"),
    "xiaomi": ("شاومي", "xiaomi"),
    "nokia": ("نوكيا", "nokia"),
    "toyota": ("تويوتا", "toyota"),
    "hyundai": ("هيونداي", "هونداي", "hyundai"),
    "nissan": ("نيسان", "nissan"),
    "kia": ("كيا", "kia"),
    "bmw": ("bmw", "بي ام"),
    "mercedes": ("مرسيدس", "mercedes"),
    "flynas": ("طيران ناس", "فلاي ناس", "flynas"),
    "saudia": ("الخطوط السعودية", "الخطوط السعوديه", "saudia"),
    "emirates": ("طيران الامارات", "emirates"),
    "qatar": ("القطرية", "القطريه"),
    "rajhi": ("الراجحي", "rajhi"),
    "mcdonalds": ("ماكدونالدز", "ماكدونالز", "ماك", "mcdonald"),
    "kfc": ("كنتاكي", "kfc"),
    "albaik": ("البيك", "albaik"),
    "hungerstation": ("هنقرستيشن", "هنقر"),
    "jahez": ("تطبيق جاهز",),
    "careem": ("careem", "كريم كار"),
    "uber": ("اوبر", "uber"),
    "amazon": ("امازون", "amazon"),
    "noon": ("موقع نون", "تطبيق نون", "noon"),
    "pepsi": ("بيبسي", "pepsi"),
    "coca": ("كوكاكولا", "كوكا كولا", "coca"),
    "almarai": ("المراعي", "almarai"),
    "nadec": ("نادك", "nadec"),
}
AMBIGUOUS = {"zain": ("زين",)}


def evaluation_matcher():
    from nlp.brands import BrandMatcher, BrandRule

    return BrandMatcher([
        BrandRule(id=brand, aliases=aliases, ambiguous_aliases=frozenset(AMBIGUOUS.get(brand, ())))
        for brand, aliases in EVALUATION_BRANDS.items()
    ])


def read_labels(path: Path = LABELED_FILE) -> list[dict]:
    """Every labelled post of `path`; a bad line raises ValueError naming file and line."""
    return read_labelled_lines(path, _label, ValueError)


def _label(where: str, post: dict) -> dict:
    sentiment = post.get("sentiment")
    if not isinstance(sentiment, dict) or not isinstance(post.get("text"), str) or not sentiment:
        raise ValueError(f"{where}: expected `text` and a `sentiment` object per brand")
    bad = {brand: label for brand, label in sentiment.items() if label not in LABELS}
    if bad:
        raise ValueError(f"{where}: labels must be one of {LABELS}, got {bad}")
    return post


def evaluate(classifier, posts: Sequence[dict]) -> dict:
    """Per-brand accuracy and macro-F1 of nabd's reading and of the copied post sentiment."""
    matcher = evaluation_matcher()
    texts = [post["text"] for post in posts]
    post_sentiments = [record["sentiment"] for record in classifier.classify(texts)]

    def judge(parts: list[str]) -> list[str]:
        return [record["sentiment"] for record in classifier.classify(parts)]

    pairs: dict[str, list[tuple[str, str, str]]] = {"all": [], "comparison": [], "differing": []}
    missed = not_brand = 0
    for post, post_sentiment in zip(posts, post_sentiments):
        spans = matcher.occurrence_spans(post["text"])
        read = brand_sentiments(post["text"], spans, post_sentiment, judge)
        opinions = {label for label in post["sentiment"].values() if label != "not_brand"}
        for brand, label in post["sentiment"].items():
            if label == "not_brand":
                not_brand += 1
                continue
            if brand not in read:
                missed += 1
                continue
            row = (label, read[brand].sentiment, post_sentiment)
            pairs["all"].append(row)
            if post.get("comparison"):
                pairs["comparison"].append(row)
            if len(opinions) > 1:
                pairs["differing"].append(row)
    report = {"posts": len(posts), "brand_labels": sum(len(p["sentiment"]) for p in posts),
              "not_brand": not_brand, "not_matched": missed}
    for subset, rows in pairs.items():
        report[subset] = {"n": len(rows),
                          "per_brand": _scores([(gold, mine) for gold, mine, _ in rows]),
                          "post_copied": _scores([(gold, copied) for gold, _, copied in rows])}
    report["agreement"] = agreement(posts)
    return report


def _scores(rows: list[tuple[str, str]]) -> dict:
    if not rows:
        return {"accuracy": None, "macro_f1": None}
    accuracy = sum(gold == guess for gold, guess in rows) / len(rows)
    f1s = []
    for label in SENTIMENTS:
        tp = sum(gold == guess == label for gold, guess in rows)
        guessed, actual = sum(guess == label for _, guess in rows), sum(gold == label for gold, _ in rows)
        if actual:
            f1s.append(2 * tp / (guessed + actual) if guessed + actual else 0.0)
    return {"accuracy": round(accuracy, 3), "macro_f1": round(sum(f1s) / len(f1s), 3)}


def agreement(posts: Sequence[dict]) -> dict:
    """How often two annotators gave a brand the same label, on the posts labelled twice."""
    pairs = [(post["sentiment"][brand], post["second_label"]["sentiment"].get(brand))
             for post in posts if isinstance(post.get("second_label"), dict) for brand in post["sentiment"]]
    if not pairs:
        return {"posts": 0}
    observed = sum(a == b for a, b in pairs) / len(pairs)
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in LABELS) / len(pairs) ** 2
    return {"posts": sum(isinstance(post.get("second_label"), dict) for post in posts), "brand_labels": len(pairs),
            "agreement": round(observed, 3), "kappa": round((observed - expected) / (1 - expected), 3)}
