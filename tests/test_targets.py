"""The url spider fetches public addresses only (issue 13): no cloud metadata, no localhost."""

from __future__ import annotations

import asyncio
import ipaddress
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from newscrawler.spiders.portal import SkipRequest
from newscrawler.spiders.url import UrlSpider
from newscrawler.targets import PublicTargetsOnly, is_public

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("address, public", [
    ("169.254.169.254", False), ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.1.1", False),
    ("172.16.0.1", False), ("100.64.0.1", False), ("0.0.0.0", False), ("::1", False),
    ("fe80::1", False), ("fd00::1", False), ("::ffff:127.0.0.1", False), ("224.0.0.1", False),
    ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("::ffff:8.8.8.8", True),
])
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "http://127.0.0.1:8080/admin", "http://[::1]/",
                                 "http://[::ffff:10.0.0.1]/x"])
def test_private_literal_hosts_are_refused_and_counted(url: str) -> None:
    crawler = get_crawler(UrlSpider)
    middleware = PublicTargetsOnly.from_crawler(crawler)
    with pytest.raises(SkipRequest):
        asyncio.run(middleware.process_request(Request(url)))
    assert crawler.stats.get_value("newscrawler/dropped/offsite") == 1


def test_the_setting_allows_private_targets() -> None:
    from scrapy.exceptions import NotConfigured

    crawler = get_crawler(UrlSpider, {"NEWSCRAWLER_ALLOW_PRIVATE_TARGETS": True})
    with pytest.raises(NotConfigured):
        PublicTargetsOnly.from_crawler(crawler)


@pytest.mark.slow
def test_url_spider_refuses_localhost_and_redirects_to_it(demo_origin: str, tmp_path: Path) -> None:
    page = demo_origin.replace("127.0.0.1", "localhost") + (
        "/aksi.id/nasional/petani-kopi-temanggung-panen-raya-di-tengah-hujan/")
    db = tmp_path / "news.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "url", "-a", f"urls={page}",
         "-s", f"NEWSCRAWLER_DB={db}", "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "'newscrawler/dropped/offsite': 1" in result.stderr
    assert "'newscrawler/articles/new'" not in result.stderr
