"""Neurons, perceptrons and XOR: what one neuron can compute, why XOR defeats it, and two ways out.

Each ``# %% name`` cell is shown on the page docs/perceptrons.md, with what it printed.
"""

# %% setup
import itertools
import math

import matplotlib.pyplot as plt
import torch

torch.manual_seed(0)

# The four corners of the unit square: every input a two-input logic gate can see.
INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]
print("inputs:", INPUTS)

# %% neuron_diagram
from matplotlib.patches import Circle, Ellipse, FancyArrowPatch, FancyBboxPatch

# One colour per role, the same in both drawings.
ROLE = {"input": "tab:blue", "weight": "tab:orange", "body": "tab:green", "output": "tab:purple"}


def arrow(ax, start, end, color, width=1.5):
    """Draw an arrow from ``start`` to ``end``.

    Args:
        ax: The matplotlib axes to draw on.
        start: The ``(x, y)`` the arrow leaves from.
        end: The ``(x, y)`` it points at.
        color: Its colour.
        width: Its line width.
    """
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color, lw=width))


fig, (bio, art) = plt.subplots(2, 1, figsize=(7.5, 8.4))   # one above the other: readable on a phone

# Left: a biological neuron. Dendrites bring signals in, synapses set how strongly each
# one counts, the cell body adds them up and fires, the axon carries the spike away.
bio.add_patch(Ellipse((0, 0), 1.3, 1.1, color=ROLE["body"], alpha=0.35))
bio.add_patch(Circle((0.05, 0.05), 0.16, color=ROLE["body"], alpha=0.8))
for angle in (140, 175, 210):
    a = math.radians(angle)
    root = (0.6 * math.cos(a), 0.5 * math.sin(a))
    tip = (2.0 * math.cos(a), 1.3 * math.sin(a) + 0.1)
    bio.plot([root[0], tip[0]], [root[1], tip[1]], color=ROLE["input"], lw=2.5)
    for bend in (-0.35, 0.35):   # each dendrite forks once
        twig = (tip[0] - 0.45, tip[1] + bend)
        bio.plot([tip[0], twig[0]], [tip[1], twig[1]], color=ROLE["input"], lw=1.5)
        bio.scatter(*twig, s=45, color=ROLE["weight"], zorder=3)
bio.plot([0.65, 3.1], [0, 0], color=ROLE["output"], lw=2.5)
for start in (0.95, 1.65, 2.35):   # the axon's insulating sheath, in segments
    bio.add_patch(FancyBboxPatch((start, -0.09), 0.5, 0.18, boxstyle="round,pad=0.02",
                                 color=ROLE["output"], alpha=0.4))
for bend in (-0.35, 0, 0.35):   # axon terminals, which pass the signal to the next neurons
    bio.plot([3.1, 3.5], [0, bend], color=ROLE["output"], lw=1.5)
bio.text(-2.6, 1.55, "dendrites: signals come in", color=ROLE["input"], fontsize=11)
bio.text(-2.6, -1.75, "synapses: how strongly\neach signal counts", color=ROLE["weight"], fontsize=11)
bio.text(-0.5, 0.75, "cell body: adds up,\nfires if strong enough", color=ROLE["body"], fontsize=11)
bio.text(1.2, -0.6, "axon: carries the spike out", color=ROLE["output"], fontsize=11)
bio.set(xlim=(-2.8, 3.8), ylim=(-2.0, 1.9), title="A biological neuron (a sketch)")

# Right: the artificial neuron, with the same colours for the same roles.
inputs = [(0.0, 1.2), (0.0, 0.0), (0.0, -1.2)]
body = (2.4, 0.0)
for i, (x, y) in enumerate(inputs, start=1):
    art.add_patch(Circle((x, y), 0.3, color=ROLE["input"], alpha=0.35))
    art.text(x, y, f"$x_{i}$", ha="center", va="center", fontsize=12)
    arrow(art, (x + 0.3, y), (body[0] - 0.45, body[1] + 0.25 * y), ROLE["weight"])
    art.text((x + body[0]) / 2 - 0.1, y / 2 + 0.12 * (1 if y >= 0 else -1) + 0.1, f"$w_{i}$",
             color=ROLE["weight"], fontsize=12, ha="center")
art.add_patch(Circle(body, 0.45, color=ROLE["body"], alpha=0.35))
art.text(*body, r"$\Sigma$" + "\n" + r"$+\,b$", ha="center", va="center", fontsize=12)
art.add_patch(FancyBboxPatch((3.45, -0.35), 0.9, 0.7, boxstyle="round,pad=0.05", color=ROLE["body"], alpha=0.6))
art.text(3.9, 0, "$g$", ha="center", va="center", fontsize=14)
arrow(art, (body[0] + 0.45, 0), (3.4, 0), ROLE["body"])
arrow(art, (4.4, 0), (5.4, 0), ROLE["output"], width=2.5)
art.text(5.5, 0, r"$\hat y$", va="center", fontsize=14, color=ROLE["output"])
art.text(-0.6, 1.75, "inputs", color=ROLE["input"], fontsize=11)
art.text(0.9, -1.75, "weights: how strongly\neach input counts", color=ROLE["weight"], fontsize=11)
art.text(1.8, 0.75, "weighted sum\nplus bias", color=ROLE["body"], fontsize=11)
art.text(3.5, 0.55, "activation", color=ROLE["body"], fontsize=11)
art.text(4.5, -0.45, "output", color=ROLE["output"], fontsize=11)
art.set(xlim=(-0.8, 6.6), ylim=(-2.1, 2.0), title=r"An artificial neuron: $\hat y = g(w_1x_1 + w_2x_2 + w_3x_3 + b)$")
for ax in (bio, art):
    ax.set_aspect("equal")
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% neuron
def step(z):
    """The step activation: 1 where ``z > 0`` and 0 where ``z <= 0``, so ``step(0)`` is 0.

    Args:
        z: A Python number, or a tensor (handled element by element).

    Returns:
        ``1`` or ``0`` for a number; a tensor of 1.0s and 0.0s for a tensor.
    """
    if isinstance(z, torch.Tensor):
        return (z > 0).to(z.dtype)
    return 1 if z > 0 else 0


def identity(z):
    """The identity activation: returns ``z`` unchanged (no activation at all).

    Args:
        z: A number or a tensor.
    """
    return z


def neuron(x, w, b, activation):
    """One artificial neuron: a weighted sum of the inputs plus a bias, then an activation.

    Args:
        x: Inputs, shape ``(n, d)``: one row per example.
        w: Weights, shape ``(d,)``.
        b: Bias, a number.
        activation: A function applied element-wise to the weighted sums.

    Returns:
        A tensor of shape ``(n,)``: ``activation(x @ w + b)``.
    """
    return activation(x @ w + b)


# The same five inputs, the same weights and bias: only the activation changes.
X = torch.tensor([[-1.0, 0.0],
                  [0.0, 0.0],
                  [1.0, 2.0],
                  [2.0, 1.0],
                  [0.0, 3.0]])
w = torch.tensor([1.5, -1.0])
b = 0.5

z = neuron(X, w, b, identity)            # the weighted sum itself
as_linear = neuron(X, w, b, identity)    # linear regression: a number
as_logistic = neuron(X, w, b, torch.sigmoid)  # logistic regression: a probability
as_perceptron = neuron(X, w, b, step)    # perceptron: a yes/no decision

print("  x1    x2  |     z  | identity  sigmoid  step")
for xi, zi, lin, sig, stp in zip(X.tolist(), z, as_linear, as_logistic, as_perceptron):
    print(f"{xi[0]:4.1f}  {xi[1]:4.1f}  | {zi:5.2f}  | {lin:8.2f}  {sig:7.4f}  {stp:4.0f}")

# %% as_linear_layer
layer = torch.nn.Linear(2, 1)     # PyTorch's "one neuron": 2 weights and 1 bias
with torch.no_grad():
    layer.weight.copy_(w.reshape(1, 2))
    layer.bias.fill_(b)
    z_layer = layer(X).squeeze(1)
print("nn.Linear(2, 1) gives z =", z_layer.tolist())
print("same as x @ w + b:", torch.equal(z_layer, z))

# %% perceptron_fn
def perceptron(x1, x2, w1, w2, b):
    """A two-input perceptron with the step activation.

    It outputs 1 when the weighted sum is strictly positive and 0 otherwise;
    a weighted sum of exactly 0 gives 0.

    Args:
        x1: The first input (0 or 1 for a logic gate, but any number works).
        x2: The second input.
        w1: The weight of ``x1``.
        w2: The weight of ``x2``.
        b: The bias.

    Returns:
        ``1`` if ``w1*x1 + w2*x2 + b > 0``, else ``0``.
    """
    return step(w1 * x1 + w2 * x2 + b)


print("perceptron(1, 1, 1.0, 1.0, -1.5) =", perceptron(1, 1, 1.0, 1.0, -1.5))  # z = +0.5
print("perceptron(1, 1, 1.0, 1.0, -2.0) =", perceptron(1, 1, 1.0, 1.0, -2.0))  # z = 0 exactly

# %% gate_weights
# Each gate is a perceptron with these (w1, w2, b).
AND_WEIGHTS = (1.0, 1.0, -1.5)
OR_WEIGHTS = (1.0, 1.0, -0.5)
# NOT has one input: (w, b). As a two-input perceptron it is (w, 0.0, b): x2 is ignored.
NOT_WEIGHTS = (-1.0, 0.5)

# What each gate should output, written with Python's own logic operators.
TARGETS = {
    "AND": {(x1, x2): x1 & x2 for x1, x2 in INPUTS},
    "OR": {(x1, x2): x1 | x2 for x1, x2 in INPUTS},
    "XOR": {(x1, x2): x1 ^ x2 for x1, x2 in INPUTS},
}


def truth_table(name, w1, w2, b):
    """Print a gate's truth table as the perceptron computes it, next to the target.

    Args:
        name: The gate's name, a key of ``TARGETS``.
        w1: The weight of ``x1``.
        w2: The weight of ``x2``.
        b: The bias.

    Returns:
        The number of the four inputs on which the perceptron is right.
    """
    print(f"{name}: w1 = {w1:g}, w2 = {w2:g}, b = {b:g}")
    print(" x1  x2 |     z  | output  target")
    right = 0
    for x1, x2 in INPUTS:
        out, target = perceptron(x1, x2, w1, w2, b), TARGETS[name][(x1, x2)]
        right += out == target
        print(f"  {x1}   {x2} | {w1 * x1 + w2 * x2 + b:5.1f}  |   {out}       {target}  {'ok' if out == target else 'WRONG'}")
    print(f"{right} of 4 right\n")
    return right


and_right = truth_table("AND", *AND_WEIGHTS)
or_right = truth_table("OR", *OR_WEIGHTS)

# %% not_gate
w_not, b_not = NOT_WEIGHTS
print(" x |    z  | output  target")
not_outputs = []
for x in (0, 1):
    out = perceptron(x, 0, w_not, 0.0, b_not)  # the second input has weight 0
    not_outputs.append(out)
    print(f" {x} | {w_not * x + b_not:4.1f}  |   {out}       {1 - x}")

# %% gate_boundaries
def fill_positive_side(ax, w1, w2, b, lo=-0.5, hi=1.5):
    """Draw the line ``w1*x1 + w2*x2 + b = 0`` and shade the side where the perceptron outputs 1.

    Args:
        ax: The matplotlib axes to draw on.
        w1: The weight of ``x1``.
        w2: The weight of ``x2`` (not 0: the line is drawn as ``x2`` against ``x1``).
        b: The bias.
        lo: The left and bottom edge of the drawing.
        hi: The right and top edge of the drawing.
    """
    xs = torch.linspace(lo, hi, 2)
    line = (-b - w1 * xs) / w2
    ax.plot(xs, line, color="black", lw=1.5, label="$w_1x_1 + w_2x_2 + b = 0$")
    edge = hi if w2 > 0 else lo   # z grows with x2 when w2 > 0, so "output 1" lies above the line
    ax.fill_between(xs, line, torch.full_like(xs, edge), color="tab:orange", alpha=0.2, label="output 1")


def draw_points(ax, points, labels):
    """Scatter points: filled orange for label 1, hollow blue for label 0.

    Args:
        ax: The matplotlib axes to draw on.
        points: ``(x, y)`` pairs.
        labels: 0 or 1 for each point.
    """
    for (p, q), label in zip(points, labels):
        if label == 1:
            ax.scatter(p, q, s=90, color="tab:orange", edgecolor="black", zorder=3)
        else:
            ax.scatter(p, q, s=90, facecolor="none", edgecolor="tab:blue", linewidth=2, zorder=3)


fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
for ax, name, weights in [(axes[0], "AND", AND_WEIGHTS), (axes[1], "OR", OR_WEIGHTS)]:
    fill_positive_side(ax, *weights)
    draw_points(ax, INPUTS, [TARGETS[name][p] for p in INPUTS])
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$",
           title=f"{name}: $w$ = ({weights[0]:g}, {weights[1]:g}), $b$ = {weights[2]:g}")
    ax.set_aspect("equal")
axes[0].legend(loc="upper left", fontsize=7)

ax = axes[2]   # NOT has one input: its "line" is the point x = -b / w on the x axis
threshold = -b_not / w_not
ax.axvspan(-0.5, threshold, color="tab:orange", alpha=0.2)
ax.axvline(threshold, color="black", lw=1.5)
draw_points(ax, [(0, 0), (1, 0)], not_outputs)
ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 0.5), yticks=[], xlabel="$x$",
       title=f"NOT: $w$ = {w_not:g}, $b$ = {b_not:g}")
fig.suptitle("One perceptron, one straight boundary: orange = output 1, hollow = output 0")
fig.tight_layout()
plt.show()

# %% widget_defaults
# Which of AND, OR, NAND and XOR does a setting of (w1, w2, b) compute?
GATES = {
    "AND": TARGETS["AND"],
    "OR": TARGETS["OR"],
    "NAND": {inputs: 1 - out for inputs, out in TARGETS["AND"].items()},
    "XOR": TARGETS["XOR"],
}


def gates_computed(w1, w2, b):
    """The gates among AND, OR, NAND and XOR that one perceptron with these weights computes.

    Args:
        w1: The weight of ``x1``.
        w2: The weight of ``x2``.
        b: The bias.

    Returns:
        A list of gate names, empty when it computes none of them.
    """
    outputs = {(x1, x2): perceptron(x1, x2, w1, w2, b) for x1, x2 in INPUTS}
    return [name for name, target in GATES.items() if outputs == target]


# The explorer below starts from AND's weights, and should show exactly this.
explorer_z = [AND_WEIGHTS[0] * x1 + AND_WEIGHTS[1] * x2 + AND_WEIGHTS[2] for x1, x2 in INPUTS]
explorer_outputs = [perceptron(x1, x2, *AND_WEIGHTS) for x1, x2 in INPUTS]
explorer_gates = ", ".join(gates_computed(*AND_WEIGHTS)) or "none"
print("(w1, w2, b) =", AND_WEIGHTS)
print("inputs: ", INPUTS)
print("z:      ", explorer_z)
print("outputs:", explorer_outputs, "->", explorer_gates)

# %% xor_lines
xor_labels = [TARGETS["XOR"][p] for p in INPUTS]
# Four lines, each with the side that outputs 1 chosen as well as it can be for XOR.
candidates = {"x1 + x2 = 0.5 (OR)": OR_WEIGHTS,
              "x1 - x2 = 0.5": (1.0, -1.0, -0.5),
              "x2 - x1 = 0.5": (-1.0, 1.0, -0.5),
              "x1 = 0.5": (1.0, 0.0, -0.5)}

fig, ax = plt.subplots(figsize=(6.4, 4.2))
xs = torch.linspace(-0.5, 1.5, 2)
for (label, (w1, w2, b0)), style in zip(candidates.items(), ["-", "--", "-.", ":"]):
    wrong = sum(perceptron(x1, x2, w1, w2, b0) != t for (x1, x2), t in zip(INPUTS, xor_labels))
    if w2 == 0:
        ax.axvline(-b0 / w1, ls=style, color="gray", label=f"{label}: {wrong} wrong")
    else:
        ax.plot(xs, (-b0 - w1 * xs) / w2, ls=style, color="gray", label=f"{label}: {wrong} wrong")
    print(f"{label:18} gets {wrong} of the 4 XOR points wrong")
draw_points(ax, INPUTS, xor_labels)
ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$",
       title="XOR: the 1s sit on opposite corners")
ax.set_aspect("equal")
ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
plt.show()

# %% grid_search
grid = [k / 4 for k in range(-8, 9)]     # -2.0, -1.75, ..., 2.0: 17 values
weight_grid = list(itertools.product(grid, repeat=3))
n_settings = len(weight_grid)

grid_counts = {}
best_right = {}
for name, target in TARGETS.items():
    grid_counts[name] = 0
    best_right[name] = 0
    for w1, w2, b0 in weight_grid:
        right = sum(perceptron(x1, x2, w1, w2, b0) == target[(x1, x2)] for x1, x2 in INPUTS)
        grid_counts[name] += right == 4
        best_right[name] = max(best_right[name], right)

print(f"{n_settings} settings of (w1, w2, b) tried, each from {grid[0]} to {grid[-1]} in steps of {grid[1] - grid[0]}")
print("gate  | settings that compute it | best number right")
for name in TARGETS:
    print(f"{name:5} | {grid_counts[name]:24d} | {best_right[name]} of 4")

# %% learning_rule
def train_perceptron(target, epochs=10, lr=1.0):
    """Rosenblatt's perceptron learning rule on the four binary inputs.

    For each input in turn: predict, and if the prediction is wrong move the weights
    toward the right answer, ``w <- w + lr * (y - y_hat) * x`` and ``b <- b + lr * (y - y_hat)``.
    The weights start at zero.

    Args:
        target: A dict from each input ``(x1, x2)`` to the wanted output, 0 or 1.
        epochs: How many passes over the four inputs.
        lr: The learning rate.

    Returns:
        ``(errors, history)``: the number of mistakes in each epoch, and the
        weights ``(w1, w2, b)`` at the end of each epoch.
    """
    w1 = w2 = b0 = 0.0
    errors, history = [], []
    for _ in range(epochs):
        mistakes = 0
        for x1, x2 in INPUTS:
            y = target[(x1, x2)]
            delta = y - perceptron(x1, x2, w1, w2, b0)   # +1, 0 or -1
            if delta != 0:
                mistakes += 1
                w1, w2, b0 = w1 + lr * delta * x1, w2 + lr * delta * x2, b0 + lr * delta
        errors.append(mistakes)
        history.append((w1, w2, b0))
    return errors, history


epochs = 12
rule_errors, rule_history = {}, {}
for name in ["AND", "OR", "XOR"]:
    rule_errors[name], rule_history[name] = train_perceptron(TARGETS[name], epochs)

print("epoch | mistakes: AND  OR  XOR | XOR's (w1, w2, b) after the epoch")
for e in range(epochs):
    print(f"{e + 1:5d} |           {rule_errors['AND'][e]:3d} {rule_errors['OR'][e]:3d} {rule_errors['XOR'][e]:4d} |"
          f" {rule_history['XOR'][e]}")
rule_weights = {name: rule_history[name][-1] for name in rule_history}
for name in ["AND", "OR"]:
    w1, w2, b0 = rule_weights[name]
    print(f"{name} learned (w1, w2, b) = {rule_weights[name]}; z on the four inputs:",
          [w1 * x1 + w2 * x2 + b0 for x1, x2 in INPUTS])

for name in ["AND", "OR"]:   # the separable gates: mistakes fell to zero and stayed there
    assert all(math.isfinite(v) for v in rule_weights[name])
    assert rule_errors[name][-1] == 0 < rule_errors[name][0]
assert min(rule_errors["XOR"]) > 0   # XOR: never a clean epoch
and_epochs_to_learn = rule_errors["AND"].index(0) + 1
or_epochs_to_learn = rule_errors["OR"].index(0) + 1
xor_repeat_from = next(e + 1 for e in range(1, epochs) if rule_history["XOR"][e] == rule_history["XOR"][e - 1])
print(f"XOR: from epoch {xor_repeat_from} on, every epoch ends with the weights it started with")

# %% errors_plot
fig, ax = plt.subplots(figsize=(6.4, 3.6))
epoch_axis = list(range(1, epochs + 1))
for name, marker in [("AND", "o"), ("OR", "s"), ("XOR", "^")]:
    ax.plot(epoch_axis, rule_errors[name], marker=marker, label=name)
ax.set(xlabel="epoch (one pass over the four inputs)", ylabel="mistakes in the epoch",
       title="The perceptron rule: AND and OR settle, XOR never does", yticks=[0, 1, 2, 3, 4])
ax.legend()
plt.show()

# %% xor_feature
# Add the product x1 * x2 as a third input, then use one perceptron with weights (1, 1, -2) and bias -0.5.
w_feature = torch.tensor([1.0, 1.0, -2.0])
b_feature = -0.5
X_xor = torch.tensor(INPUTS, dtype=torch.float32)
X_crafted = torch.cat([X_xor, (X_xor[:, 0] * X_xor[:, 1]).unsqueeze(1)], dim=1)
z_feature = X_crafted @ w_feature + b_feature
y_feature = step(z_feature)

print(" x1  x2  x1*x2 |    z  | output  XOR")
for row, zi, out in zip(X_crafted.tolist(), z_feature.tolist(), y_feature.tolist()):
    x1, x2, x12 = (int(v) for v in row)
    print(f"  {x1}   {x2}    {x12}   | {zi:4.1f}  |   {out:.0f}      {x1 ^ x2}")

# %% xor_network
def xor_network(x1, x2):
    """XOR from three perceptrons in two layers: OR and AND in the hidden layer, then "OR but not AND".

    Args:
        x1: The first input, 0 or 1.
        x2: The second input, 0 or 1.

    Returns:
        ``(h1, h2, y)``: the two hidden outputs and the network's output.
    """
    h1 = perceptron(x1, x2, *OR_WEIGHTS)    # hidden neuron 1: OR
    h2 = perceptron(x1, x2, *AND_WEIGHTS)   # hidden neuron 2: AND
    y = perceptron(h1, h2, 1.0, -2.0, -0.5)  # output: step(h1 - 2*h2 - 0.5)
    return h1, h2, y


print(" x1  x2 | h1 (OR)  h2 (AND) | z_out | output  XOR")
hidden_points = {}
for x1, x2 in INPUTS:
    h1, h2, y = xor_network(x1, x2)
    hidden_points[(x1, x2)] = (h1, h2)
    print(f"  {x1}   {x2} |    {h1}        {h2}     | {h1 - 2 * h2 - 0.5:5.1f} |   {y}      {x1 ^ x2}")
print("distinct points in the hidden space:", sorted(set(hidden_points.values())))

# %% hidden_space
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
xs = torch.linspace(-0.5, 1.5, 2)

# Left: the input space. Each hidden neuron draws one line; XOR is 1 between them.
left.plot(xs, 0.5 - xs, color="tab:green", label="h1 (OR): $x_1 + x_2 = 0.5$")
left.plot(xs, 1.5 - xs, color="tab:purple", label="h2 (AND): $x_1 + x_2 = 1.5$")
left.fill_between(xs, 0.5 - xs, 1.5 - xs, color="tab:orange", alpha=0.2, label="XOR = 1")
draw_points(left, INPUTS, xor_labels)
left.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$",
         title="Input space: no single line works")
left.legend(loc="upper right", fontsize=7)

# Right: the hidden space. (0,1) and (1,0) land on the same point, and one line separates.
draw_points(right, [hidden_points[p] for p in INPUTS], xor_labels)
for p in INPUTS:
    h = hidden_points[p]
    offset = {(0, 1): (8, 10), (1, 0): (8, -16)}.get(p, (8, 6))
    right.annotate(f"from {p}", h, textcoords="offset points", xytext=offset, fontsize=8)
right.plot(xs, (xs - 0.5) / 2, color="black", label="output: $h_1 - 2h_2 - 0.5 = 0$")
right.fill_between(xs, (xs - 0.5) / 2, torch.full_like(xs, -0.5), color="tab:orange", alpha=0.2)
right.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$h_1$ (OR)", ylabel="$h_2$ (AND)",
          title="Hidden space: one line separates")
right.legend(loc="upper left", fontsize=7)
for ax in (left, right):
    ax.set_aspect("equal")
fig.suptitle("The hidden layer moves the points so that one straight cut is enough")
fig.tight_layout()
plt.show()

# %% ex_nand_solution
NAND_WEIGHTS = (-1.0, -1.0, 1.5)   # AND's weights with every sign flipped
TARGETS["NAND"] = {(x1, x2): 1 - (x1 & x2) for x1, x2 in INPUTS}
nand_right = truth_table("NAND", *NAND_WEIGHTS)

# Does flipping the signs of *every* AND solution on the grid give a NAND solution?
and_solutions = [wt for wt in weight_grid
                 if all(perceptron(x1, x2, *wt) == TARGETS["AND"][(x1, x2)] for x1, x2 in INPUTS)]
flips_that_work = sum(all(perceptron(x1, x2, -w1, -w2, -b0) == TARGETS["NAND"][(x1, x2)] for x1, x2 in INPUTS)
                      for w1, w2, b0 in and_solutions)
print(f"AND solutions on the grid: {len(and_solutions)}; flipped, {flips_that_work} of them compute NAND")
flip_failures = [wt for wt in and_solutions
                 if not all(perceptron(x1, x2, -wt[0], -wt[1], -wt[2]) == TARGETS["NAND"][(x1, x2)] for x1, x2 in INPUTS)]
print("one that fails when flipped:", flip_failures[0])

# The other route: AND, then NOT, two perceptrons in a row.
composed = [perceptron(perceptron(x1, x2, *AND_WEIGHTS), 0, w_not, 0.0, b_not) for x1, x2 in INPUTS]
print("NOT(AND(x1, x2)) on", INPUTS, "->", composed)

# %% check_nand
# Run this after your answer to exercise 1.
assert "NAND_WEIGHTS" in globals(), (
    "Store your weights in `NAND_WEIGHTS`, a tuple (w1, w2, b), in the cell "
    "above, then run this cell again.")
assert isinstance(NAND_WEIGHTS, (tuple, list)) and len(NAND_WEIGHTS) == 3, (
    f"`NAND_WEIGHTS` should hold three numbers, (w1, w2, b), not {NAND_WEIGHTS!r}.")
nand_misses = [(x1, x2) for x1, x2 in INPUTS
               if perceptron(x1, x2, *NAND_WEIGHTS) != 1 - (x1 & x2)]
assert not nand_misses, (
    f"Not yet: with {tuple(NAND_WEIGHTS)} the perceptron gets {nand_misses} "
    "wrong. NAND outputs 1 everywhere but (1, 1). Try AND's weights with "
    "every sign flipped.")

assert "flips_that_work" in globals(), (
    "Count the AND solutions in `weight_grid` that compute NAND once all three "
    "signs are flipped, store the count in `flips_that_work`, then run this "
    "cell again.")
and_on_grid = [wt for wt in weight_grid
               if all(perceptron(x1, x2, *wt) == (x1 & x2) for x1, x2 in INPUTS)]
expected_flips = sum(
    all(perceptron(x1, x2, -w1, -w2, -b0) == 1 - (x1 & x2) for x1, x2 in INPUTS)
    for w1, w2, b0 in and_on_grid)
assert flips_that_work != len(and_on_grid), (
    f"Not quite: flipping does not work for all {len(and_on_grid)} AND "
    "solutions. Try the settings that put an input exactly on the line, "
    "where z = 0.")
assert flips_that_work == expected_flips, (
    f"Not yet: `flips_that_work` is {flips_that_work!r}. For each AND solution "
    "(w1, w2, b) on the grid, test (-w1, -w2, -b) on all four inputs, and "
    "count those that give NAND.")
print(f"Correct: your weights compute NAND, and {expected_flips} of the "
      f"{len(and_on_grid)} AND solutions survive the flip.")

# %% ex_count_solution
# Every setting on the grid computes *some* truth table: collect the distinct ones.
tables = {tuple(perceptron(x1, x2, *wt) for x1, x2 in INPUTS) for wt in weight_grid}
all_tables = set(itertools.product([0, 1], repeat=4))
n_computable = len(tables)
print(f"distinct truth tables computed: {n_computable} of {len(all_tables)}")
print("outputs on", INPUTS)
for missing in sorted(all_tables - tables):
    print("never computed:", missing)

# %% check_count
# Run this after your answer to exercise 2.
assert "n_computable" in globals(), (
    "Write how many of the 16 gates one perceptron can compute into "
    "`n_computable`, then count them on the grid and run this cell again.")
assert isinstance(n_computable, (int, float)), (
    f"`n_computable` should be a number, not {type(n_computable).__name__}. "
    "If you collected the truth tables in a set, store its `len`.")
grid_tables = {tuple(perceptron(x1, x2, *wt) for x1, x2 in INPUTS)
               for wt in weight_grid}
assert n_computable <= 16, (
    f"There are only 16 two-input gates, so `n_computable` cannot be "
    f"{n_computable}.")
assert n_computable != 16, (
    "Not all 16: Argument 1 showed that no perceptron computes XOR.")
assert n_computable == len(grid_tables), (
    f"Not yet: `n_computable` is {n_computable}. Give each setting in "
    "`weight_grid` a tuple of its four outputs, collect the tuples in a set, "
    "and count them.")
print(f"Correct: one perceptron computes {len(grid_tables)} of the 16 gates.")

# %% ex_nand_xor_solution
def nand(x1, x2):
    """A NAND gate: one perceptron with the weights (-1, -1, 1.5) of exercise 1.

    Args:
        x1: The first input, 0 or 1.
        x2: The second input, 0 or 1.
    """
    return perceptron(x1, x2, -1.0, -1.0, 1.5)


def xor_from_nands(x1, x2):
    """XOR built from four NAND perceptrons in three layers.

    Args:
        x1: The first input, 0 or 1.
        x2: The second input, 0 or 1.
    """
    m = nand(x1, x2)                        # layer 1
    return nand(nand(x1, m), nand(x2, m))   # layers 2 and 3


print(" x1  x2 | NAND-network  XOR")
for x1, x2 in INPUTS:
    print(f"  {x1}   {x2} |      {xor_from_nands(x1, x2)}         {x1 ^ x2}")

# %% check_nand_xor
# Run this after your answer to exercise 3.
assert "nand" in globals() and callable(nand), (
    "Define the function `nand(x1, x2)` in the cell above, then run this "
    "cell again.")
assert "xor_from_nands" in globals() and callable(xor_from_nands), (
    "Define the function `xor_from_nands(x1, x2)` in the cell above, then run "
    "this cell again.")
nand_wrong = [(x1, x2) for x1, x2 in INPUTS if nand(x1, x2) != 1 - (x1 & x2)]
assert not nand_wrong, (
    f"Not yet: `nand` gives the wrong output for {nand_wrong}. "
    "It should output 0 only for (1, 1).")
xor_wrong = [(x1, x2) for x1, x2 in INPUTS if xor_from_nands(x1, x2) != x1 ^ x2]
assert not xor_wrong, (
    f"Not yet: `xor_from_nands` gives the wrong output for {xor_wrong}. "
    "Print the truth tables of small pieces, such as nand(x1, nand(x1, x2)), "
    "and combine them.")
print("Correct: your NAND network computes XOR on all four inputs.")
