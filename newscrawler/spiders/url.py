"""A spider for single pages of any site: `scrapy crawl url -a urls=https://...,https://...`.

Uses the portal description when the URL belongs to a described portal, the generic extractor
otherwise; the pipelines then run as for any crawl (`newscrawler.page.process_page`), so a feed
or a listing page is refused as "not an article" and counted, like on the portal spiders. URLs
get their archive key first (`newscrawler.page.request_key`), so a page given twice is fetched
once and a known one not at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from newscrawler.items import Fetched
from newscrawler.page import request_key
from newscrawler.portals import portal_for_url
from newscrawler.spiders.portal import count_failure, raw_page


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
            key = request_key(url)
            yield Request(key, callback=self.parse_article, errback=self.on_error,
                          meta={"article_url": key})

    def on_error(self, failure: Failure) -> None:
        count_failure(self, failure)

    def parse_article(self, response: Response) -> Iterable[Fetched]:
        url = response.meta.get("article_url", response.url)
        portal = portal_for_url(url)
        yield Fetched(request_url=url, portal=portal.id if portal else None,
                      pages=[raw_page(response)])
