"""``mkdocs serve``: checkpoints let an edit re-run its page from the edited cell, and what that
prints is exactly what a run from the top prints; ``--dirty`` rewrites just the pages that changed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from concurrent.futures import Future

import jinja2

from snippets._book.cache import PageRun, execute_page, run_pages
from snippets._book.cells import BookError, parse_page
from snippets._book.checkpoints import Sessions, resume
from snippets._book.mkdocs_plugin import TemplateCache
from snippets._book.run import CellResult
from snippets._book.serve import KeptCompanions, api_fingerprint
from test_engine import make_book

ROOT = Path(__file__).resolve().parents[1]

# Each costly cell sleeps past the checkpoint gap, so the run keeps checkpoints before `middle` and `last`.
# Every kind of state a later cell can depend on is here: torch's and Python's random numbers, and a file.
MODULE = '''\
"""Demo."""

# %% seed
import random
import time
from pathlib import Path

import torch

torch.manual_seed(0)
random.seed(0)
print(torch.rand(2), random.random())

# %% write
time.sleep(0.3)
Path("notes.txt").write_text(f"{torch.rand(1).item():.6f}")
print(random.random())

# %% middle
time.sleep(0.3)
print(torch.rand(2), random.random(), Path("notes.txt").read_text())

# %% last
print(torch.rand(2), random.random(), sorted(p.name for p in Path(".").iterdir()))
'''
LAST = "print(torch.rand(2), random.random(), sorted"  # the start of the last cell
PAGE = "{{ cell seed }}\n{{ cell write }}\n{{ cell middle }}\n{{ cell last }}\n"


def page_of(tmp_path: Path, module: str):
    (tmp_path / "demo.py").write_text(module)
    return parse_page("docs/demo.md", PAGE, "demo", tmp_path)


def outputs(run) -> list[str]:
    return [r.output for r in run.results]


@pytest.fixture
def sessions():
    sessions = Sessions()
    yield sessions
    sessions.close()


def test_an_edit_resumes_at_the_checkpoint_before_it_and_prints_what_a_fresh_run_prints(tmp_path, sessions):
    first = execute_page(page_of(tmp_path, MODULE), None, True, sessions)
    assert first.resumed is None
    assert [h.index for h in sessions.histories["docs/demo.md"].handles] == [2, 3]

    for cell, edit in [("last", ("print(torch.rand(2), random.random(), sorted", "print('edited', torch.rand(2), random.random(), sorted")),
                       ("middle", ("time.sleep(0.3)\nprint(", "time.sleep(0.3)\nprint('edited',"))]:
        module = MODULE.replace(*edit)
        assert module != MODULE
        resumed = execute_page(page_of(tmp_path, module), None, True, sessions)
        fresh = execute_page(page_of(tmp_path, module), None, True)
        assert resumed.resumed == cell
        assert outputs(resumed) == outputs(fresh)  # same random numbers, same file, same listing
        assert "edited" in resumed.results[-1 if cell == "last" else 2].output

    # An edit to the first cell leaves nothing to resume from.
    top = execute_page(page_of(tmp_path, MODULE.replace("random.seed(0)", "random.seed(1)")), None, True, sessions)
    assert top.resumed is None


def test_resuming_does_not_depend_on_what_the_resumed_cells_printed_before(tmp_path, sessions):
    # The checkpoint keeps the state *before* the cell: two different edits of `last`, one after the other,
    # both start from it, and neither sees the random numbers the other one drew.
    execute_page(page_of(tmp_path, MODULE), None, True, sessions)
    one = execute_page(page_of(tmp_path, MODULE.replace(LAST, "print(1, " + LAST[6:])), None, True, sessions)
    two = execute_page(page_of(tmp_path, MODULE.replace(LAST, "print(2, " + LAST[6:])), None, True, sessions)
    assert one.results[-1].output[2:] == two.results[-1].output[2:]


def closed(handle, wait: float = 10) -> bool:
    """Whether the checkpoint has cleaned up and left (waiting up to ``wait`` seconds for it)."""
    deadline = time.monotonic() + wait
    while Path(handle.address).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not Path(handle.address).exists()


def test_stale_checkpoints_are_closed(tmp_path, sessions):
    execute_page(page_of(tmp_path, MODULE), None, True, sessions)
    before_last = next(h for h in sessions.histories["docs/demo.md"].handles if h.index == 3)
    execute_page(page_of(tmp_path, MODULE.replace("time.sleep(0.3)\nprint(", "time.sleep(0.3)\nprint(0, ")), None, True, sessions)
    assert before_last not in sessions.histories["docs/demo.md"].handles
    assert closed(before_last)


def seeded(seed: int, module: str = MODULE) -> str:
    return module.replace("random.seed(0)", f"random.seed({seed})")  # an edit to the first cell


def test_an_undone_edit_to_the_first_cell_resumes_from_the_old_checkpoints_and_two_runs_are_kept(tmp_path, sessions):
    execute_page(page_of(tmp_path, MODULE), None, True, sessions)
    assert execute_page(page_of(tmp_path, seeded(1)), None, True, sessions).resumed is None

    undone = MODULE.replace(LAST, "print('undone', " + LAST[6:])  # seed 0 again, and now the last cell edited
    resumed = execute_page(page_of(tmp_path, undone), None, True, sessions)
    assert resumed.resumed == "last"
    assert outputs(resumed) == outputs(execute_page(page_of(tmp_path, undone), None, True))

    # Runs from the top keep the run before them, and close the one before that.
    kept = list(sessions.histories["docs/demo.md"].handles)
    execute_page(page_of(tmp_path, seeded(2)), None, True, sessions)
    previous = list(sessions.histories["docs/demo.md"].handles)
    execute_page(page_of(tmp_path, seeded(3)), None, True, sessions)
    assert sessions.previous["docs/demo.md"].handles == previous
    assert all(closed(h) for h in kept) and not any(closed(h, wait=0) for h in previous)


def test_a_failing_edit_is_reported_with_page_and_file_lines_and_the_fix_resumes(tmp_path, sessions):
    execute_page(page_of(tmp_path, MODULE), None, True, sessions)
    broken = MODULE.replace("# %% last\n", "# %% last\n[][1]\n")
    with pytest.raises(BookError) as err:
        execute_page(page_of(tmp_path, broken), None, True, sessions)
    assert "docs/demo.md:4: cell 'last' failed at" in str(err.value) and "demo.py:24: IndexError" in str(err.value)
    fixed = execute_page(page_of(tmp_path, MODULE.replace(LAST, "print(3, " + LAST[6:])), None, True, sessions)
    assert fixed.resumed == "last"


def test_a_lost_checkpoint_means_a_run_from_the_top(tmp_path, sessions):
    fresh = execute_page(page_of(tmp_path, MODULE), None, True, sessions)
    for handle in sessions.histories["docs/demo.md"].handles:
        os.kill(handle.pid, signal.SIGKILL)
    for handle in sessions.histories["docs/demo.md"].handles:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until nothing listens on its socket any more
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(handle.address)
                time.sleep(0.05)
            except OSError:
                break
    again = execute_page(page_of(tmp_path, MODULE.replace("# %% last\n", "# %% last\nx = 1\n")), None, True, sessions)
    assert again.resumed is None and outputs(again) == outputs(fresh)


@pytest.mark.parametrize("chapter", ["autograd_engine", "perceptrons"])  # one uses Python's random module
def test_resuming_a_real_chapter_from_its_first_checkpoint_reproduces_it(chapter, sessions, tmp_path):
    from mkdocs.utils.meta import get_data  # the front matter reader MkDocs uses

    source = (ROOT / "docs" / f"{chapter}.md").read_text()
    markdown, meta = get_data(source)
    page = parse_page(f"docs/{chapter}.md", markdown, meta["snippets"])
    run = execute_page(page, None, True, sessions)
    handle = min(sessions.histories[page.src].handles, key=lambda h: h.index)
    job = dict(page.job(), start=handle.index, checkpoints=None, result=str(tmp_path / "result.json"))
    assert resume(handle, job, 300) == 0
    again = json.loads((tmp_path / "result.json").read_text())["cells"]
    for before, after, cell in zip(run.results[handle.index:], again, page.cells[handle.index:]):
        if not cell.varies:
            assert (after["output"], after["figures"], after["values"]) == (before.output, before.figures, before.values), cell.name


def test_the_api_fingerprint_follows_docstrings_and_signatures_not_bodies(tmp_path):
    def fingerprint(source):
        (tmp_path / "demo.py").write_text(textwrap.dedent(source))
        return api_fingerprint(tmp_path)

    base = fingerprint('def f(x):\n    """Double."""\n    return 2 * x\n')
    assert fingerprint('def f(x):\n    """Double."""\n    return x + x\n') == base
    assert fingerprint('def f(x):\n    """Twice x."""\n    return 2 * x\n') != base
    assert fingerprint('def f(x, y=1):\n    """Double."""\n    return 2 * x\n') != base


def test_a_run_begun_when_the_file_was_saved_is_taken_and_one_for_another_version_is_not(tmp_path):
    page = page_of(tmp_path, MODULE)
    begun = Future()
    begun.set_result(PageRun([], 7, False, 0.5))
    assert run_pages({"demo.md": page}, None, True, 1, started={page.cache_key(): begun})["demo.md"] is begun.result()
    older = run_pages({"demo.md": page}, None, True, 1, started={"a key of an earlier save": begun})["demo.md"]
    assert older is not begun.result() and outputs(older)[-1].startswith("tensor(")  # it ran


def test_kept_companions_are_made_again_whenever_anything_they_are_made_from_changes(monkeypatch):
    from snippets._book import serve
    from snippets._book.book import chapter_page, read_page
    from snippets._book.companions import companion_files

    markdown, page = read_page(chapter_page("perceptrons"))  # a chapter with exercises: it has a lab
    results = [CellResult(c.name, output=f"{c.name} printed this\n") for c in page.cells]
    made = []
    monkeypatch.setattr(serve, "companion_files", lambda *args: made.append(args) or companion_files(*args))
    kept = KeptCompanions()
    first = kept(page, markdown, results, None)
    assert first[2] is not None and kept(page, markdown, results, None) is first and len(made) == 1
    edited_cell = dataclasses.replace(page.cells[-1], code=page.cells[-1].code + "\nprint('one more line')")
    changes = {
        "a cell's code": (dataclasses.replace(page, cells=page.cells[:-1] + [edited_cell]), markdown, results, None),
        "the title": (dataclasses.replace(page, title="Another title"), markdown, results, None),
        "the prose": (page, markdown.replace("## Exercises", "Another sentence.\n\n## Exercises"), results, None),
        "an output": (page, markdown, results[:-1] + [dataclasses.replace(results[-1], output="another output\n")], None),
        "the site's address": (page, markdown, results, "http://127.0.0.1:8000/"),
    }
    for what, args in changes.items():
        assert kept(page, markdown, results, None) == first  # kept as the original, then changed in one thing
        assert kept(*args) == companion_files(*args) != first, what


def test_compiled_templates_are_reused_across_rebuilds_until_their_source_changes():
    cache = TemplateCache()

    def render(source: str, compile_allowed: bool = True) -> str:
        env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": source}), bytecode_cache=cache)
        if not compile_allowed:
            env.compile = lambda *a, **k: pytest.fail("compiled again")
        return env.get_template("page.html").render(x=1)

    assert render("x = {{ x }}") == "x = 1"
    assert render("x = {{ x }}", compile_allowed=False) == "x = 1"  # a new environment, as each rebuild makes
    assert render("x + 1 = {{ x + 1 }}") == "x + 1 = 2"  # an edited override is compiled afresh


# ------------------------------------------------------------------ a real `mkdocs serve --dirty`


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def wait_for(ready, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError("not ready in time")


def test_serve_dirty_rewrites_a_page_whose_code_changed_resuming_from_its_checkpoint_then_its_lab(tmp_path):
    page = PAGE.replace("{{ cell last }}", '## Exercises\n\n**1. The last cell.** Run it.\n\n??? success "Solution"\n    {{ cell last }}')
    book = make_book(tmp_path, MODULE, page, options="companions: true", config="watch: [snippets]\n")
    module = book / "snippets" / "demo.py"
    kept = book / ".cache" / "generated" / "labs" / "demo.ipynb"  # as an earlier session left it
    kept.parent.mkdir(parents=True)
    kept.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["A lab from an earlier session"]}],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 4}))
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dirty", "--dev-addr", f"127.0.0.1:{port}"],
                                  cwd=tmp_path, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"), stdout=out, stderr=subprocess.STDOUT)
    try:
        # "Serving on" comes after the file watcher took its first look: an edit before it would go unseen.
        wait_for(lambda: "checkpoints ready" in log.read_text() and "Serving on" in log.read_text(), timeout=120)
        url = f"http://127.0.0.1:{port}"
        lab = fetch(f"{url}/labs/demo.ipynb")  # the first build shows this session's lab, not the one left on disk
        assert "The last cell" in lab and "earlier session" not in lab
        module.write_text(MODULE + 'print("after the edit")\n')
        wait_for(lambda: "after the edit" in fetch(f"{url}/"))
        report = fetch(f"{url}/build-report/")
        assert "resumed at <code>last</code>" in report, report
        assert "docs/index.md began running when it was saved" in log.read_text()  # not when MkDocs got to it
        # The lab notebook is written after that build, and the next rebuild publishes it.
        wait_for(lambda: "after the edit" in fetch(f"{url}/labs/demo.ipynb"))
        assert "Aborted" not in log.read_text() and "'dirty' build" not in log.read_text()
    except TimeoutError:
        pytest.fail("mkdocs serve did not show the edit; its log:\n" + log.read_text()[-5000:])
    finally:
        server.terminate()
        server.wait(30)


def test_serve_polls_every_tenth_of_a_second_through_public_apis_only(tmp_path):
    from types import SimpleNamespace

    from mkdocs.livereload import LiveReloadServer

    from snippets._book.mkdocs_plugin import BookPlugin

    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path / "site"))
    server.watch(str(tmp_path / "docs"))  # what `mkdocs serve` watches before the plugins' on_serve
    server.watch(str(tmp_path / "mkdocs.yml"))
    plugin = BookPlugin()
    plugin.load_config({"companions": False})
    config = SimpleNamespace(docs_dir=str(tmp_path / "docs"), config_file_path=str(tmp_path / "mkdocs.yml"),
                             theme=SimpleNamespace(dirs=[str(tmp_path / "theme")]))  # a theme folder not watched
    plugin.on_serve(server, config, builder=None)
    assert server.observer.timeout == 0.1
    emitters = server.observer.emitters  # one per path watched (a file's is reported by its folder)
    assert len(emitters) == 2 and all(emitter.timeout == 0.1 for emitter in emitters)
    assert str(tmp_path / "docs") in {emitter.watch.path for emitter in emitters}


def test_a_run_resumed_under_serve_is_never_published_by_a_build(tmp_path, sessions):
    # A checkpoint shares open files with the run it was forked from and copies only its folder: what it
    # prints may differ from a fresh run's. Serve may show it; a build runs the page again from the top.
    cache = tmp_path / "cache"
    execute_page(page_of(tmp_path, MODULE), cache, True, sessions)
    edited = MODULE.replace(LAST, "print('edited', " + LAST[6:])
    resumed = execute_page(page_of(tmp_path, edited), cache, True, sessions)
    assert resumed.resumed == "last"
    assert execute_page(page_of(tmp_path, edited), cache, False, sessions).hit  # serve shows what it ran
    built = execute_page(page_of(tmp_path, edited), cache, False)
    assert not built.hit and built.resumed is None
    assert execute_page(page_of(tmp_path, edited), cache, False).hit  # and the fresh run is what a build keeps
