"""A mention seen again: the write keeps the first collected_at, dates the version, is conditional on the stored copy,
and an older sighting never replaces a newer one (pure, then on the real node)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from index.bulk import index_file, mention_action, sighting_action
from index.templates import IndexNames, setup

NAMES = IndexNames(prefix="nabd")
MENTION = {"id": "m1", "source": "demo", "source_id": "7311920", "@timestamp": "2026-11-21T11:50:00Z", "text": "سهم النت فاصل من الصبح",
           "brands": [{"id": "sahm", "alias": "سهم"}], "engagement": {"likes": 9, "replies": 1, "shares": 0},
           "collected_at": "2026-11-21T13:00:05Z", "updated_at": "2026-11-21T13:00:05Z"}


def stored(collected_at: str, updated_at: str | None, index: str = "nabd-mentions-2026.11", seq_no: int = 4) -> dict:
    return {"_index": index, "_seq_no": seq_no, "_primary_term": 1, "collected_at": collected_at, "updated_at": updated_at}


def test_a_first_sighting_is_created_only_if_no_one_created_it_meanwhile() -> None:
    action = sighting_action(mention_action(MENTION, NAMES), [])
    assert action["_op_type"] == "create" and action["_source"]["collected_at"] == "2026-11-21T13:00:05Z"


def test_a_later_sighting_replaces_the_stored_copy_on_condition_and_keeps_its_first_collected_at() -> None:
    action = sighting_action(mention_action(MENTION, NAMES), [stored("2026-11-21T12:00:07Z", "2026-11-21T12:00:07Z")])
    assert (action["_op_type"], action["if_seq_no"], action["if_primary_term"]) == ("index", 4, 1)
    assert action["_source"]["collected_at"] == "2026-11-21T12:00:07Z"
    assert action["_source"]["updated_at"] == "2026-11-21T13:00:05Z" and action["_source"]["engagement"]["likes"] == 9


def test_an_older_sighting_leaves_the_newer_copy_alone() -> None:
    assert sighting_action(mention_action(MENTION, NAMES), [stored("2026-11-21T12:00:07Z", "2026-11-21T14:00:02Z")]) is None


def test_a_copy_stored_before_updated_at_existed_is_judged_by_its_collected_at() -> None:
    assert sighting_action(mention_action(MENTION, NAMES), [stored("2026-11-21T14:00:02Z", None)]) is None
    action = sighting_action(mention_action(MENTION, NAMES), [stored("2026-11-21T12:00:07Z", None)])
    assert action["_source"]["collected_at"] == "2026-11-21T12:00:07Z"


def test_a_copy_in_the_month_the_mention_left_gives_its_first_collected_at_and_the_new_month_is_created() -> None:
    moved = sighting_action(mention_action(MENTION, NAMES), [stored("2026-11-21T12:00:07Z", "2026-11-21T12:00:07Z", "nabd-mentions-2026.10")])
    assert moved["_op_type"] == "create" and moved["_source"]["collected_at"] == "2026-11-21T12:00:07Z"


def test_on_the_node_a_newer_sighting_another_writer_stored_is_kept_and_an_older_file_changes_nothing(
        es_client, index_names, tmp_path) -> None:
    setup(es_client, index_names, [])
    index = index_names.mentions_index(datetime(2026, 11, 21, tzinfo=timezone.utc))
    first = dict(MENTION, engagement={"likes": 2, "replies": 0, "shares": 0}, collected_at="2026-11-21T12:00:07Z",
                 updated_at="2026-11-21T12:00:07Z")
    path = tmp_path / "hour.jsonl"
    path.write_text(json.dumps(first, ensure_ascii=False) + "\n", encoding="utf-8")
    index_file(es_client, path, index_names)
    es_client.indices.refresh(index=index)
    # Another writer (a later hour's indexing) stores a newer sighting; then this older file is indexed again.
    newer = dict(MENTION, engagement={"likes": 30, "replies": 4, "shares": 2}, collected_at="2026-11-21T15:00:01Z",
                 updated_at="2026-11-21T15:00:01Z")
    es_client.index(index=index, id="m1", document=mention_action(newer, index_names)["_source"])
    path.write_text(json.dumps(MENTION, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = index_file(es_client, path, index_names)
    assert summary.rejected_by_server == 0 and summary.results["kept_newer_version"] == 1
    document = es_client.get(index=index, id="m1")["_source"]
    assert document["engagement"] == {"likes": 30, "replies": 4, "shares": 2, "total": 36}
    assert document["updated_at"] == "2026-11-21T15:00:01Z"
