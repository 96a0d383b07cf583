"""Mentions of Sahm and its competitor Najm on Saturday 2026-11-21 (Riyadh), each brand with its own sentiment.

Comparisons carry a sentiment per brand (`brands[].sentiment`, `nlp.brand_sentiment`) that differs from the
post's `nlp.sentiment`; mentions indexed before per-brand sentiment have neither field, and there the post's
sentiment stands for every brand they name. The expected figures are written next to the mentions.
"""

from __future__ import annotations

DAY = "2026-11-21"   # Riyadh: 2026-11-20T21:00Z .. 2026-11-21T21:00Z


def mention(key: str, when: str, text: str, post_sentiment: str, brands: dict[str, tuple[str, str | None] | None], *,
            likes: int = 0, spam: bool = False, complaint: bool = False, topics: tuple[str, ...] = ()) -> dict:
    """`brands`: id → (its sentiment, evidence span or None), or id → None for a mention indexed before
    per-brand sentiment (no `brands[].sentiment`, no `nlp.brand_sentiment`)."""
    entries, labels = [], []
    for brand, own in brands.items():
        entry = {"id": brand, "alias": {"sahm": "سهم", "najm": "نجم"}[brand],
                 "role": "brand" if brand == "sahm" else "competitor"}
        if own is not None:
            entry["sentiment"] = own[0]
            if own[1]:
                entry["sentiment_evidence"] = own[1]
            labels.append(f"{brand}:{own[0]}")
        entries.append(entry)
    nlp = {"sentiment": post_sentiment, "complaint": complaint, "topics": list(topics), "spam": spam,
           "dialect": "gulf", "sarcasm": False, "churn_intent": False, "advocacy": False}
    if labels:
        nlp["brand_sentiment"] = labels
    return {"id": key, "source": "demo", "source_id": key, "@timestamp": when, "text": text, "lang": "ar",
            "url": f"https://forum.nabd-demo.example/posts/{key}", "brands": entries,
            "engagement": {"likes": likes}, "nlp": nlp}


COMPARISON = mention(
    "bs-compare", "2026-11-21T09:00:00Z", "سهم أسرع بكثير من نجم، نجم طايحة طول اليوم", "negative",
    {"sahm": ("positive", "سهم أسرع بكثير"), "najm": ("negative", "نجم طايحة طول اليوم")}, likes=30)
MENTIONS = [
    COMPARISON,
    # the other way round: the post reads neutral, but it is negative toward Sahm and positive toward Najm
    mention("bs-switch", "2026-11-21T10:00:00Z", "حولت من سهم إلى نجم، سهم خذلني ونجم أحسن بكثير", "neutral",
            {"sahm": ("negative", "سهم خذلني"), "najm": ("positive", "نجم أحسن بكثير")}, likes=20,
            complaint=True, topics=("network_coverage",)),
    mention("bs-sahm-negative", "2026-11-21T11:00:00Z", "الشبكة عند سهم ضعيفة من الصبح", "negative",
            {"sahm": ("negative", None)}, likes=5, complaint=True, topics=("network_coverage",)),
    mention("bs-najm-positive", "2026-11-21T12:00:00Z", "عروض نجم الجديدة ممتازة", "positive",
            {"najm": ("positive", None)}, likes=3),
    # indexed before per-brand sentiment: the post's sentiment is each brand's
    mention("bs-old-positive", "2026-11-21T13:00:00Z", "شكراً سهم على سرعة حل المشكلة", "positive",
            {"sahm": None}, likes=2),
    mention("bs-old-both", "2026-11-21T14:00:00Z", "مقارنة بين سهم ونجم في سرعة النت", "neutral",
            {"sahm": None, "najm": None}, likes=1),
    mention("bs-old-negative", "2026-11-21T15:00:00Z", "سهم قطع النت بدون سبب", "negative",
            {"sahm": None}, likes=1),
    # spam never counts, whatever its sentiment
    mention("bs-spam", "2026-11-21T16:00:00Z", "اربح شريحة سهم مجاناً اضغط الرابط", "negative",
            {"sahm": ("negative", None)}, likes=999, spam=True),
]

# Each brand's own sentiment that day (spam left out).
SAHM = {"volume": 6, "sentiment": {"positive": 2, "negative": 3, "neutral": 1}, "net_sentiment": (2 - 3) / (2 + 3)}
NAJM = {"volume": 4, "sentiment": {"positive": 2, "negative": 1, "neutral": 1}, "net_sentiment": (2 - 1) / (2 + 1)}
# Sahm's negative mentions, most engaged first, and Najm's.
SAHM_NEGATIVE = ["bs-switch", "bs-sahm-negative", "bs-old-negative"]
NAJM_NEGATIVE = ["bs-compare"]
