"""Scrapy's spider loader, plus one spider per portal description.

`scrapy list` and `scrapy crawl <id>` find the portals here: each description becomes a
subclass of PortalSpider named by the portal's id. No spider file is written per portal. The
loader follows Scrapy's public SpiderLoaderProtocol and keeps Scrapy's own loader for the
spider modules (the `url` spider), so nothing here depends on Scrapy's private attributes.
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from newscrawler.portals import Portal, PortalError, broken_portals, load_portals
from newscrawler.spiders.portal import PortalSpider

logger = logging.getLogger(__name__)


def spider_class(portal: Portal) -> type[PortalSpider]:
    class_name = "".join(part.capitalize() for part in portal.id.split("-")) + "Spider"
    return type(class_name, (PortalSpider,), {"name": portal.id, "portal": portal,
                                              "__doc__": f"Crawls {portal.name}."})


class PortalSpiderLoader:
    """The spiders of SPIDER_MODULES (Scrapy's loader) and one per portal description."""

    def __init__(self, settings: BaseSettings):
        self.modules = SpiderLoader.from_settings(settings)
        self.portals = {p.id: spider_class(p) for p in load_portals().values()}
        clash = set(self.portals) & set(self.modules.list())
        if clash:
            raise PortalError(f"portal ids clash with spider names: {sorted(clash)}")
        for error in broken_portals().values():
            logger.warning("no spider for a broken portal description: %s", error)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> PortalSpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        """The spider class by name; KeyError for an unknown one, as Scrapy expects."""
        if spider_name in self.portals:
            return self.portals[spider_name]
        return self.modules.load(spider_name)

    def list(self) -> list[str]:
        return sorted({*self.modules.list(), *self.portals})

    def find_by_request(self, request: Request) -> list[str]:
        by_portal = [name for name, cls in self.portals.items() if cls.portal.owns(request.url)]
        return [*self.modules.find_by_request(request), *by_portal]
