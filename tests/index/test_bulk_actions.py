"""Turning mention records into bulk actions: a pure function, tested without a server."""

from __future__ import annotations

import pytest

from index.bulk import MentionFile, mention_action, parse_timestamp
from index.templates import IndexNames

NAMES = IndexNames(prefix="nabd")


def test_a_mention_lands_in_the_month_of_its_utc_timestamp():
    action = mention_action({"id": "m1", "@timestamp": "2026-12-01T01:30:00+03:00", "text": "x"}, NAMES)
    assert action["_index"] == "nabd-mentions-2026.11"
    assert action["_id"] == "m1"


def test_the_action_creates_or_replaces_the_document_keyed_by_the_mention_id():
    action = mention_action({"id": "m2", "@timestamp": "2026-11-21T18:00:00Z", "text": "x"}, NAMES)
    assert action["_op_type"] == "index" and action["_source"]["text"] == "x"


def test_engagement_total_is_added_without_changing_the_input():
    mention = {"id": "m3", "@timestamp": "2026-11-21T18:00:00Z", "engagement": {"likes": 4, "replies": 2, "shares": 1}}
    action = mention_action(mention, NAMES)
    assert action["_source"]["engagement"]["total"] == 7
    assert "total" not in mention["engagement"]


@pytest.mark.parametrize("mention, message", [
    ({"@timestamp": "2026-11-21T18:00:00Z"}, "no `id`"),
    ({"id": "", "@timestamp": "2026-11-21T18:00:00Z"}, "no `id`"),
    ({"id": "m4"}, "ISO 8601"),
    ({"id": "m5", "@timestamp": "2026-11-21T18:00:00"}, "no UTC offset"),
    ({"id": "m6", "@timestamp": "أمس"}, "Invalid isoformat"),
])
def test_a_mention_without_id_or_usable_timestamp_is_refused_with_the_reason(mention, message):
    with pytest.raises(ValueError, match=message):
        mention_action(mention, NAMES)


def test_parse_timestamp_returns_utc():
    assert parse_timestamp("2026-11-21T21:00:00+03:00").isoformat() == "2026-11-21T18:00:00+00:00"


def test_bad_lines_are_reported_with_their_line_numbers_and_the_rest_streams(tmp_path):
    path = tmp_path / "mentions.jsonl"
    path.write_bytes(
        b'{"id": "a", "@timestamp": "2026-11-21T18:00:00Z", "text": "\xd8\xa7\xd9\x84\xd8\xaa\xd9\x88\xd8\xb5\xd9\x8a\xd9\x84", "brands": []}\n'
        b"{not json\n"
        b"\n"
        b'{"id": "b", "@timestamp": "2026-11-21T18:00:00Z", "text": "\xff\xfe broken utf-8"}\n'
        b"[1, 2]\n"
        b'{"id": "c", "@timestamp": "2026-11-22T09:00:00Z", "text": "\xd8\xb2\xd9\x8a\xd9\x86", "brands": []}\n'
    )
    rejects = []
    source = MentionFile(path, NAMES, on_reject=rejects.append)
    ids = [action["_id"] for _, action in source.actions()]
    assert ids == ["a", "c"]
    assert [(r.line, r.reason.split(":")[0]) for r in rejects] == [
        (2, "Expecting property name enclosed in double quotes"),
        (4, "'utf-8' codec can't decode byte 0xff in position 59"),
        (5, "expected a JSON object, got list"),
    ]
    assert source.lines == 6
