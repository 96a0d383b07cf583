"""The end-of-crawl merge in bounded memory: external sorts give the in-memory rule's file, byte for byte."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from spiders.feed import SortedRuns, canonical_record, feed_line, read_feed, sort_key, write_feed
from spiders.run import IntervalMerge, merge_records

START, END = "2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"
# Texts that a line-based temporary format could trip over: tabs, U+2028, quotes, Arabic.
TEXTS = ("مرحبا\tبالعالم", "سطر\u2028آخر", 'قال "نعم"', "خدمة العملاء سيئة جدا 😡", "")


def record(number: int, hour: int, minute: int, collected_at: str | None, rng: random.Random) -> dict:
    return {
        "id": f"id-{number:03d}",
        "source": "forum:test",
        "source_id": str(number),
        "url": f"https://forum.example/{number}",
        "query": "forum:test",
        "@timestamp": f"2026-11-{20 + hour // 24:02d}T{hour % 24:02d}:{minute:02d}:00Z",
        "collected_at": collected_at,
        "text": rng.choice(TEXTS) + " " + "ن" * rng.randrange(0, 80),
        "author": {"id": f"a{number % 7}", "name": None, "followers": None, "verified": False},
        "engagement": {"likes": number},
    }


def write_jsonl(path: Path, records: list[dict]) -> None:
    # Fields out of contract order, as a spider's exporter may write them.
    path.write_text("".join(feed_line(dict(reversed(list(r.items())))) for r in records), encoding="utf-8")


def fixture_feeds(folder: Path) -> tuple[Path, Path]:
    """An earlier file (in and outside the interval, one id twice) and a crawl's feed overlapping it."""
    rng = random.Random(7)
    previous = [record(n, hour=rng.randrange(-3, 27), minute=rng.choice((0, 30)), rng=rng,
                       collected_at=None if n % 5 == 0 else f"2026-11-20T0{n % 9}:00:00Z") for n in range(0, 120)]
    previous.append(record(3, hour=2, minute=15, collected_at="2026-11-19T23:00:00Z", rng=rng))  # id seen twice
    previous.append(record(4, hour=10, minute=0, collected_at="2026-11-19T21:00:00Z", rng=rng))  # inside, then
    previous.append(record(4, hour=30, minute=0, collected_at="2026-11-19T22:00:00Z", rng=rng))  # last copy outside
    collected = [record(n, hour=rng.randrange(0, 24), minute=rng.choice((0, 30)), rng=rng,
                        collected_at="2026-11-21T09:00:00Z") for n in range(60, 200)]
    collected.append(record(150, hour=5, minute=0, collected_at="2026-11-21T09:05:00Z", rng=rng))  # collected twice
    rng.shuffle(collected)
    write_jsonl(folder / "previous.jsonl", previous)
    write_jsonl(folder / "collected.jsonl", collected)
    return folder / "previous.jsonl", folder / "collected.jsonl"


def in_memory_file(previous: Path, collected: Path, keep_previous: bool) -> bytes:
    """What the runner wrote before: merge_records, then write_feed's sort in memory."""
    merged = merge_records(read_feed(previous), read_feed(collected), keep_previous=keep_previous, start=START, end=END)
    ordered = sorted((canonical_record(r) for r in merged), key=sort_key)
    return "".join(feed_line(r) for r in ordered).encode("utf-8")


@pytest.mark.parametrize("keep_previous", [False, True], ids=["full", "incremental"])
def test_an_external_merge_over_several_spilled_runs_writes_the_same_file_as_the_in_memory_rule(tmp_path: Path, keep_previous: bool) -> None:
    previous, collected = fixture_feeds(tmp_path)
    expected = in_memory_file(previous, collected, keep_previous)
    out = tmp_path / "interval" / "out.jsonl"
    out.parent.mkdir()
    out.write_bytes(previous.read_bytes())

    with IntervalMerge(out.parent, keep_previous=keep_previous, start=START, end=END, run_characters=2_000) as merge:
        assert merge.add_collected(collected) == 141
        merge.add_previous(out)
        count, latest = merge.write(out)
        spilled = len(merge.by_id.runs)

    assert spilled >= 5
    assert out.read_bytes() == expected
    assert count == expected.count(b"\n")
    assert latest == max(r["@timestamp"] for r in read_feed(out))
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.jsonl"]  # no temporary file left behind

    # Re-running with the same crawl over the file just written changes nothing (first collected_at kept).
    first = out.read_bytes()
    with IntervalMerge(out.parent, keep_previous=keep_previous, start=START, end=END, run_characters=2_000) as merge:
        merge.add_collected(collected)
        merge.add_previous(out)
        merge.write(out)
    assert out.read_bytes() == first


def test_sorted_runs_merge_spilled_runs_in_key_order_keeping_equal_keys_in_insertion_order(tmp_path: Path) -> None:
    rng = random.Random(3)
    entries = [((rng.choice("abcde"), rng.randrange(5)), f"{n}\t{rng.choice(TEXTS)}") for n in range(500)]
    with SortedRuns(tmp_path, run_characters=300) as runs:
        for key, line in entries:
            runs.add(key, line)
        merged = list(runs.sorted())
        assert len(runs.runs) > 10
    assert merged == sorted(entries, key=lambda entry: entry[0])
    assert list(tmp_path.iterdir()) == []


def test_write_feed_sorts_a_feed_larger_than_one_run_like_sorting_it_in_memory(tmp_path: Path) -> None:
    rng = random.Random(5)
    records = [record(n, hour=rng.randrange(0, 24), minute=rng.choice((0, 30)), collected_at=None, rng=rng) for n in range(300)]
    assert write_feed(tmp_path / "feed.jsonl", records, run_characters=1_000) == 300
    expected = "".join(feed_line(r) for r in sorted((canonical_record(r) for r in records), key=sort_key))
    assert (tmp_path / "feed.jsonl").read_text(encoding="utf-8") == expected
