"""The book engine: run each chapter's code at build time and put what it printed on the page.

How the pieces fit
------------------
* A chapter module ``snippets/<chapter>.py`` is a plain script cut into named
  cells by ``# %% name`` lines (the "percent" cell format that VS Code, PyCharm
  and Jupytext understand).  Options follow the name::

      # %% bad_reshape raises=RuntimeError timeout=5

* A page ``docs/<chapter>.md`` names its module in the front matter
  (``snippets: tensors``) and shows the cells with one line each::

      {{ cell bad_reshape }}
      {{ cell tangent_plot alt="The parabola y = x² with four tangent lines" }}

  It must show every cell of the module, in module order, so the page's code
  *is* the module and a reader who runs the blocks in order gets what we got.

* Prose quotes a value computed by the cells above it: ``{{ y_hat:.2f }}``.

* Each page runs in a fresh Python process (like a reader's), in page order,
  sharing one namespace.  Pages run in parallel, results are cached on disk
  under a hash of everything that can change them, and any failure stops the
  build with ``page:line`` and ``file:line`` in the message.

* Under ``mkdocs serve`` an edited page starts running the moment its file is
  saved, and from the edited cell, not from the top: ``snippets/_checkpoints.py``
  keeps forked copies of each page's process between cells.

The public entry points are :class:`BookPlugin` (the MkDocs plugin, registered
as ``book``), :func:`run_module` (used by tests and ``python -m snippets``) and
:func:`load_module`.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import gc
import hashlib
import html
import io
import json
import logging
import os
import posixpath
import re
import resource
import signal
import sys
import tempfile
import threading
import time
import traceback
import typing
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_TIMEOUT = 60.0
FIGURE_DIR = "assets/figures"
SVG_SALT = "neural-networks-book"
# What the code a reader sees may import: the standard library plus these.
ALLOWED_IMPORTS = {"torch", "matplotlib", "sklearn"}
CELL_OPTIONS = {"raises", "timeout", "nonfinite", "varies"}
NONFINITE = re.compile(r"(?<![\w.])-?(nan|inf)(?![\w])", re.IGNORECASE)


class BookError(Exception):
    """A build failure, with a message that names the page, the file and the line."""


# --------------------------------------------------------------------------- cells


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
    lines = source.splitlines()
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
        seen.add(cell.name)
        check_imports(cell)
        cells.append(cell)
    return cells


def apply_header(cell: Cell, header: str, where: str) -> None:
    """Read ``name key=value ...`` from a cell marker into ``cell``."""
    words = header.split()
    if not words or not re.fullmatch(r"[A-Za-z_][\w-]*", words[0]):
        raise BookError(f"{where}: a cell marker needs a name, like '# %% create_tensors'")
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


# ----------------------------------------------------------------------- executing


@dataclasses.dataclass
class CellResult:
    name: str
    output: str = ""
    figures: list[str] = dataclasses.field(default_factory=list)  # SVG texts
    values: list[str] = dataclasses.field(default_factory=list)  # formatted prose values
    seconds: float = 0.0
    peak_mb: float = 0.0
    error: str | None = None  # set when the cell failed; the build stops on it
    error_line: int | None = None  # the page line at fault, when it is a quoted value
    raised: str | None = None  # "Name: message" of an error the cell raised on purpose


class CellTimeout(BaseException):
    """Raised inside a cell that runs past its time limit (a BaseException so cells cannot catch it)."""


def format_value(value, spec: str) -> str:
    """Format a prose value: floats and ints with ``spec``, shapes as ``(2, 3)``, tensors element-wise."""
    if type(value).__name__ == "Size":  # torch.Size, without importing torch here
        return "(" + ", ".join(str(int(n)) for n in value) + ("," if len(value) == 1 else "") + ")"
    if hasattr(value, "tolist") and callable(value.tolist):  # a tensor (or array)
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v, spec) for v in value) + "]"
    return format(value, spec)


VALUE_NODES = (ast.Expression, ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.Load, ast.UnaryOp, ast.USub, ast.Slice, ast.Tuple)


def evaluate_value(expr: str, namespace: dict):
    """Look up ``expr``: a name, attribute or index, never new arithmetic the reader cannot see."""
    tree = ast.parse(expr, mode="eval")
    for node in ast.walk(tree):
        method = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not (node.args or node.keywords)
        if not (isinstance(node, VALUE_NODES) or method):  # x.item(), t.numel() are lookups too
            raise ValueError(f"'{expr}' computes something; print it in a cell and quote the variable")
    return eval(compile(tree, "<value>", "eval"), dict(namespace))


def run_cells(cells: list[Cell], values: dict[str, list] | None = None, echo=None, namespace=None, before=None, first=0):
    """Run cells in order in one fresh namespace, like a reader pasting them into Python.

    ``values`` maps a cell name to the ``(expression, format, page_line)`` the prose quotes after it.
    ``namespace`` and ``first`` (the page index of ``cells[0]``) continue a page from a checkpoint;
    ``before(index, namespace)`` is called before each cell (it makes the checkpoints).
    Returns ``(results, namespace)``; stops at the first failing cell.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    values = values or {}
    if namespace is None:
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    results = []
    for index, cell in enumerate(cells, start=first):
        if before:
            before(index, namespace)
        result = run_cell(cell, namespace)
        for expr, spec, line in values.get(cell.name, []) if result.error is None else []:
            try:
                result.values.append(format_value(evaluate_value(expr, namespace), spec))
            except Exception as err:  # noqa: BLE001 - reported, not swallowed
                shown = expr + (":" + spec if spec else "")
                result.error = f"cannot quote '{{{{ {shown} }}}}': {type(err).__name__}: {err}"
                result.error_line = line
                break
        results.append(result)
        if echo:
            echo(result)
        if result.error:
            break
    return results, namespace


def run_cell(cell: Cell, namespace: dict) -> CellResult:
    result = CellResult(cell.name)
    # Pad with newlines so tracebacks point at the real line of the module file.
    code = compile("\n" * (cell.line - 1) + cell.code + "\n", cell.path, "exec")
    out = io.StringIO()
    start = time.perf_counter()
    old = signal.signal(signal.SIGALRM, _on_alarm) if _main_thread() else None
    try:
        if old is not None:
            signal.setitimer(signal.ITIMER_REAL, cell.timeout)
        with contextlib.redirect_stdout(out):
            exec(code, namespace)
    except CellTimeout:
        result.error = f"cell '{cell.name}' ({cell.path}:{cell.line}) ran past its time limit of {cell.timeout:g} s"
    except Exception as err:  # noqa: BLE001 - the build reports it
        if cell.raises and cell.raises in [c.__name__ for c in type(err).__mro__]:
            result.raised = f"{type(err).__name__}: {err}"
            out.write(result.raised + "\n")
        else:
            result.error = describe_exception(cell, err)
    else:
        if cell.raises:
            result.error = f"cell '{cell.name}' ({cell.path}:{cell.line}) should raise {cell.raises} but ran without error"
    finally:
        if old is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    result.seconds = time.perf_counter() - start
    result.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.output = out.getvalue()
    result.figures = collect_figures()
    if result.error is None and not cell.nonfinite and (bad := NONFINITE.search(result.output)):
        result.error = (
            f"cell '{cell.name}' ({cell.path}:{cell.line}) printed '{bad.group(0)}': a non-finite number would be "
            "published; fix the run, or mark the cell 'nonfinite=ok' if it shows one on purpose"
        )
    return result


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _on_alarm(signum, frame):
    raise CellTimeout()


def describe_exception(cell: Cell, err: BaseException) -> str:
    """``cell 'x' failed at snippets/m.py:12: ValueError: ...``, naming the deepest line in the module."""
    line = cell.line
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename == cell.path and frame.lineno:
            line = frame.lineno
    return f"cell '{cell.name}' failed at {cell.path}:{line}: {type(err).__name__}: {err}"


def collect_figures() -> list[str]:
    """Save every open matplotlib figure as byte-stable SVG, then close it."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    svgs = []
    for number in plt.get_fignums():
        figure = plt.figure(number)
        buffer = io.StringIO()
        # Text stays text (not glyph outlines): half the bytes, and selectable by readers.
        with plt.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none"}):
            # Transparent: the page shows figures on its own background, light or dark (see book.css).
            figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", transparent=True)
        svgs.append(buffer.getvalue())
        plt.close(figure)
    return svgs


def run_module(name: str, upto: str | None = None, echo=None):
    """Run chapter module ``name`` in this process (up to and including cell ``upto``).

    Returns ``(results, namespace)`` and raises :class:`BookError` if a cell fails.
    Tests use the namespace to check the mathematics of what the page shows.
    """
    cells = load_module(name)
    if upto is not None:
        names = [c.name for c in cells]
        if upto not in names:
            raise BookError(f"{display_path(module_path(name))} has no cell '{upto}' (cells: {', '.join(names)})")
        cells = cells[: names.index(upto) + 1]
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="book-run-") as scratch:
        os.chdir(scratch)  # files the chapter writes land out of the way, as in the build
        try:
            results, namespace = run_cells(cells, echo=echo)
        finally:
            os.chdir(here)
    for result in results:
        if result.error:
            raise BookError(result.error)
    return results, namespace


@functools.lru_cache(maxsize=1)
def environment() -> dict:
    """What the stamp and the build report print about the machine that ran the code (fixed for a process)."""
    import platform

    return {
        "python": platform.python_version(),
        "torch": _version("torch"),
        "matplotlib": _version("matplotlib"),
        "platform": f"{platform.system()} {platform.machine()}",
        "device": "CPU",
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package).split("+")[0]
    except metadata.PackageNotFoundError:
        return "not installed"


def worker_main(job_file: str, result_file: str) -> None:
    """Entry point of the fresh process that runs one page: JSON in, JSON out."""
    job = dict(json.loads(Path(job_file).read_text()), result=result_file)
    # Pages run side by side; one torch thread each keeps them from fighting over the cores.
    # The test suite rebuilds with BOOK_THREADS=2 and checks that no output changes.
    sys.modules["torch"].set_num_threads(int(os.environ.get("BOOK_THREADS", "1")))
    # The garbage collector need not keep scanning the objects of torch and matplotlib that the fork server
    # imported: a page that makes many small objects (the autograd engine chapter) runs twice as fast.
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="book-page-") as scratch:
        os.chdir(scratch)  # files a page writes land out of the way
        run_job(job)


def run_job(job: dict, namespace: dict | None = None) -> None:
    """Run a page's cells from ``job["start"]`` on and write their results to ``job["result"]``.

    A fresh process runs a job from the top; under ``mkdocs serve`` a checkpoint runs one from the
    middle, in its own namespace (see ``snippets/_checkpoints.py``).
    """
    from snippets._checkpoints import Checkpointer

    start = job.get("start", 0)
    cells = [Cell(**c) for c in job["cells"]][start:]
    checkpointer = Checkpointer(job["checkpoints"], job["owner"], run_job, start) if job.get("checkpoints") else None
    seeds = []  # the seed the page set in its first cell, which is the one the stamp names

    def note_seed(result):
        seeds.append(sys.modules["torch"].initial_seed())

    results, _ = run_cells(cells, job["values"], echo=note_seed, namespace=namespace, before=checkpointer, first=start)
    Path(job["result"]).write_text(json.dumps({
        "cells": [dataclasses.asdict(r) for r in results],
        "seed": seeds[0] if seeds else None,
        "checkpoints": [dataclasses.asdict(h) for h in checkpointer.handles] if checkpointer else [],
    }))


# ----------------------------------------------------------------------- pages


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
        """Everything that can change what the page shows: its code and quoted values, the versions, this engine."""
        env = environment()
        text = json.dumps([engine_hash(), env["python"], env["torch"], env["matplotlib"], self.job()], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def fingerprints(self) -> list[str]:
        """One hash per cell of what can change it: a cell that keeps its hash, after cells that keep
        theirs, would print the same again (so ``mkdocs serve`` resumes after it)."""
        return [hashlib.sha256(json.dumps([dataclasses.asdict(c), self.values.get(c.name)]).encode()).hexdigest()
                for c in self.cells]


@functools.lru_cache(maxsize=1)
def engine_hash() -> str:
    """This engine's source, as loaded: an edit to it needs a new process (a restart of `mkdocs serve`) anyway."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def parse_page(src: str, markdown: str, module: str, directory: Path = PACKAGE_DIR, first_line: int = 1) -> Page:
    """Read a page's directives and check they show every cell of its module, in order.

    ``first_line`` is the file line where ``markdown`` starts (after the front matter), for messages.
    """
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


def split_value(text: str) -> tuple[str, str]:
    """``"loss:.3f"`` → ``("loss", ".3f")``; a colon inside brackets is part of the expression."""
    depth = 0
    for i, ch in enumerate(text):
        depth += ch in "[(" and 1 or (ch in "])" and -1 or 0)
        if ch == ":" and depth == 0:
            return text[:i].strip(), text[i + 1 :].strip()
    return text.strip(), ""


def fresh_processes():
    """Processes that start like a new Python, minus the wait for ``import torch``.

    A fork server imports torch and matplotlib once; each page then runs in a new child forked
    from it, before any of torch's threads exist. Under ``mkdocs serve`` the server outlives
    rebuilds, so an edited page starts running at once.
    """
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYTHONHASHSEED", "0")  # set order in printed output stays put
    # torch._dynamo is what torch.optim imports on its first step: costly, and wanted by most pages.
    # snippets._warm draws one figure, so that each page's first figure does not pay for loading fonts.
    context.set_forkserver_preload(["torch", "torch._dynamo", "matplotlib.pyplot", "snippets._warm", "snippets._engine"])
    return context


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
    key = page.cache_key()
    cached = cache_dir / f"{key}.json" if cache_dir else None
    if cached and cached.is_file() and not rerun:
        data = json.loads(cached.read_text())
        return PageRun([CellResult(**r) for r in data["cells"]], data["seed"], True, 0.0, key=key)
    started = time.perf_counter()
    if sessions is None:
        data = run_fresh(page, page.job())
        results, seed, start = [CellResult(**r) for r in data["cells"]], data["seed"], 0
    else:
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


def run_fresh(page: Page, job: dict) -> dict:
    """Run ``job`` (a page, from the top) in a new process forked from the fork server."""
    with tempfile.TemporaryDirectory(prefix="book-job-") as tmp:
        job_file, out = Path(tmp, "job.json"), Path(tmp, "result.json")
        job_file.write_text(json.dumps(job))
        limit = sum(c.timeout for c in page.cells) + 30
        process = fresh_processes().Process(target=worker_main, args=(str(job_file), str(out)), daemon=True)
        process.start()
        process.join(limit)
        if process.is_alive():  # a hang in C code that the per-cell alarm could not interrupt
            process.kill()
            process.join()
            raise BookError(f"{page.src}: its code ran past {limit:g} s and was stopped")
        if process.exitcode != 0 or not out.is_file():
            raise BookError(f"{page.src}: the process running its code died (exit code {process.exitcode})")
        return json.loads(out.read_text())


def run_serving(page: Page, sessions) -> tuple[list[CellResult], int | None, int]:
    """Under ``mkdocs serve``: run the page from the last checkpoint before its first changed cell.

    Returns the results of the whole page, its seed, and the index of the cell the run started at.
    """
    from snippets._checkpoints import Handle, resume

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
    return results, seed, start


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


# ----------------------------------------------------------------------- rendering


def render_page(markdown: str, page: Page, results: list[CellResult], seed, page_dir: str, links=()) -> str:
    """Replace a page's directives with its code, output, figures and quoted values."""
    results_by_name = {r.name: r for r in results}
    cells = {c.name: c for c in page.cells}
    quotes = {r.name: iter(r.values) for r in results}
    current = None

    def replace(number: int, text: str) -> str:
        nonlocal current
        if m := CELL_DIRECTIVE.match(text):
            current = m.group(1)
            return render_cell(cells[current], results_by_name.get(current), page.alts.get(current), page.module, page_dir,
                               page.folds.get(current))
        return html.escape(next(quotes.get(current, iter(())), "…"))  # "…" only when execution is switched off

    return insert_stamp(rewrite(markdown, replace), seed, links)


def render_cell(cell: Cell, result: CellResult | None, alt: str | None, module: str, page_dir: str,
                fold: str | None = None) -> str:
    """The Markdown for one cell: its code (collapsed under ``fold``'s title, if given), then its output and figures."""
    code = fenced(cell.code, "python")
    if fold is not None:  # a pymdownx.details block: one click opens it, and its copy button copies all the code
        code = f'??? book-fold "{html.escape(fold)}"\n\n' + "\n".join("    " + line if line else "" for line in code.splitlines())
    parts = [code]
    if result and result.output:
        parts.append(fenced(result.output.rstrip("\n"), "{ .text .snippet-output .no-copy }"))
    for k, _svg in enumerate(result.figures if result else []):
        src = posixpath.relpath(figure_path(module, cell.name, k), page_dir or ".")
        parts.append(f"![{escape_alt(alt or '')}]({src}){{ .snippet-figure loading=lazy }}")
    return "\n\n".join(parts)


def fenced(text: str, info: str) -> str:
    """A fenced block that the text itself cannot close: longer than any backtick run in it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def escape_alt(text: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def figure_path(module: str, cell: str, k: int) -> str:
    return f"{FIGURE_DIR}/{module}/{cell}{'' if k == 0 else f'-{k + 1}'}.svg"


def insert_stamp(markdown: str, seed, links=()) -> str:
    """Put the provenance stamp, and the links to the chapter's notebook and script, under the title."""
    env = environment()
    stamp = (
        f"Every output on this page was produced when the site was built, by running its code "
        f"with Python {env['python']} and torch {env['torch']} on the {env['device']}"
        f"{f', seed {seed}' if seed is not None else ''}.\n{{ .book-stamp }}"
    )
    row = " · ".join(f"[{label}]({href})" for label, href in links)
    block = ["", stamp, ""] + ([row, "{ .book-links }", ""] if row else [])
    lines = markdown.splitlines()
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
    return "\n".join(lines[:at] + block + lines[at:]) + "\n"


# ----------------------------------------------------------------------- companions


def companion_script(page: Page, title: str) -> str:
    """The chapter as one runnable script: its cells in order; a cell that fails on purpose prints its error."""
    parts = [f'"""{title}: the code of this chapter of "How Neural Networks Learn", as one script.\n\n'
             f"Generated from {page.cells[0].path}. Run it with `python {page.module}.py`; it prints what the\n"
             'chapter page shows. It needs torch and matplotlib (and scikit-learn for the digits chapter)."""\n']
    for cell in page.cells:
        if cell.raises:
            body = "\n".join("    " + line if line else "" for line in cell.code.splitlines())
            parts.append(f"# %% {cell.name} (fails on purpose; the error is printed)\ntry:\n{body}\n"
                         f"except {cell.raises} as error:\n    print(f\"{{type(error).__name__}}: {{error}}\")\n")
        else:
            parts.append(f"# %% {cell.name}\n{cell.code}\n")
    return "\n".join(parts)


def companion_notebook(page: Page, title: str, results: list[CellResult]) -> str:
    """The chapter as a Jupyter notebook whose outputs are the ones this build produced."""
    by_name = {r.name: r for r in results}
    cells = [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": _lines(
        f"# {title}\n\nThe code of this chapter of *How Neural Networks Learn*, generated from "
        f"`{page.cells[0].path}`. The outputs below were produced when the book was built; run the cells in "
        "order to reproduce them. You need `torch` and `matplotlib` (and `scikit-learn` for the digits chapter).")}]
    for cell in page.cells:
        result = by_name.get(cell.name)
        cells.append({
            "cell_type": "code", "execution_count": None, "id": cell.name.replace("_", "-"),
            "metadata": {"tags": [tag for tag, on in (("raises-exception", cell.raises), ("varies", cell.varies)) if on]},
            "source": _lines(cell.code), "outputs": _outputs(cell, result) if result else [],
        })
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _outputs(cell: Cell, result: CellResult) -> list[dict]:
    text, error = result.output, None
    if result.raised:  # the engine appended "Name: message" to what the cell printed before it failed
        text = text[: len(text) - len(result.raised) - 1]
        ename, _, evalue = result.raised.partition(": ")
        error = {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [result.raised]}
    outputs = [{"output_type": "stream", "name": "stdout", "text": _lines(text)}] if text else []
    outputs += [{"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": _lines(svg), "text/plain": ["<Figure>"]}}
                for svg in result.figures]
    return outputs + ([error] if error else [])


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def colab_url(repo_url: str | None, module: str) -> str | None:
    """An "Open in Colab" address for a GitHub repository whose Pages branch holds ``downloads/``."""
    match = re.match(r"https://github\.com/([^/]+)/([^/]+?)/?$", repo_url or "")
    if not match:
        return None
    return f"https://colab.research.google.com/github/{match[1]}/{match[2]}/blob/gh-pages/downloads/{module}.ipynb"


# ----------------------------------------------------------------------- the MkDocs plugin

import jinja2  # noqa: E402
from mkdocs.config import base, config_options  # noqa: E402  (kept beside the class that needs them)
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import BasePlugin  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402
from mkdocs.utils.meta import get_data  # noqa: E402

LOG = logging.getLogger("mkdocs.plugins.book")


class BookConfig(base.Config):
    snippets_dir = config_options.Type(str, default="snippets")  # where the chapter modules live
    cache_dir = config_options.Type(str, default=".cache/book")
    jobs = config_options.Type(int, default=0)  # pages run at once; 0 means one per CPU
    report = config_options.Type(str, default="build-report.md")  # the generated report page
    companions = config_options.Type(bool, default=True)  # labs/<chapter>.ipynb and downloads/<chapter>.{ipynb,py}


class BookPlugin(BasePlugin[BookConfig]):
    """Runs every chapter while MkDocs collects files, so a failure stops the build before a page is written.

    Environment switches: ``BOOK_RERUN=1`` ignores the cache; ``BOOK_EXECUTE=0`` renders code without
    running it (only for measuring the build itself); ``BOOK_CHECKPOINTS=0`` turns off the checkpoints
    that ``mkdocs serve`` keeps.
    """

    sessions = None  # under `mkdocs serve`: each page's last run and its checkpoints (snippets/_checkpoints.py)
    templates = None  # under `mkdocs serve`: compiled theme templates, kept across rebuilds
    watcher = None  # under `mkdocs serve`: starts an edited chapter's run as the file is saved (see start_early)
    dirty = False  # `mkdocs serve --dirty`: only pages marked modified are rewritten

    def on_startup(self, *, command, dirty):
        """Having this hook keeps one plugin object for the whole of `mkdocs serve`, so state survives rebuilds."""
        self.dirty, self.shown, self.pending, self.api = dirty, {}, {}, None
        serial = os.environ.get("BOOK_THREADS", "1") == "1"  # a process with more threads cannot be forked safely
        if command == "serve":
            self.templates = TemplateCache()
            if serial and os.environ.get("BOOK_CHECKPOINTS", "1") != "0":
                from snippets._checkpoints import Sessions

                self.sessions = Sessions()
                self.warming = None
        if dirty:  # we rewrite every page whose outputs changed (see mark_stale), so MkDocs' caveat does not apply
            logging.getLogger("mkdocs.commands.build").addFilter(lambda r: "'dirty' build" not in r.getMessage())

    def on_serve(self, server, config, builder):
        """Rebuild sooner after a save: MkDocs looks for changed files every 0.1 s instead of every 0.5 s,
        and a saved chapter starts running at once (see ``start_early``)."""
        if hasattr(server.observer, "_timeout"):  # watchdog's polling interval, given to each folder watched from now on
            server.observer._timeout = 0.1
            for path in (config.docs_dir, config.config_file_path):  # watched before this hook: watch them again
                server.unwatch(path)
                server.watch(path)
        if self.dirty and self.config.companions:  # labs written after a build start the next one
            server.watch(str(Path(config.config_file_path).parent / self.config.cache_dir / "generated" / "labs"))
        if self.sessions is not None and os.environ.get("BOOK_EXECUTE", "1") != "0":
            self.watch_saves([config.docs_dir, str(Path(config.config_file_path).parent / self.config.snippets_dir)])
        return server

    def watch_saves(self, folders: list[str]) -> None:
        """Call ``start_early`` for every file saved in ``folders``, with no polling (inotify on Linux)."""
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.early: dict[str, Future] = {}  # cache key → the run start_early began for it
        self.early_lock, self.early_pool = threading.Lock(), ThreadPoolExecutor(max_workers=2)
        handler = FileSystemEventHandler()
        # Only once a file is complete: closed after writing, or renamed into place. (macOS reports neither,
        # so there the rebuild starts the run, as it does everywhere without this.)
        handler.on_closed = handler.on_moved = self.start_early
        self.watcher = Observer()
        for folder in folders:
            self.watcher.schedule(handler, folder, recursive=True)
        self.watcher.start()

    def on_env(self, env, config, files):
        """Each rebuild under `mkdocs serve` makes a new Jinja environment that would compile the theme's
        templates again (about 0.1 s); a cache kept across rebuilds skips that. It keys on each template's
        source, so an edited override is still compiled afresh."""
        if self.templates is not None:
            env.bytecode_cache = self.templates
        return env

    def on_shutdown(self):
        if self.watcher:
            self.watcher.stop()
            self.early_pool.shutdown(wait=False, cancel_futures=True)
        if self.sessions:
            self.sessions.close()

    def on_files(self, files, config):
        self.pages: dict[str, Page] = {}
        self.later: dict[Path, str] = {}  # lab notebooks to write after this build (see add_companions)
        references = set()  # pages with mkdocstrings blocks: they show the modules' docstrings
        self.snippets_dir = Path(config.config_file_path).parent / self.config.snippets_dir
        self.cache = Path(config.config_file_path).parent / self.config.cache_dir
        self.rerun = os.environ.get("BOOK_RERUN") == "1"
        sources = []  # each chapter's page and module file, for start_early
        for file in files.documentation_pages():
            markdown, page = self.read_page(Path(file.abs_src_path))
            if re.search(r"^::: ", markdown, re.M):
                references.add(file.src_uri)
            if page is not None:
                self.pages[file.src_uri] = page
                sources.append((Path(file.abs_src_path), module_path(page.module, self.snippets_dir)))
        self.sources = sources  # one assignment: start_early reads it on the watcher's thread
        self.runs = self.execute()
        if self.dirty:
            self.mark_stale(files, references, self.snippets_dir)
        for src, run in self.runs.items():
            page, results = self.pages[src], run.results
            for result in results:
                self.check_figures(page, result)
                for k, svg in enumerate(result.figures):
                    files.append(File.generated(config, figure_path(page.module, result.name, k), content=svg))
            if self.config.companions:
                self.add_companions(files, config, page, results)
        if self.config.report:
            reading = {src: k for k, src in enumerate(nav_pages(config.nav or []))}  # the report lists pages in this order
            runs = dict(sorted(self.runs.items(), key=lambda item: reading.get(item[0], len(reading))))
            files.append(File.generated(config, self.config.report, content=build_report(self.pages, runs)))
        return files

    def read_page(self, path: Path) -> tuple[str, Page | None]:
        """A documentation file's Markdown, and its chapter if its front matter names a ``snippets:`` module."""
        source = path.read_text(encoding="utf-8")
        markdown, meta = get_data(source)
        if source.startswith("---") and not meta:  # MkDocs drops bad YAML silently; we do not
            raise PluginError(f"{display_path(path)}:1: its front matter is not valid YAML")
        if "snippets" not in meta:
            return markdown, None
        first_line = source.count("\n") - markdown.count("\n") + 1  # lines the front matter took
        try:
            return markdown, parse_page(display_path(path), markdown, meta["snippets"], self.snippets_dir, first_line)
        except BookError as err:
            raise PluginError(str(err)) from None

    def start_early(self, event) -> None:
        """Under `mkdocs serve`, called by a file watcher the moment a chapter module or page is saved:
        start running the chapter now, while MkDocs waits for more changes and reloads its config
        (about 0.2 s). The rebuild then takes the run that is under way (see ``execute``).

        A page that cannot be read or parsed yet is left to the rebuild, which reports what is wrong."""
        saved = Path(getattr(event, "dest_path", "") or event.src_path)
        for markdown_file, module_file in getattr(self, "sources", []):  # none before the first build
            if saved in (markdown_file, module_file) and not event.is_directory:
                try:
                    page = self.read_page(markdown_file)[1]
                    key = page.cache_key()
                except Exception:  # noqa: BLE001 - half-saved or broken; and the watcher's thread must live on
                    continue
                with self.early_lock:
                    if key not in self.early:
                        self.early[key] = self.early_pool.submit(execute_page, page, self.cache, self.rerun, self.sessions)

    def mark_stale(self, files, references: set[str], snippets_dir: Path) -> None:
        """Under ``--dirty`` MkDocs rewrites a page only when its Markdown file changed. A chapter whose
        outputs changed must be rewritten too, and so must the API reference when a docstring changed.

        A chapter's outputs changed when its code ran, or when it came from the cache under another key
        than the one it was last written with (an edit undone, say)."""
        api = api_fingerprint(snippets_dir)
        for file in files.documentation_pages():
            run = self.runs.get(file.src_uri)
            if run is not None:
                self.pending[file.src_uri] = run.key
            if (run is not None and (not run.hit or self.shown.get(file.src_uri) != run.key)) or (
                file.src_uri in references and api != self.api
            ):
                file.is_modified = lambda: True  # noqa: B023 - the same answer for every file it is set on
        self.api = api

    def on_post_build(self, config):
        self.shown.update(getattr(self, "pending", {}))  # only pages that were really written count as shown
        for lab, notebook in self.later.items():  # rendering a lab takes half a second: the watcher rebuilds it next
            lab.write_text(notebook)
        if self.sessions and self.warming is None:
            self.warming = threading.Thread(target=self.warm, args=(dict(self.pages),), daemon=True)
            self.warming.start()

    def warm(self, pages: dict[str, Page]) -> None:
        """In the background after the first build: run each page once with checkpoints, so that the first
        edit of a page already re-runs from the edited cell (cached pages have no running state to resume)."""
        LOG.info("book: running each chapter once in the background, to keep checkpoints for fast re-runs")
        for page in pages.values():
            if page.src not in self.sessions.histories:
                try:
                    execute_page(page, None, True, self.sessions)
                except BookError as err:
                    LOG.debug(f"book: no checkpoints for {page.src}: {err}")
        LOG.info("book: checkpoints ready")

    def on_page_content(self, html_text, page, config, files):
        if page.file.src_uri.startswith("labs/"):  # a lab repeats its chapter: let search find the chapter
            page.meta["search"] = {"exclude": True}
        return html_text

    def add_companions(self, files, config, page: Page, results: list[CellResult]) -> None:
        """The chapter's notebook (rendered by mkdocs-jupyter under Labs, and downloadable) and its script."""
        notebook = companion_notebook(page, page.title, results)
        # mkdocs-jupyter reads a real file under a real source folder, so the lab gets one of its own.
        root = Path(config.config_file_path).parent / self.config.cache_dir / "generated"
        lab = root / "labs" / f"{page.module}.ipynb"
        lab.parent.mkdir(parents=True, exist_ok=True)
        if not lab.is_file() or lab.read_text() != notebook:
            if self.dirty and lab.is_file():  # under `make serve`: the chapter first, its lab in a rebuild of its own
                self.later[lab] = notebook
            else:
                lab.write_text(notebook)
        files.append(File(f"labs/{page.module}.ipynb", str(root), config.site_dir, config.use_directory_urls))
        files.append(File.generated(config, f"downloads/{page.module}.ipynb", content=notebook))
        files.append(File.generated(config, f"downloads/{page.module}.py", content=companion_script(page, page.title)))

    def links(self, page: Page, page_dir: str, config) -> list[tuple[str, str]]:
        if not self.config.companions:
            return []
        rel = lambda path: posixpath.relpath(path, page_dir or ".")  # noqa: E731
        links = [("Run it as a notebook (lab)", rel(f"labs/{page.module}.ipynb")),
                 ("Download notebook (.ipynb)", rel(f"downloads/{page.module}.ipynb")),
                 ("Download script (.py)", rel(f"downloads/{page.module}.py"))]
        if colab := colab_url(config.repo_url, page.module):
            links.append(("Open in Colab", colab))
        return links

    def execute(self) -> dict:
        if os.environ.get("BOOK_EXECUTE", "1") == "0":
            return {src: PageRun([], None, False, 0.0) for src in self.pages}
        jobs = int(os.environ.get("BOOK_JOBS", self.config.jobs or os.cpu_count() or 1))
        early = {}
        if self.watcher:
            with self.early_lock:  # runs start_early began; those for other versions of the pages are dropped
                early, self.early = self.early, {}
            for page in self.pages.values():
                if page.cache_key() in early:
                    LOG.info(f"book: {page.src} began running when it was saved")
        try:
            return run_pages(self.pages, self.cache, self.rerun, jobs, self.sessions, early)
        except BookError as err:
            raise PluginError(str(err)) from None

    @staticmethod
    def check_figures(page: Page, result: CellResult) -> None:
        """Every figure needs alt text from the chapter, and alt text needs a figure."""
        where = f"{page.src}:{page.lines[result.name]}"
        if result.figures and not page.alts.get(result.name):
            raise PluginError(f"{where}: cell '{result.name}' draws a figure; give it alt text: {{{{ cell {result.name} alt=\"...\" }}}}")
        if page.alts.get(result.name) and not result.figures:
            raise PluginError(f"{where}: cell '{result.name}' has alt text but draws no figure")

    def on_page_markdown(self, markdown, page, config, files):
        src = page.file.src_uri
        if src not in self.pages:
            rewrite(markdown, lambda n, t: self._stray(display_path(Path(page.file.abs_src_path or page.file.src_uri)), n, t))
            return markdown
        results, seed = self.runs[src].results, self.runs[src].seed
        page_dir = posixpath.dirname(src)
        return render_page(markdown, self.pages[src], results, seed, page_dir, self.links(self.pages[src], page_dir, config))

    @staticmethod
    def _stray(src: str, number: int, text: str) -> str:
        raise PluginError(f"{src}: '{{{{ {text} }}}}' on a page with no 'snippets:' module in its front matter")


class TemplateCache(jinja2.BytecodeCache):
    """Compiled Jinja templates kept in memory, keyed by name and checked against their source."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def nav_pages(nav) -> list[str]:
    """The Markdown files a MkDocs ``nav`` lists, in reading order."""
    if isinstance(nav, list):
        return [page for item in nav for page in nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return [nav] if isinstance(nav, str) and nav.endswith(".md") else []


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


def build_report(pages: dict[str, Page], runs: dict) -> str:
    """The build report page: what ran, how long it took, and whether it came from the cache."""
    env = environment()
    summary, details, total = [], [], 0.0
    for src, run in runs.items():
        results, hit = run.results, run.hit
        seconds = sum(r.seconds for r in results)
        total += seconds
        peak = max((r.peak_mb for r in results), default=0)
        summary.append(f"| [{pages[src].title}]({src}) | {len(results)} | {seconds:.2f} | {'hit' if hit else 'miss' + (f' (resumed at `{run.resumed}`)' if run.resumed else '')} | {peak:.0f} |")
        details += [f'??? note "{pages[src].title}: every cell"', "    | Cell | Seconds | Peak memory (MB) |",
                    "    |---|---:|---:|", *(f"    | `{r.name}` | {r.seconds:.2f} | {r.peak_mb:.0f} |" for r in results), ""]
    seeds = sorted({str(run.seed) for run in runs.values() if run.seed is not None})
    return "\n".join([
        "---",
        "search:",
        "  exclude: true",  # a table of timings; and under `mkdocs serve --dirty` it would pile up in the index
        "---",
        "",
        "# Build report",
        "",
        "Every chapter's code ran, or came from the cache, when this site was built. Times are those of the run "
        "that produced the outputs; a cache hit reuses an earlier run of exactly the same code, versions and engine, "
        "and under `mkdocs serve` a run resumed at a cell keeps the times of the cells before it. "
        "Peak memory is the largest resident size of the process running the page, up to that cell.",
        "",
        f"- Python {env['python']}, torch {env['torch']}, matplotlib {env['matplotlib']}, {env['platform']}, {env['device']}",
        f"- Seeds set by the pages: {', '.join(seeds) or 'none'}",
        f"- {len(runs)} pages, {sum(len(run.results) for run in runs.values())} cells, {total:.2f} s of cell run time in all",
        "",
        "| Page | Cells | Seconds | Cache | Peak memory (MB) |",
        "|---|---:|---:|---|---:|",
        *summary,
        "",
        "## Cell by cell",
        "",
        *details,
    ])
