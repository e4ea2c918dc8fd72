"""Owns the chapter as a notebook: its prose as Markdown cells between its code cells, built with nbformat.

What changes on the way from page to notebook, and why:

* Quoted values (``{{ loss:.3f }}``) are filled in from the build's run, as on the page
  (the same :func:`~snippets._book.render.fill_directives`).
* Admonitions (``!!! note``) become quotes: Jupyter has no admonitions.
* A collapsible block that holds code (an exercise's ``??? success "Solution"``) stays where it
  is, with its code folded (``source_hidden``, which Jupyter and VS Code honour): the exercise
  reads as a prompt, and "Run all" still runs every cell in the page's order, so each output is
  the one the page shows.
* A cell that fails on purpose catches its error and prints it, with a comment saying so:
  "Run all" carries on in every tool, even those that ignore the ``raises-exception`` tag.
* Links to other chapters point at the published site (``site_url``); without one they
  become plain text. Interactive widgets, which need the site's scripts, become a link.
"""

from __future__ import annotations

import re
import textwrap

import nbformat
from nbformat import v4

from snippets._book.cells import Cell, Page
from snippets._book.render import fill_directives
from snippets._book.run import CellResult

SENTINEL = "\x00cell:{}\x00"
SENTINEL_LINE = re.compile(r"^\s*(\x01)?\x00cell:([\w-]+)\x00\s*$")
FOLDED_MARK = "\x01"  # before a cell's sentinel: a solution, whose code the notebook folds
BLOCK_START = re.compile(r'^(!!!|\?\?\?\+?)\s+([\w-]+)(?:\s+"([^"]*)")?\s*$')
ATTR_LIST = re.compile(r"\s*\{\s*[.#:][^{}]*\}\s*$")
CHAPTER_LINK = re.compile(r"\[(?P<label>[^\]]+)\]\((?:(?P<page>[a-z][a-z_-]*)\.md(?P<anchor>#[^)\s]*)?|(?P<local>#[^)\s]+))\)")


def companion_notebook(page: Page, markdown: str, results: list[CellResult], site_url: str | None = None) -> str:
    """The page ``markdown`` (without front matter) as a validated notebook, with the build's outputs."""
    filled = fill_directives(markdown, results, SENTINEL.format)
    main = admonitions_to_markdown(filled.splitlines(), site_url)
    by_name = {r.name: r for r in results}
    cells = {c.name: c for c in page.cells}
    notebook_cells = []
    for kind, content in segments(main):
        if kind == "md" and not notebook_cells and content.startswith("# "):  # the title, then a word on this notebook
            title, _, content = content.partition("\n")
            notebook_cells += [markdown_cell(title), markdown_cell(about(page, site_url))]
            content = chapter_links(content, site_url, page.module)
            if not content.strip():
                continue
        if kind == "md":
            notebook_cells.append(markdown_cell(chapter_links(content.strip(), site_url, page.module)))
        else:
            name, folded = content
            notebook_cells.append(code_cell(cells[name], by_name.get(name), folded))
    return finish(notebook_cells)


def finish(cells: list) -> str:
    """The cells as a validated Python 3 notebook's text; each Markdown cell gets a stable id."""
    for number, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            cell.id = f"md-{number}"
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def about(page: Page, site_url: str | None) -> str:
    where = f"[its page]({site_url.rstrip('/')}/{page.module}/)" if site_url else "its page"
    return (f"This notebook is the chapter as {where} shows it in *How Neural Networks Learn*: the text, and the "
            "code with the outputs it gave when the book was built. Run the cells in order (or *Run all*) and you "
            "get the same outputs. You need `torch` and `matplotlib` (and `scikit-learn` for the digits chapter). "
            "An exercise's solution is folded: open its cell to see it.")


def admonitions_to_markdown(lines: list[str], site_url: str | None) -> list[str]:
    """Turn admonitions into quotes; a collapsible block with code becomes a solution with its code folded."""
    out, prompt, i = [], "", 0
    while i < len(lines):
        line = lines[i]
        if bold := re.match(r"^\*\*(.+?)\*\*", line):
            prompt = bold.group(1).rstrip(".")
        m = BLOCK_START.match(line)
        if not m:
            out.append(widget_or_line(line, site_url))
            i += 1
            continue
        body, i = [], i + 1
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
            body.append(lines[i][4:])
            i += 1
        while body and not body[-1].strip():
            body.pop()
        title = m.group(3) if m.group(3) is not None else m.group(2).capitalize()
        body = [drop_attr_list(b) for b in body]
        if m.group(1).startswith("???") and any(SENTINEL_LINE.match(b) for b in body):
            heading = f"{title}: {prompt}" if prompt else title
            out += [f"**{heading}** (the code is folded: open the cell to see it)", ""]
            out += [FOLDED_MARK + b if SENTINEL_LINE.match(b) else b for b in body] + [""]
            continue
        out += quoted(title, body)
    return out


def quoted(title: str, body: list[str]) -> list[str]:
    """A quote block with a bold title; code inside stays a code cell between two quotes."""
    out = [f"> **{title}**" if title else ">", ">"]
    for line in body:
        if SENTINEL_LINE.match(line):
            out += ["", line, ""]
        else:
            out.append(f"> {line}".rstrip())
    return out + [""]


def widget_or_line(line: str, site_url: str | None) -> str:
    if line.lstrip().startswith("<script"):
        return ""
    if line.lstrip().startswith('<div class="widget"'):
        where = f"[the chapter on the web]({site_url})" if site_url else "the chapter's web page"
        return f"*An interactive widget stands here on {where}.*"
    if line.strip() in ("</div>",) or re.match(r'^\s+data-[\w-]+="', line):
        return ""
    return drop_attr_list(line)


def drop_attr_list(line: str) -> str:
    """Material's attribute lists (``{ .class }``) mean nothing in a notebook."""
    return ATTR_LIST.sub("", line) if "{{" not in line else line


def chapter_links(text: str, site_url: str | None, here: str) -> str:
    """Links to chapters, and to sections of this one (``here``), point at the published site; without one
    they become plain text (a notebook's own heading anchors differ from the site's). Applied to a whole
    Markdown cell, since a link's text may run over two lines."""

    def absolute(m):
        label, name, anchor = m["label"], m["page"] or here, m["anchor"] or m["local"] or ""
        return f"[{label}]({site_url.rstrip('/')}/{name}/{anchor})" if site_url else label

    return CHAPTER_LINK.sub(absolute, text)


def segments(lines: list[str]):
    """``("md", text)`` and ``("code", (cell name, folded))`` in order; empty Markdown is skipped."""
    chunk = []
    for line in lines:
        if m := SENTINEL_LINE.match(line):
            if text := "\n".join(chunk).strip():
                yield "md", text
            chunk = []
            yield "code", (m.group(2), bool(m.group(1)))
        else:
            chunk.append(line)
    if text := "\n".join(chunk).strip():
        yield "md", text


def markdown_cell(text: str):
    # Headings lose their code marks: mkdocs-jupyter's table of contents drops code from a heading's
    # anchor while the heading keeps it, so the lab's contents links would lead nowhere.
    text = re.sub(r"^(#{1,6} .*)$", lambda m: m.group(1).replace("`", ""), text, flags=re.M)
    return v4.new_markdown_cell(re.sub(r"\n{3,}", "\n\n", text))


def code_cell(cell: Cell, result: CellResult | None, folded: bool = False):
    source = cell.code
    if cell.raises:  # caught and printed, so "Run all" carries on where the raises-exception tag is ignored
        source = (f"# This cell fails on purpose: the {cell.raises} is caught and printed, so the notebook runs on.\n"
                  f"try:\n{textwrap.indent(cell.code, '    ')}\n"
                  f"except {cell.raises} as error:\n    print(f\"{{type(error).__name__}}: {{error}}\")")
    outputs = []
    if result and result.output:
        outputs.append(v4.new_output("stream", name="stdout", text=result.output))
    for svg in result.figures if result else []:
        outputs.append(v4.new_output("display_data", data={"image/svg+xml": svg, "text/plain": "<Figure>"}))
    metadata = {"tags": ["varies"]} if cell.varies else {}
    if folded:  # JupyterLab, Notebook 7 and VS Code fold the code; Colab's form view shows the title only
        metadata.update(jupyter={"source_hidden": True}, cellView="form")
    return v4.new_code_cell(source, outputs=outputs, id=cell.name, metadata=metadata)
