"""The training-loop chapter: every loop is re-derived with closed-form gradients in float64."""

import math
import re

import pytest
import torch
from torch import nn

CHAPTER = "training_loop"

X64 = torch.tensor([[10.0, 3.0], [15.0, 4.0], [20.0, 5.0], [8.0, 2.0], [12.0, 3.0]], dtype=torch.float64)
Y64 = torch.tensor([[200.0], [300.0], [400.0], [150.0], [250.0]], dtype=torch.float64)


def mse_grads(X, y, w, b):
    """Closed-form MSE and gradients for predictions X @ w + b (w: (d, 1), b: scalar)."""
    residual = X @ w + b - y
    n = X.shape[0]
    return (residual ** 2).mean().item(), 2 / n * X.T @ residual, 2 / n * residual.sum()


def linear_init(seed, n_in):
    """The weight (as a column) and bias that nn.Linear(n_in, 1) gets after torch.manual_seed(seed)."""
    torch.manual_seed(seed)
    layer = nn.Linear(n_in, 1)
    return layer.weight.detach().double().T.clone(), layer.bias.detach().double().item()


def gd(X, y, w, b, lr, epochs, accumulate=False):
    """Full-batch gradient descent with hand-derived gradients; returns losses and the final (w, b)."""
    losses, sum_gw, sum_gb = [], torch.zeros_like(w), 0.0
    for _ in range(epochs):
        loss, gw, gb = mse_grads(X, y, w, b)
        losses.append(loss)
        if accumulate:  # what forgetting zero_grad does: the step uses every gradient so far
            sum_gw, sum_gb = sum_gw + gw, sum_gb + gb
            gw, gb = sum_gw, sum_gb
        w, b = w - lr * gw, b - lr * gb
    return losses, w, b


# ------------------------------------------------------------------ the four steps


def test_one_step_gradient_and_update(chapter):
    w0, b0 = linear_init(0, 2)  # the first random draw after the chapter's manual_seed(0)
    assert torch.allclose(chapter["w_before"].double().T, w0)
    loss, gw, _ = mse_grads(X64, Y64, w0, b0)
    assert chapter["grad_w"].double().T == pytest.approx(gw, rel=1e-5)
    printed = float(re.search(r"MSE = ([\d.]+)", chapter.output("one_step")).group(1))
    assert printed == pytest.approx(loss, abs=0.1)
    # optimizer.step() is w <- w - lr * grad
    expected = chapter["w_before"] - 1e-4 * chapter["grad_w"]
    assert torch.allclose(chapter["model"].weight.detach(), expected)
    assert chapter["loss_after"] < loss


def test_backward_twice_doubles_the_gradient(chapter):
    first, second = chapter["first"], chapter["second"]
    assert torch.allclose(second, 2 * first)
    model = chapter["model"]
    _, gw, _ = mse_grads(X64, Y64, model.weight.detach().double().T, model.bias.item())
    assert first.double().T == pytest.approx(gw, rel=1e-5)
    assert "tensor([[2., 2.]])" in chapter.output("accumulate")


def test_forgetting_zero_grad_equals_summing_all_gradients(chapter):
    w0, b0 = linear_init(0, 2)
    with_zero, _, _ = gd(X64, Y64, w0, b0, 1e-4, 30)
    without, _, _ = gd(X64, Y64, w0, b0, 1e-4, 30, accumulate=True)
    assert chapter["with_zero"] == pytest.approx(with_zero, rel=1e-4)
    assert chapter["without_zero"] == pytest.approx(without, rel=2e-3, abs=0.5)
    assert chapter["with_zero"][-1] < chapter["with_zero"][0]
    assert chapter["without_zero"][-1] > 5 * chapter["with_zero"][-1]
    assert chapter["lowest_without"] == min(chapter["without_zero"])


# ------------------------------------------------------------------ from scratch


def test_scratch_step(chapter):
    torch.manual_seed(42)
    w0 = torch.randn(2, 1).double()
    loss0, gw, gb = mse_grads(X64, Y64, w0, 0.0)
    loss1, _, _ = mse_grads(X64, Y64, w0 - 1e-4 * gw, -1e-4 * gb.item())
    assert chapter["improvement"] == pytest.approx(loss0 - loss1, rel=1e-4)
    printed = float(re.search(r"MSE: ([\d.]+)", chapter.output("scratch_init")).group(1))
    assert printed == pytest.approx(loss0, rel=1e-6)


def test_scratch_loop_is_gradient_descent(chapter):
    torch.manual_seed(42)
    w0 = torch.randn(2, 1).double()
    losses, w, b = gd(X64, Y64, w0, 0.0, 1e-4, 1000)
    assert chapter["scratch_losses"] == pytest.approx(losses, rel=1e-4)
    assert chapter["w"].detach().double() == pytest.approx(w, rel=1e-4)
    assert chapter["b"].item() == pytest.approx(b.item(), rel=1e-3)
    assert chapter["scratch_losses"][-1] < chapter["scratch_losses"][0] / 1000
    for k in range(0, 1000, 100):
        assert f" {k:4d} | {chapter['scratch_losses'][k]:8.2f}" in chapter.output("scratch_loop")


def test_best_line_solves_the_normal_equations(chapter):
    A = torch.cat([X64, torch.ones(5, 1, dtype=torch.float64)], dim=1)
    theta = torch.linalg.solve(A.T @ A, A.T @ Y64)
    best_loss = ((A @ theta - Y64) ** 2).mean().item()
    assert chapter["best_loss"] == pytest.approx(best_loss, rel=1e-4)
    assert chapter["best"].double() == pytest.approx(theta, rel=1e-3, abs=1e-3)
    # gradient descent cannot beat least squares
    assert min(chapter["scratch_losses"]) >= best_loss - 1e-3


def test_low_level_class_trains(chapter):
    LinearRegression, train_step = chapter["LinearRegression"], chapter["train_step"]
    torch.manual_seed(123)
    model = LinearRegression(n_in=3, n_out=2)
    x, t = torch.randn(7, 3), torch.randn(7, 2)
    w, b = model.w.detach().clone(), model.b.detach().clone()
    residual = x @ w + b - t
    loss = train_step(model, x, t, lr=0.5)
    assert isinstance(loss, float) and loss == pytest.approx((residual ** 2).mean().item(), rel=1e-6)
    grad_w = 2 * x.T @ residual / residual.numel()
    assert torch.allclose(model.w.detach(), w - 0.5 * grad_w, atol=1e-6)
    assert torch.all(model.w.grad == 0) and torch.all(model.b.grad == 0)
    # the trained regression lands on the least-squares answer for its noisy data
    feats, labels = chapter["features"].double(), chapter["labels"].double()
    A = torch.cat([feats, torch.ones(len(feats), 1, dtype=torch.float64)], dim=1)
    theta = torch.linalg.lstsq(A, labels).solution
    learned = chapter["regression"]
    assert learned.w.detach().double() == pytest.approx(theta[:2], abs=1e-3)
    assert learned.b.detach().double() == pytest.approx(theta[2], abs=1e-3)
    assert (learned.w.detach() - chapter["true_w"]).abs().max() < 0.05


# ------------------------------------------------------------------ nn.Module


def test_module_loop_equals_scratch_loop(chapter):
    assert chapter["largest_gap"] < 0.05
    weight = chapter["house_model"].linear.weight.detach()
    assert torch.allclose(weight.T, chapter["w"].detach(), rtol=1e-4)
    assert chapter["module_losses"][-1] < chapter["module_losses"][0]


def count_by_hand(model):
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return sum(m.in_features * m.out_features + m.out_features for m in layers)


def test_parameter_counts(chapter):
    assert chapter["total_params"] == 2 * 8 + 8 + 8 * 1 + 1 == count_by_hand(chapter["model_v2"])
    assert chapter["num_params"] == 4 * 16 + 16 + 16 * 1 + 1 == count_by_hand(chapter["net"])
    assert "parameters: 33" in chapter.output("hidden_layer")
    assert "parameters: 97" in chapter.output("complete_model")
    assert chapter["v2_losses"][-1] < chapter["v2_losses"][0] / 1000


def test_complete_example_learns(chapter):
    losses = chapter["net_losses"]
    assert all(map(math.isfinite, losses)) and losses[-1] < losses[0] / 1000
    preds, y_train = chapter["final_preds"], chapter["y_train"]
    mae = sum(abs(p - a) for p, a in zip(preds.flatten().tolist(), y_train.flatten().tolist())) / 8
    assert chapter["final_mae"] == pytest.approx(mae, rel=1e-5)
    assert mae < 15
    out = chapter.output("complete_eval")
    for i in range(8):
        assert f"{preds[i].item():8.1f}k | {y_train[i].item():6.1f}k" in out


# ------------------------------------------------------------------ batches


def test_steps_per_epoch(chapter):
    assert len(chapter["loader"]) == math.ceil(1000 / 100) == chapter["steps"]
    assert chapter["seen"] == 1000
    assert "len(loader) = 10 steps per epoch" in chapter.output("steps_per_epoch")


def regression_data(chapter):
    return chapter["inputs"].double(), chapter["targets"].double()


def test_lowest_loss_is_least_squares(chapter):
    x, t = regression_data(chapter)
    A = torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    theta = torch.linalg.solve(A.T @ A, A.T @ t)
    lowest = ((A @ theta - t) ** 2).mean().item()
    assert chapter["lowest_loss"] == pytest.approx(lowest, rel=1e-5)
    for history in chapter["runs"].values():
        assert min(history) >= lowest - 1e-5  # no run can beat the optimum
        assert history[-1] < history[0] / 10
    assert chapter["full_final"] == pytest.approx(lowest, rel=1e-4)
    assert chapter["full_examples"] == 256 * 200


def test_full_batch_run_is_gradient_descent(chapter):
    x, t = regression_data(chapter)
    w0, b0 = linear_init(1, 2)
    losses, _, _ = gd(x, t, w0, b0, 0.1, 50)
    assert chapter["runs"]["full batch (256)"][:50] == pytest.approx(losses, rel=1e-4)


def test_schedule_run_matches_sgd_by_hand(chapter):
    """Re-run single-example SGD with a hand-written halving schedule and the chapter's shuffles."""
    x, t = regression_data(chapter)
    w, b = linear_init(1, 2)
    batches = chapter["batch_indices"](1, torch.Generator().manual_seed(2))
    losses = [((x @ w + b - t) ** 2).mean().item()]
    for step in range(500):
        i = next(batches)
        residual = x[i] @ w + b - t[i]
        lr = 0.1 * 0.5 ** (step // 100)
        w, b = w - lr * 2 * x[i].T @ residual, b - lr * 2 * residual.sum().item()
        losses.append(((x @ w + b - t) ** 2).mean().item())
    assert chapter["scheduled"] == pytest.approx(losses, rel=1e-3)
    assert chapter["last_scheduled"] < chapter["last_constant"]
    assert chapter["last_scheduled"] < 1.05 * chapter["lowest_loss"]  # "close to the best possible"
    assert chapter["last_scheduled"] == pytest.approx(sum(losses[401:]) / 100, rel=1e-4)


def test_optimizers_rank_as_the_chapter_says(chapter):
    assert chapter["adam_end"] < chapter["momentum_end"] < chapter["sgd_end"]
    for history in chapter["optimizer_losses"].values():
        assert history[-1] < history[0]


# ------------------------------------------------------------------ Celsius


def test_raw_celsius_run_is_gradient_descent(chapter):
    C = torch.linspace(-40, 100, 50, dtype=torch.float64).reshape(-1, 1)
    w0, b0 = linear_init(42, 1)
    losses, w, b = gd(C, 1.8 * C + 32, w0, b0, 1e-4, 5000)
    assert chapter["raw_w"] == pytest.approx(w.item(), rel=1e-3)
    assert chapter["raw_b"] == pytest.approx(b.item(), rel=1e-3)
    assert chapter["raw_losses"][-1] == pytest.approx(losses[-1], rel=1e-3)
    assert abs(chapter["raw_b"] - 32) > 10  # the recipe really stops far from 32


def test_curvature_is_the_hessian(chapter):
    mse_curvature = chapter["mse_curvature"]
    torch.manual_seed(5)
    x, t = torch.randn(9, 1, dtype=torch.float64) * 3 + 1, torch.randn(9, 1, dtype=torch.float64)

    def loss(params):
        return ((params[0] * x + params[1] - t) ** 2).mean()

    hessian = torch.autograd.functional.hessian(loss, torch.tensor([0.3, -0.7], dtype=torch.float64))
    assert mse_curvature(x).double() == pytest.approx(hessian, rel=1e-5)


def test_learning_rate_limit_separates_convergence_from_divergence(chapter):
    C = torch.linspace(-40, 100, 50, dtype=torch.float64).reshape(-1, 1)
    F = 1.8 * C + 32
    limit = chapter["raw_limit"]
    mean_sq, mean = (C ** 2).mean().item(), C.mean().item()
    trace, det = 2 * (mean_sq + 1), 4 * (mean_sq - mean ** 2)
    assert limit == pytest.approx(2 / ((trace + math.sqrt(trace ** 2 - 4 * det)) / 2), rel=1e-5)
    below, _, _ = gd(C, F, torch.zeros(1, 1, dtype=torch.float64), 0.0, 0.95 * limit, 400)
    above, _, _ = gd(C, F, torch.zeros(1, 1, dtype=torch.float64), 0.0, 1.05 * limit, 400)
    assert below[-1] < below[0] and above[-1] > 100 * above[0]
    hasty = chapter["hasty_losses"]
    assert all(later > 10 * earlier for earlier, later in zip(hasty, hasty[1:]))


def test_standardized_celsius_recovers_the_formula(chapter):
    assert chapter["scaled_w"] == pytest.approx(1.8, abs=1e-3)
    assert chapter["scaled_b"] == pytest.approx(32.0, abs=1e-3)
    assert chapter["raw_epoch"] is None and chapter["scaled_epoch"] < 100
    first = chapter["scaled_epoch"]
    assert chapter["scaled_losses"][first] < 0.01 <= chapter["scaled_losses"][first - 1]
    assert chapter["scaled_condition"] == pytest.approx(1 / (1 - 1 / 50), rel=1e-3)  # std uses n - 1


def test_unseen_temperatures_are_unseen(chapter):
    grid = chapter["C_train"].flatten()
    for c in chapter["unseen"].flatten():
        assert (grid - c).abs().min() > 0.1  # not on the grid (37 °C is 0.14 from 37.14)
    for c in (0.0, 100.0):  # the seed's "unseen" test temperatures are in the grid
        assert (grid - c).abs().min() < 1e-5
    guesses = chapter["scaled_guess"].flatten()
    assert guesses == pytest.approx([1.8 * c + 32 for c in chapter["unseen"].flatten().tolist()], abs=0.01)


# ------------------------------------------------------------------ exercises


def test_ex_kelvin(chapter):
    assert chapter["kelvin_w"] == pytest.approx(1.8, abs=1e-3)
    assert chapter["kelvin_b"] == pytest.approx(-459.67, abs=0.05)
    K = torch.linspace(233.15, 373.15, 50, dtype=torch.float64)
    mean_sq, mean = (K ** 2).mean().item(), K.mean().item()
    trace, det = 2 * (mean_sq + 1), 4 * (mean_sq - mean ** 2)
    largest = (trace + math.sqrt(trace ** 2 - 4 * det)) / 2
    assert chapter["kelvin_limit"] == pytest.approx(2 / largest, rel=1e-4)
    assert chapter["kelvin_limit"] < 1e-4 < chapter["raw_limit"]
    assert chapter["limit_ratio"] == pytest.approx(chapter["raw_limit"] * largest / 2, rel=1e-6)


def test_ex_batches(chapter):
    assert chapter["ex_steps"] == math.ceil(1000 / 64) == 16
    assert chapter["ex_last"] == 1000 - 15 * 64 == 40
    assert chapter["dropped_steps"] == 1000 // 64


def adam_by_hand(lr, grad, steps, beta1=0.9, beta2=0.999, eps=1e-8):
    w = m = v = 0.0
    for k in range(1, steps + 1):
        m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad ** 2
        w -= lr * (m / (1 - beta1 ** k)) / (math.sqrt(v / (1 - beta2 ** k)) + eps)
    return -w


def test_ex_optimizer_steps(chapter):
    assert chapter["sgd_move"] == pytest.approx(3 * 0.1)
    assert chapter["momentum_move"] == pytest.approx(0.1 * (1 + 1.9 + 2.71), rel=1e-6)
    assert chapter["adam_move"] == pytest.approx(adam_by_hand(0.01, 1.0, 3), rel=1e-5)
    assert chapter["adam_move_steep"] == pytest.approx(adam_by_hand(0.01, 1000.0, 3), rel=1e-5)
    assert chapter["adam_move"] == pytest.approx(0.03, rel=1e-5)
    distance_after = chapter["distance_after"]
    assert distance_after(lambda p: torch.optim.SGD(p, lr=0.2), slope=3.0, steps=4) == pytest.approx(2.4, rel=1e-6)
    assert distance_after(lambda p: torch.optim.Adam(p, lr=0.05), slope=-7.0, steps=5) == pytest.approx(
        adam_by_hand(0.05, -7.0, 5), rel=1e-5)
