"""Chapter: The training loop - forward, loss, backward, update, and the tools around it.

Each ``# %% name`` cell is shown on the page docs/training_loop.md, with what it printed.
"""

# %% houses
import math

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
torch.set_num_threads(1)  # tiny models: one thread is faster than several

# Five houses: [size in hundreds of square feet, bedrooms] -> price in $1000s
X = torch.tensor([[10.0, 3.0],
                  [15.0, 4.0],
                  [20.0, 5.0],
                  [8.0, 2.0],
                  [12.0, 3.0]])
y = torch.tensor([[200.0], [300.0], [400.0], [150.0], [250.0]])
print(f"inputs  X: {tuple(X.shape)}  (5 houses, 2 features each)")
print(f"targets y: {tuple(y.shape)}  (5 prices)")

# %% cycle_diagram
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# (step, its code, centre of its box): clockwise round a square, starting top left
cycle = [("1. forward", "predictions = model(X)", (-1.2, 0.8)),
         ("2. loss", "loss_fn(predictions, y)", (1.2, 0.8)),
         ("3. backward", "optimizer.zero_grad()\nloss.backward()", (1.2, -0.8)),
         ("4. update", "optimizer.step()", (-1.2, -0.8))]
# what travels along each arrow: label, arrow start, arrow end, label position, alignment
handovers = [("predictions", (-0.2, 0.8), (0.2, 0.8), (0.0, 1.25), "center"),
             ("one number", (1.2, 0.43), (1.2, -0.43), (1.3, 0.0), "left"),
             ("a gradient for\nevery weight", (0.2, -0.8), (-0.2, -0.8), (0.0, -1.4), "center"),
             ("new weights", (-1.2, -0.43), (-1.2, 0.43), (-1.3, 0.0), "right")]

fig, ax = plt.subplots(figsize=(6.4, 4.6))
for step, code, (cx, cy) in cycle:
    ax.add_patch(FancyBboxPatch((cx - 1.0, cy - 0.35), 2.0, 0.7, boxstyle="round,pad=0.02",
                                facecolor="#e3f2fd", edgecolor="#1565c0", linewidth=1.5))
    ax.text(cx, cy + 0.2, step, ha="center", va="center", fontsize=12, fontweight="bold")
    ax.text(cx, cy - 0.1, code, ha="center", va="center", fontsize=9.5, family="monospace")
for label, start, end, (lx, ly), align in handovers:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, linewidth=1.8,
                                 color="#424242"))
    ax.text(lx, ly, label, ha=align, va="center", fontsize=10, style="italic")
ax.text(0, 0, "repeat for every\nbatch, epoch\nafter epoch", ha="center", va="center", fontsize=10)
ax.annotate("a batch of data X, y", xy=(-1.2, 1.17), xytext=(-1.2, 1.6), fontsize=10, ha="center",
            va="bottom", arrowprops=dict(arrowstyle="-|>", color="#424242", linewidth=1.5))
ax.set_xlim(-2.25, 2.25)
ax.set_ylim(-1.6, 1.85)
ax.set_aspect("equal")
ax.axis("off")
plt.show()

# %% one_step
model = nn.Linear(2, 1)                                   # a model: price = w1*size + w2*rooms + b
criterion = nn.MSELoss()                                  # a loss: mean squared error
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)  # an optimizer: how to update

w_before = model.weight.detach().clone()
print("weight before:", w_before, "  grad:", model.weight.grad)

predictions = model(X)                    # 1. forward: predictions for all five houses
print("1 forward   predictions:", predictions.detach().flatten())
loss = criterion(predictions, y)          # 2. loss: one number, how wrong we are
print(f"2 loss      MSE = {loss.item():.1f}")
optimizer.zero_grad()                     #    clear the gradients of the previous step
loss.backward()                           # 3. backward: d(loss)/d(parameter) for every parameter
grad_w = model.weight.grad.clone()
print("3 backward  weight.grad:", grad_w)
optimizer.step()                          # 4. update: weight -= lr * weight.grad
print("4 update    weight:", model.weight.detach())

with torch.no_grad():
    loss_after = criterion(model(X), y).item()
print(f"loss before the step {loss.item():.1f}, after it {loss_after:.1f}")
assert math.isfinite(loss_after) and loss_after < loss.item()

# %% scratch_init
torch.manual_seed(42)
w = torch.randn(2, 1, requires_grad=True)  # one weight per feature
b = torch.zeros(1, requires_grad=True)     # one bias, broadcast over the five houses
print("w =", w.detach().flatten(), " b =", b.detach())

predictions = X @ w + b                    # (5, 2) @ (2, 1) + (1,) -> (5, 1)
errors = predictions - y
loss = (errors ** 2).mean()
print("predictions:", predictions.detach().flatten())
print("errors:     ", errors.detach().flatten())
print(f"MSE: {loss.item():.2f}")

# %% scratch_step
loss.backward()                            # fills w.grad and b.grad
print("dL/dw =", w.grad.flatten(), "  dL/db =", b.grad)

learning_rate = 1e-4                       # small: prices and sizes are large numbers
with torch.no_grad():                      # the update is not part of the model
    w -= learning_rate * w.grad
    b -= learning_rate * b.grad
w.grad.zero_()                             # clear them for the next step
b.grad.zero_()

new_loss = ((X @ w + b - y) ** 2).mean().item()
improvement = loss.item() - new_loss
print(f"loss before {loss.item():.2f}, after {new_loss:.2f}: {improvement:.2f} better")
assert math.isfinite(new_loss) and new_loss < loss.item()

# %% scratch_loop
torch.manual_seed(42)
w = torch.randn(2, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
w_start, b_start = w.detach().clone(), b.detach().clone()  # kept to compare with nn.Linear later
learning_rate = 1e-4
num_epochs = 1000
scratch_losses = []

print("epoch |     loss")
for epoch in range(num_epochs):
    predictions = X @ w + b                     # 1. forward
    loss = ((predictions - y) ** 2).mean()      # 2. loss
    loss.backward()                             # 3. backward
    with torch.no_grad():                       # 4. update
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad
    w.grad.zero_()
    b.grad.zero_()
    scratch_losses.append(loss.item())
    if epoch % 100 == 0 or epoch == num_epochs - 1:
        print(f" {epoch:4d} | {loss.item():8.2f}")

print(f"\nw = {w.detach().flatten().tolist()}, b = {b.item():.4f}")
with torch.no_grad():
    final_predictions = X @ w + b
for i in range(len(y)):
    print(f"house {i + 1}: predicted {final_predictions[i].item():6.1f}k, actual {y[i].item():6.1f}k")
assert all(map(math.isfinite, scratch_losses)) and scratch_losses[-1] < scratch_losses[0]

# %% best_line
design = torch.cat([X, torch.ones(5, 1)], dim=1).double()   # columns: size, rooms, 1 (for b)
# least squares: the best straight line (in float64, so its last digits are reliable)
best = torch.linalg.lstsq(design, y.double()).solution
best_loss = ((design @ best - y.double()) ** 2).mean().item()
print(f"least squares: w = [{best[0].item():.4f}, {best[1].item():.4f}], b = {best[2].item():.4f}")
print(f"best possible MSE for a linear model: {best_loss:.2f}; after 1000 epochs: {scratch_losses[-1]:.2f}")

# %% low_level_class
class LinearRegression:
    """Linear regression with hand-made parameters: ``y = x @ w + b``.

    Args:
        n_in: number of input features.
        n_out: number of outputs.
    """

    def __init__(self, n_in=2, n_out=2):
        # requires_grad=True: record the operations on these so backward() can fill .grad
        self.w = torch.randn(n_in, n_out, requires_grad=True)
        self.b = torch.randn(n_out, requires_grad=True)

    def forward(self, x):
        """Predict ``x @ w + b`` for a batch ``x`` of shape ``(batch, n_in)``."""
        return x @ self.w + self.b

    def loss_fn(self, y_pred, y_true):
        """Mean squared error: the average of (prediction - actual)²."""
        return torch.mean((y_pred - y_true) ** 2)


def train_step(model, features, labels, lr=0.001):
    """One step of gradient descent on a ``LinearRegression``; return the loss before it.

    Args:
        model: the model to update in place.
        features: inputs of shape ``(batch, n_in)``.
        labels: targets of shape ``(batch, n_out)``.
        lr: the learning rate.
    """
    predictions = model.forward(features)          # forward
    loss = model.loss_fn(predictions, labels)      # loss
    loss.backward()                                # backward: fills model.w.grad and model.b.grad
    with torch.no_grad():                          # update: W = W - lr * dLoss/dW
        model.w -= lr * model.w.grad
        model.b -= lr * model.b.grad
        model.w.grad.zero_()                       # reset for the next step
        model.b.grad.zero_()
    return loss.item()                             # a float: no graph kept alive

# %% low_level_train
torch.manual_seed(1)
true_w = torch.tensor([[1.0, -2.0],
                       [0.5, 3.0]])
true_b = torch.tensor([0.5, -1.0])
features = torch.randn(100, 2)
labels = features @ true_w + true_b + 0.1 * torch.randn(100, 2)  # two outputs, a little noise

regression = LinearRegression()
low_level_losses = [train_step(regression, features, labels, lr=0.1) for _ in range(300)]
print(f"loss: first step {low_level_losses[0]:.3f}, last step {low_level_losses[-1]:.4f}")
print("learned w:", regression.w.detach(), sep="\n")
print("learned b:", regression.b.detach())
assert math.isfinite(low_level_losses[-1]) and low_level_losses[-1] < low_level_losses[0]

# %% module_model
class HousePriceModel(nn.Module):
    """A linear model of house prices: one ``nn.Linear`` from 2 features to 1 price."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)  # creates the weight (1, 2) and the bias (1,)

    def forward(self, x):
        """Predict prices for a batch ``x`` of shape ``(batch, 2)``."""
        return self.linear(x)


torch.manual_seed(0)
house_model = HousePriceModel()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(house_model.parameters(), lr=1e-4)
print(house_model)
for name, param in house_model.named_parameters():
    print(f"{name}: shape={tuple(param.shape)}, values={param.data}")

# %% module_train
with torch.no_grad():                        # start where the from-scratch loop started
    house_model.linear.weight.copy_(w_start.T)
    house_model.linear.bias.copy_(b_start)

module_losses = []
print("epoch |     loss")
for epoch in range(1000):
    predictions = house_model(X)             # calls house_model.forward(X)
    loss = criterion(predictions, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    module_losses.append(loss.item())
    if epoch % 100 == 0 or epoch == 999:
        print(f" {epoch:4d} | {loss.item():8.2f}")

largest_gap = max(abs(a - s) for a, s in zip(module_losses, scratch_losses))
print(f"\nlargest difference from the from-scratch losses: {largest_gap:.2g}")
assert all(map(math.isfinite, module_losses)) and module_losses[-1] < module_losses[0]

# %% hidden_layer
class HousePriceModelV2(nn.Module):
    """Two features -> 8 hidden ReLU units -> 1 price."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(2, 8)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(8, 1)

    def forward(self, x):
        """Predict prices for a batch ``x`` of shape ``(batch, 2)``."""
        x = self.layer1(x)   # (batch, 2) -> (batch, 8)
        x = self.relu(x)     # same shape, negatives set to 0
        return self.layer2(x)  # (batch, 8) -> (batch, 1)


torch.manual_seed(0)
model_v2 = HousePriceModelV2()
print(model_v2)
total_params = sum(p.numel() for p in model_v2.parameters())
print(f"parameters: {total_params}")

optimizer_v2 = torch.optim.SGD(model_v2.parameters(), lr=1e-4)
v2_losses = []
for epoch in range(1000):
    loss = criterion(model_v2(X), y)
    optimizer_v2.zero_grad()
    loss.backward()
    optimizer_v2.step()
    v2_losses.append(loss.item())
    if epoch % 250 == 0 or epoch == 999:
        print(f"epoch {epoch:4d} | loss {loss.item():10.2f}")
assert all(map(math.isfinite, v2_losses)) and v2_losses[-1] < v2_losses[0]

# %% complete_data
# Features: [size (100s of sq ft), bedrooms, bathrooms, age (decades)]
X_train = torch.tensor([[10.0, 3.0, 2.0, 2.0],
                        [15.0, 4.0, 2.5, 1.0],
                        [20.0, 5.0, 3.0, 0.5],
                        [8.0, 2.0, 1.0, 5.0],
                        [12.0, 3.0, 2.0, 3.0],
                        [25.0, 6.0, 4.0, 0.0],
                        [9.0, 2.0, 1.0, 4.0],
                        [18.0, 4.0, 3.0, 1.5]])
y_train = torch.tensor([[200.0], [320.0], [450.0], [120.0],
                        [240.0], [550.0], [140.0], [380.0]])
print(f"training data: {X_train.shape[0]} houses, {X_train.shape[1]} features")

# %% complete_model
class HousePriceNet(nn.Module):
    """A two-layer network: inputs -> hidden ReLU layer -> output.

    Args:
        input_size: number of input features.
        hidden_size: number of hidden units.
        output_size: number of outputs.
    """

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)
        self.activation = nn.ReLU()
        self.layer2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        """Map a batch ``(batch, input_size)`` to ``(batch, output_size)``."""
        return self.layer2(self.activation(self.layer1(x)))


torch.manual_seed(0)
net = HousePriceNet(input_size=4, hidden_size=16, output_size=1)
num_params = sum(p.numel() for p in net.parameters())
print(net)
print(f"parameters: {num_params}")

# %% complete_train
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
num_epochs = 1000
net_losses = []

print(f"{'epoch':>6} | {'loss':>10} | {'avg error ($k)':>14}")
for epoch in range(num_epochs):
    predictions = net(X_train)
    loss = criterion(predictions, y_train)
    net_losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 200 == 0 or epoch == num_epochs - 1:
        avg_error = (predictions - y_train).abs().mean().item()
        print(f"{epoch:6d} | {loss.item():10.2f} | {avg_error:14.2f}")
assert all(map(math.isfinite, net_losses)) and net_losses[-1] < net_losses[0]

# %% complete_eval
net.eval()                      # evaluation mode
with torch.no_grad():           # no graph needed: we will not call backward
    final_preds = net(X_train)

print(f"{'house':>5} | {'predicted':>9} | {'actual':>7} | {'error':>6}")
for i in range(len(y_train)):
    pred, actual = final_preds[i].item(), y_train[i].item()
    print(f"{i + 1:5d} | {pred:8.1f}k | {actual:6.1f}k | {abs(pred - actual):5.1f}k")
final_mae = (final_preds - y_train).abs().mean().item()
print(f"average error: {final_mae:.2f}k")

# %% celsius_raw
C_train = torch.linspace(-40, 100, 50).reshape(-1, 1)   # 50 temperatures in °C
F_train = 1.8 * C_train + 32


def fit_line(inputs, targets, lr, epochs, seed=42):
    """Fit ``nn.Linear(1, 1)`` by full-batch SGD on the MSE; return it and each epoch's loss.

    Args:
        inputs: shape ``(n, 1)``.
        targets: shape ``(n, 1)``.
        lr: the learning rate.
        epochs: number of updates.
        seed: seed for the starting weight and bias.
    """
    torch.manual_seed(seed)
    line = nn.Linear(1, 1)
    opt = torch.optim.SGD(line.parameters(), lr=lr)
    mse = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        loss = mse(line(inputs), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return line, losses


converter, raw_losses = fit_line(C_train, F_train, lr=1e-4, epochs=5000)
for epoch in [0, 1000, 2000, 3000, 4000, 4999]:
    print(f"epoch {epoch:4d}: loss {raw_losses[epoch]:10.4f}")
raw_w, raw_b = converter.weight.item(), converter.bias.item()
print(f"\nlearned: F = {raw_w:.4f} * C + {raw_b:.4f}")
print("exact:   F = 1.8000 * C + 32.0000")
assert all(map(math.isfinite, raw_losses)) and raw_losses[-1] < raw_losses[0]

# %% celsius_scaled
C_mean, C_std = C_train.mean(), C_train.std()    # statistics of the training inputs
C_scaled = (C_train - C_mean) / C_std            # mean 0, standard deviation 1

scaled_converter, scaled_losses = fit_line(C_scaled, F_train, lr=0.1, epochs=200)
assert all(map(math.isfinite, scaled_losses)) and scaled_losses[-1] < scaled_losses[0]

# F = w_s * (C - mean) / std + b_s  =  (w_s / std) * C + (b_s - w_s * mean / std)
w_s, b_s = scaled_converter.weight.item(), scaled_converter.bias.item()
scaled_w = w_s / C_std.item()
scaled_b = b_s - w_s * C_mean.item() / C_std.item()
print(f"after 200 epochs, back in °C units: F = {scaled_w:.4f} * C + {scaled_b:.4f}")

scaled_epoch = next(k for k, v in enumerate(scaled_losses) if v < 0.01)  # first below 0.01
raw_reached = any(v < 0.01 for v in raw_losses)
print(f"first epoch with a loss below 0.01: {scaled_epoch}")
print(f"did the raw run ever get below 0.01 in 5000 epochs? {raw_reached}")

# %% plot_celsius
fig, ax = plt.subplots(figsize=(6.4, 3.6))
raw_steps = sorted({round(1.03 ** k) for k in range(289)} | {5000})  # ~250 log-spaced epochs
ax.plot(raw_steps, [raw_losses[k - 1] for k in raw_steps], label="raw °C, lr 1e-4")
ax.plot(range(1, 201), scaled_losses, label="standardized °C, lr 0.1")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("epoch (log scale)")
ax.set_ylabel("MSE in °F² (log scale)")
ax.set_title("Celsius to Fahrenheit: scaling the input")
ax.legend()
plt.show()

# %% celsius_predict
check = torch.tensor([[-10.0], [0.0], [37.0], [100.0], [150.0]])
# is it one of the 50 training temperatures?
in_training = [(C_train - c).abs().min().item() < 1e-4 for c in check]
exact = 1.8 * check + 32
with torch.no_grad():
    raw_guess = converter(check)
    scaled_guess = scaled_converter((check - C_mean) / C_std)   # scaled as in training
raw_errors = (raw_guess - exact).abs()                          # in °F
scaled_errors = (scaled_guess - exact).abs()

print(f"{'°C':>5} | {'trained on':>10} | {'exact °F':>8} | {'raw model':>9} | {'scaled model':>12}")
for k in range(len(check)):
    print(f"{check[k].item():5.0f} | {'yes' if in_training[k] else 'no':>10} | "
          f"{exact[k].item():8.2f} | {raw_guess[k].item():9.2f} | {scaled_guess[k].item():12.2f}")

# %% steps_per_epoch
samples = TensorDataset(torch.randn(1000, 3), torch.randn(1000, 1))
loader = DataLoader(samples, batch_size=100, shuffle=True)

steps, seen = 0, 0
for features_batch, targets_batch in loader:   # one epoch
    steps += 1
    seen += len(features_batch)
print(f"dataset: {len(samples)} samples, batch size {loader.batch_size}")
print(f"len(loader) = {len(loader)} steps per epoch")
print(f"one epoch: {steps} steps, {seen} samples seen, batches of shape {tuple(features_batch.shape)}")

# %% batch_problem
torch.manual_seed(0)
n_points = 256
inputs = torch.randn(n_points, 2)
targets = inputs @ torch.tensor([[2.0], [-3.0]]) + 1.0 + 0.5 * torch.randn(n_points, 1)

with_ones = torch.cat([inputs, torch.ones(n_points, 1)], dim=1)
# In float64: LAPACK's float32 answer can differ in its last bit from one run to the next.
optimum = torch.linalg.lstsq(with_ones.double(), targets.double()).solution
lowest_loss = ((with_ones.double() @ optimum - targets.double()) ** 2).mean().item()
print(f"{n_points} points, 2 features; the lowest possible MSE is {lowest_loss:.4f}")


def batch_indices(batch_size, generator):
    """Yield index batches forever: shuffle, cut into batches, start a new epoch.

    Args:
        batch_size: examples per batch (the last batch of an epoch may be smaller).
        generator: a seeded ``torch.Generator`` for the shuffles.
    """
    while True:
        order = torch.randperm(n_points, generator=generator)
        for start in range(0, n_points, batch_size):
            yield order[start:start + batch_size]


def train_regression(batch_size, updates, lr=0.1):
    """Fit ``nn.Linear(2, 1)`` by SGD; return the loss on all points before and after each update.

    Every run starts from the same weights and sees the same shuffles.

    Args:
        batch_size: examples per update (``n_points`` for full batch, 1 for SGD).
        updates: how many updates (steps) to make.
        lr: the learning rate.
    """
    torch.manual_seed(1)
    regressor = nn.Linear(2, 1)
    opt = torch.optim.SGD(regressor.parameters(), lr=lr)
    batches = batch_indices(batch_size, torch.Generator().manual_seed(2))
    mse = nn.MSELoss()
    with torch.no_grad():
        history = [mse(regressor(inputs), targets).item()]
    for _ in range(updates):
        idx = next(batches)
        loss = mse(regressor(inputs[idx]), targets[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():                   # measuring, not training
            history.append(mse(regressor(inputs), targets).item())
    return history

# %% batch_runs
batch_sizes = {"full batch (256)": n_points, "mini-batch (16)": 16, "SGD (1)": 1}
updates = 200
runs = {name: train_regression(size, updates) for name, size in batch_sizes.items()}

print(f"{'method':>17} | {'examples/update':>15} | {'loss after 10':>13} | {'after 200':>9} | "
      f"{'examples seen':>13}")
for name, size in batch_sizes.items():
    history = runs[name]
    print(f"{name:>17} | {size:15d} | {history[10]:13.4f} | {history[-1]:9.4f} | {size * updates:13,d}")
    assert all(map(math.isfinite, history)) and history[-1] < history[0]
full_loss_10, mini_loss_10, sgd_loss_10 = (runs[name][10] for name in batch_sizes)
full_examples = n_points * updates
sgd_final, full_final = runs["SGD (1)"][-1], runs["full batch (256)"][-1]

# %% plot_updates
# a thick line for the full batch, which would otherwise hide under the mini-batch
widths = {"full batch (256)": 3.0, "mini-batch (16)": 1.2, "SGD (1)": 1.0}
fig, ax = plt.subplots(figsize=(6.4, 3.6))
for name, history in runs.items():
    ax.plot(range(len(history)), history, label=name, linewidth=widths[name])
ax.axhline(lowest_loss, color="0.4", linestyle="--", linewidth=1, label="lowest possible")
ax.set_yscale("log")
ax.set_xlabel("updates (optimizer steps)")
ax.set_ylabel("MSE on all 256 points")
ax.set_title("Per update: a batch of 16 is nearly as good as all 256")
ax.legend()
plt.show()

# %% plot_examples
fig, ax = plt.subplots(figsize=(6.4, 3.6))
for name, size in batch_sizes.items():
    history = runs[name]
    seen_so_far = [size * k for k in range(len(history))]
    ax.plot(seen_so_far[1:], history[1:], label=name, linewidth=widths[name])
ax.axhline(lowest_loss, color="0.4", linestyle="--", linewidth=1, label="lowest possible")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("training examples processed (log scale)")
ax.set_ylabel("MSE on all 256 points")
ax.set_title("Per example processed, small batches learn far sooner")
ax.legend()
plt.show()

# %% device
device = "cuda" if torch.cuda.is_available() else "cpu"   # decided when the code runs
print("training on:", device)

# %% loop_functions
def train_one_epoch(model, loader, loss_fn, optimizer, device):
    """Train ``model`` for one pass over ``loader``; return the mean loss per example.

    Args:
        model: the network to train, already on ``device``.
        loader: yields ``(inputs, targets)`` batches.
        loss_fn: a loss that averages over a batch, such as ``nn.MSELoss()``.
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
    """The mean loss per example of ``model`` on all of ``loader``, without training.

    Args:
        model: the network to measure, already on ``device``.
        loader: yields ``(inputs, targets)`` batches.
        loss_fn: a loss that averages over a batch.
        device: where to compute, ``"cpu"`` or ``"cuda"``.
    """
    model.eval()                                  # evaluation mode
    total, count = 0.0, 0
    with torch.no_grad():                         # measuring builds no graph
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            total += loss_fn(model(inputs), targets).item() * len(inputs)
            count += len(inputs)
    return total / count

# %% reusable_run
torch.manual_seed(3)
val_inputs = torch.randn(64, 2)        # 64 new points from the same rule, never trained on
val_targets = val_inputs @ torch.tensor([[2.0], [-3.0]]) + 1.0 + 0.5 * torch.randn(64, 1)

shuffles = torch.Generator().manual_seed(4)           # seeded shuffles: the same every run
train_loader = DataLoader(TensorDataset(inputs, targets), batch_size=16, shuffle=True,
                          generator=shuffles)
val_loader = DataLoader(TensorDataset(val_inputs, val_targets), batch_size=64)

torch.manual_seed(5)
regressor = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
regressor = regressor.to(device)                      # its parameters move to the device
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(regressor.parameters(), lr=0.05)

train_history = []
val_history = [evaluate(regressor, val_loader, loss_fn, device)]   # before training
print(f"epoch | train loss | val loss\n    0 |          - | {val_history[0]:8.4f}")
for epoch in range(1, 6):
    train_history.append(train_one_epoch(regressor, train_loader, loss_fn, optimizer, device))
    val_history.append(evaluate(regressor, val_loader, loss_fn, device))
    print(f"{epoch:5d} | {train_history[-1]:10.4f} | {val_history[-1]:8.4f}")
assert all(map(math.isfinite, train_history + val_history))
assert val_history[-1] < val_history[0]

true_rule = val_inputs @ torch.tensor([[2.0], [-3.0]]) + 1.0    # the rule without its noise
noise_floor = ((true_rule - val_targets) ** 2).mean().item()
print(f"the true rule itself scores {noise_floor:.4f} on the validation points")
steps_per_epoch = len(train_loader)                                 # 256 points / 16
later_low, later_high = min(val_history[2:]), max(val_history[2:])  # epochs 2 to 5

# %% save_load
import tempfile
from pathlib import Path

state = regressor.state_dict()                        # every parameter, by name
for name, tensor in state.items():
    print(f"{name:9} {str(tuple(tensor.shape)):8} on {tensor.device.type}")

torch.manual_seed(6)
restored = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))   # same shape,
restored = restored.to(device)                                           # new weights
new_inputs = val_inputs.to(device)
with torch.no_grad():
    before = torch.equal(restored(new_inputs), regressor(new_inputs))

with tempfile.TemporaryDirectory() as folder:    # deleted afterwards, with the file in it
    path = Path(folder) / "regressor.pt"
    torch.save(state, path)
    loaded = torch.load(path, map_location=device)     # onto this machine's device
    restored.load_state_dict(loaded)

with torch.no_grad():
    original_predictions = regressor(new_inputs)
    restored_predictions = restored(new_inputs)
same_predictions = torch.equal(original_predictions, restored_predictions)
print(f"\nsame predictions before loading: {before}")
print(f"same predictions after loading:  {same_predictions}  (all 64, bit for bit)")
print(f"file left behind: {path.exists()}")

# %% ex_kelvin
K_train = torch.linspace(233.15, 373.15, 50).reshape(-1, 1)   # -40 °C to 100 °C in kelvin
F_from_K = 1.8 * K_train - 459.67

_, raw_kelvin_losses = fit_line(K_train, F_from_K, lr=1e-4, epochs=8)
print("raw kelvin, lr 1e-4, losses:", ", ".join(f"{v:.3g}" for v in raw_kelvin_losses))
growth = raw_kelvin_losses[1] / raw_kelvin_losses[0]
print(f"the first epoch multiplied the loss by {growth:.0f}")

K_mean, K_std = K_train.mean(), K_train.std()
K_scaled = (K_train - K_mean) / K_std
kelvin_model, kelvin_losses = fit_line(K_scaled, F_from_K, lr=0.1, epochs=200)
assert math.isfinite(kelvin_losses[-1]) and kelvin_losses[-1] < 0.01

k_w, k_b = kelvin_model.weight.item(), kelvin_model.bias.item()
kelvin_w = k_w / K_std.item()
kelvin_b = k_b - k_w * K_mean.item() / K_std.item()
print(f"standardized kelvin, lr 0.1: F = {kelvin_w:.4f} * K - {-kelvin_b:.2f}")
print("exact:                       F = 1.8000 * K - 459.67")

# %% check_kelvin
# Run this after your answer to exercise 1: the raw run's losses, the line in kelvin.
assert "raw_kelvin_losses" in globals(), (
    "Keep the list of losses that `fit_line` returns for the raw kelvin run as "
    "`raw_kelvin_losses`, then run this cell again.")
assert "kelvin_w" in globals() and "kelvin_b" in globals(), (
    "Convert the standardized model's weight and bias back to kelvin, as `kelvin_w` "
    "and `kelvin_b` (so that F = kelvin_w * K + kelvin_b), then run this cell again.")
assert isinstance(raw_kelvin_losses, list) and len(raw_kelvin_losses) >= 2, (
    "`raw_kelvin_losses` should be the list of losses `fit_line` returns, "
    "with at least two epochs.")
expected_K = torch.linspace(233.15, 373.15, 50).reshape(-1, 1)
expected_raw = fit_line(expected_K, 1.8 * expected_K - 459.67, lr=1e-4, epochs=2)[1]
assert all(math.isclose(raw_kelvin_losses[i], expected_raw[i], rel_tol=1e-4)
           for i in range(2)), (
    f"Not yet: your first two losses are {raw_kelvin_losses[:2]}. Run `fit_line` on "
    "the raw kelvin inputs, 233.15 K to 373.15 K as a (50, 1) tensor, with targets "
    "1.8 * K - 459.67, lr=1e-4 and the default seed.")
assert isinstance(kelvin_w, (int, float)) and isinstance(kelvin_b, (int, float)), (
    "`kelvin_w` and `kelvin_b` should be plain numbers "
    "(`.item()` turns a one-number tensor into one).")
assert math.isclose(kelvin_w, 1.8, abs_tol=1e-3), (
    f"Not yet: the weight {kelvin_w:.4f} is not 1.8. Train on (K - mean) / std with "
    "lr 0.1; its weight w is then for scaled inputs, and in kelvin it is w / std.")
assert math.isclose(kelvin_b, -459.67, abs_tol=0.05), (
    f"Not yet: the bias {kelvin_b:.2f} is not -459.67. With w and b learned on "
    "(K - mean) / std, the bias in kelvin is b - w * mean / std.")
expected_growth = raw_kelvin_losses[1] / raw_kelvin_losses[0]
print(f"Correct: the raw loss grew {expected_growth:.0f}-fold "
      "in one epoch; standardized, you recovered F = 1.8 K - 459.67.")

# %% ex_batches
big_loader = DataLoader(TensorDataset(torch.randn(1000, 3)), batch_size=64, shuffle=True)
sizes = [len(batch) for (batch,) in big_loader]
epoch_steps, last_batch_size = len(sizes), sizes[-1]
print(f"batch_size=64: {epoch_steps} steps per epoch, last batch holds {last_batch_size} samples")
dropping = DataLoader(TensorDataset(torch.randn(1000, 3)), batch_size=64, drop_last=True)
epoch_steps_dropped = len(dropping)
print(f"with drop_last=True: {epoch_steps_dropped} steps, {epoch_steps_dropped * 64} samples used per epoch")

# %% check_batches
# Run this after your answer to exercise 2: 1,000 samples in batches of 64.
assert "epoch_steps" in globals(), (
    "Write how many steps one epoch takes as `epoch_steps`, then run this cell again.")
assert "last_batch_size" in globals(), (
    "Write how many samples the last batch holds as `last_batch_size`, "
    "then run this cell again.")
assert "epoch_steps_dropped" in globals(), (
    "Write how many steps an epoch takes with drop_last=True as "
    "`epoch_steps_dropped`, then run this cell again.")
for expected_name, expected_value in [("epoch_steps", epoch_steps),
                                      ("last_batch_size", last_batch_size),
                                      ("epoch_steps_dropped", epoch_steps_dropped)]:
    assert isinstance(expected_value, int), (
        f"`{expected_name}` should be a whole number, an int, not {expected_value!r}.")
expected_data = TensorDataset(torch.zeros(1000, 1))
expected_sizes = [len(expected_x)
                  for (expected_x,) in DataLoader(expected_data, batch_size=64)]
assert epoch_steps == len(expected_sizes), (
    f"Not yet: one epoch does not take {epoch_steps} steps. 1000 / 64 is not a whole "
    "number: the samples left after the full batches make one more, smaller batch.")
assert last_batch_size == expected_sizes[-1], (
    f"Not yet: the last batch does not hold {last_batch_size} samples. "
    "Take away the samples the full batches use.")
expected_dropping = DataLoader(expected_data, batch_size=64, drop_last=True)
assert epoch_steps_dropped == len(expected_dropping), (
    f"Not yet: with drop_last=True one epoch does not take {epoch_steps_dropped} "
    "steps. Only the full batches are left.")
print(f"Correct: {epoch_steps} steps, the last holding {last_batch_size} samples; "
      f"{epoch_steps_dropped} with drop_last=True.")

# %% ex_two_losses
torch.manual_seed(7)
fresh = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1)).to(device)
fresh_optimizer = torch.optim.SGD(fresh.parameters(), lr=0.05)
during = train_one_epoch(fresh, train_loader, loss_fn, fresh_optimizer, device)
after = evaluate(fresh, train_loader, loss_fn, device)
print(f"first epoch, mean loss while training: {during:.4f}")
print(f"the same data, after the epoch:        {after:.4f}")

# %% check_two_losses
# Run this after your answer to exercise 3: a fresh network's two losses.
assert "fresh" in globals(), (
    "Make the new 2 → 16 → 1 network and call it `fresh`, then run this cell again.")
assert "during" in globals(), (
    "Store the number `train_one_epoch` returns for `fresh`'s first epoch as "
    "`during`, then run this cell again.")
assert "after" in globals(), (
    "Store the number `evaluate` returns for `fresh` on the training data as "
    "`after`, then run this cell again.")
assert isinstance(fresh, nn.Module), (
    f"`fresh` should be a network (an nn.Module), not {type(fresh).__name__}.")
assert fresh is not regressor, (
    "Train a fresh network: `regressor` has already trained for five epochs.")
expected_shapes = [(16, 2), (16,), (1, 16), (1,)]
expected_yours = [tuple(expected_p.shape) for expected_p in fresh.parameters()]
assert expected_yours == expected_shapes, (
    "`fresh` should be a 2 → 16 → 1 network like `regressor`, "
    f"with parameters shaped {expected_shapes}.")
assert isinstance(during, float) and isinstance(after, float), (
    "`during` and `after` should be the plain numbers that `train_one_epoch` "
    "and `evaluate` return.")
expected_all = DataLoader(TensorDataset(inputs, targets), batch_size=n_points)
expected_after = evaluate(fresh, expected_all, loss_fn, device)
assert math.isclose(after, expected_after, rel_tol=1e-4), (
    f"Not yet: `after` is {after:.4f}, but `fresh` now scores {expected_after:.4f} on "
    "the 256 training points. Measure it with `evaluate` on `train_loader` after "
    "the epoch, and train it no further.")
assert during > after, (
    f"Not yet: `during` ({during:.4f}) should be what `train_one_epoch` returned "
    "for the first epoch of `fresh`, started from its untrained weights.")
print(f"Correct: {during:.4f} while training, {after:.4f} after the epoch.")
