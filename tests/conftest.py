"""Shared test helpers: the bundled demo site, a local server, a temporary archive."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
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
