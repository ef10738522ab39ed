"""`newscrawler <command>`: the archive's tools on the command line.

Each command is a small function taking parsed arguments and returning an exit code; errors a
user can fix are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from newscrawler.storage import db_path

Command = Callable[[argparse.Namespace], int]


def fail(message: str, code: int = 1) -> int:
    print(f"newscrawler: {message}", file=sys.stderr)
    return code


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the article on a saved page as one JSON object."""
    from newscrawler.extract import ExtractError, extract

    path = Path(args.file)
    try:
        html = sys.stdin.buffer.read() if args.file == "-" else path.read_bytes()
    except OSError as exc:
        return fail(f"cannot read {args.file}: {exc.strerror}")
    try:
        article = extract(html, args.url)
    except ExtractError as exc:
        return fail(f"{args.file}: {exc}")
    print(json.dumps(article.to_dict(), ensure_ascii=False, indent=None if args.compact else 2))
    if article.drop_reason and not args.keep:
        return fail(f"{args.file}: not an article ({article.drop_reason})")
    return 0


def cmd_dates(args: argparse.Namespace) -> int:
    from newscrawler.dates import main_dates

    return main_dates(args.rest)


def cmd_portals(args: argparse.Namespace) -> int:
    """List the described portals with their verification status."""
    from newscrawler.portals import load_portals

    portals = load_portals()
    if args.json:
        print(json.dumps([{"id": p.id, "name": p.name, "domains": list(p.domains),
                           "timezone": p.timezone, "language": p.language,
                           "verified": p.verified} for p in portals.values()], indent=2))
        return 0
    for p in portals.values():
        status = "verified" if p.verified else "unverified"
        print(f"{p.id:<22} {status:<11} {p.timezone:<15} {', '.join(p.domains)}")
    verified = sum(p.verified for p in portals.values())
    print(f"{len(portals)} portals, {verified} verified against saved pages")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Crawl the bundled demo site into the archive and say what happened."""
    from newscrawler.demo import run_demo
    from newscrawler.operations import print_summary

    db = db_path(args.db)
    reports = run_demo(db)
    print_summary(reports, db, sys.stdout)  # the same table as `newscrawler crawl`
    print(f"open it with: datasette {db} -m metadata.yaml")
    return 1 if any(r.failed for r in reports) else 0  # faults counted by reason are not failures


def cmd_eval(args: argparse.Namespace) -> int:
    """Extraction measured against hand-read pages: per field, per portal, every leak."""
    from newscrawler.eval import EvalError, main_eval

    try:
        code, text = main_eval(args.pages, args.expected, as_json=args.json)
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
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("dates", add_help=False,
                       help="read an Indonesian date: newscrawler dates 'Rabu (25/11/2020)'")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_dates)

    p = sub.add_parser("portals", help="list the described portals and their status")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_portals)

    p = sub.add_parser("demo", help="crawl a bundled local demo site into the archive")
    p.add_argument("--db", help="archive path (default: $NEWSCRAWLER_DB or data/news.db)")
    p.set_defaults(func=cmd_demo)

    from newscrawler.operations import add_commands

    add_commands(sub)  # crawl, ingest

    p = sub.add_parser("eval", help="measure extraction against hand-read saved pages")
    p.add_argument("pages", metavar="PAGES_DIR", help="saved pages: <domain>/<page>.html")
    p.add_argument("--expected", default="eval/expected", metavar="EXPECTED_DIR",
                   help="expected outputs: <domain>/<page>.json (default: eval/expected)")
    p.add_argument("--json", action="store_true", help="figures as JSON")
    p.set_defaults(func=cmd_eval)

    from newscrawler.archive_commands import add_archive_commands

    add_archive_commands(sub)  # reextract, export, stats

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


if __name__ == "__main__":
    sys.exit(main())
