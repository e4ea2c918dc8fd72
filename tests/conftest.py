"""Shared fixtures: run a chapter once per test module and hand its namespace to the tests."""

from __future__ import annotations

import dataclasses

import pytest

from snippets._engine import CellResult, run_module


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
                cwd=ROOT, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"), capture_output=True, text=True, timeout=900,
            )
            assert proc.returncode == 0, f"strict build failed:\n{proc.stderr[-5000:]}"
    return site


def chapter_modules() -> list[str]:
    """Every chapter module, in reading order."""
    from snippets.__main__ import chapters

    return chapters()
