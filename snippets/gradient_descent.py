"""Chapter 3, Gradient descent: follow the slope downhill, and the choices that decide how well it works.

Each ``# %% name`` cell is shown on the page docs/gradient_descent.md, with what it printed.
"""

# %% parabola
import math

import matplotlib.pyplot as plt
import torch

torch.manual_seed(0)


def parabola(x):
    """The bowl f(x) = (x - 5)², whose lowest point is at x = 5.

    Args:
        x (float | torch.Tensor): a number or a tensor.
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
print(f"final x = {final_x:.6f} (target 5)")
assert math.isfinite(final_x) and parabola(final_x) < parabola(start)

# %% closed_form
shrink = 1 - 2 * learning_rate  # each step multiplies the distance to 5 by this
predicted_x = 5 + (start - 5) * shrink ** steps
print(f"each step multiplies x - 5 by 1 - 2α = {shrink:.1f}")
print(f"closed form, 5 + ({start:g} - 5) × {shrink:.1f}^{steps}: {predicted_x:.6f}")
print(f"gradient descent in float32 gave:  {final_x:.6f}")

# %% path_plot
curve_x = [-1 + 12 * i / 120 for i in range(121)]
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(curve_x, [parabola(v) for v in curve_x], color="0.6", label="f(x) = (x − 5)²")
ax.plot(path, [parabola(v) for v in path], "o-", color="C0", markersize=4, linewidth=1,
        label=f"{steps} steps with α = {learning_rate}")
ax.annotate("start", (path[0], parabola(path[0])), xytext=(8, 0), textcoords="offset points")
ax.annotate(f"after {steps} steps", (path[-1], parabola(path[-1])), xytext=(path[-1] + 1.5, 12),
            arrowprops={"arrowstyle": "->", "color": "0.5"})
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.set_title("Gradient descent on (x − 5)²: big steps first, then smaller")
ax.legend()
plt.show()

# %% learning_rates
def descend(f, start, learning_rate, steps):
    """Run plain gradient descent on a function of one number; return ``(xs, values)`` along the way.

    Args:
        f (Callable): the function to minimise; it must accept a scalar tensor.
        start (float): the first x.
        learning_rate (float): the step size α.
        steps (int): how many updates to make.
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
ax.minorticks_off()  # only the ticks at powers of ten
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
    """Run the one-weight predict-compare-learn loop and return the weights, the starting one first.

    Args:
        weight (float): the starting weight.
        input_value (float): the single input.
        goal_pred (float): the prediction we want.
        iterations (int): how many updates to make.
        alpha (float): multiplies the step ``(pred - goal_pred) * input_value``.
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
print("each step multiplies the distance to the perfect weight by")
print(f"{factor_small_input:.2f} (input 0.5), {factor_big_input:.2f} (input 2), "
      f"{factor_big_damped:.2f} (input 2, alpha 0.1)")

# %% thermometer
celsius_true = torch.linspace(-5.0, 35.0, 12)          # 12 evenly spaced temperatures from -5 to 35
fahrenheit = celsius_true * 1.8 + 32                   # what our thermometer shows
celsius = celsius_true + 0.5 * torch.randn(12)         # careful but noisy reference readings

f_mean, f_std = fahrenheit.mean(), fahrenheit.std()
fahrenheit_std = (fahrenheit - f_mean) / f_std         # standardized: mean 0, standard deviation 1
print("raw (°F):    ", [round(v, 1) for v in fahrenheit.tolist()])
print("standardized:", [round(v, 2) for v in fahrenheit_std.tolist()])
print("targets (°C):", [round(v, 1) for v in celsius.tolist()])

# %% first_gradients
def line_loss(w, b, inputs, targets):
    """Mean squared error of the line ``w * inputs + b``.

    Args:
        w (torch.Tensor): the slope.
        b (torch.Tensor): the intercept.
        inputs (torch.Tensor): a 1-D tensor of inputs.
        targets (torch.Tensor): the targets, the same length.
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
    """Fit ``targets ≈ w * inputs + b`` by gradient descent from w = b = 0; return ``(path, losses)``.

    Args:
        inputs (torch.Tensor): a 1-D tensor of inputs.
        targets (torch.Tensor): a 1-D tensor of targets, the same length.
        learning_rate (float): the step size used for both parameters.
        steps (int): how many updates to make.
    """
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    path, losses = [], []  # (w, b) and the loss before each step and after the last
    for _ in range(steps):
        loss = line_loss(w, b, inputs, targets)
        path.append([w.item(), b.item()])
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        w.grad.zero_()
        b.grad.zero_()
    path.append([w.item(), b.item()])
    losses.append(line_loss(w, b, inputs, targets).item())
    return torch.tensor(path), losses


scale_steps = 100
raw_path, raw_losses = fit_line(fahrenheit, celsius, 1e-4, scale_steps)
std_path, std_losses = fit_line(fahrenheit_std, celsius, 0.1, scale_steps)
raw_w, raw_b = raw_path[-1].tolist()
std_w, std_b = std_path[-1].tolist()

# Undo the standardization to read the standardized fit in degrees Fahrenheit.
std_w_per_f = std_w / f_std.item()
std_b_in_c = std_b - std_w * f_mean.item() / f_std.item()
print(f"{'':22} {'w per °F':>8} {'b':>8} {'first loss':>10} {'last loss':>10}")
for label, w_, b_, losses in [("raw, α = 1e-4", raw_w, raw_b, raw_losses),
                              ("standardized, α = 0.1", std_w_per_f, std_b_in_c, std_losses)]:
    print(f"{label:22} {w_:8.4f} {b_:8.4f} {losses[0]:10.2f} {losses[-1]:10.4f}")
print(f"{'exact conversion':22} {5 / 9:8.4f} {-160 / 9:8.4f}")
assert all(math.isfinite(v) for v in raw_losses + std_losses)
assert raw_losses[-1] < raw_losses[0] and std_losses[-1] < std_losses[0]

# %% input_scale_plot
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.semilogy(raw_losses, label="raw °F inputs, α = 1e-4")
ax.semilogy(std_losses, label="standardized inputs, α = 0.1")
ax.minorticks_off()  # only the ticks at powers of ten
ax.set_xlabel("step")
ax.set_ylabel("mean squared error, log scale")
ax.set_title("One learning rate for w and b: raw inputs stall")
ax.legend()
plt.show()

# %% curvature
def line_hessian(inputs):
    """The Hessian of ``line_loss`` with respect to (w, b), worked out by hand, in float64.

    Args:
        inputs (torch.Tensor): a 1-D tensor of inputs (the targets do not matter).
    """
    x = inputs.double()
    # L = mean((w·x + b - y)²): ∂²L/∂w² = 2·mean(x²), ∂²L/∂w∂b = 2·mean(x), ∂²L/∂b² = 2.
    return torch.tensor([[2 * (x ** 2).mean().item(), 2 * x.mean().item()],
                         [2 * x.mean().item(), 2.0]], dtype=torch.float64)


def gradient_at(w, b, inputs):
    """Autograd's gradient (∂L/∂w, ∂L/∂b) of ``line_loss`` at (w, b), in float64.

    Args:
        w (float): the slope.
        b (float): the intercept.
        inputs (torch.Tensor): a 1-D tensor of inputs.
    """
    w = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    line_loss(w, b, inputs.double(), celsius.double()).backward()
    return torch.tensor([w.grad.item(), b.grad.item()], dtype=torch.float64)


hessian = line_hessian(fahrenheit)
# The loss is quadratic, so its gradient changes linearly: a unit step in w changes the
# gradient by exactly the first column of the Hessian, a unit step in b by the second.
at_origin = gradient_at(0.0, 0.0, fahrenheit)
columns = [gradient_at(1.0, 0.0, fahrenheit) - at_origin,
           gradient_at(0.0, 1.0, fahrenheit) - at_origin]
print("Hessian by hand:    ", [[round(v, 2) for v in row] for row in hessian.tolist()])
print("autograd's columns: ", [[round(v, 2) for v in col.tolist()] for col in columns])

curvatures = {}
for name, inputs in [("raw", fahrenheit), ("standardized", fahrenheit_std)]:
    # eigvalsh: the eigenvalues of a symmetric matrix, smallest first
    smallest, largest = torch.linalg.eigvalsh(line_hessian(inputs)).tolist()
    curvatures[name] = (smallest, largest)
    print(f"{name:12}  λ_min {smallest:6.4f}  λ_max {largest:7.2f}  "
          f"λ_max/λ_min {largest / smallest:7.1f}  2/λ_max {2 / largest:.4g}")
safe_rate = 2 / curvatures["raw"][1]  # the largest safe learning rate on raw inputs
raw_condition = curvatures["raw"][1] / curvatures["raw"][0]
print(f"the α = 1e-4 used above is {1e-4 / safe_rate:.0%} of the limit {safe_rate:.4g}")

# %% edge_runs
edge_rates = {"0.95 × limit": 0.95 * safe_rate, "1.05 × limit": 1.05 * safe_rate}
edge_runs = {name: fit_line(fahrenheit, celsius, rate, scale_steps)
             for name, rate in edge_rates.items()}
checkpoints = [0, 1, 2, 3, 10, 50, 100]
print(f"{'step':>12}" + "".join(f"{n:>10}" for n in checkpoints))
for name, (run_path, losses) in edge_runs.items():
    print(f"{name:>12}" + "".join(f"{losses[n]:10.4g}" for n in checkpoints))
below_losses, above_losses = edge_runs["0.95 × limit"][1], edge_runs["1.05 × limit"][1]
floor_factor = 1 - 2 / raw_condition  # along the valley floor, the best any safe α can do
floor_remaining = floor_factor ** scale_steps
print(f"along the floor each step keeps at least 1 - 2 λ_min / λ_max = {floor_factor:.5f}")
print(f"of the distance; after {scale_steps} steps, at least {floor_remaining:.3f} of it")
assert math.isfinite(below_losses[-1]) and below_losses[-1] < below_losses[0] < above_losses[-1]

# %% bowl_plot
def loss_surface(inputs, w_values, b_values):
    """``line_loss`` on a grid: one row per b, one column per w.

    Args:
        inputs (torch.Tensor): a 1-D tensor of inputs; the targets are ``celsius``.
        w_values (torch.Tensor): the slopes, a 1-D tensor.
        b_values (torch.Tensor): the intercepts, a 1-D tensor.
    """
    # Broadcasting: (len(b), 1, 1) and (1, len(w), 1) against the inputs on the last dim.
    predictions = w_values[None, :, None] * inputs + b_values[:, None, None]
    return ((predictions - celsius) ** 2).mean(dim=-1)


levels = [1, 10, 100, 1000]  # the loss on each contour line
shown_steps = 40  # the first steps tell the story; the rest bunch up on the same spots
panels = [("raw °F inputs", fahrenheit, edge_runs["0.95 × limit"][0], "α = 0.95 × 2/λ_max",
           torch.linspace(-0.05, 0.75, 41), torch.linspace(-20, 3, 41), (std_w_per_f, std_b_in_c)),
          ("standardized inputs", fahrenheit_std, std_path, "α = 0.1",
           torch.linspace(-3, 20, 41), torch.linspace(-3, 20, 41), (std_w, std_b))]
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, (title, inputs, run_path, label, w_values, b_values, lowest) in zip(axes, panels):
    surface = loss_surface(inputs, w_values, b_values)
    contours = ax.contour(w_values.tolist(), b_values.tolist(), surface.tolist(), levels=levels,
                          colors="0.6", linewidths=0.8)
    ax.clabel(contours, fontsize=7, fmt="%g")
    first = run_path[:shown_steps + 1]
    ax.plot(first[:, 0].tolist(), first[:, 1].tolist(), "o-", color="C3", markersize=2.5,
            linewidth=0.8, label=f"gradient descent, {label}")
    ax.plot(*lowest, "*", color="0.4", markersize=9, label="the minimum")
    ax.set_title(title)
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    ax.legend(loc="center left" if ax is axes[0] else "lower right", fontsize=8)
fig.suptitle(f"The loss over (w, b), with the first {shown_steps} steps of gradient descent from (0, 0)")
fig.tight_layout()
plt.show()

# %% by_hand
def thermometer_loss(params):
    """``line_loss`` of the line params[0] · °F + params[1] on the raw thermometer readings.

    Args:
        params (torch.Tensor): the two parameters (w, b) in one tensor.
    """
    return line_loss(params[0], params[1], fahrenheit, celsius)


def descend_by_hand(update, steps, **settings):
    """Minimise ``thermometer_loss`` from w = b = 0 by hand; return the path of (w, b).

    Args:
        update (Callable): called as ``update(params, grad, state, step, **settings)``
            under ``torch.no_grad()``, with ``grad`` the gradient of ``params`` and
            ``step`` counted from 1; it changes ``params`` in place and keeps what it
            remembers between steps in the dictionary ``state``.
        steps (int): how many updates to make.
        **settings: the learning rate and any other settings of ``update``.
    """
    params = torch.zeros(2, requires_grad=True)
    state = {}
    path = [params.tolist()]
    for step in range(1, steps + 1):
        thermometer_loss(params).backward()
        with torch.no_grad():
            update(params, params.grad, state, step, **settings)
        params.grad.zero_()
        path.append(params.tolist())
    return torch.tensor(path)


def sgd_update(params, grad, state, step, lr):
    """Plain gradient descent: θ ← θ - α·g.

    Args:
        params (torch.Tensor): the parameters, changed in place.
        grad (torch.Tensor): their gradient g.
        state (dict): unused; plain gradient descent remembers nothing.
        step (int): unused.
        lr (float): the learning rate α.
    """
    params -= lr * grad


sgd_rate = 0.95 * safe_rate
sgd_by_hand = descend_by_hand(sgd_update, 3, lr=sgd_rate)
print("by hand:", [[round(v, 6) for v in point] for point in sgd_by_hand.tolist()])

# %% torch_optim
def descend_with(optimizer_class, steps, **settings):
    """The same descent as ``descend_by_hand``, with a ``torch.optim`` optimizer.

    Args:
        optimizer_class (type): for example ``torch.optim.SGD``.
        steps (int): how many updates to make.
        **settings: passed to the optimizer, for example ``lr=0.1``.
    """
    params = torch.zeros(2, requires_grad=True)
    optimizer = optimizer_class([params], **settings)  # a list of the tensors it may change
    path = [params.tolist()]
    for _ in range(steps):
        optimizer.zero_grad()                # clears params.grad (sets it to None)
        thermometer_loss(params).backward()
        optimizer.step()                     # the update, under no_grad, inside the optimizer
        path.append(params.tolist())
    return torch.tensor(path)


sgd_torch = descend_with(torch.optim.SGD, 3, lr=sgd_rate)
print("torch: ", [[round(v, 6) for v in point] for point in sgd_torch.tolist()])
print(f"largest difference: {(sgd_by_hand - sgd_torch).abs().max().item():.1e}")

# %% momentum_by_hand
def momentum_update(params, grad, state, step, lr, momentum):
    """Gradient descent with momentum: v ← μ·v + g, then θ ← θ - α·v.

    Args:
        params (torch.Tensor): the parameters, changed in place.
        grad (torch.Tensor): their gradient g.
        state (dict): holds the velocity v between steps.
        step (int): the step number, counted from 1.
        lr (float): the learning rate α.
        momentum (float): μ, the share of the old velocity kept at each step.
    """
    if step == 1:
        state["velocity"] = torch.zeros(params.shape)  # the walker starts at rest
    state["velocity"] = momentum * state["velocity"] + grad
    params -= lr * state["velocity"]


check_steps = 5  # how many steps each hand-written rule is checked against torch.optim
mine = descend_by_hand(momentum_update, check_steps, lr=sgd_rate, momentum=0.9)
theirs = descend_with(torch.optim.SGD, check_steps, lr=sgd_rate, momentum=0.9)
momentum_gap = (mine - theirs).abs().max().item()
print(f"by hand against torch.optim.SGD(momentum=0.9) over {check_steps} steps:")
print(f"largest difference {momentum_gap:.1e}")

# %% adagrad
def adagrad_update(params, grad, state, step, lr, eps=1e-10):
    """AdaGrad: s ← s + g², then θ ← θ - α·g / (√s + ε), one s for each parameter.

    Args:
        params (torch.Tensor): the parameters, changed in place.
        grad (torch.Tensor): their gradient g.
        state (dict): holds the running sum s of squared gradients.
        step (int): the step number, counted from 1.
        lr (float): the learning rate α.
        eps (float): ε, keeps the division safe when s is 0.
    """
    if step == 1:
        state["sum_sq"] = torch.zeros(params.shape)
    state["sum_sq"] = state["sum_sq"] + grad ** 2
    params -= lr * grad / (state["sum_sq"].sqrt() + eps)


mine = descend_by_hand(adagrad_update, check_steps, lr=1.0)
theirs = descend_with(torch.optim.Adagrad, check_steps, lr=1.0)
adagrad_gap = (mine - theirs).abs().max().item()
print(f"by hand against torch.optim.Adagrad over {check_steps} steps:")
print(f"largest difference {adagrad_gap:.1e}")

# %% rmsprop
def rmsprop_update(params, grad, state, step, lr, alpha=0.99, eps=1e-8):
    """RMSProp: s ← ρ·s + (1 - ρ)·g², then θ ← θ - α·g / (√s + ε).

    Args:
        params (torch.Tensor): the parameters, changed in place.
        grad (torch.Tensor): their gradient g.
        state (dict): holds the running average s of squared gradients.
        step (int): the step number, counted from 1.
        lr (float): the learning rate α.
        alpha (float): ρ, how much of the old average survives each step.
        eps (float): ε, keeps the division safe when s is 0.
    """
    if step == 1:
        state["mean_sq"] = torch.zeros(params.shape)
    state["mean_sq"] = alpha * state["mean_sq"] + (1 - alpha) * grad ** 2
    params -= lr * grad / (state["mean_sq"].sqrt() + eps)


mine = descend_by_hand(rmsprop_update, check_steps, lr=0.1)
theirs = descend_with(torch.optim.RMSprop, check_steps, lr=0.1)
rmsprop_gap = (mine - theirs).abs().max().item()
print(f"by hand against torch.optim.RMSprop over {check_steps} steps:")
print(f"largest difference {rmsprop_gap:.1e}")

# %% adam
def adam_update(params, grad, state, step, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam: averages m of g and v of g², corrected, then θ ← θ - α·m̂ / (√v̂ + ε).

    Args:
        params (torch.Tensor): the parameters, changed in place.
        grad (torch.Tensor): their gradient g.
        state (dict): holds m and v between steps.
        step (int): the step number t, counted from 1.
        lr (float): the learning rate α.
        beta1 (float): β₁, how much of the old m survives each step.
        beta2 (float): β₂, how much of the old v survives each step.
        eps (float): ε, keeps the division safe when v is 0.
    """
    if step == 1:
        state["m"] = torch.zeros(params.shape)
        state["v"] = torch.zeros(params.shape)
    state["m"] = beta1 * state["m"] + (1 - beta1) * grad
    state["v"] = beta2 * state["v"] + (1 - beta2) * grad ** 2
    # Both averages start at 0; dividing undoes that pull towards 0.
    m_hat = state["m"] / (1 - beta1 ** step)
    v_hat = state["v"] / (1 - beta2 ** step)
    params -= lr * m_hat / (v_hat.sqrt() + eps)


adam_rate = 0.5
adam_by_hand = descend_by_hand(adam_update, check_steps, lr=adam_rate)
adam_torch = descend_with(torch.optim.Adam, check_steps, lr=adam_rate)
print(f"{'step':>4}  {'w by hand':>10} {'w, torch':>10}  {'b by hand':>10} {'b, torch':>10}"
      f"  {'difference':>10}")
for step, (mine, theirs) in enumerate(zip(adam_by_hand.tolist(), adam_torch.tolist())):
    gap = max(abs(a - b) for a, b in zip(mine, theirs))
    print(f"{step:4d}  {mine[0]:10.6f} {theirs[0]:10.6f}  {mine[1]:10.6f} {theirs[1]:10.6f}"
          f"  {gap:10.1e}")
adam_gap = (adam_by_hand - adam_torch).abs().max().item()

# %% compare_optimizers
comparison_steps = 200
contenders = {  # name: (torch.optim class, its settings)
    "SGD": (torch.optim.SGD, {"lr": sgd_rate}),
    "momentum": (torch.optim.SGD, {"lr": sgd_rate, "momentum": 0.9}),
    "AdaGrad": (torch.optim.Adagrad, {"lr": 1.0}),
    "RMSProp": (torch.optim.RMSprop, {"lr": 0.1}),
    "Adam": (torch.optim.Adam, {"lr": adam_rate}),
}
optimizer_paths = {name: descend_with(cls, comparison_steps, **settings)
                   for name, (cls, settings) in contenders.items()}
optimizer_losses = {}
print(f"{'optimizer':9} {'settings':30} {'w':>7} {'b':>8} {'final loss':>11}")
for name, run_path in optimizer_paths.items():
    with torch.no_grad():
        optimizer_losses[name] = thermometer_loss(run_path[-1]).item()
    settings = ", ".join(f"{key} {value:.3g}" for key, value in contenders[name][1].items())
    w_end, b_end = run_path[-1].tolist()
    print(f"{name:9} {settings:30} {w_end:7.4f} {b_end:8.4f} {optimizer_losses[name]:11.4f}")
    assert math.isfinite(optimizer_losses[name])
print(f"plain descent on standardized inputs, {scale_steps} steps: {std_losses[-1]:.4f}")

# %% optimizers_plot
w_values, b_values = torch.linspace(-0.05, 0.75, 31), torch.linspace(-20, 3, 31)
surface = loss_surface(fahrenheit, w_values, b_values).tolist()
fig, axes = plt.subplots(2, 3, figsize=(9.6, 6.4), sharex=True, sharey=True)
loss_axes = axes[1, 2]
loss_axes.remove()  # the sixth panel gets its own axes: loss against step, not (w, b)
loss_axes = fig.add_subplot(2, 3, 6)
for k, (ax, (name, run_path)) in enumerate(zip(axes.flat, optimizer_paths.items())):
    colour = f"C{k}"
    ax.contour(w_values.tolist(), b_values.tolist(), surface, levels=levels, colors="0.6",
               linewidths=0.6)
    ax.plot(run_path[:, 0].tolist(), run_path[:, 1].tolist(), color=colour, linewidth=0.8)
    ax.plot([std_w_per_f], [std_b_in_c], "*", color="0.4", markersize=9)  # the least-squares line
    ax.set_xlim(w_values[0].item(), w_values[-1].item())
    ax.set_ylim(b_values[0].item(), b_values[-1].item())
    ax.set_title(f"{name}: loss {optimizer_losses[name]:.3g}", fontsize=10)
    losses = ((run_path[:, 0, None] * fahrenheit + run_path[:, 1, None] - celsius) ** 2).mean(dim=1)
    loss_axes.semilogy(losses.tolist(), color=colour, linewidth=1, label=name)
for ax in axes[1, :2]:
    ax.set_xlabel("w")
for ax in axes[:, 0]:
    ax.set_ylabel("b")
loss_axes.minorticks_off()  # only the ticks at powers of ten
loss_axes.set_xlabel("step")
loss_axes.set_title("loss, log scale", fontsize=10)
loss_axes.legend(fontsize=7)
fig.suptitle(f"{comparison_steps} steps from (0, 0) on the raw-input loss; the star is the minimum")
fig.tight_layout()
plt.show()

# %% two_minima
def two_minima(x):
    """A curve with two valleys: f(x) = x⁴ - 3x² + x.

    The deeper (global) minimum is near x = -1.30, the shallower (local) one near x = 1.13,
    and a hump near x = 0.17 separates them.

    Args:
        x (float | torch.Tensor): a number or a tensor.
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
    """Gradient descent with momentum on a function of one number; return ``(xs, values)``.

    Args:
        f (Callable): the function to minimise; it must accept a scalar tensor.
        start (float): the first x.
        learning_rate (float): the step size α.
        steps (int): how many updates to make.
        momentum (float): the fraction μ of the previous velocity kept at each step.
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

# %% minima_and_step_size
small_step_xs, _ = descend(two_minima, 2.0, 0.01, 100)
big_step_xs, _ = descend(two_minima, 2.0, 0.1, 100)
for rate, xs in [(0.01, small_step_xs), (0.1, big_step_xs)]:
    valley = "global" if xs[-1] < 0 else "local"
    print(f"start 2.0, α = {rate:<4}: first step to x = {xs[1]:7.4f}, "
          f"ends at x = {xs[-1]:7.4f} ({valley} minimum)")

# %% ex_predict_solution
x_after_three = 5 - 5 * 0.5 ** 3  # x - 5 starts at -5, and each step multiplies it by 1 - 2α = 0.5

ex_xs, _ = descend(parabola, 0.0, 0.25, 3)
ex_answer = ex_xs[-1]
print(f"predicted: {x_after_three}")
print(f"x after each step: {[round(v, 4) for v in ex_xs]}")

# %% check_predict
# Run this after your answer to exercise 1.
assert "x_after_three" in globals(), (
    "Store your prediction of x after 3 steps in `x_after_three` in the cell above, then run "
    "this cell again.")
assert isinstance(x_after_three, (int, float, torch.Tensor)), (
    f"`x_after_three` should be a number, not {x_after_three!r}.")
expected_x = 0.0
for _ in range(3):
    expected_x = expected_x - 0.25 * 2 * (expected_x - 5)  # x ← x - α·f'(x), f'(x) = 2(x - 5)
assert math.isclose(float(x_after_three), expected_x, abs_tol=1e-3), (
    f"Not yet: x is not {float(x_after_three):g} after 3 steps. The distance x - 5 starts at "
    "-5, and each step multiplies it by 1 - 2α.")
print(f"Correct: x = {expected_x:g} after three steps.")

# %% ex_mirror_solution
loss_after_20 = final_losses["about right"]  # 1 - 2α is -0.8 instead of 0.8: the same size

mirror_xs, mirror_values = descend(parabola, start, 0.9, steps)
mirror_loss = mirror_values[-1]
print(f"α = 0.9: x after 20 steps = {mirror_xs[-1]:.4f}, f = {mirror_loss:.4f}")
about_right_xs = runs["about right"][0]
print(f"α = 0.1: x after 20 steps = {about_right_xs[-1]:.4f}, f = {final_losses['about right']:.4f}")
print("α = 0.9, first five steps: x =", [round(v, 3) for v in mirror_xs[:6]])

# %% check_mirror
# Run this after your answer to exercise 2.
assert "loss_after_20" in globals(), (
    "Store your prediction of f(x) after 20 steps in `loss_after_20` in the cell above, then "
    "run this cell again.")
assert isinstance(loss_after_20, (int, float, torch.Tensor)), (
    f"`loss_after_20` should be a number, not {loss_after_20!r}: predict the value itself.")
mirror_x = 0.0
for _ in range(20):
    mirror_x = mirror_x - 0.9 * 2 * (mirror_x - 5)
expected_loss = (mirror_x - 5) ** 2
assert math.isclose(float(loss_after_20), expected_loss, abs_tol=5e-5), (
    f"Not yet: f is not {float(loss_after_20):.4g} after 20 steps. Work out 1 - 2α for α = "
    "0.9, compare its size with the factor for α = 0.1, and look again at the table of "
    "learning rates.")
print(f"Correct: f = {expected_loss:.4f} after 20 steps, as with α = 0.1.")

# %% ex_threshold_solution
largest_rate = 1 / 3  # a step multiplies x - 5 by 1 - 6α, which stays between -1 and 1 only for α < 1/3


def steep_bowl(x):
    """The bowl 3(x - 5)², three times steeper than ``parabola``.

    Args:
        x (float | torch.Tensor): a number or a tensor.
    """
    return 3 * (x - 5) ** 2


for rate in [0.1, 0.2, 0.3, 0.33, 0.34, 0.4]:
    xs, _ = descend(steep_bowl, 0.0, rate, 50)
    verdict = "closer than the start" if abs(xs[-1] - 5) < 5 else "farther than the start"
    print(f"α = {rate:4.2f}: 1 - 6α = {1 - 6 * rate:5.2f}, "
          f"|x - 5| after 50 steps = {abs(xs[-1] - 5):10.4g}  {verdict}")


# %% check_threshold
# Run this after your answer to exercise 3.
assert "largest_rate" in globals(), (
    "Store the limit on the learning rate in `largest_rate` in the cell above, then run this "
    "cell again.")
assert isinstance(largest_rate, (int, float, torch.Tensor)), (
    f"`largest_rate` should be a number, not {largest_rate!r}.")
steep_curvature = 6  # g''(x) for g(x) = 3(x - 5)²: a step multiplies x - 5 by 1 - 6α
expected_rate = 2 / steep_curvature  # where 1 - 6α reaches -1
assert float(largest_rate) < expected_rate + 0.005, (
    f"Not yet: with α = {float(largest_rate):g} the runs fly off. Work out g'(x), then the "
    "factor 1 - (something)·α that one step multiplies x - 5 by: it must stay above -1.")
assert float(largest_rate) > expected_rate - 0.005, (
    f"Not yet: gradient descent still converges a little above {float(largest_rate):g}. Find "
    "where the factor that one step multiplies x - 5 by reaches -1.")
print(f"Correct: the limit is {expected_rate:.4f}, 2 over the curvature {steep_curvature}.")

# %% ex_adam_first_step
adam_w, adam_b = adam_rate, adam_rate  # each parameter moves by α against the sign of its gradient

first_steps = descend_with(torch.optim.Adam, 1, lr=adam_rate)[1]  # (w, b) after one step
first_gradient = gradient_at(0.0, 0.0, fahrenheit)
dw, db = first_gradient.tolist()
print(f"gradient at (0, 0):  dL/dw = {dw:9.2f}   dL/db = {db:7.2f}")
print(f"after one Adam step: w = {first_steps[0].item():.6f}   b = {first_steps[1].item():.6f}")
uncorrected = (1 - 0.9) / (1 - 0.999) ** 0.5  # m / √v at t = 1, in units of sign(g)
print(f"without the bias correction the first step would be {uncorrected:.2f} × α")

# %% check_adam_first_step
# Run this after your answer to exercise 4.
assert "adam_w" in globals(), (
    "Store where w lands after one Adam step in `adam_w` in the cell above, then run this "
    "cell again.")
assert "adam_b" in globals(), (
    "Store where b lands after one Adam step in `adam_b` in the cell above, then run this "
    "cell again.")
adam_params = torch.zeros(2, requires_grad=True)  # (w, b) = (0, 0)
adam_optimizer = torch.optim.Adam([adam_params], lr=adam_rate)
thermometer_loss(adam_params).backward()
adam_optimizer.step()
expected_w, expected_b = adam_params.tolist()
assert math.isclose(float(adam_w), float(adam_b), abs_tol=1e-3), (
    "Not yet: w and b move by different amounts in your answer. Adam divides each parameter's "
    "step by the size of its own gradient: what is left of the big difference between the two "
    "gradients?")
assert (math.isclose(float(adam_w), expected_w, abs_tol=1e-3)
        and math.isclose(float(adam_b), expected_b, abs_tol=1e-3)), (
    f"Not yet: ({float(adam_w):g}, {float(adam_b):g}) is not where (w, b) lands. At t = 1, m̂ "
    "= g and v̂ = g², so each step is α·g / |g|; and a step goes against the gradient, whose "
    "two parts are both negative here.")
print(f"Correct: both parameters move by α to ({expected_w:g}, {expected_b:g}).")

# %% ex_momentum_limit
momentum_limit = 2 * (1 + 0.5) / 2  # α·λ < 2(1 + μ), with λ = 2 and μ = 0.5

momentum_verdicts = {}  # learning rate: did the run close in on 5?
for rate in [0.9, 1.4, 1.6, 2.0]:
    xs, _ = descend_with_momentum(parabola, 0.0, rate, 60, momentum=0.5)
    momentum_verdicts[rate] = abs(xs[-1] - 5) < 5
    verdict = "closer than the start" if momentum_verdicts[rate] else "farther than the start"
    print(f"μ = 0.5, α = {rate:4.2f}: |x - 5| after 60 steps = {abs(xs[-1] - 5):10.4g}  {verdict}")

# %% check_momentum_limit
# Run this after your answer to exercise 5.
assert "momentum_limit" in globals(), (
    "Store the largest learning rate that still converges in `momentum_limit` in the cell "
    "above, then run this cell again.")
assert isinstance(momentum_limit, (int, float, torch.Tensor)), (
    f"`momentum_limit` should be a number, not {momentum_limit!r}.")
bowl_curvature = 2  # f''(x) for f(x) = (x - 5)²
expected_limit = 2 * (1 + 0.5) / bowl_curvature
assert not math.isclose(float(momentum_limit), 2 / bowl_curvature), (
    f"Not yet: {2 / bowl_curvature:g} is the limit without momentum. Put μ = 0.5 into αλ < 2(1 "
    "+ μ).")
assert math.isclose(float(momentum_limit), expected_limit, abs_tol=0.01), (
    f"Not yet: the limit is not {float(momentum_limit):g}. Find λ, the curvature f'' of (x - "
    "5)², then solve αλ < 2(1 + μ) for α with μ = 0.5.")
print(f"Correct: with μ = 0.5, runs converge for α < {expected_limit:g}.")
