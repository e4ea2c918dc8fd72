"""The Gradients and autograd chapter, checked against hand-derived derivatives and independent arithmetic."""

import math
import random

import pytest
import torch

from conftest import check_rejects, run_check

CHAPTER = "autograd"


def central(fn, x, h=1e-6):
    """A central difference in plain Python floats: independent of the chapter's code."""
    return (fn(x + h) - fn(x - h)) / (2 * h)


# ------------------------------------------------------------------ the derivative as a slope


def test_slopes_of_x_squared_are_2x(chapter):
    assert chapter["points"] == [3.0, 1.0, 0.0, -2.0]
    for x, slope in chapter["slopes"].items():
        assert slope == 2 * x
        assert central(lambda t: t * t, x) == pytest.approx(slope, abs=1e-6)
        t = torch.tensor(x, requires_grad=True)
        (t * t).backward()
        assert t.grad.item() == slope
    out = chapter.output("slopes")
    assert "   3      9          6   to the left: decrease x" in out
    assert "  -2      4         -4   to the right: increase x" in out
    assert "   0      0          0   nowhere: this is the bottom" in out


def test_a_step_against_the_slope_goes_downhill(chapter):
    # x - 0.1 * 2x = 0.8x, so f falls to 0.64 of its value wherever x is not 0.
    lines = chapter.output("which_way").splitlines()[1:]
    for line, x in zip(lines, chapter["points"]):
        _, _, new_x, before, after = (float(v) for v in line.split())
        assert new_x == pytest.approx(0.8 * x)
        assert after == pytest.approx(0.64 * x * x, abs=0.005) and before == pytest.approx(x * x)
        assert after < before or x == 0


def test_tangent_figure_is_drawn(chapter):
    figures = {r.name: len(r.figures) for r in chapter.results}
    assert figures["tangent_plot"] == 1 and figures["step_size_plot"] == 1
    assert sum(figures.values()) == 2


# ------------------------------------------------------------------ autograd basics


def test_first_gradient(chapter):
    out = chapter.output("first_grad").splitlines()
    assert out[0] == "x      = tensor(3., requires_grad=True)"
    assert out[1] == "f      = tensor(9., grad_fn=<PowBackward0>)"
    assert out[2].startswith("x.grad = tensor(6.)")


def test_x_squared_plus_3x_at_2(chapter):
    g = lambda x: x * x + 3 * x  # noqa: E731
    assert chapter["square_plus_value"] == g(2.0) == 10
    assert chapter["square_plus_grad"] == 2 * 2 + 3 == 7
    assert central(g, 2.0) == pytest.approx(chapter["square_plus_grad"], abs=1e-6)


def test_cubic_value_and_derivative_at_2(chapter):
    assert chapter["cubic_value"] == 3 * 8 + 2 * 4 - 10 + 7 == 29
    assert chapter["cubic_grad"] == 9 * 4 + 4 * 2 - 5 == 39
    assert "f'(2) = 39" in chapter.output("cubic")


def test_cubic_slope_matches_autograd_at_random_points(chapter):
    generator = torch.Generator().manual_seed(1)
    x = (torch.rand(50, generator=generator, dtype=torch.float64) * 10 - 5).requires_grad_()
    chapter["cubic"](x).sum().backward()
    assert torch.allclose(x.grad, chapter["cubic_slope"](x.detach()), rtol=1e-12, atol=1e-12)
    # and the value against Horner's rule, written differently
    horner = ((3 * x.detach() + 2) * x.detach() - 5) * x.detach() + 7
    assert torch.allclose(chapter["cubic"](x.detach()), horner, rtol=1e-12)


def test_two_parameter_partials(chapter):
    f = lambda w, b: 3 * w * w + 2 * w * b + b * b  # noqa: E731
    out = chapter.output("two_params")
    assert "f(2, 1) = 17" in out and f(2.0, 1.0) == 17
    assert "df/dw   = 14" in out and 6 * 2 + 2 * 1 == 14
    assert "df/db   = 6 " in out and 2 * 2 + 2 * 1 == 6
    assert central(lambda w: f(w, 1.0), 2.0) == pytest.approx(14, abs=1e-6)
    assert central(lambda b: f(2.0, b), 1.0) == pytest.approx(6, abs=1e-6)


def test_nudge_differs_from_the_gradient_by_the_curvature(chapter):
    # f(w + e) - f(w) = (6w + 2b) e + 3 e², exactly, since f is quadratic in w.
    e = chapter["nudge"]
    assert chapter["predicted_rise"] == pytest.approx(14 * e)
    assert chapter["actual_rise"] == pytest.approx(14 * e + 3 * e * e, abs=1e-12)
    assert "f rose by 0.1403; df/dw × 0.01 predicted 0.1400" in chapter.output("nudge")


# ------------------------------------------------------------------ the dynamic graph


def test_graph_walk_names_each_operation(chapter):
    lines = chapter.output("graph_walk").splitlines()
    assert [line.split(" <- ")[0] for line in lines[:5]] == [
        "SinBackward0", "PowBackward0", "AddBackward0", "MulBackward0", "torch::autograd::AccumulateGrad",
    ]
    assert lines[5].endswith("True")


def test_graph_gradient_is_the_chain_rule(chapter):
    x = 3.0
    by_hand = math.cos((2 * x + 5) ** 3) * 3 * (2 * x + 5) ** 2 * 2
    assert chapter["chain_rule"] == pytest.approx(by_hand, rel=1e-12)
    assert central(lambda t: math.sin((2 * t + 5) ** 3), x, h=1e-7) == pytest.approx(by_hand, rel=1e-5)
    printed = float(chapter.output("graph_walk").splitlines()[6].split("=")[-1])
    assert printed == pytest.approx(by_hand, abs=2e-3)


def test_no_grad_and_detach_make_constants(chapter):
    assert chapter["tracked"].requires_grad and chapter["tracked"].grad_fn is not None
    for name in ("untracked", "detached"):
        assert not chapter[name].requires_grad and chapter[name].grad_fn is None
    assert "detach() shares memory with the original: True" in chapter.output("no_grad")


def test_update_needs_no_grad(chapter):
    assert chapter.output("inplace_leaf").startswith("RuntimeError: a leaf Variable that requires grad")
    # d/dw (3w - 12)² = 6(3w - 12) = -36 at w = 2, so one step of 0.01 gives 2.36
    assert "w.grad was -36; after one step w = 2.36, requires_grad=True" in chapter.output("update_with_no_grad")


def doublings_needed(x, limit=100.0):
    """How many doublings take |x| to the limit, from logarithms rather than a loop."""
    return max(0, math.ceil(math.log2(limit / abs(x))))


def test_control_flow_gradient_is_a_power_of_two(chapter):
    grow = chapter["grow"]
    rng = random.Random(3)
    for _ in range(20):
        start = rng.choice([-1, 1]) * rng.uniform(0.01, 150)
        x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        result, k = grow(x)
        result.backward()
        assert k == doublings_needed(start)
        assert result.item() == pytest.approx(abs(start) * 2 ** k)
        assert x.grad.item() == math.copysign(2 ** k, start)
    rows = [line.split() for line in chapter.output("control_flow").splitlines()[1:]]
    for start, k, value, grad in rows:
        assert int(k) == doublings_needed(float(start))
        assert float(grad) == math.copysign(2 ** int(k), float(start))
        assert float(value) == abs(float(start)) * 2 ** int(k)


# ------------------------------------------------------------------ accumulation


def test_gradients_accumulate(chapter):
    lines = chapter.output("accumulate").splitlines()
    assert [float(line.split("= ")[-1]) for line in lines] == [2 * 3 * k for k in (1, 2, 3)]
    assert chapter["accumulated"] == 3 * (2 * 3)


def test_zero_grad_clears(chapter):
    out = chapter.output("zero_grad").splitlines()
    assert out == [
        "after x.grad.zero_() and one more backward(): 6.0",
        "after x.grad = None: None",
        "a layer's weight.grad after two backward() calls: 2.0",  # d(w·1 + b)/dw = 1, twice
        "after layer.zero_grad(): None None",
    ]
    assert chapter["layer"].weight.grad is None and chapter["layer"].bias.grad is None


def test_backward_twice_fails_when_a_value_was_saved(chapter):
    assert chapter.output("backward_twice").startswith(
        "RuntimeError: Trying to backward through the graph a second time")


@pytest.mark.parametrize("op", [lambda x: x * x, torch.exp, torch.sin, lambda x: x ** 2, torch.relu])
def test_operations_that_save_values_refuse_a_second_backward(op):
    x = torch.tensor(0.7, requires_grad=True)
    y = op(x)
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_backward_twice_through_x_plus_1_silently_doubles(chapter):
    # the slope of x + 1 is 1, so one backward() gives 1 and a second, on the same result, adds another 1
    assert chapter["twice_grad"] == 2 * 1.0
    assert chapter.output("backward_twice_silent").splitlines() == [
        "after one backward():  x.grad = 1.0",
        "after a second one:    x.grad = 2.0",
    ]
    for op in (lambda x: x + 1, lambda x: x - 5, lambda x: x.sum()):  # nothing saved: no error, a doubled gradient
        x = torch.tensor(3.0, requires_grad=True)
        y = op(x)
        y.backward()
        y.backward()
        assert x.grad.item() == 2.0


def test_accumulating_half_batches_equals_the_whole_batch(chapter):
    xs, ys, w = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0], 1.0
    by_hand = sum(2 * (w * x - y) * x for x, y in zip(xs, ys))
    assert by_hand == -60
    assert chapter["whole_batch"] == chapter["two_halves"] == by_hand


# ------------------------------------------------------------------ finite differences


def test_central_difference_on_random_quadratics(chapter):
    central_difference = chapter["central_difference"]
    generator = torch.Generator().manual_seed(2)
    for n in (1, 3, 6):
        Q = torch.randn(n, n, generator=generator, dtype=torch.float64)
        c = torch.randn(n, generator=generator, dtype=torch.float64)
        p = torch.randn(n, generator=generator, dtype=torch.float64)
        fn = lambda v: v @ Q @ v + c @ v  # noqa: E731
        exact = (Q + Q.T) @ p + c  # the gradient of a quadratic form, by hand
        for h in (1e-1, 1e-3, 1e-5):  # exact for quadratics at any step, up to rounding
            assert torch.allclose(central_difference(fn, p, h=h), exact, atol=1e-8)


def test_central_difference_truncation_error_is_h_squared(chapter):
    # For sin, the central difference is sin'(x) · sin(h)/h = cos(x)(1 - h²/6 + ...).
    central_difference = chapter["central_difference"]
    p = torch.tensor([0.3, 1.1], dtype=torch.float64)
    for h in (1e-1, 1e-2):
        estimate = central_difference(lambda v: torch.sin(v).sum(), p, h=h)
        assert torch.allclose(estimate, torch.cos(p) * math.sin(h) / h, rtol=1e-9)


def test_thermometer_gradient_against_the_closed_form(chapter):
    t_u, t_c = chapter["t_u"].tolist(), chapter["t_c"].tolist()
    w, b, n = 1.0, 0.0, len(t_u)
    d_w = sum(2 * (w * u + b - c) * u for u, c in zip(t_u, t_c)) / n
    d_b = sum(2 * (w * u + b - c) for u, c in zip(t_u, t_c)) / n
    assert chapter["params"].grad.tolist() == pytest.approx([d_w, d_b], rel=1e-12)
    assert chapter["numerical"].tolist() == pytest.approx([d_w, d_b], rel=1e-9)
    out = chapter.output("finite_difference")
    assert f"{d_w:.6f}" in out and f"{d_b:.6f}" in out


def test_the_misplaced_parenthesis_is_off_by_delta_squared(chapter):
    delta = chapter["delta"]
    t_u, t_c = chapter["t_u"].tolist(), chapter["t_c"].tolist()
    d_b = sum(2 * (u - c) for u, c in zip(t_u, t_c)) / len(t_u)
    assert chapter["correct"] == pytest.approx(d_b, rel=1e-9)
    assert chapter["misplaced"] == pytest.approx(d_b * delta ** 2, rel=1e-9)
    assert chapter["misplaced_ratio"] == pytest.approx(delta ** 2)


def test_step_size_errors_follow_the_exact_formulas(chapter):
    # For 3x³ + 2x² - 5x + 7 at 2: f'' = 40, f''' = 18, so forward = f' + 20h + 3h², central = f' + 3h².
    steps, fwd, ctr, ctr32 = (chapter[k] for k in ("steps", "forward_errors", "central_errors", "central_errors_32"))
    assert chapter["exact"] == 39
    for h, f_err, c_err in zip(steps, fwd, ctr):
        if h >= 1e-3:  # where rounding is negligible next to truncation
            assert f_err == pytest.approx(20 * h + 3 * h * h, rel=1e-6)
            assert c_err == pytest.approx(3 * h * h, rel=1e-6)
    assert 1e-7 <= chapter["best_h_64"] <= 1e-4
    assert 1e-4 <= chapter["best_h_32"] <= 1e-1
    assert chapter["best_h_32"] > 100 * chapter["best_h_64"]
    # below float32's resolution at 2, x ± h rounds to x and the estimate is 0
    assert ctr32[-1] == 39.0
    assert all(e > 0 for e in fwd + ctr)  # every float64 point appears on the log-log figure


# ------------------------------------------------------------------ check yourself


def test_mse_derivative_is_minus_two_residual(chapter):
    prediction = chapter["prediction"]
    out = chapter.output("check_mse").splitlines()[1:]
    for row in out:
        y_i, f_i, auto, formula = (float(v) for v in row.split())
        assert auto == pytest.approx(formula, abs=1e-4)
        assert auto == pytest.approx(2 * f_i - 2 * y_i, abs=2e-3)  # the expanded form, from the printed values
    assert len(out) == prediction.numel() == 5


def test_mse_derivative_on_fresh_values():
    generator = torch.Generator().manual_seed(4)
    y = torch.randn(10, generator=generator, dtype=torch.float64)
    f = torch.randn(10, generator=generator, dtype=torch.float64, requires_grad=True)
    ((y - f) ** 2).sum().backward()
    assert torch.allclose(f.grad, 2 * f.detach() - 2 * y)


def test_linear_layer_jacobian_is_w(chapter):
    W, bias, A = chapter["W"], chapter["bias"], chapter["A"]
    assert torch.equal(chapter["jacobian"], W)
    # row by row, with one backward() per output: a different route to the same table
    for i in range(W.shape[0]):
        a = A.clone().requires_grad_()
        (W @ a + bias)[i].backward()
        assert torch.equal(a.grad, W[i])
    assert chapter.output("check_linear").strip().endswith("identical: True")


def test_relu_derivative_including_zero(chapter):
    z = chapter["z"]
    assert z.grad.tolist() == [1.0 if v > 0 else 0.0 for v in z.detach().tolist()]
    assert z.detach()[2].item() == 0.0 and chapter["relu_grad_at_zero"] == 0.0
    assert chapter.output("check_relu").splitlines()[-1] == "d relu/dz  = tensor([0., 0., 0., 1., 1.])"


def test_gradient_lands_on_weights_not_data(chapter):
    xs, ys, w, b = [1.0, 2.0, 3.0], [3.0, 5.0, 7.0], 0.5, 0.0
    n = len(xs)
    loss = sum((w * x + b - y) ** 2 for x, y in zip(xs, ys)) / n
    d_w = sum(2 * (w * x + b - y) * x for x, y in zip(xs, ys)) / n
    d_b = sum(2 * (w * x + b - y) for x, y in zip(xs, ys)) / n
    assert chapter["loss"].item() == pytest.approx(loss)
    assert chapter["b"].grad.item() == pytest.approx(d_b)
    assert f"dL/dw = {d_w:.4f}   dL/db = {d_b:.4f}" in chapter.output("weights_not_data")
    assert chapter["inputs"].grad is None and chapter["labels"].grad is None


# ------------------------------------------------------------------ exercises


def test_exercise_polynomial_gradient(chapter):
    x, y = 2.0, 3.0
    f = lambda x, y: x * x * y + 3 * x * y * y - 2 * x + 5  # noqa: E731
    assert chapter["ex_value"] == f(x, y) == 67
    assert chapter["ex_dx"] == 2 * x * y + 3 * y * y - 2 == 37
    assert chapter["ex_dy"] == x * x + 6 * x * y == 40
    assert (chapter["dfdx"], chapter["dfdy"]) == (37, 40)
    assert central(lambda t: f(t, y), x) == pytest.approx(37, abs=1e-5)
    assert central(lambda t: f(x, t), y) == pytest.approx(40, abs=1e-5)


def test_exercise_accumulated_gradient(chapter):
    assert chapter["ex_accumulated"] == chapter["predicted_grad"] == 3 * (3 * 2.0 ** 2) == 36


def test_exercise_grow_from_one_half(chapter):
    assert chapter["ex_doublings"] == doublings_needed(0.5) == 8
    assert chapter["ex_grow_grad"] == chapter["predicted_grow_grad"] == 2 ** 8
    assert chapter["predicted_doublings"] == 8


def test_exercise_relu_weight(chapter):
    w, x = 0.5, 4.0
    for b, grad in chapter["ex_relu_grads"].items():
        assert grad == (x if w * x + b > 0 else 0.0)
    assert chapter["ex_relu_grads"] == chapter["relu_w_grads"] == {-1.0: 4.0, -3.0: 0.0}


def test_exercise_step_predictions(chapter):
    h = chapter["h"]
    assert h == 0.05
    assert chapter["ex_central"] == pytest.approx(39 + 3 * h * h, abs=1e-10)
    assert chapter["ex_forward"] == pytest.approx(39 + 20 * h + 3 * h * h, abs=1e-10)
    assert chapter["ex_central_error"] == pytest.approx(3 * h * h, abs=1e-10)
    assert chapter["predicted_central"] == pytest.approx(chapter["ex_central"], abs=1e-10)
    assert chapter["predicted_forward"] == pytest.approx(chapter["ex_forward"], abs=1e-10)


# ------------------------------------------------------------------ the exercises' checks


def test_polynomial_check(chapter):
    assert run_check(chapter, "check_polynomial", dfdx=37, dfdy=40).startswith("Correct")
    assert run_check(chapter, "check_polynomial", dfdx=torch.tensor(37.0), dfdy=40.0)
    assert "`dfdy`" in check_rejects(chapter, "check_polynomial", missing=["dfdy"])
    assert "`dfdx` is 12" in check_rejects(chapter, "check_polynomial", dfdx=2 * 2 * 3, dfdy=40)  # only the first term
    assert "`dfdy` is 58" in check_rejects(chapter, "check_polynomial", dfdx=37, dfdy=4 + 6 * 2 * 3 + 18)
    assert "a number" in check_rejects(chapter, "check_polynomial", dfdx="37", dfdy=40)


def test_accumulation_check(chapter):
    assert run_check(chapter, "check_accumulate", predicted_grad=36).startswith("Correct")
    assert "one backward pass" in check_rejects(chapter, "check_accumulate", predicted_grad=12.0)
    check_rejects(chapter, "check_accumulate", predicted_grad=24)
    check_rejects(chapter, "check_accumulate", predicted_grad=3 * 2.0 ** 3)  # three times x³ itself


def test_grow_check(chapter):
    assert run_check(chapter, "check_grow", predicted_doublings=8, predicted_grow_grad=256).startswith("Correct")
    check_rejects(chapter, "check_grow", predicted_doublings=7, predicted_grow_grad=128)  # stopped at 64
    check_rejects(chapter, "check_grow", predicted_doublings=8, predicted_grow_grad=1.0)  # "a loop has no slope"
    check_rejects(chapter, "check_grow", predicted_doublings=8, predicted_grow_grad=128.0)  # the final value
    assert "`predicted_grow_grad`" in check_rejects(chapter, "check_grow", missing=["predicted_grow_grad"])


def test_relu_weight_check(chapter):
    assert run_check(chapter, "check_relu_weight", relu_w_grads={-1: 4.0, -3: 0.0}).startswith("Correct")
    assert run_check(chapter, "check_relu_weight", relu_w_grads={-1.0: 4, -3.0: 0})  # float keys, int values
    # ReLU's slope without the chain rule's factor x, and a gradient through the flat side
    assert "x = 4" in check_rejects(chapter, "check_relu_weight", relu_w_grads={-1: 1.0, -3: 0.0})
    assert "slope is 0" in check_rejects(chapter, "check_relu_weight", relu_w_grads={-1: 4.0, -3: 4.0})
    assert "-3" in check_rejects(chapter, "check_relu_weight", relu_w_grads={-1: 4.0})


def test_finite_difference_check(chapter):
    h = 0.05
    assert run_check(chapter, "check_step", predicted_central=39.0075, predicted_forward=40.0075).startswith("Correct")
    # the error terms swapped, and the exact slope given for the central difference
    check_rejects(chapter, "check_step", predicted_central=39 + 20 * h, predicted_forward=39 + 3 * h * h)
    assert "3h²" in check_rejects(chapter, "check_step", predicted_central=39.0, predicted_forward=40.0075)
    assert "20h" in check_rejects(chapter, "check_step", predicted_central=39.0075, predicted_forward=40.0)

