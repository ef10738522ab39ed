"""Extraction benchmark: newscrawler (with portal descriptions), newscrawler (generic fallback
only) and trafilatura, in one run, on two corpora:

  id  the Indonesian fixture pages with hand-checked expected outputs (eval/expected, pages in
      ../shared/fixtures/raw): body scored by tokens as `newscrawler eval` does, plus title and
      published exact, plus boilerplate leaks;
  en  the scrapinghub article-extraction benchmark (181 gzipped pages + ground-truth.json in
      ../shared/fixtures/benchmarks/scrapinghub-article-extraction), scored as its
      evaluate.py does: 4-token shingles, precision and recall averaged over pages.

    pip install -e '.[bench]'
    python bench/extraction.py [--pages DIR] [--expected DIR] [--benchmark DIR] [--repeat N]

Speed is CPU time of this process (the machine is shared: wall time would measure the
neighbours), best of --repeat passes, whole extraction (decode, parse, every field) per page.
Prints a table with each figure's ratio to trafilatura measured in the same run, then as its
last line one JSON object: per extractor and corpus f1, precision, recall, pages_per_s, leaks
(and title/published accuracy on id), the ratios and whether the targets hold.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newscrawler.eval import EvalError, Overlap, leaks, load_cases, prf, same_moment  # noqa: E402
from newscrawler.items import Article  # noqa: E402
from newscrawler.page import Drop, extract  # noqa: E402
from newscrawler.portals import Portal  # noqa: E402

SHARED = ROOT.parent / "shared" / "fixtures"
# No description: what a portal we have never seen gets.
GENERIC_ONLY = Portal(id="generic", name="", domains=())


@dataclass
class Page:
    html: bytes
    url: str
    body: str
    title: str | None = None
    published: str | None = None
    boilerplate: tuple[str, ...] = ()


@dataclass
class Output:
    body: str
    title: str | None = None
    published: str | None = None


Extractor = Callable[[bytes, str], Output]


def output(result: Article | Drop) -> Output:
    """What the reader got, kept or not (a dropped page scores what it read)."""
    article = result.article if isinstance(result, Drop) else result
    if article is None:
        return Output("", None, None)
    return Output(article.body or "", article.title, article.published)


def newscrawler_with_descriptions(html: bytes, url: str) -> Output:
    return output(extract(html, url))


def newscrawler_generic(html: bytes, url: str) -> Output:
    return output(extract(html, url, portal=GENERIC_ONLY))


def trafilatura_extractor() -> Extractor:
    import trafilatura

    def run(html: bytes, url: str) -> Output:
        doc = trafilatura.bare_extraction(html, url=url, include_comments=False,
                                          with_metadata=True)
        if doc is None:
            return Output("")
        return Output(doc.text or "", doc.title, doc.date)

    return run


# -- corpora ------------------------------------------------------------------------------------

def indonesian_pages(pages_dir: Path, expected_dir: Path) -> list[Page]:
    return [Page(c.page.read_bytes(), c.url, c.expected.get("body") or "",
                 c.expected.get("title"), c.expected.get("published"),
                 tuple(c.expected.get("boilerplate") or ()))
            for c in load_cases(pages_dir, expected_dir) if not c.is_listing]


def english_pages(benchmark_dir: Path) -> list[Page]:
    truth_file = benchmark_dir / "ground-truth.json"
    if not truth_file.is_file():
        raise EvalError(f"benchmark not found: {truth_file}")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    return [Page(gzip.decompress((benchmark_dir / "html" / f"{key}.html.gz").read_bytes()),
                 item["url"], item.get("articleBody") or "")
            for key, item in sorted(truth.items())]


# -- measuring ----------------------------------------------------------------------------------

def run(extractor: Extractor, pages: list[Page], repeat: int) -> tuple[list[Output], float]:
    """The outputs and the best CPU seconds of `repeat` passes (after one warm-up page)."""
    extractor(pages[0].html, pages[0].url)
    best = float("inf")
    outputs: list[Output] = []
    for _ in range(repeat):
        start = time.process_time()
        outputs = [extractor(p.html, p.url) for p in pages]
        best = min(best, time.process_time() - start)
    return outputs, best


def score(pages: list[Page], outputs: list[Output], seconds: float, ngram: int) -> dict:
    result = prf([Overlap.of(p.body, o.body, ngram) for p, o in zip(pages, outputs, strict=True)])
    result = {k: round(v, 4) for k, v in result.items()}
    result["pages_per_s"] = round(len(pages) / seconds, 1)
    result["leaks"] = sum(len(leaks(o.body, list(p.boilerplate)))
                          for p, o in zip(pages, outputs, strict=True))
    if any(p.title for p in pages):
        result["title_exact"] = round(sum(
            (o.title or "").strip() == (p.title or "") for p, o in zip(pages, outputs, strict=True)
        ) / len(pages), 4)
        result["published_exact"] = round(sum(
            same_moment(p.published, o.published) for p, o in zip(pages, outputs, strict=True)
        ) / len(pages), 4)
    return result


def targets(results: dict) -> dict[str, bool]:
    ours, generic, traf = (results[n] for n in ("newscrawler", "generic", "trafilatura"))
    return {
        "id_title_published_exact_100": ours["id"]["title_exact"] == 1.0
        and ours["id"]["published_exact"] == 1.0,
        "id_zero_leaks": ours["id"]["leaks"] == 0,
        "generic_5pt_above_trafilatura_id": generic["id"]["f1"] >= traf["id"]["f1"] + 0.05,
        "generic_not_below_trafilatura_en": generic["en"]["f1"] >= traf["en"]["f1"],
        "speed_3x_trafilatura": all(
            results[name][c]["pages_per_s"] >= 3 * traf[c]["pages_per_s"]
            for name in ("newscrawler", "generic") for c in ("id", "en")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=SHARED / "raw")
    parser.add_argument("--expected", type=Path, default=ROOT / "eval" / "expected")
    parser.add_argument("--benchmark", type=Path,
                        default=SHARED / "benchmarks" / "scrapinghub-article-extraction")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (best is kept)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # fallbacks are logged per page; the figures say it all
    try:
        corpora = {"id": (indonesian_pages(args.pages, args.expected), 1),
                   "en": (english_pages(args.benchmark), 4)}
    except EvalError as exc:
        print(f"bench/extraction.py: {exc}", file=sys.stderr)
        return 2
    try:
        baseline = trafilatura_extractor()
    except ImportError as exc:
        print(f"bench/extraction.py: trafilatura is needed ({exc}); "
              "pip install -e '.[bench]' lxml_html_clean", file=sys.stderr)
        return 2
    extractors = {"newscrawler": newscrawler_with_descriptions,
                  "generic": newscrawler_generic,
                  "trafilatura": baseline}
    results: dict[str, dict[str, dict]] = {name: {} for name in extractors}
    for corpus, (pages, ngram) in corpora.items():
        for name, extractor in extractors.items():
            outputs, seconds = run(extractor, pages, args.repeat)
            results[name][corpus] = score(pages, outputs, seconds, ngram)
    print_table(results, {c: len(p) for c, (p, _) in corpora.items()})
    ratios = {name: {c: {"f1_minus_trafilatura": round(
        results[name][c]["f1"] - results["trafilatura"][c]["f1"], 4),
        "speed_ratio": round(results[name][c]["pages_per_s"]
                             / results["trafilatura"][c]["pages_per_s"], 2)}
        for c in corpora} for name in ("newscrawler", "generic")}
    print(json.dumps({"results": results, "vs_trafilatura": ratios,
                      "targets": targets(results)}))
    return 0


def print_table(results: dict, sizes: dict[str, int]) -> None:
    print("corpora: id = Indonesian fixture pages (tokens), en = scrapinghub benchmark "
          "(4-token shingles); " + ", ".join(f"{c}: {n} pages" for c, n in sizes.items()))
    print(f"{'extractor':<12} {'corpus':<6} {'F1':>6} {'P':>6} {'R':>6} {'pages/s':>8} "
          f"{'x traf':>7} {'leaks':>5} {'title':>6} {'pub':>6}")
    for name, by_corpus in results.items():
        for corpus, r in by_corpus.items():
            speed = r["pages_per_s"] / results["trafilatura"][corpus]["pages_per_s"]
            print(f"{name:<12} {corpus:<6} {r['f1']:>6.3f} {r['precision']:>6.3f} "
                  f"{r['recall']:>6.3f} {r['pages_per_s']:>8.1f} {speed:>7.2f} {r['leaks']:>5} "
                  f"{r.get('title_exact', float('nan')):>6.2f} "
                  f"{r.get('published_exact', float('nan')):>6.2f}")


if __name__ == "__main__":
    sys.exit(main())
