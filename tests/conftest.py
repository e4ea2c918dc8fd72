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
