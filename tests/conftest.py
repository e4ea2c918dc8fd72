"""Shared fixtures: run a chapter once per test module and hand its namespace to the tests."""

from __future__ import annotations

import dataclasses

import pytest

from snippets._book.run import CellResult, run_module


@dataclasses.dataclass
class ChapterRun:
    """A chapter run top to bottom in this process, as a reader would run it."""

    ns: dict
    results: list[CellResult]

    def output(self, cell: str) -> str:
        """What ``cell`` printed."""
        return next(r.output for r in self.results if r.name == cell)

    def __getitem__(self, name):
        return self.ns[name]


@pytest.fixture(scope="module")
def chapter(request) -> ChapterRun:
    """The namespace of the chapter named by the test module's ``CHAPTER``."""
    results, ns = run_module(request.module.CHAPTER)
    return ChapterRun(ns, results)


ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def local_env() -> dict:
    """The environment of a local build: none of the site's addresses, which only the Pages workflow sets."""
    import os

    return {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "REPO_URL", "EDIT_URI")}


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The real site, built once per test run with ``mkdocs build --strict`` (the project's cache is used).

    Under pytest-xdist every worker asks for it; a lock makes the first build it and the rest reuse it.
    """
    import os
    import subprocess
    import sys

    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this run's, shared by its workers
    site = shared / "site"
    with FileLock(str(shared / "site.lock")):
        if not (site / "index.html").is_file():
            proc = subprocess.run(
                [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                cwd=ROOT, env=local_env(), capture_output=True, text=True, timeout=900,
            )
            assert proc.returncode == 0, f"strict build failed:\n{proc.stderr[-5000:]}"
    return site


# The addresses the Pages workflow gives a project site (USER.github.io/REPO/), for the tests of them.
SITE_URL = "https://example.github.io/book/"
REPO_URL = "https://github.com/example/book"
EDIT_URI = "edit/main/docs/"


@pytest.fixture(scope="session")
def subpath_site(built_site, tmp_path_factory):
    """The site built as the Pages workflow builds it for ``SITE_URL``: after ``built_site``, so the cache is warm."""
    import os
    import subprocess
    import sys

    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    site = shared / "subpath-site"
    with FileLock(str(shared / "subpath-site.lock")):
        if not (site / "index.html").is_file():
            # BOOK_PDF=0: the PDF is tested on the local build; printing it again here would only cost minutes.
            env = dict(local_env(), SITE_URL=SITE_URL, REPO_URL=REPO_URL, EDIT_URI=EDIT_URI, BOOK_PDF="0")
            proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
            assert proc.returncode == 0, f"strict build failed:\n{proc.stderr[-5000:]}"
    return site


def chapter_modules() -> list[str]:
    """Every chapter module, in reading order."""
    from snippets._book.book import chapters

    return chapters()


# ------------------------------------------------------------------ the browser tests' shared pieces

# Debian's chromium here; elsewhere name the browser in BOOK_CHROMIUM (the CI workflow names Playwright's own build).
CHROMIUM = __import__("os").environ.get("BOOK_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not __import__("pathlib").Path(CHROMIUM).exists():
        return (f"Chromium not found at {CHROMIUM} (apt-get install chromium, or name a Chromium or Chrome "
                f"in BOOK_CHROMIUM; `python -m playwright install chromium` downloads Playwright's own)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def requires_browser():
    """The mark for browser tests: they skip with the reason, except under CI=true, where they must run."""
    import os

    reason = browser_missing()
    if reason and os.environ.get("CI") == "true":
        raise RuntimeError(f"CI=true, so the browser tests must run, but: {reason}")
    return pytest.mark.skipif(reason is not None, reason=reason or "")


@pytest.fixture(scope="module")
def server(built_site):
    """Serve the built site on 127.0.0.1 at a free port."""
    import functools
    import http.server
    import threading

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (``CHROMIUM``: Debian's here, the one BOOK_CHROMIUM names elsewhere), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
