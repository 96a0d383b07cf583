"""The words of an alert: what the support team reads, with post text made safe for each channel."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from nabd.report.posts import safe_url
from nlp.normalize import remove_invisible_controls

EXCERPT_CHARS = 200
EVIDENCE_CHARS = 500
# Slack reads <…> as links and mentions (`<!channel>` pings everyone) and &…; as entities.
SLACK_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
# Words that ping a whole channel in Slack-compatible chats (Mattermost and Rocket.Chat read them in plain
# text): their `@` becomes a full-width `＠`, which reads the same and pings no one.
_CHANNEL_PINGS_RE = re.compile(r"@(here|channel|everyone|all)(?!\w)", re.IGNORECASE)
# Tags are dropped (what they enclose stays as text); a lone `<` or `>` becomes `‹` `›`, so no receiver
# that renders HTML finds a tag. Linear: `[^<>]*` stops at the next bracket.
_TAG_RE = re.compile(r"<[^<>]*>")
_ANGLE_BRACKETS = str.maketrans("<>", "‹›")
# Links with a scheme other than http(s) that a receiver might make clickable.
_UNSAFE_LINK_RE = re.compile(r"(?<![a-z])(?:javascript|vbscript|livescript|data(?=\s*:\s*\w+/)|file)\s*:\S*",
                             re.IGNORECASE)
UNSAFE_LINK = "[link removed]"


@dataclass(frozen=True)
class AlertMessage:
    """An alert's subject and body: `text` for e-mail and webhooks, `slack_text` escaped for Slack."""

    subject: str
    text: str

    @property
    def slack_text(self) -> str:
        return slack_escape(self.text)


def slack_escape(text: str) -> str:
    """Text as Slack shows it literally: no links, mentions, channel pings or entities smuggled in by a post."""
    for raw, escaped in SLACK_ESCAPES:
        text = text.replace(raw, escaped)
    return _CHANNEL_PINGS_RE.sub("＠\\1", text)


def plain_text(text: object) -> str:
    """A post's text made safe for any receiver: no bidi, zero-width or control characters, no HTML tags,
    no `javascript:`-style links; on one line."""
    text = remove_invisible_controls(str(text or "")).replace("\u200d", "")
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Cf") else char for char in text)
    text = _UNSAFE_LINK_RE.sub(UNSAFE_LINK, _TAG_RE.sub(" ", text)).translate(_ANGLE_BRACKETS)
    return " ".join(text.split())


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A post's text on one line, made safe (`plain_text`), cut at `limit` characters."""
    flat = plain_text(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def safe_alert(alert: dict) -> dict:
    """The alert document as a generic webhook receives it: post texts and terms `plain_text`, links
    only when they are absolute http(s) URLs (else None)."""
    safe = dict(alert)
    if "stall" in alert:  # a collection-stalled alert: its crawl error is the only free text
        error = alert["stall"].get("last_error")
        safe["stall"] = {**alert["stall"], "last_error": excerpt(error, EVIDENCE_CHARS) if error else None}
        return safe
    safe["top_terms"] = [plain_text(term) for term in alert.get("top_terms", [])]
    safe["evidence_mentions"] = [
        {**post, "text": excerpt(post.get("text"), EVIDENCE_CHARS), "url": safe_url(post.get("url"))}
        for post in alert.get("evidence_mentions", [])
    ]
    return safe


def alert_message(brand, alert: dict) -> AlertMessage:
    """The counts against normal, the topics, the terms and the most engaged negative posts."""
    escalated = "تصعيد: " if alert["escalation"] else ""
    expected = alert["baseline"]["expected"]
    subject = (f"[nabd] {escalated}ارتفاع في الإشارات السلبية عن {brand.name_ar} — {alert['severity']} "
               f"({alert['negative_count']} مقابل {expected:.0f} متوقعة)")
    lines = [
        subject,
        f"{brand.name_en} ({brand.id}): {alert['negative_count']} negative mentions between "
        f"{alert['window_start']} and {alert['window_end']} against {expected:.1f} expected "
        f"(negative share {alert['negative_share']:.0%}, p={alert['p_value']:.1e}, severity {alert['severity']}"
        + (", escalating" if alert["escalation"] else "") + ").",
        "Top complaint topics: " + (", ".join(f"{t['id']} ({t['count']})" for t in alert["top_topics"]) or "none"),
        "Top terms: " + (", ".join(excerpt(term, 40) for term in alert["top_terms"]) or "none"),
        "Most engaged negative posts:",
    ]
    lines += [f"  • {safe_url(post['url']) or excerpt(post['id'], 64)} ({post['engagement']}): {excerpt(post['text'])}"
              for post in alert["evidence_mentions"]]
    return AlertMessage(subject=excerpt(subject, 250), text="\n".join(lines))


def stalled_message(alert: dict) -> AlertMessage:
    """A "collection stalled" alert: which source, for how many runs, since when, and its last error."""
    stall, source = alert["stall"], plain_text(alert["source"])
    failing = stall["failed_runs"] == stall["consecutive_runs"]
    what_ar = "فشل الجمع" if failing else "لا إشارات جديدة"
    subject = f"[nabd] توقف الجمع من المصدر {source}: {what_ar} منذ {stall['consecutive_runs']} دورات متتالية"
    what = "failed" if failing else f"returned no posts or failed ({stall['failed_runs']} failed)"
    lines = [
        subject,
        f"Source {source} {what} for {stall['consecutive_runs']} consecutive runs, data intervals from "
        f"{alert['window_start']} to {alert['window_end']} (severity {alert['severity']}).",
        f"Earlier runs within the rule's lookback: {stall['earlier_runs']}, {stall['productive_runs']} of them with posts.",
        f"Last run: {stall['last_status']}" + (f": {excerpt(stall['last_error'], EVIDENCE_CHARS)}" if stall.get("last_error") else "."),
        "Check the crawl task's log, the source's credentials and quota, and docs/sources.md (expected errors and failures).",
    ]
    return AlertMessage(subject=excerpt(subject, 250), text="\n".join(lines))
