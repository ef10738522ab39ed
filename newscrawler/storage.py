"""The archive: SQLite through sqlite-utils. Knows articles and raw pages, nothing of HTML.

One row per canonical URL in `articles` (upserted), full-text search over title, description
and body (FTS5, kept in sync by triggers), the raw page of every fetch in `pages` (zstandard-
compressed) so extraction can be re-run. Writes are batched in transactions; WAL lets
datasette read while a crawl writes.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils
import zstandard

from newscrawler.items import Article, RawPage

DEFAULT_DB = Path("data") / "news.db"
LIST_FIELDS = ("authors", "tags", "images")
FTS_COLUMNS = ["title", "description", "body"]


def db_path(setting: str | os.PathLike | None = None) -> Path:
    """The archive's path: the given setting, else $NEWSCRAWLER_DB, else data/news.db."""
    return Path(setting or os.environ.get("NEWSCRAWLER_DB") or DEFAULT_DB)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Archive:
    """Batched writer and reader of the archive. Use as a context manager, or call close()."""

    def __init__(self, path: str | os.PathLike | None = None, batch_size: int = 200):
        self.path = db_path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.batch_size = batch_size
        self._articles: dict[str, dict[str, Any]] = {}
        self._pages: list[dict[str, Any]] = []
        self._compressor = zstandard.ZstdCompressor(level=6)
        self.ensure_schema()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        articles = self.db["articles"]
        if not articles.exists():
            articles.create(
                {"canonical_url": str, "url": str, "portal": str, "title": str,
                 "description": str, "authors": str, "published": str, "published_source": str,
                 "modified": str, "modified_source": str, "section": str, "tags": str,
                 "body": str, "images": str, "credit": str, "language": str,
                 "word_count": int, "extraction": str, "crawled_at": str,
                 "content_hash": str, "first_seen": str, "last_seen": str},
                pk="canonical_url",
            )
            articles.create_index(["portal", "published"])
            articles.create_index(["published"])
            articles.enable_fts(FTS_COLUMNS, create_triggers=True,
                                tokenize="unicode61 remove_diacritics 2")
        pages = self.db["pages"]
        if not pages.exists():
            pages.create({"id": int, "url": str, "article_url": str, "fetched_at": str,
                          "status": int, "headers": str, "encoding": str, "body": bytes},
                         pk="id")
            pages.create_index(["article_url"])

    # -- writing ----------------------------------------------------------------------------

    def stored_hash(self, canonical_url: str) -> str | None:
        pending = self._articles.get(canonical_url)
        if pending is not None:
            return pending["content_hash"]
        rows = self.db.execute(
            "select content_hash from articles where canonical_url = ?", [canonical_url]
        ).fetchall()
        return rows[0][0] if rows else None

    def store(self, article: Article) -> str:
        """Queue an article (and its raw page); "new", "updated" or "unchanged"."""
        key = article.canonical_url or article.url
        previous = self.stored_hash(key)
        outcome = "new" if previous is None else (
            "unchanged" if previous == article.content_hash else "updated")
        seen = now_iso()
        record = {k: (json.dumps(v, ensure_ascii=False) if k in LIST_FIELDS else v)
                  for k, v in article.to_dict().items()}
        record["canonical_url"] = key
        record["last_seen"] = seen
        if outcome == "new":
            record["first_seen"] = seen
        self._articles[key] = record
        if article.page is not None:
            self._pages.append(self._page_record(article.page, key))
        if len(self._articles) + len(self._pages) >= self.batch_size:
            self.flush()
        return outcome

    def _page_record(self, page: RawPage, article_url: str) -> dict[str, Any]:
        return {"url": page.url, "article_url": article_url, "fetched_at": page.fetched_at,
                "status": page.status, "headers": json.dumps(page.headers),
                "encoding": "zstd", "body": self._compressor.compress(page.body)}

    def flush(self) -> None:
        """Write the queued rows in one transaction."""
        if not self._articles and not self._pages:
            return
        with self.db.conn:
            if self._articles:
                self.db["articles"].upsert_all(self._articles.values(), pk="canonical_url",
                                               alter=True)
            if self._pages:
                self.db["pages"].insert_all(self._pages)
        self._articles.clear()
        self._pages.clear()

    def close(self) -> None:
        self.flush()
        self.db.close()

    # -- reading ----------------------------------------------------------------------------

    def count(self, table: str = "articles") -> int:
        return self.db[table].count

    def article(self, canonical_url: str) -> dict[str, Any] | None:
        rows = list(self.db["articles"].rows_where("canonical_url = ?", [canonical_url]))
        if not rows:
            return None
        row = rows[0]
        for name in LIST_FIELDS:
            row[name] = json.loads(row[name]) if row.get(name) else []
        return row

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        return list(self.db["articles"].search(query, limit=limit))
