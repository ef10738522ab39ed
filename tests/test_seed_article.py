"""The seed: an aksi.id article (syndicated from iNews.id) must come out as a reader reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawler.demo import SITE
from newscrawler.items import Article
from newscrawler.page import extract

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_f4fc4e1a844fc0b4.txt"
PAGE = SITE / "aksi.id/internasional/tentara-azerbaijan-masuki-kalbajar-distrik-kedua-di-karabakh.html"
URL = "https://www.aksi.id/internasional/tentara-azerbaijan-masuki-kalbajar-distrik-kedua-di-karabakh/"
HEADLINE = "Tentara Azerbaijan Masuki Kalbajar, Distrik Kedua di Karabakh yang Diserahkan Armenia"
RELATED = "Turki dan Rusia Disebut-sebut Berselisih soal Pengawasan Gencatan Senjata di Karabakh"
LEAKS = [RELATED, "Artikel Terkait", "Artikel Terbaru", "TERPOPULER", "Dukung Integrasi",
         "AirNav", "Bagikan", "Facebook", "adsbygoogle", "Konvoi tentara", "Tinggalkan Balasan"]


def seed_paragraphs() -> list[str]:
    """The article's paragraphs from the reader's copy: headline, related line, and the
    boilerplate after the credit left out."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    body = lines[lines.index("") + 1:]
    end = next(i for i, line in enumerate(body) if line.endswith("(ds/sumber iNews.id)"))
    return [line for line in body[: end + 1] if line and line != RELATED]


@pytest.fixture(scope="module")
def article() -> Article:
    result = extract(PAGE.read_bytes(), URL)
    assert isinstance(result, Article), f"the seed page must be kept as an article: {result}"
    return result


def test_headline_is_the_h1_without_site_suffix(article):
    assert article.title == HEADLINE


def test_published_to_the_minute_in_wib(article):
    assert article.published == "2020-11-25T20:41:00+07:00"
    assert article.published_source == "meta"


def test_body_runs_from_dateline_to_last_paragraph(article):
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith("BAKU (Aksi.id) - Pasukan Azerbaijan memasuki")
    assert paragraphs[-1].endswith("(ds/sumber iNews.id)")
    assert len(paragraphs) == 12


def test_body_matches_the_readers_copy(article):
    if not SEED.is_file():
        pytest.skip(f"the reader's copy of the seed is not here: {SEED} (../shared/seeds)")
    paragraphs = article.body.split("\n\n")
    # Same words as the reader's copy (which lost the "(" of the dateline when copied).
    expected = [p.replace("BAKU Aksi.id)", "BAKU (Aksi.id)") for p in seed_paragraphs()]
    assert paragraphs == expected


@pytest.mark.parametrize("leak", LEAKS)
def test_no_boilerplate_in_body(article, leak):
    assert leak not in article.body


def test_tags_section_authors_credit(article):
    assert article.tags == ["Armenia", "Azerbaijan", "Karabakh"]
    assert article.section == "Internasional"
    assert article.authors == ["Redaksi Aksi"]
    assert article.credit == "iNews.id"
    assert article.portal == "aksi"
