"""Rendering: a page's Markdown with its code, outputs, figures and quoted values put in.

Owns what a reader sees of a run: :func:`render_page` replaces each ``{{ cell name }}`` with the
cell's code (folded, if asked), its output and its figures, and each ``{{ value }}`` with the value
the run quoted, then adds the provenance stamp under the title. The figures are files at
:func:`figure_path`; whoever publishes the page writes them there.
"""

from __future__ import annotations

import html
import posixpath
import re

from snippets._book.cells import CELL_DIRECTIVE, BookError, Cell, Page, rewrite
from snippets._book.run import CellResult, environment

FIGURE_DIR = "assets/figures"


def render_page(markdown: str, page: Page, results: list[CellResult], seed, page_dir: str, links=(),
                plain: bool = False, executed: bool = True) -> str:
    """Replace a page's directives with its code, output, figures and quoted values.

    The Markdown is the site's (Material's attribute lists and collapsible blocks), or with ``plain``,
    CommonMark that any Markdown reader shows: code and output in plain fences, folds as ``<details>``.
    ``executed=False`` (a build with ``BOOK_EXECUTE=0``): the stamp says that nothing ran.
    """
    results_by_name = {r.name: r for r in results}
    cells = {c.name: c for c in page.cells}

    def show(name: str) -> str:
        return render_cell(cells[name], results_by_name.get(name), page.alts.get(name), page.module, page_dir,
                           page.folds.get(name), plain)

    return insert_stamp(fill_directives(markdown, results, show, html.escape), seed, links, plain, executed)


def fill_directives(markdown: str, results: list[CellResult], show, quote=str) -> str:
    """Put ``show(cell name)`` in place of each cell directive, and ``quote(value)`` in place of each quoted
    value, the values taken from the run in page order (the page and its notebook both render this way)."""
    quotes = {r.name: iter(r.values) for r in results}
    current = None

    def replace(number: int, text: str) -> str:
        nonlocal current
        if m := CELL_DIRECTIVE.match(text):
            current = m.group(1)
            return show(current)
        return quote(next(quotes.get(current, iter(())), "…"))  # "…" only when execution is switched off

    return rewrite(markdown, replace)


def render_cell(cell: Cell, result: CellResult | None, alt: str | None, module: str, page_dir: str,
                fold: str | None = None, plain: bool = False) -> str:
    """The Markdown for one cell: its code (collapsed under ``fold``'s title, if given), then its output and figures."""
    code = fenced(cell.code, "python")
    if fold is not None and plain:
        code = f"<details><summary>{html.escape(fold)}</summary>\n\n{code}\n\n</details>"
    elif fold is not None:  # a pymdownx.details block: one click opens it, and its copy button copies all the code
        code = f'??? book-fold "{html.escape(fold)}"\n\n' + "\n".join("    " + line if line else "" for line in code.splitlines())
    parts = [code]
    if result and result.output:
        parts.append(fenced(result.output.rstrip("\n"), "text" if plain else "{ .text .snippet-output .no-copy }"))
    for k, _svg in enumerate(result.figures if result else []):
        src = posixpath.relpath(figure_path(module, cell.name, k), page_dir or ".")
        parts.append(f"![{escape_alt(alt or '')}]({src})" + ("" if plain else "{ .snippet-figure loading=lazy }"))
    return "\n\n".join(parts)


def fenced(text: str, info: str) -> str:
    """A fenced block that the text itself cannot close: longer than any backtick run in it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def escape_alt(text: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def figure_path(module: str, cell: str, k: int) -> str:
    return f"{FIGURE_DIR}/{module}/{cell}{'' if k == 0 else f'-{k + 1}'}.svg"


def insert_stamp(markdown: str, seed, links=(), plain: bool = False, executed: bool = True) -> str:
    """Put the provenance stamp, and the links to the chapter's notebook and script, under the title."""
    env = environment()
    stamp = (
        f"Every output on this page was produced when the {'page was rendered' if plain else 'site was built'}, "
        f"by running its code with Python {env['python']} and torch {env['torch']} on the {env['device']}"
        f"{f', seed {seed}' if seed is not None else ''}." + ("" if plain else "\n{ .book-stamp }")
    )
    if not executed:
        stamp = ("The code on this page was not run for this build (BOOK_EXECUTE=0): its outputs, figures and quoted "
                 "values are missing." + ("" if plain else "\n{ .book-stamp }"))
    row = " · ".join(f"[{label}]({href})" for label, href in links)
    block = ["", stamp, ""] + ([row] + ([] if plain else ["{ .book-links }"]) + [""] if row else [])
    lines = markdown.splitlines()
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
    return "\n".join(lines[:at] + block + lines[at:]) + "\n"


def check_figures(page: Page, result: CellResult) -> None:
    """Every figure needs alt text from the chapter, and alt text needs a figure."""
    where = f"{page.src}:{page.lines[result.name]}"
    if result.figures and not page.alts.get(result.name):
        raise BookError(f"{where}: cell '{result.name}' draws a figure; give it alt text: {{{{ cell {result.name} alt=\"...\" }}}}")
    if page.alts.get(result.name) and not result.figures:
        raise BookError(f"{where}: cell '{result.name}' has alt text but draws no figure")
