"""The autograd engine chapter: the scalar engine against PyTorch, and everything it claims."""

import math
import random
import re

import pytest
import torch

from snippets._engine import load_module

CHAPTER = "autograd_engine"
TOL = 1e-6


def close(ours, theirs):
    """Agreement to 1e-6, relative to the size of the numbers."""
    return abs(ours - theirs) <= TOL * max(1.0, abs(theirs))


def test_the_engine_is_well_under_150_lines():
    cell = next(c for c in load_module(CHAPTER) if c.name == "value_class")
    lines = cell.code.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("class Value"))
    assert len(lines) < 150 and len(lines) - start < 120


def test_micrograd_compatible_interface(chapter):
    Value = chapter["Value"]
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    assert c._op == "*" and set(c._prev) == {a, b} and c.data == -6.0 and c.grad == 0.0
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"
    for name in ["__add__", "__mul__", "__pow__", "__neg__", "__radd__", "__sub__", "__rsub__", "__rmul__",
                 "__truediv__", "__rtruediv__", "relu", "tanh", "exp", "backward", "zero_grad"]:
        assert callable(getattr(Value, name)), name
    mlp = chapter["MLP"](3, [4, 4, 1])
    assert len(mlp.parameters()) == 4 * 4 + 4 * 5 + 5
    assert chapter["Layer"](3, 2, nonlin=False).neurons[0].nonlin is False
    out = mlp([1.0, -2.0, 0.5])
    assert isinstance(out, Value)
    out.backward()
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


def test_first_expression_and_neuron_match_hand_derivatives(chapter):
    x, y, z = chapter["x"], chapter["y"], chapter["z"]
    assert (x.grad, y.grad, z.grad) == (z.data, z.data, x.data + y.data)   # f = (x + y) z
    # the neuron: loss = (relu(w1 x1 + w2 x2 + b) - t)^2
    w1, w2, x1, x2, bias = (chapter[k] for k in ("w1", "w2", "x1", "x2", "bias"))
    zval = w1.data * x1.data + w2.data * x2.data + bias.data
    g = 2 * (max(zval, 0) - chapter["target"]) * (zval > 0)
    assert (w1.grad, w2.grad, bias.grad, x1.grad, x2.grad) == (g * x1.data, g * x2.data, g, g * w1.data, g * w2.data)
    assert chapter["neuron_loss"].data == (max(zval, 0) - chapter["target"]) ** 2
    assert "w1     leaf    0.50   8.00" in chapter.output("neuron_engine")


def test_graph_figure_walks_every_value(chapter):
    loss = chapter["neuron_loss"]
    seen, stack = set(), [loss]
    while stack:                      # an independent walk of _prev
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(v._prev)
    assert len(seen) == len(loss._topo()) == 13
    order = loss._topo()
    for i, v in enumerate(order):     # topological: every input comes before its user
        assert all(order.index(child) < i for child in v._prev)


def micrograd_expression(Value):
    """micrograd's README expression, for the engine or torch."""
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return a, b, g


def test_micrograd_expression_against_torch_float64(chapter):
    a, b, g = micrograd_expression(chapter["Value"])
    g.backward()
    at, bt, gt = micrograd_expression(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    gt.backward()
    assert close(g.data, gt.item()) and close(a.grad, at.grad.item()) and close(b.grad, bt.grad.item())
    out = chapter.output("micrograd_expression")
    assert f"g     = {gt.item():.4f}" in out and f"dg/da = {at.grad.item():.4f}" in out and f"dg/db = {bt.grad.item():.4f}" in out
    assert "same four decimals as the published example: True" in chapter.output("micrograd_expression_torch")


UNARY = [
    lambda a: -a, lambda a: a.relu(), lambda a: a.tanh(), lambda a: a.tanh().exp(), lambda a: a ** 2,
    lambda a: a.tanh() ** 3, lambda a: (a * a + 0.1) ** 1.5, lambda a: 2.5 - a, lambda a: 0.5 + a,
    lambda a: 1.5 * a, lambda a: a * -0.7, lambda a: 3.0 / (a * a + 1), lambda a: a / 2.0, lambda a: a - 1.0,
]
BINARY = [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / (b * b + 0.5),
    lambda a, b: (a - b).relu(),
]


@pytest.mark.parametrize("seed", range(40))
def test_random_expressions_against_torch_float64(chapter, seed):
    Value = chapter["Value"]
    rng = random.Random(seed)
    start = [rng.uniform(-2, 2) for _ in range(3)]
    pool = [(Value(v), torch.tensor(v, dtype=torch.float64, requires_grad=True)) for v in start]
    leaves = list(pool)
    for _ in range(rng.randint(5, 25)):
        op = rng.choice(UNARY + BINARY)
        # favour recent nodes for depth, but reuse earlier ones too so the graph is a DAG with shared nodes
        args = [rng.choice(pool[-3:] if rng.random() < 0.6 else pool) for _ in range(op.__code__.co_argcount)]
        pool.append((op(*[v for v, _ in args]), op(*[t for _, t in args])))
    out_v, out_t = pool[-1]
    assert close(out_v.data, out_t.item())
    out_v.backward()
    out_t.backward()
    for v, t in leaves:
        expected = t.grad.item() if t.grad is not None else 0.0
        assert close(v.grad, expected), (seed, v.grad, expected)


def test_backward_twice_piles_up_and_zero_grad_fixes_it(chapter):
    out = chapter.output("backward_twice").splitlines()
    # w = 3v, v = 2u. Second pass: v keeps 3 and adds 3·1; u keeps 6 and adds 2·6.
    assert out[1].split() == ["w", "1.0", "1.0"]
    assert out[2].split() == ["v", "3.0", f"{3.0 + 3.0:.1f}"]
    assert out[3].split() == ["u", "6.0", f"{6.0 + 2 * 6.0:.1f}"]
    # the same with a fresh chain, and the fix
    Value = chapter["Value"]
    u = Value(3.0)
    w = (u * 2) * 3
    w.backward()
    w.backward()
    assert u.grad == 18.0
    w.zero_grad()
    w.backward()
    assert u.grad == 6.0
    # the prose on PyTorch: this chain's second backward() fails without retain_graph ...
    ut = torch.tensor(3.0, requires_grad=True)
    wt = (ut * 2) * 3
    wt.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        wt.backward()
    # ... while y = x + 1 saves nothing, so a second backward() runs and silently doubles x.grad
    xt = torch.tensor(3.0, requires_grad=True)
    yt = xt + 1
    yt.backward()
    yt.backward()
    assert xt.grad.item() == 2.0
    assert "after two:            12.0   (ratio 2.0)" in chapter.output("torch_retain_graph")
    assert chapter.output("zero_grad_fix").count("same as after the first") == 2
    assert "False" not in chapter.output("zero_grad_fix")
    # micrograd's expression after zero_grad() is back to its first-pass gradients
    _, _, g = micrograd_expression(Value)
    a, b = chapter["a"], chapter["b"]
    at, bt, gt = micrograd_expression(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    gt.backward()
    assert close(a.grad, at.grad.item()) and close(b.grad, bt.grad.item())
    assert chapter["a_first"] == pytest.approx(at.grad.item())


def torch_scores(model, points):
    """An independent float64 forward pass of an engine MLP's current weights."""
    h = torch.tensor(points, dtype=torch.float64)
    for layer in model.layers:
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
        bias = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        h = h @ W.T + bias
        if layer.neurons[0].nonlin:
            h = torch.relu(h)
    return h.squeeze(1)


def test_training_learned_xor(chapter):
    X, Y, model = chapter["X"], chapter["Y"], chapter["model"]
    assert len(X) == 32 and Y.count(1) == Y.count(-1) == 16
    # the clouds sit at (-1,-1), (-1,1), (1,-1), (1,1) in turn: +1 where the corner's signs agree
    assert all(label == (1 if i % 4 in (0, 3) else -1) for i, label in enumerate(Y))
    corners = [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    centre = [[sum(X[i][k] for i in range(c, 32, 4)) / 8 for k in (0, 1)] for c in range(4)]
    assert all(abs(m - t) < 0.5 for c in range(4) for m, t in zip(centre[c], corners[c]))
    losses = chapter["losses"]
    assert all(math.isfinite(l) for l in losses) and losses[-1] < 0.2 * losses[0]
    scores = torch_scores(model, X)
    accuracy = ((scores > 0) == (torch.tensor(Y) > 0)).double().mean().item()
    assert accuracy >= 0.95
    # the final hinge loss of the final weights, recomputed independently, is below the last logged one
    final = torch.relu(1 - torch.tensor(Y, dtype=torch.float64) * scores).mean().item()
    assert final <= losses[-1] + 1e-12
    table = chapter.output("train_engine")
    assert f"{len(losses) - 1:4d} {losses[-1]:7.4f} {chapter['accuracies'][-1]:9.0%}" in table


def test_engine_training_matches_torch(chapter):
    assert len(chapter["torch_losses"]) == len(chapter["losses"]) == chapter["num_steps"] == 20
    assert chapter["loss_gap"] < 1e-12 and chapter["weight_gap"] < 1e-12
    assert chapter["n_model_params"] == 8 * 3 + 9 == len(chapter["model"].parameters())


def test_decision_boundary_grid_is_the_models_score(chapter):
    model, xs, ys, grid = chapter["model"], chapter["xs"], chapter["ys"], chapter["grid"]
    points = [[gx, gy] for gy in ys for gx in xs]
    expected = torch_scores(model, points).reshape(len(ys), len(xs))
    assert torch.allclose(torch.tensor(grid, dtype=torch.float64), expected, atol=1e-9)


def test_exercise_reuse_prediction(chapter):
    r = 3.0
    assert chapter["reuse_grad"] == 2 * r + 1 == 7.0


def test_exercise_sigmoid(chapter):
    s = 1 / (1 + math.exp(-0.7))
    for name in ("v_one", "v_many"):
        assert chapter[name].grad == pytest.approx(s * (1 - s), abs=1e-12)
    Value = chapter["Value"]
    x = Value(-1.3)
    y = x.sigmoid()
    y.backward()
    s = 1 / (1 + math.exp(1.3))
    assert y.data == pytest.approx(s) and x.grad == pytest.approx(s * (1 - s))


def test_exercise_wrong_order(chapter):
    # top = m + 3m, m = 2k: dtop/dk = 8; breadth-first runs m before the longer path reports, giving 2·1
    assert chapter["k_topo"].grad == 8.0
    assert chapter["k_bfs"].grad == 2.0


# ------------------------------------------------------------------ the exercises' checks, as a learner meets them


def run_check(check, answer=""):
    """Run ``check`` as the lab does: the chapter's ``Value`` class alone, then the learner's ``answer`` code.

    A fresh namespace each time, so a check meets a ``Value`` without the chapter's ``sigmoid``.
    """
    code = {c.name: c.code for c in load_module(CHAPTER)}
    ns = {"__name__": "__main__"}
    exec(compile(code["value_class"], "value_class", "exec"), ns)
    exec(compile(answer, "answer", "exec"), ns)
    exec(compile(code[check], check, "exec"), ns)
    return ns


def solution(name):
    return next(c.code for c in load_module(CHAPTER) if c.name == name)


CHECKS = {"check_reuse": "ex_reuse", "check_sigmoid": "ex_sigmoid", "check_wrong_order": "ex_wrong_order"}


@pytest.mark.parametrize("check", CHECKS)
def test_checks_ask_for_the_answer_then_accept_the_solution(chapter, check, capsys):
    with pytest.raises(AssertionError, match="in the cell above"):
        run_check(check)
    capsys.readouterr()
    run_check(check, solution(CHECKS[check]))
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("Correct:")
    assert chapter.output(check).startswith("Correct:")


SIGMOID_WITHOUT_UPSTREAM = solution("ex_sigmoid").replace("s * (1 - s) * out.grad", "s * (1 - s)")
BAD_GRAPH = "def bad_graph" + solution("ex_wrong_order").split("def bad_graph", 1)[1].split("\n\n\n", 1)[0]
BFS_AS_TOPOLOGICAL = "def backward_breadth_first(root):\n    root.backward()\n\n\n" + BAD_GRAPH
BFS_DOING_NOTHING = "def backward_breadth_first(root):\n    pass\n\n\n" + BAD_GRAPH


@pytest.mark.parametrize("check,answer,message", [
    ("check_reuse", "reuse_grad = 6.0", "Not yet"),                       # forgot the sum's share
    ("check_reuse", "reuse_grad = Value(7.0)", "plain number"),
    ("check_sigmoid", "Value.sigmoid = lambda self: 1 / (1 + (-self).exp())", "single operation"),
    ("check_sigmoid", SIGMOID_WITHOUT_UPSTREAM, "out.grad"),
    ("check_sigmoid", "Value.sigmoid = lambda self: Value(1 / (1 + math.exp(self.data)), (self,))", "Not yet"),
    ("check_wrong_order", BFS_DOING_NOTHING, "(a * b + c) * d"),
    ("check_wrong_order", BFS_AS_TOPOLOGICAL, "both orders give"),
    ("check_wrong_order", solution("ex_wrong_order").replace("def bad_graph():", "K = Value(1.0)\ndef bad_graph():")
     .replace("    k = Value(1.0)\n", "    k = K\n"), "new Values each time"),
])
def test_checks_reject_wrong_answers(check, answer, message):
    assert answer not in CHECKS.values() and answer != solution(CHECKS[check])   # each case really is a change
    with pytest.raises(AssertionError, match=re.escape(message)):
        run_check(check, answer)
