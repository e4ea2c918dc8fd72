"""The book engine: run each chapter's code at build time and put what it printed on the page.

How the pieces fit
------------------
* A chapter module ``snippets/<chapter>.py`` is a plain script cut into named
  cells by ``# %% name`` lines (the "percent" cell format that VS Code, PyCharm
  and Jupytext understand).  Options follow the name::

      # %% bad_reshape raises=RuntimeError timeout=5

* A page ``docs/<chapter>.md`` names its module in the front matter
  (``snippets: tensors``) and shows the cells with one line each::

      {{ cell bad_reshape }}
      {{ cell tangent_plot alt="The parabola y = x² with four tangent lines" }}

  It must show every cell of the module, in module order, so the page's code
  *is* the module and a reader who runs the blocks in order gets what we got.

* Prose quotes a value computed by the cells above it: ``{{ y_hat:.2f }}``.

* Each page runs in a fresh Python process (like a reader's), in page order,
  sharing one namespace.  Pages run in parallel, results are cached on disk
  under a hash of everything that can change them, and any failure stops the
  build with ``page:line`` and ``file:line`` in the message.

The modules, in the order the data flows through them:

=====================  =======================================================
``cells.py``           chapter modules and page directives, read and checked
``book.py``            the book on disk: front matter, reading order
``run.py``             running cells: processes, time limits, capture, figures
``cache.py``           the cache key, the cache, and running the pages that miss it
``render.py``          a page's Markdown with code, outputs and quoted values
``companions.py``      each chapter's notebook and script
``report.py``          the build report page
``serve.py``           under ``mkdocs serve``: resume from checkpoints, start on save
``checkpoints.py``     forked copies of a page's process between cells
``warm.py``            the fork server's warm-up (matplotlib's first figure)
``imports.py``         ``import snippets.<chapter>`` runs it the way the engine does
``mkdocs_plugin.py``   the ``book`` plugin: a thin MkDocs adapter over the rest
=====================  =======================================================

Only ``mkdocs_plugin.py`` imports MkDocs; ``python -m snippets`` (run, render, list) works without it.
"""
