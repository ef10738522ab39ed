"""The crawl's log, for machines and for people: a failed fetch is one line, not a traceback.

Scrapy logs some network failures (a robots.txt that could not be fetched, a request without
an errback) at ERROR with the whole traceback: hundreds of lines an hour for an unreachable
site, and every line of them the same. Those are faults of the network, counted by reason in
each portal's stats, so they are logged as one WARNING line each; tracebacks stay for what is
unexpected (exceptions in our own code).
"""

from __future__ import annotations

import logging

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet import error as network
from twisted.web.client import ResponseFailed

EXPECTED_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    network.ConnectError, network.DNSLookupError, network.TimeoutError,
    network.ConnectionLost, network.ConnectionDone, ResponseFailed, CannotResolveHostError,
    DownloadConnectionRefusedError, DownloadFailedError, DownloadTimeoutError,
    ResponseDataLossError,
)


# Where Scrapy logs a failed download with its traceback.
ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"
SCRAPY_LOGGERS = (ROBOTS_LOGGER, "scrapy.core.scraper",
                  "scrapy.core.engine", "scrapy.core.downloader")


class NetworkErrorsInOneLine(logging.Filter):
    """A record of an expected network error becomes a one-line warning.

    On the loggers, not the handlers: Scrapy replaces its root handler as each crawler
    starts, and a logger's filter runs before the handlers' levels are checked.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, EXPECTED_NETWORK_ERRORS):
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            if record.name == ROBOTS_LOGGER and isinstance(record.args, dict):
                record.msg = "robots_txt: no robots.txt for %(request)s (%(f_exception)s)"
        return True


def quiet_network_errors() -> None:
    """Put the filter on the Scrapy loggers that log failed downloads (once per process)."""
    for name in SCRAPY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NetworkErrorsInOneLine) for f in logger.filters):
            logger.addFilter(NetworkErrorsInOneLine())
