"""The cache: what a page's run is keyed on, where it is kept, and running the pages that miss it.

A page's run is stored in ``.cache/book/<key>.json`` under a hash of everything that can change
what the page shows (:func:`page_key`). :func:`execute_page` reads a page's run from there, or runs
it (in a fresh process, or under ``mkdocs serve`` from a checkpoint) and stores it;
:func:`run_pages` does that for many pages at once.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import threading
import time
import typing
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from snippets._book.cells import BookError, Page
from snippets._book.run import CellResult, environment, run_fresh

ENGINE_DIR = Path(__file__).resolve().parent


# The engine modules a page's process runs: an edit to any of them can change what a page prints or draws.
# (Rendering, companions and the report only shape what is shown, from the stored run; editing them runs nothing
# again. tests/test_engine.py checks that a page's process imports no other engine module.)
RUN_FILES = ("__init__.py", "cells.py", "run.py", "svg.py", "warm.py", "checkpoints.py", "cache.py")


@functools.lru_cache(maxsize=1)
def engine_hash() -> str:
    """The source of the engine modules a page runs in (:data:`RUN_FILES`), as loaded: an edit to them needs
    a new process (a restart of `mkdocs serve`) anyway."""
    digest = hashlib.sha256()
    for path in (ENGINE_DIR / name for name in RUN_FILES):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def page_key(page: Page) -> str:
    """Everything that can change what the page shows: its code and quoted values, the versions, this engine."""
    env = environment()
    text = json.dumps([engine_hash(), env["python"], env["torch"], env["matplotlib"], page.job()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class PageRun(typing.NamedTuple):
    """How a page's code ran: its results, the seed it set, and where they came from."""

    results: list[CellResult]
    seed: int | None
    hit: bool  # from the cache: nothing ran
    seconds: float  # wall time of the run (0 for a cache hit)
    resumed: str | None = None  # under `mkdocs serve`: the cell the run resumed at, from a checkpoint
    key: str = ""  # the page's cache key: the same key shows the same outputs


def execute_page(page: Page, cache_dir: Path | None, rerun: bool, sessions=None) -> PageRun:
    """Run a page in a fresh process (or, with ``sessions``, from its last checkpoint), or read it from the cache."""
    key = page_key(page)
    cached = cache_dir / f"{key}.json" if cache_dir else None
    if cached and cached.is_file() and not rerun:
        try:
            data = json.loads(cached.read_text())
            return PageRun([CellResult(**r) for r in data["cells"]], data["seed"], True, 0.0, key=key)
        except (ValueError, KeyError, TypeError):  # a corrupt entry (a disk filled up, an old format): run again,
            pass  # and the run below writes a good entry in its place
    started = time.perf_counter()
    if sessions is None:
        data = run_fresh(page, page.job())
        results, seed, start = [CellResult(**r) for r in data["cells"]], data["seed"], 0
    else:
        from snippets._book.serve import run_serving

        results, seed, start = run_serving(page, sessions)
    failed = [r for r in results if r.error]
    if failed:
        bad = failed[0]
        raise BookError(f"{page.src}:{bad.error_line or page.lines[bad.name]}: {bad.error}")
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_text(json.dumps({"cells": [dataclasses.asdict(r) for r in results], "seed": seed}))
        partial.replace(cached)  # atomic: a reader never sees half an entry
    resumed = page.cells[start].name if start else None
    return PageRun(results, seed, False, time.perf_counter() - started, resumed, key)



def run_pages(pages: dict[str, Page], cache_dir: Path | None, rerun: bool, jobs: int, sessions=None,
              started: dict[str, Future] | None = None) -> dict[str, PageRun]:
    """Run pages in parallel worker processes; each page is still one fresh, serial Python.

    ``started`` maps a page's cache key to a run already under way (``mkdocs serve`` starts one as a file
    is saved); a page with the same key waits for it instead of running again.
    Returns the runs under the same keys as ``pages``.
    """
    started = started or {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {key: started.get(p.cache_key()) or pool.submit(execute_page, p, cache_dir, rerun, sessions)
                   for key, p in pages.items()}
        errors = []
        runs = {}
        for key, future in futures.items():
            try:
                runs[key] = future.result()
            except BookError as err:
                errors.append(str(err))
    if errors:
        raise BookError("\n".join(errors))
    return runs


