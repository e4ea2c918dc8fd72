"""The digits chapter: the data split, the IDX loader, the loss at initialisation, training that
learns (test accuracy of at least 95 %), the confusion matrix, overfitting and early stopping,
each checked by an independent computation."""

import gzip
import math
import os
import struct

import pytest
import torch
import torch.nn.functional as F
from conftest import ChapterRun

from snippets._engine import run_module

CHAPTER = "digits"


@pytest.fixture(scope="module")
def chapter(tmp_path_factory):
    """Run the chapter in an empty folder: one cell writes small IDX files into the working directory."""
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("digits-run"))
    try:
        results, ns = run_module(CHAPTER)
    finally:
        os.chdir(here)
    return ChapterRun(ns, results)


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


def test_parameter_counts(chapter):
    assert chapter["n_params"] == (64 * 64 + 64) + (64 * 10 + 10) == 4810
    assert chapter["mnist_params"] == (784 * 128 + 128) + (128 * 10 + 10) == 101_770


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
    torch.manual_seed(1)
    net = torch.nn.Linear(6, 4)
    X, y = torch.randn(50, 6), torch.randint(0, 4, (50,))
    loss, acc = chapter["evaluate"](net, X, y)
    with torch.no_grad():
        assert loss == pytest.approx(F.cross_entropy(net(X), y).item(), abs=1e-6)
        assert acc == pytest.approx((net(X).argmax(1) == y).float().mean().item())


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
    h = chapter["fit"](net, torch.optim.SGD(net.parameters(), lr=1e4), loader, (X, y), (X, y), epochs=50, patience=3)
    assert h["best_epoch"] == 0 and min(h["val_loss"]) == h["val_loss"][0]
    assert len(h["val_loss"]) == 1 + 3  # epoch 0, then three epochs without improvement
    assert all(torch.equal(net.state_dict()[k], start[k]) for k in start)
    assert chapter["evaluate"](net, X, y)[0] == pytest.approx(h["val_loss"][0], rel=1e-6)


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
    W1, b1, W2, b2 = [p.detach() for p in chapter["params"]]
    X, y = chapter["X_train"][:20], chapter["y_train"][:20]
    z = X @ W1 + b1
    h = torch.clamp(z, min=0)
    p = torch.softmax(h @ W2 + b2, dim=1)
    d_logits = (p - F.one_hot(y, 10)) / len(y)  # gradient of the mean cross-entropy
    grad_W2 = h.T @ d_logits
    W2_ = W2.clone().requires_grad_()
    F.cross_entropy(h @ W2_ + b2, y).backward()
    assert torch.allclose(W2_.grad, grad_W2, atol=1e-6)


def test_exercise_optimizers(chapter):
    first = chapter["first_95"]
    assert first["SGD lr=5 (too large)"] is None and first["SGD lr=0.1"] is None
    assert first["Adam lr=0.003"] < first["SGD lr=0.01 momentum=0.9"]
    # "Adam is both the fastest and the best after 15 epochs"; lr=5 stays near chance
    rows = [line.split() for line in chapter.output("ex_optimizers_solution").splitlines()[1:]]
    final_acc = {" ".join(r[:-3]): float(r[-1].rstrip("%")) for r in rows}
    assert final_acc["Adam lr=0.003"] == max(final_acc.values())
    assert final_acc["SGD lr=5 (too large)"] < 20


def test_side_columns_are_almost_always_blank(chapter):
    """The page: the leftmost and rightmost pixel columns are blank in nearly every image, so after
    standardising each of those pixels is nearly always one and the same negative number."""
    images = chapter["images"]
    blank_share = (images[:, :, [0, 7]] == 0).float().mean(dim=0)  # per pixel of the two columns
    assert blank_share.min().item() > 0.9 and blank_share.mean().item() > 0.97
    blank = ((0 - chapter["pixel_mean"]) / chapter["pixel_std"]).item()
    assert blank < 0
    assert (chapter["X"][:, 0] == blank).float().mean().item() > 0.99  # pixel (0, 0) is column 0
