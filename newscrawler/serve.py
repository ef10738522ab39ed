"""`newscrawler serve [--publish]`: the archive in datasette, in one of two profiles.

Both profiles read one configuration, `metadata.yaml` plus the templates, plugin and static
files in `datasette-ui/` (a source checkout's). The local default is that configuration as it is:
every table, custom SQL, downloads. The publishing profile is derived from it here, so the two
never drift: no custom SQL, the raw `pages` table closed, no database download or full CSV
stream, tight time limits and no user-chosen facets.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from newscrawler.storage import db_path

CHECKOUT = Path(__file__).resolve().parents[1]
METADATA = CHECKOUT / "metadata.yaml"
FACE = CHECKOUT / "datasette-ui"
DATABASE = "news"  # datasette names a database after its file; metadata and templates use it
CLOSED_TABLES = ("pages",)  # raw HTML of every fetch: bulky, and not the publisher's to republish
PUBLISH_SETTINGS = {
    "allow_download": "off",
    "allow_csv_stream": "off",
    "allow_facet": "off",
    "suggest_facets": "off",
    "sql_time_limit_ms": "400",
    "facet_time_limit_ms": "200",
    "max_returned_rows": "200",
}


class ServeError(ValueError):
    """A reason the archive cannot be served as asked, for the user to fix."""


def publishing_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """The local metadata closed down for the public: custom SQL denied, raw pages hidden."""
    published = {**metadata, "allow_sql": False}
    database = dict(published["databases"][DATABASE])
    tables = dict(database.get("tables", {}))
    for table in CLOSED_TABLES:
        tables[table] = {**tables.get(table, {}), "hidden": True, "allow": False}
    database["tables"] = tables
    published["databases"] = {**published["databases"], DATABASE: database}
    return published


def datasette_command(db: Path, metadata: Path, *, publish: bool, host: str, port: int,
                      settings: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The `datasette serve` command line of a profile, then the caller's own settings."""
    command = [sys.executable, "-m", "datasette", "serve", str(db), "-m", str(metadata),
               "--template-dir", str(FACE / "templates"), "--plugins-dir", str(FACE / "plugins"),
               "--static", f"assets:{FACE / 'static'}", "-h", host, "-p", str(port)]
    profile = list(PUBLISH_SETTINGS.items()) if publish else []
    for name, value in [*profile, *settings]:
        command += ["--setting", name, value]
    return command


def checked_database(path: str | None) -> Path:
    """The archive to serve: it must exist and be called news.db for the configuration to apply."""
    db = db_path(path)
    if not db.is_file():
        raise ServeError(f"no archive at {db} (crawl first, e.g. `newscrawler demo`)")
    if db.stem != DATABASE:
        raise ServeError(f"{db}: the datasette configuration applies to a file named "
                         f"{DATABASE}.db (datasette names a database after its file); "
                         f"copy or link it under that name")
    if not METADATA.is_file() or not FACE.is_dir():
        raise ServeError(f"{METADATA} or {FACE} is missing: serve runs from a source checkout")
    return db


def serve(db: Path, *, publish: bool, **options: Any) -> int:
    """Run datasette in the foreground until it stops; its exit status."""
    if not publish:
        return subprocess.call(datasette_command(db, METADATA, publish=False, **options))
    metadata = publishing_metadata(yaml.safe_load(METADATA.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory(prefix="newscrawler-publish-") as folder:
        published = Path(folder) / "metadata.yaml"
        text = yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False)
        published.write_text(text, encoding="utf-8")
        return subprocess.call(datasette_command(db, published, publish=True, **options))


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        db = checked_database(args.db)
    except ServeError as exc:
        print(f"newscrawler: {exc}", file=sys.stderr)
        return 2
    return serve(db, publish=args.publish, host=args.host, port=args.port,
                 settings=args.setting)


def add_serve_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="browse the archive in datasette (local or publishing)")
    p.add_argument("--db", help="archive path (default: $NEWSCRAWLER_DB or data/news.db)")
    p.add_argument("--publish", action="store_true",
                   help="publishing profile: no custom SQL, no raw pages, no download")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8001, help="port (default: 8001)")
    p.add_argument("--setting", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="a datasette setting, after the profile's (e.g. sql_time_limit_ms 5000)")
    p.set_defaults(func=cmd_serve)
