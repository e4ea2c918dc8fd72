"""Training a real classifier: an MLP that reads handwritten digits.

Each ``# %% name`` cell is shown on the page docs/digits.md, with what it printed.
"""

# %% load_data
import math

import torch
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)  # the matrices here are tiny: one thread is faster than several
device = "cuda" if torch.cuda.is_available() else "cpu"  # chosen at run time; this page was built on a CPU

digits = load_digits()  # ships with scikit-learn: nothing to download
images = torch.tensor(digits.images, dtype=torch.float32)  # (1797, 8, 8), ink from 0 to 16
labels = torch.tensor(digits.target)                        # (1797,), the digit each image shows

print(f"images {tuple(images.shape)} {images.dtype}, pixel values {images.min():g} to {images.max():g}")
print(f"labels {tuple(labels.shape)} {labels.dtype}")
counts = torch.bincount(labels, minlength=10)
print("digit: " + " ".join(f"{d:>4}" for d in range(10)))
print("count: " + " ".join(f"{c:>4}" for c in counts.tolist()))

# %% show_digits
import matplotlib.pyplot as plt


def mosaic(tiles, columns, gap=1):
    """Lay equal-sized 2-D tiles out in a grid, as one image with NaN (blank) gaps between them.

    Args:
        tiles: a tensor of shape (count, height, width).
        columns: tiles per row.
        gap: blank pixels between neighbouring tiles.
    """
    count, height, width = tiles.shape
    rows = math.ceil(count / columns)
    grid = torch.full((rows * (height + gap) - gap, columns * (width + gap) - gap), float("nan"))
    for k, tile in enumerate(tiles):
        top, left = (k // columns) * (height + gap), (k % columns) * (width + gap)
        grid[top:top + height, left:left + width] = tile
    return grid


step = 8 + 4  # each tile is 8 pixels, then a gap of 4 for the labels
fig, ax = plt.subplots(figsize=(6.4, 1.9))
grid = mosaic(images[:20], columns=10, gap=4)
ax.imshow(grid.numpy(), cmap="gray_r", interpolation="nearest")  # .numpy(): the array type matplotlib expects
for k, label in enumerate(labels[:20].tolist()):
    ax.text((k % 10) * step + 3.5, (k // 10) * step - 1, str(label), ha="center", fontsize=9)
ax.set_ylim(19.5, -4.5)  # leave room above the first row for its labels
ax.set_axis_off()
ax.set_title("The first 20 images of the digits data set, with their labels", fontsize=10)
plt.show()

# %% split
n = len(labels)
n_val = n_test = 360
n_train = n - n_val - n_test

split_generator = torch.Generator().manual_seed(0)
order = torch.randperm(n, generator=split_generator)  # a seeded shuffle of 0 .. n-1
train_idx = order[:n_train]
val_idx = order[n_train:n_train + n_val]
test_idx = order[n_train + n_val:]

# Flatten each 8×8 image into 64 numbers, then standardise with the TRAINING set's statistics.
flat = images.reshape(n, 64) / 16
pixel_mean, pixel_std = flat[train_idx].mean(), flat[train_idx].std()
X = (flat - pixel_mean) / pixel_std

X_train, y_train = X[train_idx], labels[train_idx]
X_val, y_val = X[val_idx], labels[val_idx]
X_test, y_test = X[test_idx], labels[test_idx]

print(f"pixel mean {pixel_mean:.4f}, pixel std {pixel_std:.4f} (of the training images, after /16)")
print(f"{'split':<10} {'images':>6}   fewest / most of one digit")
for name, y in [("train", y_train), ("validation", y_val), ("test", y_test)]:
    per_digit = torch.bincount(y, minlength=10)
    print(f"{name:<10} {len(y):>6}   {per_digit.min().item():>6} / {per_digit.max().item()}")

# %% loaders
from torch.utils.data import DataLoader, TensorDataset

batch_size = 64
shuffle_generator = torch.Generator().manual_seed(0)  # makes the order of the batches repeatable
train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=batch_size,
                          shuffle=True, generator=shuffle_generator)
# For measuring, order does not matter and one batch of the whole set is fastest:
# a list holding one (inputs, labels) pair can be looped over like a loader.
train_eval_loader = [(X_train, y_train)]
val_loader = [(X_val, y_val)]
test_loader = [(X_test, y_test)]

steps_per_epoch = len(train_loader)
last_batch = n_train - (steps_per_epoch - 1) * batch_size
xb, yb = next(iter(train_loader))
print(f"one batch: inputs {tuple(xb.shape)}, labels {tuple(yb.shape)}")
print(f"{n_train} training images / batch {batch_size} -> {steps_per_epoch} steps per epoch; "
      f"the last batch holds {last_batch}")

# %% model
def make_mlp(sizes):
    """A multi-layer perceptron: ``nn.Linear`` layers with a ReLU between each pair, logits out.

    Args:
        sizes: the widths from input to output, e.g. ``[64, 64, 10]``.
    """
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU after the last layer: logits


torch.manual_seed(0)
model = make_mlp([64, 64, 10]).to(device)
n_params = sum(p.numel() for p in model.parameters())
print(model)
print(f"{n_params:,} parameters")

# %% init_loss
loss_fn = nn.CrossEntropyLoss()
ln10 = math.log(10)
with torch.no_grad():
    logits = model(X_train.to(device)).cpu()  # to the device for the model, back for printing
    init_loss = loss_fn(logits, y_train).item()
    init_acc = (logits.argmax(dim=1) == y_train).float().mean().item()
    first_probs = logits[0].softmax(dim=0)

print(f"loss before training: {init_loss:.4f}")
print(f"ln 10:                {ln10:.4f}")
print(f"accuracy before training: {init_acc:.1%}")
print("probabilities for the first image:", " ".join(f"{p:.3f}" for p in first_probs.tolist()))
print(f"smallest {first_probs.min():.3f}, largest {first_probs.max():.3f}; uniform would be 0.100")

# %% train_pair
def train_one_epoch(model, loader, loss_fn, optimizer, device):
    """Train ``model`` for one pass over ``loader``; return the mean loss per example.

    Args:
        model: the network to train, already on ``device``.
        loader: yields ``(inputs, targets)`` batches.
        loss_fn: a loss that averages over a batch, such as ``nn.CrossEntropyLoss()``.
        optimizer: a ``torch.optim`` optimizer over ``model``'s parameters.
        device: where to compute, ``"cpu"`` or ``"cuda"``.
    """
    model.train()                                 # training mode
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)  # to where the model is
        loss = loss_fn(model(inputs), targets)    # 1. forward and 2. loss
        optimizer.zero_grad()                     #    clear the last step's gradients
        loss.backward()                           # 3. backward
        optimizer.step()                          # 4. update
        total += loss.item() * len(inputs)        # batch mean x batch size
        count += len(inputs)
    return total / count


def evaluate(model, loader, loss_fn, device):
    """The mean loss per example of ``model`` on all of ``loader``, and its accuracy, without training.

    Args:
        model: the classifier to measure, already on ``device``.
        loader: yields ``(inputs, labels)`` batches.
        loss_fn: a loss that averages over a batch.
        device: where to compute, ``"cpu"`` or ``"cuda"``.
    """
    model.eval()                                  # evaluation mode
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():                         # measuring builds no graph
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = model(inputs)
            total += loss_fn(outputs, targets).item() * len(inputs)
            correct += (outputs.argmax(dim=1) == targets).sum().item()  # new here: right answers
            count += len(inputs)
    return total / count, correct / count

# %% fit
import copy


def fit(model, optimizer, loader, train_eval, val, epochs, patience=None):
    """Train for ``epochs`` epochs, measuring both sets before training and after each epoch.

    Args:
        model: the network to train, on ``device`` (updated in place).
        optimizer: a ``torch.optim`` optimizer over ``model``'s parameters.
        loader: the training batches.
        train_eval: a loader over the training set, for measuring.
        val: a loader over the validation set.
        epochs: the most epochs to train.
        patience: if given, stop after this many epochs without a new lowest validation
            loss, and restore the weights of the best epoch (early stopping).
    """
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def measure():
        for split, split_loader in [("train", train_eval), ("val", val)]:
            loss, acc = evaluate(model, split_loader, loss_fn, device)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)

    measure()  # entry 0: before training; entry k: after epoch k
    best_epoch, best_state = 0, copy.deepcopy(model.state_dict())
    for epoch in range(1, epochs + 1):
        train_one_epoch(model, loader, loss_fn, optimizer, device)
        measure()
        if history["val_loss"][-1] < history["val_loss"][best_epoch]:
            best_epoch, best_state = epoch, copy.deepcopy(model.state_dict())
        elif patience is not None and epoch - best_epoch >= patience:
            break
    if patience is not None:
        model.load_state_dict(best_state)
    history["best_epoch"] = best_epoch  # the epoch with the lowest validation loss
    return history

# %% train
epochs = 20
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
history = fit(model, optimizer, train_loader, train_eval_loader, val_loader, epochs)

print(f"{'epoch':>5} | {'train loss':>10} {'train acc':>9} | {'val loss':>8} {'val acc':>7}")
for epoch in range(epochs + 1):
    print(f"{epoch:>5} | {history['train_loss'][epoch]:>10.4f} {history['train_acc'][epoch]:>9.1%} | "
          f"{history['val_loss'][epoch]:>8.4f} {history['val_acc'][epoch]:>7.1%}")

assert all(math.isfinite(v) for v in history["train_loss"] + history["val_loss"])
assert history["train_loss"][-1] < history["train_loss"][0] and history["val_loss"][-1] < history["val_loss"][0]
final_val_acc = history["val_acc"][-1]
total_steps = epochs * steps_per_epoch

# %% curves
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8, 3.2))
ax_loss.plot(history["train_loss"], label="training")
ax_loss.plot(history["val_loss"], label="validation")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss", yscale="log")
ax_acc.plot(history["train_acc"], label="training")
ax_acc.plot(history["val_acc"], label="validation")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(0.8, 1.005))
for ax in (ax_loss, ax_acc):
    ax.grid(alpha=0.3)
    ax.legend()
fig.tight_layout()
plt.show()

# %% test_accuracy
test_loss, test_acc = evaluate(model, test_loader, loss_fn, device)
with torch.no_grad():
    test_probs = model(X_test.to(device)).softmax(dim=1).cpu()
test_pred = test_probs.argmax(dim=1)
wrong = (test_pred != y_test).nonzero().flatten()
n_wrong = len(wrong)

print(f"test loss {test_loss:.4f}, test accuracy {test_acc:.2%}: {n_wrong} of {len(y_test)} wrong")
assert test_acc >= 0.95, "the classifier must get at least 95 % of the test digits right"

# %% confusion
confusion = torch.zeros(10, 10, dtype=torch.long)
for true, pred in zip(y_test.tolist(), test_pred.tolist()):
    confusion[true, pred] += 1  # row: the true digit, column: what the model said

print("true \\ predicted " + " ".join(f"{d:>3}" for d in range(10)))
for d in range(10):
    print(f"{d:>16} " + " ".join(f"{c:>3}" if c else "  ." for c in confusion[d].tolist()))

mistakes = confusion - torch.diag(confusion.diagonal())
worst = mistakes.argmax().item()
worst_true, worst_pred = divmod(worst, 10)
worst_count = mistakes[worst_true, worst_pred].item()
print(f"most common mistake: true digit {worst_true}, predicted {worst_pred} ({worst_count} times)")

# %% confusion_plot
fig, ax = plt.subplots(figsize=(3.8, 3.8))
ax.imshow(confusion.numpy(), cmap="Blues", interpolation="nearest")
for true in range(10):
    for pred in range(10):
        count = confusion[true, pred].item()
        if count:
            ax.text(pred, true, str(count), ha="center", va="center", fontsize=7,
                    color="white" if count > confusion.max().item() / 2 else "black")
ax.set(xlabel="predicted digit", ylabel="true digit", xticks=range(10), yticks=range(10),
       title=f"Confusion matrix ({len(y_test)} test images)")
plt.show()

# %% predictions
right_examples = (test_pred == y_test).nonzero().flatten()[:10].tolist()
wrong_examples = wrong[:10].tolist()
placed = [(k, i) for k, i in enumerate(right_examples)] + [(10 + k, i) for k, i in enumerate(wrong_examples)]
shown_tiles = torch.full((20, 8, 8), float("nan"))  # row 1: right, row 2: wrong (blank if fewer)
for k, i in placed:
    shown_tiles[k] = X_test[i].reshape(8, 8)

fig, ax = plt.subplots(figsize=(6.4, 2.1))
ax.imshow(mosaic(shown_tiles, columns=10, gap=4).numpy(), cmap="gray_r", interpolation="nearest")
for k, i in placed:
    guess, truth = test_pred[i].item(), y_test[i].item()
    label = f"{guess} {test_probs[i, guess]:.0%}" if guess == truth else f"{guess}≠{truth}"
    ax.text((k % 10) * step + 3.5, (k // 10) * step - 1, label, ha="center", fontsize=7,
            color="black" if guess == truth else "crimson")
ax.set_ylim(19.5, -4.5)
ax.set_axis_off()
ax.set_title("Top: read correctly (guess, confidence). Bottom: mistakes (guess≠truth)", fontsize=9)
plt.show()

# %% first_layer
W1 = model[0].weight.detach().cpu()  # (64 hidden units, 64 pixels): one row per unit
templates = W1 / W1.abs().max(dim=1, keepdim=True).values  # each unit scaled to [-1, 1]
fig, ax = plt.subplots(figsize=(6.4, 1.9))
ax.imshow(mosaic(templates[:32].reshape(32, 8, 8), columns=16).numpy(), cmap="RdBu_r",
          vmin=-1, vmax=1, interpolation="nearest")
ax.set_axis_off()
ax.set_title("First-layer weights of hidden units 0-31 (red: positive, blue: negative)", fontsize=9)
plt.show()

# %% hidden_features
with torch.no_grad():
    hidden_train = model[1](model[0](X_train.to(device))).cpu()  # the 64 ReLU outputs for each image
    hidden_test = model[1](model[0](X_test.to(device))).cpu()


def nearest_mean_accuracy(train_features, test_features):
    """The share of test images whose features are nearest to the mean features of their own digit.

    Args:
        train_features: (N, d) features of the training images, in ``y_train`` order.
        test_features: (M, d) features of the test images, in ``y_test`` order.
    """
    centres = torch.stack([train_features[y_train == d].mean(dim=0) for d in range(10)])
    guesses = torch.cdist(test_features, centres).argmin(dim=1)
    return (guesses == y_test).float().mean().item()


pixel_acc = nearest_mean_accuracy(X_train, X_test)
hidden_acc = nearest_mean_accuracy(hidden_train, hidden_test)
silent = (hidden_train.max(dim=0).values == 0).sum().item()
print(f"nearest digit-mean on the 64 pixels:        {pixel_acc:.1%} of test images right")
print(f"nearest digit-mean on the 64 hidden units:  {hidden_acc:.1%}")
print(f"hidden units that never fire on a training image: {silent}")

# %% hidden_plot
per_digit = torch.stack([hidden_test[y_test == d].mean(dim=0) for d in range(10)])  # (10, 64)
favourite = per_digit.argmax(dim=0)
units = sorted(range(64), key=lambda u: (favourite[u].item(), -per_digit[:, u].max().item()))
fig, ax = plt.subplots(figsize=(6.4, 2.6))
shown = ax.imshow(per_digit[:, units].numpy(), cmap="viridis", aspect="auto", interpolation="nearest")
ax.set(xlabel="hidden unit (sorted by the digit it responds to most)", ylabel="digit shown",
       yticks=range(10), xticks=[], title="Mean activation of each hidden unit, per digit (test set)")
fig.colorbar(shown, ax=ax, label="mean ReLU output")
plt.show()

# %% width_depth
designs = [[], [16], [64], [256], [64, 64], [64, 64, 64]]
print(f"{'hidden layers':<14} {'parameters':>10} {'train acc':>9} {'val loss':>8} {'val acc':>7}")
comparison = []
for hidden in designs:
    torch.manual_seed(0)
    net = make_mlp([64, *hidden, 10]).to(device)
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=batch_size,
                        shuffle=True, generator=torch.Generator().manual_seed(0))
    h = fit(net, torch.optim.Adam(net.parameters(), lr=3e-3), loader, train_eval_loader, val_loader, epochs=10)
    assert math.isfinite(h["val_loss"][-1]) and h["train_loss"][-1] < h["train_loss"][0]
    size = sum(p.numel() for p in net.parameters())
    comparison.append((hidden, size, h["val_acc"][-1]))
    print(f"{str(hidden):<14} {size:>10,} {h['train_acc'][-1]:>9.1%} {h['val_loss'][-1]:>8.4f} {h['val_acc'][-1]:>7.1%}")
linear_val_acc = comparison[0][2]
hidden_accs = [acc for hidden, _, acc in comparison if hidden and min(hidden) >= 64]
lowest_acc, highest_acc = min(hidden_accs), max(hidden_accs)
print(f"designs with 64 or more units per layer: val acc from {lowest_acc:.1%} to {highest_acc:.1%}")

# %% overfit
small_loader = [(X_train[:50], y_train[:50])]  # only the first 50 training images, as one batch
overfit_epochs = 60


def train_small(net, optimizer, patience=None):
    """Train ``net`` full-batch on the 50 images for up to 60 epochs, measuring on the validation set.

    Args:
        net: the network, on ``device``.
        optimizer: a ``torch.optim`` optimizer over its parameters.
        patience: as in ``fit``: stop early and keep the best epoch's weights.
    """
    return fit(net, optimizer, small_loader, small_loader, val_loader, overfit_epochs, patience)


torch.manual_seed(0)
big = make_mlp([64, 256, 256, 10]).to(device)
big_init = copy.deepcopy(big.state_dict())  # kept, so the runs below start from the same weights
big_params = sum(p.numel() for p in big.parameters())
overfit = train_small(big, torch.optim.Adam(big.parameters(), lr=3e-3))

assert all(math.isfinite(v) for v in overfit["train_loss"] + overfit["val_loss"])
assert overfit["train_loss"][-1] < overfit["train_loss"][0]
lowest_val_epoch = overfit["best_epoch"]
print(f"{big_params:,} parameters, 50 training images, full-batch Adam")
print(f"{'epoch':>5} | {'train loss':>10} {'val loss':>8} {'val acc':>7}")
for epoch in [0, 5, 10, 15, 20, 30, 40, 50, 60]:
    print(f"{epoch:>5} | {overfit['train_loss'][epoch]:>10.2e} {overfit['val_loss'][epoch]:>8.4f} "
          f"{overfit['val_acc'][epoch]:>7.1%}")
print(f"lowest validation loss {overfit['val_loss'][lowest_val_epoch]:.4f} after epoch {lowest_val_epoch}; "
      f"{overfit['val_loss'][-1]:.4f} after epoch {overfit_epochs}")
assert overfit["val_loss"][-1] > overfit["val_loss"][lowest_val_epoch]

# %% overfit_plot
fig, ax = plt.subplots(figsize=(6.4, 3.4))
ax.plot(overfit["train_loss"], label="training loss (50 images)")
ax.plot(overfit["val_loss"], label="validation loss (360 images)")
ax.axvline(lowest_val_epoch, color="gray", ls="--", lw=1)
ax.annotate(f"lowest validation loss\n(epoch {lowest_val_epoch})",
            (lowest_val_epoch, overfit["val_loss"][lowest_val_epoch]), xytext=(0.45, 0.55),
            textcoords="axes fraction", arrowprops={"arrowstyle": "->"}, fontsize=9)
ax.set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log",
       title="Overfitting: a big network memorises a small training set")
ax.grid(alpha=0.3)
ax.legend(loc="lower left")
plt.show()

# %% early_stopping
patience = 10
early = make_mlp([64, 256, 256, 10]).to(device)
early.load_state_dict(big_init)  # the same starting weights as the run above
stopped = train_small(early, torch.optim.Adam(early.parameters(), lr=3e-3), patience=patience)
ran_epochs = len(stopped["val_loss"]) - 1
chosen_epoch = stopped["best_epoch"]
restored_val_loss, restored_val_acc = evaluate(early, val_loader, loss_fn, device)
print(f"trained {ran_epochs} epochs, stopped after {patience} without improvement")
print(f"best epoch: {chosen_epoch}, whose weights are restored: "
      f"val loss {restored_val_loss:.4f}, val acc {restored_val_acc:.1%}")
print(f"without early stopping, after epoch {overfit_epochs}: "
      f"val loss {overfit['val_loss'][-1]:.4f}, val acc {overfit['val_acc'][-1]:.1%}")
assert chosen_epoch == lowest_val_epoch

# %% l2_penalty
lam = 0.01  # λ, the strength of the penalty
with_option = make_mlp([64, 256, 256, 10]).to(device)
with_option.load_state_dict(big_init)
with_penalty = copy.deepcopy(with_option)
inputs, targets = X_train[:50].to(device), y_train[:50].to(device)

# One Adam step with the optimizer's weight_decay option ...
optimizer = torch.optim.Adam(with_option.parameters(), lr=3e-3, weight_decay=lam)
loss = loss_fn(with_option(inputs), targets)
optimizer.zero_grad()
loss.backward()
optimizer.step()

# ... and one plain Adam step on the loss plus (λ/2) × the sum of every parameter squared.
optimizer = torch.optim.Adam(with_penalty.parameters(), lr=3e-3)
penalty = lam / 2 * sum((p ** 2).sum() for p in with_penalty.parameters())
loss = loss_fn(with_penalty(inputs), targets) + penalty
optimizer.zero_grad()
loss.backward()
optimizer.step()

gap = max((a - b).abs().max().item() for a, b in zip(with_option.parameters(), with_penalty.parameters()))
print(f"cross-entropy {loss.item() - penalty.item():.4f}, penalty (λ/2)·Σw² {penalty.item():.4f}")
print(f"largest difference between the two updated networks: {gap:.1e}")

# %% weight_decay
def size_of_weights(net):
    """The Euclidean norm of all of ``net``'s parameters, taken together as one long vector.

    Args:
        net: a network.
    """
    return torch.cat([p.detach().flatten() for p in net.parameters()]).norm().item()


decayed = make_mlp([64, 256, 256, 10]).to(device)
decayed.load_state_dict(big_init)
decay = train_small(decayed, torch.optim.Adam(decayed.parameters(), lr=3e-3, weight_decay=lam))
assert all(math.isfinite(v) for v in decay["train_loss"] + decay["val_loss"])

norm_start = torch.cat([w.flatten() for w in big_init.values()]).norm().item()
norm_plain, norm_decay = size_of_weights(big), size_of_weights(decayed)
print(f"{'50 images, 60 epochs':<24} {'size of weights':>15} {'final val loss':>14} {'val acc':>7}")
print(f"{'before training':<24} {norm_start:>15.2f} {overfit['val_loss'][0]:>14.4f} {overfit['val_acc'][0]:>7.1%}")
print(f"{'no regularisation':<24} {norm_plain:>15.2f} {overfit['val_loss'][-1]:>14.4f} {overfit['val_acc'][-1]:>7.1%}")
print(f"{f'weight decay λ={lam}':<24} {norm_decay:>15.2f} {decay['val_loss'][-1]:>14.4f} {decay['val_acc'][-1]:>7.1%}")
print(f"training loss after 60 epochs: {overfit['train_loss'][-1]:.1e} without, {decay['train_loss'][-1]:.1e} with weight decay")

# %% dropout_modes
torch.manual_seed(0)
dropout = nn.Dropout(p=0.5)  # zeroes each value with probability 0.5, doubles the rest
ones = torch.ones(10)
dropout.train()
print("train mode, call 1:", dropout(ones).tolist())
print("train mode, call 2:", dropout(ones).tolist())
dropout.eval()
print("eval mode:         ", dropout(ones).tolist())

# The big network with dropout after each hidden layer; the seed gives it the same starting weights.
torch.manual_seed(0)
dropped = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.5),
                        nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.5),
                        nn.Linear(256, 10)).to(device)
image = X_val[:1].to(device)
with torch.no_grad():
    dropped.train()
    train_calls = [dropped(image).cpu() for _ in range(2)]
    dropped.eval()
    eval_calls = [dropped(image).cpu() for _ in range(2)]
for mode, calls in [("train", train_calls), ("eval", eval_calls)]:
    for k, out in enumerate(calls, 1):
        print(f"{mode:>5} mode, call {k}: first logits " + " ".join(f"{v:+.3f}" for v in out[0, :4].tolist()))
print("the same in train mode:", torch.equal(*train_calls), "| in eval mode:", torch.equal(*eval_calls))

# %% dropout_run
dropped_run = train_small(dropped, torch.optim.Adam(dropped.parameters(), lr=3e-3))
assert all(math.isfinite(v) for v in dropped_run["train_loss"] + dropped_run["val_loss"])
print(f"dropout 0.5: final val loss {dropped_run['val_loss'][-1]:.4f}, val acc {dropped_run['val_acc'][-1]:.1%}, "
      f"lowest val loss {dropped_run['val_loss'][dropped_run['best_epoch']]:.4f} (epoch {dropped_run['best_epoch']})")
print(f"no regularisation: final val loss {overfit['val_loss'][-1]:.4f}, val acc {overfit['val_acc'][-1]:.1%}")
print(f"two evaluations of the trained network agree: {evaluate(dropped, val_loader, loss_fn, device) == evaluate(dropped, val_loader, loss_fn, device)}")

# %% more_data
more = {50: overfit}
for n_images in [200, 1000]:
    net = make_mlp([64, 256, 256, 10]).to(device)
    net.load_state_dict(big_init)
    subset = (X_train[:n_images], y_train[:n_images])
    loader = DataLoader(TensorDataset(*subset), batch_size=50, shuffle=True, generator=torch.Generator().manual_seed(0))
    updates_per_epoch = len(loader)  # batches of 50, as in the runs above
    more[n_images] = fit(net, torch.optim.Adam(net.parameters(), lr=3e-3), loader,
                         [subset], val_loader, epochs=60 // updates_per_epoch)
    assert all(math.isfinite(v) for v in more[n_images]["val_loss"])

print(f"{'the big network, trained on':<32} {'final val loss':>14} {'val acc':>7}")
rows = [("50 images, no regularisation", overfit), (f"50 images, early stopping ({chosen_epoch})", None),
        (f"50 images, weight decay {lam}", decay), ("50 images, dropout 0.5", dropped_run),
        ("200 images", more[200]), ("1,000 images", more[1000])]
for name, h in rows:
    loss, acc = (h["val_loss"][-1], h["val_acc"][-1]) if h else (restored_val_loss, restored_val_acc)
    print(f"{name:<32} {loss:>14.4f} {acc:>7.1%}")
accs_50 = [overfit["val_acc"][-1], restored_val_acc, decay["val_acc"][-1], dropped_run["val_acc"][-1]]
low_50, high_50 = min(accs_50), max(accs_50)

# %% regularisation_plot
fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
curves = [("50 images", overfit, 1), (f"50 images, weight decay {lam}", decay, 1),
          ("50 images, dropout 0.5", dropped_run, 1), ("200 images", more[200], 4), ("1,000 images", more[1000], 20)]
for name, h, updates_per_epoch in curves:
    updates = [epoch * updates_per_epoch for epoch in range(len(h["val_loss"]))]
    ax.plot(updates, h["val_loss"], marker="o" if updates_per_epoch > 1 else None, ms=3, label=name)
ax.plot(chosen_epoch, restored_val_loss, "k*", ms=10, label="early stopping's choice")
ax.set(xlabel="updates (batches of 50 images)", ylabel="validation loss", yscale="log",
       title="Validation loss of the same network, regularised or given more data")
ax.grid(alpha=0.3)
fig.legend(loc="outside lower center", ncol=3, fontsize=8)  # below the axes, clear of the curves
plt.show()

# %% idx_loader
import gzip
import os
import struct


def load_idx(path):
    """Read an IDX file of unsigned bytes (MNIST's format), gzipped or not, as a uint8 tensor.

    Args:
        path: the file. Gzip is recognised by its first two bytes, whatever the name.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # the gzip magic number
        raw = gzip.decompress(raw)
    zero, type_code, ndim = struct.unpack(">HBB", raw[:4])  # big-endian: 0, 0, type, ndim
    if zero != 0 or type_code != 0x08:  # 0x08: unsigned bytes, the only type MNIST uses
        raise ValueError(f"{path}: not an IDX file of unsigned bytes (magic {raw[:4].hex()})")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])  # one 4-byte size per dimension
    body = raw[4 + 4 * ndim:]
    if len(body) != math.prod(shape):
        raise ValueError(f"{path}: header promises {math.prod(shape)} bytes of data, found {len(body)}")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(shape)


MNIST_FILES = ["train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"]


def load_mnist(folder):
    """Load training images and labels, then test images and labels, from the four MNIST files in ``folder``.

    Args:
        folder: a directory holding train-images-idx3-ubyte.gz and the three other files
            (gzipped or not).
    """
    def read(name):
        path = f"{folder}/{name}-ubyte"
        return load_idx(path + ".gz" if os.path.exists(path + ".gz") else path)

    train_images, train_labels, test_images, test_labels = [read(name) for name in MNIST_FILES]
    return train_images.float() / 255, train_labels.long(), test_images.float() / 255, test_labels.long()

# %% idx_demo
import tempfile


def save_idx(path, tensor):
    """Write a uint8 tensor as an IDX file, gzipped when ``path`` ends in .gz.

    Args:
        path: the file to write.
        tensor: a uint8 tensor of any shape.
    """
    header = struct.pack(f">HBB{tensor.ndim}I", 0, 0x08, tensor.ndim, *tensor.shape)
    data = header + bytes(tensor.flatten().tolist())
    with open(path, "wb") as f:
        f.write(gzip.compress(data, mtime=0) if path.endswith(".gz") else data)


tiny_images = (images[:5] * 255 / 16).round().to(torch.uint8)  # 5 digits, as MNIST stores pixels
tiny_labels = labels[:5].to(torch.uint8)
with tempfile.TemporaryDirectory() as folder:  # deleted, with its files, at the end of the block
    save_idx(f"{folder}/tiny-images-idx3-ubyte", tiny_images)
    save_idx(f"{folder}/tiny-images-idx3-ubyte.gz", tiny_images)
    save_idx(f"{folder}/tiny-labels-idx1-ubyte.gz", tiny_labels)
    with open(f"{folder}/tiny-images-idx3-ubyte", "rb") as f:
        print("first 16 bytes:", f.read(16).hex(" "))
    plain = load_idx(f"{folder}/tiny-images-idx3-ubyte")
    zipped = load_idx(f"{folder}/tiny-images-idx3-ubyte.gz")
    tiny_labels_read = load_idx(f"{folder}/tiny-labels-idx1-ubyte.gz")
print("images:", tuple(plain.shape), plain.dtype, "| same from the .gz:", torch.equal(plain, zipped))
print("labels:", tiny_labels_read.tolist())
assert torch.equal(plain, tiny_images)
print("header of MNIST's train-images file:", struct.pack(">HBB3I", 0, 0x08, 3, 60000, 28, 28).hex(" "))

# %% mnist
mnist_folder = "mnist"  # put the four MNIST files here, next to where you run this


def train_on_mnist(folder, epochs=5):
    """Train a 784 → 128 → 10 classifier on the MNIST files in ``folder``; return it, its history and its test accuracy.

    Args:
        folder: a directory holding the four MNIST files.
        epochs: passes over the training images.
    """
    train_images, train_labels, test_images, test_labels = load_mnist(folder)
    flat_train = train_images.reshape(len(train_images), -1)  # 28 × 28 -> 784 numbers
    flat_test = test_images.reshape(len(test_images), -1)
    order = torch.randperm(len(flat_train), generator=torch.Generator().manual_seed(0))
    n_hold = len(order) // 12  # 5,000 of the 60,000 training images, held out for validation
    fit_idx, hold_idx = order[n_hold:], order[:n_hold]
    mean, std = flat_train[fit_idx].mean(), flat_train[fit_idx].std()  # the training part only

    fit_set = TensorDataset((flat_train[fit_idx] - mean) / std, train_labels[fit_idx])
    hold_set = TensorDataset((flat_train[hold_idx] - mean) / std, train_labels[hold_idx])
    test_set = TensorDataset((flat_test - mean) / std, test_labels)
    loader = DataLoader(fit_set, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))

    torch.manual_seed(0)
    net = make_mlp([flat_train.shape[1], 128, 10]).to(device)
    history = fit(net, torch.optim.Adam(net.parameters(), lr=1e-3), loader,
                  DataLoader(fit_set, batch_size=1000), DataLoader(hold_set, batch_size=1000), epochs)
    _, test_accuracy = evaluate(net, DataLoader(test_set, batch_size=1000), loss_fn, device)
    return net, history, test_accuracy


have_mnist = all(os.path.exists(f"{mnist_folder}/{name}-ubyte") or os.path.exists(f"{mnist_folder}/{name}-ubyte.gz")
                 for name in MNIST_FILES)
if have_mnist:
    mnist_net, mnist_history, mnist_test_acc = train_on_mnist(mnist_folder)
    for epoch, acc in enumerate(mnist_history["val_acc"]):
        print(f"epoch {epoch}: validation accuracy {acc:.2%}")
    print(f"MNIST test accuracy: {mnist_test_acc:.2%}")
else:
    print(f"No MNIST files in the folder '{mnist_folder}' here, so this step is skipped.")

# %% ex_zero_solution
torch.manual_seed(0)
zeroed = make_mlp([64, 64, 10])
with torch.no_grad():
    zeroed[-1].weight.zero_()
    zeroed[-1].bias.zero_()
    zero_loss = loss_fn(zeroed(X_train), y_train).item()
print(f"loss with a zeroed last layer: {zero_loss:.6f}; ln 10 = {ln10:.6f}")

# %% check_zero
# Run this after your answer to exercise 1: the loss with a zeroed last layer.
assert "zero_loss" in globals(), (
    "Write your prediction of the cross-entropy as a number called `zero_loss` "
    "in the cell above, then run this cell again.")
assert isinstance(zero_loss, (int, float)), (
    "`zero_loss` should be a plain number (`.item()` turns a one-number tensor "
    f"into one), not {type(zero_loss).__name__}.")
expected_loss = -math.log(1 / 10)      # softmax of ten equal logits: 1/10 each
assert math.isclose(zero_loss, expected_loss, abs_tol=5e-5), (
    f"Not yet: {zero_loss} is not the loss to four decimals. With the last layer "
    "all zeros, what are the ten logits for any image, what probability does "
    "softmax give the right digit, and what is -ln of it?")
print(f"Correct: every image's loss is -ln(1/10) = {expected_loss:.4f}, "
      "whatever the hidden layer does.")

# %% ex_steps_solution
loader_32 = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True,
                       generator=torch.Generator().manual_seed(0))
steps_32 = len(loader_32)
total_steps_32 = 20 * steps_32
print(f"batch 32: {steps_32} steps per epoch, {total_steps_32} steps in 20 epochs")

# %% check_steps
# Run this after your answer to exercise 2: the step counts for batches of 32.
assert "steps_32" in globals(), (
    "Write the number of steps in one epoch as `steps_32`, then run this cell again.")
assert "total_steps_32" in globals(), (
    "Write the number of steps in 20 epochs as `total_steps_32`, "
    "then run this cell again.")
assert isinstance(steps_32, int) and isinstance(total_steps_32, int), (
    "`steps_32` and `total_steps_32` should be whole numbers (ints), "
    f"not {steps_32!r} and {total_steps_32!r}.")
expected_steps = len(DataLoader(TensorDataset(X_train, y_train), batch_size=32))
assert steps_32 == expected_steps, (
    f"Not yet: an epoch over the {len(X_train)} training images is not {steps_32} "
    "steps of 32. Divide, and count a last, partial batch as one more step.")
assert total_steps_32 == 20 * expected_steps, (
    f"Not yet: {total_steps_32} is not the number of steps in 20 epochs "
    f"of {expected_steps} steps each.")
print(f"Correct: {steps_32} steps per epoch, {total_steps_32} in 20 epochs.")

# %% ex_manual_solution
torch.manual_seed(0)
W1_ = (torch.randn(64, 32) / 8).requires_grad_()  # 1/sqrt(64) keeps the first layer's outputs near unit size
b1_ = torch.zeros(32, requires_grad=True)
W2_ = (torch.randn(32, 10) / math.sqrt(32)).requires_grad_()
b2_ = torch.zeros(10, requires_grad=True)
manual_params = [W1_, b1_, W2_, b2_]

manual_losses = []
for step in range(300):
    logits_ = torch.relu(X_train @ W1_ + b1_) @ W2_ + b2_          # forward
    loss = loss_fn(logits_, y_train)                                # loss
    loss.backward()                                                 # backward
    with torch.no_grad():
        for p in manual_params:
            p -= 0.5 * p.grad                                       # update
            p.grad.zero_()
    manual_losses.append(loss.item())

with torch.no_grad():
    manual_val_acc = ((torch.relu(X_val @ W1_ + b1_) @ W2_ + b2_).argmax(dim=1) == y_val).float().mean().item()
assert math.isfinite(manual_losses[-1]) and manual_losses[-1] < manual_losses[0]
print(f"loss {manual_losses[0]:.4f} -> {manual_losses[-1]:.4f} in 300 full-batch steps; "
      f"validation accuracy {manual_val_acc:.1%}")
with torch.no_grad():  # for comparison: the first loss with unscaled torch.randn weights
    unscaled_loss = loss_fn(torch.relu(X_train @ torch.randn(64, 32)) @ torch.randn(32, 10), y_train).item()
print(f"first loss with unscaled weights: {unscaled_loss:.1f} (ln 10 = {ln10:.2f})")

# %% check_manual
# Run this after your answer to exercise 3: your hand-made network, trained.
assert "manual_params" in globals(), (
    "Keep your four tensors in a list called `manual_params`, in the order "
    "[W1, b1, W2, b2], then run this cell again.")
assert "manual_val_acc" in globals(), (
    "Store your network's validation accuracy, a number from 0 to 1, as "
    "`manual_val_acc`, then run this cell again.")
assert isinstance(manual_params, (list, tuple)) and len(manual_params) == 4, (
    "`manual_params` should be a list of your four tensors: [W1, b1, W2, b2].")
expected_shapes = [(64, 32), (32,), (32, 10), (10,)]
expected_yours = [tuple(expected_t.shape) for expected_t in manual_params]
assert expected_yours == expected_shapes, (
    f"Your tensors should have the shapes {expected_shapes}, so that the logits "
    f"are relu(X @ W1 + b1) @ W2 + b2; they have {expected_yours}.")
assert all(expected_t.requires_grad for expected_t in manual_params), (
    "Make each tensor with requires_grad=True, so that loss.backward() fills "
    "its .grad.")
with torch.no_grad():
    expected_W1, expected_b1, expected_W2, expected_b2 = manual_params
    expected_hidden = torch.relu(X_train @ expected_W1 + expected_b1)
    expected_train_loss = loss_fn(expected_hidden @ expected_W2 + expected_b2,
                                  y_train).item()
    expected_val_hidden = torch.relu(X_val @ expected_W1 + expected_b1)
    expected_guess = (expected_val_hidden @ expected_W2 + expected_b2).argmax(dim=1)
    expected_val_acc = (expected_guess == y_val).float().mean().item()
assert expected_train_loss < 0.1, (
    f"Not yet: your network's training loss is {expected_train_loss:.3g}; 300 "
    "full-batch steps at lr 0.5 take it below 0.1. Scale each weight matrix by "
    "1/sqrt(fan-in), update inside torch.no_grad(), and zero every gradient "
    "after its update.")
assert isinstance(manual_val_acc, float), (
    "`manual_val_acc` should be a plain number from 0 to 1 (`.item()` gives one), "
    f"not {type(manual_val_acc).__name__}.")
assert math.isclose(manual_val_acc, expected_val_acc, abs_tol=1e-6), (
    f"Not yet: `manual_val_acc` is {manual_val_acc!r}, but your tensors classify "
    f"{expected_val_acc:.1%} of the validation images correctly. Compare the "
    "argmax of their logits on X_val with y_val, and take the mean.")
print(f"Correct: training loss {expected_train_loss:.4f}, "
      f"validation accuracy {expected_val_acc:.1%}.")

# %% ex_decay_solution
w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
sgd = torch.optim.SGD([w], lr=0.1, weight_decay=0.01)
for _ in range(100):
    sgd.zero_grad()
    (0 * w).sum().backward()  # a loss whose gradient is zero: only the decay moves w
    sgd.step()
decay_factor = (1 - 0.1 * 0.01) ** 100  # (1 - ηλ) per step, 100 times
predicted_w = torch.tensor([1.0, -2.0, 3.0]) * decay_factor
print("after 100 steps:", [round(v, 6) for v in w.tolist()])
print("predicted:      ", [round(v, 6) for v in predicted_w.tolist()], f"(each times {decay_factor:.6f})")

# %% check_decay
# Run this after your answer to exercise 4: the weights after 100 steps of decay.
assert "predicted_w" in globals(), (
    "Write your prediction of the three weights as `predicted_w` (a list or a "
    "tensor), then run this cell again.")
assert isinstance(predicted_w, (list, tuple, torch.Tensor)) and len(predicted_w) == 3, (
    "`predicted_w` should hold three numbers, one for each weight, like [1, -2, 3].")
expected_w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
expected_sgd = torch.optim.SGD([expected_w], lr=0.1, weight_decay=0.01)
for expected_step in range(100):     # what SGD really does: zero gradient, decay
    expected_sgd.zero_grad()
    (0 * expected_w).sum().backward()
    expected_sgd.step()
expected_yours = torch.as_tensor(predicted_w).detach().float()
assert torch.allclose(expected_yours, expected_w.detach(), atol=1e-4), (
    f"Not yet: {expected_yours.tolist()} is not where SGD leaves the weights. "
    "With a zero gradient, one step is w <- w - lr * weight_decay * w. Write that "
    "as w times a factor, and apply it 100 times.")
print("Correct: 100 steps of decay alone multiply every weight by the same factor.")
