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

    db = db_path(args.db)
    reports = run_demo(db)
    totals = {"new": 0, "updated": 0, "unchanged": 0}
    print(f"{'portal':<10} {'pages':>5} {'new':>5} {'updated':>7} {'unchanged':>9}  dropped")
    for report in reports:
        counts = {k: report.count(f"articles/{k}") for k in totals}
        for k, v in counts.items():
            totals[k] += v
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(report.dropped.items())) or "-"
        print(f"{report.portal:<10} {report.pages:>5} {counts['new']:>5} {counts['updated']:>7} "
              f"{counts['unchanged']:>9}  {dropped}")
    print(f"added {totals['new']}, updated {totals['updated']}, "
          f"unchanged {totals['unchanged']}; archive: {db}")
    print(f"open it with: datasette {db} -m metadata.yaml")
    return 0 if all(r.errors == 0 for r in reports) else 1


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
