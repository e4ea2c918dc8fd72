"""Running a chapter's cells: the namespace, the time limits, the capture, and the fresh processes.

Owns everything that happens while code runs: :func:`run_cells` runs cells in order in one
namespace, like a reader pasting them into Python, capturing what each prints, the figures it
draws (as byte-stable SVG) and the values the prose quotes; :func:`run_fresh` runs a whole page in
a new process forked from a fork server that has imported torch and matplotlib already;
:func:`run_module` runs a chapter in this process (tests and ``python -m snippets run``).
It knows nothing of caches, pages on disk or site generators.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import gc
import io
import json
import os
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from importlib import metadata
from pathlib import Path

from snippets._book.cells import BookError, Cell, Page, display_path, inert_value, load_module, module_path
from snippets._book.sandbox import Reads, children, controlled_env, fresh_torch_state, leftovers, threads
from snippets._book.svg import compact_svg

SVG_SALT = "neural-networks-book"
# nan and inf as Python, torch and numpy print them (and JSON's NaN, Infinity); not "Nan" or "INF" in a sentence.
NONFINITE = re.compile(r"(?<![\w.])-?(nan|inf|NaN|Infinity)(?![\w])")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colour codes: "\x1b[31mnan\x1b[0m" still prints nan
# Methods a quoted value may call: they read, never change, what they are called on (``{{ losses.pop() }}``
# would change what the next cell prints, unseen by the reader).
READ_METHODS = {
    "item", "tolist", "numel", "nelement", "dim", "size", "min", "max", "sum", "mean", "std", "var", "median",
    "prod", "abs", "norm", "argmax", "argmin", "count_nonzero", "float", "int", "double", "long", "detach",
    "clone", "numpy", "keys", "values", "items", "bit_length", "is_integer", "upper", "lower", "title", "strip",
}


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
        if method and node.func.attr not in READ_METHODS:
            raise ValueError(f"'{expr}' calls .{node.func.attr}(), which may change what later cells see; a quoted "
                             f"value may call only methods that read ({', '.join(sorted(READ_METHODS))})")
        if not (isinstance(node, VALUE_NODES) or method):  # x.item(), t.numel() are lookups too
            raise ValueError(f"'{expr}' computes something; print it in a cell and quote the variable")
    return eval(compile(tree, "<value>", "eval"), dict(namespace))


def run_cells(cells: list[Cell], values: dict[str, list] | None = None, echo=None, namespace=None, before=None, first=0,
              keep=()):
    """Run cells in order in one fresh namespace, like a reader pasting them into Python.

    ``values`` maps a cell name to the ``(expression, format, page_line)`` the prose quotes after it.
    ``namespace`` and ``first`` (the page index of ``cells[0]``) continue a page from a checkpoint;
    ``before(index, namespace)`` is called before each cell (it makes the checkpoints).
    ``keep``: numbers of matplotlib figures that were open before and are not the cells' to collect.
    Returns ``(results, namespace)``; stops at the first failing cell.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    values = values or {}
    home = os.getcwd()  # cells run here and stay here: a checkpoint copies this folder, not one a cell moved to
    if namespace is None:
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    results = []
    for index, cell in enumerate(cells, start=first):
        if before:
            before(index, namespace)
        result = run_cell(cell, namespace, keep)
        if os.getcwd() != home and result.error is None:
            result.error = (f"cell '{cell.name}' ({cell.path}:{cell.line}) changed the working directory to "
                            f"{os.getcwd()}; a chapter works in the folder it starts in")
            os.chdir(home)
        for expr, spec, line in values.get(cell.name, []) if result.error is None else []:
            shown = expr + (":" + spec if spec else "")
            try:
                result.values.append(inert_value(format_value(evaluate_value(expr, namespace), spec)))
            except Exception as err:  # noqa: BLE001 - reported, not swallowed
                result.error = f"cannot quote '{{{{ {shown} }}}}': {type(err).__name__}: {err}"
                result.error_line = line
                break
            if not cell.nonfinite and (bad := NONFINITE.search(ANSI.sub("", result.values[-1]))):
                result.error = (f"'{{{{ {shown} }}}}' is '{bad.group(0)}': a non-finite number would be published; "
                                "fix the run, or mark the cell 'nonfinite=ok' if the page quotes one on purpose")
                result.error_line = line
                break
        results.append(result)
        if echo:
            echo(result)
        if result.error:
            break
    return results, namespace


def run_cell(cell: Cell, namespace: dict, keep=()) -> CellResult:
    result = CellResult(cell.name)
    # Pad with newlines so tracebacks point at the real line of the module file.
    code = compile("\n" * (cell.line - 1) + cell.code + "\n", cell.path, "exec")
    out = io.StringIO()
    before = threads(), children()
    start = time.perf_counter()
    old = signal.signal(signal.SIGALRM, _on_alarm) if _main_thread() else None
    try:
        if old is not None:
            signal.setitimer(signal.ITIMER_REAL, cell.timeout)
        with contextlib.redirect_stdout(out):
            exec(code, namespace)
    except CellTimeout:
        result.error = f"cell '{cell.name}' ({cell.path}:{cell.line}) ran past its time limit of {cell.timeout:g} s"
    except (Exception, SystemExit) as err:  # noqa: BLE001 - the build reports it
        if isinstance(err, SystemExit) and cell.raises != "SystemExit":  # sys.exit(0) must not end a run as a success
            result.error = describe_exception(cell, err) + f" (the cell called sys.exit({err.code!r}))"
        elif cell.raises and cell.raises in [c.__name__ for c in type(err).__mro__]:
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
    if result.error is None and (left := leftovers(*before)):
        result.error = (f"cell '{cell.name}' ({cell.path}:{cell.line}) left {left} running; its output would leak "
                        "into later cells' (join threads and wait for processes before the cell ends)")
    result.peak_mb = peak_mb()
    result.output = out.getvalue()
    result.figures = collect_figures(keep)
    if result.error is None and not cell.nonfinite and (bad := NONFINITE.search(ANSI.sub("", result.output))):
        result.error = (
            f"cell '{cell.name}' ({cell.path}:{cell.line}) printed '{bad.group(0)}': a non-finite number would be "
            "published; fix the run, or mark the cell 'nonfinite=ok' if it shows one on purpose"
        )
    return result


def peak_mb() -> float:
    """This process's largest resident size so far, in MB (``ru_maxrss`` is in kilobytes on Linux, bytes on macOS)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


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


def collect_figures(keep=()) -> list[str]:
    """Save every open matplotlib figure (but those numbered in ``keep``) as byte-stable SVG, then close it."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    svgs = []
    for number in [n for n in plt.get_fignums() if n not in keep]:
        figure = plt.figure(number)
        buffer = io.StringIO()
        # Text stays text (not glyph outlines): half the bytes, and selectable by readers.
        with plt.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none"}):
            # Transparent: the page shows figures on its own background, light or dark (see book.css).
            figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", transparent=True)
        svgs.append(compact_svg(buffer.getvalue()))
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
    return run_in_scratch(cells, echo=echo)


def run_in_scratch(cells: list[Cell], namespace: dict | None = None, echo=None, keep=()):
    """Run ``cells`` in this process from a scratch folder, so that files the chapter writes land out of the way,
    as in the build. Returns ``(results, namespace)``; raises :class:`BookError` if a cell fails."""
    here = os.getcwd()
    fresh_torch_state()  # as a new Python would start: not what the chapter run before this one left
    with tempfile.TemporaryDirectory(prefix="book-run-") as scratch:
        os.chdir(scratch)
        try:
            results, namespace = run_cells(cells, echo=echo, namespace=namespace, keep=keep)
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
    if "env" in job:  # the controlled environment: these variables, no others
        os.environ.clear()
        os.environ.update(job["env"])
    global READS
    READS = Reads()
    sys.addaudithook(READS.hook)
    # Pages run side by side; one torch thread each keeps them from fighting over the cores.
    # The test suite rebuilds with BOOK_THREADS=2 and checks that no output changes.
    sys.modules["torch"].set_num_threads(int(os.environ.get("BOOK_THREADS", "1")))
    # The garbage collector need not keep scanning the objects of torch and matplotlib that the fork server
    # imported: a page that makes many small objects (the autograd engine chapter) runs twice as fast.
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="book-page-") as scratch:
        os.chdir(scratch)  # files a page writes land out of the way
        run_job(job)
    sys.stdout.flush(), sys.stderr.flush()
    os._exit(0)  # the result is written: a thread a cell left behind (reported) must not keep the process alive


def run_job(job: dict, namespace: dict | None = None) -> None:
    """Run a page's cells from ``job["start"]`` on and write their results to ``job["result"]``.

    A fresh process runs a job from the top; under ``mkdocs serve`` a checkpoint runs one from the
    middle, in its own namespace (see ``snippets/_book/checkpoints.py``).
    """
    from snippets._book.checkpoints import Checkpointer

    start = job.get("start", 0)
    cells = [Cell(**c) for c in job["cells"]][start:]
    checkpointer = Checkpointer(job["checkpoints"], job["owner"], run_job, start) if job.get("checkpoints") else None
    seeds = []  # the seed the page set in its first cell, which is the one the stamp names

    def note_seed(result):
        seeds.append(sys.modules["torch"].initial_seed())

    def before(index: int, namespace: dict) -> None:
        if job.get("progress"):  # the cell now running, for the parent: it names a cell that crashes or hangs in C
            Path(job["progress"]).write_text(str(index))
        if checkpointer:
            checkpointer(index, namespace)

    results, _ = run_cells(cells, job["values"], echo=note_seed, namespace=namespace, before=before, first=start)
    Path(job["result"]).write_text(json.dumps({
        "cells": [dataclasses.asdict(r) for r in results],
        "seed": seeds[0] if seeds else None,
        "checkpoints": [dataclasses.asdict(h) for h in checkpointer.handles] if checkpointer else [],
        "reads": READS.record() if READS else {},
    }))


READS: Reads | None = None  # set in a page's own process


def fresh_processes():
    """Processes that start like a new Python, minus the wait for ``import torch``.

    A fork server imports torch and matplotlib once; each page then runs in a new child forked
    from it, before any of torch's threads exist. Under ``mkdocs serve`` the server outlives
    rebuilds, so an edited page starts running at once.
    """
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["PYTHONHASHSEED"] = "0"  # set order in printed output stays put, whatever the shell had
    # torch._dynamo is what torch.optim imports on its first step: costly, and wanted by most pages.
    # snippets._book.warm draws one figure, so that each page's first figure does not pay for loading fonts.
    context.set_forkserver_preload(["torch", "torch._dynamo", "matplotlib.pyplot", "snippets._book.warm", "snippets._book.run"])
    return context


def run_fresh(page: Page, job: dict) -> dict:
    """Run ``job`` (a page, from the top) in a new process forked from the fork server.

    The process says which cell is running (a progress file), so a cell that kills the process is named, and
    one stuck in C code, where its time limit's alarm cannot reach, is stopped soon after that limit.
    """
    with tempfile.TemporaryDirectory(prefix="book-job-") as tmp:
        job_file, out, progress = Path(tmp, "job.json"), Path(tmp, "result.json"), Path(tmp, "cell")
        job_file.write_text(json.dumps(dict(job, progress=str(progress), env=controlled_env())))
        limit = sum(c.timeout for c in page.cells) + 30
        process = fresh_processes().Process(target=worker_main, args=(str(job_file), str(out)), daemon=True)
        started = time.monotonic()
        process.start()
        running, since = None, started  # the cell running, and since when
        while process.is_alive():
            process.join(0.2)
            now = time.monotonic()
            if (index := _read_index(progress)) != running:
                running, since = index, now
            cell = page.cells[running] if running is not None and running < len(page.cells) else None
            if cell and now - since > cell.timeout + HANG_GRACE:  # the cell's alarm went unheard: stuck in C code
                _stop(process)
                raise BookError(f"{page.src}:{page.lines.get(cell.name, 1)}: cell '{cell.name}' ({cell.path}:{cell.line}) "
                                f"ran past its time limit of {cell.timeout:g} s and did not stop (stuck in C code?); it was killed")
            if now - started > limit:
                _stop(process)
                raise BookError(f"{page.src}: its code ran past {limit:g} s and was stopped")
        if process.exitcode != 0 or not out.is_file():
            index = _read_index(progress)
            if index is not None and index < len(page.cells):
                cell = page.cells[index]
                raise BookError(f"{page.src}:{page.lines.get(cell.name, 1)}: cell '{cell.name}' ({cell.path}:{cell.line}) "
                                f"ended the process running it (exit code {process.exitcode})")
            raise BookError(f"{page.src}: the process running its code died (exit code {process.exitcode})")
        return json.loads(out.read_text())


HANG_GRACE = 5.0  # seconds past a cell's time limit before its process is killed: the alarm gets the first chance


def _read_index(progress: Path) -> int | None:
    try:
        return int(progress.read_text())
    except (OSError, ValueError):  # not started yet, or caught mid-write
        return None


def _stop(process) -> None:
    process.kill()
    process.join()
