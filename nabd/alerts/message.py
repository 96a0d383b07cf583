"""The words of an alert: what the support team reads, with post text made safe for each channel."""

from __future__ import annotations

from dataclasses import dataclass

from nlp.normalize import remove_invisible_controls

EXCERPT_CHARS = 200
# Slack reads <…> as links and mentions (`<!channel>` pings everyone) and &…; as entities.
SLACK_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


@dataclass(frozen=True)
class AlertMessage:
    """An alert's subject and body: `text` for e-mail and webhooks, `slack_text` escaped for Slack."""

    subject: str
    text: str

    @property
    def slack_text(self) -> str:
        return slack_escape(self.text)


def slack_escape(text: str) -> str:
    """Text as Slack shows it literally: no links, mentions or entities smuggled in by a post."""
    for raw, escaped in SLACK_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A post's text on one line, without bidi or zero-width controls, cut at `limit` characters."""
    flat = " ".join(remove_invisible_controls(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


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
    lines += [f"  • {post['url'] or post['id']} ({post['engagement']}): {excerpt(post['text'])}"
              for post in alert["evidence_mentions"]]
    return AlertMessage(subject=excerpt(subject, 250), text="\n".join(lines))
