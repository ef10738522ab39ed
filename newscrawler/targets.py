"""Where the `url` spider may fetch: public addresses only, unless a setting allows more.

`scrapy crawl url -a urls=...` fetches whatever it is given and follows redirects to any host:
a page could send it to 169.254.169.254 (cloud metadata) or to a service on localhost, and the
answer would be stored under the original URL. This downloader middleware resolves every
request's host (first requests and redirects alike) and refuses private, loopback, link-local
and other non-global addresses, counting them as `newscrawler/dropped/offsite`. Tests and local
mirrors set NEWSCRAWLER_ALLOW_PRIVATE_TARGETS=1.
"""

from __future__ import annotations

import ipaddress
import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

from newscrawler.addresses import url_host
from newscrawler.spiders.portal import SkipRequest

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: Address) -> bool:
    """A globally routable address (an IPv4-mapped IPv6 address is judged as the IPv4 one)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class PublicTargetsOnly:
    """Refuses requests whose host is, or resolves to, a non-public address."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PublicTargetsOnly:
        if crawler.settings.getbool("NEWSCRAWLER_ALLOW_PRIVATE_TARGETS"):
            raise NotConfigured("private targets allowed")
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = url_host(request.url)
        address = await self.address_of(host)
        if address is not None and not is_public(address):
            self.crawler.stats.inc_value("newscrawler/dropped/offsite")
            logger.warning("refused %s: %s is not a public address (%s); set "
                           "NEWSCRAWLER_ALLOW_PRIVATE_TARGETS=1 to allow it", request.url, host,
                           address)
            raise SkipRequest(f"{host} is not a public address")

    async def address_of(self, host: str) -> Address | None:
        """The host's address: itself when it is one, else as the crawl's resolver finds it
        (cached, so the download connects to the address checked here); None if unknown."""
        try:
            return ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            pass
        from twisted.internet import reactor  # the reactor Scrapy installed

        try:
            resolved = await maybe_deferred_to_future(reactor.resolve(host))
            return ipaddress.ip_address(resolved)
        except (OSError, ValueError) as exc:  # twisted's DNSLookupError is an OSError
            logger.debug("cannot resolve %s here (%s): the download will say why", host, exc)
            return None
