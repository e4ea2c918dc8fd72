"""Serving: what makes an edit show up within a second or two under ``mkdocs serve``.

Owns the serve-only paths around the core: :func:`run_serving` runs an edited page from its last
checkpoint before the edit (the checkpoints themselves are ``checkpoints.py``); :class:`SaveWatcher`
starts a chapter's run the moment its file is saved; :func:`warm` runs each chapter once in the
background to make those checkpoints; :func:`api_fingerprint` says when the API reference must be
rewritten; :class:`KeptCompanions` keeps each chapter's notebook, script and lab across rebuilds.
``mkdocs build`` never uses any of it.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from snippets._book.cache import execute_page, page_key
from snippets._book.cells import BookError, Page, reread_on_change
from snippets._book.companions import companion_files
from snippets._book.run import CellResult, run_fresh

LOG = logging.getLogger("mkdocs.plugins.book")  # the name MkDocs shows; the core does not import MkDocs for it


def run_serving(page: Page, sessions) -> tuple[list[CellResult], int | None, int, dict]:
    """Under ``mkdocs serve``: run the page from the last checkpoint before its first changed cell.

    Returns the results of the whole page, its seed, the index of the cell the run started at, and what the
    run read (see ``run.Reads``).
    """
    from snippets._book.checkpoints import Handle, resume

    fingerprints = page.fingerprints()
    with sessions.lock(page.src):
        start, handle, before, seed = sessions.plan(page.src, fingerprints)
        job = dict(page.job(), start=start, checkpoints=sessions.directory, owner=os.getpid())
        data = None
        if handle is not None:
            with tempfile.TemporaryDirectory(prefix="book-job-") as tmp:
                job["result"] = str(Path(tmp, "result.json"))
                limit = sum(c.timeout for c in page.cells[start:]) + 30
                try:
                    code = resume(handle, job, limit)
                except TimeoutError as err:
                    raise BookError(f"{page.src}: its code {err}") from None
                except OSError:  # the checkpoint is gone (killed from outside): run from the top instead
                    code = None
                if code is not None:
                    if code != 0 or not Path(job["result"]).is_file():
                        raise BookError(f"{page.src}: the process running its code died (exit code {code})")
                    data = json.loads(Path(job["result"]).read_text())
        if data is None:
            if handle is not None:  # its checkpoint was lost, and the others may be too
                sessions.forget(page.src)
            start, handle, before, seed = 0, None, [], None
            data = run_fresh(page, dict(job, start=0))
        results = before + [CellResult(**r) for r in data["cells"]]
        seed = seed if start else data["seed"]
        handles = [Handle(**h) for h in data["checkpoints"]]
        sessions.record(page.src, start, fingerprints, results, seed, handles, resumed=handle)
    return results, seed, start, data.get("reads") or {}



class SaveWatcher:
    """Starts a chapter's run the moment its page or module is saved, before the site generator notices
    (MkDocs waits for more changes and reloads its config first, about 0.2 s); the rebuild then takes
    the run under way (:meth:`take`).

    ``read_page(markdown_file)`` returns the page's :class:`Page` (or raises), ``cache`` and ``rerun``
    are :func:`execute_page`'s. The watching uses inotify on Linux: no polling.
    """

    def __init__(self, read_page, cache: Path | None, rerun: bool, sessions):
        self.read_page, self.cache, self.rerun, self.sessions = read_page, cache, rerun, sessions
        self.sources: list[tuple[Path, Path]] = []  # each chapter's page and module file
        self.early: dict[str, Future] = {}  # cache key → the run begun for it
        self.lock, self.pool = threading.Lock(), ThreadPoolExecutor(max_workers=2)
        self.observer = None

    def start(self, folders: list[str]) -> None:
        """Call :meth:`saved` for every file saved in ``folders``."""
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        handler = FileSystemEventHandler()
        # Only once a file is complete: closed after writing, or renamed into place. (macOS reports neither,
        # so there the rebuild starts the run, as it does everywhere without this.)
        handler.on_closed = handler.on_moved = self.saved
        self.observer = Observer()
        for folder in folders:
            self.observer.schedule(handler, folder, recursive=True)
        self.observer.start()

    def saved(self, event) -> None:
        """A page that cannot be read or parsed yet is left to the rebuild, which reports what is wrong."""
        saved = Path(getattr(event, "dest_path", "") or event.src_path)
        for markdown_file, module_file in self.sources:  # none before the first build
            if saved in (markdown_file, module_file) and not event.is_directory:
                try:
                    page = self.read_page(markdown_file)
                    key = page_key(page)
                except Exception:  # noqa: BLE001 - half-saved or broken; and the watcher's thread must live on
                    continue
                with self.lock:
                    if key not in self.early:
                        self.early[key] = self.pool.submit(execute_page, page, self.cache, self.rerun, self.sessions)

    def take(self, pages: dict[str, Page]) -> dict[str, Future]:
        """The runs begun since the last call; those for other versions of the pages are dropped."""
        with self.lock:
            early, self.early = self.early, {}
        for page in pages.values():
            if page_key(page) in early:
                LOG.info(f"book: {page.src} began running when it was saved")
        return early

    def stop(self) -> None:
        self.observer.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)


class KeptCompanions:
    """:func:`companion_files`, kept for each chapter across rebuilds while all they are made from (the page, its
    Markdown, its run's results, the site's address) is the same. Making every chapter's again on every rebuild
    was most of an edit's wait: 0.9 s of 1.4 s."""

    def __init__(self):
        self.kept: dict[str, tuple[str, tuple]] = {}  # page → (hash of what its files were made from, the files)

    def __call__(self, page: Page, markdown: str, results: list[CellResult], site_url: str | None) -> tuple:
        made_from = json.dumps([dataclasses.asdict(page), markdown, [dataclasses.asdict(r) for r in results], site_url])
        digest = hashlib.sha256(made_from.encode()).hexdigest()
        if page.src not in self.kept or self.kept[page.src][0] != digest:
            self.kept[page.src] = (digest, companion_files(page, markdown, results, site_url))
        return self.kept[page.src][1]


def warm(pages: dict[str, Page], sessions) -> None:
    """In the background after the first build: run each page once with checkpoints, so that the first
    edit of a page already re-runs from the edited cell (cached pages have no running state to resume)."""
    LOG.info("book: running each chapter once in the background, to keep checkpoints for fast re-runs")
    for page in pages.values():
        if page.src not in sessions.histories:
            try:
                execute_page(page, None, True, sessions)
            except BookError as err:
                LOG.debug(f"book: no checkpoints for {page.src}: {err}")
    LOG.info("book: checkpoints ready")


def api_fingerprint(directory: Path) -> str:
    """A hash of what the API reference shows of the chapter modules: their docstrings and signatures."""
    return hashlib.sha256(json.dumps([module_api(path) for path in sorted(Path(directory).glob("[a-z]*.py"))]).encode()).hexdigest()


@reread_on_change
def module_api(path: Path) -> list:
    """What the API reference shows of one module: each docstring and signature, not the bodies."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return [path.read_text(encoding="utf-8")]  # the build reports the error; count any change as a change
    api = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            signature = ast.dump(node.args) if hasattr(node, "args") else [ast.dump(b) for b in getattr(node, "bases", [])]
            api.append([path.name, getattr(node, "name", ""), str(signature), ast.get_docstring(node)])
    return api

