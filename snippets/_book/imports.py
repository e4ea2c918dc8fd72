"""Importing a chapter: ``from snippets.autograd_engine import Value`` runs the chapter the way the engine does.

A chapter module is a script whose cells fail on purpose and print as they go, so a plain import
would stop at the first expected error or print the whole chapter. ``snippets/__init__.py`` hands
``import snippets.<chapter>`` to :class:`ChapterLoader`, which runs the module's cells in order in
the module's own namespace, as ``python -m snippets run`` does:

* a cell marked ``raises=`` must raise that error, and the import goes on past it;
* what the cells print is captured (it is in ``module.__book__``, one result per cell), not printed;
* the figures the cells draw are closed (figures the importer had open are left alone);
* files the chapter writes land in a scratch folder that is then deleted;
* a cell that fails otherwise, or runs past its time limit, makes the import raise :class:`BookError`.

What it costs: one run of the whole chapter, in this process, the first time it is imported
(later imports find it in ``sys.modules``). That is the chapter's total cell time in the build
report, from a few seconds to a minute or more for the chapters that train. Like the chapter's
first cell, it seeds torch's (and Python's) global random generators, and it sets ``MPLBACKEND=Agg``
if no backend was chosen, so that ``plt.show()`` opens no window. ``python -m snippets.<chapter>``
still runs the file as the plain script it is.
"""

from __future__ import annotations

import importlib.machinery
import sys
from pathlib import Path

from snippets._book.cells import parse_cells
from snippets._book.run import run_in_scratch


class ChapterLoader(importlib.machinery.SourceFileLoader):
    """Loads ``snippets.<chapter>`` by running its cells (see the module docstring); ``get_code`` is untouched,
    so ``runpy`` (``python -m``) still runs the plain script."""

    def exec_module(self, module) -> None:
        # The cells are compiled under the file's full path: tracebacks and inspect.getsource work from anywhere.
        cells = parse_cells(Path(self.path).read_text(encoding="utf-8"), self.path)
        plt = sys.modules.get("matplotlib.pyplot")
        keep = set(plt.get_fignums()) if plt else set()  # the importer's own figures stay open
        module.__book__, _ = run_in_scratch(cells, namespace=module.__dict__, keep=keep)
