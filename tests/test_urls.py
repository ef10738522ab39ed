"""URL canonicalisation: every address of one article gives one canonical URL (one row)."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawler.items import Article
from newscrawler.pipelines import DedupePipeline
from newscrawler.portals import PortalError, get_portal, load_portals, portal_from_dict
from newscrawler.urls import canonical_url, clean_url, home_origin, rules_from_portal

AKSI = "https://www.aksi.id/nasional/petani-kopi-panen-raya"


def custom_portal(**canonical):
    return portal_from_dict({
        "id": "contoh", "name": "Contoh", "domains": ["contoh.co.id"],
        "discovery": {"start_urls": ["https://www.contoh.co.id/"]},
        "multipage": {"all_pages": "{url}?page=all"}, "canonical": canonical})


@pytest.mark.parametrize("variant", [
    AKSI,
    AKSI + "/",
    AKSI + "/?utm_source=facebook&utm_medium=social&fbclid=IwAR0abc",
    AKSI + "?gclid=xyz&_ga=2.1&igshid=q#komentar",
    AKSI + "?page=2",
    AKSI + "/?single=1",
    AKSI + "?amp=1",
    AKSI + "/amp",
    AKSI + "/amp/",
    "https://www.aksi.id/amp/nasional/petani-kopi-panen-raya/",
    "https://amp.aksi.id/nasional/petani-kopi-panen-raya",
    "https://m.aksi.id/nasional/petani-kopi-panen-raya/",
    "https://mobile.aksi.id/nasional/petani-kopi-panen-raya",
    "http://aksi.id/nasional/petani-kopi-panen-raya",
    "https://WWW.AKSI.ID:443/nasional/petani-kopi-panen-raya",
    "  https://aksi.id/nasional/petani-kopi-panen-raya?outputType=amp  ",
])
def test_every_variant_of_an_article_is_one_url(variant):
    assert canonical_url(variant) == AKSI
    assert canonical_url(variant, get_portal("aksi")) == AKSI


def test_canonical_is_idempotent_and_keeps_what_names_the_article():
    url = "https://www.aksi.id/?p=123&utm_campaign=x&cat=4"
    assert canonical_url(url) == "https://www.aksi.id/?cat=4&p=123"  # sorted, tracking gone
    assert canonical_url(canonical_url(url)) == canonical_url(url)
    assert canonical_url("https://www.aksi.id/berita/kota%20lama") == \
        "https://www.aksi.id/berita/kota%20lama"


def test_whole_article_variant_of_a_path_is_the_article():
    inews = "https://www.inews.id/news/nasional/gotong-royong-warga-bangun-jembatan"
    assert canonical_url(inews + "/all") == inews
    assert canonical_url(inews + "/all?page=2") == inews


def test_other_sites_keep_their_hosts():
    """Host rules apply to the portal's own domains only (a syndicated canonical elsewhere)."""
    assert canonical_url("https://m.example.org/a-b-c/?utm_source=x") == \
        "https://m.example.org/a-b-c"
    assert canonical_url("https://regional.kompas.com/read/2020/11/25/a-b-c",
                         get_portal("aksi")) == "https://regional.kompas.com/read/2020/11/25/a-b-c"


def test_portal_rules_adjust_the_defaults():
    wordpress = custom_portal(trailing_slash="add", drop_params=["source", "tag_*"])
    assert canonical_url("http://contoh.co.id/a-b-c?source=home&tag_from=x&id=3", wordpress) \
        == "https://www.contoh.co.id/a-b-c/?id=3"
    assert canonical_url("https://www.contoh.co.id/gambar/foto.jpg", wordpress) == \
        "https://www.contoh.co.id/gambar/foto.jpg"
    paged = custom_portal(keep_params=["page"], trailing_slash="keep")
    assert canonical_url("https://m.contoh.co.id/x-y-z/?page=3&single=1", paged) == \
        "https://www.contoh.co.id/x-y-z/?page=3"
    explicit = custom_portal(host="contoh.co.id")
    assert canonical_url("https://www.contoh.co.id/a-b-c", explicit) == \
        "https://contoh.co.id/a-b-c"
    assert home_origin(explicit) == "https://contoh.co.id"


@pytest.mark.parametrize("section, message", [
    ({"trailing_slash": "sometimes"}, "trailing_slash"),
    ({"drop_params": [1, 2]}, "drop_params"),
    ({"hosts": "www.contoh.co.id"}, "unknown keys"),
])
def test_bad_rules_name_the_portal_and_the_field(section, message):
    with pytest.raises(PortalError, match=f"contoh.canonical.*{message}|{message}"):
        rules_from_portal(custom_portal(**section))


@pytest.mark.parametrize("portal", load_portals().values(), ids=lambda p: p.id)
def test_every_description_has_usable_url_rules(portal):
    rules = rules_from_portal(portal)
    assert rules.host is None or portal.owns(f"https://{rules.host}/")


def test_listing_pages_keep_their_page_numbers():
    assert clean_url("https://www.aksi.id/category/nasional/?page=2&utm_source=x#top") == \
        "https://www.aksi.id/category/nasional/?page=2"


def test_broken_url_is_returned_as_given():
    assert canonical_url("http://[::1/berita") == "http://[::1/berita"


def test_dedupe_stage_drops_a_second_article_with_the_same_key():
    stage = DedupePipeline(get_crawler())
    assert stage.process_item(Article(url=AKSI, canonical_url=AKSI, content_hash="a"))
    with pytest.raises(DropItem, match="duplicate_url"):
        stage.process_item(Article(url=AKSI + "/amp", canonical_url=AKSI, content_hash="b"))
    with pytest.raises(DropItem, match="duplicate_content"):
        stage.process_item(Article(url=AKSI + "-2", canonical_url=AKSI + "-2", content_hash="a"))
