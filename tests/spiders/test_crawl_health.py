"""Every crawl leaves a health record; pages legitimately gone are skipped, a source that is down or refuses us fails."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from loopback import LoopbackSite, Reply, config_with_source, crawl_source, feed_records, fixture_json, json_reply
from test_html_spider import REVIEW_OPTIONS, THREADS, list_page, thread_page

from spiders.health import HEALTH_FILE, deliver_pending, pending_health_files
from spiders.run import CrawlFailed, run_crawl

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"
SOURCE = "forum:telecom_eg"
FAST_FAILURE = {"RETRY_TIMES": "1", "RETRY_AFTER_DEFAULT": "0"}


def health_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if HEALTH_FILE.search(path.name))


def only_health(folder: Path) -> dict:
    (path,) = health_files(folder)
    return json.loads(path.read_text(encoding="utf-8"))


def review_site(routes: dict, folder: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NABD_PSEUDONYM_KEY", "health-test-key")
    site = LoopbackSite(routes)
    source = {"name": SOURCE, "kind": "html", "options": {"list_url": site.base_url + "/reviews", **REVIEW_OPTIONS}}
    return site, config_with_source(folder / "config", source)


def test_a_deleted_and_a_gone_thread_are_skipped_pages_and_the_crawl_is_ok(tmp_path, monkeypatch) -> None:
    routes: dict = {"/reviews": list_page(THREADS[:4], 1, None), "/reviews/5501": thread_page(THREADS[0]),
                    "/reviews/5498": thread_page(THREADS[1]), "/reviews/5472": Reply("gone", status=410, content_type="text/plain")}
    # /reviews/5490 is not routed: the loopback site answers 404, as a forum does for a deleted thread.
    site, config = review_site(routes, tmp_path, monkeypatch)
    with site:
        summary = crawl_source(config, SOURCE, START, END, tmp_path / "raw" / "week.jsonl", tmp_path / "state")
    assert summary.ok and summary.items == 2 and summary.errors == 0
    assert summary.skipped_pages == 2 and summary.skipped_reasons == {"gone": 2}
    health = only_health(tmp_path / "raw")
    assert health["status"] == "ok" and health["items"] == health["collected"] == 2
    assert (health["pages_skipped"], health["skipped_reasons"], health["errors"], health["error"]) == (2, ["gone"], 0, None)
    assert health["http_status"] == {"2xx": 3, "3xx": 0, "4xx": 2, "5xx": 0}
    assert (health["source"], health["source_kind"], health["interval_start"], health["interval_end"]) == (SOURCE, "html", START, END)
    assert health["crawl_id"] == summary.crawl_id and len(summary.crawl_id) == 32 and health["duration_s"] > 0
    assert summary.health_file == str(health_files(tmp_path / "raw")[0]) and summary.health_file.endswith(".pending.json")


def test_an_interval_whose_only_post_was_deleted_is_empty_not_failed(tmp_path, monkeypatch) -> None:
    site, config = review_site({"/reviews": list_page(THREADS[2:3], 1, None)}, tmp_path, monkeypatch)
    with site:
        summary = crawl_source(config, SOURCE, START, END, tmp_path / "raw" / "week.jsonl", tmp_path / "state")
    assert summary.ok and summary.items == 0 and summary.skipped_reasons == {"gone": 1}
    assert feed_records(tmp_path / "raw" / "week.jsonl") == []
    health = only_health(tmp_path / "raw")
    assert (health["status"], health["pages_skipped"], health["error"]) == ("empty", 1, None)


def test_a_source_that_is_down_fails_the_crawl_and_its_health_record_says_why(tmp_path, monkeypatch) -> None:
    unavailable = Reply("maintenance", status=503, content_type="text/plain")
    site, config = review_site({"/reviews": unavailable}, tmp_path, monkeypatch)
    with site, pytest.raises(CrawlFailed, match="exit code 1") as failure:
        crawl_source(config, SOURCE, START, END, tmp_path / "raw" / "week.jsonl", tmp_path / "state", settings=FAST_FAILURE)
    health = only_health(tmp_path / "raw")
    assert health["status"] == "failed" and health["http_status"]["5xx"] == 2, "the request and its one retry"
    assert "finished with errors and no items" in health["error"] and health["retries"] == 1 and health["errors"] >= 1
    assert failure.value.health_file == str(health_files(tmp_path / "raw")[0])
    assert not (tmp_path / "raw" / "week.jsonl").exists()


def test_a_keyless_site_refusing_one_list_page_keeps_what_the_others_brought_with_the_error_counted(tmp_path, monkeypatch) -> None:
    routes: dict = {"/reviews": list_page(THREADS[:1], 1, 2), "/reviews/5501": thread_page(THREADS[0]),
                    "/reviews?page=2": Reply("forbidden", status=403, content_type="text/plain")}
    site, config = review_site(routes, tmp_path, monkeypatch)
    with site:
        summary = crawl_source(config, SOURCE, START, END, tmp_path / "raw" / "week.jsonl", tmp_path / "state")
    assert summary.ok and summary.items == 1 and summary.errors == 1
    health = only_health(tmp_path / "raw")
    assert (health["status"], health["errors"], health["http_status"]["4xx"], health["error"]) == ("ok", 1, 1, None)


def test_a_crawl_that_cannot_start_still_leaves_a_failed_record(tmp_path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = config_with_source(tmp_path / "config", {"name": "demo", "kind": "demo"})
    with pytest.raises(CrawlFailed, match="not before"):
        crawl_source(config, "demo", END, START, tmp_path / "raw" / "bad.jsonl", tmp_path / "state", base_url=f"http://127.0.0.1:{port}")
    health = only_health(tmp_path / "raw")
    assert (health["status"], health["source_kind"], health["finish_reason"]) == ("failed", "demo", "no summary")
    assert "is not before" in health["error"]


def test_a_sink_that_fails_keeps_the_record_pending_until_a_later_crawl_delivers_it(tmp_path, monkeypatch) -> None:
    site, config = review_site({"/reviews": list_page(THREADS[:1], 1, None), "/reviews/5501": thread_page(THREADS[0])},
                               tmp_path, monkeypatch)
    received: list[dict] = []

    def away(record: dict) -> None:
        raise ConnectionError("Elasticsearch is not reachable")

    out = tmp_path / "raw" / "week.jsonl"
    with site:
        first = crawl_source(config, SOURCE, START, END, out, tmp_path / "state", health_sink=away)
        assert first.ok and first.health_file.endswith(".pending.json")
        assert len(pending_health_files(out.parent)) == 1
        second = crawl_source(config, SOURCE, START, END, out, tmp_path / "state", health_sink=received.append)
    assert {record["crawl_id"] for record in received} == {first.crawl_id, second.crawl_id}
    assert pending_health_files(out.parent) == [] and len(health_files(out.parent)) == 2
    assert not second.health_file.endswith(".pending.json")
    assert deliver_pending(out.parent, received.append) == (0, 0), "nothing is delivered twice"


def reddit_config(folder: Path, oauth_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NABD_PSEUDONYM_KEY", "health-test-key")
    monkeypatch.setenv("NABD_REDDIT_CLIENT_ID", "client-id")
    monkeypatch.setenv("NABD_REDDIT_CLIENT_SECRET", "client-secret")
    source = {"name": "reddit", "kind": "reddit", "credentials_env": ["NABD_REDDIT_CLIENT_ID", "NABD_REDDIT_CLIENT_SECRET"],
              "options": {"subreddits": ["saudiarabia"], "base_url": "http://127.0.0.1:9", "oauth_url": oauth_url,
                          "token_url": oauth_url + "/api/v1/access_token", "search_brands": False,
                          "user_agent": "linux:sa.nabd.listening:v0.1.0 (by /u/nabd_listening)"}}
    return config_with_source(folder / "config", source)


def test_comments_of_a_post_deleted_or_made_private_since_it_was_listed_are_skipped(tmp_path, monkeypatch) -> None:
    routes: dict = {
        "/api/v1/access_token": json_reply({"access_token": "tok-123", "token_type": "bearer", "expires_in": 86400}),
        "/r/saudiarabia/new.json?limit=100&raw_json=1": json_reply(fixture_json("reddit_new_page1.json")),
        "/r/saudiarabia/new.json?limit=100&raw_json=1&after=t3_1gx0003": json_reply(fixture_json("reddit_new_page2.json")),
        "/comments/1gx0003.json": json_reply({"message": "Forbidden", "error": 403, "reason": "private"}, status=403),
    }  # /comments/1gx0001.json is not routed: 404, as for a post deleted since it was listed
    with LoopbackSite(routes) as site:
        summary = crawl_source(reddit_config(tmp_path, site.base_url, monkeypatch), "reddit", START, END,
                               tmp_path / "raw" / "week.jsonl", tmp_path / "state")
    assert summary.ok and summary.errors == 0 and summary.skipped_reasons == {"gone": 2}
    assert {record["source_id"] for record in feed_records(tmp_path / "raw" / "week.jsonl")} == {"t3_1gx0001", "t3_1gx0002", "t3_1gx0003"}
    health = only_health(tmp_path / "raw")
    assert (health["status"], health["pages_skipped"], health["http_status"]["4xx"]) == ("ok", 2, 2)


def test_refused_credentials_fail_the_crawl(tmp_path, monkeypatch) -> None:
    routes: dict = {"/api/v1/access_token": json_reply({"message": "Unauthorized", "error": 401}, status=401)}
    with LoopbackSite(routes) as site, pytest.raises(CrawlFailed, match="exit code 1"):
        crawl_source(reddit_config(tmp_path, site.base_url, monkeypatch), "reddit", START, END,
                     tmp_path / "raw" / "week.jsonl", tmp_path / "state")
    health = only_health(tmp_path / "raw")
    assert (health["status"], health["finish_reason"], health["http_status"]["4xx"]) == ("failed", "refused: HTTP 401 ×1", 1)
    assert "refused: HTTP 401" in health["error"]


def test_a_source_without_its_credentials_leaves_an_empty_record_with_the_reason(tmp_path, monkeypatch) -> None:
    config = reddit_config(tmp_path, "http://127.0.0.1:9", monkeypatch)
    monkeypatch.delenv("NABD_REDDIT_CLIENT_SECRET")
    summary = crawl_source(config, "reddit", START, END, tmp_path / "raw" / "week.jsonl", tmp_path / "state")
    assert summary.ok and summary.finish_reason.startswith("skipped: environment variable NABD_REDDIT_CLIENT_SECRET")
    health = only_health(tmp_path / "raw")
    assert (health["status"], health["skipped_reasons"], health["source_kind"]) == ("empty", ["credentials not set"], "reddit")


def test_a_crawl_stopped_at_its_time_limit_leaves_a_failed_record(tmp_path, monkeypatch) -> None:
    def slow(query: dict) -> Reply:
        time.sleep(4)
        return list_page(THREADS[:1], 1, None)

    site, config = review_site({"/reviews": slow}, tmp_path, monkeypatch)
    with site, pytest.raises(CrawlFailed, match="ran past 2 s and was stopped"):
        run_crawl(SOURCE, START, END, tmp_path / "raw" / "week.jsonl", config_path=config, state_dir=tmp_path / "state",
                  settings={"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}, timeout_s=2)
    health = only_health(tmp_path / "raw")
    assert (health["status"], health["source_kind"], health["finish_reason"]) == ("failed", "html", "no summary")
    assert "ran past 2 s" in health["error"] and health["duration_s"] >= 2


def youtube_crawl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_reason: str):
    """A channel with two recent videos: the first's comment threads are empty, the second's answer 403 `closed_reason`."""
    error = {"error": {"code": 403, "message": f"The request failed: {closed_reason}",
                       "errors": [{"message": "…", "domain": "youtube.commentThread", "reason": closed_reason}]}}
    playlist = {"kind": "youtube#playlistItemListResponse",
                "items": [{"kind": "youtube#playlistItem", "contentDetails": {"videoId": video}} for video in ("dQw4w9WgXcQ", "Tp7kLm2Qa9E")]}

    def threads(params: dict[str, str]) -> Reply:
        if params["videoId"] == "Tp7kLm2Qa9E":
            return json_reply(error, status=403)
        return json_reply({"kind": "youtube#commentThreadListResponse", "items": []})

    routes = {"/youtube/v3/channels": json_reply(fixture_json("youtube_channels.json")),
              "/youtube/v3/playlistItems": json_reply(playlist), "/youtube/v3/commentThreads": threads}
    monkeypatch.setenv("NABD_PSEUDONYM_KEY", "health-test-key")
    monkeypatch.setenv("NABD_YOUTUBE_API_KEY", "AIza-test-key")
    with LoopbackSite(routes) as site:
        source = {"name": "youtube", "kind": "youtube", "credentials_env": ["NABD_YOUTUBE_API_KEY"],
                  "options": {"api_url": site.base_url + "/youtube/v3", "channels": ["UCs4hMq2vK8dN0pXb3cYwTeA"]}}
        return crawl_source(config_with_source(tmp_path / "config", source), "youtube", START, END,
                            tmp_path / "raw" / "week.jsonl", tmp_path / "state")


def test_a_youtube_video_whose_comments_are_forbidden_to_the_key_is_a_skipped_page(tmp_path, monkeypatch) -> None:
    summary = youtube_crawl(tmp_path, monkeypatch, "forbidden")
    assert summary.ok and summary.skipped_reasons == {"forbidden": 1} and summary.errors == 0
    assert only_health(tmp_path / "raw")["status"] == "empty"


def test_a_youtube_quota_spent_midway_fails_the_crawl(tmp_path, monkeypatch) -> None:
    with pytest.raises(CrawlFailed, match=r"refused: HTTP 403 ×1"):
        youtube_crawl(tmp_path, monkeypatch, "quotaExceeded")
    health = only_health(tmp_path / "raw")
    assert (health["status"], health["pages_skipped"]) == ("failed", 0)


def test_two_crawls_delivering_one_folders_pending_records_at_once_both_succeed(tmp_path) -> None:
    # Crawls of two intervals of one source run at once (a backfill with two active runs): each delivers every
    # pending record of the folder, so both may take the same one. The one that comes second must not fail its
    # crawl (a failed crawl is retried, re-collected and enriched again).
    from spiders.health import write_health

    folder = tmp_path / "raw"
    for n in range(40):  # crawl ids are uuid hex
        write_health(folder / f"20261121T{n % 24:02d}0000Z_{n:02d}.jsonl", {"crawl_id": f"{n:032x}", "status": "ok"})
    barrier, received, errors = threading.Barrier(2), [], []

    def deliver() -> None:
        barrier.wait()
        try:
            deliver_pending(folder, lambda record: (time.sleep(0.001), received.append(record["crawl_id"])))
        except Exception as error:  # noqa: BLE001 - the assertion below shows it
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert pending_health_files(folder) == [] and set(received) == {f"{n:032x}" for n in range(40)}
