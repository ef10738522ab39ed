"""`newscrawler extract`: one JSON object for an article; a one-line error for anything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawler.demo import SITE

from .conftest import run_cli

ARTICLE = SITE / "aksi.id/nasional/petani-kopi-temanggung-panen-raya-di-tengah-hujan.html"
URL = "https://www.aksi.id/nasional/petani-kopi-temanggung-panen-raya-di-tengah-hujan/"

LATIN1_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>Kafe di Bandung Sajikan Kopi Caf\xe9 au Lait - Aksi.id</title></head><body>
<h1>Kafe di Bandung Sajikan Kopi Caf\xe9 au Lait</h1><div class="entry-content">
<p>BANDUNG (Aksi.id) - Sebuah kafe di Jalan Braga menyajikan caf\xe9 au lait dengan susu dari
peternak lokal di Lembang. Pemiliknya belajar meracik kopi di Prancis selama dua tahun.</p>
<p>Harga secangkir kopi dipatok dua puluh ribu rupiah, dan kafe ramai dikunjungi mahasiswa
pada akhir pekan, terutama setelah hujan sore yang membuat udara kota semakin dingin.</p>
</div></body></html>"""


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_prints_the_article_as_json():
    result = run_cli("extract", str(ARTICLE), "--url", URL)
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["title"] == "Petani Kopi Temanggung Panen Raya di Tengah Hujan"
    assert article["published"] == "2020-11-24T10:10:00+07:00"
    assert article["tags"] == ["kopi", "Temanggung"]
    assert "Baca Juga" not in article["body"] and "Bagikan" not in article["body"]
    assert "“" in result.stdout or "\\u" not in result.stdout  # UTF-8, not ASCII-escaped


def test_reads_a_windows_1252_page(tmp_path: Path):
    page = tmp_path / "cp1252.html"
    page.write_bytes(LATIN1_PAGE.encode("cp1252"))
    result = run_cli("extract", str(page), "--url", "https://www.aksi.id/gaya-hidup/kafe-bandung-x/")
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["title"] == "Kafe di Bandung Sajikan Kopi Café au Lait"
    assert "café au lait" in article["body"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty page"),
        (b"   \n\t ", "empty page"),
        (bytes(range(256)) * 8, "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "binary"),
    ],
    ids=["empty", "blank", "binary", "png"],
)
def test_input_that_is_no_page(tmp_path: Path, content: bytes, message: str):
    page = tmp_path / "page.html"
    page.write_bytes(content)
    assert_one_line_error(run_cli("extract", str(page), "--url", URL), message)


def test_truncated_page_still_gives_what_it_holds(tmp_path: Path):
    html = ARTICLE.read_bytes()
    page = tmp_path / "cut.html"
    page.write_bytes(html[: int(len(html) * 0.7)])
    result = run_cli("extract", str(page), "--url", URL)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["body"].startswith("TEMANGGUNG (Aksi.id)")


def test_listing_page_is_not_an_article():
    result = run_cli("extract", str(SITE / "aksi.id/index.html"), "--url", "https://www.aksi.id/")
    assert_one_line_error(result, "not an article")


def test_missing_file_and_missing_url(tmp_path: Path):
    assert_one_line_error(run_cli("extract", str(tmp_path / "nope.html"), "--url", URL),
                          "cannot read")
    result = run_cli("extract", str(ARTICLE))
    assert result.returncode == 2 and "--url" in result.stderr and "Traceback" not in result.stderr
