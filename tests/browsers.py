"""Headless Chromium for the browser tests: Debian's own browser, driven by Playwright.

Playwright never downloads a browser here; it drives the system's Chromium (.ci/run installs
it). Without Chromium or Playwright a browser test is skipped, except under CI=true, where it
must run and so fails.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    """CI=true (any value but empty, "false" or "0") makes a missing browser a failure."""
    return os.environ.get("CI", "").strip().lower() not in ("", "false", "0")


def launch_chromium() -> tuple[Playwright, Browser]:
    """Playwright driving the system's headless Chromium, launched. Without Chromium or
    Playwright the calling test is skipped, or failed under CI, where it must run."""

    def unavailable(reason: str) -> None:
        if in_ci():
            pytest.fail(f"{reason}; CI={os.environ['CI']} requires the browser tests to run", pytrace=False)
        pytest.skip(reason)

    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM}")
    if importlib.util.find_spec("playwright") is None:
        unavailable("the playwright package is not installed")
    from playwright.sync_api import Error, sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    except Error as exc:
        playwright.stop()
        unavailable(f"Chromium at {CHROMIUM} does not start: {str(exc).splitlines()[0]}")
    return playwright, browser
