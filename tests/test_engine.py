"""The engine's promises, one failure mode at a time.

Unit tests call the engine's functions directly; the build tests make a throwaway book
(its own mkdocs.yml, page and chapter module) and run a real ``mkdocs build --strict``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from snippets._engine import (
    BookError,
    Page,
    execute_page,
    format_value,
    parse_cells,
    parse_page,
    render_page,
    run_cells,
    split_value,
)


def cells_of(source: str):
    return parse_cells(textwrap.dedent(source), "snippets/demo.py")


# ------------------------------------------------------------------ parsing modules


def test_cells_split_on_markers_with_their_options_and_lines():
    cells = cells_of(
        '''\
        """Docstring."""

        # %% first
        x = 1

        # %% second raises=ValueError timeout=5 nonfinite=ok
        int("x")
        '''
    )
    assert [c.name for c in cells] == ["first", "second"]
    assert cells[0].code == "x = 1" and cells[0].line == 4
    assert (cells[1].raises, cells[1].timeout, cells[1].nonfinite) == ("ValueError", 5.0, True)


@pytest.mark.parametrize(
    "source,message",
    [
        ("import torch\n# %% a\nx = 1\n", "snippets/demo.py:1: code before the first '# %%' cell would run unseen"),
        ("# %% a\nx = 1\n# %% a\ny = 2\n", "snippets/demo.py:3: cell 'a' is defined twice"),
        ("# %% a colour=red\nx = 1\n", "snippets/demo.py:1: unknown cell option 'colour'"),
        ("# %% a\nimport numpy as np\n", "snippets/demo.py:2: cell 'a' imports 'numpy'"),
        ("# %% a\nx = 1\nfrom snippets import tensors\n", "snippets/demo.py:3: cell 'a' imports 'snippets'"),
        ("# %% a\nx = (\n", "snippets/demo.py:"),
        ("x = 1\n", "no '# %% name' cells"),
    ],
)
def test_module_rules_fail_with_file_and_line(source, message):
    with pytest.raises(BookError, match=None) as err:
        parse_cells(source, "snippets/demo.py")
    assert message in str(err.value)


# ------------------------------------------------------------------ parsing pages


def write_module(tmp_path: Path, source: str, name: str = "demo") -> Path:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    return tmp_path


MODULE = '''\
"""Demo."""

# %% make
import torch
x = torch.tensor([1.5, 2.25])
print("<script>alert(1)</script> **not bold**")

# %% total
total = x.sum()
print(total)
'''


def test_page_must_show_every_cell_in_order(tmp_path):
    directory = write_module(tmp_path, MODULE)
    with pytest.raises(BookError) as err:
        parse_page("docs/demo.md", "{{ cell total }}\n{{ cell make }}\n", "demo", directory)
    assert "must show every cell" in str(err.value) and "page:   total, make" in str(err.value)
    with pytest.raises(BookError, match="docs/demo.md:2: no cell 'nope'"):
        parse_page("docs/demo.md", "{{ cell make }}\n{{ cell nope }}\n", "demo", directory)
    with pytest.raises(BookError, match="docs/demo.md:1: '{{ x }}' comes before any cell has run"):
        parse_page("docs/demo.md", "{{ x }}\n{{ cell make }}\n{{ cell total }}\n", "demo", directory)


def test_missing_module_is_named(tmp_path):
    with pytest.raises(BookError, match="no chapter module .*absent.py"):
        parse_page("docs/demo.md", "{{ cell make }}\n", "absent", tmp_path)


def test_directives_in_code_are_left_alone(tmp_path):
    directory = write_module(tmp_path, MODULE)
    markdown = "```text\n{{ cell nope }}\n```\n\nUse `{{ x }}` to quote.\n{{ cell make }}\n{{ cell total }}\n"
    page = parse_page("docs/demo.md", markdown, "demo", directory)
    assert page.values == {} and list(page.lines) == ["make", "total"]


def test_split_value_keeps_colons_inside_brackets():
    assert split_value("loss:.3f") == ("loss", ".3f")
    assert split_value("xs[1:3]") == ("xs[1:3]", "")
    assert split_value("xs[1:]:.2f") == ("xs[1:]", ".2f")


def test_format_value_handles_floats_ints_shapes_and_tensors():
    import torch

    assert format_value(0.5912, ".2f") == "0.59"
    assert format_value(101770, ",d") == "101,770"
    assert format_value(torch.Size([2, 3]), "") == "(2, 3)"
    assert format_value(torch.Size([5]), "") == "(5,)"
    assert format_value(torch.tensor(1.23456), ".3f") == "1.235"
    assert format_value(torch.tensor([0.25, 0.5]), ".2f") == "[0.25, 0.50]"


# ------------------------------------------------------------------ running


def test_outputs_are_captured_including_prints_inside_functions():
    cells = cells_of(
        """\
        # %% a
        def shout(word):
            print(word.upper())
        shout("hi")
        value = 0.59123
        """
    )
    results, ns = run_cells(cells, {"a": [("value", ".2f", 9)]})
    assert results[0].output == "HI\n" and results[0].values == ["0.59"] and ns["value"] == 0.59123


def test_a_raising_cell_names_the_file_and_the_failing_line():
    cells = cells_of(
        """\
        # %% a
        x = 1
        def inner():
            return 1 / 0
        inner()
        """
    )
    [result], _ = run_cells(cells)
    assert result.error == "cell 'a' failed at snippets/demo.py:4: ZeroDivisionError: division by zero"


def test_an_expected_error_is_shown_and_a_missing_one_fails():
    shown, _ = run_cells(cells_of("# %% a raises=ZeroDivisionError\nprint('before')\n1 / 0\n"))
    assert shown[0].error is None and shown[0].output == "before\nZeroDivisionError: division by zero\n"
    missing, _ = run_cells(cells_of("# %% a raises=ZeroDivisionError\nx = 1\n"))
    assert missing[0].error == "cell 'a' (snippets/demo.py:2) should raise ZeroDivisionError but ran without error"
    wrong, _ = run_cells(cells_of("# %% a raises=KeyError\n1 / 0\n"))
    assert "failed at snippets/demo.py:2: ZeroDivisionError" in wrong[0].error


def test_a_hanging_cell_is_stopped_at_its_time_limit():
    [result], _ = run_cells(cells_of("# %% spin timeout=0.5\nwhile True:\n    pass\n"))
    assert result.error == "cell 'spin' (snippets/demo.py:2) ran past its time limit of 0.5 s"
    assert result.seconds < 5


def test_an_unknown_value_fails_with_the_page_line():
    [result], _ = run_cells(cells_of("# %% a\nx = 1\n"), {"a": [("y_hat", ".2f", 17)]})
    assert result.error_line == 17 and "cannot quote '{{ y_hat:.2f }}': NameError" in result.error


def test_values_may_not_compute():
    [result], _ = run_cells(cells_of("# %% a\nx = 1\n"), {"a": [("x + 1", "", 3)]})
    assert "computes something" in result.error


def test_nan_or_inf_in_output_stops_the_build_unless_declared():
    [poisoned], _ = run_cells(cells_of("# %% train\nloss = float('nan')\nprint(f'epoch 3 loss {loss:.4f}')\n"))
    assert "printed 'nan'" in poisoned.error
    [diverged], _ = run_cells(cells_of("# %% train\nprint(-float('inf'))\n"))
    assert "printed '-inf'" in diverged.error
    [allowed], _ = run_cells(cells_of("# %% demo nonfinite=ok\nprint(float('inf'))\n"))
    assert allowed.error is None
    [words], _ = run_cells(cells_of("# %% words\nprint('information is infinite; nano')\n"))
    assert words.error is None


def test_figures_are_byte_stable_svg():
    source = "# %% plot\nimport matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.title('a line')\nplt.show()\n"
    first, _ = run_cells(cells_of(source))
    second, _ = run_cells(cells_of(source))
    assert len(first[0].figures) == 1 and first[0].figures == second[0].figures
    svg = first[0].figures[0]
    assert svg.lstrip().startswith("<?xml") and "<dc:date>" not in svg


# Log axes and math text: what snippets/_warm.py (the fork server's warm-up) caches.
LOG_FIGURE = """
import hashlib, sys
import matplotlib
matplotlib.use("Agg")
if sys.argv[1] == "warm":
    import snippets._warm
from snippets._engine import collect_figures
import matplotlib.pyplot as plt

def draw():
    fig, ax = plt.subplots()
    ax.plot([1e-4, 1, 1e3], [1e3, 1, 1e-4], label=r"$\\alpha \\cdot w_1$")
    ax.set(xscale="log", yscale="log", title=r"$\\sum_i x_i^2$")
    ax.legend()
    return collect_figures()

if sys.argv[1] == "warm":  # count the parses that reach matplotlib's parser
    calls, parse = [], snippets._warm._parse
    snippets._warm._parse = lambda *args: calls.append(args) or parse(*args)
svg = draw()
if sys.argv[1] == "warm":
    parsed = len(calls)
    assert parsed > 0 and draw() == svg and len(calls) == parsed, f"{parsed} parses, then {len(calls) - parsed} more"
print(hashlib.sha256(svg[0].encode()).hexdigest())
"""


def test_the_fork_servers_warm_up_changes_no_figure_and_parses_math_text_once():
    def figure_hash(mode: str) -> str:
        run = subprocess.run([sys.executable, "-c", LOG_FIGURE, mode], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert figure_hash("warm") == figure_hash("cold")


# ------------------------------------------------------------------ rendering


def test_output_is_escaped_and_set_apart(tmp_path):
    directory = write_module(tmp_path, MODULE)
    page = parse_page("docs/demo.md", "# Demo\n\n{{ cell make }}\n\nTotal {{ total:.2f }}.\n\n{{ cell total }}\n", "demo", directory)
    page = parse_page("docs/demo.md", "# Demo\n\n{{ cell make }}\n\n{{ cell total }}\n\nTotal {{ total:.2f }}.\n", "demo", directory)
    results, _ = run_cells(page.cells, page.values)
    markdown = render_page("# Demo\n\n{{ cell make }}\n\n{{ cell total }}\n\nTotal {{ total:.2f }}.\n", page, results, 0, "")
    assert "```python\nimport torch" in markdown
    assert "```{ .text .snippet-output .no-copy }\n<script>alert(1)</script> **not bold**\n```" in markdown
    assert "Total 3.75." in markdown and "{ .book-stamp }" in markdown

    import markdown as md

    html = md.markdown(markdown, extensions=["attr_list", "pymdownx.superfences", "pymdownx.highlight"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **not bold**" in html
    assert "<script>alert" not in html and "<strong>not bold" not in html
    assert 'class="snippet-output' in html


def test_indented_directive_keeps_its_indent(tmp_path):
    directory = write_module(tmp_path, MODULE)
    text = "{{ cell make }}\n\n??? success \"Solution\"\n    {{ cell total }}\n"
    page = parse_page("docs/demo.md", text, "demo", directory)
    results, _ = run_cells(page.cells)
    rendered = render_page(text, page, results, None, "")
    block = rendered.split('??? success "Solution"\n')[1]
    assert block.startswith("    ```python\n    total = x.sum()\n    print(total)\n    ```\n\n    ```{ .text")


def test_a_folded_cell_shows_its_code_collapsed_and_its_output_in_view(tmp_path):
    directory = write_module(tmp_path, MODULE)
    text = '{{ cell make fold="The set-up code" }}\n\n{{ cell total }}\n'
    page = parse_page("docs/demo.md", text, "demo", directory)
    results, _ = run_cells(page.cells)
    rendered = render_page(text, page, results, None, "")
    folded, rest = rendered.split('??? book-fold "The set-up code"\n\n', 1)[1].split("\n\n```{ .text", 1)
    assert folded.startswith("    ```python\n    import torch")  # the whole code, indented into the block
    assert all(line.startswith("    ") or not line for line in folded.splitlines())
    assert rest.startswith(" .snippet-output")  # the output is not inside the fold: no indent
    assert rendered.count("book-fold") == 1  # the next cell is not folded

    import markdown as md

    html = md.markdown(rendered, extensions=["attr_list", "pymdownx.details", "pymdownx.superfences", "pymdownx.highlight"])
    assert '<details class="book-fold">\n<summary>The set-up code</summary>' in html
    assert html.index("</details>") < html.index("snippet-output")


def test_a_fold_needs_a_title(tmp_path):
    directory = write_module(tmp_path, MODULE)
    with pytest.raises(BookError, match=r"docs/demo.md:1: fold needs a title"):
        parse_page("docs/demo.md", '{{ cell make fold="" }}\n\n{{ cell total }}\n', "demo", directory)


# ------------------------------------------------------------------ caching


def test_cache_hit_runs_nothing_and_changed_code_runs_again(tmp_path):
    directory = write_module(tmp_path, MODULE)
    markdown = "{{ cell make }}\n{{ cell total }}\n"
    page = parse_page("docs/demo.md", markdown, "demo", directory)
    cache = tmp_path / "cache"
    run = execute_page(page, cache, rerun=False)
    assert not run.hit and run.results[1].output == "tensor(3.7500)\n" and run.seed is not None
    assert execute_page(page, cache, rerun=False).hit
    assert not execute_page(page, cache, rerun=True).hit
    write_module(tmp_path, MODULE.replace("2.25", "3.25"))
    changed = parse_page("docs/demo.md", markdown, "demo", directory)
    run = execute_page(changed, cache, rerun=False)
    assert not run.hit and run.results[1].output == "tensor(4.7500)\n"


def test_cache_key_covers_quoted_values_and_options(tmp_path):
    directory = write_module(tmp_path, MODULE)
    base = parse_page("docs/demo.md", "{{ cell make }}\n{{ cell total }}\n", "demo", directory)
    quoted = parse_page("docs/demo.md", "{{ cell make }}\n{{ cell total }}\n{{ total:.1f }}\n", "demo", directory)
    assert base.cache_key() != quoted.cache_key()
    write_module(tmp_path, MODULE.replace("# %% total", "# %% total timeout=9"))
    slower = parse_page("docs/demo.md", "{{ cell make }}\n{{ cell total }}\n", "demo", directory)
    assert slower.cache_key() != base.cache_key()
    assert isinstance(base, Page)


# ------------------------------------------------------------------ whole builds


def make_book(tmp_path: Path, module: str, page: str, options: str = "report: ''", config: str = "") -> Path:
    """A throwaway book: one page, one chapter module, the book plugin (with ``options``), and more ``config``."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Fault injection\nstrict: true\n"
        f"plugins:\n  - book:\n      cache_dir: .cache\n      {options}\n"
        "markdown_extensions: [attr_list, pymdownx.superfences, pymdownx.details]\n" + config
    )
    (tmp_path / "snippets" / "demo.py").write_text(textwrap.dedent(module))
    (tmp_path / "docs" / "index.md").write_text("---\nsnippets: demo\n---\n\n# Demo\n\n" + textwrap.dedent(page))
    return tmp_path


def build(book: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=book, env=env, capture_output=True, text=True, timeout=300
    )


GOOD = "# %% a\nx = 2\nprint(x * 21)\n"

FAULTS = {
    "raises": (GOOD + "# %% b\nnumbers = [1, 2]\nnumbers[5]\n", "{{ cell a }}\n{{ cell b }}\n",
               "docs/index.md:8: cell 'b' failed at snippets/demo.py:6: IndexError: list index out of range"),
    "hangs": (GOOD + "# %% b timeout=1\nwhile True:\n    pass\n", "{{ cell a }}\n{{ cell b }}\n",
              "docs/index.md:8: cell 'b' (snippets/demo.py:5) ran past its time limit of 1 s"),
    "missing section": (GOOD, "{{ cell a }}\n{{ cell b }}\n", "docs/index.md:8: no cell 'b' in snippets/demo.py"),
    "unknown value": (GOOD, "{{ cell a }}\nIt printed {{ y_hat:.2f }}.\n",
                      "docs/index.md:8: cannot quote '{{ y_hat:.2f }}': NameError: name 'y_hat' is not defined"),
    "expected error missing": (GOOD + "# %% b raises=RuntimeError\ny = x + 1\n", "{{ cell a }}\n{{ cell b }}\n",
                               "docs/index.md:8: cell 'b' (snippets/demo.py:5) should raise RuntimeError but ran without error"),
    "nan loss": (GOOD + "# %% train\nloss = 1e308\nfor epoch in range(3):\n    loss = loss * 10\n    print(f'epoch {epoch} loss {loss}')\n",
                 "{{ cell a }}\n{{ cell train }}\n", "docs/index.md:8: cell 'train' (snippets/demo.py:5) printed 'inf'"),
}


def paths_of(message: str):
    return [part for part in message.split() if part.startswith(("docs/", "snippets/"))]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_bad_book_fails_the_build_with_page_file_and_line(tmp_path, fault):
    module, page, message = FAULTS[fault]
    book = make_book(tmp_path, module, page)
    proc = build(book)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr[-3000:]
    assert proc.stderr.count(message) == 1  # one clear message, not a cascade
    assert not (book / "site" / "index.html").exists()  # nothing published as if it had worked


def test_a_good_book_builds_and_shows_its_output(tmp_path):
    book = make_book(tmp_path, GOOD, "{{ cell a }}\n\nThe answer is {{ x:d }}.\n")
    proc = build(book)
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (book / "site" / "index.html").read_text()
    assert 'class="snippet-output' in html and ">42" in html and "The answer is 2." in html


def test_open_in_colab_is_built_from_a_github_repo_url():
    from snippets._engine import colab_url

    assert colab_url("https://github.com/someone/nn-book", "tensors") == (
        "https://colab.research.google.com/github/someone/nn-book/blob/gh-pages/downloads/tensors.ipynb")
    assert colab_url("https://github.com/someone/nn-book/", "mlp").endswith("/someone/nn-book/blob/gh-pages/downloads/mlp.ipynb")
    assert colab_url(None, "tensors") is None and colab_url("https://gitlab.com/a/b", "tensors") is None


def test_chapter_links_to_its_notebook_script_and_colab_when_repo_url_is_set(tmp_path):
    book = make_book(tmp_path, GOOD, "{{ cell a }}\n")
    with (book / "mkdocs.yml").open("a") as config:
        config.write("repo_url: https://github.com/someone/nn-book\n")
    proc = build(book)
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (book / "site" / "index.html").read_text()
    assert 'href="downloads/demo.ipynb"' in html and 'href="downloads/demo.py"' in html
    assert 'href="https://colab.research.google.com/github/someone/nn-book/blob/gh-pages/downloads/demo.ipynb"' in html
    notebook = json.loads((book / "site" / "downloads" / "demo.ipynb").read_text())
    assert notebook["cells"][1]["outputs"][0]["text"] == ["42\n"]
    script = (book / "site" / "downloads" / "demo.py").read_text()
    assert "x = 2\nprint(x * 21)" in script
