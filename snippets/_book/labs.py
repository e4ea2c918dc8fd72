"""Labs: a chapter's exercises as a workbook notebook, to work in anywhere Jupyter runs.

A chapter's ``## Exercises`` section is a list of exercises, each a bold ``**N. Title.**`` prompt
and a ``??? success "Solution"`` block that shows its solution cells and, last, its check cells
(cells named ``check_*``). The lab made from it has, for each exercise: the prompt, an empty
answer cell, the check cells, and the solution folded in a ``<details>`` block. Before them, one
setup cell holds the chapter's earlier code that the exercises use (:func:`setup_cells`).
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import hashlib
import re
from pathlib import Path

from nbformat import v4

from snippets._book.cells import Cell, Page
from snippets._book.companions import colab_url
from snippets._book.notebook import SENTINEL, SENTINEL_LINE, chapter_links, drop_attr_list, finish, markdown_cell
from snippets._book.render import fill_directives
from snippets._book.run import CellResult

PROMPT = re.compile(r"^\*\*(\d+)\.\s+(.+?)\*\*")
SOLUTION = re.compile(r'^\?\?\?\+?\s+success\b')
ANSWER = "# Your answer to exercise {}: write it here, then run the check below."


@dataclasses.dataclass
class Exercise:
    number: int
    title: str
    prompt: str  # Markdown, from the bold title to the solution block
    solutions: list[str]  # the solution cells' names, in order
    checks: list[str]  # the check cells' names, in order
    explanation: str  # the solution block's prose


def exercises(markdown: str) -> list[Exercise]:
    """The exercises of a page whose cells are sentinel lines (see :data:`notebook.SENTINEL`)."""
    lines = section(markdown.splitlines(), "## Exercises")
    found, i = [], 0
    while i < len(lines):
        m = PROMPT.match(lines[i])
        if not m:
            i += 1
            continue
        prompt, i = [], i
        while i < len(lines) and not SOLUTION.match(lines[i]) and not (prompt and PROMPT.match(lines[i])):
            prompt.append(drop_attr_list(lines[i]))
            i += 1
        body = []
        if i < len(lines) and SOLUTION.match(lines[i]):
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
                body.append(lines[i][4:])
                i += 1
        names = [s.group(2) for b in body if (s := SENTINEL_LINE.match(b))]
        prose = "\n".join(drop_attr_list(b) for b in body if not SENTINEL_LINE.match(b))
        found.append(Exercise(int(m.group(1)), m.group(2).rstrip("."), "\n".join(prompt).strip(),
                              [n for n in names if not n.startswith("check_")],
                              [n for n in names if n.startswith("check_")], re.sub(r"\n{3,}", "\n\n", prose).strip()))
    return found


def section(lines: list[str], heading: str) -> list[str]:
    """The lines under ``heading``, up to the next heading of the same level."""
    if heading not in lines:
        return []
    start = lines.index(heading) + 1
    level = heading.split(" ")[0] + " "
    end = next((k for k in range(start, len(lines)) if lines[k].startswith(level)), len(lines))
    return lines[start:end]


# --------------------------------------------------------------------------- the setup cell


def setup_cells(cells: list[Cell], used_later: list[Cell]) -> list[Cell]:
    """The cells, of those before the exercises, that the exercises' code needs: a cell that binds or
    changes a name the exercises (or another needed cell) read is needed. Read by ``ast``, without
    running anything; the lab tests then run the setup with and without the answers
    (tests/test_companions.py), so a cell missed here fails there.
    """
    # Modules, and the chapter's functions and classes, are not changed by code that uses them.
    functions = set().union(*(definitions(c.code) for c in cells + used_later))
    modules = set().union(*(imports(c.code) for c in cells + used_later)) | functions
    wanted = set().union(*(reads(c.code) for c in used_later)) if used_later else set()
    keep = []
    for cell in reversed(cells):
        if cell.raises:
            continue
        binds, changes = writes(cell.code, modules, functions)
        if (binds | changes) & wanted:
            keep.append(cell)
            wanted -= binds - changes  # bound here: an earlier binding of the name is not needed
            wanted |= reads(cell.code)
    return keep[::-1]


BUILTINS = set(dir(builtins))
PARAMETERS = {"parameters", "named_parameters", "grad", "weight", "bias", "data", "state_dict"}
MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "add", "discard", "setdefault",
            "sort", "reverse", "backward", "step", "zero_grad", "train", "eval", "load_state_dict"}
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
          ast.DictComp, ast.GeneratorExp)


def walk(node):
    """``ast.walk`` that stays in the module's scope: it does not enter functions, classes or comprehensions."""
    yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, SCOPES):
            yield from walk(child)


def stored(node) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}


def reads(code: str) -> set[str]:
    """The names the code reads before it binds them itself, statement by statement and into loop and
    ``with`` bodies; a name a function reads counts unless the function binds it (more than needed only
    ever makes a larger setup)."""
    free = set()

    def loads(node, bound):
        nested = set()
        for scope in (n for n in ast.walk(node) if isinstance(n, SCOPES)):
            nested |= {a.arg for a in ast.walk(scope) if isinstance(a, ast.arg)}
            nested |= {n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        found |= {n.target.id for n in walk(node) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}
        return found - bound - nested

    def block(statements, bound):
        for stmt in statements:
            if isinstance(stmt, (ast.For, ast.While, ast.If, ast.With, ast.Try)):
                heads = [getattr(stmt, f) for f in ("iter", "test") if hasattr(stmt, f)]
                heads += [i.context_expr for i in getattr(stmt, "items", [])]
                for head in heads:
                    free.update(loads(head, bound))
                for target in [getattr(stmt, "target", None)] + [i.optional_vars for i in getattr(stmt, "items", [])]:
                    if target is not None:
                        bound |= stored(target)
                for body in ("body", "orelse", "finalbody"):
                    block(getattr(stmt, body, []), bound)
                for handler in getattr(stmt, "handlers", []):
                    block(handler.body, bound | ({handler.name} if handler.name else set()))
                continue
            free.update(loads(stmt, bound))
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(stmt.name)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                bound |= {(a.asname or a.name).split(".")[0] for a in stmt.names}
            else:
                bound |= stored(stmt)

    block(ast.parse(code).body, set())
    return free - BUILTINS


def definitions(code: str) -> set[str]:
    """The functions and classes a cell defines at module level."""
    return {n.name for n in ast.parse(code).body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def imports(code: str) -> set[str]:
    """The names a cell's imports bind (``torch``, ``nn``, ``plt``)."""
    return {(a.asname or a.name).split(".")[0] for n in ast.walk(ast.parse(code))
            if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}


def writes(code: str, modules: set[str] = frozenset(), functions: set[str] = frozenset()) -> tuple[set[str], set[str]]:
    """The names a cell binds at module level, and those it may change in place: the object of an
    attribute or item assignment (``w.grad = None``), of a method that changes its object (PyTorch's
    in-place methods end in ``_``; :data:`MUTATORS` has the others, such as ``opt.step()``), and the
    first argument of a function the chapter defines (``train(model, data)``) or of an in-place
    function (``nn.init.zeros_(w)``). Other functions (``torch.tanh(x)``, ``model(x)``) change nothing,
    nor do builtins. A cell that calls ``backward()`` or ``step()`` may change every name whose
    parameters it reads (``model.parameters()``, ``w.grad``): gradients and updates reach them.
    A guess, never a proof: the lab tests run what it chooses."""
    binds, changes = set(), set()

    def base(node):  # the name whose object an attribute chain starts from; a call's result is a new object
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    for stmt in ast.parse(code).body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.add(stmt.name)
            continue
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            binds.update((a.asname or a.name).split(".")[0] for a in stmt.names)
            continue
        binds |= stored(stmt)
        for node in walk(stmt):
            if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
                changes.add(base(node))
            elif isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in BUILTINS):
                owner, method = base(node.func), getattr(node.func, "attr", "")
                first = node.args[0].id if node.args and isinstance(node.args[0], ast.Name) else None
                if owner in modules:  # torch.tanh(x), plt.plot(x): only in-place functions change x
                    changes.add(first if method.endswith("_") else None)
                elif isinstance(node.func, ast.Attribute):  # x.mean() reads x; x.add_(1), opt.step() change it
                    changes.add(owner if method.endswith("_") or method in MUTATORS else None)
                elif owner in functions:  # a function of the chapter's changes what it is given first: train(model, data)
                    changes.add(first)
    tree = ast.parse(code)
    if any(isinstance(n, ast.Call) and getattr(n.func, "attr", "") in ("backward", "step") for n in ast.walk(tree)):
        # loss.backward() and opt.step() reach the parameters of the graph and the optimizer: whatever the cell
        # reaches the parameters of (model.parameters(), w.grad); inputs (model(X), X.to(device)) are left alone.
        changes |= {base(n) for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in PARAMETERS} & reads(code)
    return binds, changes - {None} - modules


# --------------------------------------------------------------------------- the notebook


def lab_notebook(page: Page, markdown: str, results: list[CellResult], site_url: str | None = None) -> str | None:
    """The lab of a chapter page (``markdown`` without front matter), or None when it has no exercises."""
    filled = fill_directives(markdown, results, SENTINEL.format)
    found = exercises(filled)
    if not found:
        return None
    by_name = {c.name: c for c in page.cells}
    used = [by_name[n] for e in found for n in e.solutions + e.checks]
    first = min(page.cells.index(c) for c in used)
    setup = setup_cells(page.cells[:first], used)
    link = f"[{page.title}]({site_url.rstrip('/')}/{page.module}/)" if site_url else f"*{page.title}*"
    cells = [
        markdown_cell(f"# Lab: {page.title}"),
        markdown_cell(
            f"The exercises of the chapter {link} from *How Neural Networks Learn*, as a workbook. Run the setup "
            "cell first. Then, for each exercise, write your answer in the empty cell under it and run the check "
            "cell after it: it says whether you got it, and what to look at if not. Each solution is folded "
            "under its check; try the exercise before you open it. You need `torch` and `matplotlib`"
            + (" and `scikit-learn`." if "sklearn" in "".join(c.code for c in page.cells) else ".")),
        markdown_cell("## Setup\n\nThe chapter's code that the exercises use, in the chapter's order."),
        v4.new_code_cell("\n\n".join(c.code for c in setup), id="setup", metadata={"tags": ["setup"]}),
    ]
    for ex in found:
        cells.append(markdown_cell(f"## Exercise {ex.number}: {ex.title}\n\n"
                                   + chapter_links(PROMPT.sub("", ex.prompt, count=1).strip(), site_url, page.module)))
        cells.append(v4.new_code_cell(ANSWER.format(ex.number), id=f"answer-{ex.number}", metadata={"tags": ["answer"]}))
        for name in ex.checks:
            cells.append(v4.new_code_cell(by_name[name].code, id=name.replace("_", "-"), metadata={"tags": ["check"]}))
        code = "\n\n".join(by_name[n].code for n in ex.solutions)
        explanation = chapter_links(ex.explanation, site_url, page.module)
        cells.append(markdown_cell(f"<details><summary>Solution to exercise {ex.number}</summary>\n\n"
                                   f"```python\n{code}\n```\n\n{explanation}\n\n</details>"))
    return finish(cells)


def answers(page: Page, markdown: str) -> dict[str, str]:
    """Each answer cell's id → its exercise's solution code: what a learner who solved them all would write."""
    by_name = {c.name: c for c in page.cells}
    found = exercises(fill_directives(markdown, [], SENTINEL.format))
    return {f"answer-{e.number}": "\n\n".join(by_name[n].code for n in e.solutions) for e in found}


# --------------------------------------------------------------------------- on the site


def labs_index(labs: dict[str, tuple[str, int, str]], repo_url: str | None) -> str:
    """The Labs page (``labs/index.md``): a row per chapter with exercises, in the order of ``labs``
    (module → chapter title, number of exercises, chapter page)."""
    rows = []
    for module, (title, count, src) in labs.items():
        colab = colab_url(repo_url, f"downloads/labs/{module}.ipynb")
        rows.append(f"| [{title}](../{src}) | {count} | [Open the lab]({module}.ipynb) | "
                    f"[{module}.ipynb](../downloads/labs/{module}.ipynb)" + (f" · [Colab]({colab})" if colab else "") + " |")
    return "\n".join([
        "# Labs", "",
        "Each lab is a chapter's exercises as a Jupyter notebook to work in. A setup cell runs the chapter's "
        "code that the exercises use. Then, for each exercise, there is the prompt, an empty cell for your "
        "answer, and a check cell that tells you whether you got it, and what to look at if not. The solution "
        "is folded under the check. Read the chapter first, then download its lab"
        + (" or open it in Colab" if repo_url else "") + ". The labs need `torch` and `matplotlib` "
        "(and `scikit-learn` for the digits chapter), and any Jupyter: JupyterLab, VS Code, Colab.", "",
        "| Chapter | Exercises | On this site | Download |", "|---|---|---|---|", *rows, ""])


def exercise_count(notebook: str) -> int:
    return len(re.findall(r'"id": "answer-\d+"', notebook))


STYLE = re.compile(r'<style type="text/css">(.*?)</style>\s*', re.S)
MERMAID = re.compile(r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded", async \(\) => \{\s*'
                     r'const diagrams = document\.querySelectorAll\("\.jp-Mermaid.*?</script>\s*', re.S)


def shared_styles(page: str, site_dir: Path, root: str) -> str:
    """mkdocs-jupyter writes its stylesheets (about 600 kB) into every lab page. Move them to one file
    that every lab links to (``root`` leads from the page to the site's root), and drop its Mermaid
    loader: no lab has a diagram, and the loader names another host."""
    styles = STYLE.findall(page)
    if not styles:
        return page
    css = "\n".join(styles)
    name = f"assets/stylesheets/jupyter-{hashlib.sha256(css.encode()).hexdigest()[:10]}.css"
    target = site_dir / name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
    first = STYLE.search(page)
    page = page[:first.start()] + f'<link rel="stylesheet" href="{root}{name}">\n' + STYLE.sub("", page[first.start():])
    return MERMAID.sub("", page)


CODE = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>|<script\b.*?</script>)", re.S)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])")


def mark_math(page: str) -> str:
    """A notebook's Markdown keeps its TeX as ``$...$``, which Jupyter typesets. On the site, wrap it as
    pymdownx.arithmatex does, so the page loads the site's KaTeX (docs/overrides/main.html) and it is
    typeset the same way as the chapters' math. Code is left alone."""
    parts = CODE.split(page)
    for k in range(0, len(parts), 2):
        text = DISPLAY_MATH.sub(lambda m: f'<div class="arithmatex">\\[{m.group(1)}\\]</div>', parts[k])
        parts[k] = INLINE_MATH.sub(lambda m: f'<span class="arithmatex">\\({m.group(1)}\\)</span>', text)
    return "".join(parts)
