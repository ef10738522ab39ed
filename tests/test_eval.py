"""`newscrawler eval`: scoring, leaks, listings, the report and its errors, on pages of our own
(tests/sites) with expected outputs written here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from newscrawler.cli import main
from newscrawler.eval import (
    Overlap,
    evaluate,
    leaks,
    load_cases,
    prf,
    same_moment,
    summarize,
    tokens,
)

SITES = Path(__file__).parent / "sites"
AKSI_PAGE = SITES / "aksi.id/nasional/nelayan-kendari-panen-ikan-cakalang.html"
AKSI_BODY = "\n\n".join([
    "KENDARI (Aksi.id) - Ratusan nelayan di Kendari, Sulawesi Tenggara, menikmati panen ikan "
    "cakalang sejak awal pekan ini. Hasil tangkapan melimpah karena arus laut di Teluk Kendari "
    "membawa kawanan ikan lebih dekat ke pantai.",
    "Ketua kelompok nelayan Sodohoa, La Ode Harun, mengatakan setiap perahu pulang membawa dua "
    "sampai tiga kuintal ikan dalam sekali melaut.",
    "\"Tahun lalu kami hanya membawa separuhnya. Tahun ini laut sedang bersahabat,\" kata Harun, "
    "Senin (1/3/2021).",
    "Dinas Kelautan dan Perikanan setempat mencatat produksi cakalang bulan ini naik hampir "
    "empat puluh persen dibanding periode yang sama tahun sebelumnya.",
    "Untuk menjaga mutu ikan, pemerintah daerah menyiapkan tambahan pasokan es balok di tempat "
    "pelelangan ikan. Para pedagang pengumpul juga diminta membeli ikan dengan harga yang wajar.",
    "\"Jangan sampai panen melimpah justru membuat harga jatuh dan nelayan merugi,\" ujar Kepala "
    "Dinas, Marwah Tamrin. (lw/sumber Antara)",
])
AKSI_EXPECTED = {
    "url": "https://www.aksi.id/nasional/nelayan-kendari-panen-ikan-cakalang/",
    "title": "Nelayan Kendari Panen Ikan Cakalang di Awal Musim Timur",
    "published": "2021-03-02T09:15:00+07:00",
    "authors": ["Laras Wibisono"],
    "tags": ["Kendari", "Nelayan"],
    "section": "Nasional",
    "body": AKSI_BODY,
    "credit": "Antara",
    "boilerplate": ["Harga Ikan di Pasar Sentral Kendari Turun Tajam", "Bagikan ini:",
                    "Festival Bahari Kendari Kembali Digelar"],
}
LISTING_EXPECTED = {
    "url": "https://www.kompas.com/kompas.com/indeks",
    "kind": "listing",
    "article_urls": [
        "https://www.kompas.com/kompas.com/read/2021/12/21/07000011/"
        "banjir-rob-rendam-pesisir-semarang",
        "https://www.kompas.com/kompas.com/read/2021/12/21/08000022/"
        "tambak-udang-gagal-panen-di-demak",
    ],
}


def make_corpus(root: Path, article: dict | None = None) -> tuple[Path, Path]:
    """A pages dir and an expected dir as `newscrawler eval` reads them."""
    pages, expected = root / "pages", root / "expected"
    for domain, name, source, data in (
        ("aksi.id", "nelayan", AKSI_PAGE, article or AKSI_EXPECTED),
        ("kompas.com", "indeks", SITES / "multipage/kompas.com/indeks.html", LISTING_EXPECTED),
    ):
        (pages / domain).mkdir(parents=True, exist_ok=True)
        (expected / domain).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, pages / domain / f"{name}.html")
        (expected / domain / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    return pages, expected


def test_token_overlap() -> None:
    exact = Overlap.of("satu dua tiga", "satu dua tiga")
    assert (exact.precision, exact.recall, exact.f1) == (1.0, 1.0, 1.0)
    half = Overlap.of("satu dua tiga empat", "satu dua lima enam")
    assert half.precision == pytest.approx(0.5) and half.recall == pytest.approx(0.5)
    nothing = Overlap.of("satu dua", "")
    assert nothing.precision == 0.0 and nothing.recall == 0.0 and nothing.f1 == 0.0
    assert tokens("a b c d e", 4) == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}


def test_precision_and_recall_are_averaged_over_pages() -> None:
    scores = prf([Overlap.of("a b", "a b"), Overlap.of("a b c d", "a b")])
    assert scores["precision"] == pytest.approx(1.0)
    assert scores["recall"] == pytest.approx(0.75)


@pytest.mark.parametrize("expected,found,same", [
    ("2015-11-05T10:08:58+07:00", "2015-11-05T10:08:58+07:00", True),
    ("2015-11-05T10:08:58+07:00", "2015-11-05T03:08:58+00:00", False),  # same instant, not shown
    ("2015-11-05T10:08:58+07:00", "2015-11-05T10:08:00+07:00", False),
    ("2015-11-05", "2015-11-05", True),
    (None, None, True),
    ("2015-11-05T10:08:58+07:00", None, False),
])
def test_same_moment(expected: str | None, found: str | None, same: bool) -> None:
    assert same_moment(expected, found) is same


def test_leaks_are_found_whatever_the_spacing_and_case() -> None:
    assert leaks("Paragraf.\n\nBACA  JUGA: Judul lain", ["Baca juga: judul lain", "Iklan"]) == [
        "Baca juga: judul lain"]


def test_eval_passes_on_a_page_read_right(tmp_path: Path, capsys) -> None:
    pages, expected = make_corpus(tmp_path)
    assert main(["eval", str(pages), "--expected", str(expected)]) == 0
    out = capsys.readouterr().out
    overall = next(line for line in out.splitlines() if line.startswith("overall"))
    assert overall.split()[1:3] == ["2", "2"]  # pages, passed
    assert "failures and leaks" not in out


def test_eval_reports_wrong_fields_and_leaks(tmp_path: Path, capsys) -> None:
    wrong = {**AKSI_EXPECTED, "title": "Judul yang lain", "boilerplate": ["Untuk menjaga mutu"]}
    pages, expected = make_corpus(tmp_path, wrong)
    assert main(["eval", str(pages), "--expected", str(expected)]) == 1
    out = capsys.readouterr().out
    assert "aksi.id/nelayan: title: expected 'Judul yang lain'" in out
    assert "aksi.id/nelayan: LEAK 'Untuk menjaga mutu'" in out


def test_eval_json(tmp_path: Path, capsys) -> None:
    pages, expected = make_corpus(tmp_path)
    assert main(["eval", str(pages), "--expected", str(expected), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["passed"] == 2
    assert report["portals"]["aksi.id"]["title"] == 1.0
    assert report["portals"]["kompas.com"]["links"]["recall"] == 1.0
    assert report["leaks"] == []


def test_a_listing_is_judged_by_the_portals_article_url_rules(tmp_path: Path) -> None:
    pages, expected = make_corpus(tmp_path)
    listing = next(r for r in evaluate(load_cases(pages, expected)) if r.case.is_listing)
    assert listing.passed and listing.found == {"links": 2, "expected": 2, "matched": 2}


def test_an_extraction_error_fails_its_page_only(tmp_path: Path) -> None:
    pages, expected = make_corpus(tmp_path)

    def broken(html: bytes, url: str):
        raise RuntimeError("selector exploded")

    results = evaluate(load_cases(pages, expected), reader=broken)
    article = next(r for r in results if not r.case.is_listing)
    assert article.error == "RuntimeError: selector exploded" and not article.passed
    assert summarize(results)["errors"] == 1


def test_missing_pages_dir_is_said_clearly(tmp_path: Path, capsys) -> None:
    assert main(["eval", str(tmp_path / "nowhere"), "--expected", str(tmp_path)]) == 2
    assert "pages directory not found" in capsys.readouterr().err


def test_missing_page_of_an_expected_file_is_said_clearly(tmp_path: Path, capsys) -> None:
    pages, expected = make_corpus(tmp_path)
    (pages / "aksi.id" / "nelayan.html").unlink()
    assert main(["eval", str(pages), "--expected", str(expected)]) == 2
    assert "nelayan.html is missing" in capsys.readouterr().err


def test_no_expected_outputs_is_said_clearly(tmp_path: Path, capsys) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "expected").mkdir()
    assert main(["eval", str(tmp_path / "pages"), "--expected", str(tmp_path / "expected")]) == 2
    assert "no expected outputs" in capsys.readouterr().err


def test_facts_only_keeps_the_facts_and_drops_the_tuning() -> None:
    from newscrawler.boilerplate import rules_for
    from newscrawler.eval import facts_only
    from newscrawler.portals import get_portal

    detik = get_portal("detik")
    held_out = facts_only(detik)
    assert detik.selectors and detik.boilerplate
    assert held_out.selectors == () and held_out.boilerplate == {} and held_out.title_suffixes == ()
    assert (held_out.domains, held_out.timezone) == (detik.domains, detik.timezone)
    assert held_out.is_article_url("https://news.detik.com/berita/d-5000000/banjir-rob-di-demak")
    assert rules_for(held_out) is rules_for(None)


def test_eval_generic_reads_with_the_facts_only(tmp_path: Path, capsys) -> None:
    pages, expected = make_corpus(tmp_path)
    assert main(["eval", str(pages), "--expected", str(expected), "--generic", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["overall"]["passed"] == 2 and "aksi.id" in figures["portals"]


def test_eval_leave_one_out_reports_each_portal_held_out(tmp_path: Path, capsys) -> None:
    pages, expected = make_corpus(tmp_path)
    assert main(["eval", str(pages), "--expected", str(expected), "--leave-one-out"]) == 0
    out = capsys.readouterr().out
    assert "leave-one-portal-out" in out
    row = next(line for line in out.splitlines() if line.startswith("aksi.id"))
    assert row.split()[1:4] == ["1", "1", "1"]  # pages, passed with description, held out
    assert "kompas.com" not in out  # listings are read by URL rules only: not held out
