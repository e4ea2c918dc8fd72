"""The cache's invariant, property-style: a cached build publishes exactly what a build that ignores the
cache (``BOOK_RERUN=1``) publishes, in the same environment, whatever changed in between.

One tiny book is run again after each change to something a run can depend on: a cell, an earlier cell,
a dependency's version, an environment variable, a file a cell reads, the engine's own files.
"""

from __future__ import annotations

import shutil

from snippets._book import cache
from snippets._book.cache import execute_page, page_key
from snippets._book.cells import parse_page
from test_engine import fake_distribution

MODULE = '''\
"""Demo."""

# %% first
import importlib
import os
import sys
from pathlib import Path

sys.path.insert(0, {lib!r})
scale = 2
print("first", importlib.import_module("fakedist").ANSWER, importlib.metadata.version("fakedist"))

# %% second
print("second", scale * int(Path({data!r}).read_text()), os.environ.get("DEMO_SETTING"), os.environ.get("LANG"))
'''


def shown(run) -> list:
    return [(r.name, r.output, r.figures, r.values) for r in run.results]


def test_a_cached_run_always_equals_a_fresh_one(tmp_path, monkeypatch):
    lib, data, directory, store = tmp_path / "lib", tmp_path / "data.txt", tmp_path / "snippets", tmp_path / "cache"
    fake_distribution(lib, "1.0")
    monkeypatch.syspath_prepend(str(lib))
    data.write_text("5")
    directory.mkdir()
    source = MODULE.format(lib=str(lib), data=str(data))
    engine = tmp_path / "engine"
    shutil.copytree(cache.ENGINE_DIR, engine, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "ENGINE_DIR", engine)  # so that editing "the engine" edits this copy
    cache.engine_hash.cache_clear()
    monkeypatch.setenv("LANG", "C.UTF-8")

    def page():
        (directory / "demo.py").write_text(source)
        return parse_page("docs/demo.md", "{{ cell first }}\n{{ cell second }}\n", "demo", directory)

    def check(change: str):
        cached = execute_page(page(), store, rerun=False)
        fresh = execute_page(page(), None, rerun=True)
        assert shown(cached) == shown(fresh), change
        return cached

    assert not check("nothing yet").hit
    assert check("nothing changed").hit
    source = source.replace('print("second"', 'print("second!"')
    check("a cell")
    source = source.replace("scale = 2", "scale = 3")
    check("an earlier cell")
    fake_distribution(lib, "2.0")
    check("a dependency's version")
    monkeypatch.setenv("DEMO_SETTING", "on")
    check("a variable the run may not see")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    check("a variable the run sees")
    data.write_text("7")
    check("a file a cell reads")
    before = page_key(page())
    (engine / "warm.py").write_text((engine / "warm.py").read_text() + "\n# edited\n")
    cache.engine_hash.cache_clear()
    assert page_key(page()) != before
    assert not check("the engine's own files").hit
    cache.engine_hash.cache_clear()
