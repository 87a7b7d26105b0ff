"""Reproducible output: the same input gives the same bytes (issue 3, point 8).

Two builds of the seeds and the corpus run in separate processes with different hash seeds,
different SOURCE_DATE_EPOCH values and different output folders; every file must match byte
for byte. A page may show a build date only if SOURCE_DATE_EPOCH sets it, so the one allowed
difference is that date, and it must be the date SOURCE_DATE_EPOCH names.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_atomic import make_corpus_site

EPOCHS = {"1": 1_000_000_000, "4242": 1_700_000_000}  # PYTHONHASHSEED → SOURCE_DATE_EPOCH


def environment(seed: str) -> dict[str, str]:
    return {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": str(EPOCHS[seed])}


def stamps(epoch: int) -> list[bytes]:
    """The ways a page could write the build date SOURCE_DATE_EPOCH names."""
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return [
        moment.isoformat().encode(),
        moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
        moment.strftime("%Y-%m-%d %H:%M").encode(),
        moment.date().isoformat().encode(),
        str(epoch).encode(),
    ]


def without_build_date(data: bytes, epoch: int) -> bytes:
    for stamp in stamps(epoch):
        data = data.replace(stamp, b"<build date>")
    return data


def files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus_site(tmp_path_factory.mktemp("reproducible") / "site")


def test_two_builds_are_byte_identical(corpus_site: Path) -> None:
    site = corpus_site
    built = {}
    for seed in EPOCHS:
        output = site / f"public-{seed}"
        run = subprocess.run(
            [sys.executable, "-m", "digest", "build", "--output", str(output)],
            cwd=site,
            env=environment(seed),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        built[seed] = files(output)
    one, other = built["1"], built["4242"]
    assert len(one) > 1000
    assert sorted(one) == sorted(other), "the two builds wrote different files"
    differing = [name for name in one if one[name] != other[name]]
    # The only difference allowed is the build date, where SOURCE_DATE_EPOCH sets one.
    unexplained = [
        name
        for name in differing
        if without_build_date(one[name], EPOCHS["1"]) != without_build_date(other[name], EPOCHS["4242"])
    ]
    assert not unexplained, f"{len(unexplained)} files differ between the builds, e.g. {unexplained[:5]}"


def test_export_is_identical_under_another_hash_seed(corpus_site: Path) -> None:
    outputs = []
    for seed in EPOCHS:
        run = subprocess.run(
            [sys.executable, "-m", "digest", "export"],
            cwd=corpus_site,
            env=environment(seed),
            capture_output=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        outputs.append((run.stdout, run.stderr))
    (out1, err1), (out2, err2) = outputs
    assert len(out1) > 100_000
    assert out1 == out2, "`digest export` differs between hash seeds"
    assert err1 == err2, "the diagnostics differ between hash seeds"
