"""The built wheel carries the theme and the sample: `pip install .`, then `digest build` in a bare
site folder and `digest init` for a new one, with no access to this checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
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

    # A fresh environment that sees the dependencies installed where the tests run, but not this
    # checkout. Those are the running environment's (a virtual one's, in a venv), not the base
    # interpreter's that `system_site_packages` would give: a path file names its folders, and
    # the .pth files in them (this checkout's editable install among them) are not run.
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    nested = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    running = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    Path(nested, "running-environment.pth").write_text("".join(f"{folder}\n" for folder in running), encoding="utf-8")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], check=True)

    site = tmp_path / "bare"
    site.mkdir()
    shutil.copy(REPO / "site.toml", site / "site.toml")
    shutil.copytree(REPO / "content", site / "content")
    digest = env_dir / "bin" / "digest"
    run = subprocess.run([digest, "build"], cwd=site, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    located = subprocess.run(
        [python, "-c", "import digest.config as c; print(c.builtin_templates())"],
        cwd=site,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in located.stdout, "templates come from the installed package"
    audit = subprocess.run([sys.executable, str(AUDIT), str(site / "public")], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout

    # `digest init` with the installed package: a site that builds, whose templates folder
    # overrides the built-in theme by name.
    made = subprocess.run([digest, "init", "new-site"], cwd=tmp_path, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    new_site = tmp_path / "new-site"
    assert (new_site / "site.toml").is_file() and (new_site / "templates").is_dir()
    assert not any((new_site / "templates").iterdir()), "an empty folder, for the site's own templates"
    run = subprocess.run([digest, "build"], cwd=new_site, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "built 2 papers from 1 file" in run.stdout
    assert (new_site / "public" / "papers" / "2310.00212.html").is_file()
    (new_site / "templates" / "home.html").write_text(
        '{% extends "base.html" %}{% block title %}Home{% endblock %}'
        "{% block main %}<p>Our own home page</p>{% endblock %}",
        encoding="utf-8",
    )
    run = subprocess.run([digest, "build"], cwd=new_site, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    home = (new_site / "public" / "index.html").read_text(encoding="utf-8")
    assert "<p>Our own home page</p>" in home and "Latest digests" not in home
    paper = (new_site / "public" / "papers" / "2310.00212.html").read_text(encoding="utf-8")
    assert "Pairwise Proximal Policy Optimization" in paper, "the other pages keep the built-in theme"
    again = subprocess.run([digest, "init", "new-site"], cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 2 and "not an empty folder" in again.stderr
