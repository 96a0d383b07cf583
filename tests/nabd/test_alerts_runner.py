"""`nabd alerts check` end to end: a brand's series on the real server, alerts recorded, delivered to real receivers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import yaml

from config import load_config
from index.templates import setup
from nabd.alerts.runner import check_alerts
from nabd.cli import main
from tests.support.indexing import index_mentions
from tests.support.receivers import alert_receivers, free_port

AT = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
HISTORY_HOURS = 4 * 168 + 30
HOSTILE = "الشبكة طايحة <!channel> \u202eتحذير <script>alert(1)</script>"


def mention(key: str, when: datetime, sentiment: str, text: str, *, spam=False, likes=0, complaint=False) -> dict:
    return {"id": key, "source": "x", "url": f"https://x.example/sahm/{key}", "@timestamp": when.isoformat(),
            "text": text, "brands": [{"id": "sahm", "alias": "سهم", "role": "brand"}],
            "engagement": {"likes": likes},
            "nlp": {"sentiment": sentiment, "complaint": complaint,
                    "topics": ["network_coverage"] if complaint else [], "spam": spam, "dialect": "gulf",
                    "sarcasm": False, "churn_intent": False, "advocacy": False}}


def normal_hours(end: datetime) -> list[dict]:
    """Every hour at half past: 4 negatives by day (06–21 UTC), 2 by night, and 8 others."""
    records = []
    for back in range(1, HISTORY_HOURS + 1):
        hour = end - timedelta(hours=back) + timedelta(minutes=30)
        negatives = 4 if 6 <= hour.hour < 22 else 2
        for n in range(negatives):
            records.append(mention(f"n{back}-{n}", hour, "negative", "تأخير بسيط في الرد"))
        for n in range(8):
            records.append(mention(f"p{back}-{n}", hour, "positive" if n % 2 else "neutral", "خدمة ممتازة"))
    return records


def storm(prefix: str, start: datetime, count: int, *, spam=False) -> list[dict]:
    """`count` negative complaints a minute apart; the first is the most engaged and hostile."""
    return [mention(f"{prefix}{n}", start + timedelta(minutes=n), "negative",
                    HOSTILE if n == 0 else f"الشبكة طايحة من الصبح {n}", spam=spam,
                    likes=500 if n == 0 else n, complaint=True)
            for n in range(count)]


def comparison_storm(prefix: str, start: datetime, count: int, text: str, post: str, sahm: str, najm: str
                     ) -> list[dict]:
    """`count` posts a minute apart naming Sahm and Najm, each brand with its own sentiment (`post`: the post's)."""
    records = []
    for n in range(count):
        record = mention(f"{prefix}{n}", start + timedelta(minutes=n), post, f"{text} {n}", likes=count - n)
        record["brands"] = [{"id": "sahm", "alias": "سهم", "role": "brand", "sentiment": sahm},
                            {"id": "najm", "alias": "نجم", "role": "competitor", "sentiment": najm}]
        record["nlp"]["brand_sentiment"] = [f"sahm:{sahm}", f"najm:{najm}"]
        records.append(record)
    return records


@pytest.fixture
def receivers(test_config_dir):
    """A webhook receiver and a plain SMTP server, the test configuration's smtp pointed at the latter."""
    with alert_receivers(test_config_dir) as both:
        yield both


@pytest.fixture
def alert_config(test_config_dir, receivers, monkeypatch):
    """One rule for sahm delivering to Slack, a generic webhook and e-mail, all on loopback."""
    webhooks, _ = receivers
    (test_config_dir / "alerts.yaml").write_text(yaml.safe_dump({"alert_rules": [{
        "id": "sahm_negative_spike", "brand": "sahm", "window_minutes": 60, "check_every_minutes": 15,
        "min_negative": 10, "min_negative_share": 0.3, "sensitivity": 3.0, "cooldown_minutes": 180,
        "channels": [{"type": "slack", "url_env": "NABD_TEST_SLACK_URL"},
                     {"type": "webhook", "url_env": "NABD_TEST_WEBHOOK_URL"},
                     {"type": "email", "to": ["cx-leads@sahm.example"]}]}]}), encoding="utf-8")
    monkeypatch.setenv("NABD_TEST_SLACK_URL", webhooks.url("/slack"))
    monkeypatch.setenv("NABD_TEST_WEBHOOK_URL", webhooks.url("/hook"))
    return load_config(test_config_dir)


@pytest.fixture
def history(es_client, index_names, alert_config):
    setup(es_client, index_names, ["سهم"])
    index_mentions(es_client, index_names, normal_hours(AT))
    return alert_config


def recorded_alerts(es_client, index_names) -> list[dict]:
    es_client.indices.refresh(index=index_names.alerts_alias)
    hits = es_client.search(index=index_names.alerts_alias, size=50, sort=[{"@timestamp": "asc"}])["hits"]["hits"]
    return [hit["_source"] for hit in hits]


def test_an_ordinary_hour_raises_nothing(history, es_client, index_names, receivers):
    [result] = check_alerts(history, AT)
    assert (result.spike, result.fired, result.reason) == (False, False, "below the minimum of 10")
    assert recorded_alerts(es_client, index_names) == []
    assert receivers[0].posts == [] and receivers[1].messages == []


def test_a_storm_is_recorded_with_its_evidence_and_delivered_to_every_channel(
        history, es_client, index_names, receivers):
    webhooks, smtp = receivers
    index_mentions(es_client, index_names, storm("s", AT - timedelta(minutes=20), 9))

    [result] = check_alerts(history, AT)

    assert result.fired and result.alert["severity"] == "warning"
    [alert] = recorded_alerts(es_client, index_names)
    assert (alert["negative_count"], alert["total_count"]) == (13, 21)
    assert alert["baseline"]["expected"] == 4.0
    assert alert["top_topics"] == [{"id": "network_coverage", "count": 9}]
    assert any("طايح" in term for term in alert["top_terms"])
    assert alert["evidence_mentions"][0]["id"] == "s0" and alert["evidence_mentions"][0]["engagement"] == 500
    assert [d["ok"] for d in alert["deliveries"]] == [True, True, True]

    [slack] = webhooks.posts_to("/slack")
    assert "<!channel>" not in slack["text"] and "<script>" not in slack["text"]
    assert "\u202e" not in slack["text"] and "13 negative mentions" in slack["text"]
    [hook] = webhooks.posts_to("/hook")
    assert hook["alert"]["id"] == alert["id"] and hook["alert"]["negative_count"] == 13
    [email] = smtp.messages
    assert email["To"] == "cx-leads@sahm.example" and "سهم" in email["Subject"]
    assert "https://x.example/sahm/s0" in email.get_content()


def test_one_storm_is_one_alert_that_escalates_instead_of_repeating(history, es_client, index_names, receivers):
    index_mentions(es_client, index_names, storm("s", AT - timedelta(minutes=20), 9))
    check_alerts(history, AT)
    index_mentions(es_client, index_names, storm("t", AT + timedelta(minutes=2), 12))

    [later] = check_alerts(history, AT + timedelta(minutes=15))
    [same] = check_alerts(history, AT + timedelta(minutes=30))

    first, escalation = recorded_alerts(es_client, index_names)
    assert later.fired and escalation["escalation"] == 1 and escalation["severity"] == "critical"
    assert escalation["storm_id"] == first["storm_id"] == first["id"]
    assert (same.spike, same.fired) == (True, False) and "cooldown" in same.reason
    assert len(receivers[0].posts_to("/slack")) == 2
    assert "تصعيد" in receivers[1].messages[-1]["Subject"]


def test_rerunning_a_check_records_and_sends_nothing_twice(history, es_client, index_names, receivers):
    index_mentions(es_client, index_names, storm("s", AT - timedelta(minutes=20), 9))
    check_alerts(history, AT)
    [again] = check_alerts(history, AT + timedelta(seconds=40))  # the same minute: the same window

    assert (again.fired, again.reason) == (False, "already recorded for this window")
    assert len(recorded_alerts(es_client, index_names)) == 1
    assert len(receivers[0].posts) == 2 and len(receivers[1].messages) == 1


def test_spam_never_makes_a_storm(history, es_client, index_names, receivers):
    index_mentions(es_client, index_names, storm("spam", AT - timedelta(minutes=20), 30, spam=True))
    [result] = check_alerts(history, AT)
    assert (result.spike, result.fired) == (False, False)
    assert recorded_alerts(es_client, index_names) == []


def test_a_storm_against_the_competitor_is_no_storm_for_the_brand(history, es_client, index_names, receivers):
    """Posts that read negative overall but praise Sahm against Najm count as Sahm's positives."""
    index_mentions(es_client, index_names, comparison_storm(
        "c", AT - timedelta(minutes=20), 12, "نجم طايحة من الصبح، الحمد لله إني على سهم", "negative",
        sahm="positive", najm="negative"))
    [result] = check_alerts(history, AT)
    assert (result.spike, result.fired, result.reason) == (False, False, "below the minimum of 10")
    assert recorded_alerts(es_client, index_names) == []


def test_negatives_toward_the_brand_in_posts_that_read_otherwise_make_a_storm(
        history, es_client, index_names, receivers):
    """Old mentions (the history) count with the post's sentiment, new ones with Sahm's own."""
    index_mentions(es_client, index_names, comparison_storm(
        "w", AT - timedelta(minutes=20), 9, "حولت من سهم إلى نجم، سهم خذلني ونجم أحسن بكثير", "positive",
        sahm="negative", najm="positive"))
    [result] = check_alerts(history, AT)
    assert result.fired
    [alert] = recorded_alerts(es_client, index_names)
    assert (alert["negative_count"], alert["total_count"]) == (13, 21)
    assert [m["id"] for m in alert["evidence_mentions"]] == ["w0", "w1", "w2", "w3", "w4"]


def test_a_failing_channel_is_retried_and_a_rerun_delivers_only_what_failed(
        history, es_client, index_names, receivers, monkeypatch):
    webhooks, smtp = receivers
    webhooks.statuses.extend([503])  # the generic webhook fails once, then accepts
    monkeypatch.setenv("NABD_TEST_SLACK_URL", f"http://127.0.0.1:{free_port()}/slack")  # Slack is down
    index_mentions(es_client, index_names, storm("s", AT - timedelta(minutes=20), 9))

    check_alerts(history, AT)
    [alert] = recorded_alerts(es_client, index_names)
    slack, hook, email = alert["deliveries"]
    assert (slack["ok"], hook["ok"], email["ok"]) == (False, True, True)
    assert "Connection refused" in slack["error"] and len(webhooks.posts_to("/hook")) == 2

    monkeypatch.setenv("NABD_TEST_SLACK_URL", webhooks.url("/slack"))  # Slack is back
    check_alerts(history, AT)
    [alert] = recorded_alerts(es_client, index_names)
    assert [d["ok"] for d in alert["deliveries"]] == [True, True, True]
    assert len(webhooks.posts_to("/slack")) == 1 and len(webhooks.posts_to("/hook")) == 2
    assert len(smtp.messages) == 1


def test_a_check_time_without_a_time_zone_is_refused(history):
    with pytest.raises(ValueError, match="needs a time zone"):
        check_alerts(history, datetime(2026, 11, 23, 10, 0))


def test_the_command_exits_nonzero_when_a_delivery_failed(
        history, test_config_dir, es_client, index_names, monkeypatch, capsys):
    monkeypatch.setenv("NABD_CONFIG_DIR", str(test_config_dir))
    monkeypatch.setenv("NABD_TEST_WEBHOOK_URL", "ftp://nowhere.example/hook")
    index_mentions(es_client, index_names, storm("s", AT - timedelta(minutes=20), 9))

    code = main(["alerts", "check", "--at", "2026-11-23T13:00:00+03:00"])

    out = capsys.readouterr().out
    assert code == 1
    assert "1 fired, 1 deliveries failed" in out
