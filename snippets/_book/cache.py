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
import sys
import threading
import time
import typing
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from snippets._book.cells import BookError, Page
from snippets._book.run import CellResult, environment, run_fresh
from snippets._book.sandbox import ENV_UNKEYED, controlled_env, file_hash

ENGINE_DIR = Path(__file__).resolve().parent


# The engine modules a page's process runs: an edit to any of them can change what a page prints or draws.
# (Rendering, companions and the report only shape what is shown, from the stored run; editing them runs nothing
# again. tests/test_engine.py checks that a page's process imports no other engine module.)
RUN_FILES = ("__init__.py", "cells.py", "run.py", "sandbox.py", "svg.py", "warm.py", "checkpoints.py", "cache.py")


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
    variables = {k: v for k, v in controlled_env().items() if k not in ENV_UNKEYED}  # all a run's process can see
    text = json.dumps([engine_hash(), env["python"], env["torch"], env["matplotlib"], variables, page.job()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class PageRun(typing.NamedTuple):
    """How a page's code ran: its results, the seed it set, and where they came from."""

    results: list[CellResult]
    seed: int | None
    hit: bool  # from the cache: nothing ran
    seconds: float  # wall time of the run (0 for a cache hit)
    resumed: str | None = None  # under `mkdocs serve`: the cell the run resumed at, from a checkpoint
    key: str = ""  # the page's cache key: the same key shows the same outputs


def _sys_path_stamp() -> tuple:
    """Where distributions live, and when each folder last changed (installing one changes its folder)."""
    stamp = []
    for entry in sys.path:
        try:
            stamp.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            stamp.append((entry, None))
    return tuple(stamp)


@functools.lru_cache(maxsize=4)
def _installed(stamp: tuple) -> dict[str, str]:
    """Distribution name → installed version (normalised names), for this ``sys.path`` as it is."""
    return {_norm(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}


@functools.lru_cache(maxsize=4)
def _owners(stamp: tuple) -> dict[str, list[str]]:
    return metadata.packages_distributions()


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def distributions_of(modules: list[str]) -> dict[str, str]:
    """The installed distributions, with their versions, that the top-level ``modules`` came from."""
    stamp = _sys_path_stamp()
    owners, installed = _owners(stamp), _installed(stamp)
    return {_norm(d): installed.get(_norm(d), "") for m in modules for d in owners.get(m, [])}


def still_valid(data: dict, building: bool = True) -> bool:
    """A stored run holds only if what it read is as it was: each distribution it imported at the same version
    (none gone), each file it read with the same content; and, for a build, it ran from the top in a fresh
    process (serve may show a run it resumed from a checkpoint)."""
    if building and not data.get("fresh"):
        return False
    installed = _installed(_sys_path_stamp())
    if any(installed.get(name) != version for name, version in data["dists"].items()):
        return False
    return all(file_hash(path) == digest for path, digest in data["files"].items())


def execute_page(page: Page, cache_dir: Path | None, rerun: bool, sessions=None) -> PageRun:
    """Run a page in a fresh process (or, with ``sessions``, from its last checkpoint), or read it from the cache.

    A build (no ``sessions``) trusts only an entry that a fresh process made from the top; under serve, an
    entry a checkpoint made may be shown too (it is what the page shows there anyway)."""
    key = page_key(page)
    cached = cache_dir / f"{key}.json" if cache_dir else None
    if cached and cached.is_file() and not rerun:
        try:
            data = json.loads(cached.read_text())
            if still_valid(data, building=sessions is None):
                return PageRun([CellResult(**r) for r in data["cells"]], data["seed"], True, 0.0, key=key)
        except (ValueError, KeyError, TypeError, AttributeError):  # a corrupt entry (a disk filled up, an old
            pass  # format): run again, and the run below writes a good entry in its place
    started = time.perf_counter()
    if sessions is None:
        data = run_fresh(page, page.job())
        results, seed, start = [CellResult(**r) for r in data["cells"]], data["seed"], 0
        reads = data.get("reads") or {}
    else:
        from snippets._book.serve import run_serving

        results, seed, start, reads = run_serving(page, sessions)
    failed = [r for r in results if r.error]
    if failed:
        bad = failed[0]
        raise BookError(f"{page.src}:{bad.error_line or page.lines[bad.name]}: {bad.error}")
    check_size(page, results)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_text(json.dumps({
            "cells": [dataclasses.asdict(r) for r in results], "seed": seed,
            "fresh": start == 0 and bool(reads),  # from the top, in a fresh process: a build may publish it
            "dists": distributions_of(reads.get("modules", [])), "files": reads.get("files", {}),
        }))
        partial.replace(cached)  # atomic: a reader never sees half an entry
    resumed = page.cells[start].name if start else None
    return PageRun(results, seed, False, time.perf_counter() - started, resumed, key)



MAX_PAGE_BYTES = 5_000_000  # the largest chapter publishes well under 1 MB; a runaway print loop, far more


def check_size(page: Page, results: list[CellResult]) -> None:
    """A page whose outputs and figures pass :data:`MAX_PAGE_BYTES` fails, naming the cell that made most."""
    sizes = {r.name: len(r.output.encode()) + sum(len(f.encode()) for f in r.figures) for r in results}
    if sum(sizes.values()) > MAX_PAGE_BYTES:
        name = max(sizes, key=sizes.get)
        cell = next(c for c in page.cells if c.name == name)
        raise BookError(f"{page.src}:{page.lines.get(name, 1)}: cell '{name}' ({cell.path}:{cell.line}) made "
                        f"{sizes[name] / 1e6:.1f} MB of output and figures, and the page would publish "
                        f"{sum(sizes.values()) / 1e6:.1f} MB (the limit is {MAX_PAGE_BYTES / 1e6:g} MB): print less")


def run_pages(pages: dict[str, Page], cache_dir: Path | None, rerun: bool, jobs: int, sessions=None,
              started: dict[str, Future] | None = None) -> dict[str, PageRun]:
    """Run pages in parallel worker processes; each page is still one fresh, serial Python.

    ``started`` maps a page's cache key to a run already under way (``mkdocs serve`` starts one as a file
    is saved); a page with the same key waits for it instead of running again.
    Returns the runs under the same keys as ``pages``.
    """
    shown_by: dict[str, str] = {}
    for page in pages.values():  # one module, one page: its notebook and script are named after the module
        if shown_by.setdefault(page.module, page.src) != page.src:
            raise BookError(f"{page.src}: shows chapter module '{page.module}', and so does {shown_by[page.module]}; "
                            "their notebook and script downloads would overwrite each other (one page per module)")
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


