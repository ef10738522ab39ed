"""URLs read off hostile pages, parsed without raising; URLs printed without their passwords.

`urllib.parse` raises ValueError for a bracketed host that is not an IPv6 address
(`http://[IMAGE_URL]/foto.jpg`, an unclosed `http://[x`): templates print such placeholders,
and one of them must cost that one link, never the page or the rest of a listing.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urljoin, urlsplit


def url_host(url: str) -> str:
    """The URL's host, lower-cased; "" when it has none or cannot be parsed."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def join_url(base: str, link: str) -> str | None:
    """`link` made absolute against `base`; None when the result is not a parsable URL."""
    try:
        joined = urljoin(base, link)
        _ = urlsplit(joined).hostname  # raises for a bracketed host that is no IPv6 address
    except ValueError:
        return None
    return joined


_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]+@", re.I)


def redact(text: str) -> str:
    """The text with the password of every URL in it hidden: `redis://:***@host:6379/0`."""
    return _CREDENTIALS.sub(r"\g<scheme>\g<user>:***@", text) if "@" in text else text


def install_log_redaction() -> None:
    """Every log record of the process, whatever logger made it (Scrapy's "Overridden
    settings" line prints REDIS_URL), has URL passwords hidden before any handler sees it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        hidden = redact(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
