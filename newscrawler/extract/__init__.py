"""Extraction: reading one HTML page into an article's fields. Pure: no network, no database.

`read_page` tries the portal's selectors, then the page's metadata (JSON-LD, OG), then the
generic finder. The whole path from fetched pages to a stored article (cleaning, dates, the
archive key, drops) is `newscrawler.page.process_page`; call that, not the pieces.
"""

from __future__ import annotations

from newscrawler.extract.document import ExtractError
from newscrawler.extract.reader import read_page

__all__ = ["ExtractError", "read_page"]
