"""Benchmark: the configurable HTML spider crawling a loopback forum of 20,000 thread pages, throttling off.

    .venv/bin/python bench/crawl_throughput.py [--pages 20000] [--small 5000] [--per-list 50]

Serves a forum in a separate process (list pages of --per-list links, one thread page per post,
texts from real Arabic posts in ../shared/data) and crawls it with `python -m spiders.run`, the
same child process the CLI and Airflow use, with the html source configured by XPath and Arabic
dates, every pipeline on, DOWNLOAD_DELAY 0 and AutoThrottle off. Runs a --small crawl first and
the full one second, so peak memory can be compared across sizes. Each size is crawled twice: with
lookback off, the interval covers every post; with lookback on, the interval is the last hour and the
source's `lookback` reaches back over every post (what an hourly crawl re-reads), so both read the same
posts. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
TEXT_SOURCES = ("arsarcasm_v2_train.jsonl.gz", "astd.jsonl.gz")
FIRST_POST = datetime(2026, 10, 1, tzinfo=timezone(timedelta(hours=3)))
SOURCE = "forum:bench"
OPTIONS = {
    "selector_type": "xpath",
    "item_link_selector": "//td[@class='subject']/a/@href",
    "item_selector": "//div[@class='review']",
    "id_selector": "./@data-review-id",
    "text_selector": ".//div[@class='review-text']",
    "title_selector": ".//h1/text()",
    "author_selector": ".//span[@class='reviewer']/text()",
    "time_selector": ".//span[@class='date']/text()",
    "time_format": "%d/%m/%Y %H:%M",
    "timezone": "Asia/Riyadh",
    "next_page_selector": "//a[@rel='next']/@href",
}
CRAWL_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": "32",
                  "CONCURRENT_REQUESTS_PER_DOMAIN": "32", "LOG_LEVEL": "WARNING"}


def real_texts() -> list[str]:
    texts = []
    for name in TEXT_SOURCES:
        with gzip.open(DATA_DIR / name, "rt", encoding="utf-8") as lines:
            texts.extend(json.loads(line)["text"] for line in lines)
    return texts


class Forum:
    """The forum's pages, made on request: newest thread first, `per_list` threads per list page."""

    def __init__(self, pages: int, per_list: int, texts: list[str]) -> None:
        self.pages, self.per_list, self.texts = pages, per_list, texts

    def published(self, number: int) -> datetime:
        return FIRST_POST + timedelta(minutes=3 * (self.pages - number))

    def list_page(self, page: int) -> str:
        first = (page - 1) * self.per_list
        rows = "".join(f'<tr><td class="subject"><a href="/reviews/{n}">مراجعة رقم {n}</a></td><td>عضو {n % 997}</td></tr>\n'
                       for n in range(first, min(first + self.per_list, self.pages)))
        more = f'<a rel="next" href="/reviews?page={page + 1}">التالي</a>' if first + self.per_list < self.pages else ""
        return f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>المراجعات {page}</title></head><body><table>{rows}</table>{more}</body></html>'

    def thread_page(self, number: int) -> str:
        text = escape(self.texts[number % len(self.texts)]).replace("\n", "<br>")
        date = self.published(number).strftime("%d/%m/%Y %H:%M")
        return (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>مراجعة {number}</title></head><body>'
                f'<div class="review" data-review-id="{number}"><h1>مراجعة رقم {number}</h1><span class="reviewer">عضو {number % 997}</span>'
                f'<span class="date">{date}</span><div class="review-text"><p>{text}</p></div></div></body></html>')


def serve(pages: int, per_list: int, port_file: Path) -> None:
    """The forum server process: writes its port to `port_file`, then serves until killed."""
    forum = Forum(pages, per_list, real_texts())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/reviews":
                body, status = forum.list_page(int(parse_qs(parts.query).get("page", ["1"])[0])), 200
            elif parts.path.startswith("/reviews/") and parts.path[9:].isdigit():
                body, status = forum.thread_page(int(parts.path[9:])), 200
            else:
                body, status = "not found", 404
            payload = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


def start_server(pages: int, per_list: int, folder: Path) -> tuple[subprocess.Popen, str]:
    port_file = folder / f"port-{pages}"
    port_file.unlink(missing_ok=True)  # a forum of this size served before has left its port here
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(pages), "--per-list", str(per_list), "--port-file", str(port_file)])
    for _ in range(200):
        if port_file.exists() and port_file.read_text():
            return server, f"http://127.0.0.1:{port_file.read_text()}"
        time.sleep(0.05)
    server.kill()
    raise RuntimeError("the forum server did not start")


def write_config(folder: Path, base_url: str, lookback: str) -> Path:
    config = folder / "config"
    config.mkdir(parents=True, exist_ok=True)
    for name in ("brands.yaml", "topics.yaml", "alerts.yaml", "settings.yaml"):
        shutil.copy(REPO_ROOT / "config" / name, config / name)
    source = {"name": SOURCE, "kind": "html", "enabled": True, "lookback": lookback,
              "options": {"list_url": base_url + "/reviews", "max_pages": 100_000, **OPTIONS}}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}, allow_unicode=True), encoding="utf-8")
    return config


def peak_rss_mb(child: subprocess.Popen) -> float:
    """The highest resident memory of a running child process, sampled every 0.1 s until it exits."""
    process, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    return peak / 2**20


def crawl(pages: int, per_list: int, folder: Path, lookback: bool) -> dict:
    """One crawl of a forum of `pages` threads in a fresh child process: items, seconds, items/s, peak RSS.

    With `lookback`, the crawl's interval is the last hour and its lookback reaches back over every post."""
    server, base_url = start_server(pages, per_list, folder)
    try:
        forum = Forum(pages, per_list, [""])
        start = forum.published(pages - 1).astimezone(timezone.utc) - timedelta(minutes=1)
        end = forum.published(0).astimezone(timezone.utc) + timedelta(minutes=1)
        span_days = -(-(end - start) // timedelta(days=1))
        name = f"{pages}-{'lookback' if lookback else 'interval'}"
        config = write_config(folder / name, base_url, f"{span_days}d" if lookback else "0")
        if lookback:
            start = end - timedelta(hours=1)
        command = [sys.executable, "-m", "spiders.run", "--source", SOURCE, "--config", str(config), "--state-dir", str(folder / name / "state"),
                   "--start", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--end", end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "--out", str(folder / f"{name}.jsonl")]
        for name, value in CRAWL_SETTINGS.items():
            command += ["--setting", f"{name}={value}"]
        environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT), NABD_PSEUDONYM_KEY=os.environ.get("NABD_PSEUDONYM_KEY", "bench-key"))
        began = time.monotonic()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment, cwd=REPO_ROOT)
        peak_mb = peak_rss_mb(child)
        stdout = child.communicate()[0]
        seconds = time.monotonic() - began
    finally:
        server.kill()
        server.wait()
    if child.returncode != 0:
        raise RuntimeError(f"crawl of {pages} pages failed: {stdout[-2000:]}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    return {"pages": pages, "lookback": f"on ({summary['fetch_start']} → {summary['start']})" if lookback else "off",
            "requests": pages + -(-pages // per_list), "items": summary["items"], "seconds": round(seconds, 1),
            "items_per_s": round(summary["items"] / seconds), "peak_mb": round(peak_mb)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--per-list", type=int, default=50)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.per_list, args.port_file)
        return 0
    with tempfile.TemporaryDirectory(prefix="nabd-crawl-bench-") as folder:
        rows = [crawl(pages, args.per_list, Path(folder), lookback) for lookback in (False, True) for pages in (args.small, args.pages)]
    print(f"\n{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print("| thread pages | lookback | requests | items | seconds | items/s | peak RSS of the crawl process (MB) |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['pages']:,} | {row['lookback']} | {row['requests']:,} | {row['items']:,} | {row['seconds']} | {row['items_per_s']} | "
              f"{row['peak_mb']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
