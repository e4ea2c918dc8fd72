"""Multi-layer perceptrons and activation functions: layers, non-linearity, the forward pass,
parameter counts, softmax, XOR learned by gradient descent, and universal approximation.

Each ``# %% name`` cell is shown on the page docs/mlp.md, with what it printed.
"""

# %% layers
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)  # the networks here are tiny: one thread is faster than several

net = nn.Sequential(
    nn.Linear(3, 4),  # input layer (3 features) -> hidden layer (4 neurons)
    nn.ReLU(),
    nn.Linear(4, 2),  # hidden layer -> output layer (2 outputs)
)
print(net)
for name, p in net.named_parameters():
    print(f"{name:8}  shape {str(tuple(p.shape)):7}  {p.numel():2d} numbers")

x = torch.randn(5, 3)  # a batch of 5 examples with 3 features each
with torch.no_grad():
    hidden = net[1](net[0](x))  # what the hidden layer computes
    out = net(x)
print(f"input {tuple(x.shape)} -> hidden {tuple(hidden.shape)} -> output {tuple(out.shape)}")

# %% mlp_diagram
from matplotlib.patches import Circle

layer_sizes = [net[0].in_features, net[0].out_features, net[2].out_features]   # 3, 4, 2
layer_names = ["input layer", "hidden layer", "output layer"]
layer_colors = ["tab:blue", "tab:green", "tab:purple"]
gap_x = 3.0   # horizontal distance between layers


def node_positions(size, x):
    """The centres of one layer's nodes, stacked evenly around height 0.

    Args:
        size: How many nodes the layer has.
        x: The layer's horizontal position.
    """
    return [(x, (size - 1) / 2 - i) for i in range(size)]


columns = [node_positions(size, gap_x * k) for k, size in enumerate(layer_sizes)]
fig, ax = plt.subplots(figsize=(7.5, 4.4))
for k, (left, right) in enumerate(zip(columns[:-1], columns[1:])):
    for a in left:   # fully connected: every node of one layer feeds every node of the next
        for b in right:
            ax.plot([a[0], b[0]], [a[1], b[1]], color="tab:gray", lw=0.8, alpha=0.7, zorder=1)
    weight = net[2 * k].weight
    ax.text(gap_x * (k + 0.5), columns[1][0][1] + 0.75,
            f"weight {tuple(weight.shape)}:\n{weight.numel()} edges",
            ha="center", fontsize=9)
for k, column in enumerate(columns):
    for i, (x, y) in enumerate(column, start=1):
        ax.add_patch(Circle((x, y), 0.28, color=layer_colors[k], alpha=0.8, zorder=2))
        symbol = ["x", "h", "y"][k]
        ax.text(x, y, f"${symbol}_{i}$", ha="center", va="center", fontsize=11, zorder=3)
    ax.text(column[0][0], -max(layer_sizes) / 2 - 0.35, f"{layer_names[k]}\n({layer_sizes[k]} nodes)",
            ha="center", va="top", color=layer_colors[k], fontsize=10)
ax.set(xlim=(-0.8, gap_x * 2 + 0.8), ylim=(-max(layer_sizes) / 2 - 1.3, max(layer_sizes) / 2 + 1.0))
ax.set_aspect("equal")
ax.axis("off")
plt.show()

# %% feature_pipeline
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

stages = [("raw input", "pixel values"), ("low-level features", "edges, strokes"),
          ("high-level features", "loops, corners,\nparts of digits"), ("classifier", "which digit: 0 to 9")]
# (row label, who makes each stage, the colour of each box)
rows = [("before deep learning", ["given", "designed by hand", "designed by hand", "learned"]),
        ("a deep network", ["given", "learned", "learned", "learned"])]
who_color = {"given": "tab:gray", "designed by hand": "tab:orange", "learned": "tab:green"}

fig, ax = plt.subplots(figsize=(10, 3.6))
box_w, box_h, step_x = 2.5, 0.9, 3.1
for r, (row_label, makers) in enumerate(rows):
    y = -1.6 * r
    ax.text(-0.3, y, row_label, ha="right", va="center", fontsize=10, fontweight="bold")
    for s, ((title, example), maker) in enumerate(zip(stages, makers)):
        x = s * step_x
        ax.add_patch(FancyBboxPatch((x, y - box_h / 2), box_w, box_h, boxstyle="round,pad=0.05",
                                    color=who_color[maker], alpha=0.3))
        ax.text(x + box_w / 2, y + 0.18, title, ha="center", va="center", fontsize=9.5)
        ax.text(x + box_w / 2, y - 0.2, example, ha="center", va="center", fontsize=8, style="italic")
        ax.text(x + box_w / 2, y - box_h / 2 - 0.15, maker, ha="center", va="top", fontsize=8,
                color=who_color[maker])
        if s < len(stages) - 1:
            ax.add_patch(FancyArrowPatch((x + box_w + 0.05, y), (x + step_x - 0.05, y),
                                         arrowstyle="-|>", mutation_scale=12, color="tab:gray"))
ax.set(xlim=(-3.0, step_x * 3 + box_w + 0.2), ylim=(-2.4, 0.7))
ax.axis("off")
plt.show()

# %% collapse
first, second = nn.Linear(3, 4), nn.Linear(4, 2)  # two layers, no activation between them
W1, b1 = first.weight.detach(), first.bias.detach()
W2, b2 = second.weight.detach(), second.bias.detach()

merged = nn.Linear(3, 2)  # one layer
with torch.no_grad():
    merged.weight.copy_(W2 @ W1)       # W' = W2 W1
    merged.bias.copy_(W2 @ b1 + b2)    # b' = W2 b1 + b2

x = torch.randn(1000, 3)
with torch.no_grad():
    stacked_out = second(first(x))
    merged_out = merged(x)
collapse_gap = (stacked_out - merged_out).abs().max().item()
print("W' = W2 W1 has shape", tuple(merged.weight.shape))
print("two layers, first input:", stacked_out[0])
print("one layer,  first input:", merged_out[0])
print(f"largest difference over {len(x)} inputs: {collapse_gap:.1e}")

# %% collapse_deep
torch.manual_seed(1)
widths = [1, 16, 16, 16, 16, 16, 1]  # six layers deep
linears = [nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])]
deep_linear = nn.Sequential(*linears)  # the layers, back to back
deep_relu = nn.Sequential(*[m for lin in linears[:-1] for m in (lin, nn.ReLU())], linears[-1])  # same layers, ReLU between

xs = torch.linspace(-3, 3, 200).reshape(-1, 1)
with torch.no_grad():
    ys_linear, ys_relu = deep_linear(xs), deep_relu(xs)

for label, ys in [("without activation", ys_linear), ("with ReLU", ys_relu)]:
    slopes = (ys[1:] - ys[:-1]) / (xs[1:] - xs[:-1])
    print(f"{label:18}  slope ranges from {slopes.min():+.4f} to {slopes.max():+.4f};"
          f" output from {ys.min():+.4f} to {ys.max():+.4f}")
collapse_span = (torch.cat([ys_linear, ys_relu]).max() - torch.cat([ys_linear, ys_relu]).min()).item()
print(f"both outputs together span {collapse_span:.3f}")

# %% collapse_plot
# Both panels share one y axis, so the same wiggle looks the same size on each side.
fig, (ax_linear, ax_relu) = plt.subplots(1, 2, figsize=(8, 3.4), sharey=True)
ax_linear.plot(xs, ys_linear, color="tab:blue")
ax_linear.set_title("6 linear layers: still a line")
ax_relu.plot(xs, ys_relu, color="tab:red")
ax_relu.set_title("the same 6 layers with ReLU: bends")
for ax in (ax_linear, ax_relu):
    ax.set_xlabel("input x")
ax_linear.set_ylabel(f"network output (axis spans {collapse_span:.3f})")
fig.tight_layout()
plt.show()

# %% activations
def step(z):
    """The perceptron's step function: 1 where z > 0, else 0.

    Args:
        z: A tensor, handled element by element.
    """
    return (z > 0).float()


activations = {"step": step, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "ReLU": torch.relu, "GELU": F.gelu}

# Our own inputs, -3 to 3, plus the ones worked examples of ReLU and the sigmoid often use: -5, -2, 2 and 5.
z = torch.tensor([-5.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0])
values = {name: fn(z) for name, fn in activations.items()}
print(f"{'z':>5} " + "".join(f"{name:>9}" for name in activations))
for i, zi in enumerate(z.tolist()):
    print(f"{zi:5.1f} " + "".join(f"{values[name][i]:9.4f}" for name in activations))
gelu_at = {zi: v for zi, v in zip(z.tolist(), values["GELU"].tolist())}

# %% activation_plot
def derivative(fn, z):
    """The slope of an element-wise function at every point of ``z``, by autograd.

    Args:
        fn: an element-wise function of a tensor, such as ``torch.sigmoid``.
        z: the points at which to take the slope.

    Returns:
        A tensor shaped like ``z``; zeros where autograd finds no path back to ``z`` (the step).
    """
    z = z.detach().clone().requires_grad_()
    out = fn(z)
    if not out.requires_grad:  # a comparison such as z > 0 has no gradient at all
        return torch.zeros_like(z)
    out.sum().backward()  # element-wise, so the gradient of the sum is each point's slope
    return z.grad


grid = torch.linspace(-4, 4, 161)
fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.4))
for name, fn in activations.items():
    left.plot(grid, fn(grid), label=name)
    right.plot(grid, derivative(fn, grid), label=name)
left.set_title("activation g(z)")
right.set_title("its derivative g'(z)")
for ax in (left, right):
    ax.set_xlabel("z")
    ax.axhline(0, color="grey", linewidth=0.5)
left.set_ylabel("g(z)")
right.set_ylabel("g'(z)")
left.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% gelu_slope
fine_z = torch.linspace(-4, 4, 80001, dtype=torch.float64)   # steps of 0.0001
gelu_slope = derivative(F.gelu, fine_z)
left_half = fine_z < 0
flat = gelu_slope[left_half].abs().argmin()          # where the slope is closest to zero
gelu_flat_at = fine_z[left_half][flat].item()
gelu_min = F.gelu(torch.tensor(gelu_flat_at, dtype=torch.float64)).item()
gelu_peak_slope = gelu_slope.max().item()
gelu_peak_at = fine_z[gelu_slope.argmax()].item()
print(f"GELU's slope is 0 at z = {gelu_flat_at:.4f}, where GELU has its minimum, {gelu_min:.4f}")
gelu_slope_far = derivative(F.gelu, torch.tensor([-3.0])).item()
print(f"slope at z = -3: {gelu_slope_far:+.4f}; at z = -0.3: {derivative(F.gelu, torch.tensor([-0.3])).item():+.4f}")
print(f"largest slope: {gelu_peak_slope:.4f}, at z = {gelu_peak_at:.4f}")

# %% sigmoid_peak
fine = torch.linspace(-6, 6, 1201)
slope = derivative(torch.sigmoid, fine)
by_formula = torch.sigmoid(fine) * (1 - torch.sigmoid(fine))  # σ'(z) = σ(z)(1 − σ(z))
sigmoid_peak = slope.max().item()
sigmoid_peak_at = fine[slope.argmax()].item()
ten_layers = sigmoid_peak ** 10
print(f"autograd vs σ(z)(1 − σ(z)): largest difference {(slope - by_formula).abs().max():.1e}")
print(f"largest slope of the sigmoid: {sigmoid_peak:.4f}, at z = {sigmoid_peak_at:.2f}")
print(f"ten such factors multiplied:  {sigmoid_peak:.2f} ** 10 = {ten_layers:.2e}")

# %% vanishing
def chain_gradient(fn, depth, start=0.5):
    """How much the end of a chain of ``depth`` activations moves per unit move of its start.

    Args:
        fn: the activation applied at every link.
        depth: how many times it is applied.
        start: the input to the first link.

    Returns:
        d(output)/d(input), by autograd.
    """
    x = torch.tensor(start, requires_grad=True)
    h = x
    for _ in range(depth):
        h = fn(h)
    h.backward()
    return x.grad.item()


chain = {name: chain_gradient(activations[name], 10) for name in ["sigmoid", "tanh", "ReLU"]}
for name, g in chain.items():
    print(f"ten {name:7} links: gradient at the start = {g:.2e}")

# %% vanishing_plot
depths = list(range(1, 21))
fig, ax = plt.subplots(figsize=(6.4, 3.6))
for name in ["sigmoid", "tanh", "ReLU"]:
    ax.plot(depths, [chain_gradient(activations[name], d) for d in depths], marker="o", markersize=3, label=name)
ax.plot(depths, [0.25 ** d for d in depths], linestyle="--", color="grey", label="0.25 ** depth")
ax.set_yscale("log")
ax.set_xlabel("number of activations in the chain")
ax.set_ylabel("gradient reaching the start")
ax.set_title("Gradients through a chain of activations")
ax.legend()
plt.show()

# %% relu_grad
for zi in [-5.0, -0.1, 0.0, 0.1, 5.0]:
    zt = torch.tensor(zi, requires_grad=True)
    r = torch.relu(zt)
    r.backward()
    print(f"z = {zi:5.1f}   ReLU(z) = {r.item():4.1f}   gradient = {zt.grad.item():.0f}")

# %% forward_by_hand
x1, x2 = 1.0, 0.5                    # the input
w11, w12, bias1 = 0.5, 0.8, -0.1     # hidden neuron 1: weights from x1 and x2, bias
w21, w22, bias2 = -0.3, 0.6, 0.2     # hidden neuron 2
v1, v2, bias_out = 0.7, -0.5, -0.1   # output neuron: weights from h1 and h2, bias

z1 = w11 * x1 + w12 * x2 + bias1     # step 1: weighted sums
z2 = w21 * x1 + w22 * x2 + bias2
h1 = max(0.0, z1)                    # step 2: ReLU
h2 = max(0.0, z2)
z_out = v1 * h1 + v2 * h2 + bias_out  # step 3: the output neuron's weighted sum
y_hat = 1 / (1 + math.exp(-z_out))   # step 4: sigmoid

print(f"z1 = {w11}×{x1} + {w12}×{x2} + ({bias1}) = {z1:.4f}")
print(f"z2 = {w21}×{x1} + {w22}×{x2} + {bias2} = {z2:.4f}")
print(f"h1 = max(0, {z1:.4f}) = {h1:.4f}")
print(f"h2 = max(0, {z2:.4f}) = {h2:.4f}")
print(f"z_out = {v1}×{h1:.4f} + ({v2})×{h2:.4f} + ({bias_out}) = {z_out:.4f}")
print(f"y_hat = sigmoid({z_out:.4f}) = {y_hat:.4f}")

# %% forward_sequential
tiny = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1), nn.Sigmoid())
with torch.no_grad():
    tiny[0].weight.copy_(torch.tensor([[w11, w12], [w21, w22]]))  # one row per hidden neuron
    tiny[0].bias.copy_(torch.tensor([bias1, bias2]))
    tiny[2].weight.copy_(torch.tensor([[v1, v2]]))
    tiny[2].bias.copy_(torch.tensor([bias_out]))

signal = torch.tensor([[x1, x2]])
with torch.no_grad():
    for layer in tiny:
        signal = layer(signal)
        print(f"after {type(layer).__name__:7}: {signal}")
y_hat_torch = signal.item()
print(f"by hand {y_hat:.6f}, nn.Sequential {y_hat_torch:.6f}")

# %% count_params
def count_parameters(model):
    """The number of trainable numbers in ``model``, counted from its tensors with ``numel``.

    Args:
        model: Any PyTorch model, such as an ``nn.Sequential``.
    """
    return sum(p.numel() for p in model.parameters())


def mlp(sizes, activation=nn.ReLU):
    """A fully connected network, e.g. ``mlp([784, 128, 10])``, with ``activation`` between layers.

    Args:
        sizes: The width of every layer, from the inputs to the outputs.
        activation: The activation's class, such as ``nn.ReLU``; one is made per gap between layers.
    """
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), activation()]
    return nn.Sequential(*layers[:-1])  # no activation after the last layer


def formula(sizes):
    """The count by hand: each layer has inputs × outputs weights plus one bias per output.

    Args:
        sizes: The width of every layer, from the inputs to the outputs.

    Returns:
        The working as text, and the total.
    """
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return " + ".join(f"{a}·{b}+{b}" for a, b in pairs), sum(a * b + b for a, b in pairs)


for name, p in tiny.named_parameters():
    print(f"tiny network {name:8} {str(tuple(p.shape)):7} {p.numel()} numbers")

mnist_net = mlp([784, 128, 10])
house_small = mlp([2, 8, 1])   # a house price from 2 features
house_big = mlp([4, 16, 1])    # a house price from 4 features
networks = {"forward-pass example": ([2, 2, 1], tiny), "MNIST classifier": ([784, 128, 10], mnist_net),
            "house prices, 2 features": ([2, 8, 1], house_small), "house prices, 4 features": ([4, 16, 1], house_big)}
print()
print(f"{'network':25} {'sizes':15} {'formula':30} {'total':>8} {'numel':>8}")
counts = {}
for name, (sizes, model) in networks.items():
    working, total = formula(sizes)
    counts[name] = count_parameters(model)
    assert counts[name] == total
    print(f"{name:25} {'→'.join(map(str, sizes)):15} {working:30} {total:8,d} {counts[name]:8,d}")
n_tiny, n_mnist = counts["forward-pass example"], counts["MNIST classifier"]
n_house_small, n_house_big = counts["house prices, 2 features"], counts["house prices, 4 features"]

# %% softmax_basic
def softmax(scores):
    """Scores to probabilities by the textbook formula: exponentiate, then divide by the total.

    Args:
        scores: A 1-D tensor of raw scores, one per class.
    """
    e = torch.exp(scores)
    return e / e.sum()


scores = torch.tensor([2.0, 1.0, 0.1])
probs = softmax(scores)
print("probabilities:", probs)
print("they sum to:  ", probs.sum())
print("torch.softmax:", torch.softmax(scores, dim=0))

# %% digit_table
digit_scores = torch.tensor([0.5, 0.2, 3.1, 1.0, -0.5, -1.2, -0.8, -1.5, -1.0, -1.4])
digit_exp = torch.exp(digit_scores)
digit_probs = digit_exp / digit_exp.sum()
print(f"{'digit':>5} {'score z':>8} {'e^z':>7} {'probability':>12}")
for d in range(10):
    print(f"{d:5d} {digit_scores[d]:8.1f} {digit_exp[d]:7.2f} {digit_probs[d]:12.1%}")
print(f"{'sum':>5} {'':8} {digit_exp.sum():7.2f} {digit_probs.sum():12.1%}")

prediction = digit_probs.argmax().item()
confidence = digit_probs[prediction].item()
rest_5_to_9 = digit_probs[5:].sum().item()
lead = (digit_exp[2] / digit_exp[3]).item()  # digit 2's e^z as a multiple of digit 3's
print(f"e^z of digit 2 is {lead:.1f} times that of the runner-up, digit 3")
print(f"prediction: digit {prediction} with probability {confidence:.1%}; "
      f"argmax of the raw scores: {digit_scores.argmax().item()}")

# %% digit_plot
fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.2))
colors = ["tab:red" if d == prediction else "tab:blue" for d in range(10)]
left.bar(range(10), digit_scores.tolist(), color=colors)
left.axhline(0, color="grey", linewidth=0.5)
left.set_title("raw scores z")
left.set_ylabel("score")
right.bar(range(10), digit_probs.tolist(), color=colors)
right.set_title("softmax(z): probabilities, sum 1")
right.set_ylabel("probability")
for ax in (left, right):
    ax.set_xlabel("digit")
    ax.set_xticks(range(10))
fig.tight_layout()
plt.show()

# %% softmax_overflow nonfinite=ok
big = torch.tensor([1000.0, 999.0, 998.1])  # the scores above, plus 998
overflow_at = math.log(torch.finfo(torch.float32).max)  # above this, e^z is too big for float32
print(f"e^z overflows a 32-bit float for z > {overflow_at:.2f}")
print("torch.exp(big):", torch.exp(big))
print("softmax(big):  ", softmax(big))

# %% softmax_stable
def stable_softmax(scores):
    """Softmax that cannot overflow: subtract the largest score first, which leaves the result unchanged.

    Args:
        scores: A 1-D tensor of raw scores, one per class.
    """
    e = torch.exp(scores - scores.max())
    return e / e.sum()


print("stable_softmax(big):   ", stable_softmax(big))
print("stable_softmax(scores):", stable_softmax(scores))
print("torch.softmax(big):    ", torch.softmax(big, dim=0))
stable_gap = (stable_softmax(big) - softmax(scores)).abs().max().item()
print(f"largest difference from softmax(scores): {stable_gap:.1e}")

# %% untrained_guess
image = torch.rand(784)  # a stand-in for a 28 × 28 image, pixels in [0, 1)
with torch.no_grad():
    guess = torch.softmax(mnist_net(image), dim=0)
print("untrained probabilities:", [round(p, 3) for p in guess.tolist()])
guess_low, guess_high = guess.min().item(), guess.max().item()
print(f"from {guess_low:.3f} to {guess_high:.3f}; uniform would be {1 / 10:.3f}")

# %% xor_train
X_xor = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y_xor = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
coin_loss = math.log(2)  # the loss of answering 0.5 for every point
print(f"loss of a 50/50 guess: ln 2 = {coin_loss:.4f}")

def bce(logits, y):
    """Binary cross-entropy of each prediction: minus the log of the probability given to the right answer.

    Args:
        logits: Raw scores z; the predicted probability of a 1 is sigmoid(z).
        y: The targets, 0 or 1, shaped like ``logits``.
    """
    # log sigmoid(z) is the log-probability of a 1, and log(1 - sigmoid(z)) = log sigmoid(-z) that of a 0.
    # F.logsigmoid computes them without first rounding sigmoid(z) to exactly 1 or 0.
    return -(y * F.logsigmoid(logits) + (1 - y) * F.logsigmoid(-logits))


torch.manual_seed(0)  # this section starts from a known state: "seed 0" below
xor_net = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
optimizer = torch.optim.SGD(xor_net.parameters(), lr=2.0)

xor_losses = []
print(f"{'step':>5} {'loss':>8} {'correct':>8}")
for step_number in range(250):
    logits = xor_net(X_xor)
    loss = bce(logits, y_xor).mean()
    xor_losses.append(loss.item())
    if step_number % 25 == 0 or step_number == 249:
        correct = ((logits > 0).float() == y_xor).sum().item()
        print(f"{step_number:5d} {loss.item():8.4f} {correct:6.0f}/4")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
assert math.isfinite(xor_losses[-1]) and xor_losses[-1] < xor_losses[0]

with torch.no_grad():
    xor_probs = torch.sigmoid(xor_net(X_xor)).flatten()
print("P(y = 1) for (0,0), (0,1), (1,0), (1,1):", [round(p, 3) for p in xor_probs.tolist()])
assert ((xor_probs > 0.5).float() == y_xor.flatten()).all()

# %% xor_boundary
side = torch.linspace(-0.5, 1.5, 61)
g1, g2 = torch.meshgrid(side, side, indexing="xy")
with torch.no_grad():
    surface = torch.sigmoid(xor_net(torch.stack([g1.flatten(), g2.flatten()], dim=1))).reshape(g1.shape)

fig, ax = plt.subplots(figsize=(5, 4.2))
shade = ax.contourf(g1, g2, surface, levels=[0, 0.5, 1], colors=["tab:blue", "tab:red"], alpha=0.25)
ax.contour(g1, g2, surface, levels=[0.5], colors="black", linewidths=1.5)
ax.scatter(X_xor[:, 0], X_xor[:, 1], c=["tab:blue" if t == 0 else "tab:red" for t in y_xor.flatten()],
           s=120, edgecolors="black", zorder=3)
ax.set_xlabel("x1")
ax.set_ylabel("x2")
ax.set_title("Learned XOR: red where P(y = 1) > 0.5, boundary in black")
plt.show()

# %% xor_hidden
with torch.no_grad():
    H = torch.tanh(xor_net[0](X_xor))  # each point's coordinates in the hidden layer
w_out, b_out = xor_net[2].weight.detach()[0], xor_net[2].bias.detach()[0]
for point, h in zip(X_xor.tolist(), H.tolist()):
    print(f"x = {point}  ->  h = ({h[0]:+.3f}, {h[1]:+.3f})")
twin_gap = (H[1] - H[2]).abs().max().item()
print(f"(0,1) and (1,0) land {twin_gap:.1e} apart")

# %% xor_hidden_plot
fig, ax = plt.subplots(figsize=(5, 4.2))
# Shade the two sides of the output neuron's line: red where its score w·h + b is positive (it says 1).
hg1, hg2 = torch.meshgrid(torch.linspace(-1.2, 1.2, 61), torch.linspace(-1.2, 1.2, 61), indexing="xy")
out_score = w_out[0] * hg1 + w_out[1] * hg2 + b_out
ax.contourf(hg1, hg2, out_score, levels=[out_score.min().item() - 1, 0, out_score.max().item() + 1],
            colors=["tab:blue", "tab:red"], alpha=0.2)
labels = {}  # points that land on the same hidden spot share one label
for h, point in zip(H.tolist(), X_xor.tolist()):
    labels.setdefault((round(h[0], 2), round(h[1], 2)), []).append(f"({point[0]:.0f},{point[1]:.0f})")
for h, t in zip(H.tolist(), y_xor.flatten().tolist()):
    ax.scatter(h[0], h[1], s=120, color="tab:red" if t == 1 else "tab:blue", edgecolors="black", zorder=3)
for (h_1, h_2), names in labels.items():
    ax.annotate(" and ".join(names), (h_1, h_2), textcoords="offset points", xytext=(-30, 10))
h_line = torch.linspace(-1.2, 1.2, 50)
ax.plot(h_line, -(w_out[0] * h_line + b_out) / w_out[1], color="black", label="output neuron's line")
ax.set_xlim(-1.2, 1.2)
ax.set_ylim(-1.2, 1.2)
ax.set_xlabel("hidden unit h1")
ax.set_ylabel("hidden unit h2")
ax.set_title("XOR in the learned hidden space: one line separates it")
ax.legend(loc="lower left")
plt.show()

# %% xor_seeds
def train_xor_many(seeds, width, activation, steps=250, lr=2.0):
    """Train one 2 → ``width`` → 1 network per seed on XOR, all in one loop.

    Network ``s`` starts from the weights that ``nn.Sequential(nn.Linear(2, width), activation,
    nn.Linear(width, 1))`` gets after ``torch.manual_seed(s)`` and takes the same plain
    gradient-descent steps as the training loop above. Stacking the networks along a first
    dimension only makes it faster.

    Args:
        seeds: The seeds, one network per seed.
        width: How many hidden units each network has.
        activation: The hidden layer's activation, a module such as ``nn.Tanh()``.
        steps: How many gradient-descent steps to take.
        lr: The learning rate.

    Returns:
        A dict of tensors, one entry per seed: ``loss`` (the last loss), ``correct`` (points
        right out of 4), and ``hidden_start``/``hidden_end`` (hidden values of the four points).
    """
    starts = []
    for s in seeds:
        with torch.random.fork_rng():  # seed s for this network, then put the global generator back
            torch.manual_seed(s)
            model = nn.Sequential(nn.Linear(2, width), activation, nn.Linear(width, 1))
        starts.append([p.detach() for p in model.parameters()])
    A, a, B, b = [torch.stack(group).requires_grad_() for group in zip(*starts)]  # (seeds, ...) each

    def forward():
        hidden = activation(X_xor @ A.transpose(1, 2) + a[:, None, :])  # (seeds, 4, width)
        return hidden, hidden @ B.transpose(1, 2) + b[:, None, :]      # (seeds, 4, 1)

    with torch.no_grad():
        hidden_start = forward()[0]
    for _ in range(steps):
        hidden, logits = forward()
        losses = bce(logits, y_xor).mean(dim=(1, 2))  # one loss per network
        losses.sum().backward()  # the networks share nothing, so each gets its own gradient
        with torch.no_grad():
            for p in (A, a, B, b):
                p -= lr * p.grad
                p.grad = None
    correct = ((logits > 0).float() == y_xor).sum(dim=(1, 2))
    return {"loss": losses.detach(), "correct": correct, "hidden_start": hidden_start, "hidden_end": hidden.detach()}


seeds = range(20)
runs, solved = {}, {}
print(f"{'activation':10} {'width':>5} {'solved':>9} {'median final loss':>18}")
for act in [nn.ReLU(), nn.Tanh(), nn.Sigmoid()]:
    for width in [2, 4, 8]:
        key = (type(act).__name__, width)
        runs[key] = train_xor_many(seeds, width, act)
        solved[key] = int((runs[key]["correct"] == 4).sum())
        assert torch.isfinite(runs[key]["loss"]).all()
        print(f"{key[0]:10} {width:5d} {solved[key]:6d}/20 {runs[key]['loss'].median():18.4f}")

# %% sigmoid_longer
sigmoid_long = train_xor_many(seeds, 2, nn.Sigmoid(), steps=1000)
solved_sigmoid_long = int((sigmoid_long["correct"] == 4).sum())
print(f"Sigmoid, width 2, 1000 steps: {solved_sigmoid_long}/20 solved, "
      f"median final loss {sigmoid_long['loss'].median():.4f}")

# %% xor_why
relu2 = runs[("ReLU", 2)]
start = relu2["hidden_start"]                  # (20 seeds, 4 points, 2 units), before training
active_on = (start > 0).sum(dim=1)             # for each seed and unit: on how many of the 4 points it is on
kind = []
for s in seeds:
    if (active_on[s] == 0).any():
        kind.append("a unit is off on all 4 points")
    elif (active_on[s] == 4).all():
        kind.append("both units are on for all 4 points")
    else:
        kind.append("some unit bends between the points")
won = (relu2["correct"] == 4).tolist()

print(f"{'how the two ReLU units start':36} {'seeds':>5} {'solved':>6}")
why = {}
for k in dict.fromkeys(kind):
    members = [s for s in seeds if kind[s] == k]
    why[k] = (len(members), sum(won[s] for s in members))
    print(f"{k:36} {why[k][0]:5d} {why[k][1]:6d}")
n_dead_start, n_dead_solved = why["a unit is off on all 4 points"]
n_linear_start, n_linear_solved = why["both units are on for all 4 points"]
n_bend_start, n_bend_solved = why["some unit bends between the points"]

# %% ua_fit
def target(x):
    """The 1-D function the networks below try to imitate.

    Args:
        x: A tensor of inputs.
    """
    return torch.sin(2 * x) + 0.3 * x


def fit(model, x, y, steps=250, lr=0.05):
    """Full-batch training with Adam on the mean squared error.

    Args:
        model: The network to train, in place.
        x: The inputs, one row per example.
        y: The targets, one row per example.
        steps: How many steps to take.
        lr: Adam's learning rate.

    Returns:
        The loss at every step.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in range(steps):
        loss = ((model(x) - y) ** 2).mean()
        history.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert math.isfinite(history[-1]) and history[-1] < history[0]
    return history


x_fit = torch.linspace(-3, 3, 200).reshape(-1, 1)
y_fit = target(x_fit)
ua_widths = [1, 2, 4, 8]
ua_models, ua_loss = {}, {}
print(f"{'hidden units':>12} {'parameters':>11} {'final MSE':>10}")
for width in ua_widths:
    torch.manual_seed(0)
    ua_models[width] = mlp([1, width, 1], activation=nn.Tanh)
    ua_loss[width] = fit(ua_models[width], x_fit, y_fit)[-1]
    print(f"{width:12d} {count_parameters(ua_models[width]):11d} {ua_loss[width]:10.4f}")

# %% ua_plot
x_wide = torch.linspace(-6, 6, 300).reshape(-1, 1)
fig, ax = plt.subplots(figsize=(6.4, 3.8))
ax.axvspan(-3, 3, color="grey", alpha=0.12, label="training interval")
ax.plot(x_wide, target(x_wide), color="black", linewidth=2.5, label="target")
with torch.no_grad():
    for width in ua_widths:
        ax.plot(x_wide, ua_models[width](x_wide), label=f"{width} hidden units")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("One hidden layer of growing width")
ax.legend(fontsize=8, loc="lower right")
plt.show()

# %% width_depth
def dead_units(model, x):
    """For each ReLU layer of ``model``, how many units output zero for every input in ``x``.

    Such units get no gradient, so they can no longer learn.

    Args:
        model: An ``nn.Sequential`` of layers.
        x: The inputs to try, one row per example.
    """
    dead, h = [], x
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                dead.append(int((h == 0).all(dim=0).sum()))
    return dead


shapes = [[1, 32, 1], [1, 8, 8, 1], [1, 5, 5, 5, 5, 1]]
wd_loss, wd_dead = {}, {}
print(f"{'shape':14} {'parameters':>10} {'MSE seed 0':>11} {'MSE seed 1':>11}   dead units per layer (seed 0; seed 1)")
for shape in shapes:
    name = "→".join(map(str, shape))
    for s in (0, 1):
        with torch.random.fork_rng():
            torch.manual_seed(s)
            model = mlp(shape)  # ReLU between layers
        wd_loss[name, s] = fit(model, x_fit, y_fit)[-1]
        wd_dead[name, s] = dead_units(model, x_fit)
    print(f"{name:14} {count_parameters(model):10d} {wd_loss[name, 0]:11.4f} {wd_loss[name, 1]:11.4f}"
          f"   {wd_dead[name, 0]}; {wd_dead[name, 1]}  of {shape[1:-1]}")

# %% init_symmetry
def xor_net_from(value):
    """A 2 → 4 → 1 tanh network for XOR whose every weight starts at ``value`` and every bias at 0.

    Args:
        value: The number every weight starts at.
    """
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    with torch.no_grad():
        for layer in (model[0], model[2]):
            layer.weight.fill_(value)
            layer.bias.zero_()
    return model


symmetric, symmetric_right = {}, {}
for value in [0.0, 0.5]:
    model = xor_net_from(value)
    optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
    for _ in range(250):   # the same 250 steps as the XOR training above
        loss = bce(model(X_xor), y_xor).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    symmetric[value] = model
    W_hidden = model[0].weight.detach()
    with torch.no_grad():
        right = ((model(X_xor) > 0).float() == y_xor).sum().item()
    symmetric_right[value] = right
    print(f"every weight {value} at the start; after 250 steps, loss {loss.item():.4f}, {right:.0f}/4 right")
    print("  hidden units' weights, one row each:", [[round(w, 4) for w in row] for row in W_hidden.tolist()])
    print("  output weights:                     ", [round(w, 4) for w in model[2].weight.detach()[0].tolist()])
    print(f"  largest difference between two hidden units: {(W_hidden - W_hidden[0]).abs().max().item():.1e}")
symmetric_loss = {value: bce(model(X_xor), y_xor).mean().item() for value, model in symmetric.items()}

# %% init_scale
def spread_through_depth(weight_std, activation, depth=10, width=256, seed=0):
    """Push random inputs through ``depth`` random layers and measure the spread (std) after each.

    Args:
        weight_std: A function from a layer's fan-in to the standard deviation of its weights.
        activation: The activation after each layer, such as ``torch.relu``.
        depth: How many layers.
        width: How many units each layer has: its fan-in, and its fan-out.
        seed: The seed for the inputs and the weights.
    """
    torch.manual_seed(seed)
    h = torch.randn(1000, width)   # 1000 examples whose features have spread 1
    spreads = []
    for _ in range(depth):
        W = torch.randn(width, width) * weight_std(width)   # bias 0, to watch the weights alone
        h = activation(h @ W.T)
        spreads.append(h.std().item())
    return spreads


schemes = {
    "std 1": lambda fan_in: 1.0,
    "std 0.01": lambda fan_in: 0.01,
    "1/sqrt(fan-in)": lambda fan_in: 1 / math.sqrt(fan_in),
    "He": lambda fan_in: math.sqrt(2 / fan_in),
    "nn.Linear default": lambda fan_in: 1 / math.sqrt(3 * fan_in),
}
spreads = {(name, act): spread_through_depth(std, fn)
           for name, std in schemes.items() for act, fn in [("ReLU", torch.relu), ("tanh", torch.tanh)]}
shown_layers = [1, 5, 10]
print("spread (std) after layer ...  (10 layers of 256 units)")
print(f"{'weights':18}" + "".join(f"{f'{act} {k}':>9}" for act in ("ReLU", "tanh") for k in shown_layers))
for name in schemes:
    print(f"{name:18}" + "".join(f"{spreads[name, act][k - 1]:9.1e}" for act in ("ReLU", "tanh") for k in shown_layers))

# %% init_default
default_layer = nn.Linear(256, 64)   # fan-in 256, fan-out 64
bound = 1 / math.sqrt(default_layer.in_features)
w_default = default_layer.weight.detach()
default_std = w_default.std().item()
print(f"nn.Linear(256, 64): weights from {w_default.min():+.4f} to {w_default.max():+.4f};"
      f" 1/sqrt(fan-in) = {bound:.4f}")
print(f"  their std {default_std:.4f}; a uniform spread on [-{bound:.4f}, {bound:.4f}]"
      f" has std {bound / math.sqrt(3):.4f}")
print(f"  biases from {default_layer.bias.min():+.4f} to {default_layer.bias.max():+.4f}")

# The two named schemes, as torch.nn.init draws them for the same shape (64, 256)
xavier_w = nn.init.xavier_normal_(torch.empty(64, 256))
he_w = nn.init.kaiming_normal_(torch.empty(64, 256), nonlinearity="relu")
print(f"Xavier, nn.init.xavier_normal_:  std {xavier_w.std():.4f};"
      f" sqrt(2 / (fan-in + fan-out)) = {math.sqrt(2 / (256 + 64)):.4f}")
print(f"He,     nn.init.kaiming_normal_: std {he_w.std():.4f}; sqrt(2 / fan-in) = {math.sqrt(2 / 256):.4f}")

# %% init_stall
def deep_relu_net(weight_std=None, depth=6, width=32, seed=0):
    """A 1 → 32 → ... → 32 → 1 ReLU network with ``depth`` hidden layers, for the curve above.

    Args:
        weight_std: ``None`` keeps ``nn.Linear``'s default start; otherwise a function from a
            layer's fan-in to its weights' standard deviation (and the biases start at 0).
        depth: How many hidden layers.
        width: How many units each hidden layer has.
        seed: The seed for the starting weights.
    """
    torch.manual_seed(seed)
    model = mlp([1] + [width] * depth + [1])
    if weight_std is not None:
        with torch.no_grad():
            for layer in model:
                if isinstance(layer, nn.Linear):
                    layer.weight.normal_(0, weight_std(layer.in_features))
                    layer.bias.zero_()
    return model


mean_guess_loss = ((y_fit - y_fit.mean()) ** 2).mean().item()   # the loss of always answering the average
stall_loss, stall_grad = {}, {}
checkpoints = [0, 50, 100, 199]
print(f"always answering the average costs {mean_guess_loss:.4f}")
print(f"{'start':18} {'first-layer gradient':>21} " + "".join(f"{f'loss @{k}':>11}" for k in checkpoints))
for name, std in [("std 0.01", schemes["std 0.01"]), ("nn.Linear default", None),
                  ("1/sqrt(fan-in)", schemes["1/sqrt(fan-in)"])]:
    model = deep_relu_net(std)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)   # plain gradient descent, 200 steps
    history = []
    for step_number in range(200):
        loss = ((model(x_fit) - y_fit) ** 2).mean()
        history.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        if step_number == 0:
            stall_grad[name] = model[0].weight.grad.norm().item()   # how hard the first layer is pushed
        optimizer.step()
    assert all(math.isfinite(v) for v in history)
    stall_loss[name] = history
    print(f"{name:18} {stall_grad[name]:21.1e} " + "".join(f"{history[k]:11.4f}" for k in checkpoints))

# %% ex_forward
x_ex = torch.tensor([2.0, 3.0])
W1_ex = torch.tensor([[0.5, -0.3], [0.2, 0.8]])  # as nn.Linear stores it: one row per hidden neuron
b1_ex = torch.tensor([0.1, -0.1])
W2_ex = torch.tensor([[0.4], [0.6]])             # written (inputs, outputs): shape 2 × 1
b2_ex = torch.tensor([0.0])

z1_ex = W1_ex @ x_ex + b1_ex   # [0.5·2 − 0.3·3 + 0.1, 0.2·2 + 0.8·3 − 0.1]
h1_ex = torch.relu(z1_ex)
out_ex = h1_ex @ W2_ex + b2_ex  # 0.4·h1 + 0.6·h2
print("z1  =", z1_ex)
print("h1  =", h1_ex)
print("out =", out_ex)

ex_model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
with torch.no_grad():
    ex_model[0].weight.copy_(W1_ex)
    ex_model[0].bias.copy_(b1_ex)
    ex_model[2].weight.copy_(W2_ex.T)  # nn.Linear wants (outputs, inputs)
    ex_model[2].bias.copy_(b2_ex)
    ex_output = ex_model(x_ex).item()
print(f"nn.Sequential: {ex_output:.4f}")

z1_other = x_ex @ W1_ex + b1_ex  # the other reading: W1 as (inputs, outputs)
print("other reading: z1 =", z1_other, " out =", torch.relu(z1_other) @ W2_ex + b2_ex)

# %% check_forward
# Run this after your answer to exercise 1.
assert "z1_ex" in globals(), (
    "Store the hidden layer's weighted sums in `z1_ex` (two numbers), "
    "then run this cell again.")
assert "h1_ex" in globals(), (
    "Store the hidden layer's outputs after ReLU in `h1_ex` (two numbers), "
    "then run this cell again.")
assert "ex_output" in globals(), (
    "Store the network's output in `ex_output` (one number), "
    "then run this cell again.")
expected_x = torch.tensor([2.0, 3.0])
expected_W1 = torch.tensor([[0.5, -0.3], [0.2, 0.8]])   # row i: neuron i's weights
expected_b1 = torch.tensor([0.1, -0.1])
expected_z1 = expected_W1 @ expected_x + expected_b1
expected_h1 = torch.relu(expected_z1)
expected_output = (expected_h1 @ torch.tensor([0.4, 0.6])).item()
# torch.as_tensor makes a tensor from a list, and leaves a tensor as it is.
your_z1 = torch.as_tensor(z1_ex, dtype=torch.float32).flatten()
your_h1 = torch.as_tensor(h1_ex, dtype=torch.float32).flatten()
assert your_z1.shape == (2,), (
    f"`z1_ex` should hold two numbers, one per hidden neuron, "
    f"not {your_z1.numel()}.")
other_reading = expected_x @ expected_W1 + expected_b1
assert not torch.allclose(your_z1, other_reading, atol=1e-3), (
    "Not yet: that is x @ W1, which reads the weights as (inputs, outputs). "
    "Row i holds hidden neuron i's weights.")
assert torch.allclose(your_z1, expected_z1, atol=1e-3), (
    f"Not yet: `z1_ex` is {[round(v, 4) for v in your_z1.tolist()]}. "
    "Hidden neuron 1 computes 0.5·2 + (-0.3)·3 + 0.1.")
assert your_h1.shape == (2,) and torch.allclose(your_h1, expected_h1, atol=1e-3), (
    f"Not yet: `h1_ex` is {[round(v, 4) for v in your_h1.tolist()]}. "
    "ReLU keeps each positive sum and turns each negative one into 0.")
assert math.isclose(float(ex_output), expected_output, abs_tol=1e-3), (
    f"Not yet: `ex_output` is {float(ex_output)}. "
    "The output is 0.4·h1 + 0.6·h2 + 0.0, with h1 and h2 from `h1_ex`.")
print(f"Correct: z1 = [{expected_z1[0]:.1f}, {expected_z1[1]:.1f}], "
      f"h1 = [{expected_h1[0]:.1f}, {expected_h1[1]:.1f}], "
      f"and the network outputs {expected_output:.2f}.")

# %% ex_count
digits_sizes = [64, 32, 16, 10]
working, by_formula = formula(digits_sizes)
n_digits_net = count_parameters(mlp(digits_sizes))
print(f"{working} = {by_formula:,d}")
print(f"numel: {n_digits_net:,d}")

# %% check_count
# Run this after your answer to exercise 2.
assert "n_digits_net" in globals(), (
    "Write your parameter count into `n_digits_net`, then run this cell again.")
assert isinstance(n_digits_net, (int, float)), (
    f"`n_digits_net` should be a number, not {type(n_digits_net).__name__}.")
expected_sizes = [64, 32, 16, 10]
expected_pairs = list(zip(expected_sizes[:-1], expected_sizes[1:]))
expected_weights = sum(a * b for a, b in expected_pairs)
expected_count = expected_weights + sum(b for a, b in expected_pairs)  # + biases
assert n_digits_net != expected_weights, (
    "Not yet: you counted the weights. Each layer also has one bias per output.")
assert n_digits_net == expected_count, (
    f"Not yet: `n_digits_net` is {n_digits_net:,}. A layer from a inputs to "
    "b outputs has a·b weights and b biases; add up the three layers.")
print(f"Correct: the 64 → 32 → 16 → 10 network has {expected_count:,d} parameters.")

# %% ex_linear_xor
linear_runs = train_xor_many(seeds, 8, nn.Identity())
linear_solved = int((linear_runs["correct"] == 4).sum())
linear_best = int(linear_runs["correct"].max())
linear_min_loss = linear_runs["loss"].min().item()
print(f"solved: {linear_solved} of 20")
print(f"most points right in any run: {linear_best} of 4")
print(f"lowest final loss: {linear_min_loss:.4f} (ln 2 = {coin_loss:.4f})")

# %% check_linear_xor
# Run this after your answer to exercise 3.
assert "linear_solved" in globals(), (
    "Write how many of the 20 seeds you think solve XOR into `linear_solved`, "
    "then run this cell again.")
assert "linear_best" in globals(), (
    "Write the most points out of 4 that any run gets right into "
    "`linear_best`, then run this cell again.")
expected_runs = train_xor_many(range(20), 8, nn.Identity())
expected_solved = int((expected_runs["correct"] == 4).sum())
expected_best = int(expected_runs["correct"].max())
assert linear_solved == expected_solved, (
    f"Not yet: `linear_solved` is {linear_solved}. Without an activation, the "
    "two layers collapse into one linear layer. Can one line separate XOR?")
assert linear_best == expected_best, (
    f"Not yet: `linear_best` is {linear_best}. Run "
    "train_xor_many(range(20), 8, nn.Identity()) and look at the largest "
    "entry of its 'correct'.")
print(f"Correct: {expected_solved} of 20 solve it, "
      f"and the best run gets {expected_best} of 4.")
