"""Chapter 3, Gradient descent: follow the slope downhill, and the choices that decide how well it works.

Each ``# %% name`` cell is shown on the page docs/gradient_descent.md, with what it printed.
"""

# %% parabola
import copy
import math

import matplotlib.pyplot as plt
import torch

torch.manual_seed(0)


def parabola(x):
    """The bowl f(x) = (x - 5)², whose lowest point is at x = 5.

    Args:
        x (float | torch.Tensor): a number or a tensor.

    Returns:
        value (float | torch.Tensor): (x - 5) squared, of the same kind as ``x``.

    Examples:
        >>> parabola(5.0), parabola(0.0)   # the bottom, and our starting point
        (0.0, 25.0)
        >>> parabola(torch.tensor([4.0, 7.0]))
        tensor([1., 4.])
    """
    return (x - 5) ** 2


start = 0.0          # where the descent begins
learning_rate = 0.1  # α, the size of each step
steps = 20           # how many updates we make

# %% descend_parabola
x = torch.tensor(start, requires_grad=True)
path = [x.item()]  # x before the first step and after every step
gradients = []

print(f"{'step':>4}  {'x':>8}  {'f(x)':>8}  {'gradient':>9}")
for step in range(steps):
    loss = parabola(x)
    loss.backward()                # x.grad now holds f'(x) = 2(x - 5)
    gradients.append(x.grad.item())
    print(f"{step:4d}  {x.item():8.4f}  {loss.item():8.4f}  {x.grad.item():9.4f}")
    with torch.no_grad():          # the update itself is not part of f
        x -= learning_rate * x.grad
    x.grad.zero_()                 # gradients add up unless we clear them
    path.append(x.item())

final_x = x.item()
print(f"{steps:4d}  {final_x:8.4f}  {parabola(final_x):8.4f}")
assert math.isfinite(final_x) and parabola(final_x) < parabola(start)

# %% closed_form
shrink = 1 - 2 * learning_rate  # each step multiplies the distance to 5 by this
predicted_x = 5 + (start - 5) * shrink ** steps
print(f"each step multiplies x - 5 by 1 - 2α = {shrink:.1f}")
print(f"closed form, 5 + ({start:g} - 5) × {shrink:.1f}^{steps}: {predicted_x:.5f}")
print(f"gradient descent in float32 gave:  {final_x:.5f}")

# %% path_plot
curve_x = [-1 + 12 * i / 120 for i in range(121)]
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(curve_x, [parabola(v) for v in curve_x], color="0.6", label="f(x) = (x − 5)²")
ax.plot(path, [parabola(v) for v in path], "o-", color="C0", markersize=4, linewidth=1,
        label=f"{steps} steps with α = {learning_rate}")
ax.annotate("start", (path[0], parabola(path[0])), xytext=(8, 0), textcoords="offset points")
ax.annotate(f"after {steps} steps", (path[-1], parabola(path[-1])), xytext=(path[-1] + 1.5, 12),
            arrowprops={"arrowstyle": "->", "color": "0.3"})
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.set_title("Gradient descent on (x − 5)²: big steps first, then smaller")
ax.legend()
plt.show()

# %% learning_rates
def descend(f, start, learning_rate, steps):
    """Run plain gradient descent on a function of one number.

    Args:
        f (Callable): the function to minimise; it must accept a scalar tensor.
        start (float): the first x.
        learning_rate (float): the step size α.
        steps (int): how many updates to make.

    Returns:
        path (tuple[list[float], list[float]]): ``(xs, values)``, x before each step and after the
            last one, and f at each of those points: ``steps + 1`` floats each.

    Examples:
        >>> xs, values = descend(parabola, start=0.0, learning_rate=0.25, steps=3)
        >>> xs, values   # 1 - 2α = 0.5: each step halves the distance to 5
        ([0.0, 2.5, 3.75, 4.375], [25.0, 6.25, 1.5625, 0.390625])
    """
    x = torch.tensor(start, requires_grad=True)
    xs, values = [], []
    for _ in range(steps):
        value = f(x)
        xs.append(x.item())
        values.append(value.item())
        value.backward()
        with torch.no_grad():
            x -= learning_rate * x.grad
        x.grad.zero_()
    xs.append(x.item())
    values.append(f(x).item())
    return xs, values


rates = {"too small": 0.01, "about right": 0.1, "too large": 0.95, "divergent": 1.1}
runs = {name: descend(parabola, start, rate, steps) for name, rate in rates.items()}
final_losses = {name: values[-1] for name, (xs, values) in runs.items()}

print(f"{'':12} {'α':>5} {'1 - 2α':>7} {'x after 20':>11} {'f after 20':>11}")
for name, rate in rates.items():
    xs, values = runs[name]
    print(f"{name:12} {rate:5.2f} {1 - 2 * rate:7.2f} {xs[-1]:11.4f} {values[-1]:11.4f}")
assert all(math.isfinite(v) for v in final_losses.values())
assert final_losses["about right"] < final_losses["too small"] < runs["too small"][1][0]

# %% lr_curves
fig, ax = plt.subplots(figsize=(6.4, 3.6))
for name, rate in rates.items():
    ax.semilogy(runs[name][1], label=f"α = {rate} ({name})")
ax.set_xlabel("step")
ax.set_ylabel("f(x), log scale")
ax.set_title("The same problem with four learning rates")
ax.legend(fontsize=8)
plt.show()

# %% zigzag
for name in ["too large", "divergent"]:
    xs, _ = runs[name]
    print(f"α = {rates[name]}: x =", ", ".join(f"{v:.2f}" for v in xs[:7]), "...")

# %% predict_compare_learn
weight = 0.5        # the one weight of the model  pred = input_value × weight
input_value = 0.5   # one input (named so as not to hide Python's built-in input)
goal_pred = 0.8     # the answer we want the model to give

print(f"{'iter':>4}  {'weight':>7}  {'pred':>7}  {'error':>8}  {'(pred - goal) × input':>21}")
for iteration in range(20):
    pred = input_value * weight                                # predict
    error = (pred - goal_pred) ** 2                            # compare
    direction_and_amount = (pred - goal_pred) * input_value    # learn: sign and size of the change
    print(f"{iteration:4d}  {weight:7.4f}  {pred:7.4f}  {error:8.6f}  {direction_and_amount:21.6f}")
    weight = weight - direction_and_amount
print(f"final weight {weight:.4f}; the perfect weight is goal / input = {goal_pred / input_value:.4f}")
assert (input_value * weight - goal_pred) ** 2 < (input_value * 0.5 - goal_pred) ** 2

# %% pcl_is_gradient
w = torch.tensor(0.5, requires_grad=True)
squared_error = (input_value * w - goal_pred) ** 2
squared_error.backward()
first_step = (input_value * 0.5 - goal_pred) * input_value
print(f"(pred - goal) × input at weight 0.5: {first_step:.4f}")
print(f"autograd's d(error)/d(weight):       {w.grad.item():.4f}")
print(f"ratio: {w.grad.item() / first_step:.1f}, so the loop is gradient descent with α = 0.5")

# %% pcl_big_input
def predict_compare_learn(weight, input_value, goal_pred, iterations, alpha=1.0):
    """Trask's one-weight loop, with an optional learning rate ``alpha``.

    Args:
        weight (float): the starting weight.
        input_value (float): the single input.
        goal_pred (float): the prediction we want.
        iterations (int): how many updates to make.
        alpha (float): multiplies the step ``(pred - goal_pred) * input_value``.

    Returns:
        weights (list[float]): the weights, the starting one first.

    Examples:
        >>> [round(w, 4) for w in predict_compare_learn(0.5, 2.0, 0.8, 3)]   # the gap to 0.4 is × -3 each step
        [0.5, 0.1, 1.3, -2.3]
    """
    weights = [weight]
    for _ in range(iterations):
        pred = input_value * weight
        weight = weight - alpha * (pred - goal_pred) * input_value
        weights.append(weight)
    return weights


big_plain = predict_compare_learn(0.5, 2.0, 0.8, 6)
big_damped = predict_compare_learn(0.5, 2.0, 0.8, 6, alpha=0.1)
print(f"{'iter':>4}  {'alpha = 1':>12}  {'alpha = 0.1':>12}")
for i, (a, b) in enumerate(zip(big_plain, big_damped)):
    print(f"{i:4d}  {a:12.4f}  {b:12.4f}")
print(f"the perfect weight is {0.8 / 2.0:.1f}")
factor_small_input = 1 - 0.5 ** 2       # input 0.5, no alpha
factor_big_input = 1 - 2.0 ** 2         # input 2, no alpha
factor_big_damped = 1 - 0.1 * 2.0 ** 2  # input 2, alpha 0.1
print(f"distance to the perfect weight is multiplied each step by {factor_small_input:.2f} "
      f"(input 0.5), {factor_big_input:.2f} (input 2), {factor_big_damped:.2f} (input 2, alpha 0.1)")

# %% thermometer
celsius_true = torch.linspace(-5.0, 35.0, 12)
fahrenheit = celsius_true * 1.8 + 32                   # what our thermometer shows
celsius = celsius_true + 0.5 * torch.randn(12)         # careful but noisy reference readings

f_mean, f_std = fahrenheit.mean(), fahrenheit.std()
fahrenheit_std = (fahrenheit - f_mean) / f_std         # standardized: mean 0, standard deviation 1
print("raw inputs:         ", [round(v, 1) for v in fahrenheit.tolist()])
print("standardized inputs:", [round(v, 2) for v in fahrenheit_std.tolist()])
print("targets (°C):       ", [round(v, 1) for v in celsius.tolist()])

# %% first_gradients
def line_loss(w, b, inputs, targets):
    """Mean squared error of the line ``w * inputs + b``.

    Args:
        w (torch.Tensor): the slope.
        b (torch.Tensor): the intercept.
        inputs (torch.Tensor): a 1-D tensor of inputs.
        targets (torch.Tensor): the targets, the same length.

    Returns:
        loss (torch.Tensor): the mean of the squared errors, a scalar.

    Examples:
        >>> w, b = torch.tensor(2.0), torch.tensor(1.0)   # the line predicts 1 and 3; the errors are 0 and -2
        >>> line_loss(w, b, torch.tensor([0.0, 1.0]), torch.tensor([1.0, 5.0]))   # (0² + 2²) / 2
        tensor(2.)
    """
    return ((w * inputs + b - targets) ** 2).mean()


first_grads = {}
for name, inputs in [("raw", fahrenheit), ("standardized", fahrenheit_std)]:
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    line_loss(w, b, inputs, celsius).backward()
    first_grads[name] = (w.grad.item(), b.grad.item())
    print(f"{name:12}  dL/dw = {w.grad.item():9.2f}   dL/db = {b.grad.item():7.2f}   "
          f"ratio = {w.grad.item() / b.grad.item():6.2f}")
raw_ratio = first_grads["raw"][0] / first_grads["raw"][1]

# %% input_scale
def fit_line(inputs, targets, learning_rate, steps):
    """Fit ``targets ≈ w * inputs + b`` by full-batch gradient descent from w = b = 0.

    Args:
        inputs (torch.Tensor): a 1-D tensor of inputs.
        targets (torch.Tensor): a 1-D tensor of targets, the same length.
        learning_rate (float): the step size used for both parameters.
        steps (int): how many updates to make.

    Returns:
        fit (tuple[float, float, list[float]]): ``(w, b, losses)``, the final parameters and the
            loss before each step and after the last.

    Examples:
        >>> x = torch.tensor([-1.0, 0.0, 1.0])
        >>> w, b, losses = fit_line(x, 2 * x + 1, learning_rate=0.1, steps=200)
        >>> round(w, 3), round(b, 3), len(losses)   # the line 2x + 1, found again
        (2.0, 1.0, 201)
    """
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = line_loss(w, b, inputs, targets)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        w.grad.zero_()
        b.grad.zero_()
    losses.append(line_loss(w, b, inputs, targets).item())
    return w.item(), b.item(), losses


scale_steps = 100
raw_w, raw_b, raw_losses = fit_line(fahrenheit, celsius, 1e-4, scale_steps)
std_w, std_b, std_losses = fit_line(fahrenheit_std, celsius, 0.1, scale_steps)
_, _, raw_fast_losses = fit_line(fahrenheit, celsius, 3e-4, 20)

# Undo the standardization to read the standardized fit in degrees Fahrenheit.
std_w_per_f = std_w / f_std.item()
std_b_in_c = std_b - std_w * f_mean.item() / f_std.item()
print(f"{'':22} {'w per °F':>8} {'b':>8} {'first loss':>10} {'last loss':>10}")
for label, w_, b_, losses in [("raw, α = 1e-4", raw_w, raw_b, raw_losses),
                              ("standardized, α = 0.1", std_w_per_f, std_b_in_c, std_losses)]:
    print(f"{label:22} {w_:8.4f} {b_:8.4f} {losses[0]:10.2f} {losses[-1]:10.4f}")
print(f"{'exact conversion':22} {5 / 9:8.4f} {-160 / 9:8.4f}")
print(f"raw, α = 3e-4: the loss grows from {raw_fast_losses[0]:.2f} to {raw_fast_losses[-1]:.3g} in 20 steps")
assert all(math.isfinite(v) for v in raw_losses + std_losses)
assert raw_losses[-1] < raw_losses[0] and std_losses[-1] < std_losses[0]

# %% input_scale_plot
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.semilogy(raw_losses, label="raw °F inputs, α = 1e-4")
ax.semilogy(std_losses, label="standardized inputs, α = 0.1")
ax.set_xlabel("step")
ax.set_ylabel("mean squared error, log scale")
ax.set_title("One learning rate for w and b: raw inputs stall")
ax.legend()
plt.show()

# %% two_minima
def two_minima(x):
    """A curve with two valleys: f(x) = x⁴ - 3x² + x.

    The deeper (global) minimum is near x = -1.30, the shallower (local) one near x = 1.13,
    and a hump near x = 0.17 separates them.

    Args:
        x (float | torch.Tensor): a number or a tensor.

    Returns:
        value (float | torch.Tensor): x⁴ - 3x² + x, of the same kind as ``x``.

    Examples:
        >>> two_minima(1.0), two_minima(-1.0)   # the left valley is the deeper one
        (-1.0, -3.0)
    """
    return x ** 4 - 3 * x ** 2 + x


two_minima_starts = [-2.0, 2.0]   # one start on each side of the hump
two_minima_learning_rate = 0.02
two_minima_steps = 60

plain_runs = {s: descend(two_minima, s, two_minima_learning_rate, two_minima_steps)
              for s in two_minima_starts}
for s, (xs, values) in plain_runs.items():
    print(f"start {s:5.1f}  ->  x = {xs[-1]:7.4f}   f(x) = {values[-1]:7.4f}")
    assert math.isfinite(values[-1]) and values[-1] < values[0]
left_end, right_end = plain_runs[-2.0][0][-1], plain_runs[2.0][0][-1]

# %% two_minima_plot
grid = [-2.2 + 4.4 * i / 150 for i in range(151)]
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(grid, [two_minima(v) for v in grid], color="0.6", label="f(x) = x⁴ − 3x² + x")
for colour, (s, (xs, values)) in zip(["C0", "C3"], plain_runs.items()):
    ax.plot(xs, values, "o-", color=colour, markersize=3, linewidth=1, label=f"start at x = {s:g}")
ax.set_ylim(-4.5, 8)
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.set_title("Two starts, two different valleys")
ax.legend()
plt.show()

# %% momentum
def descend_with_momentum(f, start, learning_rate, steps, momentum):
    """Gradient descent with momentum, using torch.optim.SGD.

    Args:
        f (Callable): the function to minimise; it must accept a scalar tensor.
        start (float): the first x.
        learning_rate (float): the step size α.
        steps (int): how many updates to make.
        momentum (float): the fraction μ of the previous velocity kept at each step.

    Returns:
        path (tuple[list[float], list[float]]): ``(xs, values)``, as in ``descend``.

    Examples:
        >>> descend_with_momentum(parabola, 0.0, 0.25, 3, momentum=0.0)[0]   # μ = 0: plain descent
        [0.0, 2.5, 3.75, 4.375]
        >>> descend_with_momentum(parabola, 0.0, 0.25, 3, momentum=0.5)[0]   # the velocity carries it past 5
        [0.0, 2.5, 5.0, 6.25]
    """
    x = torch.tensor(start, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=learning_rate, momentum=momentum)
    xs, values = [], []
    for _ in range(steps):
        optimizer.zero_grad()
        value = f(x)
        xs.append(x.item())
        values.append(value.item())
        value.backward()
        optimizer.step()
    xs.append(x.item())
    values.append(f(x).item())
    return xs, values


momentum = 0.8
momentum_runs = {
    s: descend_with_momentum(two_minima, s, two_minima_learning_rate, two_minima_steps, momentum)
    for s in two_minima_starts
}
print(f"{'start':>5}  {'plain: x':>9}  {'momentum 0.8: x':>16}")
for s in two_minima_starts:
    print(f"{s:5.1f}  {plain_runs[s][0][-1]:9.4f}  {momentum_runs[s][0][-1]:16.4f}")
    assert math.isfinite(momentum_runs[s][1][-1]) and momentum_runs[s][1][-1] < momentum_runs[s][1][0]
momentum_end = momentum_runs[2.0][0][-1]

# %% momentum_plot
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(plain_runs[2.0][0], label="plain gradient descent", color="C3")
ax.plot(momentum_runs[2.0][0], label=f"momentum {momentum}", color="C2")
ax.axhline(left_end, color="0.6", linestyle="--", linewidth=1)
ax.axhline(right_end, color="0.6", linestyle=":", linewidth=1)
ax.text(two_minima_steps, left_end + 0.1, "global minimum", ha="right", fontsize=8)
ax.text(two_minima_steps, right_end + 0.1, "local minimum", ha="right", fontsize=8)
ax.set_xlabel("step")
ax.set_ylabel("x")
ax.set_title("Starting at x = 2: momentum rolls over the hump")
ax.legend(loc="center right")
plt.show()

# %% momentum_no_guarantee
risky_xs, _ = descend_with_momentum(two_minima, -2.0, 0.05, two_minima_steps, momentum)
print(f"start -2.0, α = 0.05, momentum {momentum}: ends at x = {risky_xs[-1]:.4f}")

# %% schedule
readings = 5 + 2 * torch.randn(20)  # noisy measurements; the best single estimate is their mean
best = readings.mean().item()


def estimate_mean(use_schedule, epochs=10):
    """Estimate the mean of ``readings`` by SGD on (m - reading)², one reading per step.

    Args:
        use_schedule (bool): if True, halve the learning rate every 2 epochs with StepLR.
        epochs (int): passes over the 20 readings.

    Returns:
        history (list[tuple[int, float, float]]): (epoch, learning rate used, m at the end of the epoch).

    Examples:
        >>> [lr for epoch, lr, m in estimate_mean(use_schedule=True, epochs=4)]   # halved after every 2 epochs
        [0.2, 0.2, 0.1, 0.1]
    """
    m = torch.tensor(0.0, requires_grad=True)
    optimizer = torch.optim.SGD([m], lr=0.2)
    scheduler = None
    if use_schedule:
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    order = torch.Generator().manual_seed(1)  # both runs see the readings in the same order
    history = []
    for epoch in range(epochs):
        lr_used = optimizer.param_groups[0]["lr"]
        for i in torch.randperm(len(readings), generator=order).tolist():
            optimizer.zero_grad()
            loss = (m - readings[i]) ** 2
            loss.backward()
            optimizer.step()
        if scheduler is not None:
            scheduler.step()  # once per epoch, after the epoch's updates
        history.append((epoch, lr_used, m.item()))
    return history


constant_history = estimate_mean(use_schedule=False)
scheduled_history = estimate_mean(use_schedule=True)
print(f"mean of the readings: {best:.4f}")
print(f"{'epoch':>5}  {'constant lr':>11}  {'|m - mean|':>10}   {'StepLR lr':>9}  {'|m - mean|':>10}")
for (epoch, lr_c, m_c), (_, lr_s, m_s) in zip(constant_history, scheduled_history):
    print(f"{epoch:5d}  {lr_c:11.4f}  {abs(m_c - best):10.4f}   {lr_s:9.4f}  {abs(m_s - best):10.4f}")
constant_error = abs(constant_history[-1][2] - best)
scheduled_error = abs(scheduled_history[-1][2] - best)
assert math.isfinite(scheduled_error) and scheduled_error < abs(0.0 - best)

# %% optimizers
sine_x = torch.linspace(-3, 3, 64).unsqueeze(1)
sine_y = torch.sin(sine_x)
template = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))


def train(make_optimizer, steps=500):
    """Fit the sine data with a copy of ``template``, full batch.

    Args:
        make_optimizer (Callable): called with the copy's parameters, returns a torch optimizer.
        steps (int): how many updates to make.

    Returns:
        run (tuple[torch.nn.Module, list[float]]): ``(model, losses)``, the trained copy and the
            loss before each step.

    Examples:
        >>> model, losses = train(lambda params: torch.optim.Adam(params, lr=0.01), steps=3)
        >>> len(losses), losses[0] == optimizer_losses["SGD"][0]   # every run starts from the same weights
        (3, True)
    """
    model = copy.deepcopy(template)  # every optimizer starts from the same weights
    optimizer = make_optimizer(model.parameters())
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(sine_x) - sine_y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return model, losses


optimizers = {
    "SGD": lambda p: torch.optim.SGD(p, lr=0.1),
    "SGD + momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "Adam": lambda p: torch.optim.Adam(p, lr=0.01),
}
settings = {"SGD": "lr 0.1", "SGD + momentum": "lr 0.1, momentum 0.9", "Adam": "lr 0.01"}
optimizer_runs = {name: train(make) for name, make in optimizers.items()}
optimizer_losses = {name: losses for name, (model, losses) in optimizer_runs.items()}
print(f"{'optimizer':16} {'settings':21} {'step 0':>7} {'step 100':>9} {'step 499':>9}")
for name, losses in optimizer_losses.items():
    print(f"{name:16} {settings[name]:21} {losses[0]:7.4f} {losses[100]:9.5f} {losses[-1]:9.5f}")
    assert math.isfinite(losses[-1]) and losses[-1] < losses[0]

# %% optimizers_plot
fig, ax = plt.subplots(figsize=(6.4, 3.6))
for name, losses in optimizer_losses.items():
    every_fourth = range(0, len(losses), 4)  # every fourth step keeps the figure small
    ax.semilogy(every_fourth, losses[::4], label=f"{name} ({settings[name]})")
ax.set_xlabel("step")
ax.set_ylabel("mean squared error, log scale")
ax.set_title("Fitting sin(x) with a 16-unit network")
ax.legend()
plt.show()

# %% minima_and_step_size
small_step_xs, _ = descend(two_minima, 2.0, 0.01, 100)
big_step_xs, _ = descend(two_minima, 2.0, 0.1, 100)
for rate, xs in [(0.01, small_step_xs), (0.1, big_step_xs)]:
    valley = "global" if xs[-1] < 0 else "local"
    print(f"start 2.0, α = {rate:<4}: first step to x = {xs[1]:7.4f}, "
          f"ends at x = {xs[-1]:7.4f} ({valley} minimum)")

# %% ex_predict_solution
ex_xs, _ = descend(parabola, 0.0, 0.25, 3)
ex_answer = ex_xs[-1]
print(f"x after each step: {[round(v, 4) for v in ex_xs]}")

# %% ex_mirror_solution
mirror_xs, mirror_values = descend(parabola, start, 0.9, steps)
mirror_loss = mirror_values[-1]
print(f"α = 0.9: x after 20 steps = {mirror_xs[-1]:.4f}, f = {mirror_loss:.4f}")
about_right_xs = runs["about right"][0]
print(f"α = 0.1: x after 20 steps = {about_right_xs[-1]:.4f}, f = {final_losses['about right']:.4f}")
print("α = 0.9, first five steps: x =", [round(v, 3) for v in mirror_xs[:6]])

# %% ex_threshold_solution
def steep_bowl(x):
    """The bowl 3(x - 5)², three times steeper than ``parabola``.

    Args:
        x (float | torch.Tensor): a number or a tensor.

    Returns:
        value (float | torch.Tensor): 3(x - 5)², of the same kind as ``x``.

    Examples:
        >>> steep_bowl(4.0), parabola(4.0)
        (3.0, 1.0)
    """
    return 3 * (x - 5) ** 2


for rate in [0.1, 0.2, 0.3, 0.33, 0.34, 0.4]:
    xs, _ = descend(steep_bowl, 0.0, rate, 50)
    verdict = "closer than the start" if abs(xs[-1] - 5) < 5 else "farther than the start"
    print(f"α = {rate:4.2f}: 1 - 6α = {1 - 6 * rate:5.2f}, "
          f"|x - 5| after 50 steps = {abs(xs[-1] - 5):10.4g}  {verdict}")

# %% ex_momentum_solution
def momentum_by_hand(f, start, learning_rate, steps, momentum):
    """Momentum written out: v ← μ·v + f'(x), then x ← x - α·v (v starts at 0).

    Args:
        f (Callable): the function to minimise; it must accept a scalar tensor.
        start (float): the first x.
        learning_rate (float): the step size α.
        steps (int): how many updates to make.
        momentum (float): μ.

    Returns:
        xs (list[float]): the x values, the start first.

    Examples:
        >>> momentum_by_hand(parabola, 0.0, 0.25, 3, momentum=0.5)   # as descend_with_momentum gives
        [0.0, 2.5, 5.0, 6.25]
    """
    x, velocity, xs = start, 0.0, [start]
    for _ in range(steps):
        xt = torch.tensor(x, requires_grad=True)
        f(xt).backward()
        velocity = momentum * velocity + xt.grad.item()
        x = x - learning_rate * velocity
        xs.append(x)
    return xs


by_hand = momentum_by_hand(two_minima, 2.0, two_minima_learning_rate, two_minima_steps, momentum)
largest_gap = max(abs(a - b) for a, b in zip(by_hand, momentum_runs[2.0][0]))
print(f"by hand ends at x = {by_hand[-1]:.4f}; torch.optim.SGD ended at {momentum_runs[2.0][0][-1]:.4f}")
print(f"largest difference along the way: {largest_gap:.1e}")

# %% ex_adam_solution
def fit_line_adam(inputs, targets, learning_rate, steps):
    """Fit ``targets ≈ w * inputs + b`` with Adam, starting from w = b = 0.

    Args:
        inputs (torch.Tensor): a 1-D tensor of inputs.
        targets (torch.Tensor): the targets, the same length.
        learning_rate (float): Adam's learning rate.
        steps (int): how many updates to make.

    Returns:
        fit (tuple[float, float, float]): ``(w, b, final loss)``.

    Examples:
        >>> x = torch.tensor([-1.0, 0.0, 1.0])
        >>> w, b, loss = fit_line_adam(x, 2 * x + 1, learning_rate=0.1, steps=300)
        >>> round(w, 3), round(b, 3)
        (2.0, 1.0)
    """
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    optimizer = torch.optim.Adam([w, b], lr=learning_rate)
    for _ in range(steps):
        optimizer.zero_grad()
        line_loss(w, b, inputs, targets).backward()
        optimizer.step()
    return w.item(), b.item(), line_loss(w, b, inputs, targets).item()


adam_w, adam_b, adam_loss = fit_line_adam(fahrenheit, celsius, 0.5, 300)
print(f"Adam on raw °F inputs: w = {adam_w:.4f}, b = {adam_b:.4f}, loss = {adam_loss:.4f}")
print(f"plain SGD on raw inputs after {scale_steps} steps: loss = {raw_losses[-1]:.4f}")
assert math.isfinite(adam_loss) and adam_loss < raw_losses[-1]
