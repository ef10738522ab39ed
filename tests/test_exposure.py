"""Exposure findings of issue 13: export targets, the demo server's root, secrets in messages."""

from __future__ import annotations

import http.client
import json
import logging
import os
import threading
from pathlib import Path

import pytest

from newscrawler.addresses import redact
from newscrawler.cli import main
from newscrawler.demo.server import resolve, serve
from newscrawler.storage import Archive

from .archive_samples import sample_article
from .conftest import run_cli


@pytest.fixture
def archive_file(tmp_path: Path) -> Path:
    db = tmp_path / "news.db"
    with Archive(db) as archive:
        archive.store(sample_article(1))
    return db


def export_to(db: Path, target: Path) -> int:
    return main(["export", "--db", str(db), "-o", str(target)])


def test_export_keeps_a_symlink_and_writes_its_target(archive_file: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    assert export_to(archive_file, link) == 0
    assert link.is_symlink() and json.loads(real.read_text())["title"]


def test_export_streams_into_a_fifo(archive_file: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "articles.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    assert export_to(archive_file, fifo) == 0
    reader.join(10)
    assert fifo.is_fifo() and json.loads(received[0])["title"]


def test_export_refuses_a_directory(archive_file: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert export_to(archive_file, tmp_path) == 1
    assert "not a regular file" in capsys.readouterr().err


def test_export_never_writes_through_a_planted_part_file(archive_file: Path,
                                                         tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "out.jsonl.part").symlink_to(victim)
    assert export_to(archive_file, tmp_path / "out.jsonl") == 0
    assert victim.read_text() == "keep me"
    assert json.loads((tmp_path / "out.jsonl").read_text())["title"]


def test_demo_server_stays_in_its_root(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "nasional").mkdir(parents=True)
    (root / "nasional" / "kabar.html").write_text("<p>kabar</p>")
    (tmp_path / "secret.txt").write_text("rahasia")
    (root / "bocor.html").symlink_to(tmp_path / "secret.txt")
    (root / "loop").symlink_to(root / "loop")
    assert resolve(root, "/nasional/kabar") == (root / "nasional" / "kabar.html").resolve()
    for path in ("/bocor", "/bocor.html", "/%00", "/nasional/%00x", "/loop", "/../secret.txt"):
        assert resolve(root, path) is None, path
    with serve(root) as origin:
        connection = http.client.HTTPConnection(origin.removeprefix("http://"), timeout=5)
        for path in ("/%00", "/bocor"):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 404


def test_url_passwords_are_redacted() -> None:
    assert redact("cannot reach Redis at redis://:Sup3rS3cret@10.0.0.5:6379/0") == (
        "cannot reach Redis at redis://:***@10.0.0.5:6379/0")
    assert redact("rediss://user:pw@redis.internal/1") == "rediss://user:***@redis.internal/1"
    assert redact("https://www.aksi.id/a@b and mailto:x@y") == "https://www.aksi.id/a@b and mailto:x@y"


def test_every_log_record_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("scrapy.crawler").info(
            "Overridden settings:\n%(settings)s",
            {"settings": {"REDIS_URL": "redis://:Sup3rS3cret@10.0.0.5:6379/0"}})
    assert "Sup3rS3cret" not in caplog.text and "redis://:***@10.0.0.5" in caplog.text


def test_ingest_error_hides_the_redis_password() -> None:
    result = run_cli("ingest", "--redis", "redis://:Sup3rS3cret@127.0.0.1:1/0", timeout=60)
    assert result.returncode == 1
    assert "Sup3rS3cret" not in result.stderr + result.stdout
    assert "redis://:***@127.0.0.1:1/0" in result.stderr
