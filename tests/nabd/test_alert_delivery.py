"""What a hostile post can do to an alert once delivered: the bytes a Slack-compatible and a generic webhook receive."""

from __future__ import annotations

import pytest

from config import load_config
from config.models import Channel
from nabd.alerts.delivery import deliver
from nabd.alerts.message import alert_message
from tests.support.receivers import start_webhook_receiver

HOSTILE_TEXT = ("الشبكة طايحة \u202eتحذير\u202c <script>alert(1)</script> <img src=x onerror=alert(2)> "
                "اضغطوا javascript:alert(3) @here @channel <!everyone> <!here> & \u200bسهم\u2066 ما يرد")
HOSTILE_URL = "javascript:alert(document.cookie)"


def hostile_alert() -> dict:
    return {
        "id": "a1", "rule_id": "sahm_negative_spike", "brand": "sahm", "@timestamp": "2026-11-23T10:00:00Z",
        "window_start": "2026-11-23T09:00:00Z", "window_end": "2026-11-23T10:00:00Z",
        "severity": "warning", "escalation": 0, "storm_id": "a1", "negative_count": 13, "total_count": 21,
        "negative_share": 0.619, "baseline": {"expected": 4.0, "median": 4, "mad": 1.0, "method": "test"},
        "score": 3.25, "p_value": 1e-4, "top_topics": [{"id": "network_coverage", "count": 9}],
        "top_terms": ["طايحة", "<b>الشبكة</b>\u202e"],
        "evidence_mentions": [
            {"id": "s0", "url": HOSTILE_URL, "text": HOSTILE_TEXT, "engagement": 500},
            {"id": "s1", "url": "https://x.example/sahm/s1", "text": "الشبكة طايحة من الصبح", "engagement": 3},
        ],
    }


@pytest.fixture
def receiver():
    webhooks = start_webhook_receiver()
    yield webhooks
    webhooks.server.shutdown()


def delivered(receiver, kind: str) -> tuple[str, dict]:
    """Delivers the hostile alert to one channel on the receiver; the raw body and its JSON."""
    config = load_config()
    channel = Channel(type=kind, url_env="NABD_TEST_HOOK_URL")
    alert = hostile_alert()
    outcome = deliver(channel, alert, alert_message(config.brand("sahm"), alert), config.settings,
                      lambda name: receiver.url(f"/{kind}"))
    assert outcome.ok, outcome.error
    [post] = [post for post in receiver.posts if post.path == f"/{kind}"]
    return post.raw.decode("utf-8"), post.body


def test_slack_gets_no_mention_ping_link_or_bidi_control_from_a_post(receiver):
    raw, body = delivered(receiver, "slack")
    text = body["text"]
    for smuggled in ("<!everyone>", "<!here>", "<script>", "@here", "@channel", "\u202e", "\u2066", "\u200b"):
        assert smuggled not in text
    assert "!everyone" not in text and "＠here ＠channel &amp; سهم ما يرد" in text
    assert "javascript:" not in text and HOSTILE_URL not in raw
    assert "الشبكة طايحة" in text and "13 negative mentions" in text


def test_the_generic_webhook_gets_plain_text_and_only_http_links(receiver):
    raw, body = delivered(receiver, "webhook")
    for smuggled in ("<script>", "<img", "<b>", "javascript:", "\u202e", "\u202c", "\u2066", "\u200b"):
        assert smuggled not in raw
        assert smuggled.encode("unicode_escape").decode() not in raw  # nor escaped inside the JSON
    first, second = body["alert"]["evidence_mentions"]
    assert first["url"] is None and second["url"] == "https://x.example/sahm/s1"
    assert first["text"].startswith("الشبكة طايحة تحذير") and "سهم ما يرد" in first["text"]
    assert body["alert"]["top_terms"] == ["طايحة", "الشبكة"]
    assert body["alert"]["negative_count"] == 13 and "https://x.example/sahm/s1" in body["text"]
