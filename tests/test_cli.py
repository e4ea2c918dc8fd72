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
