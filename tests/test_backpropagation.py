"""The Backpropagation chapter: every gradient it shows, recomputed independently."""

import math
import re

import pytest
import torch
from conftest import run_check

CHAPTER = "backpropagation"


def test_parameter_count_of_the_784_128_10_network(chapter):
    assert chapter["n_params"] == 784 * 128 + 128 + 128 * 10 + 10 == 101_770
    assert chapter.output("network").strip() == "101,770 parameters"


def test_timing_table_and_finite_difference_estimates(chapter):
    out = chapter.output("cost_of_finite_differences")
    assert f"backpropagation is about {chapter['ratio_text']} times faster" in out
    assert f"forward + backward took {chapter['backward_cost_text']} times as long as a forward pass alone" in out
    assert chapter["t_backprop"] > chapter["t_forward"] > 0
    assert chapter["t_all"] > chapter["t_backprop"] > 0
    # the naive estimates really are gradients: they agree with backprop on the same parameters
    chapter["forward_and_backward"]()
    params = chapter["params"]
    exact = torch.tensor([params[k].grad.view(-1)[i].item() for k, i in chapter["sample"]])
    naive = torch.tensor(chapter["estimates"])
    assert (exact - naive).abs().max() < 2e-3
    assert torch.corrcoef(torch.stack([exact, naive]))[0, 1] > 0.99


@pytest.mark.parametrize("x,expected", [(0.347, "0.35"), (55.3, "55"), (31234.0, "31,000"), (9.96, "10"), (0.0123, "0.012")])
def test_two_significant_figures(chapter, x, expected):
    assert chapter["two_sig"](x) == expected


def test_chain_rule_on_f_equals_x_plus_y_times_z(chapter):
    x, y, z = -2.0, 5.0, -4.0
    assert chapter["f"] == (x + y) * z == -12.0
    # f = xz + yz: df/dx = z, df/dy = z, df/dz = x + y
    assert (chapter["df_dx"], chapter["df_dy"], chapter["df_dz"]) == (z, z, x + y)
    assert "autograd: df/dx = -4.0, df/dy = -4.0, df/dz = 3.0" in chapter.output("chain_rule_autograd")


def test_square_of_a_line(chapter):
    x, w, b = 2.0, 3.0, 1.0
    # L = (wx + b)^2: dL/dw = 2(wx + b) x, dL/db = 2(wx + b)
    assert chapter["dL_dw"] == 2 * (w * x + b) * x == 28.0
    assert chapter["dL_db"] == 2 * (w * x + b) == 14.0
    assert chapter["w"].grad.item() == 28.0 and chapter["b"].grad.item() == 14.0


def neuron_gradients(x1, x2, w1, w2, bias, target):
    """Closed-form gradients of (relu(w1 x1 + w2 x2 + bias) - target)^2."""
    z = w1 * x1 + w2 * x2 + bias
    a = max(z, 0.0)
    g_a = 2 * (a - target)
    g_z = g_a * (1.0 if z > 0 else 0.0)
    return {"loss": 1.0, "err": g_a, "a": g_a, "z": g_z, "s": g_z, "bias": g_z, "p1": g_z, "p2": g_z,
            "w1": g_z * x1, "x1": g_z * w1, "w2": g_z * x2, "x2": g_z * w2, "target": -g_a}


def test_neuron_table_matches_closed_form(chapter):
    v = chapter["values"]
    expected = neuron_gradients(v["x1"], v["x2"], v["w1"], v["w2"], v["bias"], v["target"])
    assert set(expected) == set(chapter["grads"])
    for name, g in expected.items():
        assert chapter["grads"][name] == pytest.approx(g)
    assert v["loss"] == (max(v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["bias"], 0) - v["target"]) ** 2
    table = chapter.output("neuron_table")
    for name in v:
        assert f"{name:7} {v[name]:7.2f} {expected[name]:12.2f}" in table
    assert "largest difference between the hand-made table and autograd: 0.0" in chapter.output("neuron_autograd")
    # the prose says w1 has the largest gradient of the parameters
    assert abs(chapter["grads"]["w1"]) == max(abs(chapter["grads"][p]) for p in ("w1", "w2", "bias"))


def test_neuron_edges_are_the_derivatives_of_each_operation(chapter):
    v = chapter["values"]
    h = 1e-6
    ops = {"loss": lambda d: d["err"] ** 2, "err": lambda d: d["a"] - d["target"], "a": lambda d: max(d["z"], 0.0),
           "z": lambda d: d["s"] + d["bias"], "s": lambda d: d["p1"] + d["p2"],
           "p1": lambda d: d["w1"] * d["x1"], "p2": lambda d: d["w2"] * d["x2"]}
    for node, child, local in chapter["edges"]:
        up, down = dict(v), dict(v)
        up[child] += h
        down[child] -= h
        assert local == pytest.approx((ops[node](up) - ops[node](down)) / (2 * h), abs=1e-6)


def test_graph_walk_finds_every_autograd_node(chapter):
    nodes, edges = chapter["walk_graph"](chapter["inner"]["loss"].grad_fn)
    names = sorted(n.name().split("::")[-1] for n in nodes)
    assert names == sorted(["PowBackward0", "SubBackward0", "ReluBackward0", "AddBackward0", "AddBackward0",
                            "MulBackward0", "MulBackward0"] + ["AccumulateGrad"] * 6)
    assert len(edges) == 12 and len(chapter["tensor_of"]) == 13
    assert chapter.output("graph_figure").startswith("13 nodes, 12 edges")
    # each box is a tensor's value and gradient, never a grad_fn: leaves from AccumulateGrad.variable,
    # the others from the tensor the operation produced
    inner = chapter["inner"]
    for fn, (name, value, grad) in chapter["tensor_of"].items():
        tensor = fn.variable if hasattr(fn, "variable") else inner[name]
        assert tensor.grad_fn is (None if hasattr(fn, "variable") else fn)
        assert (value, grad) == (tensor.item(), tensor.grad.item())
        assert (value, grad) == (chapter["values"][name], chapter["grads"][name])
    # every operation the graph holds has a symbol in the figure
    assert {fn.name() for fn in nodes if fn.next_functions} <= set(chapter["SYMBOL"])


def test_credit_assignment(chapter):
    v, g = chapter["values"], chapter["grads"]
    signal = chapter["signal"]
    z = v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["bias"]
    assert signal == 2 * (max(z, 0) - v["target"]) * (z > 0) == 4.0
    # a weight's gradient is the signal times its input; the bias's input is 1
    assert g["w1"] == signal * v["x1"] == 8.0
    assert g["w2"] == signal * v["x2"] == -4.0
    assert g["bias"] == signal * 1.0 == 4.0
    assert g["w1"] == 2 * g["bias"]                    # input 2: twice the blame
    # inputs receive the signal times their weight
    assert (g["x1"], g["x2"]) == (signal * v["w1"], signal * v["w2"]) == (2.0, -6.0)
    # the loss really moves by about gradient x nudge; exactly, (z + input·e - t)² - (z - t)²
    e = chapter["nudge"]
    for name, inp in [("w1", v["x1"]), ("w2", v["x2"]), ("bias", 1.0)]:
        exact = (z + inp * e - v["target"]) ** 2 - (z - v["target"]) ** 2
        assert chapter["loss_change"][name] == pytest.approx(exact, abs=1e-12)
        assert chapter["loss_change"][name] == pytest.approx(g[name] * e, abs=e * e * inp * inp + 1e-12)
    assert chapter["loss_change"]["w1"] == pytest.approx(2 * chapter["loss_change"]["bias"], rel=0.01)
    # an input of 0: its weight gets no blame
    w1, bias, t = v["w1"], v["bias"], v["target"]
    z0 = w1 * 2.0 + bias
    assert chapter["w_pair"].grad.tolist() == [2 * (z0 - t) * 2.0, 0.0]
    out = chapter.output("credit_assignment")
    assert "w1             2         8 = 4 × 2                    +0.0800          +0.0804" in out
    assert "inputs [2.0, 0.0]: dloss/dw1 = 2, dloss/dw2 = 0" in out


def test_gates(chapter):
    rows = chapter.output("gates").splitlines()[1:]
    a, b, up = 3.0, -2.0, 5.0
    expected = {"add": (a + b, up, up), "mul": (a * b, up * b, up * a), "max": (max(a, b), up, 0.0)}
    for row in rows:
        gate, *_ = row.split()
        out, ga, gb = expected[gate]
        assert row.endswith(f"{out:7.1f} {up:9.1f} {ga:12.1f}, {gb:5.1f}")


def test_two_layer_hand_gradients_against_finite_differences(chapter):
    X, Y, W1, b1, W2, b2 = (chapter[k] for k in ("X", "Y", "W1", "b1", "W2", "b2"))

    def loss(W1, b1, W2, b2):
        return ((torch.clamp(X @ W1 + b1, min=0) @ W2 + b2 - Y) ** 2).mean()

    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    h = 1e-6
    for name, p in params.items():
        numeric = torch.zeros_like(p)
        for i in range(p.numel()):
            up, down = dict(params), dict(params)
            up[name], down[name] = p.clone(), p.clone()
            up[name].view(-1)[i] += h
            down[name].view(-1)[i] -= h
            numeric.view(-1)[i] = (loss(**up) - loss(**down)) / (2 * h)
        assert torch.allclose(chapter["hand"][name], numeric, atol=1e-7), name
    assert chapter["mse"].item() == pytest.approx(loss(**params).item())
    assert chapter["largest_diff"] < 1e-12
    diffs = [max(abs(a - b) for a, b in zip(chapter["hand"][n].flatten().tolist(), chapter["params_ag"][n].grad.flatten().tolist()))
             for n in ("W1", "b1", "W2", "b2")]
    assert chapter["largest_diff"] == max(diffs)
    assert chapter.output("two_layer_autograd").count("True") == 4


def test_exercise_dead_relu_prediction(chapter):
    v = chapter["values"]
    expected = neuron_gradients(v["x1"], v["x2"], v["w1"], v["w2"], v["bias"] - 4.0, v["target"])
    assert chapter["dead_w1_grad"] == expected["w1"] == 0.0
    assert chapter["z_dead"].item() < 0


def test_exercise_tanh_layer(chapter):
    X, Y, W1, b1, W2, b2 = (chapter[k] for k in ("X", "Y", "W1", "b1", "W2", "b2"))
    h = 1e-6
    loss = lambda W: ((torch.tanh(X @ W + b1) @ W2 + b2 - Y) ** 2).mean().item()  # noqa: E731
    for i in range(W1.numel()):
        up, down = W1.clone(), W1.clone()
        up.view(-1)[i] += h
        down.view(-1)[i] -= h
        assert chapter["tanh_grads"]["W1"].view(-1)[i].item() == pytest.approx((loss(up) - loss(down)) / (2 * h), abs=1e-7)
    assert chapter.output("check_tanh_layer").startswith("Correct:")


def test_exercise_gradient_check(chapter):
    assert chapter["worst_check"] < 1e-7
    assert math.isfinite(chapter["worst_check"])
    assert chapter["numeric_dW1"].shape == chapter["W1"].shape
    assert chapter["worst_check"] == (chapter["numeric_dW1"] - chapter["dL_dW1"]).abs().max().item()


# ------------------------------------------------------------------ the exercises' checks, as a learner meets them


def test_every_check_passes_the_solution_and_prints_correct(chapter):
    for check in ("check_dead_relu", "check_tanh_layer", "check_gradient_check"):
        assert chapter.output(check).startswith("Correct:"), check
        assert run_check(chapter, check).startswith("Correct:"), check


@pytest.mark.parametrize("check,answers,message", [
    ("check_dead_relu", {"dead_w1_grad": None}, "`dead_w1_grad`"),
    ("check_dead_relu", {"dead_w1_grad": 8.0}, "Not yet"),            # the live neuron's dloss/dw1
    ("check_dead_relu", {"dead_w1_grad": torch.tensor(0.0)}, "plain number"),
    ("check_tanh_layer", {"tanh_grads": None}, "`tanh_grads`"),
    ("check_tanh_layer", {"tanh_grads": [1, 2]}, "should be a dict"),
    ("check_tanh_layer", {"tanh_grads": {"W1": 0}}, "exactly the keys"),
    ("check_gradient_check", {"numeric_dW1": None}, "`numeric_dW1`"),
    ("check_gradient_check", {"numeric_dW1": torch.zeros(4, 3)}, "shape (3, 4)"),
])
def test_checks_reject_missing_and_wrong_answers(chapter, check, answers, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        run_check(chapter, check, **answers)


def test_check_tanh_layer_rejects_the_relu_gradients(chapter):
    """The ReLU network's own gradients, the most likely slip, are not the tanh network's."""
    with pytest.raises(AssertionError, match="Not yet"):
        run_check(chapter, "check_tanh_layer", tanh_grads=dict(chapter["hand"]))
    doubled = dict(chapter["tanh_grads"], W2=chapter["tanh_grads"]["W2"] * 2)
    with pytest.raises(AssertionError, match=r'tanh_grads\["W2"\]'):
        run_check(chapter, "check_tanh_layer", tanh_grads=doubled)


def test_check_gradient_check_rejects_a_forgotten_half(chapter):
    """Dividing by h instead of 2h doubles every estimate: the check must catch it."""
    with pytest.raises(AssertionError, match="Not yet"):
        run_check(chapter, "check_gradient_check", numeric_dW1=chapter["numeric_dW1"] * 2)
    run_check(chapter, "check_gradient_check", numeric_dW1=chapter["numeric_dW1"].float())   # float32 is close enough
