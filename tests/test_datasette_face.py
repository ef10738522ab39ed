"""The archive in datasette as a person sees it: Debian's headless Chromium opens the front page,
search, a facet, every canned query, an article and the dashboard of `newscrawler serve`, and
each must load with no HTTP error and no JavaScript error, and show what it should. Then the
publishing profile's restrictions, tried over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from newscrawler.storage import Archive

from .archive_samples import article_url
from .browsing import REVISED, build_archive, chromium, chromium_path, serving

pytestmark = pytest.mark.slow
# Values for the canned queries' parameters, so that each has rows to show.
QUERY_PARAMS = {"article_history": {"url": article_url(REVISED)},
                "articles_by_author": {"author": "Rina"},
                "articles_by_tag": {"tag": "Warga"}}
Visit = Callable[[str], Any]


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("browser") / "news.db")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if chromium_path() is None:
        pytest.skip("no chromium: install Debian's package (apt-get install chromium)")
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def local(archive_db: Path) -> Iterator[str]:
    with serving(archive_db) as origin:
        yield origin


@pytest.fixture(scope="module")
def published(archive_db: Path) -> Iterator[str]:
    with serving(archive_db, publish=True) as origin:
        yield origin


def visitor(browser: Any, origin: str) -> Iterator[Visit]:
    """Open pages in one tab; after the test, no response may have failed, no script erred."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status} {r.url}"))

    def visit(path: str) -> Any:
        page.goto(origin + path)  # returns once the page has loaded
        return page

    yield visit
    page.close()
    assert problems == []


@pytest.fixture
def visit(browser: Any, local: str) -> Iterator[Visit]:
    yield from visitor(browser, local)


@pytest.fixture
def visit_published(browser: Any, published: str) -> Iterator[Visit]:
    yield from visitor(browser, published)


def article_id(db: Path, url: str) -> int:
    with Archive(db, readonly=True) as archive:
        return archive.conn.execute("SELECT id FROM articles WHERE canonical_url = ?",
                                    (url,)).fetchone()[0]


def test_front_page_searches(visit: Visit) -> None:
    page = visit("/")
    assert page.locator("a[href='/dashboard']").count() >= 1
    page.fill("form.front-search input[name=q]", "jembatan bambu")
    with page.expect_navigation():
        page.click("form.front-search input[type=submit]")
    assert page.url.endswith("/news/search?q=jembatan+bambu")
    assert page.locator(".search-results li").count() == 1


def test_search_ranks_marks_and_links_to_the_stored_article(visit: Visit, archive_db: Path
                                                             ) -> None:
    page = visit("/news/search?q=pasar")
    assert "4 articles matching pasar" in page.inner_text("h2.search-count")
    assert page.locator("#sql-query, textarea[name=sql]").count() == 0  # the SQL is hidden
    first = page.locator(".search-results li").first
    assert first.locator("mark").first.inner_text().lower() == "pasar"
    with page.expect_navigation():
        first.locator("a.result-title").click()
    assert "/news/articles/" in page.url and page.locator("article.article-page h1").count() == 1


@pytest.mark.parametrize("query", ["", "q=", "q=%20%20", "q=%22", "q=%22%22"])
def test_search_without_words_shows_the_latest_articles(visit: Visit, query: str) -> None:
    page = visit(f"/news/search?{query}")
    assert "latest articles" in page.inner_text("h2.search-count")
    assert page.locator(".search-results li").count() == 17  # every article of the archive
    assert page.locator(".search-results mark").count() == 0


@pytest.mark.parametrize("words", ["xylofon antartika", "*", "-", "NEAR(", "AND OR", "'", "\\"])
def test_search_with_no_match_says_so(visit: Visit, words: str) -> None:
    page = visit(f"/news/search?q={quote(words)}")
    assert page.inner_text(".zero-results") == f"No article matches {words}."


@pytest.mark.parametrize("words", ['"', " ", '""'])
def test_table_search_box_without_words_shows_the_table(visit: Visit, words: str) -> None:
    page = visit(f"/news/articles?_search={quote(words)}&portal=inews")
    assert page.url.endswith("/news/articles?portal=inews")
    assert page.locator("table.compact-articles tbody tr").count() == 2


def test_articles_table_is_compact_and_its_portal_facet_filters(visit: Visit) -> None:
    page = visit("/news/articles")
    headers = page.locator("table.compact-articles th").all_inner_texts()
    assert headers == ["title", "portal", "published\xa0▲", "section"]  # datasette's arrows
    assert page.locator("table.compact-articles td.col-title a").count() == 17
    assert not page.locator("dl.column-descriptions").is_visible()
    with page.expect_navigation():
        page.click("table.compact-articles th a:has-text('published')")
    assert page.locator("td.col-published").first.inner_text() == "23 Nov 2020, 09:05 WITA"
    page.click("th.col-published svg.dropdown-menu-icon")  # datasette's column menu
    assert "Publication time" in page.inner_text(".dropdown-column-description")
    page = visit("/news/articles")
    with page.expect_navigation():
        page.click(".facet-info[data-column=portal] a:has-text('iNews.id')")
    assert "portal=inews" in page.url
    assert page.locator("table.compact-articles tbody tr").count() == 2
    assert set(page.locator("td.col-portal").all_inner_texts()) == {"iNews.id\xa0inews"}


def test_every_canned_query_shows_rows(visit: Visit, local: str) -> None:
    with urllib.request.urlopen(f"{local}/news.json", timeout=10) as response:
        names = [q["name"] for q in json.loads(response.read())["queries"]]
    for name in names:
        params = "&".join(f"{k}={quote(v)}" for k, v in QUERY_PARAMS.get(name, {}).items())
        page = visit(f"/news/{name}?{params}")
        shown = page.locator("table.rows-and-columns tbody tr, .search-results li").count()
        assert shown > 0, name


def test_article_page_reads_like_an_article(visit: Visit, archive_db: Path) -> None:
    page = visit(f"/news/articles/{article_id(archive_db, article_url(REVISED))}")
    assert page.inner_text("article h1") == (
        "Kabar Warga Lebak Nomor 1: Petani garam Minta Gudang Bersama")
    assert "Rina Lestari" in page.inner_text(".article-byline")
    assert "02 Mar 2021, 09:01 WIB" in page.inner_text(".article-byline time")
    assert page.locator(".article-body p").count() == 5
    assert page.locator(".article-tags li").all_inner_texts() == ["Lebak", "Warga"]
    assert page.get_attribute(".article-source a", "href") == article_url(REVISED)
    assert page.locator(".article-revisions li").count() == 1


def chart_sizes(page: Any) -> dict[str, list[int]]:
    """For each drawn chart: how many labels and the sizes of its datasets."""
    page.wait_for_function("document.querySelectorAll('figure[data-rows], figure.empty').length"
                           " == document.querySelectorAll('figure').length")
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('canvas')]
        .map((c) => [c.id, Chart.getChart(c)]).filter(([, chart]) => chart)
        .map(([id, chart]) => [id, [chart.data.labels.length,
                                    ...chart.data.datasets.map((d) => d.data.length)]]))""")


def test_dashboard_draws_every_chart(visit: Visit) -> None:
    page = visit("/dashboard")
    assert chart_sizes(page) == {
        "articles-per-day": [12, 12],  # the archive's last 30 days: March 2021, one portal
        "portal-health": [2, 2, 2],  # two runs (demo, samples); aksi and inews
        "top-tags": [9, 9],  # Warga and the eight places
        "top-authors": [1, 1],
    }
    page = visit("/dashboard?since=2020-11-01&until=2020-11-30")
    assert chart_sizes(page)["articles-per-day"] == [4, 4, 4]  # the demo's days, two portals


def test_published_profile_search_article_and_dashboard_work(visit_published: Visit) -> None:
    page = visit_published("/news/search?q=kopi")
    assert page.locator(".search-results li").count() == 1
    with page.expect_navigation():
        page.click(".search-results a.result-title")
    with page.expect_navigation():
        page.click(".article-tags a:has-text('kopi')")  # the tag's articles, a configured facet
    assert page.locator("table.compact-articles tbody tr").count() == 1
    page = visit_published("/dashboard")
    assert len(chart_sizes(page)) == 4


def status(origin: str, path: str) -> int:
    try:
        with urllib.request.urlopen(origin + path, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def fetch_json(origin: str, path: str) -> Any:
    with urllib.request.urlopen(origin + path, timeout=10) as response:
        return json.loads(response.read())


def test_published_profile_runs_no_custom_sql(published: str, local: str) -> None:
    sql = "?sql=" + quote("select randomblob(100000000)")
    assert status(local, "/news" + sql) == 200  # the local default allows it, as documented
    assert status(published, "/news" + sql) == 403
    assert status(published, "/news.json" + sql) == 403
    assert status(published, "/news/articles.json?_where=" + quote("1=1")) == 403
    with urllib.request.urlopen(published + "/news", timeout=10) as response:
        assert 'name="sql"' not in response.read().decode()  # no custom SQL form


def test_published_profile_hides_raw_pages(published: str) -> None:
    assert status(published, "/news/pages") == 403
    assert status(published, "/news/pages.json") == 403
    assert status(published, "/news/pages/1") == 403
    tables = [t["name"] for t in fetch_json(published, "/news.json")["tables"] if not t["hidden"]]
    assert "pages" not in tables and "articles" in tables


def test_published_profile_has_no_download_and_tight_limits(published: str) -> None:
    assert status(published, "/news.db") == 403
    assert status(published, "/news/articles.csv?_stream=on") == 400
    assert status(published, "/news/articles.json?_facet=body") == 400  # no user-chosen facets
    settings = fetch_json(published, "/-/settings.json")
    assert settings["sql_time_limit_ms"] <= 500 and settings["facet_time_limit_ms"] <= 200
    assert settings["max_returned_rows"] <= 200


def test_published_profile_keeps_the_canned_queries(published: str) -> None:
    names = [q["name"] for q in fetch_json(published, "/news.json")["queries"]]
    assert {"search", "articles_per_day", "portal_health", "top_tags"} <= set(names)
    for name in names:
        params = "&".join(f"{k}={quote(v)}" for k, v in QUERY_PARAMS.get(name, {}).items())
        assert status(published, f"/news/{name}.json?{params}") == 200, name
    facets = fetch_json(published, "/news/articles.json?_size=0")["facet_results"]
    assert {"portal", "section", "tags", "authors", "published_day"} <= set(facets)
