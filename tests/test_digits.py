"""The digits chapter: the data split, the loss at initialisation, the train_one_epoch/evaluate pair,
training that learns (test accuracy of at least 95 %), the confusion matrix, overfitting, early stopping,
weight decay, dropout in train and eval mode, more data, and the IDX loader and MNIST run on tiny files,
each checked by an independent computation."""

import contextlib
import copy
import gzip
import io
import math
import os
import re
import struct

import pytest
import torch
import torch.nn.functional as F

from snippets._engine import load_module
from conftest import run_check

CHAPTER = "digits"


def cross_entropy_by_hand(logits, y):
    """Mean of -log softmax(logits)[y], with log-sum-exp written out."""
    top = logits.max(dim=1, keepdim=True).values
    log_z = top.squeeze(1) + (logits - top).exp().sum(dim=1).log()
    return (log_z - logits[torch.arange(len(y)), y]).mean().item()


# ---------------------------------------------------------------------------- data


def test_split_is_a_partition_of_all_images(chapter):
    n = chapter["n"]
    assert n == 1797 and chapter["images"].shape == (n, 8, 8)
    parts = [chapter["train_idx"], chapter["val_idx"], chapter["test_idx"]]
    assert [len(p) for p in parts] == [n - 720, 360, 360]
    assert torch.equal(torch.cat(parts).sort().values, torch.arange(n))  # disjoint and complete
    # the same seeded generator gives the same split
    assert torch.equal(torch.randperm(n, generator=torch.Generator().manual_seed(0)), chapter["order"])


def test_standardisation_uses_training_statistics_only(chapter):
    X_train = chapter["X_train"]
    assert abs(X_train.mean().item()) < 1e-5 and abs(X_train.std().item() - 1) < 1e-5
    raw = chapter["images"].reshape(-1, 64) / 16
    test_rows = raw[chapter["test_idx"]]
    expected = (test_rows - raw[chapter["train_idx"]].mean()) / raw[chapter["train_idx"]].std()
    assert torch.allclose(chapter["X_test"], expected)


def test_steps_per_epoch_from_the_loader(chapter):
    n_train, batch = chapter["n_train"], chapter["batch_size"]
    assert chapter["steps_per_epoch"] == -(-n_train // batch) == 17
    sizes = [len(yb) for _, yb in chapter["train_loader"]]
    assert sum(sizes) == n_train and sizes[-1] == chapter["last_batch"] == n_train - 16 * batch
    assert f"-> {chapter['steps_per_epoch']} steps per epoch" in chapter.output("loaders")


def test_shuffling_is_repeatable_with_a_seeded_generator(chapter):
    from torch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(torch.arange(100))

    def order(seed):
        return torch.cat([b[0] for b in DataLoader(data, batch_size=7, shuffle=True,
                                                   generator=torch.Generator().manual_seed(seed))])

    assert torch.equal(order(0), order(0)) and not torch.equal(order(0), order(1))


# ---------------------------------------------------------------------------- the IDX loader


def idx_bytes(values, shape):
    """An IDX file of unsigned bytes, built byte by byte (independently of the chapter's writer)."""
    header = bytes([0, 0, 0x08, len(shape)])
    for size in shape:
        header += size.to_bytes(4, "big")
    return header + bytes(values)


@pytest.mark.parametrize("zipped", [False, True])
def test_load_idx_parses_a_tiny_file_exactly(chapter, tmp_path, zipped):
    load_idx = chapter["load_idx"]
    # 3 images of 2 × 4 pixels, and 300 labels: 300 > 255 needs both bytes of the big-endian size
    pixels = [(7 * k + 3) % 256 for k in range(3 * 2 * 4)]
    labels = [k % 10 for k in range(300)]
    files = {"images": (pixels, (3, 2, 4)), "labels": (labels, (300,))}
    for name, (values, shape) in files.items():
        data = idx_bytes(values, shape)
        path = tmp_path / (name + (".gz" if zipped else ""))  # gzip is detected from the bytes
        path.write_bytes(gzip.compress(data) if zipped else data)
        loaded = load_idx(str(path))
        assert loaded.dtype == torch.uint8 and tuple(loaded.shape) == shape
        assert loaded.flatten().tolist() == values
    assert load_idx(str(tmp_path / ("images" + (".gz" if zipped else ""))))[1, 0, 3].item() == pixels[1 * 8 + 0 * 4 + 3]


def test_load_idx_rejects_broken_files(chapter, tmp_path):
    load_idx = chapter["load_idx"]
    short = tmp_path / "short"
    short.write_bytes(idx_bytes(range(5), (6,)))  # promises 6 values, holds 5
    with pytest.raises(ValueError, match="promises 6"):
        load_idx(str(short))
    wrong_type = tmp_path / "floats"
    wrong_type.write_bytes(bytes([0, 0, 0x0D, 1]) + (1).to_bytes(4, "big") + struct.pack(">f", 1.5))
    with pytest.raises(ValueError, match="not an IDX file"):
        load_idx(str(wrong_type))


def test_load_mnist_reads_the_four_standard_files(chapter, tmp_path):
    images = [0, 255, 51, 102] * 2  # 2 images of 2 × 2
    for name, values, shape in [("train-images-idx3", images, (2, 2, 2)), ("train-labels-idx1", [3, 7], (2,)),
                                ("t10k-images-idx3", images[:4], (1, 2, 2)), ("t10k-labels-idx1", [9], (1,))]:
        data = idx_bytes(values, shape)
        if name.startswith("train"):
            (tmp_path / f"{name}-ubyte.gz").write_bytes(gzip.compress(data))
        else:
            (tmp_path / f"{name}-ubyte").write_bytes(data)  # unzipped files work too
    train_x, train_y, test_x, test_y = chapter["load_mnist"](str(tmp_path))
    assert train_x.dtype == torch.float32 and train_y.dtype == torch.int64
    assert train_x.shape == (2, 2, 2) and test_x.shape == (1, 2, 2)
    assert train_x[0].flatten().tolist() == pytest.approx([0.0, 1.0, 0.2, 0.4])
    assert train_y.tolist() == [3, 7] and test_y.tolist() == [9]


def test_idx_demo_header_bytes(chapter):
    out = chapter.output("idx_demo")
    assert "first 16 bytes: 00 00 08 03 00 00 00 05 00 00 00 08 00 00 00 08" in out
    assert (60000).to_bytes(4, "big").hex() == "0000ea60"
    assert "header of MNIST's train-images file: 00 00 08 03 00 00 ea 60 00 00 00 1c 00 00 00 1c" in out


# ---------------------------------------------------------------------------- the model and its loss


def test_parameter_count(chapter):
    assert chapter["n_params"] == (64 * 64 + 64) + (64 * 10 + 10) == 4810
    assert f"{chapter['n_params']:,} parameters" in chapter.output("model")


def test_loss_at_initialisation_is_near_ln_10(chapter):
    torch.manual_seed(0)
    fresh = chapter["make_mlp"]([64, 64, 10])  # the model cell's seed and design, before training
    with torch.no_grad():
        by_hand = cross_entropy_by_hand(fresh(chapter["X_train"]), chapter["y_train"])
    assert by_hand == pytest.approx(chapter["init_loss"], abs=1e-5)
    assert by_hand == pytest.approx(chapter["history"]["train_loss"][0], abs=1e-5)
    assert abs(by_hand - math.log(10)) < 0.1
    assert f"loss before training: {by_hand:.4f}" in chapter.output("init_loss")


def test_make_mlp_builds_the_layers_asked_for(chapter):
    net = chapter["make_mlp"]([5, 7, 3, 2])
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(5, 7), (7, 3), (3, 2)]
    assert not isinstance(net[-1], torch.nn.ReLU)
    assert net(torch.randn(4, 5)).shape == (4, 2)


# ---------------------------------------------------------------------------- training


def test_training_losses_fall(chapter):
    h = chapter["history"]
    assert len(h["train_loss"]) == chapter["epochs"] + 1
    assert all(math.isfinite(v) for v in h["train_loss"] + h["val_loss"])
    assert h["train_loss"][-1] < 0.1 * h["train_loss"][0]
    assert h["val_loss"][-1] < 0.1 * h["val_loss"][0]
    assert chapter["total_steps"] == chapter["epochs"] * chapter["steps_per_epoch"]
    # the page: the main model's validation loss was lowest in its last epoch
    assert min(range(len(h["val_loss"])), key=lambda e: h["val_loss"][e]) == chapter["epochs"] == h["best_epoch"]


def test_test_accuracy_is_at_least_95_percent(chapter):
    model, X_test, y_test = chapter["model"], chapter["X_test"], chapter["y_test"]
    with torch.no_grad():
        logits = model(X_test)
    correct = sum(int(row.argmax().item() == label) for row, label in zip(logits, y_test.tolist()))
    accuracy = correct / len(y_test)
    assert accuracy >= 0.95
    assert accuracy == pytest.approx(chapter["test_acc"], abs=1e-6)
    assert chapter["n_wrong"] == len(y_test) - correct
    assert cross_entropy_by_hand(logits, y_test) == pytest.approx(chapter["test_loss"], abs=1e-5)
    assert f"test accuracy {accuracy:.2%}" in chapter.output("test_accuracy")


def test_evaluate_against_torch_functional(chapter):
    """One whole batch or uneven batches of 7: evaluate gives the mean over all examples."""
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(1)
    net = torch.nn.Linear(6, 4)
    X, y = torch.randn(50, 6), torch.randint(0, 4, (50,))
    with torch.no_grad():
        expected = (F.cross_entropy(net(X), y).item(), (net(X).argmax(1) == y).float().mean().item())
    for loader in ([(X, y)], DataLoader(TensorDataset(X, y), batch_size=7)):
        loss, acc = chapter["evaluate"](net, loader, F.cross_entropy, "cpu")
        assert loss == pytest.approx(expected[0], abs=1e-6) and acc == pytest.approx(expected[1], abs=1e-7)


def test_train_one_epoch_is_plain_gradient_steps(chapter):
    """Two batches, SGD: the same weights as two hand-written steps, and the mean loss of the batches."""
    torch.manual_seed(2)
    net = torch.nn.Linear(3, 2)
    by_hand = copy.deepcopy(net)
    batches = [(torch.randn(4, 3), torch.randint(0, 2, (4,))), (torch.randn(2, 3), torch.randint(0, 2, (2,)))]
    mean_loss = chapter["train_one_epoch"](net, batches, F.cross_entropy,
                                           torch.optim.SGD(net.parameters(), lr=0.5), "cpu")
    losses = []
    for X, y in batches:
        loss = F.cross_entropy(by_hand(X), y)
        grads = torch.autograd.grad(loss, list(by_hand.parameters()))
        with torch.no_grad():
            for p, g in zip(by_hand.parameters(), grads):
                p -= 0.5 * g
        losses.append(loss.item())
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(net.parameters(), by_hand.parameters()))
    assert mean_loss == pytest.approx((4 * losses[0] + 2 * losses[1]) / 6, abs=1e-6)
    assert net.training  # train_one_epoch leaves the model in training mode


def test_evaluate_switches_to_eval_mode_and_keeps_weights(chapter):
    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(5, 5), torch.nn.Dropout(0.5), torch.nn.Linear(5, 3))
    before = copy.deepcopy(net.state_dict())
    X, y = torch.randn(30, 5), torch.randint(0, 3, (30,))
    net.train()
    first = chapter["evaluate"](net, [(X, y)], F.cross_entropy, "cpu")
    net.train()
    assert chapter["evaluate"](net, [(X, y)], F.cross_entropy, "cpu") == first  # dropout off: the same every time
    assert not net.training
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_confusion_matrix(chapter):
    y, pred = chapter["y_test"], chapter["test_pred"]
    expected = torch.bincount(y * 10 + pred, minlength=100).reshape(10, 10)
    confusion = chapter["confusion"]
    assert torch.equal(confusion, expected)
    assert confusion.sum().item() == len(y) and confusion.trace().item() == len(y) - chapter["n_wrong"]
    off = confusion.clone().fill_diagonal_(0)
    assert chapter["worst_count"] == off.max().item() == off[chapter["worst_true"], chapter["worst_pred"]].item()
    assert confusion.sum(dim=1).tolist() == torch.bincount(y, minlength=10).tolist()


def test_prediction_figure_shows_right_and_wrong(chapter):
    y, pred = chapter["y_test"], chapter["test_pred"]
    assert all(pred[i] == y[i] for i in chapter["right_examples"])
    assert all(pred[i] != y[i] for i in chapter["wrong_examples"]) and len(chapter["wrong_examples"]) > 0


def test_mosaic_places_tiles_with_gaps(chapter):
    tiles = torch.arange(5 * 2 * 3, dtype=torch.float32).reshape(5, 2, 3)
    grid = chapter["mosaic"](tiles, columns=2, gap=1)
    assert grid.shape == (3 * 2 + 2, 2 * 3 + 1)
    assert torch.equal(grid[3:5, 4:7], tiles[3])  # tile 3: second row, second column
    assert torch.isnan(grid[2]).all() and torch.isnan(grid[:, 3]).all() and torch.isnan(grid[6:, 4:]).all()


# ---------------------------------------------------------------------------- what it learned


def test_hidden_features_by_hand(chapter):
    model = chapter["model"]
    W, b = model[0].weight.detach(), model[0].bias.detach()
    hidden_test = torch.clamp(chapter["X_test"] @ W.T + b, min=0)
    assert torch.allclose(hidden_test, chapter["hidden_test"], atol=1e-6)

    def nearest_mean(train, test):
        y_train, y_test = chapter["y_train"], chapter["y_test"]
        means = [sum(train[i] for i in range(len(y_train)) if y_train[i] == d) / (y_train == d).sum() for d in range(10)]
        right = 0
        for x, label in zip(test, y_test.tolist()):
            distances = [((x - m) ** 2).sum().item() for m in means]
            right += distances.index(min(distances)) == label
        return right / len(y_test)

    assert nearest_mean(chapter["X_train"], chapter["X_test"]) == pytest.approx(chapter["pixel_acc"], abs=1e-6)
    assert nearest_mean(chapter["hidden_train"], hidden_test) == pytest.approx(chapter["hidden_acc"], abs=1e-6)
    assert chapter["hidden_acc"] > chapter["pixel_acc"]  # the page says the hidden layer helps


def test_nearest_mean_on_well_separated_clusters(chapter):
    """With clusters far apart, the nearest-mean rule is always right; with labels shuffled, it is not."""
    y_train, y_test = chapter["y_train"], chapter["y_test"]
    centres = torch.randn(10, 5) * 100
    train = centres[y_train] + torch.randn(len(y_train), 5)
    test = centres[y_test] + torch.randn(len(y_test), 5)
    assert chapter["nearest_mean_accuracy"](train, test) == 1.0
    assert chapter["nearest_mean_accuracy"](train, test[torch.randperm(len(test))]) < 0.5


def test_dead_units_never_fire(chapter):
    hidden_train, hidden_test = chapter["hidden_train"], chapter["hidden_test"]
    dead = (hidden_train == 0).all(dim=0)
    assert dead.sum().item() == chapter["silent"] > 0
    assert (hidden_test[:, dead] == 0).all()  # the page calls them the all-dark columns of the test-set map


def test_width_depth_table(chapter):
    sizes = {tuple(hidden): size for hidden, size, _ in chapter["comparison"]}
    for hidden, size in sizes.items():
        widths = [64, *hidden, 10]
        assert size == sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
    acc = {tuple(hidden): a for hidden, _, a in chapter["comparison"]}
    # what the page says about the run
    assert acc[()] == chapter["linear_val_acc"] > 0.9  # "nearly separable by straight cuts"
    big = [acc[h] for h in [(64,), (256,), (64, 64), (64, 64, 64)]]
    assert acc[()] + 0.02 < min(big) and acc[(16,)] + 0.02 < min(big)  # "several points", "16 too few"
    assert (chapter["lowest_acc"], chapter["highest_acc"]) == (min(big), max(big))
    assert max(big) - min(big) <= 5 / 360 + 1e-6  # "a few validation images"


# ---------------------------------------------------------------------------- overfitting and early stopping


def test_overfitting_run(chapter):
    h, epochs = chapter["overfit"], chapter["overfit_epochs"]
    assert len(h["val_loss"]) == epochs + 1
    assert h["train_loss"][-1] < 1e-4 < h["train_loss"][0]  # the 50 images are memorised
    best = min(range(epochs + 1), key=lambda e: h["val_loss"][e])
    assert best == chapter["lowest_val_epoch"] == h["best_epoch"]
    assert h["val_loss"][-1] > 2 * h["val_loss"][best]  # "the loss more than doubled"
    assert all(h["train_loss"][e] < h["train_loss"][best] for e in range(best + 1, epochs + 1))
    assert abs(h["val_acc"][-1] - h["val_acc"][best]) <= 10 / 360  # "a few images apart"
    assert chapter["big_params"] == (64 * 256 + 256) + (256 * 256 + 256) + (256 * 10 + 10)


def test_early_stopping_picks_the_best_epoch(chapter):
    full, stopped, patience = chapter["overfit"], chapter["stopped"], chapter["patience"]
    ran = chapter["ran_epochs"]
    # same start, same batches: the early-stopped run retraces the full run's curve
    assert stopped["val_loss"] == pytest.approx(full["val_loss"][: ran + 1], rel=1e-4)
    best = min(range(ran + 1), key=lambda e: full["val_loss"][e])
    assert chapter["chosen_epoch"] == best == chapter["lowest_val_epoch"]
    assert ran == best + patience  # it stopped exactly `patience` epochs after the best one
    assert chapter["restored_val_loss"] == pytest.approx(full["val_loss"][best], rel=1e-4)
    assert chapter["restored_val_acc"] == pytest.approx(full["val_acc"][best], abs=1e-6)
    assert f"best epoch: {best}," in chapter.output("early_stopping")


def test_fit_with_patience_restores_the_best_weights(chapter):
    """A learning rate so large that the first update makes things worse: the best epoch is 0."""
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    start = {k: v.clone() for k, v in net.state_dict().items()}
    X, y = torch.randn(40, 3), torch.randint(0, 2, (40,))
    loader = [(X, y)]
    h = chapter["fit"](net, torch.optim.SGD(net.parameters(), lr=1e4), loader, loader, loader, epochs=50, patience=3)
    assert h["best_epoch"] == 0 and min(h["val_loss"]) == h["val_loss"][0]
    assert len(h["val_loss"]) == 1 + 3  # epoch 0, then three epochs without improvement
    assert all(torch.equal(net.state_dict()[k], start[k]) for k in start)
    assert chapter["evaluate"](net, loader, F.cross_entropy, "cpu")[0] == pytest.approx(h["val_loss"][0], rel=1e-6)


def test_l2_penalty_equals_the_weight_decay_option(chapter):
    assert chapter["gap"] < 1e-6
    params = [p.detach() for p in chapter["with_penalty"].parameters()]
    assert len(params) == 6  # every weight and bias of the big network got the penalty
    # independently, with SGD: weight_decay adds λw to the gradient, the gradient of (λ/2)·Σw²
    torch.manual_seed(4)
    w, lam, lr = torch.randn(5, requires_grad=True), 0.3, 0.1
    x = torch.randn(5)
    sgd = torch.optim.SGD([w], lr=lr, weight_decay=lam)
    start = w.detach().clone()
    (w @ x).backward()
    sgd.step()
    assert torch.allclose(w.detach(), start - lr * (x + lam * start), atol=1e-6)


def test_weight_decay_shrinks_the_weights(chapter):
    size = chapter["size_of_weights"]
    big, decayed = chapter["big"], chapter["decayed"]
    by_hand = math.sqrt(sum((p.detach() ** 2).sum().item() for p in decayed.parameters()))
    assert size(decayed) == pytest.approx(by_hand, rel=1e-5)
    start = math.sqrt(sum((v ** 2).sum().item() for v in chapter["big_init"].values()))
    assert chapter["norm_start"] == pytest.approx(start, rel=1e-5)
    # the page: without decay the weights grew, with it they ended smaller than they started
    assert size(decayed) < start < size(big)
    plain, decay = chapter["overfit"], chapter["decay"]
    assert decay["train_loss"][-1] > 100 * plain["train_loss"][-1]
    assert decay["val_loss"][-1] < 0.7 * plain["val_loss"][-1]
    assert decay["val_acc"][-1] == plain["val_acc"][-1]  # "the accuracy is the same either way"


def test_weight_decay_on_a_toy_problem_gives_smaller_weights():
    """Independently of the chapter: the same data, start and steps, with and without decay."""
    torch.manual_seed(5)
    X, y = torch.randn(20, 8), torch.randint(0, 2, (20,))
    sizes = []
    for decay in [0.0, 0.1]:
        torch.manual_seed(6)
        net = torch.nn.Linear(8, 2)
        opt = torch.optim.SGD(net.parameters(), lr=0.5, weight_decay=decay)
        for _ in range(200):
            opt.zero_grad()
            F.cross_entropy(net(X), y).backward()
            opt.step()
        sizes.append(torch.cat([p.detach().flatten() for p in net.parameters()]).norm().item())
    assert sizes[1] < 0.8 * sizes[0]


def test_dropout_differs_in_train_mode_and_not_in_eval_mode(chapter):
    train_calls, eval_calls = chapter["train_calls"], chapter["eval_calls"]
    assert not torch.equal(*train_calls) and torch.equal(*eval_calls)
    assert "the same in train mode: False | in eval mode: True" in chapter.output("dropout_modes")
    # the bare layer: in train mode each value is 0 or 1/(1-p); in eval mode it passes through
    out = chapter.output("dropout_modes").splitlines()
    kept = [eval(line.split(":", 1)[1]) for line in out[:2]]
    assert all(set(values) <= {0.0, 2.0} for values in kept) and kept[0] != kept[1]
    assert eval(out[2].split(":", 1)[1]) == [1.0] * 10
    drop = torch.nn.Dropout(0.5)
    drop.train()
    mean = torch.stack([drop(torch.ones(1000)) for _ in range(20)]).mean().item()
    assert mean == pytest.approx(1.0, abs=0.05)  # survivors doubled: the expected output is unchanged
    # in eval mode the dropout network is the plain network with the same weights
    dropped = chapter["dropped"]
    dropped.eval()
    plain = chapter["make_mlp"]([64, 256, 256, 10])
    plain.load_state_dict({k: v for k, v in zip(plain.state_dict(), dropped.state_dict().values())})
    with torch.no_grad():
        assert torch.allclose(dropped(chapter["X_val"]), plain(chapter["X_val"]), atol=1e-6)


def test_dropout_network_starts_from_the_same_weights(chapter):
    torch.manual_seed(0)
    nn = torch.nn
    fresh = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 256), nn.ReLU(),
                          nn.Dropout(0.5), nn.Linear(256, 10))
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), chapter["big_init"].values()))


def test_dropout_run(chapter):
    plain, dropped = chapter["overfit"], chapter["dropped_run"]
    assert dropped["best_epoch"] > plain["best_epoch"]  # "the lowest validation loss came later"
    assert dropped["val_loss"][-1] < 0.7 * plain["val_loss"][-1]
    assert dropped["val_loss"][-1] > 1.2 * dropped["val_loss"][dropped["best_epoch"]]  # "did not stop it"
    assert "two evaluations of the trained network agree: True" in chapter.output("dropout_run")


def test_more_data_against_the_remedies(chapter):
    more, plain = chapter["more"], chapter["overfit"]
    for n, updates_per_epoch in [(200, 4), (1000, 20)]:
        assert (len(more[n]["val_loss"]) - 1) * updates_per_epoch == 60  # the same 60 updates of 50 images
    accs_50 = [plain["val_acc"][-1], chapter["restored_val_acc"], chapter["decay"]["val_acc"][-1],
               chapter["dropped_run"]["val_acc"][-1]]
    assert (chapter["low_50"], chapter["high_50"]) == (min(accs_50), max(accs_50))
    assert more[200]["val_acc"][-1] > chapter["high_50"] + 0.1 and more[1000]["val_acc"][-1] > more[200]["val_acc"][-1]
    assert more[1000]["val_loss"][-1] < more[200]["val_loss"][-1] < 0.5 * chapter["restored_val_loss"]
    # "all three remedies brought the validation loss well below the unregularised run's"
    for loss in [chapter["restored_val_loss"], chapter["decay"]["val_loss"][-1], chapter["dropped_run"]["val_loss"][-1]]:
        assert loss < 0.7 * plain["val_loss"][-1]


# ---------------------------------------------------------------------------- MNIST


def write_tiny_mnist(folder, n_train=240, n_test=60):
    """Four MNIST-format files made of the 8 × 8 digits, each scaled up 3 times and padded to 28 × 28."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = torch.tensor(digits.images[: n_train + n_test] * 255 / 16).round().to(torch.uint8)
    big = pixels.repeat_interleave(3, dim=1).repeat_interleave(3, dim=2)  # 24 × 24
    padded = torch.zeros(len(big), 28, 28, dtype=torch.uint8)
    padded[:, 2:26, 2:26] = big
    labels = digits.target[: n_train + n_test].tolist()
    parts = {"train-images-idx3": (padded[:n_train].flatten().tolist(), (n_train, 28, 28)),
             "train-labels-idx1": (labels[:n_train], (n_train,)),
             "t10k-images-idx3": (padded[n_train:].flatten().tolist(), (n_test, 28, 28)),
             "t10k-labels-idx1": (labels[n_train:], (n_test,))}
    os.makedirs(folder, exist_ok=True)
    for name, (values, shape) in parts.items():
        (folder / f"{name}-ubyte.gz").write_bytes(gzip.compress(idx_bytes(values, shape)))


def test_train_on_mnist_learns_from_tiny_files(chapter, tmp_path):
    write_tiny_mnist(tmp_path)
    net, history, test_acc = chapter["train_on_mnist"](str(tmp_path), epochs=5)
    assert net[0].in_features == 784 and net[-1].out_features == 10
    assert len(history["val_loss"]) == 6 and history["val_loss"][-1] < 0.5 * history["val_loss"][0]
    assert history["train_acc"][-1] > 0.9 and test_acc > 0.8


def test_mnist_step_skips_without_files_and_runs_with_them(chapter, tmp_path, monkeypatch):
    assert "No MNIST files in the folder 'mnist' here, so this step is skipped." in chapter.output("mnist")
    assert not chapter["have_mnist"]
    write_tiny_mnist(tmp_path / "mnist")
    monkeypatch.chdir(tmp_path)
    cell = next(c for c in load_module(CHAPTER) if c.name == "mnist")
    namespace, printed = dict(chapter.ns), io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(cell.code, cell.path, "exec"), namespace)
    assert namespace["have_mnist"]
    out = printed.getvalue()
    assert out.count("validation accuracy") == 6 and "MNIST test accuracy:" in out
    assert float(out.split("MNIST test accuracy:")[1].strip().rstrip("%")) > 80


def test_idx_demo_leaves_no_files_behind(tmp_path, monkeypatch):
    """Run the cells the IDX demo needs in an empty folder, as a reader would: it stays empty."""
    monkeypatch.chdir(tmp_path)
    cells = {c.name: c for c in load_module(CHAPTER)}
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        for name in ["load_data", "idx_loader", "idx_demo"]:
            exec(compile(cells[name].code, cells[name].path, "exec"), namespace)
    assert "same from the .gz: True" in printed.getvalue()
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------- exercises


def test_exercise_zero_last_layer_gives_exactly_ln_10(chapter):
    assert chapter["zero_loss"] == pytest.approx(math.log(10), abs=1e-6)
    assert "2.302585" in chapter.output("ex_zero_solution")


def test_exercise_steps_with_batch_32(chapter):
    assert chapter["steps_32"] == math.ceil(chapter["n_train"] / 32) == 34
    assert chapter["total_steps_32"] == 20 * 34


def test_exercise_manual_training_learns(chapter):
    losses = chapter["manual_losses"]
    assert len(losses) == 300 and all(math.isfinite(v) for v in losses)
    assert losses[-1] < 0.1 * losses[0] and chapter["manual_val_acc"] > 0.9
    assert chapter["manual_val_acc"] >= chapter["final_val_acc"] - 0.01  # "as good as the nn version"
    assert chapter["unscaled_loss"] > 3 * math.log(10)  # the page: far above ln 10
    # the gradient backward() hands the manual loop equals the hand-derived softmax-minus-one-hot formula
    W1, b1, W2, b2 = [p.detach() for p in chapter["manual_params"]]
    X, y = chapter["X_train"][:20], chapter["y_train"][:20]
    z = X @ W1 + b1
    h = torch.clamp(z, min=0)
    p = torch.softmax(h @ W2 + b2, dim=1)
    d_logits = (p - F.one_hot(y, 10)) / len(y)  # gradient of the mean cross-entropy
    grad_W2 = h.T @ d_logits
    W2_ = W2.clone().requires_grad_()
    F.cross_entropy(h @ W2_ + b2, y).backward()
    assert torch.allclose(W2_.grad, grad_W2, atol=1e-6)


def test_forgetting_zero_grad_makes_each_step_larger(chapter):
    """The page: without p.grad.zero_(), gradients pile up and each update is larger than the last."""
    X, y = chapter["X_train"], chapter["y_train"]
    torch.manual_seed(0)
    W1, b1 = (torch.randn(64, 32) / 8).requires_grad_(), torch.zeros(32, requires_grad=True)
    W2, b2 = (torch.randn(32, 10) / math.sqrt(32)).requires_grad_(), torch.zeros(10, requires_grad=True)
    params, steps = [W1, b1, W2, b2], []
    for _ in range(5):
        F.cross_entropy(torch.relu(X @ W1 + b1) @ W2 + b2, y).backward()
        with torch.no_grad():
            steps.append(math.sqrt(sum(((0.5 * p.grad) ** 2).sum().item() for p in params)))
            for p in params:
                p -= 0.5 * p.grad  # no zeroing
    assert all(later > earlier for earlier, later in zip(steps, steps[1:]))


def test_exercise_weight_decay_alone(chapter):
    w = chapter["w"].detach()
    assert torch.allclose(w, torch.tensor([1.0, -2.0, 3.0]) * 0.999 ** 100, atol=1e-5)
    assert torch.allclose(w, chapter["predicted_w"], atol=1e-5)


def test_side_columns_are_almost_always_blank(chapter):
    """The page: the leftmost and rightmost pixel columns are blank in nearly every image, so after
    standardising each of those pixels is nearly always one and the same negative number."""
    images = chapter["images"]
    blank_share = (images[:, :, [0, 7]] == 0).float().mean(dim=0)  # per pixel of the two columns
    assert blank_share.min().item() > 0.9 and blank_share.mean().item() > 0.97
    blank = ((0 - chapter["pixel_mean"]) / chapter["pixel_std"]).item()
    assert blank < 0
    assert (chapter["X"][:, 0] == blank).float().mean().item() > 0.99  # pixel (0, 0) is column 0


# ---------------------------------------------------------------------------- the exercises' checks, as a learner meets them


@pytest.mark.parametrize("check", ["check_zero", "check_steps", "check_manual", "check_decay"])
def test_checks_pass_the_solution(chapter, check):
    assert chapter.output(check).startswith("Correct:")
    assert run_check(chapter, check).startswith("Correct:")


@pytest.mark.parametrize("check,answers,message", [
    ("check_zero", {"zero_loss": None}, "`zero_loss`"),
    ("check_zero", {"zero_loss": 2.3}, "Not yet"),                      # not to four decimals
    ("check_zero", {"zero_loss": 0.0}, "Not yet"),
    ("check_zero", {"zero_loss": torch.tensor(math.log(10))}, "plain number"),
    ("check_zero", {"zero_loss": round(math.log(10), 4)}, None),        # four decimals, typed in, pass
    ("check_steps", {"steps_32": None}, "`steps_32`"),
    ("check_steps", {"steps_32": 1077 / 32}, "whole numbers"),
    ("check_steps", {"steps_32": 1077 // 32, "total_steps_32": 20 * (1077 // 32)}, "partial batch"),
    ("check_steps", {"total_steps_32": 34 * 32}, "20 epochs"),
    ("check_decay", {"predicted_w": None}, "`predicted_w`"),
    ("check_decay", {"predicted_w": [1.0, -2.0]}, "three numbers"),
    ("check_decay", {"predicted_w": [1, -2, 3]}, "Not yet"),             # nothing moves: wrong
    ("check_decay", {"predicted_w": [v * 0.99 ** 100 for v in (1, -2, 3)]}, "Not yet"),   # lr forgotten
    ("check_decay", {"predicted_w": [v * 0.999 ** 100 for v in (1, -2, 3)]}, None),
])
def test_checks_judge_answers(chapter, check, answers, message):
    if message is None:
        assert run_check(chapter, check, **answers).startswith("Correct:")
    else:
        with pytest.raises(AssertionError, match=re.escape(message)):
            run_check(chapter, check, **answers)


def test_check_manual_rejects_wrong_answers(chapter):
    trained = chapter["manual_params"]
    with pytest.raises(AssertionError, match="`manual_params`"):
        run_check(chapter, "check_manual", manual_params=None)
    with pytest.raises(AssertionError, match="`manual_val_acc`"):
        run_check(chapter, "check_manual", manual_val_acc=None)
    with pytest.raises(AssertionError, match="shapes"):                   # nn.Linear's (out, in) layout
        run_check(chapter, "check_manual", manual_params=[t.T if t.dim() == 2 else t for t in trained])
    with pytest.raises(AssertionError, match="requires_grad=True"):
        run_check(chapter, "check_manual", manual_params=[t.detach() for t in trained])
    torch.manual_seed(0)
    untrained = [(torch.randn(64, 32) / 8).requires_grad_(), torch.zeros(32, requires_grad=True),
                 (torch.randn(32, 10) / math.sqrt(32)).requires_grad_(), torch.zeros(10, requires_grad=True)]
    with pytest.raises(AssertionError, match="training loss"):
        run_check(chapter, "check_manual", manual_params=untrained)
    with pytest.raises(AssertionError, match="Not yet: `manual_val_acc`"):    # a percentage, not a fraction
        run_check(chapter, "check_manual", manual_val_acc=100 * chapter["manual_val_acc"])
