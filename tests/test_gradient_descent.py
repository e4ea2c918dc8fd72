"""The Gradient descent chapter, checked against closed forms and independent recomputation."""

import math
import random

import pytest
import torch

from snippets._book.cells import load_module
from conftest import check_rejects, run_check

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
    exact = 5 - 5 * 0.8 ** 20  # 4.942354..., the classic 20-step example's true result
    assert chapter["final_x"] == pytest.approx(exact, abs=1e-6)
    assert chapter["predicted_x"] == pytest.approx(exact, abs=1e-12)
    assert f"final x = {exact:.6f} (target 5)" in chapter.output("descend_parabola")
    last_two = chapter.output("closed_form").splitlines()[-2:]
    assert all(line.endswith(f" {exact:.6f}") for line in last_two)


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


def data(chapter):
    return chapter["fahrenheit"].double().tolist(), chapter["celsius"].double().tolist()


def mse(w, b, xs, ys):
    return sum((w * x + b - y) ** 2 for x, y in zip(xs, ys)) / len(xs)


def gradient(w, b, xs, ys):
    """(dL/dw, dL/db) of the mean squared error, derived by hand."""
    n = len(xs)
    errors = [w * x + b - y for x, y in zip(xs, ys)]
    return 2 * sum(e * x for e, x in zip(errors, xs)) / n, 2 * sum(errors) / n


def test_first_gradients_by_hand(chapter):
    F, C = data(chapter)
    dw, db = gradient(0.0, 0.0, F, C)
    assert chapter["first_grads"]["raw"][0] == pytest.approx(dw, rel=1e-4)
    assert chapter["first_grads"]["raw"][1] == pytest.approx(db, rel=1e-4)
    assert chapter["raw_ratio"] == pytest.approx(dw / db, rel=1e-4)
    assert f"ratio = {dw / db:6.2f}" in chapter.output("first_gradients")


def test_standardized_fit_reaches_least_squares_and_raw_stalls(chapter):
    F, C = data(chapter)
    slope, intercept, best = least_squares(F, C)
    assert chapter["std_w_per_f"] == pytest.approx(slope, abs=1e-4)
    assert chapter["std_b_in_c"] == pytest.approx(intercept, abs=5e-3)
    assert chapter["std_losses"][-1] == pytest.approx(best, rel=1e-3)
    assert abs(chapter["raw_b"] - intercept) > 10 and chapter["raw_losses"][-1] > 50 * best
    # the recorded path is the one that gave the losses
    w, b = chapter["raw_path"][-1].tolist()
    assert mse(w, b, F, C) == pytest.approx(chapter["raw_losses"][-1], rel=1e-4)


def hessian_by_hand(xs):
    n = len(xs)
    return [[2 * sum(x * x for x in xs) / n, 2 * sum(xs) / n], [2 * sum(xs) / n, 2.0]]


def eigenvalues_2x2(h):
    """The eigenvalues of a symmetric 2×2 matrix, from its characteristic polynomial, smallest first."""
    (a, m), (_, d) = h
    mean, radius = (a + d) / 2, math.sqrt(((a - d) / 2) ** 2 + m * m)
    return mean - radius, mean + radius


def test_hessian_and_its_check_by_autograd(chapter):
    F, _ = data(chapter)
    expected = hessian_by_hand(F)
    assert chapter["hessian"].tolist() == [pytest.approx(row, rel=1e-12) for row in expected]
    for k, column in enumerate(chapter["columns"]):  # autograd's change of gradient is H's column
        assert column.tolist() == pytest.approx([expected[0][k], expected[1][k]], rel=1e-9)
    # and by finite differences of the hand-derived gradient, independently
    _, C = data(chapter)
    g0, gw = gradient(0.0, 0.0, F, C), gradient(1.0, 0.0, F, C)
    assert gw[0] - g0[0] == pytest.approx(expected[0][0], rel=1e-9)


def test_curvatures_and_the_largest_safe_rate(chapter):
    F, _ = data(chapter)
    smallest, largest = eigenvalues_2x2(hessian_by_hand(F))
    assert chapter["curvatures"]["raw"] == pytest.approx((smallest, largest), rel=1e-6)
    assert chapter["safe_rate"] == pytest.approx(2 / largest, rel=1e-9)
    assert 2.4e-4 < chapter["safe_rate"] < 2.6e-4  # "about 2.5e-4"
    assert 1e-4 < chapter["safe_rate"]  # so 1e-4 was safe, but not the largest safe rate
    S = chapter["fahrenheit_std"].double().tolist()
    s_small, s_large = eigenvalues_2x2(hessian_by_hand(S))
    assert chapter["curvatures"]["standardized"] == pytest.approx((s_small, s_large), rel=1e-6)
    assert largest / smallest > 1e4 and s_large / s_small < 1.2  # a narrow valley against a round bowl


def descend_float64(F, C, rate, steps):
    w = b = 0.0
    losses = [mse(w, b, F, C)]
    for _ in range(steps):
        dw, db = gradient(w, b, F, C)
        w, b = w - rate * dw, b - rate * db
        losses.append(mse(w, b, F, C))
    return losses


def test_just_below_converges_just_above_diverges(chapter):
    F, C = data(chapter)
    limit = chapter["safe_rate"]
    below, above = chapter["below_losses"], chapter["above_losses"]
    assert chapter["edge_rates"] == {"0.95 × limit": 0.95 * limit, "1.05 × limit": 1.05 * limit}
    # the page's runs, recomputed in float64 from the hand-derived gradient
    assert below == pytest.approx(descend_float64(F, C, 0.95 * limit, 100), rel=1e-3)
    assert above[:30] == pytest.approx(descend_float64(F, C, 1.05 * limit, 29), rel=1e-3)
    assert below[-1] < below[0] / 5 and all(math.isfinite(v) for v in below)
    assert all(b > a for a, b in zip(above, above[1:])) and above[-1] > 1e8 * above[0]
    # and the limit is a real edge, not a property of 0.95 and 1.05 alone
    assert descend_float64(F, C, 0.99 * limit, 400)[-1] < below[0]
    assert descend_float64(F, C, 1.01 * limit, 400)[-1] > 1e3 * below[0]
    rows = {line[:14].strip(): line for line in chapter.output("edge_runs").splitlines()[1:]}
    assert float(rows["1.05 × limit"].split()[-1]) == pytest.approx(above[-1], rel=1e-3)


def test_the_raw_path_zigzags_across_the_valley(chapter):
    path = chapter["edge_runs"]["0.95 × limit"][0]
    w_steps = (path[1:11, 0] - path[:10, 0]).tolist()
    assert all(a * b < 0 for a, b in zip(w_steps, w_steps[1:]))  # w changes direction at every step
    assert abs(path[-1, 1].item()) < 0.2  # while b has barely moved along the valley
    std = chapter["std_path"]
    assert all(a <= b for a, b in zip(std[:, 1].tolist(), std[1:, 1].tolist()))  # straight in, no bouncing


def test_loss_surface_is_line_loss_on_a_grid(chapter):
    F, C = data(chapter)
    ws, bs = torch.tensor([0.1, 0.5, 0.7]), torch.tensor([-3.0, 2.0])
    surface = chapter["loss_surface"](chapter["fahrenheit"], ws, bs)
    assert surface.shape == (2, 3)
    for i, b in enumerate(bs.tolist()):
        for j, w in enumerate(ws.tolist()):
            assert surface[i, j].item() == pytest.approx(mse(w, b, F, C), rel=1e-5)


# ----------------------------------------------------------------- optimizers


def reference_path(F, C, rule, steps, lr, **kw):
    """Each optimizer's equations in float64, from (0, 0), written independently of the chapter."""
    theta = [0.0, 0.0]
    state = [dict(v=0.0, s=0.0, m=0.0) for _ in theta]
    path = [list(theta)]
    for t in range(1, steps + 1):
        g = gradient(theta[0], theta[1], F, C)
        for i in range(2):
            st, gi = state[i], g[i]
            if rule == "sgd":
                theta[i] -= lr * gi
            elif rule == "momentum":
                st["v"] = kw["momentum"] * st["v"] + gi
                theta[i] -= lr * st["v"]
            elif rule == "adagrad":
                st["s"] += gi * gi
                theta[i] -= lr * gi / (math.sqrt(st["s"]) + 1e-10)
            elif rule == "rmsprop":
                st["s"] = 0.99 * st["s"] + 0.01 * gi * gi
                theta[i] -= lr * gi / (math.sqrt(st["s"]) + 1e-8)
            elif rule == "adam":
                st["m"] = 0.9 * st["m"] + 0.1 * gi
                st["s"] = 0.999 * st["s"] + 0.001 * gi * gi
                m_hat, v_hat = st["m"] / (1 - 0.9 ** t), st["s"] / (1 - 0.999 ** t)
                theta[i] -= lr * m_hat / (math.sqrt(v_hat) + 1e-8)
        path.append(list(theta))
    return path


RULES = [("sgd", "sgd_update", torch.optim.SGD, {}), ("momentum", "momentum_update", torch.optim.SGD, {"momentum": 0.9}),
         ("adagrad", "adagrad_update", torch.optim.Adagrad, {}), ("rmsprop", "rmsprop_update", torch.optim.RMSprop, {}),
         ("adam", "adam_update", torch.optim.Adam, {})]


@pytest.mark.parametrize("rule, update, optimizer_class, extra", RULES, ids=[r[0] for r in RULES])
def test_hand_written_rule_equals_torch_and_the_equations(chapter, rule, update, optimizer_class, extra):
    F, C = data(chapter)
    lr = chapter["sgd_rate"] if rule in ("sgd", "momentum") else 0.3
    steps = 8
    mine = chapter["descend_by_hand"](chapter[update], steps, lr=lr, **extra)
    theirs = chapter["descend_with"](optimizer_class, steps, lr=lr, **extra)
    reference = reference_path(F, C, rule, steps, lr, **extra)
    assert mine.shape == (steps + 1, 2)
    assert torch.allclose(mine, theirs, rtol=1e-5, atol=1e-5)
    assert mine.tolist() == [pytest.approx(row, rel=1e-4, abs=1e-4) for row in reference]


def test_page_reports_small_gaps(chapter):
    for name in ("momentum_gap", "adagrad_gap", "rmsprop_gap", "adam_gap"):
        assert 0 <= chapter[name] < 1e-5, name
    assert "largest difference" in chapter.output("torch_optim")


def test_adam_table_is_step_by_step(chapter):
    F, C = data(chapter)
    rows = table_rows(chapter.output("adam"), 6)
    reference = reference_path(F, C, "adam", chapter["check_steps"], chapter["adam_rate"])
    assert [int(r[0]) for r in rows] == list(range(chapter["check_steps"] + 1))
    for (step, w_mine, w_torch, b_mine, b_torch, gap), (w, b) in zip(rows, reference):
        assert w_mine == pytest.approx(w, abs=2e-6) and w_torch == pytest.approx(w, abs=2e-6)
        assert b_mine == pytest.approx(b, abs=2e-6) and b_torch == pytest.approx(b, abs=2e-6)
        assert gap < 1e-6


def test_the_comparison(chapter):
    F, C = data(chapter)
    losses, paths = chapter["optimizer_losses"], chapter["optimizer_paths"]
    assert list(losses) == ["SGD", "momentum", "AdaGrad", "RMSProp", "Adam"]
    for name, path in paths.items():
        assert path.shape == (chapter["comparison_steps"] + 1, 2)
        w, b = path[-1].tolist()
        assert losses[name] == pytest.approx(mse(w, b, F, C), rel=1e-4), name
    # the order the page reports
    assert losses["Adam"] < losses["RMSProp"] < losses["AdaGrad"] < losses["momentum"] < losses["SGD"]
    _, _, best = least_squares(F, C)
    assert losses["Adam"] < 1.5 * best and chapter["std_losses"][-1] < losses["Adam"]
    assert 2 * chapter["scale_steps"] == chapter["comparison_steps"]  # "in half the steps"
    # the first steps follow the equations (float32 and float64 part ways later on this narrow valley)
    for name, rule, extra in [("SGD", "sgd", {}), ("momentum", "momentum", {"momentum": 0.9})]:
        ref = reference_path(F, C, rule, 20, chapter["sgd_rate"], **extra)
        assert paths[name][:21].tolist() == [pytest.approx(r, rel=1e-3, abs=1e-3) for r in ref]
    # RMSProp's loss jumps back up for a while
    x = chapter["fahrenheit"]
    rms = ((paths["RMSProp"][:, 0, None] * x + paths["RMSProp"][:, 1, None] - chapter["celsius"]) ** 2).mean(dim=1)
    assert rms[100:].max().item() > 5 * rms[100].item()
    # the claim that no safe rate moves plain descent along the floor: factor 1 - 2 λmin / λmax per step
    smallest, largest = chapter["curvatures"]["raw"]
    assert (1 - 2 * smallest / largest) ** 200 > 0.95


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


# ----------------------------------------------------------------- exercises


def test_exercise_predictions(chapter):
    assert chapter["ex_answer"] == pytest.approx(5 - 5 * 0.5 ** 3, abs=1e-6) == chapter["x_after_three"]
    assert chapter["loss_after_20"] == chapter["final_losses"]["about right"]
    assert chapter["mirror_loss"] == pytest.approx(25 * 0.8 ** 40, rel=1e-4)
    assert chapter["mirror_loss"] == pytest.approx(chapter["final_losses"]["about right"], rel=1e-4)


def test_threshold_exercise_verdicts(chapter):
    lines = [l for l in chapter.output("ex_threshold_solution").splitlines() if l.startswith("α")]
    assert len(lines) == 6
    for line in lines:
        rate = float(line.split()[2].rstrip(":"))
        converges = abs(1 - 6 * rate) < 1  # the hand-derived condition α < 1/3
        assert line.endswith("closer than the start") == converges
    assert chapter["largest_rate"] == pytest.approx(1 / 3)


def test_adam_first_step_is_the_sign_times_alpha(chapter):
    first = chapter["first_steps"].tolist()
    g = chapter["first_gradient"].tolist()
    assert first == pytest.approx([-chapter["adam_rate"] * math.copysign(1, gi) for gi in g], abs=1e-6)
    assert chapter["uncorrected"] == pytest.approx(0.1 / math.sqrt(0.001), rel=1e-12)
    assert [chapter["adam_w"], chapter["adam_b"]] == pytest.approx(first, abs=1e-6)


def momentum_on_parabola(rate, mu, steps):
    x, v = 0.0, 0.0
    for _ in range(steps):
        v = mu * v + 2 * (x - 5)
        x -= rate * v
    return x


def test_momentum_limit_exercise(chapter):
    verdicts = chapter["momentum_verdicts"]
    assert set(verdicts) == {0.9, 1.4, 1.6, 2.0}
    for rate, closed_in in verdicts.items():
        assert closed_in == (rate * 2 < 2 * (1 + 0.5))  # α λ < 2 (1 + μ), λ = 2
        assert closed_in == (abs(momentum_on_parabola(rate, 0.5, 60) - 5) < 5)
    # the limit is sharp: just inside and just outside
    assert abs(momentum_on_parabola(1.49, 0.5, 3000) - 5) < 1e-3
    assert abs(momentum_on_parabola(1.51, 0.5, 3000) - 5) > 1e3
    assert chapter["momentum_limit"] == 1.5


def test_only_what_the_first_chapters_taught(chapter):
    from snippets._engine import load_module

    code = "\n".join(cell.code for cell in load_module("gradient_descent"))
    for tool in ("torch.nn", "nn.Sequential", "nn.Linear", "deepcopy", "unsqueeze", "DataLoader"):
        assert tool not in code, tool
    assert "Examples:" not in code


# ----------------------------------------------------------------- the exercises' checks


def test_three_steps_check(chapter):
    assert run_check(chapter, "check_predict", x_after_three=4.375).startswith("Correct")
    assert run_check(chapter, "check_predict", x_after_three=torch.tensor(4.375))
    check_rejects(chapter, "check_predict", x_after_three=5 - 5 * 0.5 ** 2)  # two steps
    check_rejects(chapter, "check_predict", x_after_three=5.0)  # "it gets there"
    assert "`x_after_three`" in check_rejects(chapter, "check_predict", missing=["x_after_three"])


def test_mirror_check(chapter):
    assert run_check(chapter, "check_mirror", loss_after_20=25 * 0.64 ** 20).startswith("Correct")
    assert run_check(chapter, "check_mirror", loss_after_20=round(chapter["final_losses"]["about right"], 4))
    check_rejects(chapter, "check_mirror", loss_after_20=25 * 0.2 ** 40)  # 1 - 2α taken as 0.2
    check_rejects(chapter, "check_mirror", loss_after_20=chapter["final_losses"]["too large"])
    assert "a number" in check_rejects(chapter, "check_mirror", loss_after_20="the same")


def test_threshold_check(chapter):
    assert run_check(chapter, "check_threshold", largest_rate=1 / 3).startswith("Correct")
    assert run_check(chapter, "check_threshold", largest_rate=0.33)  # read off the experiment
    assert "fly off" in check_rejects(chapter, "check_threshold", largest_rate=0.34)
    assert "fly off" in check_rejects(chapter, "check_threshold", largest_rate=1.0)  # the limit for (x - 5)²
    assert "still converges" in check_rejects(chapter, "check_threshold", largest_rate=1 / 6)  # the fastest rate, not the limit

    def steep_bowl_run(rate, steps=3000):  # gradient descent on 3(x - 5)² in plain floats
        x = 0.0
        for _ in range(steps):
            x -= rate * 6 * (x - 5)
        return x

    # the band the check accepts, 1/3 ± 0.005, straddles the real edge
    assert abs(steep_bowl_run(1 / 3 - 0.005) - 5) < 1e-3
    assert abs(steep_bowl_run(1 / 3 + 0.005) - 5) > 1e3


def test_adam_first_step_check(chapter):
    rate, ratio = chapter["adam_rate"], chapter["raw_ratio"]
    assert run_check(chapter, "check_adam_first_step", adam_w=rate, adam_b=rate).startswith("Correct")
    # plain gradient descent's habit: w moving about raw_ratio times as far as b
    assert "different amounts" in check_rejects(chapter, "check_adam_first_step", adam_w=rate * ratio, adam_b=rate)
    assert "against the gradient" in check_rejects(chapter, "check_adam_first_step", adam_w=-rate, adam_b=-rate)
    # the uncorrected first step
    check_rejects(chapter, "check_adam_first_step", adam_w=rate * chapter["uncorrected"], adam_b=rate * chapter["uncorrected"])


def test_momentum_limit_check(chapter):
    assert run_check(chapter, "check_momentum_limit", momentum_limit=1.5).startswith("Correct")
    assert "without momentum" in check_rejects(chapter, "check_momentum_limit", momentum_limit=1.0)
    check_rejects(chapter, "check_momentum_limit", momentum_limit=3.0)  # 2(1 + μ) without dividing by λ
    # the check's limit is where runs really change: just inside converges, just outside flies off
    assert abs(momentum_on_parabola(1.5 - 0.01, 0.5, 3000) - 5) < 1e-3
    assert abs(momentum_on_parabola(1.5 + 0.01, 0.5, 3000) - 5) > 1e3

