"""The engine's promises, one failure mode at a time.

Unit tests call the engine's functions directly; the build tests make a throwaway book
(its own mkdocs.yml, page and chapter module) and run a real ``mkdocs build --strict``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from snippets._book.cache import execute_page
from snippets._book.cells import BookError, Page, parse_cells, parse_page, split_value
from snippets._book.render import render_page
from snippets._book.run import evaluate_value, format_value, run_cells


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
        ("# %% größe\nx = 1\n", "snippets/demo.py:1: a cell marker needs a name of ASCII letters"),
        ("# %% plot_data\nx = 1\n# %% plot-data\ny = 2\n",
         "snippets/demo.py:3: cell 'plot-data' and cell 'plot_data' differ only in '_' and '-'"),
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


def test_figures_are_saved_compact_without_changing_what_they_show():
    from snippets._book.svg import compact_svg

    source = ("# %% plot\nimport matplotlib.pyplot as plt\nimport math\n"
              "plt.plot([i / 50 for i in range(300)], [math.sin(i / 50) for i in range(300)], label='sin 0.123456')\n"
              "plt.title('sine')\nplt.legend()\nplt.show()\n")
    svg = run_cells(cells_of(source))[0][0].figures[0]
    assert "<metadata>" not in svg and "'Bitstream Vera Sans'" not in svg and 'transform="rotate(-0 ' not in svg
    assert "font-family: 'DejaVu Sans', sans-serif" in svg
    assert not re.search(r'\bd="[^"]*\d\.\d{3}', svg)  # coordinates to a hundredth of a point
    assert "sin 0.123456" in svg and ">sine<" in svg  # text is never rounded
    assert compact_svg(svg) == svg  # a second pass changes nothing: the same figure, the same bytes
    raw = '<path d="M 12.345678 -0.001 L 3 4.5" x="1.23456" style="font-family: \'DejaVu Sans\', \'Arial\', sans-serif"/>'
    assert compact_svg(raw) == '<path d="M 12.35 0 L 3 4.5" x="1.23" style="font-family: \'DejaVu Sans\', sans-serif"/>'


# Log axes and math text: what snippets/_book/warm.py (the fork server's warm-up) caches.
LOG_FIGURE = """
import hashlib, sys
import matplotlib
matplotlib.use("Agg")
if sys.argv[1] == "warm":
    import snippets._book.warm
from snippets._book.run import collect_figures
import matplotlib.pyplot as plt

def draw():
    fig, ax = plt.subplots()
    ax.plot([1e-4, 1, 1e3], [1e3, 1, 1e-4], label=r"$\\alpha \\cdot w_1$")
    ax.set(xscale="log", yscale="log", title=r"$\\sum_i x_i^2$")
    ax.legend()
    return collect_figures()

if sys.argv[1] == "warm":  # count the parses that reach matplotlib's parser
    calls, parse = [], snippets._book.warm._parse
    snippets._book.warm._parse = lambda *args: calls.append(args) or parse(*args)
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
    from snippets._book.companions import NOTEBOOK_BRANCH, colab_url

    assert colab_url("https://github.com/someone/nn-book", "downloads/tensors.ipynb") == (
        f"https://colab.research.google.com/github/someone/nn-book/blob/{NOTEBOOK_BRANCH}/downloads/tensors.ipynb")
    assert colab_url("https://github.com/someone/nn-book/", "downloads/labs/mlp.ipynb").endswith(
        "/someone/nn-book/blob/notebooks/downloads/labs/mlp.ipynb")
    assert colab_url(None, "downloads/tensors.ipynb") is None and colab_url("https://gitlab.com/a/b", "x.ipynb") is None


LAB_MODULE = """\
# %% data
import torch

table = torch.ones(2, 3)
unused = torch.zeros(5)
print(table.shape)

# %% ex_double
doubled = table * 2
print(doubled)

# %% check_double
# Check exercise 1.
assert "doubled" in globals(), "Make `doubled` in the cell above first."
assert torch.equal(doubled, table * 2), "Each number of `doubled` is twice the one in `table`."
print("Correct: twice each number.")
"""
LAB_PAGE = """\
{{ cell data }}

## Exercises

**1. Double it.** Make `doubled`, twice `table`. The table has {{ table.numel() }} numbers.

??? success "Solution"
    {{ cell ex_double }}

    Multiplying by 2 doubles all {{ doubled.numel() }} of them.

    {{ cell check_double fold="Check your answer" }}
"""


def test_a_lab_is_the_exercises_as_a_workbook_prompt_answer_check_and_folded_solution(tmp_path):
    import nbformat

    from snippets._book import labs
    from snippets._book.cells import parse_page
    from snippets._book.run import CellResult

    (tmp_path / "demo.py").write_text(LAB_MODULE)
    page = parse_page("docs/demo.md", LAB_PAGE, "demo", tmp_path)
    results = [CellResult("data", "torch.Size([2, 3])\n", values=["6"]),
               CellResult("ex_double", "", values=["6"]), CellResult("check_double", "Correct\n")]
    notebook = nbformat.reads(labs.lab_notebook(page, LAB_PAGE, results, "https://example.org/book/"), as_version=4)
    nbformat.validate(notebook)
    kinds = [(c.cell_type, c.metadata.get("tags", [])) for c in notebook.cells]
    assert kinds[3:] == [("code", ["setup"]), ("markdown", []), ("code", ["answer"]), ("code", ["check"]), ("markdown", [])]
    setup, prompt, answer, check, solution = notebook.cells[3:]
    assert setup.source == "import torch\n\ntable = torch.ones(2, 3)\nunused = torch.zeros(5)\nprint(table.shape)"
    assert prompt.source.startswith("## Exercise 1: Double it\n\nMake `doubled`, twice `table`. The table has 6 numbers.")
    assert answer.source.startswith("# Your answer to exercise 1") and "doubled" not in answer.source
    assert check.source == page.cells[2].code and not any(o for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert solution.source.startswith("<details><summary>Solution to exercise 1</summary>")
    assert "doubled = table * 2" in solution.source and "all 6 of them" in solution.source and "{{" not in solution.source
    assert "Check your answer" not in solution.source
    assert labs.answers(page, LAB_PAGE) == {"answer-1": "doubled = table * 2\nprint(doubled)"}
    assert labs.lab_notebook(page, "{{ cell data }}\n", results) is None  # no exercises, no lab


def test_a_labs_setup_holds_the_earlier_cells_its_exercises_need_and_no_others():
    from snippets._book.cells import parse_cells
    from snippets._book.labs import setup_cells

    cells = parse_cells("""\
# %% imports
import torch
# %% plot
import matplotlib.pyplot as plt
plt.plot([1, 2])
# %% model
model = torch.nn.Linear(2, 1)
other = 3
# %% train
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    optimizer.zero_grad()
    loss = model(torch.ones(2)).sum()
    loss.backward()
    optimizer.step()
# %% look
print(model(torch.zeros(2)), other)
# %% shadowed
x = 1
# %% rebound
x = 2
print(other, torch.tanh(torch.ones(1)))
# %% exercise
print(model.weight.grad, x)
""", "demo.py")
    chosen = [c.name for c in setup_cells(cells[:-1], cells[-1:])]
    # train changes model (its step reaches model.parameters()), rebound's x hides shadowed's; neither the plot
    # nor look (which only reads model) is needed.
    assert chosen == ["imports", "model", "train", "rebound"]


def test_a_labs_tex_is_marked_for_the_sites_katex_and_code_and_prices_are_left_alone():
    from snippets._book.labs import mark_math

    html = "<p>by $1/\\sqrt{n}$ for $5 or $6; <code>s = '$x$'</code></p><pre>$y$</pre><p>$$w = (1 - \\eta) w$$</p>"
    assert mark_math(html) == ('<p>by <span class="arithmatex">\\(1/\\sqrt{n}\\)</span> for $5 or $6; '
                               "<code>s = '$x$'</code></p><pre>$y$</pre>"
                               '<p><div class="arithmatex">\\[w = (1 - \\eta) w\\]</div></p>')


def test_slim_code_keeps_the_text_and_colours_with_fewer_spans():
    import re

    from snippets._book.slim import slim_code

    html = ('<p><span class="n">prose</span></p><code><span class="n">x</span><span class="w"> </span><span class="o">=</span>'
            ' <span class="n">f</span><span class="p">(</span><span class="sa">f</span><span class="s2">&quot;a</span>'
            '<span class="si">{</span><span class="n">b</span><span class="si">}</span><span class="s2">&quot;</span>'
            '<span class="p">)</span> <span class="p">[</span><span class="mi">1</span><span class="p">]</span></code>')
    slim = slim_code(html)
    assert re.sub("<[^>]+>", "", slim) == re.sub("<[^>]+>", "", html)  # the same text: copying gives the same code
    assert slim == ('<p><span class="n">prose</span></p><code>x <span class="p">=</span> f<span class="p">(</span>'
                    '<span class="sa">f</span><span class="s2">&quot;a{</span>b<span class="s2">}&quot;</span>'
                    '<span class="p">) [</span><span class="mi">1</span><span class="p">]</span></code>')


def test_slim_code_in_a_labs_pre_keeps_operators_apart_from_punctuation():
    from snippets._book.slim import JUPYTER, slim_code

    html = '<pre><span class="n">a</span><span class="o">+</span><span class="p">(</span><span class="p">)</span></pre>'
    assert slim_code(html, JUPYTER, "pre") == '<pre>a<span class="o">+</span><span class="p">()</span></pre>'


def test_lab_pages_link_one_shared_stylesheet_in_place_of_their_inline_styles(tmp_path):
    from snippets._book.labs import shared_styles

    page = ('<html><head></head><body><article><style type="text/css">\n.a { color: red; }\n</style>\n'
            '<style type="text/css">.b{}</style><div class="jupyter-wrapper">x</div>'
            '<script type="module">\n  document.addEventListener("DOMContentLoaded", async () => {\n'
            '    const diagrams = document.querySelectorAll(".jp-Mermaid > pre.mermaid");\n'
            '    import("https://cdnjs.cloudflare.com/x.mjs")\n  });\n</script>\n</article></body></html>')
    out = shared_styles(page, tmp_path, "../../")
    assert "<style" not in out and "cdnjs" not in out and '<div class="jupyter-wrapper">x</div>' in out
    (sheet,) = (tmp_path / "assets" / "stylesheets").glob("jupyter-*.css")
    assert f'<link rel="stylesheet" href="../../assets/stylesheets/{sheet.name}">' in out
    assert ".a { color: red; }" in sheet.read_text() and ".b{}" in sheet.read_text()
    assert shared_styles(page, tmp_path, "../../") == out  # the same styles, the same file


def test_chapter_links_to_its_notebook_script_and_colab_when_repo_url_is_set(tmp_path):
    book = make_book(tmp_path, GOOD, "{{ cell a }}\n")
    with (book / "mkdocs.yml").open("a") as config:
        config.write("repo_url: https://github.com/someone/nn-book\n")
    proc = build(book)
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (book / "site" / "index.html").read_text()
    assert 'href="downloads/demo.ipynb"' in html and 'href="downloads/demo.py"' in html
    assert 'href="https://colab.research.google.com/github/someone/nn-book/blob/notebooks/downloads/demo.ipynb"' in html
    notebook = json.loads((book / "site" / "downloads" / "demo.ipynb").read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code[0]["outputs"][0]["text"] == ["42\n"]
    script = (book / "site" / "downloads" / "demo.py").read_text()
    assert "x = 2\nprint(x * 21)" in script


# ------------------------------------------------------------------ the engine's layout

ENGINE = Path(__file__).resolve().parents[1] / "snippets" / "_book"
CORE = sorted(p.stem for p in ENGINE.glob("*.py") if p.stem not in ("__init__", "mkdocs_plugin"))

# Run before anything else in a subprocess: any import of MkDocs fails, as where it is not installed.
WITHOUT_MKDOCS = """
import importlib.abc, sys
class NoMkDocs(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "mkdocs" or name.startswith("mkdocs."):
            raise ModuleNotFoundError(f"No module named '{name}' (blocked by the test)", name=name)
sys.meta_path.insert(0, NoMkDocs())
"""


def test_every_engine_module_says_what_it_owns_and_stays_short():
    for path in ENGINE.glob("*.py"):
        text = path.read_text()
        assert len(text.splitlines()) <= 400, f"{path.name} has {len(text.splitlines())} lines"
        assert ast_docstring(text), f"{path.name} opens with no docstring"


def ast_docstring(text: str) -> str | None:
    import ast

    return ast.get_docstring(ast.parse(text))


def test_the_core_imports_nothing_from_mkdocs():
    code = WITHOUT_MKDOCS + textwrap.dedent(f"""
        import importlib
        for name in {CORE!r} + ["__init__"]:
            importlib.import_module("snippets._book" + ("" if name == "__init__" else "." + name))
        import snippets._engine, snippets.__main__
        assert not any(m == "mkdocs" or m.startswith("mkdocs.") for m in sys.modules), "MkDocs was imported"
        try:
            import snippets._book.mkdocs_plugin
        except ModuleNotFoundError as err:
            print("blocked:", err.name)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "blocked: mkdocs"  # the blocker works, so the imports above were really without it
    assert {"cells", "run", "cache", "render", "companions", "report", "serve"} <= set(CORE)


# ------------------------------------------------------------------ rendering without a site generator

FIGURE_MODULE = '''\
"""Demo."""

# %% setup
import matplotlib.pyplot as plt
scale = 2.5

# %% draw
plt.plot([0, 1], [0, scale])
print("drawn")
'''


def test_render_chapter_writes_plain_markdown_and_its_figures_as_files(tmp_path):
    from snippets._book.book import render_chapter

    (tmp_path / "book").mkdir()
    book = make_book(tmp_path / "book", FIGURE_MODULE,
                     '{{ cell setup fold="The set-up" }}\n\nScale {{ scale:.1f }}.\n\n{{ cell draw alt="A line" }}\n')
    out = tmp_path / "out"
    written = render_chapter("demo", out, plain=True, cache_dir=None, root=book)[0]
    page = written.read_text()
    assert written == out / "index.md"
    assert "<details><summary>The set-up</summary>\n\n```python\nimport matplotlib.pyplot as plt" in page
    assert "Scale 2.5." in page and "```text\ndrawn\n```" in page
    assert "![A line](assets/figures/demo/draw.svg)\n" in page and "{ ." not in page and "{{" not in page
    assert (out / "assets/figures/demo/draw.svg").read_text().lstrip().startswith("<?xml")

    site = render_chapter("demo", tmp_path / "site", plain=False, cache_dir=None, root=book)[0].read_text()
    assert site.startswith("---\nsnippets: demo\n---\n") and '??? book-fold "The set-up"' in site
    assert "{ .snippet-figure loading=lazy }" in site and (tmp_path / "site/downloads/demo.py").is_file()


def test_a_page_process_imports_only_the_engine_modules_the_cache_key_hashes(tmp_path):
    from snippets._book.cache import RUN_FILES

    module = '"""Demo."""\n\n# %% mods\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith("snippets._book")))\n'
    directory = write_module(tmp_path, module)
    page = parse_page("docs/demo.md", "{{ cell mods }}\n", "demo", directory)
    imported = eval(execute_page(page, None, rerun=True).results[0].output)
    files = {"__init__.py" if name == "snippets._book" else name.rsplit(".", 1)[1] + ".py" for name in imported}
    assert "run.py" in files and files <= set(RUN_FILES), imported


# ------------------------------------------------------------------ importing a chapter

IMPORTING = '''
import inspect, json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

mine = plt.figure()  # the importer's own figure: importing must leave it open
import snippets._book.imports as imports

runs, run = [], imports.run_in_scratch
imports.run_in_scratch = lambda *args, **kwargs: runs.append(1) or run(*args, **kwargs)
from snippets.autograd_engine import Value
import snippets.autograd_engine as chapter
from snippets.autograd_engine import Value as again
chapter_runs = len(runs)

demo = imports.ChapterLoader("demo_chapter", sys.argv[1])
module = type(sys)("demo_chapter")
module.__file__ = sys.argv[1]
demo.exec_module(module)
print(json.dumps({
    "module": Value.__module__, "same": again is Value, "runs": chapter_runs,
    "source": inspect.getsource(Value) in open(chapter.__file__).read(),
    "cells": [r.name for r in chapter.__book__], "figures": plt.get_fignums() == [mine.number],
    "demo": [(r.output, len(r.figures), r.raised) for r in module.__book__], "total": module.total,
}))
'''

DEMO_CHAPTER = '''\
"""A demo chapter."""

# %% make
import matplotlib.pyplot as plt
numbers = [1, 2, 3]
print("made", numbers)

# %% oops raises=IndexError
numbers[5]

# %% draw
figure, axes = plt.subplots()
axes.plot(numbers)
total = sum(numbers)
'''


def test_importing_a_chapter_runs_it_like_the_engine_once_quietly_and_closes_its_figures(tmp_path):
    from snippets._book.cells import load_module

    demo = tmp_path / "demo_chapter.py"
    demo.write_text(DEMO_CHAPTER)
    proc = subprocess.run([sys.executable, "-c", IMPORTING, str(demo)], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(proc.stdout.splitlines()) == 1, "importing printed: " + proc.stdout[:2000]  # only the summary line
    facts = json.loads(proc.stdout)
    assert facts["module"] == "snippets.autograd_engine" and facts["same"] and facts["source"]
    assert facts["runs"] == 1  # the cost: one run of the chapter; a second import runs nothing
    assert facts["cells"] == [c.name for c in load_module("autograd_engine")]  # every cell ran
    assert facts["figures"]  # the chapter's figures are closed, the importer's is not
    assert facts["demo"] == [["made [1, 2, 3]\n", 0, None], ["IndexError: list index out of range\n", 0,
                                                             "IndexError: list index out of range"], ["", 1, None]]
    assert facts["total"] == 6 and list(tmp_path.iterdir()) == [demo]  # nothing written where it was imported


def test_a_failing_chapter_import_raises_with_the_cell_and_line(tmp_path):
    from snippets._book.cells import BookError
    from snippets._book.imports import ChapterLoader

    path = tmp_path / "broken.py"
    path.write_text('"""Broken."""\n\n# %% a\nx = 1\n# %% b\n{}["missing"]\n')
    with pytest.raises(BookError, match=r"cell 'b' failed at .*broken.py:6: KeyError"):
        ChapterLoader("broken", str(path)).exec_module(type(sys)("broken"))


def test_the_api_reference_reads_the_chapters_without_running_them():
    code = textwrap.dedent("""
        import sys, griffe
        from snippets._book.book import chapters
        for name in chapters():
            assert griffe.load("snippets." + name, search_paths=["."]).docstring is not None, name
        print(sorted(m for m in sys.modules if m.startswith("snippets.") and not m.startswith("snippets._")))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[]"  # griffe (mkdocstrings) visits the source: no chapter was imported


@pytest.mark.parametrize("platform,maxrss", [("linux", 512 * 1024), ("darwin", 512 * 1024 * 1024)])
def test_peak_memory_is_in_megabytes_on_linux_and_macos(monkeypatch, platform, maxrss):
    import resource

    from snippets._book import run

    monkeypatch.setattr(run.sys, "platform", platform)  # ru_maxrss: kilobytes on Linux, bytes on macOS
    monkeypatch.setattr(run.resource, "getrusage", lambda who: type("usage", (), {"ru_maxrss": maxrss})())
    assert run.peak_mb() == 512.0
    assert resource.getrusage  # the real one is back after the test


# ------------------------------------------------------------------ issue 15: nothing non-finite, nothing changed by a quote


def test_a_non_finite_quoted_value_stops_the_build_with_its_page_line():
    [quoted], _ = run_cells(cells_of("# %% a\nfinal = float('nan')\n"), {"a": [("final", ".3f", 12)]})
    assert quoted.error_line == 12 and "'{{ final:.3f }}' is 'nan'" in quoted.error
    [infinite], _ = run_cells(cells_of("# %% a\nxs = [1.0, float('-inf')]\n"), {"a": [("xs", ".1f", 3)]})
    assert "is '-inf'" in infinite.error
    [allowed], _ = run_cells(cells_of("# %% a nonfinite=ok\nfinal = float('inf')\n"), {"a": [("final", "", 5)]})
    assert allowed.error is None and allowed.values == ["inf"]


def test_a_coloured_nan_is_caught_and_names_that_only_contain_nan_are_not():
    [coloured], _ = run_cells(cells_of("# %% a\nprint('loss \\x1b[31mnan\\x1b[0m')\n"))
    assert "printed 'nan'" in coloured.error
    [names], _ = run_cells(cells_of("# %% a\nprint('val_nan=0 nan_count=0 Nan Li INF101 info')\n"))
    assert names.error is None, names.error


def test_a_quoted_value_cannot_change_what_later_cells_see():
    cells = cells_of("# %% a\nlosses = [3.0, 2.0, 1.0]\n# %% b\nprint(len(losses))\n")
    [result], _ = run_cells(cells, {"a": [("losses.pop()", ".1f", 4)]})
    assert result.error_line == 4 and "calls .pop()" in result.error
    reads, _ = run_cells(cells, {"a": [("losses[-1]", ".1f", 4)]})
    assert reads[0].values == ["1.0"] and reads[1].output == "3\n"  # a lookup leaves the list as it was
    import torch

    namespace = {"t": torch.tensor([1.0, 2.0])}
    assert format_value(evaluate_value("t.max().item()", namespace), ".1f") == "2.0"
    with pytest.raises(ValueError, match=r"calls .zero_\(\)"):
        evaluate_value("t.zero_()", namespace)
    assert namespace["t"].tolist() == [1.0, 2.0]


def test_a_cell_inside_an_html_comment_is_refused_not_counted_as_shown(tmp_path):
    directory = write_module(tmp_path, MODULE)
    with pytest.raises(BookError, match=r"docs/demo.md:3: '\{\{ cell total \}\}' is inside an HTML comment"):
        parse_page("docs/demo.md", "{{ cell make }}\n\n<!-- {{ cell total }} -->\n", "demo", directory)
    with pytest.raises(BookError, match=r"docs/demo.md:4: '\{\{ total:.1f \}\}' is inside an HTML comment"):
        parse_page("docs/demo.md", "{{ cell make }}\n{{ cell total }}\n<!-- a note\n{{ total:.1f }}\n-->\n", "demo", directory)
    shown = "{{ cell make }}\n```html\n<!-- {{ cell total }} -->\n```\n{{ cell total }}\n"  # a comment shown as code is fine
    assert list(parse_page("docs/demo.md", shown, "demo", directory).lines) == ["make", "total"]


def test_sys_exit_in_a_cell_is_a_failure_not_the_end_of_a_successful_run():
    [result], _ = run_cells(cells_of("# %% a\nimport sys\nprint('half')\nsys.exit(0)\n"))
    assert result.error == "cell 'a' failed at snippets/demo.py:4: SystemExit: 0 (the cell called sys.exit(0))"
    [meant], _ = run_cells(cells_of("# %% a raises=SystemExit\nraise SystemExit(3)\n"))
    assert meant.error is None and meant.raised == "SystemExit: 3"


def test_a_form_feed_does_not_shift_the_reported_lines():
    cells = cells_of("# %% a\nx = 1\n\f\n# %% b\ny = 2\n1 / 0\n")
    assert [c.line for c in cells] == [2, 5]
    [_, failed], _ = run_cells(cells)
    assert failed.error == "cell 'b' failed at snippets/demo.py:6: ZeroDivisionError: division by zero"


def test_a_corrupt_cache_entry_heals_instead_of_failing(tmp_path):
    from snippets._book.cache import page_key

    directory = write_module(tmp_path, MODULE)
    page = parse_page("docs/demo.md", "{{ cell make }}\n{{ cell total }}\n", "demo", directory)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"{page_key(page)}.json").write_text('{"cells": [{"name": "make", "outp')  # cut off mid-write
    run = execute_page(page, cache, rerun=False)
    assert not run.hit and run.results[1].output == "tensor(3.7500)\n"
    assert execute_page(page, cache, rerun=False).hit  # healed: the entry is whole again


@pytest.mark.parametrize("front,message", [
    ("snippets: absent", "docs/index.md:2: no chapter module snippets/absent.py"),
    ("snippets: Not-A-Module", "docs/index.md:2: 'Not-A-Module' is not a chapter module name"),
    ("snippets: [tensors", "docs/index.md:1: its front matter is not valid YAML"),  # MkDocs alone would drop it
])
def test_a_page_whose_front_matter_or_module_is_wrong_is_named(tmp_path, monkeypatch, front, message):
    from snippets._book.book import read_page

    (tmp_path / "docs").mkdir()
    (tmp_path / "snippets").mkdir()
    page = tmp_path / "docs" / "index.md"
    page.write_text(f"---\n{front}\n---\n\n# Demo\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BookError) as err:
        read_page(page, tmp_path / "snippets")
    assert str(err.value).startswith(message), str(err.value)


def test_a_build_that_runs_nothing_does_not_stamp_its_pages_as_run(tmp_path):
    book = make_book(tmp_path, GOOD, "{{ cell a }}\n\nThe answer is {{ x:d }}.\n")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=book, capture_output=True, text=True,
                          env=dict(os.environ, NO_MKDOCS_2_WARNING="1", BOOK_EXECUTE="0"), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (book / "site" / "index.html").read_text()
    assert "was produced when the site was built" not in html and "was not run for this build" in html


# ------------------------------------------------------------------ issue 15 #7: crashes and hangs in C code


def test_a_cell_that_kills_its_process_is_named_with_page_and_module_lines(tmp_path):
    directory = write_module(tmp_path, GOOD + "# %% crash\nimport os\nos._exit(3)\n")
    page = parse_page("docs/demo.md", "# Demo\n\n{{ cell a }}\n{{ cell crash }}\n", "demo", directory)
    with pytest.raises(BookError) as err:
        execute_page(page, None, rerun=True)
    assert str(err.value) == ("docs/demo.md:4: cell 'crash' (snippets/demo.py:5) ended the process running it (exit code 3)"
                              .replace("snippets/demo.py", page.cells[1].path))


def test_a_cell_stuck_where_its_alarm_cannot_reach_is_stopped_near_its_own_limit(tmp_path):
    import time

    stuck = GOOD + ("# %% stuck timeout=1\nimport signal, time\nsignal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])\n"
                    "time.sleep(40)\n")
    page = parse_page("docs/demo.md", "{{ cell a }}\n{{ cell stuck }}\n", "demo", write_module(tmp_path, stuck))
    started = time.monotonic()
    with pytest.raises(BookError, match=r"docs/demo.md:2: cell 'stuck' \(.*demo.py:5\) ran past its time limit of 1 s"):
        execute_page(page, None, rerun=True)
    assert time.monotonic() - started < 25  # not the page limit (every cell's limit plus 30 s: 91 s here)


# ------------------------------------------------------------------ what a cached run depended on (issue 15 §1-3, 8, 9)


def fake_distribution(lib: Path, version: str) -> None:
    """An installed distribution ``fakedist`` at ``version``, in the folder ``lib`` (replacing any other version)."""
    for old in lib.glob("fakedist-*.dist-info"):
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    (lib / "fakedist").mkdir(parents=True, exist_ok=True)
    (lib / "fakedist" / "__init__.py").write_text("ANSWER = 42\n")
    info = lib / f"fakedist-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fakedist\nVersion: {version}\n")
    (info / "top_level.txt").write_text("fakedist\n")


def test_the_cache_holds_only_while_every_imported_distribution_keeps_its_version(tmp_path, monkeypatch):
    lib = tmp_path / "lib"
    fake_distribution(lib, "1.0")
    monkeypatch.syspath_prepend(str(lib))
    module = f"# %% a\nimport importlib\nimport sys\nsys.path.insert(0, {str(lib)!r})\nprint(importlib.import_module('fakedist').ANSWER)\n"
    directory = write_module(tmp_path, module)
    page = parse_page("docs/demo.md", "{{ cell a }}\n", "demo", directory)
    cache = tmp_path / "cache"
    assert execute_page(page, cache, rerun=False).results[0].output == "42\n"
    assert execute_page(page, cache, rerun=False).hit
    fake_distribution(lib, "2.0")  # the same code, another version: the run may differ, so it runs again
    assert not execute_page(page, cache, rerun=False).hit
    assert execute_page(page, cache, rerun=False).hit


def test_cells_see_only_a_fixed_set_of_environment_variables_and_those_are_keyed(tmp_path, monkeypatch):
    from snippets._book.cache import page_key

    directory = write_module(tmp_path, "# %% a\nimport os\nprint(os.environ.get('DEMO_SETTING'), os.environ.get('LANG'))\n")
    page = parse_page("docs/demo.md", "{{ cell a }}\n", "demo", directory)
    monkeypatch.setenv("DEMO_SETTING", "1")
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert execute_page(page, None, rerun=True).results[0].output == "None C.UTF-8\n"  # the shell's DEMO_SETTING is not seen
    key = page_key(page)
    monkeypatch.setenv("DEMO_SETTING", "2")
    assert page_key(page) == key  # it cannot change the run
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert page_key(page) != key  # a variable the run sees is part of the key
    assert execute_page(page, None, rerun=True).results[0].output == "None en_GB.UTF-8\n"


def test_a_file_a_cell_reads_is_checked_on_every_cache_hit(tmp_path):
    data = tmp_path / "data.txt"
    data.write_text("3")
    directory = write_module(tmp_path, f"# %% a\nfrom pathlib import Path\nprint(int(Path({str(data)!r}).read_text()) * 2)\n")
    page = parse_page("docs/demo.md", "{{ cell a }}\n", "demo", directory)
    cache = tmp_path / "cache"
    assert execute_page(page, cache, rerun=False).results[0].output == "6\n"
    assert execute_page(page, cache, rerun=False).hit
    data.write_text("4")
    run = execute_page(page, cache, rerun=False)
    assert not run.hit and run.results[0].output == "8\n"


@pytest.mark.parametrize("code,left", [
    ("import threading, time\nthreading.Thread(target=time.sleep, args=(3,), name='ticker').start()\n", "a thread 'ticker'"),
    ("import subprocess\nsubprocess.Popen(['sleep', '3'])\n", "a child process"),
])
def test_a_cell_that_leaves_a_thread_or_process_running_fails_with_its_name(code, left):
    results, _ = run_cells(cells_of(f"# %% a\nx = 1\n# %% spawn\n{code}# %% later\nprint('later')\n"))
    assert [r.name for r in results] == ["a", "spawn"]
    assert f"cell 'spawn' (snippets/demo.py:4) left {left}" in results[-1].error


def test_a_cell_may_not_move_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results, _ = run_cells(cells_of("# %% a\nimport os\nos.chdir('/')\n# %% b\nprint(os.getcwd())\n"))
    assert len(results) == 1 and "cell 'a' (snippets/demo.py:2) changed the working directory to /" in results[0].error
    assert Path.cwd() == tmp_path  # put back: a checkpoint copies this folder only


def test_a_checkpoint_copies_only_the_pages_own_folder(tmp_path, monkeypatch):
    from snippets._book.checkpoints import Checkpointer

    scratch, elsewhere = tmp_path / "scratch", tmp_path / "elsewhere"
    scratch.mkdir()
    elsewhere.mkdir()
    (elsewhere / "big").write_text("not the page's")
    monkeypatch.chdir(scratch)
    checkpointer = Checkpointer(str(tmp_path / "checkpoints"), os.getpid(), None)
    os.chdir(elsewhere)
    with pytest.raises(OSError):
        checkpointer.fork(1, {})
    assert not (tmp_path / "checkpoints").exists()


def test_a_build_whose_cell_leaves_a_thread_fails_at_once_and_does_not_hang(tmp_path):
    import time

    module = GOOD + "# %% b\nimport threading, time\nthreading.Thread(target=lambda: (time.sleep(60), print('late'))).start()\n"
    book = make_book(tmp_path, module, "{{ cell a }}\n{{ cell b }}\n")
    started = time.monotonic()
    proc = build(book)
    assert proc.returncode != 0 and time.monotonic() - started < 45
    assert "docs/index.md:8: cell 'b' (snippets/demo.py:5) left a thread" in proc.stderr, proc.stderr[-2000:]


def test_a_page_whose_output_passes_the_size_cap_fails_naming_the_cell(tmp_path):
    directory = write_module(tmp_path, "# %% small\nprint(1)\n# %% flood\nprint('x' * 6_000_000)\n")
    page = parse_page("docs/demo.md", "{{ cell small }}\n{{ cell flood }}\n", "demo", directory)
    with pytest.raises(BookError) as err:
        execute_page(page, tmp_path / "cache", rerun=False)
    assert "docs/demo.md:2: cell 'flood' (" in str(err.value) and "demo.py:4) made 6.0 MB of output" in str(err.value)
    assert not list((tmp_path / "cache").glob("*.json"))  # nothing stored as if it were fine


def test_chapters_run_in_one_process_do_not_leak_torch_settings_into_each_other():
    import torch

    from snippets._book.run import run_in_scratch

    try:
        run_in_scratch(cells_of("# %% a\nimport torch\ntorch.set_default_dtype(torch.float64)\ntorch.set_grad_enabled(False)\n"
                                "torch.set_printoptions(precision=1)\n"))
        results, _ = run_in_scratch(cells_of("# %% b\nimport torch\nprint(torch.get_default_dtype(), torch.is_grad_enabled(), "
                                             "torch.tensor([1.23456]))\n"))
        assert results[0].output == "torch.float32 True tensor([1.2346])\n"
    finally:
        torch.set_default_dtype(torch.float32)
        torch.set_grad_enabled(True)
        torch.set_printoptions(profile="default")


@pytest.mark.parametrize("value", ["[click](javascript:alert(1))", "[x][ref]", "JavaScript:alert(1)"])
def test_a_quoted_string_cannot_become_a_live_link(value):
    results, _ = run_cells(cells_of(f"# %% a\nlabel = {value!r}\n"), {"a": [("label", "", 7)]})
    assert results[0].error_line == 7 and "would render as a live link" in results[0].error


def test_ordinary_quoted_values_still_pass():
    results, _ = run_cells(cells_of("# %% a\nshape = (2, 3)\nxs = [1.5, 2.5]\nword = 'relu(x) < 0 is [false]'\nnote = 'data: 5'\n"),
                           {"a": [("shape", "", 1), ("xs", ".1f", 2), ("word", "", 3), ("note", "", 4)]})
    assert results[0].error is None and results[0].values == ["[2, 3]", "[1.5, 2.5]", "relu(x) < 0 is [false]", "data: 5"]


def test_a_file_the_page_made_itself_is_no_input_of_its_run(tmp_path):
    # torch.save writes through C++, unseen by the audit hook: reading the file back must not tie the cache
    # entry to a file the run made (and that a temporary-file cleaner may remove before the next build).
    made = tmp_path / "made.txt"
    module = f"# %% a\nimport os\nos.system('echo 5 > {made}')\nprint(open({str(made)!r}).read().strip())\n"
    page = parse_page("docs/demo.md", "{{ cell a }}\n", "demo", write_module(tmp_path, module))
    cache = tmp_path / "cache"
    assert execute_page(page, cache, rerun=False).results[0].output == "5\n"
    made.unlink()
    assert execute_page(page, cache, rerun=False).hit


def test_two_pages_on_one_module_fail_the_build_naming_both(tmp_path):
    book = make_book(tmp_path, GOOD, "{{ cell a }}\n")
    (book / "docs" / "again.md").write_text("---\nsnippets: demo\n---\n\n# Again\n\n{{ cell a }}\n")
    proc = build(book)
    assert proc.returncode != 0
    assert "shows chapter module 'demo', and so does docs/" in proc.stderr, proc.stderr[-2000:]
