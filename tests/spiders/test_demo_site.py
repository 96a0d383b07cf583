"""The demo forum served over HTTP on a loopback port."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from spiders.demo.site import PAGE_SIZE, DemoSite, SiteFaults, load_posts

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with DIRECT.open(url, timeout=5) as reply:
            return reply.status, dict(reply.headers), reply.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


@pytest.fixture(scope="module")
def posts() -> list[dict]:
    return load_posts()[:45]


def test_the_bundled_posts_cover_the_demo_week_newest_first() -> None:
    everything = load_posts()
    assert len(everything) >= 550
    stamps = [post["published"] for post in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps[-1] >= "2026-11-16T00:00:00Z" and stamps[0] < "2026-11-23T00:00:00Z"
    burst = [s for s in stamps if "2026-11-21T17:00:00Z" <= s < "2026-11-21T21:00:00Z"]
    assert len(burst) >= 50, "the Saturday-evening burst for sahm is there"


def test_the_site_serves_robots_txt_and_paginated_listings(posts: list[dict]) -> None:
    with DemoSite(posts=posts) as site:
        status, _, robots = fetch(site.base_url + "/robots.txt")
        assert status == 200 and "User-agent: *" in robots
        _, _, first = fetch(site.base_url + "/posts?page=1")
        assert first.count('class="post-summary"') == PAGE_SIZE
        assert 'rel="next" href="/posts?page=2"' in first
        assert f'data-post-id="{posts[0]["id"]}"' in first
        _, _, last = fetch(site.base_url + "/posts?page=3")
        assert last.count('class="post-summary"') == 5 and 'rel="next"' not in last
        assert fetch(site.base_url + "/posts?page=4")[0] == 404
        assert fetch(site.base_url + "/posts?page=zero")[0] == 400


def test_a_post_page_shows_author_local_time_body_and_counts(posts: list[dict]) -> None:
    post = next(p for p in posts if "\n" in p["text"] or "@" in p["text"])
    with DemoSite(posts=posts) as site:
        status, headers, page = fetch(f"{site.base_url}/posts/{post['id']}")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f'data-handle="{post["author"]["handle"]}"' in page
    assert '+03:00">' in page
    assert f'class="likes" data-count="{post["likes"]}"' in page
    assert 'class="post-body"' in page


def test_a_rate_limited_path_answers_429_with_retry_after_then_serves() -> None:
    faults = SiteFaults(rate_limited={"/posts?page=1": 2}, retry_after_s=3)
    with DemoSite(posts=load_posts()[:5], faults=faults) as site:
        first, second, third = (fetch(site.base_url + "/posts?page=1") for _ in range(3))
    assert first[0] == second[0] == 429 and first[1]["Retry-After"] == "3"
    assert third[0] == 200


def test_an_unknown_post_is_not_found_and_the_site_stops_cleanly(posts: list[dict]) -> None:
    site = DemoSite(posts=posts)
    base = site.start()
    assert fetch(base + "/posts/1")[0] == 404
    site.stop()
    with pytest.raises(urllib.error.URLError):
        DIRECT.open(base + "/robots.txt", timeout=2)
