"""A spider for single pages of any site: `scrapy crawl url -a urls=https://...,https://...`.

Uses the portal description when the URL belongs to a described portal, the generic extractor
otherwise; the pipelines then run as for any crawl. URLs are made canonical first, like every
article URL of a described portal (`newscrawler.urls`), so a page given twice is fetched once;
other sites' URLs lose only their tracking parameters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from newscrawler.extract import ExtractError, read_page
from newscrawler.items import Article
from newscrawler.portals import portal_for_url
from newscrawler.spiders.portal import count_failure, raw_page
from newscrawler.urls import canonical_url, clean_url


class UrlSpider(Spider):
    name = "url"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Public addresses only, redirects included (newscrawler.targets)."""
        super().update_settings(settings)
        middlewares = {**settings.getdict("DOWNLOADER_MIDDLEWARES"),
                       "newscrawler.targets.PublicTargetsOnly": 50}
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    def __init__(self, *args: Any, urls: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.urls = [u.strip() for u in urls.split(",") if u.strip()]
        if not self.urls:
            raise ValueError("give the pages to fetch: scrapy crawl url -a urls=URL[,URL...]")

    async def start(self) -> AsyncIterator[Any]:
        for url in self.urls:
            portal = portal_for_url(url)
            canonical = canonical_url(url, portal) if portal else clean_url(url)
            yield Request(canonical, callback=self.parse_article, errback=self.on_error,
                          meta={"article_url": canonical})

    def on_error(self, failure: Failure) -> None:
        count_failure(self, failure)

    def parse_article(self, response: Response) -> Iterable[Article]:
        try:
            url = response.meta.get("article_url", response.url)
            article = read_page(response.body, url, portal=portal_for_url(url))
        except ExtractError as exc:
            self.crawler.stats.inc_value("newscrawler/dropped/not_html")
            self.logger.warning("dropped %s: %s", response.url, exc)
            return
        article.page = raw_page(response)
        yield article
