"""Shared fixtures for the spiders tests: no proxies for loopback, a pseudonymization key."""

from __future__ import annotations

import pytest

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "no_proxy", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests (and the crawl subprocesses that inherit this environment) are never proxied."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "test-key-قيمة-سرية"
    monkeypatch.setenv("NABD_PSEUDONYM_KEY", key)
    return key
