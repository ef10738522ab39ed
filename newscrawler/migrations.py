"""The archive's schema, as a numbered list of migrations.

`PRAGMA user_version` holds the number of the last migration applied. A new archive runs every
migration from the first, so the path an old archive takes to the current schema is the path
every new archive takes too (and every test exercises it). Each migration is frozen: it spells
out its own tables and SQL and never calls code that may change later.

Archives written before versioning (user_version 0 with an `articles` table) are version 1.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlite_utils

from newscrawler.errors import NewscrawlerError

logger = logging.getLogger(__name__)


class SchemaError(NewscrawlerError):
    """An archive this code cannot open as it is (made by a newer newscrawler, or damaged)."""


Migration = Callable[[sqlite_utils.Database], None]

# The local calendar day an ISO date-time was published on, as the portal printed it; the
# offset is kept in `published`, so its first ten characters are the portal's own date.
DAY_OF = ("CASE WHEN {0} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
          "THEN substr({0}, 1, 10) END")


def v1_flat_articles(db: sqlite_utils.Database) -> None:
    """The first schema: one wide `articles` table (lists as JSON text) and raw `pages`."""
    db.executescript("""
        CREATE TABLE articles (
            canonical_url TEXT PRIMARY KEY, url TEXT, portal TEXT, title TEXT, description TEXT,
            authors TEXT, published TEXT, published_source TEXT, modified TEXT,
            modified_source TEXT, section TEXT, tags TEXT, body TEXT, images TEXT, credit TEXT,
            language TEXT, word_count INTEGER, extraction TEXT, crawled_at TEXT,
            content_hash TEXT, first_seen TEXT, last_seen TEXT);
        CREATE INDEX idx_articles_portal_published ON articles (portal, published);
        CREATE INDEX idx_articles_published ON articles (published);
        CREATE VIRTUAL TABLE articles_fts USING FTS5 (title, description, body,
            tokenize='unicode61 remove_diacritics 2', content=[articles]);
        CREATE TABLE pages (id INTEGER PRIMARY KEY, url TEXT, article_url TEXT, fetched_at TEXT,
            status INTEGER, headers TEXT, encoding TEXT, body BLOB);
        CREATE INDEX idx_pages_article_url ON pages (article_url);
    """)


V2_ARTICLE_COLUMNS = (
    "canonical_url", "url", "portal", "title", "description", "authors", "published",
    "published_source", "modified", "modified_source", "section", "tags", "body", "images",
    "credit", "language", "word_count", "extraction", "crawled_at", "content_hash",
    "first_seen", "last_seen",
)


def v2_create_tables(db: sqlite_utils.Database) -> None:
    """Version 2's tables, indexes, full-text index and its triggers."""
    db["portals"].create({"id": str, "name": str, "domains": str, "timezone": str,
                          "language": str, "verified": int}, pk="id")
    db["crawl_runs"].create(
        {"id": int, "started_at": str, "ended_at": str, "spider": str, "portals": str,
         "pages_fetched": int, "articles_new": int, "articles_updated": int,
         "articles_unchanged": int, "dropped_total": int, "dropped": str, "errors": int,
         "finish_reason": str}, pk="id")
    db["crawl_runs"].create_index(["started_at"])
    db["articles"].create(
        {"id": int, "canonical_url": str, "url": str, "portal": str, "title": str,
         "description": str, "authors": str, "published": str, "published_day": str,
         "published_source": str, "modified": str, "modified_source": str, "section": str,
         "tags": str, "body": str, "images": str, "credit": str, "language": str,
         "word_count": int, "extraction": str, "crawled_at": str, "content_hash": str,
         "first_seen": str, "last_seen": str, "content_since": str},
        pk="id", not_null={"canonical_url"}, foreign_keys=[("portal", "portals", "id")])
    db["articles"].create_index(["canonical_url"], unique=True)
    db["articles"].create_index(["portal", "published"])
    db["articles"].create_index(["published"])
    db["articles"].create_index(["published_day", "portal"])
    db["articles"].create_index(["section"])
    for entity, link in (("authors", "article_authors"), ("tags", "article_tags")):
        column = entity[:-1]
        db[entity].create({"id": int, "name": str}, pk="id", not_null={"name"})
        db[entity].create_index(["name"], unique=True)
        db[link].create({"article": int, column: int, "position": int}, pk=("article", column),
                        foreign_keys=[("article", "articles", "id"), (column, entity, "id")])
        db[link].create_index([column])
    db["images"].create({"id": int, "article": int, "position": int, "url": str,
                         "caption": str}, pk="id", foreign_keys=[("article", "articles", "id")])
    db["images"].create_index(["article", "position"], unique=True)
    db["article_revisions"].create(
        {"id": int, "article": int, "title": str, "description": str, "body": str,
         "modified": str, "content_hash": str, "extraction": str, "seen_from": str,
         "seen_until": str, "replaced_at": str, "cause": str},
        pk="id", foreign_keys=[("article", "articles", "id")])
    db["article_revisions"].create_index(["article", "replaced_at"])
    db["pages"].create(
        {"id": int, "article": int, "url": str, "fetched_at": str, "status": int,
         "headers": str, "encoding": str, "body": bytes, "run": int},
        pk="id", foreign_keys=[("article", "articles", "id"), ("run", "crawl_runs", "id")])
    db["pages"].create_index(["article", "fetched_at"])
    db["articles"].enable_fts(["title", "description", "body"], create_triggers=False,
                              tokenize="unicode61 remove_diacritics 2")
    # Our own triggers, not sqlite-utils': an update that leaves the indexed text as it was
    # (a recrawl finding the same article) must not re-index 5 KB of body.
    db.executescript("""
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts (rowid, title, description, body)
            VALUES (new.id, new.title, new.description, new.body);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, description, body)
            VALUES ('delete', old.id, old.title, old.description, old.body);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, description, body ON articles
        WHEN old.title IS NOT new.title OR old.description IS NOT new.description
             OR old.body IS NOT new.body BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, description, body)
            VALUES ('delete', old.id, old.title, old.description, old.body);
            INSERT INTO articles_fts (rowid, title, description, body)
            VALUES (new.id, new.title, new.description, new.body);
        END;
    """)


# A v1 JSON list column (authors, tags) into its name table and link table.
NAMES_FROM_JSON = """
        INSERT OR IGNORE INTO {entity} (name)
            SELECT trim(j.value) FROM articles, json_each(articles.{entity}) j
            WHERE json_valid(articles.{entity}) AND j.type = 'text' AND trim(j.value) != '';
        INSERT OR IGNORE INTO article_{entity} (article, {column}, position)
            SELECT articles.id, {entity}.id, j.key FROM articles, json_each(articles.{entity}) j
            JOIN {entity} ON {entity}.name = trim(j.value)
            WHERE json_valid(articles.{entity}) AND j.type = 'text';
"""


def v2_linked_tables(db: sqlite_utils.Database) -> None:
    """Version 2: integer article ids; portals, authors, tags, images, revisions, crawl runs.

    The flat v1 tables are renamed aside, the new ones created and filled from them (authors,
    tags and images read from the JSON lists), then the old ones dropped.
    """
    old_indexes = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('articles', 'pages')")]
    for name in old_indexes:
        db.execute(f"DROP INDEX [{name}]")
    db.executescript("""
        DROP TRIGGER IF EXISTS articles_ai;
        DROP TRIGGER IF EXISTS articles_ad;
        DROP TRIGGER IF EXISTS articles_au;
        DROP TABLE IF EXISTS articles_fts;
        ALTER TABLE articles RENAME TO articles_v1;
        ALTER TABLE pages RENAME TO pages_v1;
    """)
    v2_create_tables(db)
    columns = ", ".join(V2_ARTICLE_COLUMNS)
    day = DAY_OF.format("published")
    db.executescript(f"""
        INSERT OR IGNORE INTO portals (id, name)
            SELECT DISTINCT portal, portal FROM articles_v1 WHERE portal IS NOT NULL;
        INSERT INTO articles ({columns}, published_day, content_since)
            SELECT {columns}, {day}, first_seen FROM articles_v1;
        {NAMES_FROM_JSON.format(entity="authors", column="author")}
        {NAMES_FROM_JSON.format(entity="tags", column="tag")}
        INSERT INTO images (article, position, url, caption)
            SELECT articles.id, j.key, json_extract(j.value, '$.url'),
                   json_extract(j.value, '$.caption')
            FROM articles, json_each(articles.images) j
            WHERE json_valid(articles.images) AND j.type = 'object'
              AND json_extract(j.value, '$.url') IS NOT NULL;
        INSERT INTO pages (id, article, url, fetched_at, status, headers, encoding, body)
            SELECT pages_v1.id, articles.id, pages_v1.url, fetched_at, status, headers,
                   encoding, pages_v1.body
            FROM pages_v1 LEFT JOIN articles ON articles.canonical_url = pages_v1.article_url;
        DROP TABLE pages_v1;
        DROP TABLE articles_v1;
    """)


def v3_run_reasons(db: sqlite_utils.Database) -> None:
    """Version 3: a crawl run keeps its errors by reason and the known articles it skipped."""
    db.executescript("""
        ALTER TABLE crawl_runs ADD COLUMN errors_by_reason TEXT;
        ALTER TABLE crawl_runs ADD COLUMN skipped_known INTEGER;
    """)


# A run's outcome from its v3 figures (v3 had no health figures, so never `degraded`).
V3_OUTCOME = """CASE
    WHEN finish_reason IS NULL THEN NULL
    WHEN finish_reason = 'shutdown' THEN 'stopped'
    WHEN finish_reason != 'finished' THEN 'failed'
    WHEN coalesce(pages_fetched, 0) > 0 THEN 'ok'
    WHEN coalesce(errors, 0) > 0 THEN 'failed'
    ELSE 'empty' END"""
# A v1 list column whose text is not a JSON list ("Budi, Ani") becomes a list holding it.
JSON_LIST = """UPDATE articles SET {0} = CASE WHEN json_valid({0}) THEN json_array(json({0}))
    ELSE json_array({0}) END
    WHERE {0} IS NOT NULL AND (NOT json_valid({0}) OR json_type({0}) != 'array');"""


def v4_portal_runs(db: sqlite_utils.Database) -> None:
    """Version 4: one `crawl_portal_runs` row per portal per run (its figures, outcome, health);
    a run's own outcome; list columns that are not JSON lists made lists.

    v3 runs of one portal become that portal's row; in runs of several portals the figures
    were summed, so their portal rows hold none (and no outcome).
    """
    db["crawl_portal_runs"].create(
        {"id": int, "run": int, "portal": str, "ended_at": str, "outcome": str, "why": str,
         "finish_reason": str, "pages_fetched": int, "articles_new": int,
         "articles_updated": int, "articles_unchanged": int, "skipped_known": int,
         "dropped_total": int, "dropped": str, "errors": int, "errors_by_reason": str,
         "unexpected_errors": int, "health_articles": int, "title_share": float,
         "published_share": float, "body_share": float, "authors_share": float,
         "tags_share": float, "selectors_share": float, "generic_fallback": int},
        pk="id", foreign_keys=[("run", "crawl_runs", "id")])
    db["crawl_portal_runs"].create_index(["run", "portal"], unique=True)
    db["crawl_portal_runs"].create_index(["portal", "run"])
    figures = ("pages_fetched", "articles_new", "articles_updated", "articles_unchanged",
               "skipped_known", "dropped_total", "dropped", "errors", "errors_by_reason")
    columns = ", ".join(figures)
    portals = "CASE WHEN json_valid(r.portals) THEN r.portals ELSE '[]' END"
    single = ", ".join(f"CASE WHEN json_array_length({portals}) = 1 THEN r.{c} END"
                       for c in figures)
    db.executescript(f"""
        ALTER TABLE crawl_runs ADD COLUMN outcome TEXT;
        UPDATE crawl_runs SET outcome = {V3_OUTCOME};
        INSERT INTO crawl_portal_runs (run, portal, ended_at, outcome, finish_reason, {columns})
            SELECT r.id, j.value, r.ended_at,
                   CASE WHEN json_array_length({portals}) = 1 THEN r.outcome END,
                   r.finish_reason, {single}
            FROM crawl_runs r, json_each({portals}) j;
        {JSON_LIST.format("authors")}
        {JSON_LIST.format("tags")}
        {JSON_LIST.format("images")}
    """)


def v5_pages_of_one_fetch(db: sqlite_utils.Database) -> None:
    """Version 5: every page of a paginated article is kept, numbered (`part`), so reextract
    reads it whole; articles are looked up by the URL they were asked for (`url`) as well as
    by their key, so one whose canonical link names another host is known next time."""
    db.execute("ALTER TABLE pages ADD COLUMN part INTEGER")
    db["articles"].create_index(["url"])


def v6_fts_merging(db: sqlite_utils.Database) -> None:
    """Version 6: the search index merges 8 segments at a time (FTS5's default: 4) and turns
    up to 32 MB of a batch's words into one segment (default: 1 MB). Each word is rewritten
    once per level of merging; at a million articles the defaults made about six levels, these
    make about three, while a search still reads about as many segments as before."""
    db.executescript("""
        INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 8);
        INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 33554432);
    """)


MIGRATIONS: tuple[tuple[int, Migration], ...] = (
    (1, v1_flat_articles),
    (2, v2_linked_tables),
    (3, v3_run_reasons),
    (4, v4_portal_runs),
    (5, v5_pages_of_one_fetch),
    (6, v6_fts_merging),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(db: sqlite_utils.Database) -> int:
    """The archive's schema version; archives from before versioning count as 1."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == 0 and db["articles"].exists():
        return 1
    return version


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Bring the archive to SCHEMA_VERSION in place; the versions applied, in order.

    An archive already up to date is only read (no write lock: opening it while another
    process writes does not wait). Each migration runs in its own transaction, taken with
    BEGIN IMMEDIATE so that two processes opening the same new archive do not both migrate
    it; foreign keys are checked before it commits.
    """
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise SchemaError(f"archive schema {current} is newer than this newscrawler's "
                          f"({SCHEMA_VERSION}): upgrade newscrawler to open it")
    return [version for version, migration in MIGRATIONS
            if version > current and _apply(db, version, migration)]


def _apply(db: sqlite_utils.Database, version: int, migration: Migration) -> bool:
    """Run one migration unless another process did meanwhile; True when this one did."""
    conn = db.conn
    conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: set it first
    conn.execute("BEGIN IMMEDIATE")
    try:
        if schema_version(db) >= version:
            conn.execute("ROLLBACK")
            return False
        migration(db)
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise SchemaError(f"migration {version} left broken references: {broken[:5]}")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    logger.info("archive schema upgraded to version %d", version)
    return True
