"""Regenerate the README's screenshots of the archive in datasette: python docs/screenshots.py

Builds a small archive with the project's own code (the demo crawl plus sample articles), serves
it with `newscrawler serve` and photographs the main pages in Debian's headless Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

from tests.browsing import build_archive, chromium, serving  # noqa: E402

PAGES = {  # file name: (path, what must be on screen before the picture is taken)
    "front.png": ("/", "form.front-search"),
    "search.png": ("/news/search?q=pasar", "ol.search-results"),
    "articles.png": ("/news/articles", "table.compact-articles"),
    "article.png": ("/news/articles/6", "article.article-page"),
    "dashboard.png": ("/dashboard", "figure[data-rows]"),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, chromium() as browser:
        db = build_archive(Path(folder) / "news.db")
        with serving(db) as origin:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            for name, (path, ready) in PAGES.items():
                page.goto(origin + path)
                page.wait_for_selector(ready)
                page.wait_for_timeout(300)  # let chart animations settle
                page.screenshot(path=DOCS / name, full_page=True)
                print(DOCS / name)


if __name__ == "__main__":
    main()
