"""The eval over the real saved pages (../shared/fixtures/raw) in CI: every page with an expected
output in eval/expected must pass, so a portal that regresses turns CI red, named with its
failures. Skipped, saying why, when ../shared is not beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawler.eval import PageResult, by_portal, evaluate, failure_details, load_cases

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "fixtures" / "raw"
EXPECTED = ROOT / "eval" / "expected"
PORTALS = sorted(p.name for p in EXPECTED.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def results() -> dict[str, list[PageResult]]:
    if not RAW.is_dir():
        pytest.skip(f"the saved pages are not here: {RAW} (../shared/fixtures/raw beside the "
                    "repository); the eval over real pages cannot run")
    return by_portal(evaluate(load_cases(RAW, EXPECTED)))


@pytest.mark.parametrize("domain", PORTALS)
def test_every_saved_page_of_the_portal_passes(results: dict[str, list[PageResult]],
                                               domain: str) -> None:
    failures = [line for r in results[domain] if not r.passed for line in failure_details(r)]
    assert not failures, "\n".join(failures)
