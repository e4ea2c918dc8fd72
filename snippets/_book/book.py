"""The book on disk: a page's front matter, the chapters in reading order, and reading a chapter page.

A chapter page is a Markdown file whose front matter names its module (``snippets: tensors``);
the reading order is the order of ``nav`` in ``mkdocs.yml``. This module reads both without
MkDocs (the MkDocs adapter passes MkDocs' own front matter reader to :func:`read_page`), so
``python -m snippets`` works where MkDocs is not installed.
"""

from __future__ import annotations

import functools
import posixpath
import re
from pathlib import Path

from snippets._book.cells import PACKAGE_DIR, BookError, Page, display_path, parse_page

ROOT = PACKAGE_DIR.parent  # the repository: mkdocs.yml, docs/, snippets/
YAML_BLOCK = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)  # the pattern MkDocs uses


def front_matter(source: str) -> tuple[str, dict]:
    """``(markdown, meta)``: a page without its YAML front matter, and that front matter ({} if none or invalid)."""
    match = YAML_BLOCK.match(source)
    if not match:
        return source, {}
    try:
        meta = _yaml(match.group(1))
    except Exception:  # noqa: BLE001 - invalid YAML: no front matter, as MkDocs reads it (read_page reports it)
        return source, {}
    if not isinstance(meta, dict):
        return source, {}
    return source[match.end():].lstrip("\n"), meta


def _yaml(text: str):
    try:
        import yaml
    except ImportError:  # no PyYAML (it comes with MkDocs): read flat "key: value" lines, all a chapter needs
        pairs = (line.partition(":") for line in text.splitlines() if not line.startswith(("#", " ", "-")))
        return {key.strip(): value.strip() for key, colon, value in pairs if colon}
    return yaml.load(text, Loader=_loader())


@functools.lru_cache(maxsize=1)
def _loader():
    import yaml

    class Loader(yaml.SafeLoader):
        """A safe loader that reads any tag (such as mkdocs.yml's ``!ENV``) as its plain value."""

    def untagged(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    Loader.add_multi_constructor("!", untagged)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", untagged)
    return Loader


def read_page(path: Path, snippets_dir: Path = PACKAGE_DIR, split=front_matter) -> tuple[str, Page | None]:
    """A documentation file's Markdown, and its chapter if its front matter names a ``snippets:`` module.

    ``split(source)`` returns ``(markdown, meta)``; the MkDocs adapter passes MkDocs' own reader.
    """
    source = path.read_text(encoding="utf-8")
    markdown, meta = split(source)
    if source.startswith("---") and not meta:  # MkDocs drops bad YAML silently; we do not
        raise BookError(f"{display_path(path)}:1: its front matter is not valid YAML")
    if "snippets" not in meta:
        return markdown, None
    first_line = source.count("\n") - markdown.count("\n") + 1  # lines the front matter took
    src = display_path(path)
    try:
        return markdown, parse_page(src, markdown, str(meta["snippets"]), snippets_dir, first_line)
    except BookError as err:  # a missing or broken module: say which page asked for it
        if str(err).startswith(src):
            raise
        line = next((n for n, text in enumerate(source.splitlines(), 1) if text.startswith("snippets:")), 1)
        raise BookError(f"{src}:{line}: {err}") from None


def nav_pages(nav) -> list[str]:
    """The Markdown files a MkDocs ``nav`` lists, in reading order."""
    if isinstance(nav, list):
        return [page for item in nav for page in nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return [nav] if isinstance(nav, str) and nav.endswith(".md") else []


def nav_chapters(root: Path = ROOT) -> dict[str, Path]:
    """Chapter module → its page, for the pages the site's navigation lists, in reading order."""
    config, pages = root / "mkdocs.yml", {}
    if not config.is_file():
        return pages
    for node in nav_pages((_yaml(config.read_text(encoding="utf-8")) or {}).get("nav", [])):
        page = root / "docs" / node
        if page.is_file():
            module = front_matter(page.read_text(encoding="utf-8"))[1].get("snippets")
            if module and module not in pages:
                pages[module] = page
    return pages


def chapter_page(module: str, root: Path = ROOT) -> Path:
    """The page that shows chapter module ``module``: the one the navigation lists, else any in docs/."""
    if module in (listed := nav_chapters(root)):
        return listed[module]
    for page in sorted((root / "docs").glob("*.md")):
        if front_matter(page.read_text(encoding="utf-8"))[1].get("snippets") == module:
            return page
    raise BookError(f"no page in {display_path(root / 'docs')} shows chapter module '{module}'")


def chapters(root: Path = ROOT) -> list[str]:
    """Chapter modules in reading order: the order of the site's navigation, then any others."""
    ordered = list(nav_chapters(root))
    others = sorted(p.stem for p in PACKAGE_DIR.glob("[a-z]*.py") if p.stem not in ordered)
    return ordered + others


def render_chapter(module: str, out: Path, plain: bool = True, cache_dir: Path | None = ROOT / ".cache" / "book",
                   rerun: bool = False, root: Path = ROOT, repo_url: str | None = None):
    """Run (or read from the cache) chapter ``module`` and write its page to ``out/<page>.md``, with its
    figures under ``out/assets/figures/`` as files. Returns ``(the file written, the Page, its PageRun)``.

    ``plain``: CommonMark any reader shows. Otherwise the site's own Markdown, front matter kept, with the
    chapter's notebook and script under ``out/labs/`` and ``out/downloads/``: what the MkDocs plugin gives
    MkDocs, for another site generator to build.
    """
    from snippets._book import companions
    from snippets._book.cache import execute_page
    from snippets._book.render import check_figures, figure_path, render_page

    path = chapter_page(module, root)
    markdown, page = read_page(path, root / "snippets" if (root / "snippets").is_dir() else PACKAGE_DIR)
    run = execute_page(page, cache_dir, rerun)
    name = path.relative_to(root / "docs").as_posix() if path.is_relative_to(root / "docs") else path.name
    page_dir = "" if plain else posixpath.dirname(name)
    links = [] if plain else companions.companion_links(module, page_dir, repo_url)
    text = render_page(markdown, page, run.results, run.seed, page_dir, links, plain=plain)
    if not plain:  # the front matter stays (a description, search settings), and the companions come along
        source = path.read_text(encoding="utf-8")
        text = source[: len(source) - len(markdown)] + text if source.endswith(markdown) else text
        notebook = companions.companion_notebook(page, markdown, run.results)
        for target, content in ((out / "labs" / f"{module}.ipynb", notebook), (out / "downloads" / f"{module}.ipynb", notebook),
                                (out / "downloads" / f"{module}.py", companions.companion_script(page, page.title))):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    for result in run.results:
        check_figures(page, result)
        for k, svg in enumerate(result.figures):
            figure = out / figure_path(module, result.name, k)
            figure.parent.mkdir(parents=True, exist_ok=True)
            figure.write_text(svg)
    written = out / name
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(text, encoding="utf-8")
    return written, page, run
