"""The archive: SQLite through sqlite-utils. Knows articles and raw pages, nothing of HTML.

One row per canonical URL in `articles` (the latest version), the versions it replaced in
`article_revisions`, its authors, tags and images in linked tables, the raw page of every fetch
in `pages` (zstandard-compressed) so extraction can be re-run, one row per crawl in
`crawl_runs`, and full-text search over title, description and body (FTS5, kept in sync by
triggers). The schema and its upgrades live in `newscrawler.migrations`.

Writes are queued and written in one transaction per batch: a writer killed mid-batch leaves
the archive as it was before the batch, never half an article. WAL lets datasette read while a
crawl writes.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlite_utils
import zstandard

from newscrawler.errors import NewscrawlerError
from newscrawler.health import HEALTH_FIELDS
from newscrawler.items import Article, RawPage
from newscrawler.migrations import DAY_OF, SCHEMA_VERSION, SchemaError, migrate, schema_version
from newscrawler.stats import CrawlReport, worst

__all__ = ["Archive", "ArchiveBusy", "ArchiveError", "DEFAULT_DB", "FetchRecord",
           "OutdatedSchema", "SchemaError", "StoredPage", "archive_error", "db_path",
           "decode_lists", "fts_query", "read_only_archive", "stored_fields"]

logger = logging.getLogger(__name__)

DEFAULT_DB = Path("data") / "news.db"
LIST_FIELDS = ("authors", "tags", "images")
# The item's fields kept as columns of `articles` (lists as JSON text, for export and facets).
ITEM_COLUMNS = (
    "url", "portal", "title", "description", "authors", "published", "published_source",
    "modified", "modified_source", "section", "tags", "body", "images", "credit", "language",
    "word_count", "extraction", "crawled_at", "content_hash",
)
CAUSES = ("crawl", "reextract")
LINK_TABLES = ("article_authors", "article_tags", "images")
NAME_CACHE_LIMIT = 200_000  # author/tag ids kept in memory; bounded so memory stays flat
IN_CHUNK = 500  # placeholders per `IN (...)` lookup
BUSY_TIMEOUT_S = 60.0  # two crawls, or a crawl and reextract, may write at once
KEPT_BATCHES = 5  # full batches kept queued while another writer holds the lock
CACHE_KIB = 65_536  # page cache; larger made no measurable difference at 1M, and costs RSS
WAL_CHECKPOINT_PAGES = 10_000

_COLUMNS = ("canonical_url", *ITEM_COLUMNS, "first_seen", "last_seen", "content_since")
# A new article, its id chosen by the batch (inside the write lock, so no other writer races).
INSERT_SQL = (
    f"INSERT INTO articles (id, {', '.join(_COLUMNS)}, published_day) "
    f"VALUES (:id, {', '.join(':' + c for c in _COLUMNS)}, {DAY_OF.format(':published')})"
)
# A stored article refreshed in place, by id: first_seen stays, last_seen only moves forward
# for a crawl, content_since only when the content changed.
UPDATE_SQL = (
    "UPDATE articles SET "
    + ", ".join(f"{c} = :{c}" for c in ITEM_COLUMNS)
    + f", published_day = {DAY_OF.format(':published')}"
    ", last_seen = coalesce(:last_seen, last_seen)"
    ", content_since = CASE WHEN content_hash IS :content_hash THEN content_since"
    " ELSE :content_since END WHERE id = :id"
)
# Keeps the version about to be replaced (the batch found its content changed).
REVISION_SQL = """
    INSERT INTO article_revisions (article, title, description, body, modified, content_hash,
                                   extraction, seen_from, seen_until, replaced_at, cause)
    SELECT id, title, description, body, modified, content_hash, extraction, content_since,
           last_seen, :replaced_at, :cause
    FROM articles WHERE id = :article
"""
PAGE_SQL = """
    INSERT INTO pages (article, url, fetched_at, status, headers, encoding, body, run, part)
    VALUES (:article, :url, :fetched_at, :status, :headers, :encoding, :body, :run, :part)
"""
# The newest fetch of each article: its first page (part 1; NULL before schema 5) ...
FIRST_PAGES_SQL = """
    SELECT a.id, a.canonical_url, a.url, a.portal, p.id, p.url, p.fetched_at, p.status,
           p.headers, p.encoding, p.body
    FROM articles a JOIN pages p ON p.id = (
        SELECT id FROM pages WHERE article = a.id AND coalesce(part, 1) = 1
        ORDER BY fetched_at DESC, id DESC LIMIT 1)
    WHERE a.id > ? AND (? IS NULL OR a.portal = ?) ORDER BY a.id LIMIT ?
"""
# ... and the later pages stored with it (a paginated article), in order.
LATER_PAGES_SQL = """
    SELECT article, id, url, fetched_at, status, headers, encoding, body FROM pages
    WHERE article = ? AND id > ? AND part > 1 ORDER BY id
"""
HASH_SQL = "SELECT content_hash FROM articles WHERE canonical_url = ?"
# What the write transaction finds stored for the batch's keys (sorted: index order).
FOUND_SQL = ("SELECT canonical_url, id, content_hash, authors, tags, images FROM articles "
             "WHERE canonical_url IN ({})")
# An article and its latest raw page, for the incremental crawl's "known?" question: found by
# its key, or by the URL it was asked for when its canonical link named another host.
FETCH_RECORD_SQL = """
    SELECT a.published, a.first_seen, a.last_seen, p.fetched_at, p.headers
    FROM articles a LEFT JOIN pages p ON p.id = (
        SELECT id FROM pages WHERE article = a.id ORDER BY fetched_at DESC, id DESC LIMIT 1)
    WHERE a.id IN (SELECT id FROM articles WHERE canonical_url = :key
                   UNION ALL SELECT id FROM articles WHERE url = :key)
    LIMIT 1
"""
PAGE_STORED_SQL = (
    "SELECT 1 FROM pages p JOIN articles a ON a.id = p.article "
    "WHERE a.canonical_url = ? AND p.url = ? AND p.fetched_at = ? LIMIT 1"
)


class ArchiveError(NewscrawlerError):
    """An archive that cannot be used as asked (missing, unreadable, ...)."""


class OutdatedSchema(ArchiveError):
    """A read-only open of an archive that needs upgrading first (an open for writing does)."""


def not_an_archive(path: Path) -> ArchiveError:
    return ArchiveError(f"{path} is not a newscrawler archive (an empty file, or another "
                        "program's database): left as it is; give --db the archive's path")


def read_only_archive(path: Path) -> ArchiveError:
    return ArchiveError(f"cannot write to the archive {path}: the file or its folder is read-only")


def archive_error(path: Path, exc: sqlite3.DatabaseError) -> ArchiveError:
    """SQLite's complaint about an archive file as one line that says what to do."""
    text = str(exc)
    if "readonly" in text:
        return read_only_archive(path)
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return ArchiveError(
            f"{path} is damaged ({text}): save what it still holds with "
            f"`sqlite3 {path} \".recover\" | sqlite3 recovered.db`, or restore a backup")
    return ArchiveError(f"cannot open the archive {path}: {text}")


class ArchiveBusy(ArchiveError):
    """Another writer held the archive's write lock for the whole busy timeout. Nothing of the
    batch was written and all of it is still queued: the next flush tries again."""


def is_busy(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock we need."""
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def db_path(setting: str | os.PathLike | None = None) -> Path:
    """The archive's path: the given setting, else $NEWSCRAWLER_DB, else data/news.db."""
    return Path(setting or os.environ.get("NEWSCRAWLER_DB") or DEFAULT_DB)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fts_query(text: str) -> str:
    """A user's words as an FTS5 query: every word must appear; quotes and operators are text."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split())


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _merged(counts: dict[str, int], stored: str | None) -> dict[str, int]:
    total = dict(json.loads(stored)) if stored else {}
    for reason, n in counts.items():
        total[reason] = total.get(reason, 0) + n
    return dict(sorted(total.items()))


def _run_figures(report: CrawlReport, row: Mapping[str, Any]) -> dict[str, Any]:
    """A `crawl_runs` row's figures from a crawl's report, added to what `row` already holds."""
    def plus(column: str, value: int) -> int:
        return int(row.get(column) or 0) + value

    dropped = _merged(report.dropped, row.get("dropped"))
    finish = report.finish_reason
    if row.get("finish_reason") not in (None, "finished"):
        finish = row["finish_reason"]  # a run is as good as its worst crawl
    return {
        "ended_at": now_iso(),
        "pages_fetched": plus("pages_fetched", report.pages),
        **{f"articles_{o}": plus(f"articles_{o}", report.count(f"articles/{o}"))
           for o in ("new", "updated", "unchanged")},
        "dropped_total": sum(dropped.values()),
        "dropped": _json(dropped),
        "errors": plus("errors", report.errors),
        "errors_by_reason": _json(_merged(report.error_reasons, row.get("errors_by_reason"))),
        "skipped_known": plus("skipped_known", report.count("skipped/known")),
        "finish_reason": finish,
    }


def _portal_run_row(run_id: int, report: CrawlReport) -> dict[str, Any]:
    """A `crawl_portal_runs` row: one portal's figures, outcome and health in one run."""
    figures = _run_figures(report, {})
    shares = report.shares
    return {
        "run": run_id, "portal": report.portal, **figures, "outcome": report.outcome,
        "why": report.why or None, "unexpected_errors": report.unexpected,
        "health_articles": report.health_articles,
        **{f"{name}_share": round(shares[name], 4) if shares else None for name in HEALTH_FIELDS},
        "generic_fallback": report.health_articles - report.count("health/selectors"),
    }


def _names(values: Iterable[Any]) -> list[str]:
    """Distinct non-empty names in their order (an author listed twice is one author)."""
    return list(dict.fromkeys(v.strip() for v in values or () if isinstance(v, str) and v.strip()))


def normalized_lists(article: Article) -> dict[str, list[Any]]:
    """The article's lists as the archive keeps them: names once each, images with a URL."""
    return {"authors": _names(article.authors), "tags": _names(article.tags),
            "images": [image for image in article.images or ()
                       if isinstance(image, dict) and isinstance(image.get("url"), str)]}


def stored_fields(article: Article) -> dict[str, Any]:
    """The article's fields as `Archive.article` would give them back once stored."""
    return {**article.to_dict(), **normalized_lists(article)}


@dataclass
class Links:
    """An article's rows in the linked tables, rewritten only when its lists changed."""

    authors: list[str]
    tags: list[str]
    images: list[tuple[int, str, str | None]]  # position, url, caption

    @classmethod
    def of(cls, lists: dict[str, list[Any]]) -> Links:
        images = [(i, image["url"], image.get("caption"))
                  for i, image in enumerate(lists["images"])]
        return cls(lists["authors"], lists["tags"], images)


@dataclass
class Pending:
    """An article queued for the next batch."""

    row: dict[str, Any]
    links: Links
    cause: str


@dataclass(frozen=True)
class Found:
    """What the write transaction finds stored under a key."""

    article_id: int
    content_hash: str | None
    lists: tuple[str | None, ...]  # authors, tags, images as stored (JSON text)


@dataclass(frozen=True)
class FetchRecord:
    """An archived article's dates and its latest fetch: enough to decide whether to fetch it
    again (the incremental crawl)."""

    published: str | None
    first_seen: str | None
    last_seen: str | None
    last_fetched_at: str | None
    headers: dict[str, str]


@dataclass
class StoredPage:
    """The raw pages of a stored article's newest fetch (all of a paginated one), as reextract
    needs them."""

    article_id: int
    canonical_url: str
    url: str
    portal: str | None
    pages: list[RawPage]


class Archive:
    """Batched writer and reader of the archive. Use as a context manager, or call close().

    `store` queues an article and tells what it expects (new, updated or unchanged, from one
    indexed lookup); `flush` writes the batch, one transaction per `batch_size` articles, and
    decides the outcomes inside it, so they are what the archive really did even when another
    writer stored the same URLs meanwhile (`take_outcomes`).
    """

    def __init__(self, path: str | os.PathLike | None = None, batch_size: int = 200, *,
                 readonly: bool = False, busy_timeout: float = BUSY_TIMEOUT_S):
        self.path = db_path(path)
        self.batch_size = max(1, batch_size)
        self.readonly = readonly
        self.busy_timeout = busy_timeout
        self.db = self._connect()
        self.conn = self.db.conn
        # No implicit transactions: a statement outside transaction() (a caller's own write
        # through .conn) commits at once instead of leaving the next flush's BEGIN to fail.
        self.conn.isolation_level = None
        self.run_id: int | None = None
        self._pending: dict[str, Pending] = {}
        self._pages: list[tuple[str, dict[str, Any]]] = []
        self._outcomes: Counter[str] = Counter()
        self._flush_at = self.batch_size  # queued articles that make a batch worth writing
        self._name_ids: dict[str, dict[str, int]] = {"authors": {}, "tags": {}}
        self._known_portals: set[str] = set()
        self._compressor = zstandard.ZstdCompressor(level=3)
        self._decompressor = zstandard.ZstdDecompressor()
        if not readonly:
            try:
                self._upgrade()
            except sqlite3.DatabaseError as exc:
                self.db.close()
                if is_busy(exc):
                    raise
                raise archive_error(self.path, exc) from None
            except BaseException:
                self.db.close()
                raise

    def _upgrade(self) -> None:
        """Migrate the schema and sync the portals; both write (take the lock) only if needed."""
        try:
            migrate(self.db)
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                raise ArchiveBusy(f"{self.path} needs upgrading and is locked by another "
                                  f"writer: {exc}") from exc
            raise
        self.sync_portals()

    def _connect(self) -> sqlite_utils.Database:
        try:
            return self._open()
        except sqlite3.DatabaseError as exc:
            raise archive_error(self.path, exc) from None

    def _open(self) -> sqlite_utils.Database:
        # check_same_thread=False: a crawl writes from one thread of its own (one at a time).
        if self.readonly:
            if not self.path.is_file():
                raise ArchiveError(f"no archive at {self.path}")
            conn = self._read_only_connection()
            db = sqlite_utils.Database(conn)
            version = schema_version(db)
            if version == 0:
                conn.close()
                raise not_an_archive(self.path)
            if version != SCHEMA_VERSION:
                conn.close()
                kind = OutdatedSchema if version < SCHEMA_VERSION else ArchiveError
                raise kind(f"{self.path} has schema version {version}, this newscrawler reads "
                           f"{SCHEMA_VERSION}" + (": opening it for writing upgrades it"
                                                  if version < SCHEMA_VERSION else ""))
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite_utils.Database(sqlite3.connect(self.path, check_same_thread=False))
            if schema_version(db) == 0 and db.table_names():  # before WAL changes the file
                db.close()
                raise not_an_archive(self.path)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # durable across a crash of the process
            # Checkpoint every ~40 MB of WAL rather than 4 MB: pages a few batches in a row
            # rewrite (index and search-index pages) are copied to the database once.
            db.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        for pragma in ("foreign_keys = ON", f"busy_timeout = {int(self.busy_timeout * 1000)}",
                       f"cache_size = -{CACHE_KIB}"):
            db.execute(f"PRAGMA {pragma}")
        return db

    def _read_only_connection(self) -> sqlite3.Connection:
        """A read-only connection; in a folder we may not write to, where SQLite cannot make
        the WAL's shared-memory file, an immutable one (no writer of ours can be at work)."""
        uri = self.path.resolve().as_uri()
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master")
        except sqlite3.OperationalError as exc:
            conn.close()
            if "readonly" not in str(exc):
                raise
            return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
        return conn

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is in the archive afterwards, or none of it.

        BEGIN IMMEDIATE rather than sqlite-utils' `atomic()` (a deferred BEGIN): a batch reads
        before it writes, and in WAL mode a deferred transaction that another writer overtook
        meanwhile cannot take the write lock at all (SQLITE_BUSY_SNAPSHOT, no waiting). A
        COMMIT that fails (disk full) rolls back like a failing body: either way the ids
        remembered inside may name rows that do not exist, so they are forgotten.
        """
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                raise ArchiveBusy(f"{self.path} is locked by another writer: {exc}") from exc
            raise
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            for cache in self._name_ids.values():
                cache.clear()
            self._known_portals.clear()
            raise

    # -- portals and runs -------------------------------------------------------------------

    def sync_portals(self) -> None:
        """Make `portals` hold the current descriptions (rewritten only where they differ)."""
        from newscrawler.portals import load_portals

        wanted = {p.id: {"id": p.id, "name": p.name, "domains": _json(list(p.domains)),
                         "timezone": p.timezone, "language": p.language,
                         "verified": int(p.verified)} for p in load_portals().values()}
        stored = {row["id"]: row for row in self.db["portals"].rows}
        changed = [row for pid, row in wanted.items() if stored.get(pid) != row]
        if changed:
            with self.transaction():
                self.db["portals"].upsert_all(changed, pk="id")
        self._known_portals = set(wanted) | set(stored)

    def _ensure_portals(self, portal_ids: set[str | None]) -> None:
        """Portals named by articles but not described (a test, a removed description)."""
        unknown = [p for p in portal_ids if p is not None and p not in self._known_portals]
        self.conn.executemany("INSERT OR IGNORE INTO portals (id, name) VALUES (?, ?)",
                              [(p, p) for p in unknown])
        self._known_portals.update(unknown)

    def begin_run(self, portals: Iterable[str], spider: str | None = None) -> int:
        """Open a `crawl_runs` row now, so a crawl that dies still shows (with no end)."""
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO crawl_runs (started_at, spider, portals) VALUES (?, ?, ?)",
                (now_iso(), spider, _json(sorted(portals))))
        self.run_id = cursor.lastrowid
        return self.run_id

    def end_run(self, run_id: int, stats: Mapping[str, Any], *, shared: bool = False,
                portal: str | None = None) -> None:
        """Close a portal's crawl in a run: its `crawl_portal_runs` row (figures, outcome,
        health) and its figures added to the run's own row.

        `shared`: the run holds several portals' crawls (one `newscrawler crawl` or demo);
        each adds its figures as it ends, and the run's end is the last one's. `portal`
        defaults to the run's one portal.
        """
        self.flush()
        with self.transaction():
            row = self.db["crawl_runs"].get(run_id)
            names = json.loads(row["portals"] or "[]")
            report = CrawlReport(portal or (names[0] if len(names) == 1 else ""), dict(stats))
            values = _run_figures(report, row if shared else {})
            values["outcome"] = worst([o for o in (row.get("outcome"), report.outcome)
                                       if o] if shared else [report.outcome])
            self.db["crawl_runs"].update(run_id, values)
            if report.portal:  # an ingest of web archives is a run of no one portal
                self.db["crawl_portal_runs"].upsert(_portal_run_row(run_id, report),
                                                    pk=("run", "portal"))
        if self.run_id == run_id:
            self.run_id = None

    def close_run(self, run_id: int, reports: Iterable[CrawlReport]) -> str:
        """End a run of several crawls: a row for each crawl that never closed itself (stopped,
        or did not start), the run's end and outcome (its worst portal's), which it returns."""
        with self.transaction():
            recorded = {r["portal"] for r in self.db["crawl_portal_runs"].rows_where(
                "run = ?", [run_id], select="portal")}
            for report in reports:
                if report.portal not in recorded:
                    self.db["crawl_portal_runs"].insert(_portal_run_row(run_id, report))
            outcomes = [r["outcome"] for r in self.db["crawl_portal_runs"].rows_where(
                "run = ? AND outcome IS NOT NULL", [run_id], select="outcome")]
            run = self.db["crawl_runs"].get(run_id)
            outcome = worst(outcomes)
            self.db["crawl_runs"].update(run_id, {
                "outcome": outcome, "ended_at": run["ended_at"] or now_iso(),
                "finish_reason": run["finish_reason"] or (
                    "shutdown" if outcome == "stopped" else "not started")})
        return outcome

    def recent_health(self, portal: str, runs: int) -> list[dict[str, Any]]:
        """The health figures of the portal's last `runs` ok runs, newest first."""
        return list(self.db["crawl_portal_runs"].rows_where(
            "portal = ? AND outcome = 'ok'", [portal], order_by="run DESC", limit=runs))

    # -- writing ----------------------------------------------------------------------------

    def store(self, article: Article, *, cause: str = "crawl") -> str:
        """Queue an article (and its raw pages); "new", "updated" or "unchanged" as the archive
        holds it now (the outcome written is decided by the flush: `take_outcomes`).

        "updated" means the content (title and body, by `content_hash`) changed: the stored
        version goes to `article_revisions`. Other fields are refreshed either way. A
        `reextract` store keeps `last_seen`: the article was not seen on the web again.
        """
        if cause not in CAUSES:
            raise ValueError(f"unknown cause {cause!r}: one of {CAUSES}")
        if self.readonly:
            raise ArchiveError(f"{self.path} is open read-only")
        key = article.canonical_url or article.url
        if not key:
            raise ValueError("an article needs a URL to be stored")
        if key in self._pending:  # a second version in one batch: keep the first as history
            self._flush_unless_busy()  # (locked: the first one's raw page is still kept)
        found = self.conn.execute(HASH_SQL, (key,)).fetchone()
        lists = normalized_lists(article)
        self._pending[key] = Pending(self._row(article, key, cause, lists), Links.of(lists),
                                     cause)
        self._pages.extend((key, self._page_row(page, part))
                           for part, page in enumerate(article.pages, start=1))
        if len(self._pending) >= self._flush_at:
            self._flush_unless_busy()
        if found is None:
            return "new"
        return "unchanged" if found[0] == article.content_hash else "updated"

    def _row(self, article: Article, key: str, cause: str, lists: dict[str, list[Any]]
             ) -> dict[str, Any]:
        fields = {**article.to_dict(), **{name: _json(value) for name, value in lists.items()}}
        row = {c: fields[c] for c in ITEM_COLUMNS}
        seen = now_iso()
        row.update(canonical_url=key, first_seen=seen, content_since=seen,
                   last_seen=seen if cause == "crawl" else None)
        return row

    def _page_row(self, page: RawPage, part: int) -> dict[str, Any]:
        return {"url": page.url, "fetched_at": page.fetched_at, "status": page.status,
                "headers": _json(page.headers), "encoding": "zstd", "part": part,
                "body": self._compressor.compress(page.body)}

    @property
    def pending(self) -> int:
        """Articles queued and not yet written."""
        return len(self._pending)

    def flush(self) -> Counter[str]:
        """Write the queued articles and pages in one transaction; the batch's outcomes.

        Raises ArchiveBusy (the batch kept, to be written by the next flush) when another
        writer holds the lock for the whole busy timeout.
        """
        if not self._pending and not self._pages:
            return Counter()
        with self.transaction():
            outcomes = self._write_batch()
        self._pending.clear()
        self._pages.clear()
        self._flush_at = self.batch_size
        self._outcomes.update(outcomes)
        return outcomes

    def _flush_unless_busy(self) -> None:
        """A full batch is written, or kept queued while another writer holds the lock and
        tried again one batch later (each try waits the busy timeout), up to KEPT_BATCHES
        batches: then ArchiveBusy, nothing lost, the queue still held."""
        try:
            self.flush()
        except ArchiveBusy as exc:
            if len(self._pending) >= KEPT_BATCHES * self.batch_size:
                raise
            self._flush_at = len(self._pending) + self.batch_size
            logger.warning("%s; %d articles kept queued for the next try", exc, self.pending)

    def take_outcomes(self) -> Counter[str]:
        """The outcomes written since the last call: what the archive really did."""
        taken, self._outcomes = self._outcomes, Counter()
        return taken

    def _write_batch(self) -> Counter[str]:
        """Revisions, articles, links, pages, from what the transaction finds stored (another
        writer, a second crawl or `ingest`, may have stored the same URLs since store())."""
        pending = self._pending
        self._ensure_portals({p.row["portal"] for p in pending.values()})
        found = self._found(sorted(pending))
        ids = {key: f.article_id for key, f in found.items()}
        ids.update(zip((k for k in pending if k not in found), itertools.count(self._next_id())))
        outcomes = {k: self._outcome(found.get(k), p) for k, p in pending.items()}
        replaced_at = now_iso()
        self.conn.executemany(REVISION_SQL, [
            {"article": f.article_id, "cause": pending[k].cause, "replaced_at": replaced_at}
            for k, f in found.items() if outcomes[k] == "updated"])
        self.conn.executemany(INSERT_SQL, [{**p.row, "id": ids[k]} for k, p in pending.items()
                                           if k not in found])
        self.conn.executemany(UPDATE_SQL, [{**pending[k].row, "id": f.article_id}
                                           for k, f in found.items()])
        self._write_links(
            stale=[f.article_id for k, f in found.items() if self._relinked(f, pending[k])],
            links=[(ids[k], p.links) for k, p in pending.items()
                   if k not in found or self._relinked(found[k], p)])
        self.conn.executemany(PAGE_SQL, [{**page, "article": ids[key], "run": self.run_id}
                                         for key, page in self._pages])
        return Counter(outcomes.values())

    @staticmethod
    def _outcome(found: Found | None, pending: Pending) -> str:
        if found is None:
            return "new"
        return "unchanged" if found.content_hash == pending.row["content_hash"] else "updated"

    @staticmethod
    def _relinked(found: Found, pending: Pending) -> bool:
        return found.lists != tuple(pending.row[f] for f in LIST_FIELDS)

    def _found(self, keys: list[str]) -> dict[str, Found]:
        """The stored articles among `keys`, looked up in index order."""
        found = {}
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start:start + IN_CHUNK]
            for key, aid, content_hash, *lists in self.conn.execute(
                    FOUND_SQL.format(", ".join("?" * len(chunk))), chunk):
                found[key] = Found(aid, content_hash, tuple(lists))
        return found

    def _next_id(self) -> int:
        return self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0]

    def _write_links(self, stale: list[int], links: list[tuple[int, Links]]) -> None:
        """Authors, tags and images of the articles whose lists are new or changed."""
        for table in LINK_TABLES:
            self.conn.executemany(f"DELETE FROM {table} WHERE article = ?", [(a,) for a in stale])
        author_ids = self._ids_of("authors", {n for _, lk in links for n in lk.authors})
        tag_ids = self._ids_of("tags", {n for _, lk in links for n in lk.tags})
        self.conn.executemany(
            "INSERT INTO article_authors (article, author, position) VALUES (?, ?, ?)",
            [(aid, author_ids[n], i) for aid, lk in links for i, n in enumerate(lk.authors)])
        self.conn.executemany(
            "INSERT INTO article_tags (article, tag, position) VALUES (?, ?, ?)",
            [(aid, tag_ids[n], i) for aid, lk in links for i, n in enumerate(lk.tags)])
        self.conn.executemany(
            "INSERT INTO images (article, position, url, caption) VALUES (?, ?, ?, ?)",
            [(aid, *image) for aid, lk in links for image in lk.images])

    def _ids_of(self, table: str, names: set[str]) -> dict[str, int]:
        """Ids of author or tag names, adding the new ones; remembered across batches."""
        cache = self._name_ids[table]
        missing = [n for n in names if n not in cache]
        if missing:
            if len(cache) + len(missing) > NAME_CACHE_LIMIT:
                cache.clear()
            self.conn.executemany(f"INSERT OR IGNORE INTO {table} (name) VALUES (?)",
                                  [(n,) for n in missing])
            for start in range(0, len(missing), IN_CHUNK):
                chunk = missing[start:start + IN_CHUNK]
                cache.update((name, nid) for nid, name in self.conn.execute(
                    f"SELECT id, name FROM {table} WHERE name IN "
                    f"({', '.join('?' * len(chunk))})", chunk))
        return {n: cache[n] for n in names}

    def close(self, *, write_pending: bool = True) -> None:
        """Write what is queued (unless told the caller already tried), then close."""
        try:
            if write_pending and not self.readonly:
                self.flush()
        finally:
            self.db.close()

    # -- reading ----------------------------------------------------------------------------

    def count(self, table: str = "articles") -> int:
        return self.db[table].count

    def article(self, canonical_url: str) -> dict[str, Any] | None:
        """The stored article (lists decoded), or None."""
        rows = list(self.db["articles"].rows_where("canonical_url = ?", [canonical_url]))
        return decode_lists(rows[0]) if rows else None

    def fetch_record(self, key: str) -> FetchRecord | None:
        """The article stored under `key` (`newscrawler.page.archive_key`) or asked for by it
        (its `url`), its dates and its latest raw page's fetch, or None."""
        row = self.conn.execute(FETCH_RECORD_SQL, {"key": key}).fetchone()
        if row is None:
            return None
        published, first_seen, last_seen, fetched_at, headers = row
        try:
            decoded = json.loads(headers) if headers else {}
        except ValueError:
            decoded = {}
        return FetchRecord(published, first_seen, last_seen, fetched_at,
                           decoded if isinstance(decoded, dict) else {})

    def revisions(self, canonical_url: str) -> list[dict[str, Any]]:
        """The versions an article had before its current one, oldest first."""
        return list(self.db.query(
            "SELECT r.* FROM article_revisions r JOIN articles a ON a.id = r.article "
            "WHERE a.canonical_url = ? ORDER BY r.replaced_at, r.id", [canonical_url]))

    def search(self, query: str, limit: int = 20, *, raw: bool = False) -> list[dict[str, Any]]:
        """Best matches first, each with a snippet marking the matched words «like this».

        The query's words must all appear (diacritics ignored); `raw=True` passes FTS5 syntax
        (OR, NEAR, "phrases", prefix*) through as written.
        """
        match = query if raw else fts_query(query)
        if not match:
            return []
        return list(self.db.query(
            "SELECT a.id, a.canonical_url, a.portal, a.title, a.published, "
            "snippet(articles_fts, -1, '«', '»', '…', 24) AS snippet "
            "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
            "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?", [match, limit]))

    def iter_articles(self, portal: str | None = None, since: str | None = None,
                      until: str | None = None) -> Iterator[dict[str, Any]]:
        """Articles in order of publication, streamed from the database (lists decoded).

        `since`/`until` are days (YYYY-MM-DD, inclusive) in the portal's own calendar; with
        either, articles without a publication date are left out. The bounds compare with
        `published` itself (which starts with that day), so the rows come in the order of its
        index and SQLite never sorts the export in memory.
        """
        where, params = _article_filter(portal, since, until)
        sql = (f"SELECT {', '.join(('canonical_url', *ITEM_COLUMNS))}, first_seen, last_seen "
               f"FROM articles {where} ORDER BY published, id")
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield decode_lists(dict(zip(names, values, strict=True)))

    def has_page(self, canonical_url: str, page_url: str, fetched_at: str) -> bool:
        """Whether this fetch of a page is stored already, or queued to be (re-reading a WARC
        adds nothing)."""
        if any(key == canonical_url and page["url"] == page_url
               and page["fetched_at"] == fetched_at for key, page in self._pages):
            return True
        return self.conn.execute(PAGE_STORED_SQL, (canonical_url, page_url, fetched_at)
                                 ).fetchone() is not None

    def iter_pages(self, portal: str | None = None, since: str | None = None,
                   until: str | None = None) -> Iterator[RawPage]:
        """Every raw page of the articles `iter_articles` gives, in its order, each article's
        pages in the order fetched (streamed: for `export --format warc`)."""
        where, params = _article_filter(portal, since, until)
        cursor = self.conn.execute(
            "SELECT p.url, p.status, p.fetched_at, p.headers, p.encoding, p.body "
            f"FROM articles a JOIN pages p ON p.article = a.id {where} "
            "ORDER BY a.published, a.id, p.fetched_at, p.id", params)
        for url, status, fetched_at, headers, encoding, body in cursor:
            yield RawPage(url=url, status=status or 200, fetched_at=fetched_at,
                          body=self._decompress(encoding, body),
                          headers=json.loads(headers or "{}"))

    def latest_pages(self, portal: str | None = None, after_id: int = 0,
                     limit: int = 200) -> list[StoredPage]:
        """The newest fetch of each article with id > after_id, by article id (keyset
        pagination: constant memory, and safe while the same articles are being rewritten)."""
        stored = []
        for aid, key, url, pid, first_id, *page in self.conn.execute(
                FIRST_PAGES_SQL, (after_id, portal, portal, limit)).fetchall():
            later = self.conn.execute(LATER_PAGES_SQL, (aid, first_id)).fetchall()
            pages = [self._raw_page(page)] + [self._raw_page(row[2:]) for row in later]
            stored.append(StoredPage(aid, key, url, pid, pages))
        return stored

    def _raw_page(self, row: Sequence[Any]) -> RawPage:
        url, fetched_at, status, headers, encoding, body = row
        return RawPage(url=url, status=status, fetched_at=fetched_at,
                       body=self._decompress(encoding, body),
                       headers=json.loads(headers or "{}"))

    def _decompress(self, encoding: str | None, body: bytes) -> bytes:
        if encoding == "zstd":
            return self._decompressor.decompress(body)
        if encoding in (None, "", "identity"):
            return body
        raise ArchiveError(f"raw page stored with unknown encoding {encoding!r}")

    def portal_stats(self) -> list[dict[str, Any]]:
        """Per portal: articles, first/last published, runs, the last run and failure counts."""
        return list(self.db.query("""
            WITH run_portals AS (  -- every portal of every run, with its own row if any
                SELECT j.value AS portal, r.id AS run, r.started_at, p.ended_at, p.outcome,
                       p.why, p.finish_reason, p.errors, p.dropped_total
                FROM crawl_runs r JOIN json_each(r.portals) j
                LEFT JOIN crawl_portal_runs p ON p.run = r.id AND p.portal = j.value
                WHERE json_valid(r.portals)
            ), runs AS (
                SELECT portal, count(*) AS runs, max(started_at) AS last_run,
                       sum(errors) AS errors, sum(dropped_total) AS dropped
                FROM run_portals GROUP BY portal
            ), last AS (
                SELECT * FROM (
                    SELECT portal, ended_at AS last_run_ended, errors AS last_run_errors,
                           dropped_total AS last_run_dropped, finish_reason AS last_run_finish,
                           outcome AS last_run_outcome, why AS last_run_why,
                           row_number() OVER (PARTITION BY portal ORDER BY run DESC) AS newest
                    FROM run_portals)
                WHERE newest = 1
            ), counts AS (
                SELECT portal, count(*) AS articles, min(published) AS first_published,
                       max(published) AS last_published
                FROM articles WHERE portal IS NOT NULL GROUP BY portal
            ), ids AS (SELECT portal FROM counts UNION SELECT portal FROM runs)
            SELECT ids.portal, coalesce(counts.articles, 0) AS articles,
                   counts.first_published, counts.last_published,
                   coalesce(runs.runs, 0) AS runs, runs.last_run, last.last_run_ended,
                   last.last_run_finish, last.last_run_outcome, last.last_run_why,
                   coalesce(last.last_run_errors, 0) AS last_run_errors,
                   coalesce(last.last_run_dropped, 0) AS last_run_dropped,
                   coalesce(runs.errors, 0) AS errors, coalesce(runs.dropped, 0) AS dropped
            FROM ids LEFT JOIN counts USING (portal) LEFT JOIN runs USING (portal)
            LEFT JOIN last USING (portal) ORDER BY ids.portal
        """))


def _article_filter(portal: str | None, since: str | None, until: str | None
                    ) -> tuple[str, list[str]]:
    """The WHERE clause (on `articles`) of a portal and a range of publication days."""
    after_until = (date.fromisoformat(until) + timedelta(days=1)).isoformat() if (
        until and until < date.max.isoformat()) else None
    if until and after_until is None:
        since = since or "0"  # the last day there is: no end, but a publication date
    where, params = [], []
    for clause, value in (("portal = ?", portal), ("published >= ?", since),
                          ("published < ?", after_until)):
        if value is not None:
            where.append(clause)
            params.append(value)
    return ("WHERE " + " AND ".join(where) if where else ""), params


def decode_lists(row: dict[str, Any]) -> dict[str, Any]:
    """A row of `articles` with its JSON list columns as lists."""
    for name in LIST_FIELDS:
        row[name] = json.loads(row[name]) if row.get(name) else []
    return row

