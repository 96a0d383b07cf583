"""The crawl window: the interval with its lookback, lagging channels read back to their watermark (at most catch_up),
incremental crawls from each channel's watermark; watermarks per channel only move forward; `sighting` keeps the
first collected_at and the time a version was first fetched."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.sources import Source
from spiders.run import SourcePlan, crawl_window, merge_records, sighting
from spiders.watermarks import WatermarkStore

START, END = "2026-11-21T12:00:00Z", "2026-11-21T13:00:00Z"


def plan(lookback: timedelta, catch_up: timedelta = timedelta(days=7)) -> SourcePlan:
    return SourcePlan(name="telegram", kind="telegram", options={}, data_dir=Path("var"), pseudonym_key_env="NABD_PSEUDONYM_KEY",
                      lookback=lookback, catch_up=catch_up)


def test_a_crawl_opens_its_lookback_before_the_interval() -> None:
    window = crawl_window(plan(timedelta(hours=24)), START, END, {}, None, since_watermark=False)
    assert (window.start, window.channel_starts, window.fetch_start) == ("2026-11-20T12:00:00Z", {}, "2026-11-20T12:00:00Z")


# The source's crawls stopped two days ago (its last successful crawl ended then).
STOPPED = "2026-11-19T09:00:00Z"


def test_after_a_stop_a_channel_whose_watermark_lags_the_lookback_is_read_back_to_it_and_no_further_than_catch_up() -> None:
    marks = {"sahm_offers_sa": "2026-11-21T11:40:00Z", "techsaudi_news": "2026-11-19T08:15:00Z", "souq_deals_eg": "2026-11-02T00:00:00Z"}
    window = crawl_window(plan(timedelta(hours=6), catch_up=timedelta(days=7)), START, END, marks, None, since_watermark=False,
                          covered=STOPPED)
    assert window.start == "2026-11-21T06:00:00Z"
    assert window.channel_starts == {"techsaudi_news": "2026-11-19T08:15:00Z", "souq_deals_eg": "2026-11-14T12:00:00Z"}
    assert window.fetch_start == "2026-11-14T12:00:00Z"


def test_catch_up_zero_turns_gap_filling_off() -> None:
    window = crawl_window(plan(timedelta(hours=6), catch_up=timedelta(0)), START, END, {"techsaudi_news": "2026-11-19T08:15:00Z"},
                          None, since_watermark=False, covered=STOPPED)
    assert window.channel_starts == {} and window.fetch_start == "2026-11-21T06:00:00Z"


def test_an_old_interval_re_run_later_is_not_widened_by_newer_watermarks() -> None:
    window = crawl_window(plan(timedelta(hours=6)), START, END, {"techsaudi_news": "2026-12-01T09:00:00Z"}, None, since_watermark=False,
                          covered="2026-12-01T10:00:00Z")
    assert window.channel_starts == {} and window.start == "2026-11-21T06:00:00Z"


def test_crawls_that_follow_each_other_do_not_reach_back_for_a_quiet_channel() -> None:
    """Hourly runs, or a backfill in order: the previous crawl covered up to this one's lookback, so a channel with
    no new post for days is not read back to its last post every hour."""
    window = crawl_window(plan(timedelta(0)), START, END, {"techsaudi_news": "2026-11-19T08:15:00Z"}, None, since_watermark=False,
                          covered=START)
    assert window.channel_starts == {} and window.fetch_start == START


def test_an_incremental_crawl_starts_each_channel_at_its_watermark_inside_the_interval_and_re_reads_nothing() -> None:
    marks = {"sahm_offers_sa": "2026-11-21T12:40:00Z", "techsaudi_news": "2026-11-19T08:15:00Z"}
    window = crawl_window(plan(timedelta(hours=24)), START, END, marks, "2026-11-21T12:40:00Z", since_watermark=True)
    assert window.start == START and window.channel_starts == {"sahm_offers_sa": "2026-11-21T12:40:00Z"}
    assert window.fetch_start == START, "techsaudi_news has nothing inside the interval yet: it starts at the interval"
    legacy = crawl_window(plan(timedelta(hours=24)), START, END, {}, "2026-11-21T12:40:00Z", since_watermark=True)
    assert legacy.start == legacy.fetch_start == "2026-11-21T12:40:00Z", "a watermarks file of before channels still resumes"


def test_channel_watermarks_only_move_forward_and_keep_the_source_watermark(tmp_path) -> None:
    store = WatermarkStore(tmp_path / "state" / "watermarks.json")
    store.advance("telegram", "2026-11-21T12:40:00Z", {"sahm_offers_sa": "2026-11-21T12:40:00Z", "techsaudi_news": "2026-11-21T09:00:00Z"})
    assert store.advance("telegram", "2026-11-21T10:00:00Z", {"sahm_offers_sa": "2026-11-21T10:00:00Z",
                                                             "techsaudi_news": "2026-11-21T12:55:00Z"}) == "2026-11-21T12:40:00Z"
    assert store.channels("telegram") == {"sahm_offers_sa": "2026-11-21T12:40:00Z", "techsaudi_news": "2026-11-21T12:55:00Z"}
    assert store.latest("telegram") == "2026-11-21T12:40:00Z" and store.channels("x") == {}


@pytest.mark.parametrize("text, expected", [("90m", timedelta(minutes=90)), ("6h", timedelta(hours=6)), ("7d", timedelta(days=7)),
                                            ("0", timedelta(0)), (0, timedelta(0))])
def test_lookback_is_written_in_minutes_hours_or_days(text, expected) -> None:
    assert Source(name="telegram", kind="telegram", enabled=True, lookback=text).effective_lookback == expected


def test_a_lookback_that_is_not_a_duration_is_refused_saying_the_form() -> None:
    with pytest.raises(ValidationError, match="expected a duration such as '90m', '6h' or '7d'"):
        Source(name="telegram", kind="telegram", enabled=True, lookback="ستة ساعات")


def test_each_kind_has_its_default_lookback() -> None:
    defaults = {kind: Source(name="s", kind=kind, enabled=True, credentials_env=["NABD_KEY"]).effective_lookback
                for kind in ("x", "mastodon", "youtube", "reddit", "app_store", "rss", "html", "telegram", "demo")}
    assert defaults == {"x": timedelta(hours=24), "mastodon": timedelta(hours=6), "youtube": timedelta(hours=72),
                        "reddit": timedelta(hours=72), "app_store": timedelta(days=7), "rss": timedelta(hours=48),
                        "html": timedelta(hours=48), "telegram": timedelta(hours=24), "demo": timedelta(0)}


def test_a_sighting_keeps_the_first_collected_at_and_dates_a_changed_version_when_it_was_fetched() -> None:
    earlier = {"id": "a1", "@timestamp": "2026-11-21T11:50:00Z", "text": "سهم النت فاصل", "engagement": {"likes": 2},
               "collected_at": "2026-11-21T12:00:07Z", "updated_at": "2026-11-21T12:00:07Z"}
    changed = dict(earlier, engagement={"likes": 9}, collected_at="2026-11-21T13:00:05Z")
    del changed["updated_at"]
    record = sighting(changed, earlier)
    assert (record["collected_at"], record["updated_at"], record["engagement"]) == ("2026-11-21T12:00:07Z", "2026-11-21T13:00:05Z", {"likes": 9})
    unchanged = {name: value for name, value in earlier.items() if name != "updated_at"} | {"collected_at": "2026-11-21T13:00:05Z"}
    assert sighting(unchanged, earlier)["updated_at"] == "2026-11-21T12:00:07Z", "an unchanged re-read writes the same bytes"
    (merged,) = merge_records([earlier], [changed], keep_previous=False, start=START, end=END)
    assert merged == record
