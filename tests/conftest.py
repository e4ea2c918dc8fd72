"""Shared fixtures: run a chapter once per test module and hand its namespace to the tests."""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import io

import pytest

from snippets._book.run import CellResult, run_module


@dataclasses.dataclass
class ChapterRun:
    """A chapter run top to bottom in this process, as a reader would run it."""

    ns: dict
    results: list[CellResult]
    name: str = ""  # the chapter module

    def output(self, cell: str) -> str:
        """What ``cell`` printed."""
        return next(r.output for r in self.results if r.name == cell)

    def __getitem__(self, name):
        return self.ns[name]


@pytest.fixture(scope="module")
def chapter(request) -> ChapterRun:
    """The namespace of the chapter named by the test module's ``CHAPTER``."""
    results, ns = run_module(request.module.CHAPTER)
    return ChapterRun(ns, results, request.module.CHAPTER)


# ------------------------------------------------------------------ an exercise's check, as a learner meets it


def bound_at_top(code: str) -> set[str]:
    """The names a cell's code binds in the namespace it runs in (not inside functions or comprehensions)."""
    names = set()

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(child.name)
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.add(child.id)
            elif isinstance(child, ast.alias):
                names.add((child.asname or child.name).split(".")[0])
            elif not isinstance(child, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                walk(child)

    walk(ast.parse(code))
    return names


def run_check(chapter: ChapterRun, check: str, missing=(), **answers) -> str:
    """Run the check cell ``check`` in a copy of the chapter's namespace, with ``answers`` in place of the
    solution's; the names in ``missing``, and those given as None, are undefined, as if the learner had not
    made them yet. Returns what the check printed, and asserts it rebinds no name it does not make itself."""
    from snippets._book.cells import load_module

    code = next(c.code for c in load_module(chapter.name) if c.name == check)
    ns = {k: v for k, v in chapter.ns.items() if k not in missing}
    for name, value in answers.items():
        if value is None:
            ns.pop(name, None)
        else:
            ns[name] = value
    before = {k: v for k, v in ns.items() if k not in bound_at_top(code)}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(code, check, "exec"), ns)
    assert all(ns[k] is v for k, v in before.items()), f"{check} rebinds a name it does not make"
    return out.getvalue()


def check_rejects(chapter: ChapterRun, check: str, missing=(), **answers) -> str:
    """The message of the AssertionError that the check raises with these answers (it must raise one)."""
    with pytest.raises(AssertionError) as failure:
        run_check(chapter, check, missing, **answers)
    return str(failure.value)


def check_names_each_missing_answer(chapter: ChapterRun, check: str, answers: list[str]) -> None:
    """The check passes with the solution's answers, and when one is missing it names that one."""
    assert run_check(chapter, check).strip().startswith("Correct:")
    for answer in answers:
        message = check_rejects(chapter, check, **{answer: None})
        assert f"`{answer}" in message and "run this cell again" in message, (answer, message)


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
