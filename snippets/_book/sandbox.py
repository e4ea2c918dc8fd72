"""What a page's process may see and must leave behind: the controlled environment it runs in, the record
of what it read that the cache key cannot see (files, imported modules), and the check that a cell leaves no
thread or process running; and torch's process-wide settings put back between chapters run in one process.

The cache (``cache.py``) keys on :func:`controlled_env` and checks :class:`Reads`' record on every hit; the
runner (``run.py``) applies the environment in a page's process and calls :func:`leftovers` after each cell.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


# The environment a page's process runs in: these variables and no others (a cell reading any other one sees it
# unset, whatever the shell that started the build had). Their values are part of the cache key (BOOK_THREADS
# aside: the test suite checks that it changes no output).
ENV_KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "MPLBACKEND", "PYTHONHASHSEED")
ENV_UNKEYED = ("BOOK_THREADS",)


def controlled_env(environ=None) -> dict:
    """The variables a page's process keeps (:data:`ENV_KEPT`, :data:`ENV_UNKEYED`), from ``environ``."""
    environ = os.environ if environ is None else environ
    kept = {k: environ[k] for k in ENV_KEPT + ENV_UNKEYED if k in environ}
    # The hash seed is the fork server's (fixed at 0, see fresh_processes); the backend is drawing to files.
    return dict(kept, PYTHONHASHSEED="0", MPLBACKEND=kept.get("MPLBACKEND", "Agg"))


def _python_folders() -> tuple[str, ...]:
    """Folders whose files a run reads without depending on them beyond the versions keyed: the standard
    library, site-packages, the engine (its files are in the key), and the kernel's."""
    import sysconfig

    paths = sysconfig.get_paths()
    return tuple({os.path.realpath(paths[k]) + os.sep for k in ("stdlib", "platstdlib", "purelib", "platlib")}
                 | {os.path.realpath(sys.prefix) + os.sep, str(Path(__file__).resolve().parent) + os.sep,
                    "/proc/", "/sys/", "/dev/"})


SKIP = _python_folders()  # once, in the fork server: sysconfig is slow to ask


class Reads:
    """What a page's process read that the cache key cannot see: files outside Python's own folders (an audit
    hook on ``open``), and the distributions of the modules it imported. Recorded in the cache entry and
    checked on every hit (see ``cache.py``)."""

    def __init__(self):
        self.skip = SKIP
        self.began = time.time_ns()
        self.read: set[str] = set()
        self.written: set[str] = set()

    def hook(self, event, args):
        """The audit hook: called for every audited event of the process, so it returns early (imports open
        files in site-packages by absolute path, and are skipped before any other work)."""
        if event != "open":
            return
        path, mode, flags = args
        if type(path) is not str:
            if not isinstance(path, (bytes, os.PathLike)):
                return  # a file descriptor
            path = os.fsdecode(path)
        if path.startswith(self.skip):
            return
        path = os.path.abspath(path)
        if mode is not None and "w" not in mode and "a" not in mode and "x" not in mode and "+" not in mode:
            writes = False
        else:
            writes = mode is not None or bool(flags & (os.O_WRONLY | os.O_RDWR))
        if writes:
            self.written.add(path)
        elif path not in self.written and not path.startswith(self.skip) and not self._made_since(path):
            self.read.add(path)

    def _made_since(self, path: str) -> bool:
        """True for a file written since this process began: the page made it (say through torch.save's C++
        writer, which no audit event reports), so it is no input of the run."""
        try:
            return os.stat(path).st_mtime_ns >= self.began
        except OSError:
            return False

    def record(self) -> dict:
        """``{"files": {path: sha256 or None}, "modules": [top-level names]}`` for the run so far."""
        self.read -= self.written
        return {"files": {p: file_hash(p) for p in sorted(self.read)}, "modules": imported_modules()}


def file_hash(path: str) -> str | None:
    import hashlib

    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:  # gone, or a directory: recorded as such
        return None


def imported_modules() -> list[str]:
    """The top-level modules this process has imported, but the standard library's (the cache maps them to
    their distributions: that takes a second, too long for every page's process)."""
    tops = {name.partition(".")[0] for name in list(sys.modules)}
    return sorted(tops - set(sys.stdlib_module_names) - set(sys.builtin_module_names))


def threads() -> set:
    import threading

    return set(threading.enumerate())


def children() -> set[int]:
    """This process's child processes (from /proc; an empty set where there is none)."""
    found = set()
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as handle:
                found.update(int(pid) for pid in handle.read().split())
    except OSError:
        pass
    return found


def leftovers(started: set, spawned: set[int]) -> str:
    """What a cell started and left running: ``"a thread 'Thread-1'"``, ``"a child process 123"``, or ''."""
    deadline = time.monotonic() + 0.5  # a thread or process that is just finishing gets a moment
    while True:
        new = [t for t in threads() - started if t.is_alive()]
        procs = sorted(p for p in children() - spawned if not _reaped(p))
        if not (new or procs) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    for pid in procs:  # stopped, so that nothing holds the build's output open after it ends
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    parts = [f"a thread '{t.name}'" for t in new] + [f"a child process {p}" for p in procs]
    return ", ".join(parts)


def _reaped(pid: int) -> bool:
    """True if ``pid`` has ended (a zombie counts as ended; it is not reaped here, its parent may want it)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def fresh_torch_state() -> None:
    """Put back torch's process-wide settings a chapter may change, as a new Python has them, so that chapters
    run one after another in one process (the tests, ``python -m snippets run``) do not leak into each other.
    (A page's own process is new anyway.)"""
    torch = sys.modules.get("torch")
    if torch is None:
        return
    torch.set_default_dtype(torch.float32)
    torch.set_grad_enabled(True)
    torch.use_deterministic_algorithms(False)
    torch.set_printoptions(profile="default")
    torch.set_anomaly_enabled(False)
