"""URLs read off hostile pages, parsed without raising.

`urllib.parse` raises ValueError for a bracketed host that is not an IPv6 address
(`http://[IMAGE_URL]/foto.jpg`, an unclosed `http://[x`): templates print such placeholders,
and one of them must cost that one link, never the page or the rest of a listing.
"""

from __future__ import annotations

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
