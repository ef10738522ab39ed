"""The portal descriptions in newscrawler/portals/ as a whole: they load, claim distinct domains,
recognise their own article URLs (tests/data/portal_url_examples.yaml), and hold only selectors
parsel can compile and the three Indonesian time zones."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import parsel
import pytest
import yaml

from newscrawler.portals import PORTALS_DIR, load_portals, portal_for_url

EXAMPLES_FILE = Path(__file__).parent / "data" / "portal_url_examples.yaml"
EXAMPLES: dict[str, dict[str, list[str]]] = yaml.safe_load(
    EXAMPLES_FILE.read_text(encoding="utf-8")
)
TIMEZONES = {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}  # WIB, WITA, WIT
PORTALS = load_portals()
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def test_all_descriptions_load() -> None:
    assert len(PORTALS) >= 80
    assert len(PORTALS) == len(list(PORTALS_DIR.glob("*.yaml")))


def test_ids_are_well_formed() -> None:
    bad = [pid for pid in PORTALS if not ID_RE.match(pid)]
    assert not bad


def test_no_domain_is_claimed_twice() -> None:
    counts = Counter(d for p in PORTALS.values() for d in p.domains)
    assert not [d for d, n in counts.items() if n > 1]


def test_domains_are_bare_hosts() -> None:
    bad = [
        (p.id, d)
        for p in PORTALS.values()
        for d in p.domains
        if not d or "/" in d or ":" in d or d.startswith(("www.", ".")) or d != d.strip()
    ]
    assert not bad


@pytest.mark.parametrize("portal", PORTALS.values(), ids=lambda p: p.id)
def test_timezone_and_language(portal) -> None:
    assert portal.timezone in TIMEZONES
    assert portal.language in {"id", "en"}


@pytest.mark.parametrize("portal", PORTALS.values(), ids=lambda p: p.id)
def test_selectors_compile(portal) -> None:
    sel = parsel.Selector(text="<p/>")
    for selector_set in portal.selectors:
        for selectors in selector_set.fields.values():
            for css in selectors:
                sel.css(css)
        for css in selector_set.remove:
            sel.css(css)
    if portal.multipage.next_page:
        sel.css(portal.multipage.next_page)


@pytest.mark.parametrize("portal", PORTALS.values(), ids=lambda p: p.id)
def test_start_urls_are_own_pages_not_articles(portal) -> None:
    for url in portal.discovery.start_urls:
        assert url.startswith(("https://", "http://"))
        assert portal_for_url(url).id == portal.id, url
        assert not portal.is_article_url(url), url


def test_every_example_names_a_portal() -> None:
    assert set(EXAMPLES) <= set(PORTALS)


@pytest.mark.parametrize("portal_id", sorted(EXAMPLES))
def test_url_examples(portal_id: str) -> None:
    portal = PORTALS[portal_id]
    examples = EXAMPLES[portal_id]
    assert examples.get("articles"), "give at least one article URL"
    for url in examples["articles"]:
        owner = portal_for_url(url)
        assert owner is not None and owner.id == portal_id, url
        assert portal.is_article_url(url), url
        single = portal.multipage.single_page_url(url)
        assert single is None or portal.is_article_url(single), single
    for url in examples.get("not_articles") or []:
        assert not portal.is_article_url(url), url


EXPECTED_DIR = Path(__file__).resolve().parents[1] / "eval" / "expected"


@pytest.mark.parametrize("portal", [p for p in PORTALS.values() if not p.verified],
                         ids=lambda p: p.id)
def test_unverified_descriptions_hold_facts_not_selectors(portal) -> None:
    """Selectors written without a saved page would only be guesses: the generic reads these."""
    assert portal.selectors == ()


def test_every_verified_portal_has_a_saved_page_checked_by_eval() -> None:
    import json

    checked = {portal_for_url(json.loads(f.read_text(encoding="utf-8"))["url"]).id
               for f in EXPECTED_DIR.glob("*/*.json")}
    assert {p.id for p in PORTALS.values() if p.verified} <= checked


def test_network_sites_extend_one_base_description() -> None:
    base, site = PORTALS["tribunnews"], PORTALS["tribunambon"]
    assert site.article_allow == base.article_allow and site.multipage == base.multipage
    assert (site.timezone, site.domains) == ("Asia/Jayapura", ("ambon.tribunnews.com",))
    assert site.discovery.start_urls == ("https://ambon.tribunnews.com/",)


def test_extends_names_an_existing_description_and_no_loop(tmp_path: Path) -> None:
    from newscrawler.portals import PortalError, load_portal_file

    (tmp_path / "a.yaml").write_text("id: a\nname: A\ndomains: [a.id]\nextends: b\n")
    (tmp_path / "b.yaml").write_text("id: b\nname: B\ndomains: [b.id]\nextends: a\n")
    (tmp_path / "c.yaml").write_text("id: c\nname: C\ndomains: [c.id]\nextends: nowhere\n")
    with pytest.raises(PortalError, match="extends in a loop 'a'"):
        load_portal_file(tmp_path / "a.yaml")
    with pytest.raises(PortalError, match="missing description 'nowhere'"):
        load_portal_file(tmp_path / "c.yaml")


def _real_article_urls() -> list[str]:
    """Article URLs read off the saved pages by the people who wrote eval/expected (not by
    whoever wrote the patterns): the articles' own addresses and the listings' links."""
    import json

    urls = []
    for path in sorted(EXPECTED_DIR.glob("*/*.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        urls += expected.get("article_urls", []) if expected.get("kind") == "listing" else [
            expected["url"]]
    return urls


# Saved as an article (a photo story is one: its introduction and captions), yet the readers of
# the listings left such /foto/ items out of their article links: kapanlagi's pattern follows
# the listings, so a crawl does not queue photo stories.
PHOTO_STORY = re.compile(r"kapanlagi\.com/foto/berita-foto/")


def test_real_article_urls_are_articles_of_the_portal_that_owns_them() -> None:
    urls = [u for u in _real_article_urls() if not PHOTO_STORY.search(u)]
    owned = [(u, portal_for_url(u)) for u in urls if portal_for_url(u) is not None]
    assert len(owned) > 500
    assert [u for u, portal in owned if not portal.is_article_url(u)] == []
