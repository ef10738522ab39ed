"""Shared test helpers: the bundled demo site, a local server, a temporary archive."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newscrawler.demo import SITE as DEMO_SITE
from newscrawler.demo.server import serve

ROOT = Path(__file__).resolve().parents[1]
TEST_SITES = Path(__file__).parent / "sites"


@pytest.fixture
def demo_origin() -> Iterator[str]:
    """The demo site served on 127.0.0.1."""
    with serve(DEMO_SITE) as origin:
        yield origin


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "news.db"


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`newscrawler ARGS` in a fresh process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, input=stdin.decode() if stdin else None,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(server: subprocess.Popen, ping: Callable[[], object],
                       errors: type[Exception] | tuple[type[Exception], ...], name: str,
                       timeout: float = 30, log: Path | None = None) -> None:
    """Ping a server the test started until it answers; fail with its log if it dies."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            ping()
            return
        except errors:
            assert server.poll() is None, log.read_text() if log else f"{name} exited"
            assert time.monotonic() < deadline, f"{name} did not start"
            time.sleep(0.1)
