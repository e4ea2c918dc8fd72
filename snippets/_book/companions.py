"""Companions: each chapter as a Jupyter notebook (with the build's outputs) and as one runnable script.

Owns the files a reader downloads or opens in a lab: the notebook (made in
``snippets/_book/notebook.py``), the lab (``snippets/_book/labs.py``), :func:`companion_script`, the
"Open in Colab" address (:func:`colab_url`) and the rows of links under a chapter's title
(:func:`companion_links`) and atop a lab (:func:`lab_links`).
"""

from __future__ import annotations

import html
import posixpath
import re

from snippets._book.cells import Page
from snippets._book.notebook import companion_notebook  # the notebook lives beside, in notebook.py


def companion_files(page: Page, markdown: str, results: list, site_url: str | None) -> tuple[str, str, str | None]:
    """A chapter's notebook, script and lab (None for a chapter without exercises), from its page and its run."""
    from snippets._book.labs import lab_notebook  # here, not at the top: labs.py imports this module

    return (companion_notebook(page, markdown, results, site_url), companion_script(page, page.title),
            lab_notebook(page, markdown, results, site_url))


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


# The Pages workflow (.github/workflows/pages.yml) pushes the site's downloads/ folder to this branch:
# Colab opens notebooks from GitHub only, and the Pages site itself is not a GitHub path.
NOTEBOOK_BRANCH = "notebooks"


def colab_url(repo_url: str | None, path: str) -> str | None:
    """An "Open in Colab" address for a notebook at ``path`` of the site (``downloads/tensors.ipynb``),
    as the Pages workflow publishes it to the repository's :data:`NOTEBOOK_BRANCH`; None off GitHub."""
    match = re.match(r"https://github\.com/([^/]+)/([^/]+?)/?$", repo_url or "")
    if not match:
        return None
    return f"https://colab.research.google.com/github/{match[1]}/{match[2]}/blob/{NOTEBOOK_BRANCH}/{path}"


def companion_links(module: str, page_dir: str, repo_url: str | None, lab: bool = False) -> list[tuple[str, str]]:
    """The links under a chapter's title: its lab (when it has exercises), its notebook and script, and Colab on GitHub."""
    rel = lambda path: posixpath.relpath(path, page_dir or ".")  # noqa: E731
    links = [("Exercises as a lab", rel(f"labs/{module}.ipynb"))] if lab else []
    links += [("Download notebook (.ipynb)", rel(f"downloads/{module}.ipynb")),
              ("Download script (.py)", rel(f"downloads/{module}.py"))]
    if colab := colab_url(repo_url, f"downloads/{module}.ipynb"):
        links.append(("Open in Colab", colab))
    return links


def lab_links(module: str, title: str, chapter_href: str, repo_url: str | None) -> str:
    """The row of links at the top of a lab's page (``labs/<module>/``): its chapter, its download, Colab."""
    links = [(f"The chapter: {title}", chapter_href), ("Download this lab (.ipynb)", f"../../downloads/labs/{module}.ipynb")]
    if colab := colab_url(repo_url, f"downloads/labs/{module}.ipynb"):
        links.append(("Open in Colab", colab))
    return '<p class="book-links">' + " · ".join(f'<a href="{href}">{html.escape(label)}</a>' for label, href in links) + "</p>"
