"""WARC files (ISO 28500) in and out, through warcio, webrecorder's reference library.

Reading yields the HTTP responses of one or more WARC files as raw pages, tolerating what real
archives hold: gzip per record or none, revisit records (resolved to the response they repeat,
by payload digest), chunked or compressed payloads stored as sent (decoded here), an extra CRLF
between HTTP headers and payload with a Content-Length off by 2 (one Common Crawl release), a
truncated record, a corrupt gzip member (reading resumes at the next member). Every record that
is not read as a page is a `Skip` with its reason, never an exception.

Writing makes one response record per raw page (with its request record, which helps replay),
gzip per record, with the original headers, the fetch date and the payload digest: readable by
warcio and replayable in pywb or ReplayWeb.page.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import IO, BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException
from warcio.warcwriter import WARCWriter

from newscrawler import __version__
from newscrawler.errors import NewscrawlerError
from newscrawler.items import RawPage

__all__ = ["Skip", "WarcError", "WarcReader", "warc_files", "WarcExport"]

WARC_SUFFIXES = (".warc", ".warc.gz")
GZIP_MAGIC = b"\x1f\x8b\x08"
RECORD_MAGIC = b"WARC/1."
SCAN_BLOCK = 1 << 16
# What a broken record raises inside warcio (a corrupt gzip member, garbage instead of headers).
READ_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError,
               ValueError, IndexError)
# Decides from the URL and HTTP headers, before the payload is read, why a response is not
# wanted (a reason) or None to keep it.
Screen = Callable[[str, StatusAndHeaders], "str | None"]


class WarcError(NewscrawlerError):
    """A WARC path that cannot be read at all (missing, not a WARC file)."""

    reason = "bad_warc"


@dataclass(frozen=True)
class Skip:
    """A record not read as a page, and why (`reason` is what the summary counts)."""

    reason: str
    url: str = ""


def warc_files(paths: Iterable[str | Path]) -> list[Path]:
    """The WARC files named: files as given, folders searched for .warc and .warc.gz."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.name.endswith(WARC_SUFFIXES)
                            and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise WarcError(f"no such file or folder: {path}")
    return found


def iso_date(warc_date: str | None) -> str:
    """A WARC-Date as the archive writes times (ISO 8601 to the second, UTC offset)."""
    if not warc_date:
        return ""
    try:
        moment = datetime.fromisoformat(warc_date.strip().replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def warc_date(iso: str) -> str:
    """An archive time as a WARC-Date (UTC, 'Z')."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def header_dict(http: StatusAndHeaders) -> dict[str, str]:
    """The response headers, the last value of a repeated name winning, transfer framing out
    (the body kept is decoded)."""
    framing = {"transfer-encoding", "content-encoding", "content-length"}
    return {name: value for name, value in http.headers if name.lower() not in framing}


def status_of(http: StatusAndHeaders) -> int:
    try:
        return int(http.get_statuscode())
    except (TypeError, ValueError):
        return 0


class RevisitIndex:
    """Where each kept response's payload lies (by digest), so a revisit finds it again.

    On disk (a temporary SQLite file), so memory stays flat whatever the number of records."""

    def __init__(self) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="newscrawler-warc-")
        self.db = sqlite3.connect(Path(self.dir.name) / "revisits.db")
        self.db.execute("CREATE TABLE payloads (digest TEXT PRIMARY KEY, path TEXT, "
                        "offset INTEGER)")

    def add(self, digest: str | None, path: Path, offset: int) -> None:
        if digest:
            self.db.execute("INSERT OR IGNORE INTO payloads VALUES (?, ?, ?)",
                            (digest, str(path), offset))

    def find(self, digest: str | None) -> tuple[Path, int] | None:
        row = self.db.execute("SELECT path, offset FROM payloads WHERE digest = ?",
                              (digest,)).fetchone() if digest else None
        return (Path(row[0]), row[1]) if row else None

    def close(self) -> None:
        self.db.close()
        self.dir.cleanup()


class WarcReader:
    """The HTTP responses of WARC files as raw pages, every other record a counted Skip.

    `screen` sees each response's URL and HTTP headers before its payload is read (revisits
    included) and returns a skip reason, or None to keep it.
    """

    def __init__(self, screen: Screen):
        self.screen = screen
        self.revisits = RevisitIndex()
        self.quirks = 0  # records whose Content-Length did not end them (tolerated)

    def __enter__(self) -> WarcReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.revisits.close()

    def read(self, paths: Iterable[Path]) -> Iterator[RawPage | Skip]:
        for path in paths:
            yield from self.read_file(path)

    def read_file(self, path: Path) -> Iterator[RawPage | Skip]:
        """One file's records; after a broken one, reading resumes at the next record."""
        with path.open("rb") as stream:
            gzipped = stream.read(3) == GZIP_MAGIC
            marker = GZIP_MAGIC if gzipped else RECORD_MAGIC
            start: int | None = 0
            while start is not None:
                stream.seek(start)
                records = ArchiveIterator(stream)
                try:
                    for record in self._quietly(records):
                        yield self.page_or_skip(record, path, records.offset)
                except READ_ERRORS as exc:
                    yield Skip("bad_gzip_member" if gzipped else "bad_record",
                               f"{path}@{records.offset}: {str(exc).strip()[:80]}")
                    start = next_marker(stream, records.offset + 1, marker)
                    continue
                if records.offset < path.stat().st_size:  # bytes left that made no record
                    yield Skip("truncated", f"{path}@{records.offset}")
                start = None

    def _quietly(self, records: ArchiveIterator) -> Iterator[ArcWarcRecord]:
        """warcio's records, with its stderr notes on a Content-Length that did not end the
        record (the Common Crawl extra-CRLF quirk) counted instead of printed."""
        while True:
            with contextlib.redirect_stderr(io.StringIO()):
                before = records.err_count
                record = next(records, None)
                self.quirks += records.err_count - before
            if record is None:
                return
            yield record

    def page_or_skip(self, record: ArcWarcRecord, path: Path, offset: int) -> RawPage | Skip:
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        if record.rec_type not in ("response", "revisit"):
            return Skip("not_response", url)
        http = record.http_headers
        if http is None or not url.startswith(("http://", "https://")):
            return Skip("not_http", url)
        reason = self.screen(url, http)
        if reason:
            return Skip(reason, url)
        if record.rec_type == "revisit":
            return self.resolve_revisit(record, url, http)
        if record.rec_headers.get_header("WARC-Truncated"):
            return Skip("truncated", url)
        body = record.content_stream().read()
        if record.raw_stream.limit > 0:  # the file ended inside the record
            return Skip("truncated", url)
        self.revisits.add(record.rec_headers.get_header("WARC-Payload-Digest"), path, offset)
        return RawPage(url=url, status=status_of(http), body=body, headers=header_dict(http),
                       fetched_at=iso_date(record.rec_headers.get_header("WARC-Date")))

    def resolve_revisit(self, record: ArcWarcRecord, url: str, http: StatusAndHeaders
                        ) -> RawPage | Skip:
        """The payload of the response a revisit repeats, with the revisit's own URL, date and
        headers (a 304's headers describe the original response: its status is kept)."""
        where = self.revisits.find(record.rec_headers.get_header("WARC-Payload-Digest"))
        if where is None:
            return Skip("revisit_unresolved", url)
        original = read_record_at(*where)
        if original is None:
            return Skip("revisit_unresolved", url)
        original_http, body = original
        headers = {**header_dict(original_http), **header_dict(http)}
        status = status_of(http)
        return RawPage(url=url, status=status_of(original_http) if status in (0, 304) else status,
                       body=body, headers=headers,
                       fetched_at=iso_date(record.rec_headers.get_header("WARC-Date")))


def read_record_at(path: Path, offset: int) -> tuple[StatusAndHeaders, bytes] | None:
    """The HTTP headers and decoded payload of the response record at `offset`."""
    with path.open("rb") as stream:
        stream.seek(offset)
        try:
            record = next(iter(ArchiveIterator(stream)), None)
            if record is None or record.http_headers is None:
                return None
            return record.http_headers, record.content_stream().read()
        except READ_ERRORS:
            return None


def next_marker(stream: BinaryIO, start: int, marker: bytes) -> int | None:
    """The offset of the next gzip member or WARC record header at or after `start`."""
    stream.seek(start)
    position = start
    tail = b""
    while block := stream.read(SCAN_BLOCK):
        window = tail + block
        found = window.find(marker)
        if found >= 0:
            return position - len(tail) + found
        tail = window[-(len(marker) - 1):]
        position += len(block)
    return None


# -- writing -----------------------------------------------------------------------------------


class WarcExport:
    """Writes raw pages as WARC response records (each with its request), gzip per record."""

    def __init__(self, out: IO[bytes]):
        self.writer = WARCWriter(out, gzip=True)
        self.count = 0
        info = self.writer.create_warcinfo_record("", {
            "software": f"newscrawler {__version__}",
            "format": "WARC File Format 1.0",
            "description": "raw pages kept by a newscrawler archive"})
        self.writer.write_record(info)

    def write(self, page: RawPage) -> None:
        reason = phrase(page.status)
        headers = [(name, value) for name, value in page.headers.items()
                   if name.lower() not in ("content-length", "transfer-encoding",
                                           "content-encoding")]
        headers.append(("Content-Length", str(len(page.body))))
        http = StatusAndHeaders(f"{page.status or 200} {reason}", headers, protocol="HTTP/1.1")
        date = warc_date(page.fetched_at)
        response = self.writer.create_warc_record(
            page.url, "response", payload=io.BytesIO(page.body), http_headers=http,
            warc_headers_dict={"WARC-Date": date})
        self.writer.write_record(response)
        self.writer.write_record(self.request_for(page.url, date, response))
        self.count += 1

    def request_for(self, url: str, date: str, response: ArcWarcRecord) -> ArcWarcRecord:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        http = StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", parts.netloc)],
                                is_http_request=True)
        return self.writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), http_headers=http,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To":
                               response.rec_headers.get_header("WARC-Record-ID")})


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status or 200).phrase
    except ValueError:
        return "Unknown"
