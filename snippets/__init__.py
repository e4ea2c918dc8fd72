"""The code of the book, one module per chapter.

Each module is a plain Python script cut into named cells by ``# %% name`` lines.
The chapter page in ``docs/`` with the same name shows every cell in order and,
when the site is built, the output each one printed. Run a chapter in a terminal
with ``python -m snippets run tensors``; list them with ``python -m snippets list``.

``from snippets.autograd_engine import Value`` works too: importing a chapter runs its
cells the way the engine does (see ``snippets/_book/imports.py`` for what that costs).
"""

import importlib.abc as _abc
import importlib.util as _util
import sys as _sys
from pathlib import Path as _Path


class _Chapters(_abc.MetaPathFinder):
    """Hands ``import snippets.<chapter>`` to the engine's loader (snippets/_book/imports.py)."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        file = _Path(__file__).parent / f"{name}.py"
        if package != __name__ or name.startswith("_") or not file.is_file():
            return None
        from snippets._book.imports import ChapterLoader

        return _util.spec_from_file_location(fullname, file, loader=ChapterLoader(fullname, str(file)))


if not any(isinstance(finder, _Chapters) for finder in _sys.meta_path):
    _sys.meta_path.insert(0, _Chapters())
