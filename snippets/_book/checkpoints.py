"""Cell checkpoints for ``mkdocs serve``: after an edit, run a page again from the edited cell, not from the top.

While the site is served, the process running a page forks a frozen copy of itself before each
costly stretch of cells.  That copy, a *checkpoint*, holds everything the page had built up to
that point: the namespace, torch's and Python's random state, and the files the page had written.
When a cell is edited, the engine asks the last checkpoint before it to fork once more and run
the rest of the page from there.  The forked process *is* the earlier run's state, so it prints
what a run from the top would print.

Only ``mkdocs serve`` uses checkpoints.  ``mkdocs build`` and CI always run each page from the
top in a fresh process, and a test checks that resuming from any checkpoint gives the outputs of
a run from the top.

Runner side: :class:`Checkpointer` (called by the engine before each cell).
Engine side: :class:`Sessions` (what each page last ran, and its live checkpoints).
"""

from __future__ import annotations

import dataclasses
import os
import random
import shutil
import signal
import socket
import tempfile
import threading
import time
from multiprocessing.connection import Client, Connection
from pathlib import Path

MIN_GAP = 0.2  # seconds of cell time between checkpoints: a cheaper stretch is simply run again
POLL = 1.0  # how often an idle checkpoint checks that the process that owns it is still alive


@dataclasses.dataclass
class Handle:
    """A live checkpoint: the state of a page's process just before cell ``index`` ran."""

    index: int
    address: str  # its Unix socket
    pid: int


# ----------------------------------------------------------------------- runner side


class Checkpointer:
    """Called before each cell of a run; forks a checkpoint when enough cell time has passed since the last.

    ``rerun(job, namespace)`` is what a checkpoint calls, in a fresh fork of itself, to run the rest of a page.
    """

    def __init__(self, directory: str, owner: int, rerun, start: int = 0):
        self.directory, self.owner, self.rerun = Path(directory), owner, rerun
        self.start = start  # the first cell of this run: resuming there is what the caller already did
        self.scratch = os.getcwd()  # the page's own folder: the one a checkpoint copies, wherever a cell went
        self.handles: list[Handle] = []
        self.last = time.perf_counter()

    def __call__(self, index: int, namespace: dict) -> None:
        if index == self.start or time.perf_counter() - self.last < MIN_GAP:
            return
        if not single_threaded():
            return  # fork copies only the calling thread; a process with others could deadlock in the copy
        try:
            self.handles.append(self.fork(index, namespace))
        except OSError:
            pass  # no checkpoint here (say the server is shutting down); the page itself runs on regardless
        self.last = time.perf_counter()

    def fork(self, index: int, namespace: dict) -> Handle:
        home = self.directory / f"{os.getpid()}-{index}"
        if os.getcwd() != self.scratch:  # a cell moved elsewhere (the run reports it): copy nothing else
            raise OSError(f"the working directory moved to {os.getcwd()}")
        shutil.copytree(self.scratch, home / "files")  # the files the page has written so far, as they are now
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(home / "socket"))  # bound before the fork: the engine can connect at once
        listener.listen()
        state = random.getstate()  # kept for the runs this checkpoint forks (see serve)
        pid = os.fork()
        if pid == 0:
            try:
                serve(listener, home, namespace, self.owner, self.rerun, state)
            finally:
                os._exit(0)
        listener.close()
        return Handle(index, str(home / "socket"), pid)


def single_threaded() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # no /proc (macOS): no way to count the threads torch may have started, so no checkpoints
        return False


def serve(listener: socket.socket, home: Path, namespace: dict, owner: int, rerun, state) -> None:
    """A checkpoint's life: wait for a job, fork, let the fork run it; until told to close or the owner is gone."""
    listener.settimeout(POLL)
    try:
        while True:
            try:
                sock, _ = listener.accept()
            except socket.timeout:
                if not alive(owner):
                    return
                continue
            sock.settimeout(None)
            with Connection(sock.detach()) as conn:
                job = conn.recv()
                if job == "close":
                    return
                child = os.fork()
                if child == 0:
                    listener.close()
                    conn.close()
                    random.setstate(state)  # the random module reseeds itself in every forked child: undo that
                    os._exit(run_forked(job, home, namespace, rerun))
                conn.send(child)  # so the engine can stop it if it runs past its time limit
                _, status = os.waitpid(child, 0)
                conn.send(os.waitstatus_to_exitcode(status))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run_forked(job: dict, home: Path, namespace: dict, rerun) -> int:
    """Run the rest of a page in a scratch folder holding the files the checkpoint saw."""
    scratch = tempfile.mkdtemp(prefix="book-page-")
    try:
        shutil.copytree(home / "files", scratch, dirs_exist_ok=True)
        os.chdir(scratch)
        rerun(job, namespace)
        return 0
    except BaseException:  # noqa: BLE001 - the engine sees the exit code and reports the page
        import traceback

        traceback.print_exc()
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


# ----------------------------------------------------------------------- engine side


@dataclasses.dataclass
class History:
    """What a page last ran under ``mkdocs serve``: each cell's fingerprint and result, and its checkpoints."""

    fingerprints: list[str]
    results: list  # the engine's CellResult objects, one per fingerprint
    seed: int | None
    handles: list[Handle]


class Sessions:
    """Engine side, kept for the life of ``mkdocs serve``: every page's last run and its live checkpoints.

    A page keeps a second history too: the run before its last one, when the last one had to start
    from the top. So after an edit to a page's first cell is undone, the page still resumes from its
    old checkpoints. The two histories never share a checkpoint.
    """

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="book-checkpoints-")
        self.histories: dict[str, History] = {}
        self.previous: dict[str, History] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, page: str) -> threading.Lock:
        """One run of a page at a time (a rebuild and the background warm-up may both want it)."""
        with self._guard:
            return self._locks.setdefault(page, threading.Lock())

    def plan(self, page: str, fingerprints: list[str]) -> tuple[int, Handle | None, list, int | None]:
        """Where to start: ``(first cell to run, checkpoint to run it from, results of the cells before, seed)``.

        The latest checkpoint, in either history, before which no cell has changed."""
        best = (0, None, [], None)
        for history in (self.histories.get(page), self.previous.get(page)):
            same = 0
            while history and same < min(len(fingerprints), len(history.fingerprints)) and fingerprints[same] == history.fingerprints[same]:
                same += 1
            for handle in history.handles if history else []:
                if best[0] < handle.index <= same:
                    best = (handle.index, handle, history.results[: handle.index], history.seed)
        return best

    def record(self, page: str, start: int, fingerprints: list[str], results: list, seed, handles: list[Handle],
               resumed: Handle | None = None) -> None:
        """Keep a run that started at cell ``start``, from checkpoint ``resumed`` or (``None``) from the top.

        The history it resumed keeps its checkpoints up to ``start``; the later ones are stale and close."""
        last, before = self.histories.get(page), self.previous.pop(page, None)
        if resumed is None:  # from the top: the last run becomes the previous one, and the one before it goes
            base, previous, gone = None, last, before
        elif before is not None and resumed in before.handles:  # back on the previous run: an edit undone
            base, previous, gone = before, last, None
        else:
            base, previous, gone = last, before, None
        kept = [h for h in base.handles if h.index <= start] if base else []
        for handle in (gone.handles if gone else []) + [h for h in (base.handles if base else []) if h not in kept]:
            close(handle)
        if previous is not None:
            self.previous[page] = previous
        ran = [r for r in results if not r.error]  # a failed cell is not part of a state worth resuming
        self.histories[page] = History(fingerprints[: len(ran)], ran, seed, kept + handles)

    def forget(self, page: str) -> None:
        for history in (self.histories.pop(page, None), self.previous.pop(page, None)):
            for handle in history.handles if history else []:
                close(handle)

    def close(self) -> None:
        for page in list(self.histories):
            self.forget(page)
        shutil.rmtree(self.directory, ignore_errors=True)


def resume(handle: Handle, job: dict, limit: float) -> int:
    """Ask a checkpoint to run ``job``; returns the exit code of the process that ran it.

    Raises ``OSError`` when the checkpoint is gone, and ``TimeoutError`` (after stopping the run) past ``limit``.
    """
    with Client(handle.address, family="AF_UNIX") as conn:
        conn.send(job)
        child = conn.recv()
        if not conn.poll(limit):
            os.kill(child, signal.SIGKILL)
            conn.recv()
            raise TimeoutError(f"ran past {limit:g} s and was stopped")
        return conn.recv()


def close(handle: Handle) -> None:
    try:
        with Client(handle.address, family="AF_UNIX") as conn:
            conn.send("close")
    except OSError:
        pass  # already gone
