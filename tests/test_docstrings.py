"""Every public function and class a chapter defines has a docstring with examples, and the examples run.

The examples are doctests, run in the namespace the chapter builds, so they stay true to the code the
page shows. They are what the API reference displays.
"""

from __future__ import annotations

import doctest
import inspect

import pytest

from conftest import chapter_modules
from snippets._engine import run_module


def defined_here(ns: dict):
    """The public functions and classes the chapter's own cells define (not ones it imported)."""
    for name, obj in ns.items():
        if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == "__main__":
            yield name, obj


@pytest.mark.parametrize("chapter", chapter_modules())
def test_public_definitions_have_examples_that_run(chapter):
    _, ns = run_module(chapter)
    missing, failures = [], []
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for name, obj in defined_here(ns):
        # Parsed from the docstring directly: code run by exec() has no source file for doctest to find.
        test = parser.get_doctest(inspect.getdoc(obj) or "", dict(ns), f"{chapter}.{name}", None, 0)
        if not test.examples:
            missing.append(name)
            continue
        result = runner.run(test, out=lambda text: failures.append(f"{chapter}.{name}:\n{text}"))
        assert result.attempted == len(test.examples)
    assert not missing, f"{chapter}: no docstring examples for {', '.join(missing)}"
    assert not failures, "\n".join(failures)
