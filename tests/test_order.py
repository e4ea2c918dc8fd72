"""The book teaches in order: no chapter's code uses a tool or an idea before the section that teaches it.

Each entry names a tool or idea, a pattern that finds its use in a cell's code, and the
section (chapter and heading) that teaches it. Walking the chapters in reading order (the
nav), the first cell that uses it must come after that heading. A new tool that the book
starts to use belongs in this table with its teaching section.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import chapter_modules
from snippets._engine import load_module

ROOT = Path(__file__).resolve().parents[1]

# tool or idea: (pattern in code, the chapter that teaches it, words from the heading of the teaching section)
TAUGHT = {
    "requires_grad and backward()": (r"\.backward\(", "autograd", "Autograd: PyTorch does the calculus"),
    "no_grad": (r"no_grad\(", "autograd", "Switching the recording off"),
    "zero_grad / grad.zero_()": (r"zero_grad\(|grad\.zero_\(", "autograd", "Gradients accumulate"),
    ".item()": (r"\.item\(\)", "tensors", "Reading a shape"),
    "dtype float64": (r"float64|\.double\(\)", "tensors", "Number types"),
    "unsqueeze / squeeze": (r"\.unsqueeze\(|\.squeeze\(", "tensors", "Adding and removing dimensions"),
    "cat / stack": (r"torch\.(cat|stack)\(", "tensors", "Joining tensors"),
    ".T / transpose": (r"\.T\b|\.transpose\(", "tensors", "Transposing"),
    "keepdim": (r"keepdim\s*=", "tensors", "Reductions"),
    "argmax": (r"argmax\(", "tensors", "max` and `argmax"),
    "boolean masks": (r"\[[^\]]*(?:==|>|<)[^\]]*\]\s*=", "tensors", "Boolean masks"),
    "nn.Linear": (r"nn\.Linear\(", "tensors", "How `nn.Linear` stores its weight"),
    "finite differences": (r"finite|\(f\(x \+ h\)|numerical_grad", "autograd", "Checking gradients with finite differences"),
    "torch.optim": (r"torch\.optim\.", "gradient_descent", None),
    "nn.Sequential": (r"nn\.Sequential\(", "mlp", None),
    "softmax": (r"softmax\(", "mlp", None),
    "cross-entropy loss": (r"CrossEntropyLoss\(|cross_entropy\(", "losses", None),
    "binary cross-entropy": (r"BCE(WithLogits)?Loss\(|binary_cross_entropy", "losses", None),
    "hinge loss": (r"hinge", "losses", None),
    "nn.Module subclasses": (r"class \w+\(nn\.Module\)", "training_loop", None),
    "DataLoader": (r"DataLoader\(", "training_loop", None),
    "state_dict": (r"state_dict\(", "training_loop", None),
    "dropout": (r"nn\.Dropout\(", "digits", None),
    "weight decay": (r"weight_decay\s*=", "digits", None),
}


def walk_book():
    """Yield ``(position, heading, cell code)`` for every cell in reading order; position sorts in that order."""
    for index, chapter in enumerate(chapter_modules()):
        page = ROOT / "docs" / f"{chapter}.md"
        if not page.is_file():
            continue
        cells = {c.name: c.code for c in load_module(chapter)}
        heading = ""
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
            if re.match(r"#{1,6} ", line):
                heading = line.lstrip("#").strip()
                yield (index, number), ("heading", chapter, heading)
            elif m := re.search(r"\{\{\s*cell\s+([\w-]+)", line):
                yield (index, number), ("cell", chapter, cells[m.group(1)])


def teaching_position(chapter: str, heading: str | None, book) -> tuple[int, int]:
    """Where a tool is taught: the heading in its chapter that names it, or the chapter's start when none is given."""
    for position, (kind, where, text) in book:
        if kind == "heading" and where == chapter and (heading is None or heading.lower() in text.lower()):
            return position
    raise AssertionError(f"{chapter}.md has no heading containing '{heading}'")


@pytest.mark.parametrize("tool", sorted(TAUGHT))
def test_tools_are_taught_before_they_are_used(tool):
    pattern, chapter, heading = TAUGHT[tool]
    book = list(walk_book())
    taught = teaching_position(chapter, heading, book)
    uses = [(position, where) for position, (kind, where, text) in book if kind == "cell" and re.search(pattern, text)]
    assert uses, f"no chapter uses {tool} any more: take it out of the table"
    first, where = min(uses)
    assert first >= taught, (f"{where}.md:{first[1]} uses {tool} before {chapter}.md teaches it"
                             + (f" (in '{heading}')" if heading else ""))


def test_the_order_test_can_fail():
    """A cell that uses a tool in the chapter before its home is caught."""
    book = [((0, 1), ("heading", "early", "Early")), ((0, 2), ("cell", "early", "opt = torch.optim.SGD(p, lr=0.1)")),
            ((1, 1), ("heading", "late", "Optimizers"))]
    taught = teaching_position("late", "Optimizers", book)
    first = min(position for position, (kind, _, text) in book if kind == "cell" and "torch.optim." in text)
    assert first < taught
