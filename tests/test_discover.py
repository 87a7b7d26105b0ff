"""With a `base_url`: sitemap.xml, robots.txt, canonical and OpenGraph links, JSON-LD on paper
pages. Without one: none of them, and the build says so."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from test_merge import daily, make_site

from digest.build import build
from digest.cli import main
from digest.config import load_config
from digest.discover import MAX_SITEMAP_URLS, sitemap_files

BASE = "https://example.org/digest/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def with_base_url(site: Path, base: str = BASE) -> Path:
    settings = site / "site.toml"
    text = settings.read_text(encoding="utf-8") if settings.exists() else ""
    settings.write_text(f'{text}\nbase_url = "{base}"\n', encoding="utf-8")
    build(load_config(settings))
    return site / "public"


def test_sitemap_lists_every_page(seed_site: Path) -> None:
    public = with_base_url(seed_site)
    pages = sorted(p.relative_to(public).as_posix() for p in public.rglob("*.html"))
    root = ElementTree.fromstring((public / "sitemap.xml").read_bytes())
    assert root.tag == f"{SITEMAP}urlset"
    assert sorted(loc.text or "" for loc in root.iter(f"{SITEMAP}loc")) == [BASE + page for page in pages]


def test_robots_points_to_the_sitemap_at_a_hosts_root(seed_site: Path) -> None:
    public = with_base_url(seed_site, "https://example.org/")
    robots = (public / "robots.txt").read_text(encoding="utf-8")
    assert robots.splitlines()[-1] == "Sitemap: https://example.org/sitemap.xml"


def test_a_site_at_a_sub_path_gets_no_robots_and_the_build_says_why(
    seed_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Crawlers read robots.txt at a host's root only: at `/digest/robots.txt` none would."""
    (seed_site / "site.toml").write_text(f'base_url = "{BASE}"\n', encoding="utf-8")
    monkeypatch.chdir(seed_site)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0
    assert (seed_site / "public" / "sitemap.xml").is_file() and not (seed_site / "public" / "robots.txt").exists()
    assert "note: no robots.txt: base_url is a sub-path" in result.stderr


def test_pages_carry_canonical_and_opengraph_links(seed_site: Path) -> None:
    public = with_base_url(seed_site)
    for page in ("index.html", "papers/2310.00212.html", "venues/neurips-2023.html"):
        html = (public / page).read_text(encoding="utf-8")
        assert f'<link rel="canonical" href="{BASE}{page}">' in html
        assert f'<meta property="og:url" content="{BASE}{page}">' in html
    paper = (public / "papers" / "2310.00212.html").read_text(encoding="utf-8")
    assert '<meta property="og:type" content="article">' in paper
    assert '<meta property="og:title" content="Pairwise Proximal Policy Optimization' in paper


def test_paper_pages_describe_a_scholarly_article(seed_site: Path) -> None:
    public = with_base_url(seed_site)
    html = (public / "papers" / "2305.16183.html").read_text(encoding="utf-8")
    (found,) = JSON_LD.findall(html)
    article = json.loads(found)
    assert article["@type"] == "ScholarlyArticle" and article["@context"] == "https://schema.org"
    assert article["headline"] == "Passive learning of active causal strategies in agents and language models"
    assert article["author"][0] == {"@type": "Person", "name": "Andrew Lampinen"}
    assert article["identifier"] == "arXiv:2305.16183" and article["isPartOf"]["name"] == "NeurIPS 2023"
    # What the page's other tags say is not said again: its address, its description.
    assert not {"url", "description", "abstract"} & article.keys()
    assert f'<link rel="canonical" href="{BASE}papers/2305.16183.html">' in html
    description = re.search(r'<meta name="description" content="([^"]*)">', html)
    assert description and description[1].startswith("What can be learned") and description[1][-1] in ".!?…"


def test_json_ld_writes_chinese_as_itself(seed_site: Path) -> None:
    public = with_base_url(seed_site)
    html = (public / "papers" / "2310.00212.html").read_text(encoding="utf-8")
    (found,) = JSON_LD.findall(html)
    assert json.loads(found)["alternativeHeadline"] in found, "not escaped as \\uXXXX"


def test_json_ld_cannot_end_its_script(tmp_path: Path) -> None:
    title = "Evil </script><script>alert(1)</script> <!-- & title"
    site = make_site(tmp_path, {"arxiv/2024-01-01/cs.CL.md": daily(("2401.00001", title))})
    public = with_base_url(site)
    html = (public / "papers" / "2401.00001.html").read_text(encoding="utf-8")
    (found,) = JSON_LD.findall(html)
    assert "<" not in found and ">" not in found and "&" not in found
    assert json.loads(found)["headline"] == title


def test_without_base_url_nothing_is_made_and_the_build_says_so(
    seed_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(seed_site)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0
    assert "note: no base_url in site.toml, so no feeds, sitemap.xml, robots.txt" in result.stderr
    public = seed_site / "public"
    assert not (public / "sitemap.xml").exists() and not (public / "robots.txt").exists()
    paper = (public / "papers" / "2310.00212.html").read_text(encoding="utf-8")
    assert 'rel="canonical"' not in paper and "og:url" not in paper and "ld+json" not in paper
    assert 'name="description"' not in paper


def test_a_large_site_gets_a_sitemap_index(seed_site: Path) -> None:
    (seed_site / "site.toml").write_text(f'base_url = "{BASE}"\n', encoding="utf-8")
    config = load_config(seed_site / "site.toml")
    pages = [f"papers/{n}.html" for n in range(2 * MAX_SITEMAP_URLS + 1)]
    files = dict(sitemap_files(pages, config))
    assert set(files) == {"sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"}  # at a sub-path
    index = ElementTree.fromstring(files["sitemap.xml"])
    assert index.tag == f"{SITEMAP}sitemapindex"
    assert [loc.text for loc in index.iter(f"{SITEMAP}loc")] == [f"{BASE}sitemap-{n}.xml" for n in (1, 2, 3)]
    counts = [len(list(ElementTree.fromstring(files[f"sitemap-{n}.xml"]))) for n in (1, 2, 3)]
    assert counts == [MAX_SITEMAP_URLS, MAX_SITEMAP_URLS, 1]


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("index.html", "feeds/all.atom"),
        ("papers/2310.00212.html", "feeds/all.atom"),
        ("venues/neurips-2023.html", "feeds/venues/neurips-2023.atom"),
        ("categories/cs.cl.html", "feeds/categories/cs.cl.atom"),
        ("digests/arxiv/2023-10-03/cs.cl.html", "feeds/channels/cs.cl.atom"),
    ],
)
def test_pages_link_the_feed_they_follow(seed_site: Path, page: str, feed: str) -> None:
    public = with_base_url(seed_site)
    html = (public / page).read_text(encoding="utf-8")
    href = "../" * page.count("/") + feed
    assert f'<link rel="alternate" type="application/atom+xml" title="Atom feed" href="{href}">' in html
    visible = f'<a class="feed" href="{href}" type="application/atom+xml">' in html
    # A paper page has no feed of its own: the site's is not offered as "this page's".
    assert visible is not page.startswith("papers/"), "a visible link on a list, none on a paper page"
    assert (public / feed).is_file()
