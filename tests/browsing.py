"""Browsing the archive as people do: a small archive made by the project's own code, datasette
started with `newscrawler serve` (either profile) and Debian's Chromium driven by Playwright.
Used by the browser tests and by docs/screenshots.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newscrawler.storage import Archive

from .archive_samples import sample_article

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 30
SAMPLE_ARTICLES = 12  # aksi articles of March 2021 beside the demo's November 2020 ones
REVISED = 1  # the sample article stored twice: one revision
# Flags for a browser that must not reach the network (CI is offline) nor need a display.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def build_archive(db: Path) -> Path:
    """The demo crawl's archive plus sample articles, one of them revised, in one more run."""
    demo = subprocess.run([sys.executable, "-m", "newscrawler.cli", "demo", "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    if demo.returncode != 0:  # its own process: a Twisted reactor runs once per process
        raise RuntimeError(f"the demo crawl failed: {demo.stderr[-2000:]}")
    with Archive(db) as archive:
        run = archive.begin_run(["aksi"], spider="aksi")
        for n in range(1, SAMPLE_ARTICLES + 1):
            archive.store(sample_article(n))
        archive.flush()
        archive.store(sample_article(REVISED, version=1))
        archive.end_run(run, {"response_received_count": SAMPLE_ARTICLES + 1,
                              "finish_reason": "finished"})
    return db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(db: Path, *, publish: bool = False) -> Iterator[str]:
    """`newscrawler serve` on a free port until the block ends; yields its origin."""
    port = free_port()
    command = [sys.executable, "-m", "newscrawler.cli", "serve", "--db", str(db),
               "--port", str(port), *(["--publish"] if publish else [])]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    origin = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(origin, process)
        yield origin
    finally:
        os.killpg(process.pid, 15)  # serve and the datasette process it started
        process.wait(timeout=10)


def wait_until_up(origin: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            urllib.request.urlopen(f"{origin}/-/versions.json", timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError) as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"datasette did not start: {process.communicate()[0][-2000:]}"
                                   ) from exc
            time.sleep(0.2)


def chromium_path() -> str | None:
    """Debian's Chromium (never a downloaded browser)."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser from Debian's package, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
