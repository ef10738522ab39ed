"""Every way a command can fail is one line on standard error and a non-zero exit, never a
traceback; read commands never create or change a file that is not an archive."""

from __future__ import annotations

import ctypes
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawler.demo import SITE as DEMO_SITE
from newscrawler.demo.server import serve
from newscrawler.storage import Archive

from .archive_samples import sample_article
from .conftest import ROOT, run_cli
from .test_storage import build_v1_archive

PORTALS = ROOT / "newscrawler" / "portals"
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3
PR_CAPBSET_DROP = 24


def one_line_failure(result: subprocess.CompletedProcess[str], *phrases: str) -> str:
    """The command failed with one line on stderr holding every phrase; that line."""
    assert result.returncode != 0, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


def without_root_powers() -> None:
    """In the child: drop the capabilities that let root write read-only files, so file
    permissions hold as they do for any user (tests may run as root)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_as_user(*args: str) -> subprocess.CompletedProcess[str]:
    """`newscrawler ARGS` bound by file permissions even when the tests run as root."""
    return subprocess.run([sys.executable, "-m", "newscrawler.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=without_root_powers if os.geteuid() == 0 else None)


@pytest.fixture
def archive_file(tmp_path: Path) -> Path:
    db = tmp_path / "archive" / "news.db"
    with Archive(db) as archive:
        for n in range(3):
            archive.store(sample_article(n))
    return db


# -- the archive file -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["demo"], ["crawl", "aksi", "--mirror", "http://127.0.0.1:9"]])
def test_a_read_only_archive_file(archive_file: Path, command: list[str]) -> None:
    archive_file.chmod(0o444)
    one_line_failure(run_as_user(*command, "--db", str(archive_file)), "read-only",
                     str(archive_file))


@pytest.mark.parametrize("command", [["stats"], ["export"]])
def test_an_archive_in_a_read_only_folder_can_still_be_read(archive_file: Path,
                                                             command: list[str]) -> None:
    folder = archive_file.parent
    folder.chmod(0o555)
    try:
        result = run_as_user(*command, "--db", str(archive_file))
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
@pytest.mark.parametrize("command", [["stats"], ["export"], ["reextract"], ["demo"],
                                     ["crawl", "aksi", "--mirror", "http://127.0.0.1:9"]])
def test_a_damaged_archive_points_to_recovery(archive_file: Path, damage: str,
                                              command: list[str]) -> None:
    data = archive_file.read_bytes()
    archive_file.write_bytes(data[:len(data) // 3] if damage == "truncated"
                             else data[:100] + b"\x00garbage" * 2000)
    for extra in archive_file.parent.glob("news.db-*"):
        extra.unlink()
    line = one_line_failure(run_cli(*command, "--db", str(archive_file)), str(archive_file))
    assert ".recover" in line and "backup" in line


@pytest.mark.parametrize("command", [["stats"], ["export"], ["reextract"], ["demo"],
                                     ["crawl", "aksi", "--mirror", "http://127.0.0.1:9"]])
def test_another_programs_database_is_left_alone(tmp_path: Path, command: list[str]) -> None:
    other = tmp_path / "contacts.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    before = other.read_bytes()
    one_line_failure(run_cli(*command, "--db", str(other)), "not a newscrawler archive")
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts.db"]  # no WAL files


@pytest.mark.parametrize("command", [["stats"], ["export"]])
def test_read_commands_create_nothing(tmp_path: Path, command: list[str]) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    one_line_failure(run_cli(*command, "--db", str(empty)), "not a newscrawler archive")
    assert empty.read_bytes() == b""
    one_line_failure(run_cli(*command, "--db", str(tmp_path / "nwes.db")), "no archive at")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def test_a_new_archive_is_announced(tmp_path: Path) -> None:
    db = tmp_path / "nwes.db"
    result = run_cli("crawl", "aksi", "--mirror", "http://127.0.0.1:9", "--db", str(db),
                     "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_DELAY=0")
    assert f"no archive at {db}: creating a new one" in result.stderr


# -- export ---------------------------------------------------------------------------------


def test_export_into_a_missing_folder(archive_file: Path) -> None:
    one_line_failure(run_cli("export", "-o", "/missing/dir/out.jsonl", "--db",
                             str(archive_file)), "/missing/dir/out.jsonl")


def test_export_until_the_last_day_there_is(archive_file: Path) -> None:
    result = run_cli("export", "--until", "9999-12-31", "--db", str(archive_file))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_export_of_a_v1_archive_with_authors_that_are_not_json(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    build_v1_archive(db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE articles SET authors = 'Budi, Ani'")
    result = run_cli("export", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert '"authors": ["Budi, Ani"]' in result.stdout


@pytest.mark.parametrize("command", ["export", "reextract"])
def test_an_unknown_portal_is_the_same_error_everywhere(archive_file: Path, command: str) -> None:
    one_line_failure(run_cli(command, "--portal", "aksii", "--db", str(archive_file)),
                     "no portal description with id 'aksii' (did you mean aksi?)")
    crawl = run_cli("crawl", "aksii")
    assert crawl.returncode == 2
    assert "no portal description with id 'aksii' (did you mean aksi?)" in crawl.stderr


def test_extract_into_a_pipe_closed_early(tmp_path: Path) -> None:
    paragraph = "<p>" + "Warga desa bergotong royong memperbaiki jalan yang rusak. " * 20 + "</p>"
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><article><h1>Jalan Desa Diperbaiki Bersama</h1>"
                    f"{paragraph * 400}</article></body></html>")
    process = subprocess.Popen(
        [sys.executable, "-m", "newscrawler.cli", "extract", str(page), "--url",
         "https://www.aksi.id/nasional/jalan-desa-diperbaiki-bersama/"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()
    error = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in error and "BrokenPipe" not in error, error


# -- dates --------------------------------------------------------------------------------------


def test_dates_help_and_options_before_the_text() -> None:
    assert run_cli("dates", "--help").returncode == 0
    result = run_cli("dates", "--now", "2020-11-25T10:00:00+07:00", "2 jam yang lalu")
    assert (result.returncode, result.stdout.strip()) == (0, "2020-11-25T08:00:00+07:00")


# -- broken portal descriptions -----------------------------------------------------------------


@pytest.fixture
def portals_with_a_broken_one(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "portals"
    folder.mkdir()
    for name in ("aksi", "inews"):
        shutil.copy(PORTALS / f"{name}.yaml", folder)
    (folder / "kompas.yaml").write_text("id: kompas\nname: Kompas\ndomains: [kompas.com\n"
                                        "discovery:\n  feeds: x\n")
    return {"NEWSCRAWLER_PORTALS_DIR": str(folder)}


def test_a_broken_description_names_file_and_line(portals_with_a_broken_one) -> None:
    env = portals_with_a_broken_one
    listed = run_cli("portals", env=env)
    assert listed.returncode == 1 and "aksi" in listed.stdout
    one_line_failure(listed, "kompas.yaml line 4", "not valid YAML", "line 3")
    one_line_failure(run_cli("crawl", "kompas", env=env), "kompas.yaml line 4")


@pytest.mark.slow
def test_the_other_portals_still_crawl(tmp_path: Path, portals_with_a_broken_one) -> None:
    with serve(DEMO_SITE) as origin:
        result = run_cli("crawl", "--all", "--mirror", origin, "--db", str(tmp_path / "n.db"),
                         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                         env=portals_with_a_broken_one)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 portals" in result.stdout and "added 5," in result.stdout
    assert "BROKEN kompas.yaml line 4: not valid YAML" in result.stdout
    assert "Traceback" not in result.stderr
