"""The Gradient descent chapter, checked against closed forms and independent recomputation."""

import math
import random

import pytest
import torch

CHAPTER = "gradient_descent"


def table_rows(text, columns):
    """The rows of a printed table whose first field is an integer, as lists of floats."""
    rows = []
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0].isdigit() and len(fields) >= columns:
            rows.append([float(f) for f in fields[:columns]])
    return rows


def bisect(g, lo, hi, tol=1e-12):
    """A root of ``g`` in [lo, hi], where g changes sign."""
    assert g(lo) * g(hi) < 0
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if g(lo) * g(mid) <= 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def two_minima_slope(x):
    """f'(x) for f(x) = x⁴ - 3x² + x, derived by hand."""
    return 4 * x ** 3 - 6 * x + 1


GLOBAL_MIN = bisect(two_minima_slope, -2.0, -0.5)
HUMP = bisect(two_minima_slope, 0.0, 0.5)
LOCAL_MIN = bisect(two_minima_slope, 0.5, 2.0)


# ----------------------------------------------------------------- the first descent


def test_defaults_are_the_worked_example(chapter):
    assert (chapter["start"], chapter["learning_rate"], chapter["steps"]) == (0.0, 0.1, 20)
    assert chapter["parabola"](7.0) == 4.0 and chapter["parabola"](5.0) == 0.0
    assert (chapter["two_minima_starts"], chapter["two_minima_learning_rate"], chapter["two_minima_steps"]) == (
        [-2.0, 2.0], 0.02, 60)
    assert chapter["two_minima"].__doc__ and "x⁴ - 3x² + x" in chapter["two_minima"].__doc__


def test_every_table_row_matches_the_closed_form(chapter):
    rows = table_rows(chapter.output("descend_parabola"), 3)
    assert [int(r[0]) for r in rows] == list(range(21))
    for n, x, fx, *rest in rows:
        exact = 5 - 5 * 0.8 ** int(n)  # x_n = 5 + (0 - 5)(1 - 2·0.1)^n
        assert x == pytest.approx(exact, abs=1.5e-4)
        assert fx == pytest.approx((exact - 5) ** 2, abs=1.5e-4)
    for n, row in enumerate(table_rows(chapter.output("descend_parabola"), 4)):
        assert row[3] == pytest.approx(2 * (5 - 5 * 0.8 ** n - 5), abs=1.5e-4)  # f'(x) = 2(x - 5)
    assert chapter["gradients"][0] == -10.0


def test_final_x_and_closed_form(chapter):
    exact = 5 - 5 * 0.8 ** 20
    assert chapter["final_x"] == pytest.approx(exact, abs=1e-5)
    assert chapter["predicted_x"] == pytest.approx(exact, abs=1e-12)
    last_two = chapter.output("closed_form").splitlines()[-2:]
    assert all(line.endswith(f" {exact:.5f}") for line in last_two)


def test_path_follows_the_update_rule(chapter):
    path = chapter["path"]
    assert len(path) == 21 and path[0] == 0.0
    for a, b in zip(path, path[1:]):
        assert b == pytest.approx(a - 0.1 * 2 * (a - 5), abs=1e-5)


# ----------------------------------------------------------------- learning rates


def test_final_losses_match_the_closed_form(chapter):
    for name, rate in chapter["rates"].items():
        expected = 25 * (1 - 2 * rate) ** 40  # f after 20 steps = 25 (1 - 2α)^(2·20)
        assert chapter["final_losses"][name] == pytest.approx(expected, rel=1e-3)
        line = next(l for l in chapter.output("learning_rates").splitlines() if l.startswith(name))
        assert float(line.split()[-1]) == pytest.approx(expected, rel=1e-3, abs=1e-4)
    assert chapter["final_losses"]["divergent"] > 25 > chapter["final_losses"]["too small"]


def test_regimes_creep_zigzag_and_diverge(chapter):
    runs = chapter["runs"]
    small = runs["too small"][0]
    assert all(a < b < 5 for a, b in zip(small, small[1:]))  # creeps from one side
    zig = runs["too large"][0]
    sides = [x > 5 for x in zig[1:]]
    assert all(s != t for s, t in zip(sides, sides[1:]))  # alternates sides every step
    assert all(abs(b - 5) < abs(a - 5) for a, b in zip(zig, zig[1:]))
    div = runs["divergent"][0]
    assert all(abs(b - 5) > abs(a - 5) for a, b in zip(div, div[1:]))
    line = next(l for l in chapter.output("zigzag").splitlines() if l.startswith("α = 0.95: x = "))
    shown = [float(v) for v in line.removeprefix("α = 0.95: x = ").rstrip(" .").split(", ")]
    assert shown == pytest.approx([5 - 5 * (-0.9) ** n for n in range(7)], abs=0.0051)


def test_descend_on_random_bowls(chapter):
    rng = random.Random(3)
    for _ in range(5):
        a, c, rate, x0 = rng.uniform(0.5, 3), rng.uniform(-4, 4), rng.uniform(0.01, 0.3), rng.uniform(-5, 5)
        xs, values = chapter["descend"](lambda x: a * (x - c) ** 2, x0, rate, 8)
        for n, x in enumerate(xs):
            assert x == pytest.approx(c + (x0 - c) * (1 - 2 * a * rate) ** n, abs=1e-4)


# ----------------------------------------------------------------- predict, compare, learn


def test_predict_compare_learn_closed_form(chapter):
    rows = table_rows(chapter.output("predict_compare_learn"), 2)
    assert len(rows) == 20
    for n, weight, *rest in rows:
        assert weight == pytest.approx(1.6 + (0.5 - 1.6) * 0.75 ** int(n), abs=1e-4)
    assert chapter["weight"] == pytest.approx(1.6 - 1.1 * 0.75 ** 20, abs=1e-9)


def test_direction_and_amount_is_half_the_derivative(chapter):
    def error(w):
        return (0.5 * w - 0.8) ** 2

    h = 1e-6
    numeric = (error(0.5 + h) - error(0.5 - h)) / (2 * h)
    assert numeric == pytest.approx(-0.55, abs=1e-6)
    assert "-0.2750" in chapter.output("pcl_is_gradient") and "-0.5500" in chapter.output("pcl_is_gradient")


def test_trask_loop_on_random_inputs(chapter):
    rng = random.Random(7)
    for _ in range(5):
        w0, x, g, alpha = rng.uniform(-1, 1), rng.uniform(0.2, 2.5), rng.uniform(-2, 2), rng.uniform(0.05, 1)
        weights = chapter["predict_compare_learn"](w0, x, g, 6, alpha)
        for n, w in enumerate(weights):
            assert w == pytest.approx(g / x + (w0 - g / x) * (1 - alpha * x * x) ** n, abs=1e-9)
    assert chapter["big_plain"][-1] == pytest.approx(0.4 + 0.1 * (-3) ** 6)
    assert (chapter["factor_small_input"], chapter["factor_big_input"]) == (0.75, -3.0)


# ----------------------------------------------------------------- input scale


def least_squares(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    intercept = my - slope * mx
    mse = sum((slope * x + intercept - y) ** 2 for x, y in zip(xs, ys)) / n
    return slope, intercept, mse


def test_first_gradients_by_hand(chapter):
    F = chapter["fahrenheit"].double().tolist()
    C = chapter["celsius"].double().tolist()
    dw = sum(-2 * c * f for c, f in zip(C, F)) / len(F)  # d/dw mean((wF + b - C)²) at w = b = 0
    db = sum(-2 * c for c in C) / len(C)
    assert chapter["first_grads"]["raw"][0] == pytest.approx(dw, rel=1e-4)
    assert chapter["first_grads"]["raw"][1] == pytest.approx(db, rel=1e-4)
    assert chapter["raw_ratio"] == pytest.approx(dw / db, rel=1e-4)
    assert f"ratio = {dw / db:6.2f}" in chapter.output("first_gradients")


def test_standardized_fit_reaches_least_squares_and_raw_stalls(chapter):
    F = chapter["fahrenheit"].double().tolist()
    C = chapter["celsius"].double().tolist()
    slope, intercept, mse = least_squares(F, C)
    assert chapter["std_w_per_f"] == pytest.approx(slope, abs=1e-4)
    assert chapter["std_b_in_c"] == pytest.approx(intercept, abs=5e-3)
    assert chapter["std_losses"][-1] == pytest.approx(mse, rel=1e-3)
    assert abs(chapter["raw_b"] - intercept) > 10 and chapter["raw_losses"][-1] > 50 * mse
    assert chapter["adam_loss"] == pytest.approx(mse, rel=1e-2)


def test_learning_rate_limits_from_the_curvature(chapter):
    # Gradient descent on a quadratic is stable only for α < 2 / (largest eigenvalue of the Hessian).
    F = chapter["fahrenheit"].double().tolist()
    n = len(F)
    a, m = 2 * sum(f * f for f in F) / n, 2 * sum(F) / n  # Hessian [[a, m], [m, 2]]
    largest = (a + 2) / 2 + math.sqrt(((a - 2) / 2) ** 2 + m * m)
    assert 1e-4 < 2 / largest < 3e-4  # the chapter's safe and unsafe raw rates straddle the limit
    assert chapter["raw_fast_losses"][-1] > 1e3 * chapter["raw_fast_losses"][0]


# ----------------------------------------------------------------- local minima and momentum


def test_two_minima_docstring_states_the_true_critical_points(chapter):
    doc = chapter["two_minima"].__doc__
    for point in (GLOBAL_MIN, LOCAL_MIN, HUMP):
        assert f"x = {point:.2f}" in doc


def test_autograd_slope_of_two_minima(chapter):
    rng = random.Random(11)
    for _ in range(5):
        x = torch.tensor(rng.uniform(-2, 2), dtype=torch.float64, requires_grad=True)
        chapter["two_minima"](x).backward()
        assert x.grad.item() == pytest.approx(two_minima_slope(x.item()), rel=1e-9)


def test_starts_end_in_different_minima(chapter):
    assert chapter["left_end"] == pytest.approx(GLOBAL_MIN, abs=1e-3)
    assert chapter["right_end"] == pytest.approx(LOCAL_MIN, abs=1e-3)
    f = chapter["two_minima"]
    assert f(GLOBAL_MIN) < f(LOCAL_MIN) < f(HUMP)


def momentum_reference(start, lr, steps, mu):
    x, v, xs = start, 0.0, [start]
    for _ in range(steps):
        v = mu * v + two_minima_slope(x)
        x -= lr * v
        xs.append(x)
    return xs


def test_momentum_matches_the_formula_and_crosses_the_hump(chapter):
    xs = chapter["momentum_runs"][2.0][0]
    reference = momentum_reference(2.0, 0.02, 60, 0.8)
    assert max(abs(a - b) for a, b in zip(xs, reference)) < 1e-3
    assert chapter["momentum_end"] == pytest.approx(GLOBAL_MIN, abs=5e-3)
    assert min(xs) < HUMP < max(xs)
    assert chapter["risky_xs"][-1] == pytest.approx(LOCAL_MIN, abs=5e-3)
    assert chapter["largest_gap"] < 1e-5


def test_small_step_stays_big_step_jumps(chapter):
    assert chapter["small_step_xs"][-1] == pytest.approx(LOCAL_MIN, abs=1e-3)
    assert chapter["big_step_xs"][1] == pytest.approx(2 - 0.1 * two_minima_slope(2.0), abs=1e-6)
    assert chapter["big_step_xs"][-1] == pytest.approx(GLOBAL_MIN, abs=1e-3)


# ----------------------------------------------------------------- schedules and optimizers


def test_step_lr_schedule_and_a_recomputation(chapter):
    readings = chapter["readings"].double().tolist()
    assert chapter["best"] == pytest.approx(sum(readings) / len(readings), abs=1e-5)
    for schedule, history in [(False, chapter["constant_history"]), (True, chapter["scheduled_history"])]:
        order = torch.Generator().manual_seed(1)
        m = 0.0
        for epoch, lr_used, m_end in history:
            expected_lr = 0.2 * 0.5 ** (epoch // 2) if schedule else 0.2
            assert lr_used == pytest.approx(expected_lr, rel=1e-12)
            for i in torch.randperm(len(readings), generator=order).tolist():
                m -= expected_lr * 2 * (m - readings[i])  # d/dm (m - r)² = 2(m - r)
            assert m_end == pytest.approx(m, abs=1e-4)
    assert chapter["scheduled_error"] < chapter["constant_error"]


def test_optimizers(chapter):
    losses = chapter["optimizer_losses"]
    for name, run in losses.items():
        assert len(run) == 500 and run[-1] < run[0] / 10, name
        model = chapter["optimizer_runs"][name][0]
        with torch.no_grad():
            after = ((model(chapter["sine_x"]) - chapter["sine_y"]) ** 2).mean().item()
        assert after <= run[-1] * 1.5, name  # the returned model is the trained one
    assert losses["Adam"][-1] < losses["SGD"][-1] and losses["SGD + momentum"][-1] < losses["SGD"][-1]
    assert len({run[0] for run in losses.values()}) == 1  # all three start from the same weights


def test_sgd_step_is_the_update_rule(chapter):
    model = chapter["template"]
    params = [p.detach().clone() for p in model.parameters()]
    trained, _ = chapter["train"](lambda p: torch.optim.SGD(p, lr=0.1), steps=1)
    model.zero_grad()
    ((model(chapter["sine_x"]) - chapter["sine_y"]) ** 2).mean().backward()
    for before, p, after in zip(params, model.parameters(), trained.parameters()):
        assert torch.allclose(after, before - 0.1 * p.grad, atol=1e-7)
    model.zero_grad()


# ----------------------------------------------------------------- exercises


def test_exercise_predictions(chapter):
    assert chapter["ex_answer"] == pytest.approx(5 - 5 * 0.5 ** 3, abs=1e-6)
    assert chapter["mirror_loss"] == pytest.approx(25 * 0.8 ** 40, rel=1e-4)
    assert chapter["mirror_loss"] == pytest.approx(chapter["final_losses"]["about right"], rel=1e-4)


def test_threshold_exercise_verdicts(chapter):
    lines = [l for l in chapter.output("ex_threshold_solution").splitlines() if l.startswith("α")]
    assert len(lines) == 6
    for line in lines:
        rate = float(line.split()[2].rstrip(":"))
        converges = abs(1 - 6 * rate) < 1  # the hand-derived condition α < 1/3
        assert line.endswith("closer than the start") == converges
