"""Extraction: a page (HTML + URL) in, an article out. Pure: no network, no database.

`extract` runs the same stages a crawl runs as pipelines, in the same order, so the spider, the
CLI, `eval` and `reextract` give one answer for one page:

    read_page (portal selectors -> metadata -> generic fallback)
      -> clean_article (boilerplate text rules) -> resolve_dates -> finish (hash, word count)
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone

from newscrawler.boilerplate import clean_paragraphs, drop_closing_byline, rules_for, split_credit
from newscrawler.extract.dating import resolve_dates
from newscrawler.extract.document import ExtractError
from newscrawler.extract.reader import read_page
from newscrawler.items import Article
from newscrawler.portals import Portal, portal_for_url

__all__ = ["ExtractError", "extract", "read_page", "clean_article", "finish", "why_not_article"]

logger = logging.getLogger(__name__)
MIN_BODY_WORDS = 25


def clean_article(article: Article, portal: Portal | None = None) -> Article:
    """Apply the boilerplate text rules to the paragraphs read from the page; set body, credit.

    A credit the portal's selectors read off the page (a credits table) wins over one found at
    the end of the body; a closing credit line leaves the body either way.
    """
    rules = rules_for(portal)
    paragraphs = clean_paragraphs(article.paragraphs, rules)
    paragraphs, credit = split_credit(paragraphs, rules)
    paragraphs = drop_closing_byline(paragraphs, rules)
    article.body = "\n\n".join(paragraphs) or None
    article.credit = article.credit or credit
    return article


def finish(article: Article, crawled_at: datetime | None = None) -> Article:
    """Fields derived from the others: word count, content hash, crawl time."""
    article.word_count = len(article.body.split()) if article.body else 0
    digest = hashlib.sha256(f"{article.title or ''}\n{article.body or ''}".encode())
    article.content_hash = digest.hexdigest()[:32]
    if article.crawled_at is None:
        moment = crawled_at or datetime.now(timezone.utc)
        article.crawled_at = moment.isoformat(timespec="seconds")
    return article


def why_not_article(article: Article) -> str | None:
    """The reason this is not an article worth keeping (listing page, empty body), or None."""
    if not article.title:
        return "no_title"
    if not article.body:
        return "no_body"
    if article.word_count < MIN_BODY_WORDS:
        return "body_too_short"
    return None


def extract(
    html: bytes | str,
    url: str,
    *,
    portal: Portal | None = None,
    now: datetime | None = None,
    content_type: str | None = None,
) -> Article:
    """The article on a page. Raises ExtractError only for input that is not an HTML page."""
    portal = portal or portal_for_url(url)
    article = read_page(html, url, portal=portal, content_type=content_type)
    clean_article(article, portal)
    resolve_dates(article, now=now, portal=portal)
    finish(article)
    article.drop_reason = why_not_article(article)
    return article
