"""Crawls under faults, for real: two crawls of one interval at once, a crawl killed mid-write, a full disk."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from spiders.demo.site import DemoSite, load_posts
from spiders.health import HEALTH_FILE
from spiders.items import mention_id
from spiders.partfile import PartFile
from spiders.run import REPO_ROOT, crawl_command, run_crawl

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"


@pytest.fixture(scope="module")
def newest_posts() -> list[dict]:
    """The 70 newest demo posts: four listing pages."""
    return load_posts()[:70]


def ids_of(posts: list[dict]) -> set[str]:
    return {mention_id("demo", post["id"]) for post in posts}


def feed_ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def leftovers(folder: Path, out: Path) -> list[str]:
    """Files in `folder` other than the feed itself, lock files and health records: temporary or partial files left behind."""
    return sorted(path.name for path in folder.iterdir()
                  if path.is_file() and path != out and not path.name.endswith(".lock") and not HEALTH_FILE.search(path.name))


def crawl(site: DemoSite, out: Path, state: Path, **options: object):
    return run_crawl("demo", START, END, out, site.base_url, state_dir=state, timeout_s=120, **options)


def test_two_crawls_of_one_interval_at_once_both_succeed_and_leave_one_complete_feed(newest_posts, tmp_path) -> None:
    out = tmp_path / "raw" / "demo.jsonl"
    with DemoSite(posts=newest_posts) as site, ThreadPoolExecutor(max_workers=2) as pool:
        crawls = [pool.submit(crawl, site, out, tmp_path / "state") for _ in range(2)]
        summaries = [future.result() for future in crawls]
    assert all(summary.ok and summary.items == 70 for summary in summaries)
    ids = feed_ids(out)
    assert len(ids) == 70 and set(ids) == ids_of(newest_posts), "every post exactly once"
    assert leftovers(out.parent, out) == []
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_crawl_killed_mid_write_is_recovered_by_the_next_run(newest_posts, tmp_path) -> None:
    out = tmp_path / "raw" / "demo.jsonl"
    with DemoSite(posts=newest_posts) as site:
        command = crawl_command("demo", START, END, out, site.base_url, state_dir=tmp_path / "state",
                                settings={"DOWNLOAD_DELAY": "0.05", "AUTOTHROTTLE_ENABLED": "False"})
        environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
        try:
            deadline = time.monotonic() + 60
            while not any(path.stat().st_size > 0 for path in out.parent.glob(".*part")) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert child.poll() is None, "the crawl finished before it could be killed"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        killed_leftovers = leftovers(out.parent, out)
        assert killed_leftovers and not out.exists(), "killed mid-write: a partial file and no feed"
        assert all(stat.S_IMODE((out.parent / name).stat().st_mode) == 0o600 for name in killed_leftovers)
        summary = crawl(site, out, tmp_path / "state")
    assert summary.ok and summary.collected == summary.items == 70
    ids = feed_ids(out)
    assert len(ids) == 70 and set(ids) == ids_of(newest_posts)
    assert leftovers(out.parent, out) == [], "the dead crawl's partial file is swept, not read as data"


FULL_DISK_CHILD = """
import resource, signal, sys
from spiders.run import CrawlFailed, run_crawl
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit raise EFBIG instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[4]), int(sys.argv[4])))
try:
    summary = run_crawl("demo", sys.argv[5], sys.argv[6], sys.argv[2], sys.argv[1], state_dir=sys.argv[3], timeout_s=120,
                        settings={"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"})
except CrawlFailed as failure:
    print("FAILED", failure)
    sys.exit(3)
print("OK", summary.to_json())
"""


def test_a_full_disk_while_writing_the_feed_fails_naming_the_path_and_leaves_no_half_file(newest_posts, tmp_path) -> None:
    out = tmp_path / "raw" / "demo.jsonl"
    out.parent.mkdir()
    with DemoSite(posts=newest_posts) as site:
        # 20 kB holds a few dozen records: the disk fills while the crawl writes its feed.
        finished = subprocess.run([sys.executable, "-c", FULL_DISK_CHILD, site.base_url, str(out), str(tmp_path / "state"),
                                   "20000", START, END], capture_output=True, text=True, timeout=120,
                                  env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert finished.returncode == 3, finished.stdout + finished.stderr[-3000:]
    assert "no space" in finished.stdout.lower() or "file too large" in finished.stdout.lower(), finished.stdout
    assert str(out) in finished.stdout, "the error names the file"
    assert not out.exists()
    assert leftovers(out.parent, out) == []
    assert not (tmp_path / "state" / "watermarks.json").exists()


FULL_DISK_WRITE = """
import json, resource, signal, sys
from pathlib import Path
from spiders.feed import FeedWriteError, write_feed
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
records = [{"id": f"{n:032x}", "@timestamp": "2026-11-20T10:00:00Z", "source": "demo", "text": "الخدمة بطيئة جدا اليوم " * 4}
           for n in range(200)]
try:
    write_feed(Path(sys.argv[1]), records)
except FeedWriteError as error:
    print(json.dumps({"errno": error.errno, "message": str(error)}, ensure_ascii=False))
"""


def test_a_full_disk_while_writing_a_feed_file_raises_naming_it_and_keeps_the_earlier_file(tmp_path) -> None:
    out = tmp_path / "enriched" / "demo.jsonl"
    out.parent.mkdir()
    out.write_text('{"id":"earlier","@timestamp":"2026-11-20T09:00:00Z"}\n', encoding="utf-8")
    finished = subprocess.run([sys.executable, "-c", FULL_DISK_WRITE, str(out)], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert finished.returncode == 0, finished.stderr[-3000:]
    failure = json.loads(finished.stdout)
    assert failure["errno"] == 27 and failure["message"].startswith(f"could not write {out}: File too large")
    assert out.read_text(encoding="utf-8") == '{"id":"earlier","@timestamp":"2026-11-20T09:00:00Z"}\n'
    assert leftovers(out.parent, out) == []


def test_partial_feeds_of_one_interval_have_unique_names_even_within_one_process(tmp_path) -> None:
    """Pods often share process ids: the partial file's name carries a random uuid besides the pid (issue 22)."""
    out = tmp_path / "raw" / "20261120T000000Z_20261120T010000Z.jsonl"
    with PartFile(out) as first, PartFile(out) as second:
        assert first.path != second.path
        pattern = re.compile(rf"^\.{re.escape(out.name)}\.{os.getpid()}-[0-9a-f]{{32}}\.part$")
        assert pattern.match(first.path.name) and pattern.match(second.path.name)
        assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert leftovers(out.parent, out) == []
