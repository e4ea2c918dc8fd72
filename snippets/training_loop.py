"""Chapter: The training loop - forward, loss, backward, update, and the choices around it.

Each ``# %% name`` cell is shown on the page docs/training_loop.md, with what it printed.
"""

# %% houses
import copy
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

# %% accumulate
def house_loss():
    """The MSE of ``model`` on the five houses, recomputed from scratch (a fresh graph).

    Examples:
        >>> loss = house_loss()
        >>> loss.shape, loss.grad_fn.name()   # one number, with a new graph behind it
        (torch.Size([]), 'MseLossBackward0')
    """
    return criterion(model(X), y)


optimizer.zero_grad()
house_loss().backward()
first = model.weight.grad.clone()
print("after one backward():        ", first)
house_loss().backward()                    # no zero_grad in between
second = model.weight.grad.clone()
print("after a second backward():   ", second)
print("ratio second / first:        ", second / first)
optimizer.zero_grad()
house_loss().backward()
print("after zero_grad + backward():", model.weight.grad)

# %% forgot_zero_grad
def train_houses(clear_gradients, epochs=30, seed=0):
    """Train ``nn.Linear(2, 1)`` on the five houses with SGD, optionally forgetting ``zero_grad``.

    Args:
        clear_gradients: call ``optimizer.zero_grad()`` every step when True.
        epochs: how many full-batch updates to make.
        seed: the seed of the starting weights, so runs can be compared.

    Returns:
        The loss before each update, as a list of floats.

    Examples:
        >>> [round(v, 1) for v in train_houses(clear_gradients=True, epochs=3)]
        [74606.9, 68759.2, 63370.2]
        >>> [round(v, 1) for v in train_houses(clear_gradients=False, epochs=3)]   # update 2 used two gradients
        [74606.9, 68759.2, 57990.5]
    """
    torch.manual_seed(seed)
    net = nn.Linear(2, 1)
    opt = torch.optim.SGD(net.parameters(), lr=1e-4)
    history = []
    for _ in range(epochs):
        loss = criterion(net(X), y)
        if clear_gradients:
            opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    return history


with_zero = train_houses(clear_gradients=True)
without_zero = train_houses(clear_gradients=False)
print(f"{'epoch':>5}  {'with zero_grad':>15}  {'without':>10}")
for epoch in range(0, 30, 4):
    print(f"{epoch:5d}  {with_zero[epoch]:15.1f}  {without_zero[epoch]:10.1f}")
print(f"{29:5d}  {with_zero[29]:15.1f}  {without_zero[29]:10.1f}")
lowest_without = min(without_zero)
assert all(map(math.isfinite, with_zero)) and with_zero[-1] < with_zero[0]

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
design = torch.cat([X, torch.ones(5, 1)], dim=1)       # columns: size, rooms, 1 (for b)
best = torch.linalg.lstsq(design, y).solution          # least squares: the best straight line
best_loss = ((design @ best - y) ** 2).mean().item()
print(f"least squares: w = [{best[0].item():.4f}, {best[1].item():.4f}], b = {best[2].item():.4f}")
print(f"best possible MSE for a linear model: {best_loss:.2f}; after 1000 epochs: {scratch_losses[-1]:.2f}")

# %% low_level_class
class LinearRegression:
    """Linear regression with hand-made parameters: ``y = x @ w + b``.

    A corrected, working version of a class that is often shown with typos.

    Args:
        n_in: number of input features.
        n_out: number of outputs.

    Examples:
        >>> regression = LinearRegression(n_in=3, n_out=2)
        >>> regression.forward(torch.ones(4, 3)).shape   # a batch of 4 examples, 2 outputs each
        torch.Size([4, 2])
        >>> regression.loss_fn(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))   # (1² + 3²) / 2
        tensor(5.)
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
    """One step of gradient descent on a :class:`LinearRegression`.

    Args:
        model: the model to update in place.
        features: inputs of shape ``(batch, n_in)``.
        labels: targets of shape ``(batch, n_out)``.
        lr: the learning rate.

    Returns:
        The loss before the update, as a float.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> regression, x = LinearRegression(n_in=1, n_out=1), torch.tensor([[1.0], [2.0]])
        >>> losses = [train_step(regression, x, 3 * x, lr=0.2) for _ in range(300)]   # learn y = 3x
        >>> round(regression.w.item(), 3), round(regression.b.item(), 3)
        (3.0, 0.0)
    """
    predictions = model.forward(features)          # forward
    loss = model.loss_fn(predictions, labels)      # loss
    loss.backward()                                # backward: fills model.w.grad and model.b.grad
    with torch.no_grad():                          # update: W = W - lr * dLoss/dW
        model.w -= lr * model.w.grad
        model.b -= lr * model.b.grad
        model.w.grad.zero_()                       # reset for the next step
        model.b.grad.zero_()
    return loss.item()

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
    """A linear model of house prices: one ``nn.Linear`` from 2 features to 1 price.

    Examples:
        >>> model = HousePriceModel()
        >>> model(X).shape, sum(p.numel() for p in model.parameters())   # 5 prices; 2 weights + 1 bias
        (torch.Size([5, 1]), 3)
    """

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
    """Two features -> 8 hidden ReLU units -> 1 price.

    Examples:
        >>> model = HousePriceModelV2()
        >>> model(X).shape, sum(p.numel() for p in model.parameters())   # (2·8 + 8) + (8·1 + 1)
        (torch.Size([5, 1]), 33)
    """

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

    Examples:
        >>> model = HousePriceNet(input_size=4, hidden_size=16, output_size=1)
        >>> model(X_train).shape, sum(p.numel() for p in model.parameters())   # (4·16 + 16) + (16 + 1)
        (torch.Size([8, 1]), 97)
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
net.eval()                      # evaluation mode (matters for dropout and batch norm)
with torch.no_grad():           # no graph needed: we will not call backward
    final_preds = net(X_train)

print(f"{'house':>5} | {'predicted':>9} | {'actual':>7} | {'error':>6}")
for i in range(len(y_train)):
    pred, actual = final_preds[i].item(), y_train[i].item()
    print(f"{i + 1:5d} | {pred:8.1f}k | {actual:6.1f}k | {abs(pred - actual):5.1f}k")
final_mae = (final_preds - y_train).abs().mean().item()
print(f"average error: {final_mae:.2f}k")

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

    Yields:
        A tensor of indices into the data set.

    Examples:
        >>> batches = batch_indices(100, torch.Generator().manual_seed(0))
        >>> [len(next(batches)) for _ in range(4)]   # 256 points: 100, 100, 56, then a new epoch
        [100, 100, 56, 100]
    """
    while True:
        order = torch.randperm(n_points, generator=generator)
        for start in range(0, n_points, batch_size):
            yield order[start:start + batch_size]


def train_regression(batch_size, updates, lr=0.1, schedule=None):
    """Fit ``nn.Linear(2, 1)`` to the points with SGD on batches of ``batch_size``.

    Every run starts from the same weights and sees the same shuffles.

    Args:
        batch_size: examples per update (``n_points`` for full batch, 1 for SGD).
        updates: how many updates (steps) to make.
        lr: the learning rate.
        schedule: optional function that turns the optimizer into an LR scheduler.

    Returns:
        The loss on the whole data set before the first update and after each one.

    Examples:
        >>> history = train_regression(batch_size=16, updates=20)
        >>> len(history), round(history[0], 4), round(history[-1], 4)
        (21, 12.7138, 0.2819)
    """
    torch.manual_seed(1)
    regressor = nn.Linear(2, 1)
    opt = torch.optim.SGD(regressor.parameters(), lr=lr)
    scheduler = schedule(opt) if schedule else None
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
        if scheduler:
            scheduler.step()
        with torch.no_grad():
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

# %% optimizer_runs
torch.manual_seed(0)
curve_x = torch.linspace(-math.pi, math.pi, 128).reshape(-1, 1)
curve_y = torch.sin(2 * curve_x)
start_net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))

optimizers = {
    "SGD, lr 0.1": lambda params: torch.optim.SGD(params, lr=0.1),
    "SGD + momentum 0.9, lr 0.05": lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9),
    "Adam, lr 0.01": lambda params: torch.optim.Adam(params, lr=0.01),
}
optimizer_losses = {}
for name in optimizers:
    curve_net = copy.deepcopy(start_net)       # every optimizer starts from the same weights
    opt = optimizers[name](curve_net.parameters())
    history = []
    for step in range(250):
        loss = nn.functional.mse_loss(curve_net(curve_x), curve_y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    optimizer_losses[name] = history
    assert all(map(math.isfinite, history)) and history[-1] < history[0]

print(f"{'optimizer':>27} | {'step 0':>7} | {'step 50':>7} | {'step 249':>8}")
for name, history in optimizer_losses.items():
    print(f"{name:>27} | {history[0]:7.4f} | {history[50]:7.4f} | {history[-1]:8.5f}")
sgd_end, momentum_end, adam_end = (h[-1] for h in optimizer_losses.values())

# %% plot_optimizers
fig, ax = plt.subplots(figsize=(6.4, 3.6))
for name, history in optimizer_losses.items():
    ax.plot(range(len(history)), history, label=name, linewidth=1.2)
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("MSE (log scale)")
ax.set_title("Fitting sin(2x) with a 1-32-32-1 network, same start")
ax.legend()
plt.show()

# %% schedule
def halve_every_100(opt):
    """A StepLR scheduler that halves the learning rate every 100 steps.

    Examples:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> scheduler = halve_every_100(opt)
        >>> for _ in range(200): opt.step(); scheduler.step()
        >>> scheduler.get_last_lr()   # 0.1, halved twice
        [0.025]
    """
    return torch.optim.lr_scheduler.StepLR(opt, step_size=100, gamma=0.5)


constant = train_regression(batch_size=1, updates=500, lr=0.1)
scheduled = train_regression(batch_size=1, updates=500, lr=0.1, schedule=halve_every_100)

print(f"{'steps':>9} | {'lr (StepLR)':>11} | {'mean loss, constant':>19} | {'mean loss, StepLR':>17}")
for block in range(5):
    lo, hi = 100 * block + 1, 100 * (block + 1)
    lr_now = 0.1 * 0.5 ** block
    mean_constant = sum(constant[lo:hi + 1]) / 100
    mean_scheduled = sum(scheduled[lo:hi + 1]) / 100
    print(f"{f'{lo}-{hi}':>9} | {lr_now:11.5f} | {mean_constant:19.4f} | {mean_scheduled:17.4f}")
last_constant = sum(constant[401:]) / 100
last_scheduled = sum(scheduled[401:]) / 100
assert math.isfinite(last_scheduled) and last_scheduled < last_constant

# %% celsius_raw
C_train = torch.linspace(-40, 100, 50).reshape(-1, 1)   # 50 temperatures in °C
F_train = 1.8 * C_train + 32


def fit_line(inputs, targets, lr, epochs, seed=42):
    """Fit ``nn.Linear(1, 1)`` to ``targets`` with full-batch SGD on the MSE.

    Args:
        inputs: shape ``(n, 1)``.
        targets: shape ``(n, 1)``.
        lr: the learning rate.
        epochs: number of updates.
        seed: seed for the starting weight and bias.

    Returns:
        ``(model, losses)``, with the loss before each update.

    Examples:
        >>> x = torch.tensor([[-1.0], [0.0], [1.0]])
        >>> line, losses = fit_line(x, 2 * x + 1, lr=0.1, epochs=200)
        >>> round(line.weight.item(), 3), round(line.bias.item(), 3)
        (2.0, 1.0)
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

# %% celsius_too_fast
_, hasty_losses = fit_line(C_train, F_train, lr=1e-3, epochs=8)   # ten times larger
print("lr 0.001, losses:", ", ".join(f"{v:.3g}" for v in hasty_losses))

# %% celsius_curvature
def mse_curvature(x):
    """The Hessian of the MSE of ``w * x + b`` with respect to ``(w, b)``.

    It does not depend on the targets or on ``w`` and ``b``: 2 · mean of [[x², x], [x, 1]].

    Args:
        x: inputs, shape ``(n, 1)``.

    Returns:
        A 2 × 2 tensor.

    Examples:
        >>> mse_curvature(torch.tensor([[-1.0], [1.0]]))   # mean 0, spread 1: the same curvature both ways
        tensor([[2., 0.],
                [0., 2.]])
    """
    return 2 * torch.tensor([[(x ** 2).mean().item(), x.mean().item()],
                             [x.mean().item(), 1.0]])


C_mean, C_std = C_train.mean(), C_train.std()
C_scaled = (C_train - C_mean) / C_std            # mean 0, standard deviation 1

raw_eigs = torch.linalg.eigvalsh(mse_curvature(C_train))
scaled_eigs = torch.linalg.eigvalsh(mse_curvature(C_scaled))
raw_limit = 2 / raw_eigs[-1].item()              # larger learning rates diverge
raw_condition = (raw_eigs[-1] / raw_eigs[0]).item()
scaled_condition = (scaled_eigs[-1] / scaled_eigs[0]).item()
print(f"raw °C:    curvatures {raw_eigs[0]:.3f} and {raw_eigs[1]:.1f}, ratio {raw_condition:,.0f}")
print(f"scaled °C: curvatures {scaled_eigs[0]:.3f} and {scaled_eigs[1]:.3f}, ratio {scaled_condition:.2f}")
print(f"largest stable learning rate with raw °C: 2 / {raw_eigs[1]:.1f} = {raw_limit:.2e}")

# %% celsius_scaled
scaled_converter, scaled_losses = fit_line(C_scaled, F_train, lr=0.1, epochs=200)
assert all(map(math.isfinite, scaled_losses)) and scaled_losses[-1] < scaled_losses[0]

# F = w_s * (C - mean) / std + b_s  =  (w_s / std) * C + (b_s - w_s * mean / std)
w_s, b_s = scaled_converter.weight.item(), scaled_converter.bias.item()
scaled_w = w_s / C_std.item()
scaled_b = b_s - w_s * C_mean.item() / C_std.item()
print(f"after 200 epochs, back in °C units: F = {scaled_w:.4f} * C + {scaled_b:.4f}")


def first_epoch_below(losses, level=0.01):
    """The first epoch whose loss is below ``level``, or None if there is none.

    Examples:
        >>> first_epoch_below([1.0, 0.5, 0.005, 0.001])
        2
        >>> first_epoch_below([1.0, 0.5]) is None
        True
    """
    return next((k for k, v in enumerate(losses) if v < level), None)


raw_epoch, scaled_epoch = first_epoch_below(raw_losses), first_epoch_below(scaled_losses)
raw_text = "not within 5000 epochs" if raw_epoch is None else f"epoch {raw_epoch}"
print(f"first loss below 0.01: raw °C {raw_text}; standardized °C epoch {scaled_epoch}")

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
unseen = torch.tensor([[-25.0], [37.0], [150.0]])   # none of these is in C_train
with torch.no_grad():
    raw_guess = converter(unseen)
    scaled_guess = scaled_converter((unseen - C_mean) / C_std)
print(f"{'°C':>6} | {'exact °F':>8} | {'raw model':>9} | {'scaled model':>12}")
for c, g_raw, g_scaled in zip(unseen.flatten(), raw_guess.flatten(), scaled_guess.flatten()):
    print(f"{c.item():6.0f} | {1.8 * c.item() + 32:8.2f} | {g_raw.item():9.2f} | {g_scaled.item():12.2f}")

# %% ex_kelvin
K_train = torch.linspace(233.15, 373.15, 50).reshape(-1, 1)   # -40 °C to 100 °C in kelvin
F_from_K = 1.8 * K_train - 459.67

kelvin_limit = 2 / torch.linalg.eigvalsh(mse_curvature(K_train))[-1].item()
limit_ratio = raw_limit / kelvin_limit
print(f"largest stable lr, raw kelvin: {kelvin_limit:.2e}")
print(f"largest stable lr, raw °C:     {raw_limit:.2e} ({limit_ratio:.1f} times larger)")

K_mean, K_std = K_train.mean(), K_train.std()
kelvin_model, kelvin_losses = fit_line((K_train - K_mean) / K_std, F_from_K, lr=0.1, epochs=200)
assert math.isfinite(kelvin_losses[-1]) and kelvin_losses[-1] < 0.01

k_w, k_b = kelvin_model.weight.item(), kelvin_model.bias.item()
kelvin_w = k_w / K_std.item()
kelvin_b = k_b - k_w * K_mean.item() / K_std.item()
print(f"learned: F = {kelvin_w:.4f} * K - {-kelvin_b:.2f}   (exact: 1.8 and -459.67)")

# %% ex_batches
big_loader = DataLoader(TensorDataset(torch.randn(1000, 3)), batch_size=64, shuffle=True)
sizes = [len(batch) for (batch,) in big_loader]
print(f"batch_size=64: {len(sizes)} steps per epoch, last batch holds {sizes[-1]} samples")
dropping = DataLoader(TensorDataset(torch.randn(1000, 3)), batch_size=64, drop_last=True)
dropped_steps = len(dropping)
print(f"with drop_last=True: {dropped_steps} steps, {dropped_steps * 64} samples used per epoch")
ex_steps, ex_last = len(sizes), sizes[-1]

# %% ex_optimizer_steps
def distance_after(make_optimizer, slope, steps=3):
    """How far ``w`` moves in ``steps`` updates on the loss ``slope * w`` (a constant gradient).

    Args:
        make_optimizer: builds an optimizer from a list of parameters.
        slope: the constant gradient dL/dw.
        steps: number of updates.

    Returns:
        The start of ``w`` minus its end, as a float.

    Examples:
        >>> round(distance_after(lambda p: torch.optim.SGD(p, lr=0.1), slope=2.0), 4)   # 3 × 0.1 × 2
        0.6
        >>> round(distance_after(lambda p: torch.optim.Adam(p, lr=0.01), slope=1000.0), 4)   # about lr per step
        0.03
    """
    weight = torch.zeros(1, requires_grad=True)
    opt = make_optimizer([weight])
    for _ in range(steps):
        loss = (slope * weight).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return -weight.item()


sgd_move = distance_after(lambda p: torch.optim.SGD(p, lr=0.1), slope=1.0)
momentum_move = distance_after(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), slope=1.0)
adam_move = distance_after(lambda p: torch.optim.Adam(p, lr=0.01), slope=1.0)
adam_move_steep = distance_after(lambda p: torch.optim.Adam(p, lr=0.01), slope=1000.0)
print(f"SGD:              {sgd_move:.4f}")
print(f"SGD + momentum:   {momentum_move:.4f}")
print(f"Adam, slope 1:    {adam_move:.4f}")
print(f"Adam, slope 1000: {adam_move_steep:.4f}")
