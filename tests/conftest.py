from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the fixture-file reader, the browser launcher

from browsers import launch_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
AUDIT = SHARED / "tools" / "audit_site.py"


@pytest.fixture
def seed_site(tmp_path: Path) -> Path:
    """A copy of this repository's site (site.toml and the seeds under content/)."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(REPO / "site.toml", site / "site.toml")
    shutil.copytree(REPO / "content", site / "content")
    return site


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run (each test opens its own context)."""
    playwright, launched = launch_chromium()
    try:
        yield launched
    finally:
        launched.close()
        playwright.stop()
