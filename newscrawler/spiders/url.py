"""A spider for single pages of any site: `scrapy crawl url -a urls=https://...,https://...`.

Uses the portal description when the URL belongs to a described portal, the generic extractor
otherwise; the pipelines then run as for any crawl.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response

from newscrawler.extract import ExtractError, read_page
from newscrawler.items import Article
from newscrawler.portals import portal_for_url
from newscrawler.spiders.portal import raw_page


class UrlSpider(Spider):
    name = "url"

    def __init__(self, *args: Any, urls: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.urls = [u.strip() for u in urls.split(",") if u.strip()]
        if not self.urls:
            raise ValueError("give the pages to fetch: scrapy crawl url -a urls=URL[,URL...]")

    async def start(self) -> AsyncIterator[Any]:
        for url in self.urls:
            yield Request(url, callback=self.parse_article)

    def parse_article(self, response: Response) -> Iterable[Article]:
        try:
            article = read_page(response.body, response.url, portal=portal_for_url(response.url))
        except ExtractError as exc:
            self.crawler.stats.inc_value("newscrawler/dropped/not_html")
            self.logger.warning("dropped %s: %s", response.url, exc)
            return
        article.page = raw_page(response)
        yield article
