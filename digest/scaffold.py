"""`digest init DIR`: a new site that builds at once, to start from.

The site gets a commented site.toml, one sample daily digest (two papers of this project's own
seed digest) where a real one would go, and an empty templates folder: a template put there
with the name of a built-in one (`paper.html`, `assets/style.css`) replaces it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from digest.config import CONFIG_FILE
from digest.errors import DigestError

SAMPLE = Path("content") / "arxiv" / "2023-10-03" / "cs.CL.md"
"""Where the sample digest goes: the date and the channel come from its path."""

SETTINGS = """\
# The site's settings. Paths are relative to this file; every key is optional.
title = "Paper digest"
title_zh = "论文摘要"
description = "Daily arXiv digests with Chinese summaries and translated abstracts."
description_zh = "每日 arXiv 论文摘要，附中文总结与翻译摘要。"
content = "content"        # raw digest files: arxiv/<YYYY-MM-DD>/<channel>.md, venues/<venue-year>/<topic>.md
output = "public"          # where the site is written
templates = "templates"    # a template here replaces the built-in one of the same name
page_size = 200            # rows per page of a collection
language = "both"          # what pages show first: "en", "zh" or "both"; readers can switch
# base_url = "https://example.org/papers/"   # where the site is published (feeds, sitemap)
"""


def init_site(folder: Path) -> list[Path]:
    """Create a site in `folder` (new or empty) and return the files and folders made."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DigestError(
            f"error: {folder} already exists and is not an empty folder\n"
            "  hint: name a new folder; digest init never writes over files"
        )
    sample = resources.files("digest").joinpath("sample.md").read_text(encoding="utf-8")
    made = [folder / CONFIG_FILE, folder / SAMPLE, folder / "templates"]
    try:
        (folder / SAMPLE).parent.mkdir(parents=True)
        (folder / "templates").mkdir()
        (folder / CONFIG_FILE).write_text(SETTINGS, encoding="utf-8")
        (folder / SAMPLE).write_text(sample, encoding="utf-8")
    except OSError as exc:
        raise DigestError(f"error: cannot create the site in {folder}: {exc.strerror}") from exc
    return made
