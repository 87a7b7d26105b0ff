"""The built wheel carries the theme: `pip install .` then `digest build` in a bare site folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from conftest import AUDIT, REPO


def test_wheel_ships_templates_and_builds_a_bare_site(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), str(REPO)],
        check=True,
    )
    (wheel,) = wheels.glob("digest-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "digest/templates/paper.html" in names and "digest/templates/assets/style.css" in names

    # A fresh environment that sees the dependencies already installed, but not this checkout.
    env_dir = tmp_path / "env"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], check=True)

    site = tmp_path / "bare"
    site.mkdir()
    shutil.copy(REPO / "site.toml", site / "site.toml")
    shutil.copytree(REPO / "content", site / "content")
    digest = env_dir / "bin" / "digest"
    run = subprocess.run([digest, "build"], cwd=site, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    located = subprocess.run(
        [python, "-c", "import digest.render as r; print(r.builtin_templates())"],
        cwd=site,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in located.stdout, "templates come from the installed package"
    audit = subprocess.run([sys.executable, str(AUDIT), str(site / "public")], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout
