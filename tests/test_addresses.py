"""The site's addresses: built as the Pages workflow builds it, for a project sub-path
(``https://example.github.io/book/``), and built locally, with no address at all.

The sub-path build (``subpath_site`` in conftest.py) reuses the book's cache that ``built_site`` filled,
so it costs one warm build."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

from conftest import EDIT_URI, REPO_URL, ROOT, SITE_URL

NO_EDIT_LINK = {"build-report/": "the build report is written by the build; it has no source to edit",
                "labs/": "the Labs page is written by the build from the chapters that have exercises"}
# Not a page of the site: the print page the PDF is made from, written after the build (snippets/_pdf.py).
NOT_PAGES = {"print/"}


class Tags(HTMLParser):
    """Every start tag of a page, as (tag, attributes)."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str, **want) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in want.items())]


def pages(site: Path) -> dict[str, Tags]:
    """Every page but the 404 page, by its path under the site's root ("" for the home page)."""
    found = {}
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        path = "" if rel == "." else f"{rel}/"
        if path not in NOT_PAGES:
            found[path] = Tags(html.read_text(encoding="utf-8"))
    return found


def test_the_404_page_loads_its_assets_from_the_sub_path(subpath_site):
    tags = Tags((subpath_site / "404.html").read_text(encoding="utf-8"))
    assets = [a["href"] for t, a in tags.tags if t == "link" and a.get("rel") in ("stylesheet", "icon")]
    assets += [a["src"] for t, a in tags.tags if t in ("script", "img") and a.get("src")]
    assert len(assets) >= 3
    base = urlparse(SITE_URL).path  # /book/
    for url in assets:
        assert url.startswith(base), f"404.html loads {url}, outside {base}: unstyled on a project site"
        assert (subpath_site / urlparse(url).path[len(base):]).is_file(), url


def test_the_sitemap_lists_every_page_at_its_public_address(subpath_site):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.parse(subpath_site / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    assert sorted(locs) == sorted(SITE_URL + path for path in pages(subpath_site))


def test_every_page_has_a_canonical_address_and_social_meta(subpath_site):
    problems = []
    for path, tags in pages(subpath_site).items():
        canonical = [a["href"] for a in tags.find("link", rel="canonical")]
        if canonical != [SITE_URL + path]:
            problems.append(f"{path}: canonical {canonical}")
        meta = {a.get("property") or a.get("name"): a.get("content", "") for a in tags.find("meta")}
        for key in ("og:title", "og:description", "og:site_name", "og:type", "twitter:card"):
            if not meta.get(key, "").strip():
                problems.append(f"{path}: no {key}")
        if meta.get("og:url") != SITE_URL + path:
            problems.append(f"{path}: og:url {meta.get('og:url')}")
    assert not problems, "\n".join(problems)


def test_every_page_has_an_edit_link_to_a_file_that_exists(subpath_site):
    problems = []
    prefix = f"{REPO_URL}/{EDIT_URI.replace('docs/', '')}"  # .../edit/main/
    for path, tags in pages(subpath_site).items():
        links = [a["href"] for a in tags.find("a", rel="edit")]
        if path in NO_EDIT_LINK:
            continue
        if len(links) != 1 or not links[0].startswith(prefix):
            problems.append(f"{path}: edit links {links}")
        elif not (ROOT / links[0][len(prefix):]).is_file():
            problems.append(f"{path}: the edit link points at {links[0][len(prefix):]}, which does not exist")
    assert not problems, "\n".join(problems)
    labs = [a["href"] for a in pages(subpath_site)["labs/tensors/"].find("a", rel="edit")]
    assert labs == [prefix + "docs/tensors.md"], "a lab is edited through its chapter's Exercises section"


def test_every_colab_link_opens_a_notebook_the_pages_workflow_publishes(subpath_site, tmp_path):
    """Colab opens notebooks from GitHub only. The Pages workflow runs .ci/publish_notebooks.py, which
    copies the site's notebooks to a branch; every "Open in Colab" link must name that branch of this
    repository and a path the script put there."""
    import subprocess
    import sys

    import yaml

    workflow = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    steps = [s for job in yaml.safe_load(workflow)["jobs"].values() for s in job.get("steps", [])]
    runs = [s["run"] for s in steps if "publish_notebooks.py" in s.get("run", "")]
    assert len(runs) == 1 and re.search(r"publish_notebooks\.py site \S+ --push", runs[0]), runs
    out = tmp_path / "branch"
    subprocess.run([sys.executable, str(ROOT / ".ci" / "publish_notebooks.py"), str(subpath_site), str(out)], check=True)
    published = {p.relative_to(out).as_posix() for p in out.rglob("*.ipynb")}

    from snippets._book.companions import NOTEBOOK_BRANCH

    repo = urlparse(REPO_URL).path.strip("/")
    links = set()
    for html in subpath_site.rglob("*.html"):
        links |= set(re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', html.read_text(encoding="utf-8")))
    prefix = f"https://colab.research.google.com/github/{repo}/blob/{NOTEBOOK_BRANCH}/"
    assert len(links) >= 20, "each chapter and each lab has a Colab link"
    for link in sorted(links):
        assert link.startswith(prefix), link
        assert link[len(prefix):] in published, f"{link}: the workflow publishes no {link[len(prefix):]}"
    chapters = (subpath_site / "tensors" / "index.html").read_text()
    assert f'href="{prefix}downloads/tensors.ipynb"' in chapters
    assert f'href="{prefix}downloads/labs/tensors.ipynb"' in (subpath_site / "labs" / "tensors" / "index.html").read_text()


def test_the_notebooks_branch_is_pushed_as_one_commit_of_the_notebooks(tmp_path):
    """The push half of .ci/publish_notebooks.py, against a bare repository standing in for GitHub."""
    import subprocess
    import sys

    from snippets._book.companions import NOTEBOOK_BRANCH

    git = lambda *args, cwd=tmp_path / "work": subprocess.run(["git", *args], cwd=cwd, check=True,  # noqa: E731
                                                             capture_output=True, text=True).stdout.strip()
    (tmp_path / "work").mkdir()
    git("init", "-q", "--bare", str(tmp_path / "origin.git"), cwd=tmp_path)
    git("init", "-q")
    git("remote", "add", "origin", str(tmp_path / "origin.git"))
    git("-c", "user.name=A", "-c", "user.email=a@example.org", "commit", "-q", "--allow-empty", "-m", "main")
    site = tmp_path / "site" / "downloads" / "labs"
    site.mkdir(parents=True)
    (site / "tensors.ipynb").write_text("{}")
    (site.parent / "tensors.ipynb").write_text("{}")
    for attempt in (1, 2):  # a second deployment replaces the branch: still one commit
        proc = subprocess.run([sys.executable, str(ROOT / ".ci" / "publish_notebooks.py"), str(tmp_path / "site"),
                               str(tmp_path / "out"), "--push"], cwd=tmp_path / "work", capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    files = git("ls-tree", "-r", "--name-only", NOTEBOOK_BRANCH, cwd=tmp_path / "origin.git").split()
    assert files == ["README.md", "downloads/labs/tensors.ipynb", "downloads/tensors.ipynb"]
    assert git("rev-list", "--count", NOTEBOOK_BRANCH, cwd=tmp_path / "origin.git") == "1"


def test_no_page_refers_to_another_host_except_in_plain_links(subpath_site):
    """Only an <a href> may name another host; the site's own address may stand in canonical and og:url."""
    own = urlparse(SITE_URL).netloc
    problems = []
    for html in sorted(subpath_site.rglob("*.html")):
        text = html.read_text(encoding="utf-8")
        for tag, attrs in Tags(text).tags:
            for name, value in attrs.items():
                if name == "xmlns" or name.startswith("xmlns:"):  # an inline SVG's namespace, never fetched
                    continue
                for url in re.findall(r"\b(?:https?:)?//[^\s\"',)]+", value) if name not in ("title", "alt") else []:
                    host = urlparse(url if "://" in url else "https:" + url).netloc
                    plain_link = tag == "a" and name == "href"
                    own_address = host == own and (attrs.get("rel") == "canonical" or attrs.get("property") == "og:url")
                    if not (plain_link or own_address):
                        problems.append(f"{html.relative_to(subpath_site)}: <{tag} {name}={url}>")
        if 'data-md-component="source"' in text:  # Material's script would ask GitHub's API for stars and forks
            problems.append(f"{html.relative_to(subpath_site)}: the repository link calls GitHub's API")
    assert not problems, "\n".join(problems[:40])


def test_a_local_build_invents_no_address(built_site):
    """Built without the variables (as `make build` does), the site names no public address."""
    problems = []
    for path, tags in pages(built_site).items():
        if tags.find("link", rel="canonical") or tags.find("a", rel="edit") or tags.find("meta", property="og:url"):
            problems.append(path)
    assert not problems, "pages with a canonical, og:url or edit link in a local build: " + ", ".join(problems)
    assert "http" not in (built_site / "sitemap.xml").read_text().replace("http://www.sitemaps.org", "")
