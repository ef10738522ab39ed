"""The boilerplate rules in newscrawler/boilerplate.yaml: every rule is exercised by an example
here, and sentences of real articles that look a little like boilerplate stay."""

from __future__ import annotations

import re

import pytest
import yaml

from newscrawler.boilerplate import (
    RULES_FILE,
    clean_paragraphs,
    compile_rules,
    drop_closing_byline,
    rules_for,
    split_credit,
)

RAW = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
RULES = rules_for(None)

# Lines that are not article text, wherever they stand.
DROPPED = [
    "Baca juga: Harga Cabai Rawit di Pasar Induk Naik Lagi",
    "Berita terkait: Banjir di Kampung Melayu",
    "- Advertisement -",
    "Iklan",
    "Scroll to continue with content",
    "Saksikan video pilihan di bawah ini",
    "Video: Warga Gotong Royong Bersihkan Sungai",
    "Dapatkan update berita pilihan setiap hari dari kami di WhatsApp Channel",
    "Ikuti kami di Instagram dan TikTok untuk kabar terbaru",
    "Bagikan artikel ini:",
    "Facebook | Twitter | WhatsApp",
    "Foto: Dokumentasi warga",
    "Perahu nelayan bersandar di pelabuhan. (Foto: Aksi.id/Laras)",
    "Galaxy S6 Edge & S6 (ist)",
    "Infografis pelatih baru tim nasional (Liputan6.com/Triyasni)",
    "Satuan gugus tugas COVID-19 di pusat perbelanjaan. Dok",
    "Penulis",
    ": Kontributor Lhokseumawe, Masriadi",
    "Kamis, 05 November 2015 | 11:13 WIB",
    "#ChangeMaker with FIMELA",
    "(adsbygoogle = window.adsbygoogle || []).push({});",
    "Halaman 1 2 3 Selanjutnya",
    "Selanjutnya »",
    "Tonton juga di kanal kami",
    "Editor: Ade Marboen",
    "COPYRIGHT © ANTARA 2016",
    "©MGM",
    "Scroll down untuk melanjutkan membaca",
    "Lanjutkan Membaca ↓",
    "2 dari 3 halaman",
    "Perbesar",
    "Loading...",
    "Simak Lifestyle Populer Lainnya",
    "(fyk/ash)",
    "[ian]",
    "(kha.-)",
    "ADVERTISING",
    "Senin, 1 Maret 2021 08:15 Penulis: Laras Wibisono",
    "| 1 Maret 2021 08:15",
    "** #JagaJarak",
    "Halaman Selanjutnya Warga Kembali ke Rumah",
    "PREV",
    "3/12",
    "Scroll ke bawah untuk membaca informasi selengkapnya.",
    "Perahu nelayan di Teluk Kendari. ©Aksi.id/Laras Wibisono",
    "Wali Kota Kendari © Suara.com/Budi",
]

# Lines after which the article has ended.
STOPS = [
    "Artikel Terkait :",
    "TERPOPULER",
    "Baca berita menarik lainnya di kanal kami",
    "Tulis komentar Anda",
    "Jangan Lewatkan",
    "Tags: ekonomi, pangan",
    "Artikel ini telah tayang di Kompas.com dengan judul lain",
]

# Sentences of articles that must stay.
KEPT = [
    "Baca selengkapnya keterangan polisi di paragraf berikut ini, kata dia.",
    "Iklan rokok dilarang tayang di televisi sebelum pukul sembilan malam, ujar Menteri.",
    "Video yang beredar di media sosial memperlihatkan banjir setinggi dada orang dewasa.",
    "Foto-foto itu diunggah pada Senin malam dan langsung menyebar luas.",
    "Editor senior majalah itu menolak berkomentar ketika dihubungi pada Rabu.",
    "Kamis, 5 November 2015, menjadi hari terakhir pendaftaran calon kepala daerah di Lebak.",
    "Menurut dia, harga beras (premium) naik tipis dibanding pekan lalu.",
    "Ia mengambil foto: sebuah rumah tua di tepi sungai. Lalu ia pulang ke desanya.",
    "Terpopuler di kalangan remaja, aplikasi itu kini diblokir di sekolah-sekolah.",
    "Komentar warga di media sosial beragam, sebagian besar mendukung langkah itu.",
    "Halaman sekolah itu dipenuhi air setinggi lutut sejak pagi.",
    "DINI TEJA bukan satu-satunya wartawan yang hadir.",
    "Pada 12 Maret, Ia menyebut angka 1/3 dari total anggaran belum terserap hingga kini.",
    "Next, pemerintah akan menyiapkan tambahan pasokan es balok bagi nelayan.",
]


def _rule_matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


@pytest.mark.parametrize("text", DROPPED)
def test_dropped_lines(text: str) -> None:
    assert RULES.is_dropped(text), text


@pytest.mark.parametrize("text", STOPS)
def test_stop_lines(text: str) -> None:
    assert RULES.is_stop(text), text


@pytest.mark.parametrize("text", KEPT)
def test_article_sentences_stay(text: str) -> None:
    assert not RULES.is_dropped(text) and not RULES.is_stop(text), text


@pytest.mark.parametrize("kind,examples", [("drop", DROPPED), ("stop", STOPS)])
def test_every_rule_has_an_example(kind: str, examples: list[str]) -> None:
    unused = [p for p in RAW[kind] if not any(_rule_matches(p, e) for e in examples)]
    assert not unused, f"{kind} rules without an example in this file: {unused}"


@pytest.mark.parametrize("names,expected", [
    (("box-baca-juga", None), True),
    (("share_bar", None), True),
    (("jp-relatedposts", None), True),
    (("yarpp yarpp-related", None), True),
    ((None, "inline-related"), True),
    (("td-a-rec td-a-rec-id-content_inline", None), True),
    (("sharedaddy sd-sharing-enabled", None), True),
    (("jnews_inline_related_post", None), True),
    (("address", None), False),
    (("entry-content", "post-body"), False),
    ((None, None), False),
])
def test_boilerplate_element_names(names: tuple[str | None, str | None], expected: bool) -> None:
    assert RULES.is_boilerplate_element(*names) is expected


def test_every_class_word_names_boilerplate() -> None:
    missed = [w for w in RAW["class_words"] if not RULES.is_boilerplate_element(w, None)]
    assert not missed


def test_stop_marker_ends_the_body_but_not_before_it_starts() -> None:
    paragraphs = ["TERPOPULER", "Paragraf pertama berita.", "Artikel Terkait :",
                  "Judul berita lain yang tidak ikut."]
    assert clean_paragraphs(paragraphs, RULES) == ["Paragraf pertama berita."]


def test_dateline_alone_joins_the_next_paragraph() -> None:
    paragraphs = ["Jakarta -", "Harga cabai naik di pasar induk.", "Kalimat kedua."]
    assert clean_paragraphs(paragraphs, RULES) == [
        "Jakarta - Harga cabai naik di pasar induk.", "Kalimat kedua."]


@pytest.mark.parametrize("last,credit,kept", [
    ("Sumber: Pemerintah Kota Cekmekoy", "Pemerintah Kota Cekmekoy", False),
    ("Sumber : Antara", "Antara", False),
    ("ANTARA", "ANTARA", False),
    ("(Football Italia)", "Football Italia", False),
    ("(The Jakarta Post)", "The Jakarta Post", False),
    ("Penyerahan berlangsung damai. (ds/sumber iNews.id)", "iNews.id", True),
    ("Panen berlangsung sepekan. (lw/sumber Antara)", "Antara", True),
    ("Para pejabat menolak berkomentar. (Reuters)", "Reuters", True),
    ("Para pejabat menolak berkomentar.", None, True),
])
def test_credit(last: str, credit: str | None, kept: bool) -> None:
    body, found = split_credit(["Paragraf pertama.", last], RULES)
    assert found == credit
    assert (body[-1] == last) is kept


def test_closing_byline_in_capitals_leaves_the_body() -> None:
    assert drop_closing_byline(["Paragraf.", "DINI TEJA"], RULES) == ["Paragraf."]
    assert drop_closing_byline(["Paragraf.", "Kata Dini."], RULES) == ["Paragraf.", "Kata Dini."]


@pytest.mark.parametrize("last,kept", [
    ("Warga kembali ke rumah masing-masing. (ren)", "Warga kembali ke rumah masing-masing."),
    ('"Kami siap," ujar dia. [ang]', '"Kami siap," ujar dia.'),
    ("Pembangunan dimulai tahun ini. (Mvi/Ali)", "Pembangunan dimulai tahun ini."),
    ("Para pejabat menolak berkomentar. (ant)", "Para pejabat menolak berkomentar. (ant)"),
    ("Harga beras kelas medium (MBR) naik.", "Harga beras kelas medium (MBR) naik."),
])
def test_closing_initials_leave_the_last_paragraph(last: str, kept: str) -> None:
    assert drop_closing_byline(["Paragraf.", last], RULES) == ["Paragraf.", kept]


def test_portal_rules_add_to_the_shared_ones() -> None:
    rules = compile_rules(RAW, {"drop": ["^#ChangeMe"], "stop": ["^Simak breaking news"],
                                "remove": [".promo-box"]})
    assert rules.is_dropped("#ChangeMe sekarang") and rules.is_dropped("Baca juga: x")
    assert rules.is_stop("Simak breaking news hari ini")
    assert ".promo-box" in rules.remove and "script" in rules.remove


def test_a_bad_portal_rule_names_itself() -> None:
    with pytest.raises(re.error):
        compile_rules(RAW, {"drop": ["^(unclosed"]})
