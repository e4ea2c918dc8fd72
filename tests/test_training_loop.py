"""The training-loop chapter: every loop is re-derived with closed-form gradients in float64."""

import copy
import inspect
import math
import re

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from conftest import run_check

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


def gd(X, y, w, b, lr, epochs):
    """Full-batch gradient descent with hand-derived gradients; returns losses and the final (w, b)."""
    losses = []
    for _ in range(epochs):
        loss, gw, gb = mse_grads(X, y, w, b)
        losses.append(loss)
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


def test_cycle_diagram_names_the_lines_the_loop_runs(chapter):
    figures = {r.name: len(r.figures) for r in chapter.results}
    assert figures["cycle_diagram"] == 1
    steps = [step for step, _, _ in chapter["cycle"]]
    assert steps == ["1. forward", "2. loss", "3. backward", "4. update"]
    # the diagram's backward and update lines are the reusable loop's, in the diagram's order,
    # after the forward pass and the loss
    source = inspect.getsource(chapter["train_one_epoch"])
    codes = [code for _, code, _ in chapter["cycle"]]
    order = [source.index("loss_fn(model(inputs), targets)")]
    order += [source.index(line) for code in codes[2:] for line in code.split("\n")]
    assert order == sorted(order) and len(order) == 4
    assert codes[0] == "predictions = model(X)" and codes[1] == "loss_fn(predictions, y)"


# ------------------------------------------------------------------ from scratch


def test_scratch_step(chapter):
    torch.manual_seed(42)
    w0 = torch.randn(2, 1).double()
    loss0, gw, gb = mse_grads(X64, Y64, w0, 0.0)
    loss1, _, _ = mse_grads(X64, Y64, w0 - 1e-4 * gw, -1e-4 * gb.item())
    assert chapter["improvement"] == pytest.approx(loss0 - loss1, rel=1e-4)
    printed = float(re.search(r"MSE: ([\d.]+)", chapter.output("scratch_init")).group(1))
    assert printed == pytest.approx(loss0, rel=1e-6)
    # "a few thousand dollars" (prices are in $1000s) "for houses worth hundreds of thousands"
    first = (X64 @ w0).flatten()
    assert torch.all((first > 1) & (first < 10)) and torch.all(Y64 >= 100)


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
    assert chapter["v2_losses"][-1] > chapter["best_loss"]  # "still above the best straight line"


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


# ------------------------------------------------------------------ Celsius


def test_raw_celsius_run_is_gradient_descent(chapter):
    C = torch.linspace(-40, 100, 50, dtype=torch.float64).reshape(-1, 1)
    w0, b0 = linear_init(42, 1)
    losses, w, b = gd(C, 1.8 * C + 32, w0, b0, 1e-4, 5000)
    assert chapter["raw_w"] == pytest.approx(w.item(), rel=1e-3)
    assert chapter["raw_b"] == pytest.approx(b.item(), rel=1e-3)
    assert chapter["raw_losses"][-1] == pytest.approx(losses[-1], rel=1e-3)
    assert abs(chapter["raw_b"] - 32) > 10  # the recipe really stops far from 32


def test_a_larger_learning_rate_does_not_rescue_raw_celsius(chapter):
    C = torch.linspace(-40, 100, 50, dtype=torch.float64).reshape(-1, 1)
    F = 1.8 * C + 32
    w0, b0 = linear_init(42, 1)
    ten_times, _, _ = gd(C, F, w0, b0, 1e-3, 20)
    assert ten_times[-1] > 1e6 * ten_times[0]  # "ten times this learning rate diverges"
    # the largest stable rate is 2 / (the Hessian's largest eigenvalue)
    hessian = 2 * torch.tensor([[(C ** 2).mean(), C.mean()], [C.mean(), 1.0]], dtype=torch.float64)
    limit = 2 / torch.linalg.eigvalsh(hessian)[-1].item()
    below, w, b = gd(C, F, w0, b0, 0.95 * limit, 5000)
    assert below[-1] < below[0] and b.item() < 31  # stable, and still short of 32
    above, _, _ = gd(C, F, w0, b0, 1.05 * limit, 400)
    assert above[-1] > 100 * above[0]
    assert 10 < chapter["raw_b"] < 22  # "only about halfway to 32"
    assert chapter["raw_losses"][-1] < chapter["raw_losses"][-2]  # "still falling"


def test_standardized_celsius_recovers_the_formula(chapter):
    assert chapter["scaled_w"] == pytest.approx(1.8, abs=1e-3)
    assert chapter["scaled_b"] == pytest.approx(32.0, abs=1e-3)
    assert min(chapter["raw_losses"]) >= 0.01 and chapter["scaled_epoch"] < 100
    assert chapter["raw_reached"] is False
    first = chapter["scaled_epoch"]
    assert chapter["scaled_losses"][first] < 0.01 <= chapter["scaled_losses"][first - 1]
    losses = chapter["scaled_losses"]
    assert losses[-1] < 1e-9 and max(losses[70:]) == min(losses[70:])  # below a billionth, flat from epoch 70
    spacing = (torch.nextafter(torch.tensor(212.0), torch.tensor(300.0)) - 212.0).item()
    assert spacing == pytest.approx(2 ** -16) and 1e-5 < spacing < 3e-5  # "about 0.00002 apart"
    assert losses[-1] < 10 * spacing ** 2  # a few float32 steps of error, squared
    C_scaled = chapter["C_scaled"].double()
    assert C_scaled.mean().item() == pytest.approx(0, abs=1e-6)
    assert C_scaled.std().item() == pytest.approx(1, abs=1e-6)


def test_check_temperatures(chapter):
    grid = chapter["C_train"].flatten()
    checked = chapter["check"].flatten().tolist()
    assert checked == [-10.0, 0.0, 37.0, 100.0, 150.0]
    for c, flagged in zip(checked, chapter["in_training"]):
        assert flagged == ((grid - c).abs().min().item() < 1e-4)
    assert chapter["in_training"] == [False, True, False, True, False]
    assert all(abs(c - g) > 0.1 for c in (-10.0, 37.0, 150.0) for g in grid.tolist())  # really new
    exact = torch.tensor([1.8 * c + 32 for c in checked])
    assert chapter["scaled_guess"].flatten() == pytest.approx(exact, abs=0.005)  # "right to two decimals"
    raw_errors = (chapter["raw_guess"].flatten() - exact).abs()
    assert torch.allclose(chapter["raw_errors"].flatten(), raw_errors)
    assert raw_errors.min() > 2  # off by at least a couple of degrees everywhere


# ------------------------------------------------------------------ the reusable loop, device, save/load


def test_device_is_chosen_at_run_time(chapter):
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert chapter["device"] == expected
    assert chapter.output("device") == f"training on: {expected}\n"
    assert all(p.device.type == expected for p in chapter["regressor"].parameters())


def tiny_data(n=10, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=gen)
    return x, x @ torch.tensor([[1.0], [-2.0]]) + 0.3 * torch.randn(n, 1, generator=gen)


def test_train_one_epoch_returns_the_mean_loss_per_example(chapter):
    """With a learning rate of 0 nothing moves, so the epoch's mean must be the data set's MSE."""
    train_one_epoch, evaluate = chapter["train_one_epoch"], chapter["evaluate"]
    x, t = tiny_data(10)
    loader = DataLoader(TensorDataset(x, t), batch_size=4)  # batches of 4, 4 and 2: unequal
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    frozen = torch.optim.SGD(model.parameters(), lr=0.0)
    mse = ((model(x) - t) ** 2).mean().item()
    assert train_one_epoch(model, loader, nn.MSELoss(), frozen, "cpu") == pytest.approx(mse, rel=1e-6)
    assert evaluate(model, loader, nn.MSELoss(), "cpu") == pytest.approx(mse, rel=1e-6)
    # a plain mean of the three batch means would be wrong here
    batch_means = [((model(xb) - tb) ** 2).mean().item() for xb, tb in loader]
    assert abs(sum(batch_means) / 3 - mse) > 1e-3


def test_train_one_epoch_is_minibatch_gradient_descent(chapter):
    """One epoch equals hand-derived SGD steps, one per batch, with fresh gradients each time."""
    x, t = tiny_data(10, seed=1)
    loader = DataLoader(TensorDataset(x, t), batch_size=4)
    torch.manual_seed(3)
    model = nn.Linear(2, 1)
    w, b = model.weight.detach().double().T.clone(), model.bias.item()
    losses, sizes = [], []
    for xb, tb in loader:
        loss, gw, gb = mse_grads(xb.double(), tb.double(), w, b)
        losses.append(loss)
        sizes.append(len(xb))
        w, b = w - 0.1 * gw, b - 0.1 * gb.item()
    mean = chapter["train_one_epoch"](model, loader, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), "cpu")
    assert mean == pytest.approx(sum(l * n for l, n in zip(losses, sizes)) / 10, rel=1e-5)
    assert model.weight.detach().double().T == pytest.approx(w, rel=1e-5)
    assert model.bias.item() == pytest.approx(b, rel=1e-5)
    assert model.training


def test_evaluate_changes_nothing(chapter):
    x, t = tiny_data(8)
    loader = DataLoader(TensorDataset(x, t), batch_size=3)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    before = copy.deepcopy(model.state_dict())
    chapter["evaluate"](model, loader, nn.MSELoss(), "cpu")
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())  # no backward, no graph
    assert not model.training


def test_reusable_run_replays_and_lowers_the_loss(chapter):
    """Replay the chapter's run with a loop written out here; the printed table must match it."""
    inputs, targets = chapter["inputs"], chapter["targets"]
    val_x, val_t = chapter["val_inputs"], chapter["val_targets"]
    loader = DataLoader(TensorDataset(inputs, targets), batch_size=16, shuffle=True,
                        generator=torch.Generator().manual_seed(4))
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with torch.no_grad():
        val = [nn.functional.mse_loss(model(val_x), val_t).item()]
    train = []
    for _ in range(5):
        total = 0.0
        for xb, tb in loader:
            loss = nn.functional.mse_loss(model(xb), tb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        train.append(total / len(inputs))
        with torch.no_grad():
            val.append(nn.functional.mse_loss(model(val_x), val_t).item())
    assert chapter["train_history"] == pytest.approx(train, rel=1e-5)
    assert chapter["val_history"] == pytest.approx(val, rel=1e-5)
    assert val[-1] < val[0] / 10 and train[-1] < train[0]  # training lowers the loss
    assert chapter["steps_per_epoch"] == math.ceil(256 / 16) == 16
    assert chapter["later_low"] == min(val[2:]) and chapter["later_high"] == max(val[2:])
    # the true rule's score is the mean squared noise of the validation targets
    noise = val_t.double() - (val_x.double() @ torch.tensor([[2.0], [-3.0]], dtype=torch.float64) + 1.0)
    assert chapter["noise_floor"] == pytest.approx((noise ** 2).mean().item(), rel=1e-5)
    assert min(val) > chapter["noise_floor"]


def test_save_and_load_round_trip_is_identical(chapter, tmp_path):
    assert chapter["same_predictions"] is True and chapter["before"] is False
    assert list(chapter["state"]) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert not chapter["path"].exists() and not chapter["path"].parent.exists()  # nothing left behind
    # our own round trip: every tensor and every prediction comes back bit for bit
    original = chapter["regressor"]
    torch.save(original.state_dict(), tmp_path / "model.pt")
    torch.manual_seed(123)
    copy_ = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    copy_.load_state_dict(torch.load(tmp_path / "model.pt"))
    for name, tensor in original.state_dict().items():
        assert torch.equal(copy_.state_dict()[name], tensor)
    x = torch.randn(100, 2)
    with torch.no_grad():
        assert torch.equal(copy_(x), original(x))
    assert torch.equal(chapter["restored_predictions"], chapter["original_predictions"])


# ------------------------------------------------------------------ exercises


def test_ex_batches(chapter):
    assert chapter["epoch_steps"] == math.ceil(1000 / 64) == 16
    assert chapter["last_batch_size"] == 1000 - 15 * 64 == 40
    assert chapter["epoch_steps_dropped"] == 1000 // 64


def test_ex_kelvin(chapter):
    losses = chapter["raw_kelvin_losses"]
    assert all(later > 100 * earlier for earlier, later in zip(losses, losses[1:]))  # diverges, every epoch
    assert chapter["growth"] == pytest.approx(losses[1] / losses[0])
    K = torch.linspace(233.15, 373.15, 50, dtype=torch.float64).reshape(-1, 1)
    w0, b0 = linear_init(42, 1)
    by_hand, _, _ = gd(K, 1.8 * K - 459.67, w0, b0, 1e-4, 8)
    assert losses == pytest.approx(by_hand, rel=1e-3)
    assert chapter["kelvin_w"] == pytest.approx(1.8, abs=1e-3)
    assert chapter["kelvin_b"] == pytest.approx(-459.67, abs=0.05)


def test_ex_two_losses(chapter):
    during, after = chapter["during"], chapter["after"]
    assert during > after  # the first epoch's running mean includes the untrained network's losses
    assert after == pytest.approx(
        chapter["evaluate"](chapter["fresh"], chapter["train_loader"], nn.MSELoss(), chapter["device"]), rel=1e-6)


# ------------------------------------------------------------------ the exercises' checks, as a learner meets them


@pytest.mark.parametrize("check", ["check_kelvin", "check_batches", "check_two_losses"])
def test_checks_pass_the_solution(chapter, check):
    assert chapter.output(check).startswith("Correct:")
    assert run_check(chapter, check).startswith("Correct:")


def test_check_kelvin_rejects_wrong_answers(chapter):
    with pytest.raises(AssertionError, match="`raw_kelvin_losses`"):
        run_check(chapter, "check_kelvin", raw_kelvin_losses=None)
    with pytest.raises(AssertionError, match="`kelvin_w` and `kelvin_b`"):
        run_check(chapter, "check_kelvin", kelvin_b=None)
    # the Celsius run's losses are not the kelvin run's
    with pytest.raises(AssertionError, match="Not yet: your first two losses"):
        run_check(chapter, "check_kelvin", raw_kelvin_losses=chapter["raw_losses"][:8])
    # the weight and bias of the standardized model, not converted back
    w_s, b_s = chapter["kelvin_model"].weight.item(), chapter["kelvin_model"].bias.item()
    with pytest.raises(AssertionError, match="w / std"):
        run_check(chapter, "check_kelvin", kelvin_w=w_s, kelvin_b=b_s)
    with pytest.raises(AssertionError, match="plain numbers"):
        run_check(chapter, "check_kelvin", kelvin_w=torch.tensor(1.8))
    run_check(chapter, "check_kelvin", kelvin_w=1.8, kelvin_b=-459.67)   # the exact line, typed in, passes


@pytest.mark.parametrize("answers,message", [
    ({"epoch_steps": None}, "`epoch_steps`"),
    ({"epoch_steps": 1000 / 64}, "whole number"),
    ({"epoch_steps": 1000 // 64}, "one more, smaller batch"),        # forgot the partial batch
    ({"last_batch_size": 64}, "last batch does not hold 64"),
    ({"epoch_steps_dropped": 16}, "drop_last=True one epoch does not take 16"),
])
def test_check_batches_rejects_wrong_answers(chapter, answers, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        run_check(chapter, "check_batches", **answers)


def test_check_two_losses_rejects_wrong_answers(chapter):
    during, after = chapter["during"], chapter["after"]
    with pytest.raises(AssertionError, match="call it `fresh`"):
        run_check(chapter, "check_two_losses", fresh=None)
    with pytest.raises(AssertionError, match="five epochs"):
        run_check(chapter, "check_two_losses", fresh=chapter["regressor"])
    with pytest.raises(AssertionError, match="2 → 16 → 1"):
        run_check(chapter, "check_two_losses", fresh=nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)))
    with pytest.raises(AssertionError, match="Not yet: `after`"):            # the two numbers swapped
        run_check(chapter, "check_two_losses", during=after, after=during)
    with pytest.raises(AssertionError, match="Not yet: `during`"):
        run_check(chapter, "check_two_losses", during=after / 2)
