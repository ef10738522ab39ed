"""`newscrawler eval PAGES_DIR --expected EXPECTED_DIR`: extraction measured against pages read by
hand.

Each expected file `EXPECTED_DIR/<domain>/<page>.json` describes the saved page
`PAGES_DIR/<domain>/<page>.html`: an article (title, published, authors, tags, body, and the
boilerplate strings that must not reach the body) or a listing (`kind: listing`, the article URLs
it links to). The page goes through the same `process_page` a crawl uses; the figures are per field,
per portal and overall, and every boilerplate leak is printed with its page.

A page passes when title, published, authors and tags are exact, body F1 (by tokens) is at least
BODY_F1_TO_PASS and nothing leaks; a listing passes when the portal's article-URL rules pick
exactly its article links.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from statistics import mean
from typing import Any

from newscrawler.errors import NewscrawlerError
from newscrawler.extract.document import normalize_space
from newscrawler.extract.links import listing_links
from newscrawler.items import Article
from newscrawler.page import Drop, extract
from newscrawler.portals import portal_for_url

BODY_F1_TO_PASS = 0.95
EXACT_FIELDS = ("title", "published", "authors", "tags")
REPORTED_FIELDS = (*EXACT_FIELDS, "section", "credit")
_TOKEN = re.compile(r"\w+")

# Reads a page: (html, url) -> Article. The default reads with the portal's description.
Reader = Callable[[bytes, str], Article | Drop]


class EvalError(NewscrawlerError):
    """The pages or the expected outputs cannot be read as given."""


# -- scoring ------------------------------------------------------------------------------------

def tokens(text: str | None, ngram: int = 1) -> Counter[tuple[str, ...]]:
    """Word tokens (\\w+) of a text, or its n-token shingles, counted."""
    words = _TOKEN.findall(text or "")
    return Counter(tuple(words[i:i + ngram]) for i in range(max(1, len(words) - ngram + 1))
                   if words[i:i + ngram])


@dataclass(frozen=True)
class Overlap:
    """True positives, false positives and false negatives between two texts, as shares of
    their sum (so a long article weighs no more than a short one)."""

    tp: float
    fp: float
    fn: float

    @classmethod
    def of(cls, expected: str | None, found: str | None, ngram: int = 1) -> Overlap:
        want, got = tokens(expected, ngram), tokens(found, ngram)
        tp = sum((want & got).values())
        fp, fn = sum(got.values()) - tp, sum(want.values()) - tp
        total = tp + fp + fn
        return cls(tp / total, fp / total, fn / total) if total else cls(0.0, 0.0, 0.0)

    @property
    def precision(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def prf(overlaps: list[Overlap]) -> dict[str, float]:
    """Precision and recall averaged over pages, and their F1 (the scrapinghub benchmark's way)."""
    precision = mean([o.precision for o in overlaps if o.tp + o.fp > 0] or [0.0])
    recall = mean([o.recall for o in overlaps if o.tp + o.fn > 0] or [0.0])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def leaks(body: str | None, boilerplate: list[str]) -> list[str]:
    """The boilerplate strings that made it into the body."""
    text = normalize_space(body).casefold()
    return [s for s in boilerplate if normalize_space(s).casefold() in text]


def same_moment(expected: str | None, found: str | None) -> bool:
    """Equal dates: the same instant shown with the same offset (or the same day, for a date)."""
    if expected is None or found is None:
        return expected == found
    try:
        want, got = datetime.fromisoformat(expected), datetime.fromisoformat(found)
    except ValueError:
        return expected == found
    return want == got and want.utcoffset() == got.utcoffset()


def _field_ok(name: str, expected: Any, found: Any) -> bool:
    if name == "published":
        return same_moment(expected, found)
    if isinstance(expected, str) and isinstance(found, str):
        return normalize_space(expected) == normalize_space(found)
    return expected == found


# -- cases --------------------------------------------------------------------------------------

@dataclass
class Case:
    """One saved page and what a reader finds on it."""

    domain: str
    name: str
    page: Path
    expected: dict[str, Any]

    @property
    def is_listing(self) -> bool:
        return self.expected.get("kind") == "listing"

    @property
    def url(self) -> str:
        return self.expected["url"]


def load_cases(pages_dir: Path, expected_dir: Path) -> list[Case]:
    """Every expected file with its saved page; EvalError when a directory or a page is missing."""
    if not pages_dir.is_dir():
        raise EvalError(f"pages directory not found: {pages_dir} (the saved pages, "
                        "e.g. ../shared/fixtures/raw)")
    if not expected_dir.is_dir():
        raise EvalError(f"expected directory not found: {expected_dir}")
    cases = []
    for path in sorted(expected_dir.glob("*/*.json")):
        page = pages_dir / path.parent.name / f"{path.stem}.html"
        if not page.is_file():
            raise EvalError(f"{path}: its page {page} is missing")
        try:
            expected = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise EvalError(f"{path}: not valid JSON: {exc}") from exc
        if "url" not in expected:
            raise EvalError(f"{path}: no 'url'")
        cases.append(Case(path.parent.name, path.stem, page, expected))
    if not cases:
        raise EvalError(f"no expected outputs in {expected_dir} (<domain>/<page>.json)")
    return cases


# -- results ------------------------------------------------------------------------------------

@dataclass
class PageResult:
    case: Case
    fields: dict[str, bool] = field(default_factory=dict)  # field -> exact
    found: dict[str, Any] = field(default_factory=dict)
    body: Overlap | None = None
    leaked: list[str] = field(default_factory=list)
    missing_links: list[str] = field(default_factory=list)
    extra_links: list[str] = field(default_factory=list)
    link_overlap: Overlap | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        if self.error:
            return False
        if self.case.is_listing:
            return not self.missing_links and not self.extra_links
        exact = all(self.fields.get(name, True) for name in EXACT_FIELDS)
        return exact and not self.leaked and self.body is not None and (
            self.body.f1 >= BODY_F1_TO_PASS)


def _url_key(url: str) -> str:
    """A link as the expected listings write it: no query string, no fragment."""
    return url.split("#", 1)[0].split("?", 1)[0]


def is_described_article(url: str) -> bool:
    """An article URL by the description of the portal that owns it (a listing may link the
    articles of its sister sites)."""
    portal = portal_for_url(url)
    return portal is not None and portal.is_article_url(url)


def evaluate_listing(case: Case, html: bytes) -> PageResult:
    result = PageResult(case)
    found = [u for u in listing_links(html, case.url) if is_described_article(u)]
    got = list(dict.fromkeys(map(_url_key, found)))
    want = list(dict.fromkeys(map(_url_key, case.expected.get("article_urls", []))))
    result.missing_links = [u for u in want if u not in set(got)]
    result.extra_links = [u for u in got if u not in set(want)]
    result.link_overlap = Overlap.of(" ".join(want), " ".join(got))
    hits = len(set(want) & set(got))
    result.found = {"links": len(got), "expected": len(want), "matched": hits}
    return result


def evaluate_article(case: Case, html: bytes, reader: Reader) -> PageResult:
    result = PageResult(case)
    read = reader(html, case.url)
    article = (read.article if isinstance(read, Drop) else read) or Article(url=case.url)
    expected = case.expected
    for name in REPORTED_FIELDS:
        if name in expected:
            found = getattr(article, name)
            result.found[name] = found
            result.fields[name] = _field_ok(name, expected[name], found)
    result.found["extraction"] = article.extraction
    result.found["drop_reason"] = read.reason if isinstance(read, Drop) else None
    result.body = Overlap.of(expected.get("body"), article.body)
    result.leaked = leaks(article.body, expected.get("boilerplate") or [])
    return result


def read_with_descriptions(html: bytes, url: str) -> Article | Drop:
    return extract(html, url)


def evaluate(cases: list[Case], reader: Reader = read_with_descriptions) -> list[PageResult]:
    """Every case read and compared; an exception from extraction is a failed page, not a crash."""
    results = []
    for case in cases:
        html = case.page.read_bytes()
        try:
            if case.is_listing:
                results.append(evaluate_listing(case, html))
            else:
                results.append(evaluate_article(case, html, reader))
        except Exception as exc:  # noqa: BLE001 - reported per page, the run goes on
            results.append(PageResult(case, error=f"{type(exc).__name__}: {exc}"))
    return results


def summarize(results: list[PageResult]) -> dict[str, Any]:
    """Per-field accuracy, body P/R/F1, leaks, listing link P/R and the pass count."""
    articles = [r for r in results if not r.case.is_listing and not r.error]
    listings = [r for r in results if r.case.is_listing and not r.error]
    summary: dict[str, Any] = {"pages": len(results), "passed": sum(r.passed for r in results),
                               "errors": sum(bool(r.error) for r in results)}
    if articles:
        summary["articles"] = len(articles)
        for name in REPORTED_FIELDS:
            judged = [r.fields[name] for r in articles if name in r.fields]
            if judged:
                summary[name] = sum(judged) / len(judged)
        summary["body"] = prf([r.body for r in articles if r.body])
        summary["leaks"] = sum(len(r.leaked) for r in articles)
    if listings:
        summary["listings"] = len(listings)
        summary["links"] = prf([r.link_overlap for r in listings if r.link_overlap])
    return summary


# -- report -------------------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "   -" if value is None else f"{100 * value:4.0f}"


def _row(name: str, s: dict[str, Any]) -> str:
    body = s.get("body", {})
    links = s.get("links", {})
    return (f"{name:<18} {s['pages']:>5} {s['passed']:>4}  "
            + " ".join(_pct(s.get(f)) for f in REPORTED_FIELDS)
            + f"  {_pct(body.get('precision'))} {_pct(body.get('recall'))} {_pct(body.get('f1'))}"
            + f" {s.get('leaks', 0):>5}  "
            + f"{_pct(links.get('precision'))} {_pct(links.get('recall'))}")


def report(results: list[PageResult]) -> str:
    """The table (per portal, then overall) and, below it, every failure and leak."""
    header = (f"{'portal':<18} {'pages':>5} {'pass':>4}  titl  pub auth tags sect cred"
              "  bdyP bdyR bdyF leaks  lnkP lnkR")
    by_domain: dict[str, list[PageResult]] = {}
    for r in results:
        by_domain.setdefault(r.case.domain, []).append(r)
    out = ["accuracy in % (exact match per field; body by tokens; links of listing pages)",
           header]
    out += [_row(domain, summarize(rs)) for domain, rs in sorted(by_domain.items())]
    out.append(_row("overall", summarize(results)))
    details = [line for r in results for line in _details(r)]
    if details:
        out += ["", "failures and leaks:"] + details
    return "\n".join(out)


def _details(r: PageResult) -> list[str]:
    where = f"{r.case.domain}/{r.case.name}"
    if r.error:
        return [f"  {where}: ERROR {r.error}"]
    lines = [f"  {where}: {name}: expected {r.case.expected.get(name)!r}, got {r.found[name]!r}"
             for name in EXACT_FIELDS if r.fields.get(name) is False]
    lines += [f"  {where}: LEAK {text!r}" for text in r.leaked]
    if r.body is not None and r.body.f1 < BODY_F1_TO_PASS:
        lines.append(f"  {where}: body F1 {r.body.f1:.3f} (P {r.body.precision:.3f} "
                     f"R {r.body.recall:.3f}; {r.found.get('extraction')})")
    lines += [f"  {where}: missing link {u}" for u in r.missing_links]
    lines += [f"  {where}: extra link {u}" for u in r.extra_links]
    return lines


def main_eval(pages_dir: str, expected_dir: str, as_json: bool = False) -> tuple[int, str]:
    """(exit code, text) for the CLI: 0 when every page passes, 1 when some fail."""
    cases = load_cases(Path(pages_dir), Path(expected_dir))
    results = evaluate(cases)
    if as_json:
        by_domain: dict[str, list[PageResult]] = {}
        for r in results:
            by_domain.setdefault(r.case.domain, []).append(r)
        text = json.dumps({"overall": summarize(results),
                           "portals": {d: summarize(rs) for d, rs in sorted(by_domain.items())},
                           "leaks": [{"page": f"{r.case.domain}/{r.case.name}", "text": t}
                                     for r in results for t in r.leaked]},
                          ensure_ascii=False, indent=2)
    else:
        text = report(results)
    return (0 if all(r.passed for r in results) else 1), text
