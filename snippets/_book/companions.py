"""Companions: each chapter as a Jupyter notebook (with the build's outputs) and as one runnable script.

Owns the files a reader downloads or opens in a lab: :func:`companion_notebook`,
:func:`companion_script`, the "Open in Colab" address (:func:`colab_url`) and the row of links
under a chapter's title (:func:`companion_links`).
"""

from __future__ import annotations

import json
import posixpath
import re

from snippets._book.cells import Cell, Page
from snippets._book.run import CellResult


def companion_script(page: Page, title: str) -> str:
    """The chapter as one runnable script: its cells in order; a cell that fails on purpose prints its error."""
    parts = [f'"""{title}: the code of this chapter of "How Neural Networks Learn", as one script.\n\n'
             f"Generated from {page.cells[0].path}. Run it with `python {page.module}.py`; it prints what the\n"
             'chapter page shows. It needs torch and matplotlib (and scikit-learn for the digits chapter)."""\n']
    for cell in page.cells:
        if cell.raises:
            body = "\n".join("    " + line if line else "" for line in cell.code.splitlines())
            parts.append(f"# %% {cell.name} (fails on purpose; the error is printed)\ntry:\n{body}\n"
                         f"except {cell.raises} as error:\n    print(f\"{{type(error).__name__}}: {{error}}\")\n")
        else:
            parts.append(f"# %% {cell.name}\n{cell.code}\n")
    return "\n".join(parts)


def companion_notebook(page: Page, title: str, results: list[CellResult]) -> str:
    """The chapter as a Jupyter notebook whose outputs are the ones this build produced."""
    by_name = {r.name: r for r in results}
    cells = [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": _lines(
        f"# {title}\n\nThe code of this chapter of *How Neural Networks Learn*, generated from "
        f"`{page.cells[0].path}`. The outputs below were produced when the book was built; run the cells in "
        "order to reproduce them. You need `torch` and `matplotlib` (and `scikit-learn` for the digits chapter).")}]
    for cell in page.cells:
        result = by_name.get(cell.name)
        cells.append({
            "cell_type": "code", "execution_count": None, "id": cell.name.replace("_", "-"),
            "metadata": {"tags": [tag for tag, on in (("raises-exception", cell.raises), ("varies", cell.varies)) if on]},
            "source": _lines(cell.code), "outputs": _outputs(cell, result) if result else [],
        })
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _outputs(cell: Cell, result: CellResult) -> list[dict]:
    text, error = result.output, None
    if result.raised:  # the engine appended "Name: message" to what the cell printed before it failed
        text = text[: len(text) - len(result.raised) - 1]
        ename, _, evalue = result.raised.partition(": ")
        error = {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [result.raised]}
    outputs = [{"output_type": "stream", "name": "stdout", "text": _lines(text)}] if text else []
    outputs += [{"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": _lines(svg), "text/plain": ["<Figure>"]}}
                for svg in result.figures]
    return outputs + ([error] if error else [])


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def colab_url(repo_url: str | None, module: str) -> str | None:
    """An "Open in Colab" address for a GitHub repository whose Pages branch holds ``downloads/``."""
    match = re.match(r"https://github\.com/([^/]+)/([^/]+?)/?$", repo_url or "")
    if not match:
        return None
    return f"https://colab.research.google.com/github/{match[1]}/{match[2]}/blob/gh-pages/downloads/{module}.ipynb"



def companion_links(module: str, page_dir: str, repo_url: str | None) -> list[tuple[str, str]]:
    """The links under a chapter's title: its lab, its notebook and script downloads, and Colab when on GitHub."""
    rel = lambda path: posixpath.relpath(path, page_dir or ".")  # noqa: E731
    links = [("Run it as a notebook (lab)", rel(f"labs/{module}.ipynb")),
             ("Download notebook (.ipynb)", rel(f"downloads/{module}.ipynb")),
             ("Download script (.py)", rel(f"downloads/{module}.py"))]
    if colab := colab_url(repo_url, module):
        links.append(("Open in Colab", colab))
    return links
