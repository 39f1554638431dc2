"""Headless Chromium for the browser tests (Debian's, driven by Playwright); screenshots of each step
go to evals/results/ui/."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

SHOTS = ROOT / "evals" / "results" / "ui"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium missing: `make browser` installs Debian's chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()
