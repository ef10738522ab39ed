"""`newscrawler <command>`: the archive's tools on the command line.

Each command is a small function taking parsed arguments and returning an exit code; errors a
user can fix are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from newscrawler.errors import NewscrawlerError
from newscrawler.storage import archive_error, db_path

Command = Callable[[argparse.Namespace], int]


def fail(message: str, code: int = 1) -> int:
    """A failure as one line on standard error; the exit status."""
    print(f"newscrawler: {message}", file=sys.stderr)
    return code


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the article on a saved page as one JSON object: `process_page`, as a crawl of
    the same bytes at the same address reads them."""
    from newscrawler.page import Drop, extract

    path = Path(args.file)
    try:
        html = sys.stdin.buffer.read() if args.file == "-" else path.read_bytes()
    except OSError as exc:
        return fail(f"cannot read {args.file}: {exc.strerror}")
    result = extract(html, args.url, now=args.now)
    article = result.article if isinstance(result, Drop) else result
    if article is not None:
        print(json.dumps(article.to_dict(), ensure_ascii=False,
                         indent=None if args.compact else 2))
    if isinstance(result, Drop) and not (args.keep and article is not None):
        return fail(f"{args.file}: not an article ({result.reason}"
                    + (f": {result.detail})" if result.detail else ")"))
    return 0


def moment(text: str) -> datetime:
    """argparse type: an HTTP date ("Wed, 25 Nov 2020 13:00:00 GMT") or ISO 8601 with a zone."""
    from newscrawler.dates import parse_http_date

    found = parse_http_date(text)
    if found is None:
        try:
            found = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            found = None
    if found is None or found.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"not a moment with a zone (HTTP date or ISO 8601): {text!r}")
    return found


def cmd_dates(args: argparse.Namespace) -> int:
    from newscrawler.dates import main_dates

    return main_dates(args.rest)


def cmd_portals(args: argparse.Namespace) -> int:
    """List the described portals with their verification status; broken descriptions fail."""
    from newscrawler.portals import broken_portals, load_portals

    portals = load_portals()
    if args.json:
        print(json.dumps([{"id": p.id, "name": p.name, "domains": list(p.domains),
                           "timezone": p.timezone, "language": p.language,
                           "verified": p.verified} for p in portals.values()], indent=2))
    else:
        for p in portals.values():
            status = "verified" if p.verified else "unverified"
            print(f"{p.id:<22} {status:<11} {p.timezone:<15} {', '.join(p.domains)}")
        verified = sum(p.verified for p in portals.values())
        print(f"{len(portals)} portals, {verified} verified against saved pages (their selectors "
              f"are checked by `newscrawler eval`); the {len(portals) - verified} unverified hold "
              "facts only (domains, feeds, sitemaps, time zone, URL patterns): the generic "
              "extractor reads their pages")
    broken = broken_portals()
    for error in broken.values():
        fail(f"broken description: {error}")
    return 1 if broken else 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Crawl the bundled demo site into its own archive (never the real one: its made-up
    articles carry real portals' URLs) and say what happened."""
    from newscrawler.demo import DEMO_DB, run_demo
    from newscrawler.operations import exit_status, open_for_crawling, print_summary

    db = Path(args.db or DEMO_DB)
    open_for_crawling(db)
    reports = run_demo(db)
    print_summary(reports, db, sys.stdout)  # the same table as `newscrawler crawl`
    print(f"open it with: newscrawler serve --db {db}")
    return exit_status(reports)  # faults counted by reason are not failures


def cmd_eval(args: argparse.Namespace) -> int:
    """Extraction measured against hand-read pages: per field, per portal, every leak."""
    from newscrawler.eval import EvalError, main_eval

    try:
        code, text = main_eval(args.pages, args.expected, as_json=args.json, mode=args.mode)
    except EvalError as exc:
        return fail(str(exc), 2)
    print(text)
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawler", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="print the article on a saved page as JSON (no network)")
    p.add_argument("file", help="the saved page (or - for standard input)")
    p.add_argument("--url", required=True, help="the page's address (names its portal)")
    p.add_argument("--compact", action="store_true", help="one line of JSON")
    p.add_argument("--keep", action="store_true", help="exit 0 even when it is not an article")
    p.add_argument("--now", type=moment, default=None,
                   help="when the page was served, for relative dates ('2 jam yang lalu'): "
                        "its HTTP Date header or ISO 8601 (default: the clock)")
    p.set_defaults(func=cmd_extract)

    # Its own parser reads the options (`--now`, `--help`): here they are only passed on.
    p = sub.add_parser("dates", add_help=False, prefix_chars="+",
                       help="read an Indonesian date: newscrawler dates 'Rabu (25/11/2020)'")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_dates)

    p = sub.add_parser("portals", help="list the described portals and their status")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_portals)

    p = sub.add_parser("demo", help="crawl a bundled local demo site into data/demo/news.db")
    p.add_argument("--db", help="the demo's archive (default: data/demo/news.db, kept apart from "
                   "real crawls)")
    p.set_defaults(func=cmd_demo)

    from newscrawler.operations import add_commands

    add_commands(sub)  # crawl, ingest

    p = sub.add_parser("eval", help="measure extraction against hand-read saved pages")
    p.add_argument("pages", metavar="PAGES_DIR", help="saved pages: <domain>/<page>.html")
    p.add_argument("--expected", default="eval/expected", metavar="EXPECTED_DIR",
                   help="expected outputs: <domain>/<page>.json (default: eval/expected)")
    p.add_argument("--json", action="store_true", help="figures as JSON")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--generic", dest="mode", action="store_const", const="generic",
                      help="descriptions cut to their facts: the forecast for unverified portals")
    mode.add_argument("--leave-one-out", dest="mode", action="store_const",
                      const="leave-one-out", help="per portal: held out of its description")
    p.set_defaults(func=cmd_eval, mode="descriptions")

    from newscrawler.archive_commands import add_archive_commands

    add_archive_commands(sub)  # reextract, export, stats

    from newscrawler.serve import add_serve_command

    add_serve_command(sub)  # datasette, local or publishing

    from newscrawler.warc_ingest import add_ingest_warc

    add_ingest_warc(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:  # `newscrawler export | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except NewscrawlerError as exc:  # a refusal with a message the user can act on
        return fail(str(exc))
    except sqlite3.DatabaseError as exc:  # damage found while reading, past the opening
        return fail(str(archive_error(db_path(getattr(args, "db", None)), exc)))
    except OSError as exc:  # a file to read or write: missing folder, permissions, full disk
        return fail(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc))


if __name__ == "__main__":
    sys.exit(main())
