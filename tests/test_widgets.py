"""The interactive widgets in a real browser: Playwright driving Debian's headless Chromium.

Each widget starts from its chapter's values, which the build writes into the page from the Python
run. For each one these tests read the numbers the widget shows, compare them with an independent
Python computation (plain floats or torch, never the widget's code) to 4 decimals, check that the
page quotes the same numbers, then move a control as a reader would (typing, arrow keys, buttons)
and compare again. They also check what readers without a mouse, without sight, without JavaScript
or with a phone rely on.

With CI=true these tests must run; elsewhere they skip, with the reason, when Chromium or
Playwright is missing.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import random
from html.parser import HTMLParser

import pytest
import torch

from conftest import requires_browser
from snippets._book.run import run_module

PAGES = {"lr-explorer": "/gradient_descent/", "perceptron-explorer": "/perceptrons/",
         "graph-playground": "/backpropagation/"}

pytestmark = requires_browser()


class Visit:
    """One page in a fresh browser context, recording console errors and failed requests."""

    def __init__(self, browser, base: str, path: str, width: int = 1200, **context):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, **context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed request {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(f"{r.url} {r.status}"))
        self.page.goto(base + path, wait_until="load")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    """Open a page; at the end of the test, assert it logged no console error (the widgets log one when
    they disagree with the numbers the page's Python run wrote into them)."""
    visits = []

    def open_page(path, **kwargs):
        v = Visit(browser, server, path, **kwargs)
        visits.append(v)
        return v

    yield open_page
    for v in visits:
        errors = v.errors
        v.close()
        assert not errors, f"console errors: {errors}"


def close4(a: float, b: float) -> bool:
    """Equal to 4 decimals (relative to the size, for the large numbers of a diverging run)."""
    return abs(a - b) <= 1e-4 * max(1.0, abs(b))


def shown(v: float) -> str:
    """How the widgets write a number to 4 decimals: with a real minus sign."""
    return f"{v:.4f}".replace("-", "−")


def attr(locator, name: str) -> str:
    value = locator.get_attribute(name)
    assert value is not None, f"no attribute {name}"
    return value


def set_value(widget, control: str, value) -> None:
    """Type a value into a widget's number input, as a reader would."""
    box = widget.locator(f'input[data-control="{control}"]')
    box.fill(str(value))


# ------------------------------------------------ independent Python versions


def descend(df, start: float, lr: float, steps: int) -> list[float]:
    """Plain gradient descent with plain floats: x before each step and after the last."""
    xs = [start]
    for _ in range(steps):
        xs.append(xs[-1] - lr * df(xs[-1]))
    return xs


def bowl(x):
    return (x - 5) ** 2


def bowl_slope(x):
    return 2 * (x - 5)


def two_valleys(x):
    return x ** 4 - 3 * x ** 2 + x


def two_valleys_slope(x):
    return 4 * x ** 3 - 6 * x + 1


CORNERS = [(0, 0), (0, 1), (1, 0), (1, 1)]
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}


def perceptron_table(w1, w2, b):
    """z and step(z) on the four corners, computed as torch float64 tensors, and the gates they match."""
    x = torch.tensor(CORNERS, dtype=torch.float64)
    z = x[:, 0] * w1 + x[:, 1] * w2 + b
    outputs = (z > 0).long().tolist()
    return z.tolist(), outputs, [g for g, target in GATES.items() if outputs == target]


def chain_by_autograd(x, y, z):
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in dict(x=x, y=y, z=z).items()}
    q = leaves["x"] + leaves["y"]
    q.retain_grad()
    f = q * leaves["z"]
    f.backward()
    values = {"x": x, "y": y, "z": z, "q": q.item(), "f": f.item()}
    grads = {**{k: t.grad.item() for k, t in leaves.items()}, "q": q.grad.item(), "f": 1.0}
    return values, grads


NEURON_LEAVES = ["x1", "x2", "w1", "w2", "bias", "target"]


def neuron_by_autograd(leaf_values: dict):
    t = {k: torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for k, v in leaf_values.items()}
    n = {}
    n["p1"] = t["w1"] * t["x1"]
    n["p2"] = t["w2"] * t["x2"]
    n["s"] = n["p1"] + n["p2"]
    n["z"] = n["s"] + t["bias"]
    n["a"] = torch.relu(n["z"])
    n["err"] = n["a"] - t["target"]
    n["loss"] = n["err"] ** 2
    for v in n.values():
        v.retain_grad()
    n["loss"].backward()
    every = {**t, **n}
    return {k: v.item() for k, v in every.items()}, {k: v.grad.item() for k, v in every.items()}


# ------------------------------------------------------ learning-rate explorer


def lr_state(widget) -> dict:
    return {"x": float(attr(widget, "data-final-x")), "f": float(attr(widget, "data-final-f")),
            "path": json.loads(attr(widget, "data-path")), "diverged": attr(widget, "data-diverged") == "true",
            "status": widget.locator(".widget__status").inner_text()}


def test_lr_explorer_starts_from_the_chapter_and_matches_python(visit):
    ns = chapter_namespace("gradient_descent")
    page = visit(PAGES["lr-explorer"]).page
    widget = page.locator('[data-widget="lr-explorer"]')
    # The page's defaults are the chapter's variables.
    assert float(attr(widget, "data-start")) == ns["start"] == 0.0
    assert float(attr(widget, "data-lr")) == ns["learning_rate"] == 0.1
    assert int(attr(widget, "data-steps")) == ns["steps"] == 20
    assert widget.locator('input[data-control="lr"]').input_value() == "0.1"

    xs = descend(bowl_slope, 0.0, 0.1, 20)
    closed = [5 + (0 - 5) * 0.8 ** k for k in range(21)]          # x_k = 5 + (x0 - 5)(1 - 2α)^k
    assert all(close4(a, b) for a, b in zip(xs, closed))
    # What the page quotes from the torch run
    assert close4(float(attr(widget, "data-expected-final-x")), closed[-1])
    assert close4(float(attr(widget, "data-expected-final-f")), bowl(closed[-1]))
    assert all(close4(a, b) for a, b in zip(json.loads(attr(widget, "data-expected-path")), closed))
    # What the widget shows
    state = lr_state(widget)
    assert len(state["path"]) == 21 and all(close4(a, b) for a, b in zip(state["path"], xs))
    assert close4(state["x"], xs[-1]) and close4(state["f"], bowl(xs[-1]))
    assert f"x = {shown(xs[-1])}" in state["status"] and f"f(x) = {shown(bowl(xs[-1]))}" in state["status"]
    assert not state["diverged"]


def test_lr_explorer_follows_typing_and_arrow_keys(visit):
    page = visit(PAGES["lr-explorer"]).page
    widget = page.locator('[data-widget="lr-explorer"]')
    set_value(widget, "lr", "0.95")
    state = lr_state(widget)
    xs = descend(bowl_slope, 0.0, 0.95, 20)
    assert close4(state["x"], xs[-1]) and close4(state["x"], 5 + (0 - 5) * (1 - 2 * 0.95) ** 20)
    assert not state["diverged"]                                   # zig-zags, but closes in

    set_value(widget, "start", "-3")
    slider = widget.locator('input[data-control="steps-range"]')
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")                          # 20 → 25 steps, by keyboard
    assert widget.locator('input[data-control="steps"]').input_value() == "25"
    state = lr_state(widget)
    xs = descend(bowl_slope, -3.0, 0.95, 25)
    assert len(state["path"]) == 26 and all(close4(a, b) for a, b in zip(state["path"], xs))
    assert f"x = {shown(xs[-1])}" in state["status"]

    widget.locator('[data-control="reset"]').click()
    assert close4(lr_state(widget)["x"], descend(bowl_slope, 0.0, 0.1, 20)[-1])


def test_lr_explorer_reports_divergence_at_1_1(visit):
    page = visit(PAGES["lr-explorer"]).page
    widget = page.locator('[data-widget="lr-explorer"]')
    assert float(attr(widget, "data-divergent-lr")) == 1.1
    set_value(widget, "lr", "1.1")
    state = lr_state(widget)
    xs = descend(bowl_slope, 0.0, 1.1, 20)
    assert abs(xs[-1] - 5) > abs(xs[0] - 5)                        # the run really diverges
    assert state["diverged"] and attr(widget, "data-verdict") == "diverges"
    assert "Diverges" in state["status"]
    assert close4(state["f"], bowl(xs[-1])) and close4(state["f"], 25 * 1.2 ** 40)
    # the page's float32 torch run, quoted on the page
    assert math.isclose(float(attr(widget, "data-divergent-final-f")), 25 * 1.2 ** 40, rel_tol=1e-5)
    # neither 0.95 (zig-zag) nor 1.0 (bounces for ever between 0 and 10) is called divergent
    for lr in ("0.95", "1", "0.5"):
        set_value(widget, "lr", lr)
        assert not lr_state(widget)["diverged"], lr
    set_value(widget, "lr", "1.2")
    assert lr_state(widget)["diverged"]


def test_lr_explorer_on_the_two_valley_curve(visit):
    ns = chapter_namespace("gradient_descent")
    page = visit(PAGES["lr-explorer"]).page
    widget = page.locator('[data-widget="lr-explorer"]')
    widget.get_by_label("f(x) = x⁴ − 3x² + x").check()
    assert float(attr(widget, "data-two-start")) == ns["two_minima_starts"][1] == 2.0
    assert float(attr(widget, "data-two-lr")) == ns["two_minima_learning_rate"] == 0.02
    assert int(attr(widget, "data-two-steps")) == ns["two_minima_steps"] == 60
    assert widget.locator('input[data-control="start"]').input_value() == "2"

    xs = descend(two_valleys_slope, 2.0, 0.02, 60)
    local_min = 1.1308
    assert abs(two_valleys_slope(xs[-1])) < 1e-3 and abs(xs[-1] - local_min) < 1e-3
    assert close4(float(attr(widget, "data-two-expected-final-x")), xs[-1])       # quoted by the page
    assert close4(float(attr(widget, "data-two-expected-final-f")), two_valleys(xs[-1]))
    state = lr_state(widget)
    assert close4(state["x"], xs[-1]) and close4(state["f"], two_valleys(xs[-1]))
    assert "shallow valley" in state["status"]

    set_value(widget, "start", "-2")
    xs = descend(two_valleys_slope, -2.0, 0.02, 60)
    assert close4(float(attr(widget, "data-two-other-expected-final-x")), xs[-1])
    state = lr_state(widget)
    assert close4(state["x"], xs[-1]) and "deep valley" in state["status"]

    set_value(widget, "start", "2")
    set_value(widget, "lr", "0.3")                                 # far too large for a quartic
    state = lr_state(widget)
    assert state["diverged"] and "Diverged" in state["status"]
    with pytest.raises(OverflowError):
        descend(two_valleys_slope, 2.0, 0.3, 60)                   # Python agrees: it blows up


# ------------------------------------------------------- perceptron explorer


def perceptron_state(widget) -> dict:
    rows = widget.locator("tbody tr")
    return {
        "z": json.loads(attr(widget, "data-z")),
        "outputs": json.loads(attr(widget, "data-outputs")),
        "matches": [g for g in attr(widget, "data-matches").split(",") if g],
        "z_shown": [float(rows.nth(i).locator('[data-cell="z"]').get_attribute("data-value")) for i in range(4)],
        "out_shown": [int(rows.nth(i).locator('[data-cell="output"]').inner_text()) for i in range(4)],
        "xor": widget.locator('li[data-gate="XOR"]').get_attribute("data-match"),
    }


def test_perceptron_explorer_starts_from_and_and_matches_python(visit):
    ns = chapter_namespace("perceptrons")
    page = visit(PAGES["perceptron-explorer"]).page
    widget = page.locator('[data-widget="perceptron-explorer"]')
    start = tuple(float(attr(widget, k)) for k in ("data-w1", "data-w2", "data-b"))
    assert start == ns["AND_WEIGHTS"] == (1.0, 1.0, -1.5)
    assert json.loads(attr(widget, "data-or")) == list(ns["OR_WEIGHTS"])

    z, outputs, gates = perceptron_table(*start)
    assert outputs == [x1 & x2 for x1, x2 in CORNERS] and gates == ["AND"]
    # the page's quotes
    assert all(close4(a, b) for a, b in zip(json.loads(attr(widget, "data-expected-z")), z))
    assert json.loads(attr(widget, "data-expected-outputs")) == outputs
    assert attr(widget, "data-expected-gates") == "AND"
    # the widget
    state = perceptron_state(widget)
    assert all(close4(a, b) for a, b in zip(state["z"], z)) and all(close4(a, b) for a, b in zip(state["z_shown"], z))
    assert state["outputs"] == state["out_shown"] == outputs
    assert state["matches"] == ["AND"] and state["xor"] == "false"
    assert widget.locator('li[data-gate="AND"]').get_attribute("data-match") == "true"
    assert widget.locator('[data-preset="AND"]').get_attribute("aria-pressed") == "true"


def test_perceptron_explorer_follows_controls(visit):
    page = visit(PAGES["perceptron-explorer"]).page
    widget = page.locator('[data-widget="perceptron-explorer"]')
    set_value(widget, "b", "-0.5")                                 # AND's line slides down: OR
    z, outputs, gates = perceptron_table(1.0, 1.0, -0.5)
    state = perceptron_state(widget)
    assert all(close4(a, b) for a, b in zip(state["z"], z)) and state["outputs"] == outputs
    assert state["matches"] == gates == ["OR"]

    slider = widget.locator('input[data-control="w1-range"]')
    slider.focus()
    for _ in range(15):
        page.keyboard.press("ArrowLeft")                           # w1: 1.0 → -0.5 in steps of 0.1
    w1 = float(widget.locator('input[data-control="w1"]').input_value())
    assert close4(w1, -0.5)
    z, outputs, gates = perceptron_table(w1, 1.0, -0.5)
    state = perceptron_state(widget)
    assert all(close4(a, b) for a, b in zip(state["z"], z)) and state["outputs"] == outputs
    assert state["matches"] == gates

    for preset, weights in [("OR", (1.0, 1.0, -0.5)), ("NOT x₁", (-1.0, 0.0, 0.5))]:
        widget.locator(f'[data-preset="{preset}"]').click()
        z, outputs, gates = perceptron_table(*weights)
        state = perceptron_state(widget)
        assert state["outputs"] == outputs and state["matches"] == gates, preset
    assert perceptron_state(widget)["outputs"] == [1, 1, 0, 0]    # NOT x1, whatever x2


def test_perceptron_explorer_never_matches_xor(visit):
    page = visit(PAGES["perceptron-explorer"]).page
    widget = page.locator('[data-widget="perceptron-explorer"]')
    rng = random.Random(8)
    grid = [k / 10 for k in range(-30, 31)]
    settings = [tuple(rng.choice(grid) for _ in range(3)) for _ in range(40)]
    settings += [(1.0, 1.0, -1.0), (0.1, 0.2, -0.3), (-1.0, -1.0, 1.5), (1.0, -1.0, 0.0), (0.0, 0.0, 0.0),
                 (2.0, 2.0, -1.0), (-2.0, 2.0, -0.5), (1.0, 1.0, -2.0)]  # lines through corners, NAND, ...
    seen = set()
    for w1, w2, b in settings:
        for key, value in (("w1", w1), ("w2", w2), ("b", b)):
            set_value(widget, key, value)
        z, outputs, gates = perceptron_table(w1, w2, b)
        state = perceptron_state(widget)
        assert state["outputs"] == outputs, (w1, w2, b)
        assert all(close4(a, c) for a, c in zip(state["z"], z)), (w1, w2, b)
        assert state["matches"] == gates, (w1, w2, b)
        assert "XOR" not in state["matches"] and state["xor"] == "false", (w1, w2, b)
        seen.update(gates)
    assert {"AND", "OR", "NAND"} <= seen                           # the sample does reach the other gates


# ---------------------------------------------------------- graph playground


def graph_state(widget) -> dict:
    values, grads = {}, {}
    rows = widget.locator("tbody tr")
    for i in range(rows.count()):
        row = rows.nth(i)
        name = row.get_attribute("data-node")
        values[name] = float(row.locator('[data-cell="value"]').get_attribute("data-value"))
        g = row.locator('[data-cell="grad"]').get_attribute("data-grad")
        grads[name] = float(g) if g else None
    return {"values": values, "grads": grads, "state": widget.get_attribute("data-state")}


def test_chain_playground_starts_from_the_chapter_and_matches_autograd(visit):
    ns = chapter_namespace("backpropagation")
    page = visit(PAGES["graph-playground"]).page
    widget = page.locator('[data-widget="graph-playground"][data-graph="chain"]')
    leaves = {k: float(attr(widget, f"data-value-{k}")) for k in "xyz"}
    assert leaves == {"x": ns["x"], "y": ns["y"], "z": ns["z"]} == {"x": -2.0, "y": 5.0, "z": -4.0}
    values, grads = chain_by_autograd(**leaves)
    assert grads["x"] == grads["y"] == leaves["z"] and grads["z"] == leaves["x"] + leaves["y"]  # by hand
    for k in "qf":                                                  # the page's quotes
        assert close4(float(attr(widget, f"data-value-{k}")), values[k])
    for k in "xyzq":
        assert close4(float(attr(widget, f"data-grad-{k}")), grads[k])

    before = graph_state(widget)
    assert before["state"] == "forward" and all(g is None for g in before["grads"].values())
    assert all(close4(before["values"][k], values[k]) for k in values)
    widget.locator('[data-control="backward"]').click()
    after = graph_state(widget)
    assert after["state"] == "backward"
    assert all(close4(after["grads"][k], grads[k]) for k in grads)

    explain = widget.locator(".widget__explain")                   # x is selected: upstream × local
    assert attr(explain, "data-node") == "x"
    assert close4(float(attr(explain, "data-upstream")), grads["q"]) and float(attr(explain, "data-local")) == 1.0
    assert close4(float(attr(explain, "data-product")), grads["x"])
    assert "(−4) × 1 = −4" in explain.inner_text()
    widget.locator("select").select_option("z")
    assert close4(float(attr(explain, "data-local")), values["q"])  # ∂f/∂z = q
    assert close4(float(attr(explain, "data-product")), grads["z"])


def test_chain_playground_recomputes_after_a_change(visit):
    page = visit(PAGES["graph-playground"]).page
    widget = page.locator('[data-widget="graph-playground"][data-graph="chain"]')
    widget.locator('[data-control="backward"]').click()
    set_value(widget, "x", "3")
    state = graph_state(widget)
    assert state["state"] == "forward" and all(g is None for g in state["grads"].values())  # stale gradients go
    box = widget.locator('input[data-control="z"]')
    box.focus()
    page.keyboard.press("ArrowUp")                                  # z: -4 → -3, by keyboard
    assert box.input_value() == "-3"
    widget.locator('[data-control="backward"]').click()
    values, grads = chain_by_autograd(3.0, 5.0, -3.0)
    state = graph_state(widget)
    assert all(close4(state["values"][k], values[k]) for k in values)
    assert all(close4(state["grads"][k], grads[k]) for k in grads)
    assert "∂f/∂x = −3" in widget.locator('[role="status"]').inner_text()


def test_neuron_playground_starts_from_the_chapter_and_matches_autograd(visit):
    ns = chapter_namespace("backpropagation")
    page = visit(PAGES["graph-playground"]).page
    widget = page.locator('[data-widget="graph-playground"][data-graph="neuron"]')
    page_values = ast.literal_eval(attr(widget, "data-values"))
    page_grads = ast.literal_eval(attr(widget, "data-expected-grads"))
    leaves = {k: page_values[k] for k in NEURON_LEAVES}
    assert leaves == {k: ns[k] for k in ["x1", "x2", "w1", "w2", "bias", "target"]}
    values, grads = neuron_by_autograd(leaves)
    assert all(close4(page_values[k], values[k]) for k in values)   # the page's quotes
    assert all(close4(page_grads[k], grads[k]) for k in grads)

    widget.locator('[data-control="backward"]').click()
    state = graph_state(widget)
    assert set(state["values"]) == set(values)
    assert all(close4(state["values"][k], values[k]) for k in values)
    assert all(close4(state["grads"][k], grads[k]) for k in grads)
    explain = widget.locator(".widget__explain")                   # w1: upstream ∂loss/∂p1 × local x1
    assert attr(explain, "data-node") == "w1"
    assert close4(float(attr(explain, "data-upstream")), grads["p1"])
    assert close4(float(attr(explain, "data-local")), leaves["x1"])
    assert close4(float(attr(explain, "data-product")), grads["w1"])


@pytest.mark.parametrize("changes", [{"bias": -3.5}, {"w1": -0.25, "target": 4.0}, {"x1": 0.3, "x2": 0.7, "w2": 2.0}])
def test_neuron_playground_recomputes_after_a_change(visit, changes):
    page = visit(PAGES["graph-playground"]).page
    widget = page.locator('[data-widget="graph-playground"][data-graph="neuron"]')
    leaves = ast.literal_eval(attr(widget, "data-values"))
    leaves = {k: leaves[k] for k in NEURON_LEAVES}
    for k, v in changes.items():
        set_value(widget, k, v)
        leaves[k] = v
    widget.locator('[data-control="backward"]').click()
    values, grads = neuron_by_autograd(leaves)
    state = graph_state(widget)
    assert all(close4(state["values"][k], values[k]) for k in values)
    assert all(close4(state["grads"][k], grads[k]) for k in grads)
    if values["z"] <= 0:                                            # a dead ReLU passes nothing back
        assert all(state["grads"][k] == 0 for k in ["z", "s", "p1", "p2", "w1", "w2", "x1", "x2", "bias"])
        widget.locator("select").select_option("z")
        assert float(attr(widget.locator(".widget__explain"), "data-local")) == 0.0


# -------------------------------------------------------- for every reader


@pytest.mark.parametrize("name", list(PAGES))
def test_widget_controls_are_labelled_and_results_announced(visit, name):
    page = visit(PAGES[name]).page
    for widget in page.locator(f'[data-widget="{name}"]').all():
        unlabelled = widget.evaluate(
            """w => [...w.querySelectorAll('input, select, button')].filter(c =>
                   !(c.labels && c.labels.length && c.labels[0].textContent.trim()) &&
                   !(c.getAttribute('aria-label') || '').trim() && !(c.tagName === 'BUTTON' && c.textContent.trim()))
                 .map(c => c.outerHTML.slice(0, 80))""")
        assert not unlabelled
        assert widget.locator('[aria-live="polite"]').count() >= 1
        assert widget.locator('[aria-live="polite"]').first.inner_text().strip()
        for svg in widget.locator("svg").all():
            assert svg.get_attribute("role") == "img" and len(svg.get_attribute("aria-label") or "") > 20
        # every control is reachable with the Tab key (native inputs, selects and buttons, none taken out)
        assert widget.locator("[tabindex='-1']").count() == 0


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_widgets_fit_a_phone_in_both_colour_schemes(visit, name, scheme):
    page = visit(PAGES[name], width=390, color_scheme=scheme).page
    expected = "slate" if scheme == "dark" else "default"
    assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == expected
    for widget in page.locator(f'[data-widget="{name}"]').all():
        backward = widget.locator('[data-control="backward"]')
        if backward.count():
            backward.click()
        box = widget.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        inner = widget.evaluate("w => w.scrollWidth - w.clientWidth")
        assert inner <= 0, f"{inner}px of overflow inside the widget"
        # text is readable: its colour differs clearly from the page background
        colours = widget.evaluate(
            """w => [getComputedStyle(w.querySelector('.widget__status')).color,
                     getComputedStyle(document.body).backgroundColor]""")
        assert colours[0] != colours[1]
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("name", list(PAGES))
def test_without_javascript_the_chapter_still_reads(visit, name):
    page = visit(PAGES[name], java_script_enabled=False).page
    widgets = page.locator(f'[data-widget="{name}"]')
    assert widgets.count() >= 1
    for widget in widgets.all():
        assert "needs JavaScript" in widget.inner_text()
    assert page.locator("article img.snippet-figure").count() >= 1     # the static figures are there
    assert page.locator("article .snippet-output").count() >= 3


@pytest.mark.parametrize("name", list(PAGES))
def test_initialising_twice_changes_nothing(visit, name):
    page = visit(PAGES[name]).page
    count = lambda: page.locator(f'[data-widget="{name}"] .widget__title').count()  # noqa: E731
    before = count()
    assert before >= 1
    # Run the page's scripts again in their order: dom.js (it puts the shared helpers on window.BookWidgets
    # again), then the widget, which must leave the widgets it has already set up alone.
    for script in ("dom", name):
        src = page.locator(f'script[src$="/{script}.js"]').get_attribute("src")
        page.evaluate("""src => new Promise(done => { const s = document.createElement('script');
                           s.src = src; s.onload = done; document.body.append(s); })""", src)
    assert count() == before


def widget_scripts(html: str) -> list[tuple[str, bool]]:
    """The scripts a page loads from assets/widgets/, in document order: (file name, deferred or not)."""
    found = []

    class Scripts(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "script" and "assets/widgets/" in (a.get("src") or ""):
                found.append((a["src"].rsplit("/", 1)[-1], "defer" in a))

    Scripts().feed(html)
    return found


def test_each_page_loads_only_its_own_widget(built_site):
    assert (built_site / "assets" / "widgets" / "dom.js").is_file()
    for name, path in PAGES.items():
        html = (built_site / path.strip("/") / "index.html").read_text(encoding="utf-8")
        # The shared helpers first, then this page's widget and no other: both deferred, so they run in this order.
        assert widget_scripts(html) == [("dom.js", True), (f"{name}.js", True)], path
        assert "assets/widgets/widgets.css" in html, "mkdocs.yml must list assets/widgets/widgets.css in extra_css"
        for other in set(PAGES) - {name}:
            assert f"assets/widgets/{other}.js" not in html
    tensors = (built_site / "tensors" / "index.html").read_text(encoding="utf-8")  # a page without a widget
    assert widget_scripts(tensors) == []
    assert "assets/widgets/" not in tensors.replace("assets/widgets/widgets.css", "")


# ------------------------------------------------------------------- helpers


# Each chapter is run up to the last cell a widget takes its values from, once per session.
WIDGET_CELLS = {"gradient_descent": "two_minima", "perceptrons": "gate_weights", "backpropagation": "neuron_backward"}


@functools.lru_cache(maxsize=None)
def chapter_namespace(chapter: str) -> dict:
    """The chapter's namespace, as a reader's run leaves it after the cells the widgets start from."""
    _results, ns = run_module(chapter, upto=WIDGET_CELLS[chapter])
    return ns
