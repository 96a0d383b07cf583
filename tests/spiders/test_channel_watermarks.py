"""Per-channel watermarks in a real crawl after the source's crawls stopped: of two Telegram channels, the one whose
watermark lags behind the lookback is read back to it page by page, the up-to-date one only over the lookback; both
watermarks then move on."""

from __future__ import annotations

import pytest
from loopback import LoopbackSite, Reply, config_with_source, crawl_source, feed_records, fixture_text

from spiders.watermarks import WatermarkStore

HTML = "text/html; charset=utf-8"
START, END = "2026-11-22T13:00:00Z", "2026-11-22T14:00:00Z"


def channel_pages(channel: str) -> dict[str, Reply]:
    """The fixture channel's two preview pages, as `channel`'s."""
    latest = fixture_text("telegram_channel_latest.html").replace("sahm_offers_sa", channel)
    older = fixture_text("telegram_channel_before_1205.html").replace("sahm_offers_sa", channel)
    return {f"/s/{channel}": Reply(latest, content_type=HTML), f"/s/{channel}?before=1205": Reply(older, content_type=HTML)}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("channels")
    with pytest.MonkeyPatch.context() as patch, LoopbackSite({**channel_pages("sahm_offers_sa"), **channel_pages("techsaudi_news")}) as site:
        patch.setenv("NABD_PSEUDONYM_KEY", "telegram-test-key")
        source = {"name": "telegram", "kind": "telegram", "lookback": "1h", "catch_up": "7d",
                  "options": {"channels": ["sahm_offers_sa", "techsaudi_news"], "base_url": site.base_url}}
        config = config_with_source(folder / "config", source)
        state = folder / "state"
        store = WatermarkStore(state / "watermarks.json")
        # The source's crawls stopped on the 18th at 21:00 (down, or its DAG paused); sahm_offers_sa's watermark is its
        # latest post (a crawl of another interval got it), techsaudi_news last yielded post 1204, before the stop.
        store.advance("telegram", "2026-11-22T13:30:00Z", {"sahm_offers_sa": "2026-11-22T13:30:00Z", "techsaudi_news": "2026-11-18T20:20:00Z"},
                      covered="2026-11-18T21:00:00Z")
        out = folder / "hour.jsonl"
        summary = crawl_source(config, "telegram", START, END, out, state)
        yield summary, feed_records(out), site, store


def test_the_lagging_channel_is_read_back_to_its_watermark_and_the_current_one_over_the_lookback_only(crawled) -> None:
    summary, records, site, _ = crawled
    assert summary.ok and summary.fetch_start == "2026-11-18T20:20:00Z"
    assert site.requested("/s/techsaudi_news?before=1205"), "the lagging channel pages back to its watermark"
    assert not site.requested("/s/sahm_offers_sa?before=1205"), "the current channel stops at its lookback"
    assert sorted(record["source_id"] for record in records) == [
        "sahm_offers_sa/1207", "techsaudi_news/1204", "techsaudi_news/1205", "techsaudi_news/1206", "techsaudi_news/1207"]


def test_each_channel_watermark_moves_on_to_its_latest_post(crawled) -> None:
    _, _, _, store = crawled
    assert store.channels("telegram") == {"sahm_offers_sa": "2026-11-22T13:30:00Z", "techsaudi_news": "2026-11-22T13:30:00Z"}
