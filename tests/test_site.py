"""The site as a whole: a strict build, its links, its weight, its provenance, and its reproducibility."""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from mkdocs.utils.yaml import yaml_load

from conftest import ROOT, chapter_modules

CHAPTERS = chapter_modules()
DOCS = ROOT / "docs"
PAGE_BUDGET_KB = 500

# Files that may differ between two clean builds, and why.
NOT_REPRODUCIBLE = {
    "sitemap.xml.gz": "gzip stores the time it was written",
    "build-report/index.html": "lists how long each cell took on this run",
}


def timed_chapters() -> set[str]:
    """Chapters with a cell marked ``varies``: it prints measured timings, on purpose."""
    from snippets._book.cells import load_module

    return {name for name in CHAPTERS if any(cell.varies for cell in load_module(name))}


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.assets = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("script", "img") and attrs.get("src"):
            self.assets.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") in ("stylesheet", "icon", "preload"):
            self.assets.append(attrs["href"])


def parse(path: Path) -> LinkCollector:
    collector = LinkCollector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def resolve(site: Path, page: Path, href: str) -> tuple[Path, str]:
    url = urlparse(href)
    base = site.resolve() if url.path.startswith("/") else page.parent  # the 404 page links from the root
    target = (base / unquote(url.path).lstrip("/")).resolve() if url.path else page
    if target.is_dir():
        target = target / "index.html"
    return target, url.fragment


def test_every_internal_link_and_anchor_resolves(built_site):
    broken = []
    pages = sorted(built_site.rglob("*.html"))
    parsed = {p.resolve(): parse(p) for p in pages}
    for page, collector in parsed.items():
        for href in collector.links + collector.assets:
            url = urlparse(href)
            if url.scheme or href.startswith(("mailto:", "//")):
                continue
            target, fragment = resolve(built_site, page, href)
            if not target.exists():
                broken.append(f"{page.relative_to(built_site.resolve())}: {href} (no file)")
            elif fragment and target.suffix == ".html" and fragment not in parsed[target].ids:
                broken.append(f"{page.relative_to(built_site.resolve())}: {href} (no anchor)")
    assert not broken, "\n".join(broken[:50])


def test_no_page_loads_anything_from_another_host(built_site):
    foreign = []
    for page in built_site.rglob("*.html"):
        foreign += [f"{page.relative_to(built_site)}: {a[:80]}" for a in parse(page).assets if urlparse(a).scheme not in ("", "data")]
        text = page.read_text(encoding="utf-8")
        foreign += [f"{page.relative_to(built_site)}: {m}" for m in re.findall(r"@import\s+url\([^)]*https?:[^)]*\)", text)]
    for css in built_site.rglob("*.css"):
        foreign += [f"{css.relative_to(built_site)}: {m}" for m in re.findall(r"url\(\s*['\"]?https?://[^)]*\)", css.read_text())]
    assert not foreign, "\n".join(foreign)


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_page_and_figures_stay_under_budget(built_site, name):
    html = built_site / name / "index.html"
    images = [resolve(built_site, html, src)[0] for src in parse(html).assets if src.endswith((".svg", ".png"))]
    total = html.stat().st_size + sum(i.stat().st_size for i in images)
    assert total <= PAGE_BUDGET_KB * 1024, f"{name}: {total / 1024:.0f} KB"


def test_each_chapter_has_its_page_module_tests_lab_and_reference():
    config = yaml_load((ROOT / "mkdocs.yml").read_text())  # MkDocs' reader: mkdocs.yml uses its !ENV tag
    nav = yaml.safe_dump(config["nav"])
    reference = (DOCS / "reference.md").read_text()
    for name in CHAPTERS:
        page = (DOCS / f"{name}.md").read_text()
        assert re.search(rf"^snippets: {name}$", page, re.M), f"docs/{name}.md must name snippets: {name}"
        assert (ROOT / "tests" / f"test_{name}.py").is_file(), f"tests/test_{name}.py is missing"
        assert f" {name}.md" in nav, f"{name} is missing from the nav"
        assert f"labs/{name}.ipynb" not in nav, "the nav lists each chapter once: its lab is on the Labs page"
        if re.search(r"^(def|class) [a-zA-Z]", (ROOT / "snippets" / f"{name}.py").read_text(), re.M):
            assert f"::: snippets.{name}" in reference, f"{name} is missing from the API reference"


def test_the_labs_page_lists_each_chapters_lab_in_reading_order_and_the_nav_lists_it_once(built_site):
    config = yaml_load((ROOT / "mkdocs.yml").read_text())
    assert yaml.safe_dump(config["nav"]).count("labs/") == 1
    with_exercises = [name for name in CHAPTERS if "\n## Exercises" in (DOCS / f"{name}.md").read_text()]
    assert len(with_exercises) >= 10
    index = (built_site / "labs" / "index.html").read_text()
    table = index[index.index("<table>"): index.index("</table>")]
    assert re.findall(r'<a href="(\w+)/">Open the lab</a>', table) == with_exercises
    for name in with_exercises:
        assert f'href="../downloads/labs/{name}.ipynb"' in table
        assert (built_site / "downloads" / "labs" / f"{name}.ipynb").is_file()


def test_lab_pages_share_one_stylesheet_and_stay_small(built_site):
    """mkdocs-jupyter writes about 600 kB of styles into each lab page; the build moves them into one file."""
    sheets = set()
    for lab in sorted((built_site / "labs").glob("*/index.html")):
        html = lab.read_text()
        assert '<style type="text/css">' not in html, f"{lab}: inline styles"
        assert "cdnjs.cloudflare.com" not in html, f"{lab}: a loader for another host's script"
        sheets |= set(re.findall(r'href="\.\./\.\./(assets/stylesheets/jupyter-\w+\.css)"', html))
        assert lab.stat().st_size < 200 * 1024, f"{lab}: {lab.stat().st_size / 1024:.0f} KB"
    assert len(sheets) == 1 and (built_site / sheets.pop()).is_file()


def test_the_build_report_lists_every_chapter_in_reading_order(built_site):
    report = (built_site / "build-report" / "index.html").read_text()
    table = report[report.index("<table>"): report.index("</table>")]  # the summary, not the site's navigation
    assert re.findall(r'<a href="\.\./(\w+)/">', table) == CHAPTERS


def test_chapter_pages_paste_no_code_and_type_no_outputs():
    """Code comes from snippets/ (never a python fence), and outputs from the build (never typed in)."""
    typed = []
    for name in CHAPTERS:
        text = (DOCS / f"{name}.md").read_text()
        typed += [f"docs/{name}.md: a python fence" for _ in re.findall(r"^\s*```\s*(python|py)\b", text, re.M)]
        typed += [f"docs/{name}.md:{i}: {line.strip()}" for i, line in enumerate(text.splitlines(), 1)
                  if re.match(r"\s*(tensor\(|torch\.Size\(|Epoch +\d+.*[Ll]oss)", line)]
    assert not typed, "\n".join(typed)


def rebuild(site: Path, threads: int, jobs: int) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", BOOK_RERUN="1", BOOK_THREADS=str(threads), BOOK_JOBS=str(jobs))
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def differing_files(a: Path, b: Path) -> list[str]:
    names = sorted({p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
                   | {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()})
    return [n for n in names if not ((a / n).is_file() and (b / n).is_file() and filecmp.cmp(a / n, b / n, shallow=False))]


def excused(name: str) -> bool:
    if name in NOT_REPRODUCIBLE:
        return True
    # A timed chapter's own page, lab and downloads, the search index that quotes its text, and the PDF that prints it.
    return (any(chapter in name for chapter in timed_chapters()) or name == "search/search_index.json"
            or name == "how-neural-networks-learn.pdf" and bool(timed_chapters()))


def test_a_serial_clean_build_with_two_threads_is_byte_identical(built_site, tmp_path):
    """Everything runs again (no cache), one page at a time instead of side by side, and with two torch
    threads instead of one; the site must not change."""
    proc = rebuild(tmp_path / "site", threads=2, jobs=1)
    assert proc.returncode == 0, proc.stderr[-3000:]
    differ = differing_files(built_site, tmp_path / "site")
    unexplained = [n for n in differ if not excused(n)]
    assert not unexplained, "these files differ between two builds:\n" + "\n".join(unexplained)


def test_the_api_reference_links_every_entry_to_where_its_chapter_uses_it(built_site):
    """One entry per documented public definition, each followed by a link into its chapter's section."""
    from snippets._book.reference import documented

    html = (built_site / "reference" / "index.html").read_text(encoding="utf-8")
    expected = sum(len(documented((ROOT / "snippets" / f"{name}.py").read_text())) for name in CHAPTERS)
    links = re.findall(r'Used in <a href="\.\./([a-z_]+)/#([\w-]+)">', html)
    assert expected > 20 and len(links) == expected
    for chapter, anchor in links:
        assert f'id="{anchor}"' in (built_site / chapter / "index.html").read_text(encoding="utf-8"), (chapter, anchor)


@pytest.mark.parametrize("name", CHAPTERS)
def test_prose_never_names_a_cell(name):
    """Readers never see cell names, so prose refers to what they see. A cell name that is also a name in the
    code (a function, a variable, an argument) may be mentioned as code."""
    import ast

    from snippets._engine import load_module

    tree = ast.parse((ROOT / "snippets" / f"{name}.py").read_text(encoding="utf-8"))
    in_code = set()
    for node in ast.walk(tree):
        in_code |= {getattr(node, attr) for attr in ("id", "name", "arg", "attr") if isinstance(getattr(node, attr, None), str)}
    hidden = {cell.name for cell in load_module(name)} - in_code
    prose = re.sub(r"```.*?```", "", re.sub(r"\{\{.*?\}\}", "", (DOCS / f"{name}.md").read_text(encoding="utf-8")), flags=re.S)
    named = sorted(n for n in hidden if "_" in n and re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", prose))
    assert not named, f"docs/{name}.md names cells its reader never sees: {named}"
