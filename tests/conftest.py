from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the fixture-file reader

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
