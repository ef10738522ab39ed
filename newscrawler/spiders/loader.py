"""Scrapy's spider loader, plus one spider per portal description.

`scrapy list` and `scrapy crawl <id>` find the portals here: each description becomes a
subclass of PortalSpider named by the portal's id. No spider file is written per portal.
"""

from __future__ import annotations

import logging

from scrapy.spiderloader import SpiderLoader

from newscrawler.portals import Portal, broken_portals, load_portals
from newscrawler.spiders.portal import PortalSpider

logger = logging.getLogger(__name__)


def spider_class(portal: Portal) -> type[PortalSpider]:
    class_name = "".join(part.capitalize() for part in portal.id.split("-")) + "Spider"
    return type(class_name, (PortalSpider,), {"name": portal.id, "portal": portal,
                                              "__doc__": f"Crawls {portal.name}."})


class PortalSpiderLoader(SpiderLoader):
    def _load_all_spiders(self) -> None:
        super()._load_all_spiders()
        for portal in load_portals().values():
            self._found[portal.id].append((__name__, portal.id))
            self._spiders.setdefault(portal.id, spider_class(portal))
        self._check_name_duplicates()
        for error in broken_portals().values():
            logger.warning("no spider for a broken portal description: %s", error)
