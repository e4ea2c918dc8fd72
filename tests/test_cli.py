"""`python -m snippets`: list the cells, run a chapter or a cell with the ones before it, fail clearly."""

import subprocess
import sys

from conftest import ROOT


def snippets(*args):
    return subprocess.run([sys.executable, "-m", "snippets", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_list_groups_cells_by_chapter_in_reading_order():
    proc = snippets("list")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "tensors" and "  tensors:ranks" in lines and "  tensors:broadcast_fix" in lines
    chapters = [line for line in lines if not line.startswith(" ")]
    assert len(chapters) == len(set(chapters))


def test_run_one_cell_runs_the_cells_before_it_and_prints_what_the_page_shows():
    proc = snippets("run", "tensors:matmul")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "# %% ranks"
    assert proc.stdout.rstrip().endswith("tensor([[ 58.,  64.],\n        [139., 154.]])")
    assert "# %% layer" not in proc.stdout


def test_an_expected_error_is_printed_like_on_the_page():
    proc = snippets("run", "tensors:bad_reshape")
    assert proc.returncode == 0
    assert "RuntimeError: shape '[3, 5]' is invalid for input of size 12" in proc.stdout


def test_bad_names_fail_clearly():
    for name, message in [("nochapter", "no chapter 'nochapter'"), ("tensors:nocell", "has no cell 'nocell'")]:
        proc = snippets("run", name)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_list_into_a_closed_pipe_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "snippets", "list"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # like `| head` that has read enough: every write now meets a closed pipe
    stderr = proc.stderr.read()
    proc.wait(120)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert proc.returncode == 141


def first_figure_cell() -> str:
    """CHAPTER:CELL of the first cell in reading order that draws a figure (its page line has alt text)."""
    import re

    from snippets._book.book import nav_chapters

    for module, page in nav_chapters().items():
        if m := re.search(r'\{\{ cell (\w+)[^}]* alt=', page.read_text()):
            return f"{module}:{m.group(1)}"
    raise AssertionError("no chapter draws a figure")


def test_run_can_save_the_figures_to_a_folder(tmp_path):
    name = first_figure_cell()
    proc = snippets("run", name, "--figures", str(tmp_path / "figs"))
    assert proc.returncode == 0, proc.stderr
    cell = name.split(":")[1]
    assert f"[figure: {tmp_path / 'figs' / cell}.svg]" in proc.stdout and "[figure]\n" not in proc.stdout
    assert (tmp_path / "figs" / f"{cell}.svg").read_text().lstrip().startswith("<?xml")


def test_run_and_render_work_without_mkdocs(tmp_path):
    from test_engine import WITHOUT_MKDOCS

    def without_mkdocs(*args):
        code = WITHOUT_MKDOCS + f"import runpy; sys.argv = ['snippets', *{list(args)!r}]; runpy.run_module('snippets', run_name='__main__')"
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)

    ran = without_mkdocs("run", "tensors:matmul")
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.rstrip().endswith("tensor([[ 58.,  64.],\n        [139., 154.]])")
    rendered = without_mkdocs("render", "tensors", "--out", str(tmp_path))
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    page = (tmp_path / "tensors.md").read_text()
    assert "{{" not in page and "```python\nimport torch" in page and "\n```text\n" in page
    for mark in ("snippet-output", "book-stamp", "book-fold", "snippet-figure"):  # what the site's Markdown adds
        assert mark not in page
