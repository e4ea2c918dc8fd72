"""The engine's old single-module name, kept so that existing imports keep working.

The engine lives in the package ``snippets/_book/`` (see its docstring for the map). Tests and
scripts may still write ``from snippets._engine import run_module``; the MkDocs plugin is loaded
from ``snippets._book.mkdocs_plugin`` and is found here only on first use, so importing this module
does not import MkDocs.
"""

from snippets._book.book import nav_pages  # noqa: F401
from snippets._book.cache import PageRun, engine_hash, execute_page, page_key, run_pages  # noqa: F401
from snippets._book.cells import (  # noqa: F401
    CELL_DIRECTIVE, DEFAULT_TIMEOUT, PACKAGE_DIR, BookError, Cell, Page, display_path, load_module, module_path,
    parse_cells, parse_page, rewrite, split_value,
)
from snippets._book.companions import colab_url, companion_notebook, companion_script  # noqa: F401
from snippets._book.render import FIGURE_DIR, figure_path, render_cell, render_page  # noqa: F401
from snippets._book.report import build_report  # noqa: F401
from snippets._book.run import (  # noqa: F401
    CellResult, CellTimeout, collect_figures, environment, evaluate_value, format_value, run_cell, run_cells,
    run_fresh, run_module,
)
from snippets._book.serve import api_fingerprint, module_api, run_serving  # noqa: F401


def __getattr__(name: str):
    if name in ("BookPlugin", "BookConfig", "TemplateCache"):  # MkDocs' side, imported only when asked for
        from snippets._book import mkdocs_plugin

        return getattr(mkdocs_plugin, name)
    raise AttributeError(f"module 'snippets._engine' has no attribute '{name}'")
