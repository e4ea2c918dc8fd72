"""Build-speed benchmark: `make bench`. Prints a table of medians and the ratios against their targets.

Measured on this machine, every number from this run:
  cold       a build with the cache ignored (BOOK_RERUN=1): every page runs
  warm       a build with nothing changed: every page comes from the cache
  no-exec    a build that runs no code at all (BOOK_EXECUTE=0)
  one-edit   a build after one cell of one chapter changed: only that page may run again
  pages      each chapter run alone in a fresh Python (python -m snippets run NAME), summed
  floor      no-exec + pages: what running the code and building the site cost separately
  serve      under `make serve` (mkdocs serve --dirty), seconds from saving an edit to the page showing it,
             for three kinds of edit per chapter: the last cell (the page resumes from a checkpoint),
             the first cell (the whole page runs again) and the prose (nothing runs); and the session's
             first edit on its own
  make test  wall time of the whole test suite (with --with-tests)

Targets: cold / floor <= 1.2, warm / no-exec <= 1.1, serve <= 3 s for every chapter but digits.
`--serve-only [CHAPTER ...]` measures just the serve latencies.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1")


def timed(command: list[str], **env) -> float:
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=dict(ENV, **env), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{proc.stderr[-3000:]}")
    return time.perf_counter() - start


def build(site: Path, **env) -> float:
    return timed([PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], **env)


def median_of(runs: int, measure) -> float:
    return statistics.median(measure() for _ in range(runs))


def chapters() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from snippets.__main__ import chapters as ordered

    return ordered()


@contextmanager
def edited(path: Path, text: str, replace: bool = False):
    """Append ``text`` to a file (or replace its content) for the duration of the block, then put it back byte for byte."""
    original = path.read_bytes()
    try:
        path.write_text(text if replace else original.decode() + text)
        yield
    finally:
        path.write_bytes(original)


def rerun_pages(site: Path) -> set[str]:
    """Pages the build report says ran (cache misses) in the last build."""
    report = (site / "build-report" / "index.html").read_text()
    row = r'<a href="\.\./([\w/]+)/">[^<]*</a></td>\s*<td[^>]*>\d+</td>\s*<td[^>]*>[\d.]+</td>\s*<td[^>]*>miss'
    return set(re.findall(row, report))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETTLE = 3.0  # seconds between one edit's revert and the next edit

SERVE_EDITS = {
    # what is edited, and how: each edit makes the page print a new marker line
    "last cell": lambda name, marker: edit_module(name, lambda text: text + f'\nprint("{marker}")\n'),
    "first cell": lambda name, marker: edit_module(name, lambda text: re.sub(
        r"^(# %%.*\n)", lambda m: m.group(1) + f'print("{marker}")\n', text, count=1, flags=re.M)),
    "prose": lambda name, marker: edited(ROOT / "docs" / f"{name}.md", f"\n{marker}\n"),
}


def served(names: list[str]) -> list[str]:
    """The chapters the serve target covers: all but digits, the long training run the issue exempts."""
    return [n for n in names if n != "digits"]


def edit_module(name: str, change):
    path = ROOT / "snippets" / f"{name}.py"
    return edited(path, change(path.read_text()), replace=True)


def serve_latency(names: list[str], runs: int, timeout: float = 120.0) -> tuple[dict[tuple[str, str], float], float]:
    """Start `make serve`'s server; for each chapter and kind of edit, save it and time until the page shows it.

    Timing starts when the edited file is saved and stops when the served page contains the new output.
    Measuring starts after the server has finished its background warm-up (it logs "checkpoints ready").
    Returns the medians, and the time of the session's first edit on its own (a median would hide a slow one).
    """
    port = free_port()
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
        server = subprocess.Popen([PYTHON, "-m", "mkdocs", "serve", "--dirty", "--dev-addr", f"127.0.0.1:{port}"],
                                  cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT)
        latency, first = {}, None
        try:
            ready = lambda: all(line in Path(log.name).read_text() for line in ("checkpoints ready", "Serving on"))  # noqa: E731
            wait_until(ready, timeout=600, what="the warm-up")
            url = f"http://127.0.0.1:{port}"
            for name in names:
                for kind, edit in SERVE_EDITS.items():
                    times = []
                    for _ in range(runs):
                        marker = f"bench-{uuid.uuid4().hex[:8]}"
                        with edit(name, marker):
                            start = time.perf_counter()
                            wait_until(lambda: marker in page_text(f"{url}/{name}/"), timeout, f"{name} with the edit")
                            times.append(time.perf_counter() - start)
                            first = times[0] if first is None else first
                        wait_until(lambda: marker not in page_text(f"{url}/{name}/"), timeout, f"{name} without it")
                        time.sleep(SETTLE)  # let follow-up rebuilds (the lab) finish, as they would while one reads
                    latency[name, kind] = statistics.median(times)
        finally:
            server.terminate()
            server.wait(30)
    return latency, first


def wait_until(ready, timeout: float, what: str) -> None:
    """Poll ``ready()`` until it is true; a connection error (the server is rebuilding) counts as not yet."""
    deadline = time.perf_counter() + timeout
    while True:
        try:
            if ready():
                return
        except OSError:
            pass
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} was not ready after {timeout:g} s")
        time.sleep(0.05)


def page_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def print_serve(latency: dict, first: float | None) -> None:
    if not latency:
        return
    kinds = list(SERVE_EDITS)
    print("\nUnder `mkdocs serve --dirty` (make serve): seconds from saving an edit to the page showing it\n")
    print("| chapter | " + " | ".join(kinds) + " |\n|---|" + "---:|" * len(kinds))
    for name in dict.fromkeys(n for n, _ in latency):
        print(f"| {name} | " + " | ".join(f"{latency[name, k]:.2f}" for k in kinds) + " |")
    print(f"\nThe session's first edit ({next(iter(latency))[0]}, {kinds[0]}): {first:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each build measurement (median reported)")
    parser.add_argument("--with-tests", action="store_true", help="also time `make test` once")
    parser.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve measurement")
    parser.add_argument("--serve-runs", type=int, default=3, help="edits of each kind per chapter under serve (median)")
    parser.add_argument("--serve-only", nargs="*", metavar="CHAPTER", help="only the serve measurement (of these chapters)")
    args = parser.parse_args()
    if args.serve_only is not None:
        print_serve(*serve_latency(args.serve_only or served(chapters()), args.serve_runs))
        return

    names = chapters()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build(site)  # make sure the cache is complete before measuring warm builds
        rows = {
            "cold": median_of(args.runs, lambda: build(site, BOOK_RERUN="1")),
            "warm": median_of(args.runs, lambda: build(site)),
            "no-exec": median_of(args.runs, lambda: build(site, BOOK_EXECUTE="0")),
        }
        edits, reran = [], set()
        for k in range(args.runs):
            with edited(ROOT / "snippets" / "tensors.py", f"\n# benchmark edit {k} {uuid.uuid4().hex}\n"):
                edits.append(build(site))
                reran = rerun_pages(site)
        rows["one-edit"] = statistics.median(edits)
        build(site)  # back to the committed state in the cache
        page_times = {n: median_of(args.runs, lambda n=n: timed([PYTHON, "-m", "snippets", "run", n])) for n in names}
        rows["pages"] = sum(page_times.values())
        rows["floor"] = rows["no-exec"] + rows["pages"]
    latency, first = ({}, None) if args.no_serve else serve_latency(served(names), args.serve_runs)
    if args.with_tests:
        rows["make test"] = timed(["make", "test"])

    print(f"\nBuild benchmark: medians of {args.runs} runs on {os.cpu_count()} CPUs\n")
    print(f"| {'measurement':<28} | {'seconds':>8} |\n|{'-' * 30}|{'-' * 10}:|")
    for key, seconds in rows.items():
        print(f"| {key:<28} | {seconds:8.2f} |")
    for name, seconds in page_times.items():
        print(f"| {'  page alone: ' + name:<28} | {seconds:8.2f} |")
    print_serve(latency, first)
    checks = [
        ("cold / floor", rows["cold"] / rows["floor"], 1.2),
        ("warm / no-exec", rows["warm"] / rows["no-exec"], 1.1),
    ] + [(f"slowest serve edit, {k} (s)", max(v for (n, kk), v in latency.items() if kk == k), 3.0)
         for k in (SERVE_EDITS if latency else [])] + ([("serve, first edit of session (s)", first, 3.0)] if latency else [])
    print(f"\n| {'ratio':<34} | {'value':>6} | {'target':>6} | met |\n|{'-' * 36}|{'-' * 8}:|{'-' * 8}:|-----|")
    for label, value, target in checks:
        print(f"| {label:<34} | {value:6.2f} | {target:6.2f} | {'yes' if value <= target else 'NO':<3} |")
    print(f"\none-edit rebuild re-ran: {', '.join(sorted(reran)) or 'nothing'} (expected: tensors only)")


if __name__ == "__main__":
    main()
