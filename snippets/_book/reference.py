"""Owns the API reference page: one entry per documented definition, linked to where its chapter uses it.

The page (docs/reference.md) names each chapter module once, ``::: snippets.tensors``. Before
MkDocs renders it, each such line becomes the chapter's heading and one mkdocstrings entry per
public function or class the module documents, in module order, each followed by a link to the
section of the chapter whose code defines it. The signature and the one-line summary come from
mkdocstrings; the lesson stays on the chapter page.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from snippets._book.cells import Page

MODULE_BLOCK = re.compile(r"^::: snippets\.([a-z_]+)[ \t]*\n(?:[ \t]+.*\n|[ \t]*\n)*", re.M)
HEADING = re.compile(r"^(#{2,6}) (.+?)\s*(?:\{[^}]*\})?\s*$")


def expand_reference(markdown: str, pages: dict[str, Page], files: dict[str, tuple[Path, Path]]) -> str:
    """``markdown`` with each ``::: snippets.<chapter>`` block replaced by per-definition entries and links.

    ``pages`` maps a page's docs path (``tensors.md``) to its chapter; ``files`` maps it to the page's
    file and its module's file.
    """
    by_module = {page.module: (src, page) for src, page in pages.items()}

    def entries(match: re.Match) -> str:
        module = match.group(1)
        if module not in by_module:
            return match.group(0)
        src, page = by_module[module]
        page_file, module_file = files[src]
        page_text, module_text = page_file.read_text(encoding="utf-8"), module_file.read_text(encoding="utf-8")
        lines = [f"## [{page.title}]({src})", ""]
        for name, line in documented(module_text):
            lines += [f"::: snippets.{module}.{name}", "    options:", "      heading_level: 3", "      show_root_heading: true",
                      "      show_root_full_path: false", "      docstring_section_style: list", ""]
            if where := section_of(page, line, page_text):
                heading, anchor = where
                lines += [f"Used in [{page.title} › {heading}]({src}#{anchor}).", ""]
        return "\n".join(lines) + "\n"

    return MODULE_BLOCK.sub(entries, markdown)


def documented(source: str) -> list[tuple[str, int]]:
    """The public top-level functions and classes with a docstring, and the line each starts on."""
    tree = ast.parse(source or "\n")
    return [(node.name, node.lineno) for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_") and ast.get_docstring(node)]


def section_of(page: Page, line: int, page_text: str) -> tuple[str, str] | None:
    """The heading (text and anchor) of the page section that shows the cell holding module line ``line``."""
    cell = next((c for c in page.cells if c.line <= line < c.line + c.code.count("\n") + 1), None)
    if cell is None or cell.name not in page.lines:
        return None
    heading = None
    fence = False
    for number, text in enumerate(page_text.splitlines(), start=1):
        if number >= page.lines[cell.name]:
            break
        if text.lstrip().startswith(("```", "~~~")):
            fence = not fence
        elif not fence and (m := HEADING.match(text)):
            heading = m.group(2)
    return (heading.replace("`", ""), slug(heading)) if heading else None


def slug(heading: str) -> str:
    """The anchor MkDocs' table of contents gives a heading (Python-Markdown's default slugify)."""
    from markdown.extensions.toc import slugify

    return slugify(re.sub(r"[`*]", "", heading), "-")
