"""Post fields made safe to show: no bidi or control characters, bounded length, only http(s) links."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from index.trends import mention_sentiment

# Bidi embeddings, overrides, isolates and marks (a post must not reorder the report around it),
# and every other control character; newlines become spaces. HTML escaping is the template's job.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_CHARS = 280
EVIDENCE_CHARS = 120


def clean_text(text: object, limit: int = MAX_CHARS) -> str:
    """The post's text without bidi controls or control characters, cut to `limit` characters."""
    text = BIDI_CONTROLS.sub("", str(text or ""))
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe_url(url: object) -> str | None:
    """The link when it is an absolute http(s) URL without controls; None otherwise (javascript:, data:…)."""
    if not isinstance(url, str) or clean_text(url, limit=2048) != url.strip():
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def engagement_total(post: dict) -> int:
    engagement = post.get("engagement") or {}
    total = engagement.get("total")
    return total if isinstance(total, int) else 0


def post_view(post: dict, brand: str) -> dict:
    """What the report shows of one post, every field cleaned (still to be HTML-escaped): its sentiment is
    the one toward `brand`, with the span that carries it when the post has one."""
    sentiment, evidence = mention_sentiment(post, brand)
    return {"text": clean_text(post.get("text")), "url": safe_url(post.get("url")),
            "source": clean_text(post.get("source"), limit=40), "sentiment": sentiment,
            "evidence": clean_text(evidence, limit=EVIDENCE_CHARS) if evidence else None,
            "engagement": engagement_total(post)}
