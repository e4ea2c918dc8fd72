"""Chapter modules and page directives: what a chapter *is*, read and checked before anything runs.

Owns the ``# %% name option=value`` cell format of ``snippets/<chapter>.py`` (:func:`load_module`,
:func:`parse_cells`) and the ``{{ cell name }}`` / ``{{ value:.3f }}`` directives of a page
(:func:`rewrite`, :func:`parse_page`), with the rules that keep a page honest: no code before the
first cell, only allowed imports, every cell shown once and in order. Nothing here runs code.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import json
import re
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # snippets/: the chapter modules
DEFAULT_TIMEOUT = 60.0
# What the code a reader sees may import: the standard library plus these.
ALLOWED_IMPORTS = {"torch", "matplotlib", "sklearn"}
CELL_OPTIONS = {"raises", "timeout", "nonfinite", "varies"}


class BookError(Exception):
    """A build failure, with a message that names the page, the file and the line."""



# --------------------------------------------------------------------------- chapter modules


@dataclasses.dataclass
class Cell:
    """One named section of a chapter module."""

    name: str
    code: str
    path: str  # the module file, as the error messages print it
    line: int  # line of the first code line in that file
    raises: str | None = None  # the exception the cell must raise, by class name
    timeout: float = DEFAULT_TIMEOUT
    nonfinite: bool = False  # may print nan/inf on purpose
    varies: bool = False  # prints measurements (timings) that differ from run to run, on purpose


CELL_MARK = re.compile(r"^# %%[ \t]*(.*)$")


def module_path(name: str, directory: Path = PACKAGE_DIR) -> Path:
    """The file of chapter module ``name`` (``"tensors"`` → ``snippets/tensors.py``)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", str(name)) or name.startswith("_"):
        raise BookError(f"'{name}' is not a chapter module name")
    return Path(directory) / f"{name}.py"


def display_path(path: Path) -> str:
    """A path as error messages print it: relative to where the build runs, when it is inside."""
    for root in (Path.cwd(), PACKAGE_DIR.parent):
        try:
            return str(Path(path).resolve().relative_to(root.resolve()))
        except ValueError:
            continue
    return str(path)


def load_module(name: str, directory: Path = PACKAGE_DIR) -> list[Cell]:
    """Split a chapter module into its cells, checking the rules that keep pages honest."""
    path = module_path(name, directory)
    if not path.is_file():
        raise BookError(f"no chapter module {display_path(path)}")
    return list(_cells(path, display_path(path)))


def reread_on_change(read):
    """Keep what ``read(path, ...)`` returns until the file changes: every `mkdocs serve` rebuild reads them all."""

    @functools.lru_cache(maxsize=256)
    def cached(path: Path, mtime_ns: int, size: int, *args):
        return read(path, *args)

    @functools.wraps(read)
    def reread(path: Path, *args):
        stat = path.stat()
        return cached(path, stat.st_mtime_ns, stat.st_size, *args)

    return reread


@reread_on_change
def _cells(path: Path, shown: str) -> tuple[Cell, ...]:
    return tuple(parse_cells(path.read_text(encoding="utf-8"), shown))


def parse_cells(source: str, path: str) -> list[Cell]:
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # as Python counts lines: a form feed is no line break
    marks = [(i, m.group(1)) for i, line in enumerate(lines) if (m := CELL_MARK.match(line))]
    if not marks:
        raise BookError(f"{path}: no '# %% name' cells")
    check_preamble("\n".join(lines[: marks[0][0]]), path)
    cells, seen = [], set()
    for k, (start, header) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else len(lines)
        body = lines[start + 1 : end]
        while body and not body[-1].strip():
            body.pop()
        cell = Cell(name="", code="\n".join(body), path=path, line=start + 2)
        apply_header(cell, header, f"{path}:{start + 1}")
        if cell.name in seen:
            raise BookError(f"{path}:{start + 1}: cell '{cell.name}' is defined twice")
        # A notebook cell's id is its name with "-" for "_": two names that meet there would make an invalid notebook.
        if (twin := next((name for name in seen if name.replace("_", "-") == cell.name.replace("_", "-")), None)):
            raise BookError(f"{path}:{start + 1}: cell '{cell.name}' and cell '{twin}' differ only in '_' and '-'; "
                            "rename one (the notebook needs distinct ids)")
        seen.add(cell.name)
        check_imports(cell)
        cells.append(cell)
    return cells


def apply_header(cell: Cell, header: str, where: str) -> None:
    """Read ``name key=value ...`` from a cell marker into ``cell``."""
    words = header.split()
    if not words or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", words[0]):  # ASCII: it is a notebook cell's id too
        raise BookError(f"{where}: a cell marker needs a name of ASCII letters, digits, '_' and '-', "
                        "like '# %% create_tensors'")
    cell.name = words[0]
    for word in words[1:]:
        key, _, value = word.partition("=")
        if key not in CELL_OPTIONS:
            raise BookError(f"{where}: unknown cell option '{key}' (known: {', '.join(sorted(CELL_OPTIONS))})")
        if key == "raises":
            cell.raises = value
        elif key == "timeout":
            cell.timeout = float(value)
        else:
            setattr(cell, key, value in ("", "ok", "true"))


def check_preamble(text: str, path: str) -> None:
    """Only a docstring and comments may precede the first cell: no hidden code."""
    tree = ast.parse(text or "\n", filename=path)
    for node in tree.body:
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            raise BookError(f"{path}:{node.lineno}: code before the first '# %%' cell would run unseen")


def check_imports(cell: Cell) -> None:
    """A reader needs nothing hidden: only the standard library, torch, matplotlib, sklearn."""
    try:
        tree = ast.parse(cell.code, filename=cell.path)
    except SyntaxError as err:
        raise BookError(f"{cell.path}:{cell.line + (err.lineno or 1) - 1}: cell '{cell.name}': {err.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else ["."]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top not in ALLOWED_IMPORTS and top not in sys.stdlib_module_names:
                raise BookError(
                    f"{cell.path}:{cell.line + node.lineno - 1}: cell '{cell.name}' imports '{name}'; "
                    "page code may import only the standard library, torch, matplotlib and sklearn"
                )


# --------------------------------------------------------------------------- page directives


DIRECTIVE = re.compile(r"(`+)(?:.+?)\1|\{\{\s*(.*?)\s*\}\}")  # code spans are matched to be skipped
CELL_DIRECTIVE = re.compile(r'^cell\s+([A-Za-z_][\w-]*)((?:\s+(?:alt|fold)="[^"]*")*)$')
DIRECTIVE_OPTION = re.compile(r'(alt|fold)="([^"]*)"')


def cell_options(match: re.Match) -> dict[str, str]:
    """``alt="..."`` (a figure's text) and ``fold="Title"`` (show the code collapsed) of a cell directive."""
    return dict(DIRECTIVE_OPTION.findall(match.group(2)))


FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def rewrite(markdown: str, replace) -> str:
    """Call ``replace(line_number, text)`` for each ``{{ text }}`` outside code, in reading order,
    and put what it returns in place of the directive."""
    fence, out = None, []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if m := FENCE.match(line):
            if fence is None:
                fence = m.group(1)
            elif m.group(1).startswith(fence[0] * len(fence)):
                fence = None
        elif fence is None:
            new = DIRECTIVE.sub(lambda m: m.group(0) if m.group(1) else replace(number, m.group(2)), line)
            # A block put in place of an indented directive (inside an admonition) keeps that indent.
            indent = line[: len(line) - len(line.lstrip())]
            line = new.replace("\n", "\n" + indent).replace(indent + "\n", "\n") if indent else new
        out.append(line)
    return "\n".join(out) + "\n"


@dataclasses.dataclass
class Page:
    """A chapter page: its cells and the values its prose quotes, in page order."""

    src: str  # e.g. "docs/tensors.md"
    module: str
    cells: list[Cell]
    values: dict[str, list[tuple[str, str, int]]]  # cell → (expression, format, page line) quoted after it
    alts: dict[str, str]
    lines: dict[str, int]  # cell → the page line that shows it
    title: str = ""
    folds: dict[str, str] = dataclasses.field(default_factory=dict)  # cell → the title of its folded code

    def job(self) -> dict:
        return {"cells": [dataclasses.asdict(c) for c in self.cells], "values": self.values}

    def cache_key(self) -> str:
        """Everything that can change what the page shows (see :func:`snippets._book.cache.page_key`)."""
        from snippets._book.cache import page_key

        return page_key(self)

    def fingerprints(self) -> list[str]:
        """One hash per cell of what can change it: a cell that keeps its hash, after cells that keep
        theirs, would print the same again (so ``mkdocs serve`` resumes after it)."""
        return [hashlib.sha256(json.dumps([dataclasses.asdict(c), self.values.get(c.name)]).encode()).hexdigest()
                for c in self.cells]


def parse_page(src: str, markdown: str, module: str, directory: Path = PACKAGE_DIR, first_line: int = 1) -> Page:
    """Read a page's directives and check they show every cell of its module, in order.

    ``first_line`` is the file line where ``markdown`` starts (after the front matter), for messages.
    """
    check_visible(markdown, src, first_line)
    cells = load_module(module, directory)
    file = display_path(module_path(module, directory))
    by_name = {c.name: c for c in cells}
    shown, values, alts, lines, folds = [], {}, {}, {}, {}

    def collect(number: int, text: str) -> str:
        number += first_line - 1
        if text.split(" ", 1)[0] == "cell":
            m = CELL_DIRECTIVE.match(text)
            if not m or m.group(1) not in by_name:
                raise BookError(f"{src}:{number}: no cell '{text[5:].strip()}' in {file}")
            shown.append(m.group(1))
            lines[m.group(1)] = number
            options = cell_options(m)
            if options.get("alt"):
                alts[m.group(1)] = options["alt"]
            if "fold" in options:
                if not options["fold"].strip():
                    raise BookError(f"{src}:{number}: fold needs a title a reader can click, like fold=\"The plotting code\"")
                folds[m.group(1)] = options["fold"]
        elif not shown:
            raise BookError(f"{src}:{number}: '{{{{ {text} }}}}' comes before any cell has run")
        else:
            values.setdefault(shown[-1], []).append((*split_value(text), number))
        return ""

    rewrite(markdown, collect)
    expected = [c.name for c in cells]
    if shown != expected:
        raise BookError(
            f"{src}: the page must show every cell of {file} once, in order.\n"
            f"  module: {', '.join(expected)}\n  page:   {', '.join(shown)}"
        )
    title = next((line[2:].strip() for line in markdown.splitlines() if line.startswith("# ")), module)
    return Page(src, module, cells, values, alts, lines, title, folds)


HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def check_visible(markdown: str, src: str, first_line: int = 1) -> None:
    """A directive inside an HTML comment would run code (or quote a value) that no reader sees: refuse it."""
    fence, kept = None, []
    for line in markdown.splitlines():  # code blocks may show a comment as text: leave them out
        if m := FENCE.match(line):
            if fence is None:
                fence = m.group(1)
            elif m.group(1).startswith(fence[0] * len(fence)):
                fence = None
            kept.append("")
        else:
            kept.append("" if fence else line)
    text = "\n".join(kept)
    for comment in HTML_COMMENT.finditer(text):
        if directive := re.search(r"\{\{\s*(.*?)\s*\}\}", comment.group(0)):
            line = text.count("\n", 0, comment.start() + directive.start()) + first_line
            raise BookError(f"{src}:{line}: '{{{{ {directive.group(1)} }}}}' is inside an HTML comment: "
                            "its code would run, and no reader would see it")


def split_value(text: str) -> tuple[str, str]:
    """``"loss:.3f"`` → ``("loss", ".3f")``; a colon inside brackets is part of the expression."""
    depth = 0
    for i, ch in enumerate(text):
        depth += ch in "[(" and 1 or (ch in "])" and -1 or 0)
        if ch == ":" and depth == 0:
            return text[:i].strip(), text[i + 1 :].strip()
    return text.strip(), ""


# Markdown a quoted value would turn into a link or an image ("[x](javascript:...)", "[x][ref]"), or a URL scheme
# that runs code: a quoted value is a number or a word in a sentence, never markup. (HTML is escaped anyway.)
LIVE_MARKUP = re.compile(r"\]\s*[(\[]|(?:javascript|vbscript)\s*:", re.IGNORECASE)


def inert_value(text: str) -> str:
    """``text``, if it cannot become a link, an image or a script on the page; else a ValueError."""
    if bad := LIVE_MARKUP.search(text):
        raise ValueError(f"the value {text[:60]!r} contains {bad.group(0)!r}, which the page would render as a live "
                         "link or markup; print it in a cell instead (output is shown as text)")
    return text
