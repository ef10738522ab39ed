"""`newscrawler serve`'s two profiles and the datasette plugin's pieces, without a server."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest
import yaml
from markupsafe import Markup

from newscrawler.cli import main
from newscrawler.serve import (
    FACE,
    METADATA,
    PUBLISH_SETTINGS,
    ServeError,
    checked_database,
    datasette_command,
    publishing_metadata,
)


def load_plugin():
    path = FACE / "plugins" / "newscrawler_face.py"
    spec = importlib.util.spec_from_file_location("newscrawler_face", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


face = load_plugin()


def test_publishing_metadata_denies_sql_and_closes_raw_pages() -> None:
    local = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    before = copy.deepcopy(local)
    published = publishing_metadata(local)
    assert local == before  # the local profile's configuration is left as it is
    assert published["allow_sql"] is False and "allow_sql" not in local
    tables = published["databases"]["news"]["tables"]
    assert tables["pages"]["hidden"] is True and tables["pages"]["allow"] is False
    assert tables["pages"]["description"] == local["databases"]["news"]["tables"]["pages"][
        "description"]
    assert tables["articles"] == local["databases"]["news"]["tables"]["articles"]
    assert published["databases"]["news"]["queries"] == local["databases"]["news"]["queries"]


def test_the_two_command_lines(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    local = datasette_command(db, METADATA, publish=False, host="127.0.0.1", port=8001)
    published = datasette_command(db, METADATA, publish=True, host="127.0.0.1", port=8001)
    assert "--setting" not in local
    assert published[:len(local)] == local
    settings = dict(zip(published[len(local) + 1::3], published[len(local) + 2::3],
                        strict=True))
    assert settings == PUBLISH_SETTINGS and settings["allow_download"] == "off"
    for folder in ("templates", "plugins", "static"):
        assert (FACE / folder).is_dir() and any(str(FACE / folder) in a for a in local)
    loosened = datasette_command(db, METADATA, publish=False, host="127.0.0.1", port=8001,
                                 settings=[("sql_time_limit_ms", "5000")])
    assert loosened == [*local, "--setting", "sql_time_limit_ms", "5000"]


def test_serve_refuses_a_missing_or_misnamed_archive(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ServeError, match="no archive at"):
        checked_database(str(tmp_path / "news.db"))
    other = tmp_path / "archive.db"
    other.write_bytes(b"")
    with pytest.raises(ServeError, match="file named news.db"):
        checked_database(str(other))
    assert main(["serve", "--db", str(other)]) == 2
    assert "file named news.db" in capsys.readouterr().err


def test_snippets_mark_matches_and_escape_the_rest() -> None:
    assert face.marked("<b>Harga</b> «kopi» naik «lagi»") == Markup(
        "&lt;b&gt;Harga&lt;/b&gt; <mark>kopi</mark> naik <mark>lagi</mark>")
    assert face.marked("sebuah « tanpa pasangan") == Markup("sebuah « tanpa pasangan")
    assert face.marked(None) == Markup("")


@pytest.mark.parametrize(("value", "shown"), [
    ("2020-11-26T14:30:00+07:00", "26 Nov 2020, 14:30 WIB"),
    ("2020-11-23T09:05:00+08:00", "23 Nov 2020, 09:05 WITA"),
    ("2020-11-23T09:05:00+09:00", "23 Nov 2020, 09:05 WIT"),
    ("2026-11-30T09:12:00+00:00", "30 Nov 2026, 09:12 UTC"),
    ("2026-11-30T09:12:00Z", "30 Nov 2026, 09:12 UTC"),
    ("2020-11-26T14:30:00+05:30", "26 Nov 2020, 14:30 UTC+05:30"),
    ("2020-11-26T14:30:00", "26 Nov 2020, 14:30"),
    ("2020-11-26", "26 Nov 2020"),
    ("kemarin", "kemarin"),
    (None, ""),
])
def test_times_are_shown_in_the_portals_zone(value: str | None, shown: str) -> None:
    assert face.portal_time(value) == shown


def test_bodies_split_into_paragraphs_and_lists_decode() -> None:
    assert face.paragraphs("Satu.\n\nDua\nbaris.\n \n\nTiga.") == ["Satu.", "Dua\nbaris.",
                                                                  "Tiga."]
    assert face.paragraphs(None) == []
    assert face.json_list('["Warga", "Lebak"]') == ["Warga", "Lebak"]
    assert face.json_list("not json") == [] and face.json_list('{"a": 1}') == []


def test_long_cells_are_wrapped_to_be_cut_and_escaped() -> None:
    long_text = "<i>" + "kata " * 60
    cell = face.render_cell(long_text, "body")
    assert cell.startswith('<div class="long-text" tabindex="0">&lt;i&gt;kata') and cell.endswith("</div>")
    assert face.render_cell("pendek", "title") is None
    assert face.render_cell("https://www.aksi.id/" + "a" * 200, "url") is None  # links stay links
    assert face.render_cell(b"\x00" * 500, "body") is None


@pytest.mark.parametrize(("query_string", "cleaned"), [
    ("_search=%22", ""),
    ("_search=%20&portal=aksi", "portal=aksi"),
    ("_search_title=%22%22&_sort=published", "_sort=published"),
    ("_search=kopi", None),
    ("_search=&portal=aksi", None),  # an empty box is no search: datasette ignores it
    ("_search=%22&_searchmode=raw", None),  # raw FTS5 syntax is the user's own
    ("portal=aksi", None),
])
def test_table_searches_without_words_are_dropped(query_string: str, cleaned: str | None
                                                  ) -> None:
    assert face.without_empty_search(query_string) == cleaned
