"""Chapter: Backpropagation, by hand and by machine.

Why one backward pass beats one forward pass per parameter, the chain rule on a computation
graph, local gradient times upstream gradient, a two-layer network differentiated by hand in
matrix form, and the graph autograd records, drawn from the real objects.

Each ``# %% name`` cell is shown on the page docs/backpropagation.md, with what it printed.
"""

# %% network
import math
import time

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Circle, FancyBboxPatch
from torch import nn

torch.manual_seed(0)

# The digit network: 784 pixels in, 128 hidden units, 10 digit scores out.
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
n_params = sum(p.numel() for p in model.parameters())
print(f"{n_params:,} parameters")

# %% cost_of_finite_differences varies
images = torch.rand(64, 784)               # a batch of 64 stand-in images
labels = torch.randint(0, 10, (64,))
loss_fn = nn.CrossEntropyLoss()


def fastest(fn, repeats):
    """The fastest of ``repeats`` timed calls to ``fn``, in seconds (slower runs are other programs' noise).

    Args:
        fn: the function to time, called with no arguments.
        repeats: how many times to call it.
    """
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def forward_only():
    """One forward pass to the loss, without recording a graph."""
    with torch.no_grad():
        return loss_fn(model(images), labels).item()


def forward_and_backward():
    """One forward pass and one backward pass: every parameter's gradient at once."""
    model.zero_grad()
    loss_fn(model(images), labels).backward()


def two_sig(x):
    """``x`` rounded to two significant figures, as text: 0.35, 55, 31,000.

    Args:
        x: a non-zero number.
    """
    rounded = round(x, 1 - math.floor(math.log10(abs(x))))
    return f"{rounded:,.{max(0, 1 - math.floor(math.log10(abs(rounded))))}f}"


threads = torch.get_num_threads()
torch.set_num_threads(1)                   # time on one core: threads fighting for a busy CPU add noise
forward_only(), forward_and_backward()     # warm up once before timing
t_forward = fastest(forward_only, 30)
t_backprop = fastest(forward_and_backward, 30)

# The naive way: nudge one parameter by eps, run the forward pass again, see how the loss moved.
eps = 1e-3
params = list(model.parameters())
picks = torch.randint(0, len(params), (200,)).tolist()
sample = [(k, int(torch.randint(0, params[k].numel(), ()))) for k in picks]
base = forward_only()
estimates, per_parameter = [], []
for k, i in sample:
    flat = params[k].view(-1)               # the same numbers as one flat row: flat[i] edits the parameter
    start = time.perf_counter()
    with torch.no_grad():
        old = flat[i].item()
        flat[i] = old + eps                  # nudge one parameter
        estimates.append((forward_only() - base) / eps)
        flat[i] = old                        # and put it back exactly
    per_parameter.append(time.perf_counter() - start)
t_nudge = min(per_parameter)        # each time is the fastest of several tries, as above
t_all = t_nudge * n_params          # generous to the naive way: every nudge as fast as the fastest
torch.set_num_threads(threads)

t_all_text = two_sig(t_all)
ratio_text = two_sig(t_all / t_backprop)
backward_cost_text = two_sig(t_backprop / t_forward)   # forward + backward, in forward passes
print(f"{'method':42} {'time':>11}   gradients")
print(f"{'one forward pass (batch of 64)':42} {two_sig(t_forward * 1e3):>8} ms   none")
print(f"{'backprop: one forward + one backward pass':42} {two_sig(t_backprop * 1e3):>8} ms   {n_params:,}")
print(f"{'finite differences: one nudged parameter':42} {two_sig(t_nudge * 1e3):>8} ms   1")
print(f"{'finite differences: all (extrapolated)':42} {t_all_text:>8} s    {n_params:,}")
print(f"backpropagation is about {ratio_text} times faster")
print(f"forward + backward took {backward_cost_text} times as long as a forward pass alone")

# %% chain_rule_forward
x, y, z = -2.0, 5.0, -4.0
q = x + y          # the first node adds
f = q * z          # the second multiplies
print(f"q = x + y = {q}")
print(f"f = q * z = {f}")

# %% chain_rule_by_hand
# Local derivatives: each node only knows its own operation.
df_dq = z          # f = q * z, so df/dq = z
df_dz = q          # ... and df/dz = q
dq_dx = 1.0        # q = x + y, so dq/dx = 1
dq_dy = 1.0        # ... and dq/dy = 1

# The chain rule multiplies them along the path from f back to each input.
df_dx = df_dq * dq_dx
df_dy = df_dq * dq_dy
print(f"df/dz = q = {df_dz}")
print(f"df/dq = z = {df_dq}")
print(f"df/dx = df/dq * dq/dx = {df_dq} * {dq_dx} = {df_dx}")
print(f"df/dy = df/dq * dq/dy = {df_dq} * {dq_dy} = {df_dy}")

# %% chain_rule_autograd
xt = torch.tensor(x, requires_grad=True)
yt = torch.tensor(y, requires_grad=True)
zt = torch.tensor(z, requires_grad=True)
ft = (xt + yt) * zt
ft.backward()
print(f"f = {ft.item()}")
print(f"autograd: df/dx = {xt.grad.item()}, df/dy = {yt.grad.item()}, df/dz = {zt.grad.item()}")
print("by hand: ", (df_dx, df_dy, df_dz))

# %% square_of_line
w = torch.tensor(3.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
x_in = 2.0                       # the input is data: no gradient needed

u = w * x_in + b                 # u = 7
L = u ** 2                       # L = 49
L.backward()

dL_du = 2 * u.item()             # by hand: L = u², so dL/du = 2u
dL_dw = dL_du * x_in             #          u = w·x + b, so du/dw = x
dL_db = dL_du * 1.0              #          ... and du/db = 1
print(f"u = {u.item()}, L = {L.item()}")
print(f"dL/dw: by hand {dL_dw}, autograd {w.grad.item()}")
print(f"dL/db: by hand {dL_db}, autograd {b.grad.item()}")

# %% neuron_forward
# One neuron with a ReLU, and a squared loss against a target.
x1, x2 = 2.0, -1.0        # inputs
w1, w2 = 0.5, -1.5        # weights
bias = 0.5
target = 1.0

p1 = w1 * x1              # multiply
p2 = w2 * x2              # multiply
s = p1 + p2               # add
zn = s + bias             # add: the neuron's pre-activation
act = max(zn, 0.0)        # ReLU: a max gate
err = act - target        # subtract
loss = err ** 2           # square
values = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "bias": bias, "target": target,
          "p1": p1, "p2": p2, "s": s, "z": zn, "a": act, "err": err, "loss": loss}
print(f"z = {zn}, a = relu(z) = {act}, loss = (a - target)² = {loss}")

# %% neuron_backward
# Each edge: (node, one of its inputs, local gradient d node / d input), from the loss backwards.
edges = [
    ("loss", "err", 2 * err),                 # loss = err²
    ("err", "a", 1.0),                        # err = a - target
    ("err", "target", -1.0),
    ("a", "z", 1.0 if zn > 0 else 0.0),       # a = max(z, 0)
    ("z", "s", 1.0),                          # z = s + bias
    ("z", "bias", 1.0),
    ("s", "p1", 1.0),                         # s = p1 + p2
    ("s", "p2", 1.0),
    ("p1", "w1", x1),                         # p1 = w1 * x1
    ("p1", "x1", w1),
    ("p2", "w2", x2),                         # p2 = w2 * x2
    ("p2", "x2", w2),
]
grads = {name: 0.0 for name in values}
grads["loss"] = 1.0                           # dloss/dloss
print(f"{'node':6} {'receives':>9}   {'× local':>8}   {'= passes to':14}")
for node, child, local in edges:
    passed = grads[node] * local
    grads[child] += passed                    # += : a node used twice collects from both uses
    print(f"{node:6} {grads[node]:9.2f}   × {local:6.2f}   = {passed:6.2f} to {child}")

# %% neuron_table
print(f"{'node':7} {'value':>7} {'dloss/dnode':>12}")
for name in values:
    print(f"{name:7} {values[name]:7.2f} {grads[name]:12.2f}")

# %% neuron_autograd
leaf = {name: torch.tensor(values[name], requires_grad=True)
        for name in ["x1", "x2", "w1", "w2", "bias", "target"]}
inner = {}
inner["p1"] = leaf["w1"] * leaf["x1"]
inner["p2"] = leaf["w2"] * leaf["x2"]
inner["s"] = inner["p1"] + inner["p2"]
inner["z"] = inner["s"] + leaf["bias"]
inner["a"] = torch.relu(inner["z"])
inner["err"] = inner["a"] - leaf["target"]
inner["loss"] = inner["err"] ** 2
for t in inner.values():
    t.retain_grad()               # keep gradients of intermediate nodes too, to compare
inner["loss"].backward()

every = {**leaf, **inner}
worst = max(abs(every[name].grad.item() - grads[name]) for name in values)
print(f"largest difference between the hand-made table and autograd: {worst}")

# %% credit_assignment
def neuron_loss_at(w1_, w2_, bias_):
    """The neuron's loss on the example above, (relu(w1·x1 + w2·x2 + bias) - target)².

    Args:
        w1_: the first weight.
        w2_: the second weight.
        bias_: the bias.
    """
    return (max(w1_ * x1 + w2_ * x2 + bias_, 0.0) - target) ** 2


signal = grads["z"]                            # dloss/dz: the blame that reaches the neuron's sum
inputs_of = {"w1": x1, "w2": x2, "bias": 1.0}   # the bias acts like a weight on an input of 1
nudge = 0.01
loss_change = {}
print(f"dloss/dz = {signal:g}, shared by every parameter of the neuron\n")
print("parameter  input  gradient = dloss/dz × input  gradient × 0.01  measured change")
for name, value in [("w1", w1), ("w2", w2), ("bias", bias)]:
    moved = {"w1": w1, "w2": w2, "bias": bias}
    moved[name] = value + nudge
    loss_change[name] = neuron_loss_at(moved["w1"], moved["w2"], moved["bias"]) - loss
    print(f"{name:9}  {inputs_of[name]:5g}  {grads[name]:8g} = {signal:g} × {inputs_of[name]:<11g}"
          f"  {grads[name] * nudge:+15.4f}  {loss_change[name]:+15.4f}")

# A second example, in which the input x2 is 0: w2 took no part in the output.
x_zero = torch.tensor([2.0, 0.0])
w_pair = torch.tensor([w1, w2], requires_grad=True)
loss_zero = (torch.relu(w_pair @ x_zero + bias) - target) ** 2
loss_zero.backward()
print(f"\ninputs {x_zero.tolist()}: dloss/dw1 = {w_pair.grad[0]:g}, dloss/dw2 = {w_pair.grad[1]:g}")

# %% graph_figure
def walk_graph(root):
    """Collect the nodes and edges autograd recorded behind ``root``.

    Args:
        root: the ``grad_fn`` of the output tensor.

    Returns:
        ``(nodes, edges)``: the nodes in the order they were found, and ``(child, parent)``
        pairs, where the child's tensor is an input of the parent's operation.
    """
    nodes, edges, stack = [root], [], [root]
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:     # an input that needs no gradient
                continue
            edges.append((child, node))
            if child not in nodes:
                nodes.append(child)
                stack.append(child)
    return nodes, edges


SYMBOL = {"MulBackward0": "×", "AddBackward0": "+", "SubBackward0": "−", "ReluBackward0": "relu",
          "PowBackward0": "**2"}


def draw_graph(tensors, edges, title):
    """Draw a computation graph top to bottom: a box for each tensor, a circle for each operation.

    Args:
        tensors: a dict from each autograd node to ``(name, value, gradient)`` of its tensor.
        edges: ``(child, parent)`` pairs: the child's tensor is an input of the parent's operation.
        title: the figure title.
    """
    parents = {node: [p for c, p in edges if c is node] for node in tensors}
    depth = {}

    def distance(node):       # the longest path from the node to the output
        if node not in depth:
            depth[node] = max((distance(p) + 1 for p in parents[node]), default=0)
        return depth[node]

    levels = {}
    for node in tensors:
        levels.setdefault(distance(node), []).append(node)
    box_w, box_h, radius, col_gap, level_gap = 1.9, 0.8, 0.36, 2.3, 2.0
    op_dy = box_h / 2 + 0.15 + radius          # an operation's circle sits just above its box
    x = {}
    for d in sorted(levels):  # from the output upwards: sit each node above the nodes it feeds
        nodes = sorted(levels[d], key=lambda n: sum(x[p] for p in parents[n]) / max(1, len(parents[n])))
        for i, node in enumerate(nodes):
            x[node] = col_gap * (i - (len(nodes) - 1) / 2)
    y = {node: level_gap * depth[node] for node in tensors}

    left, right = min(x.values()) - box_w / 2 - 0.1, max(x.values()) + box_w / 2 + 0.1
    bottom, top = -box_h / 2 - 0.1, max(y.values()) + box_h / 2 + 0.1
    fig, ax = plt.subplots(figsize=(5.6, 5.6 * (top - bottom) / (right - left)))
    used = {}
    for node, (name, value, grad) in tensors.items():
        ax.add_patch(FancyBboxPatch((x[node] - box_w / 2, y[node] - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0,rounding_size=0.15", facecolor="#e8eaf6", edgecolor="#3f51b5"))
        ax.text(x[node], y[node] + 0.15, f"{name} = {value:g}", ha="center", va="center", fontsize=8.5)
        ax.text(x[node], y[node] - 0.18, f"grad {grad:g}", ha="center", va="center", fontsize=8, color="#3f51b5")
        if node.next_functions:   # made by an operation: draw it as a circle just above the box
            oy, symbol = y[node] + op_dy, SYMBOL[node.name()]
            used[symbol] = node.name()
            ax.add_patch(Circle((x[node], oy), radius, facecolor="#fff3e0", edgecolor="#e65100"))
            ax.text(x[node], oy, symbol, ha="center", va="center", fontsize=12 if len(symbol) == 1 else 7.5)
            arrow(ax, (x[node], oy - radius), (x[node], y[node] + box_h / 2))
    for child, parent in edges:  # from the middle of the input's bottom edge to the edge of the operation's circle
        start = (x[child], y[child] - box_h / 2)
        centre = (x[parent], y[parent] + op_dy)
        dx, dy = centre[0] - start[0], centre[1] - start[1]
        length = math.hypot(dx, dy)
        arrow(ax, start, (centre[0] - radius * dx / length, centre[1] - radius * dy / length))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=9.5)
    entries = [f"{symbol}: {name}" for symbol, name in reversed(used.items())]   # inputs first
    key = "\n".join(" · ".join(entries[i:i + 3]) for i in range(0, len(entries), 3))
    ax.text((left + right) / 2, bottom - 0.1, f"Each operation and its grad_fn:\n{key}\nA box with no circle is a leaf;"
            " its gradient lands\nin .grad through an AccumulateGrad node.",
            ha="center", va="top", fontsize=7.5, color="0.35", linespacing=1.5)


def arrow(ax, start, end):
    """Draw an arrow from ``start`` to ``end``, both in data coordinates.

    Args:
        ax: the matplotlib axes.
        start: the ``(x, y)`` point the arrow leaves from.
        end: the ``(x, y)`` point it points at.
    """
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color="0.45", lw=1, shrinkA=0, shrinkB=0))


fns, graph_edges = walk_graph(inner["loss"].grad_fn)
name_of = {t.grad_fn: name for name, t in inner.items()}
tensor_of = {}
for fn in fns:
    if hasattr(fn, "variable"):              # AccumulateGrad: where a leaf's gradient lands
        name = next(n for n, t in leaf.items() if t is fn.variable)
    else:                                    # an operation: the tensor it produced
        name = name_of[fn]
    tensor_of[fn] = (name, every[name].item(), every[name].grad.item())
print(f"{len(fns)} nodes, {len(graph_edges)} edges, walked back from {inner['loss'].grad_fn.name()}")
draw_graph(tensor_of, graph_edges, "The graph autograd recorded for one neuron,\nwith this run's values and gradients")
plt.show()

# %% gates
print(f"{'gate':5} {'inputs':>13} {'output':>7} {'upstream':>9} {'gradients passed back':>22}")
for gate in ["add", "mul", "max"]:
    a_in = torch.tensor(3.0, requires_grad=True)
    b_in = torch.tensor(-2.0, requires_grad=True)
    out = {"add": a_in + b_in, "mul": a_in * b_in, "max": torch.maximum(a_in, b_in)}[gate]
    upstream = torch.tensor(5.0)
    out.backward(upstream)            # pretend the loss sends 5.0 into this gate
    print(f"{gate:5} {a_in.item():6.1f}, {b_in.item():5.1f} {out.item():7.1f} {upstream.item():9.1f}"
          f" {a_in.grad.item():12.1f}, {b_in.grad.item():5.1f}")

# %% two_layer_forward
X = torch.randn(6, 3, dtype=torch.float64)     # a batch of 6 examples, 3 features each
Y = torch.randn(6, 2, dtype=torch.float64)     # 2 targets each
W1 = torch.randn(3, 4, dtype=torch.float64)
b1 = torch.randn(4, dtype=torch.float64)
W2 = torch.randn(4, 2, dtype=torch.float64)
b2 = torch.randn(2, dtype=torch.float64)

Z1 = X @ W1 + b1               # Linear: (6, 3) @ (3, 4) + (4,) -> (6, 4)
A1 = torch.relu(Z1)            # ReLU
out = A1 @ W2 + b2             # Linear: (6, 4) @ (4, 2) + (2,) -> (6, 2)
mse = ((out - Y) ** 2).mean()  # MSE over all 12 numbers
print(f"shapes: Z1 {tuple(Z1.shape)}, A1 {tuple(A1.shape)}, out {tuple(out.shape)}")
print(f"loss = {mse.item():.6f}")

# %% two_layer_by_hand
n = out.numel()
dL_dout = 2 * (out - Y) / n            # mean of squares: d/dout = 2 (out - Y) / n
dL_dW2 = A1.T @ dL_dout                # out = A1 @ W2 + b2
dL_db2 = dL_dout.sum(dim=0)            # b2 was added to every row: add up the rows
dL_dA1 = dL_dout @ W2.T                # ... and back through W2 to the hidden layer
dL_dZ1 = dL_dA1 * (Z1 > 0)             # ReLU: the gradient passes only where Z1 > 0
dL_dW1 = X.T @ dL_dZ1                  # Z1 = X @ W1 + b1
dL_db1 = dL_dZ1.sum(dim=0)
hand = {"W1": dL_dW1, "b1": dL_db1, "W2": dL_dW2, "b2": dL_db2}
for name, g in hand.items():
    print(f"dL/d{name} has shape {str(tuple(g.shape)):7} (same as {name})")

# %% two_layer_autograd
params_ag = {name: t.clone().requires_grad_() for name, t in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]}
out_ag = torch.relu(X @ params_ag["W1"] + params_ag["b1"]) @ params_ag["W2"] + params_ag["b2"]
((out_ag - Y) ** 2).mean().backward()
print(f"{'param':6} {'allclose':>8} {'largest difference':>19}")
largest_diff = 0.0
for name, g in hand.items():
    diff = (g - params_ag[name].grad).abs().max().item()
    largest_diff = max(largest_diff, diff)
    print(f"{name:6} {str(torch.allclose(g, params_ag[name].grad)):>8} {diff:19.1e}")

# %% ex_dead_relu
leaf_dead = {name: torch.tensor(values[name], requires_grad=True) for name in ["w1", "w2", "bias"]}
z_dead = leaf_dead["w1"] * x1 + leaf_dead["w2"] * x2 + leaf_dead["bias"] - 4.0   # bias lowered by 4
loss_dead = (torch.relu(z_dead) - target) ** 2
loss_dead.backward()
dead_w1_grad = leaf_dead["w1"].grad.item()
print(f"z = {z_dead.item()}, loss = {loss_dead.item()}")
print(f"dloss/dw1 = {dead_w1_grad}, dloss/dbias = {leaf_dead['bias'].grad.item()}")

# %% check_dead_relu
# Run this after your answer to exercise 1: dloss/dw1 with the bias lowered by 4.
assert "dead_w1_grad" in globals(), (
    "Write your prediction of dloss/dw1 as a number called `dead_w1_grad` "
    "in the cell above, then run this cell again.")
assert isinstance(dead_w1_grad, (int, float)), (
    "`dead_w1_grad` should be a plain number (a tensor's .item() gives one), "
    f"not {type(dead_w1_grad).__name__}.")
expected_z = w1 * x1 + w2 * x2 + (bias - 4)    # the pre-activation, bias lowered
expected_dw1 = 2 * (max(expected_z, 0.0) - target) * (expected_z > 0) * x1
assert math.isclose(dead_w1_grad, expected_dw1, abs_tol=1e-9), (
    f"Not yet: {dead_w1_grad} is not dloss/dw1. With the bias lowered by 4, "
    f"z = {expected_z:g}. What does relu(z) output there, and how much of "
    "the upstream gradient does it pass back to z?")
print(f"Correct: z = {expected_z:g} is negative, so the ReLU passes nothing back: "
      f"dloss/dw1 = {abs(expected_dw1):g}.")

# %% ex_tanh_layer
A1_tanh = torch.tanh(Z1)
out_tanh = A1_tanh @ W2 + b2
d_out = 2 * (out_tanh - Y) / out_tanh.numel()
d_Z1 = (d_out @ W2.T) * (1 - A1_tanh ** 2)     # the one line that changes: tanh' = 1 - tanh²
tanh_grads = {"W1": X.T @ d_Z1, "b1": d_Z1.sum(dim=0), "W2": A1_tanh.T @ d_out, "b2": d_out.sum(dim=0)}

# %% check_tanh_layer
# Run this after your answer to exercise 2: your tanh gradients, against autograd's.
assert "tanh_grads" in globals(), (
    "Store your four gradients in a dict called `tanh_grads`, with the keys "
    '"W1", "b1", "W2", "b2" like `hand`, then run this cell again.')
assert isinstance(tanh_grads, dict), (
    f"`tanh_grads` should be a dict like `hand`, not {type(tanh_grads).__name__}.")
assert set(tanh_grads) == {"W1", "b1", "W2", "b2"}, (
    '`tanh_grads` should have exactly the keys "W1", "b1", "W2", "b2", '
    f"not {sorted(tanh_grads)}.")
expected_params = {"W1": W1.clone().requires_grad_(), "b1": b1.clone().requires_grad_(),
                   "W2": W2.clone().requires_grad_(), "b2": b2.clone().requires_grad_()}
expected_hidden = torch.tanh(X @ expected_params["W1"] + expected_params["b1"])
expected_out = expected_hidden @ expected_params["W2"] + expected_params["b2"]
((expected_out - Y) ** 2).mean().backward()
for expected_name, expected_param in expected_params.items():
    your_grad = tanh_grads[expected_name]
    assert isinstance(your_grad, torch.Tensor), (
        f'`tanh_grads["{expected_name}"]` should be a tensor, '
        f"not {type(your_grad).__name__}.")
    assert your_grad.shape == expected_param.shape, (
        f'`tanh_grads["{expected_name}"]` should have the shape '
        f"{tuple(expected_param.shape)} of {expected_name}, "
        f"not {tuple(your_grad.shape)}.")
    expected_gap = (your_grad.double() - expected_param.grad).abs().max().item()
    assert expected_gap < 1e-8, (
        f'Not yet: `tanh_grads["{expected_name}"]` differs from autograd\'s by up to '
        f"{expected_gap:.2g}. The activations are now A1 = tanh(Z1), and the step "
        "back through them multiplies by tanh'(Z1) = 1 - tanh(Z1)².")
print("Correct: all four hand-made gradients match autograd's.")

# %% ex_gradient_check
def two_layer_loss(W1_, b1_, W2_, b2_):
    """The MSE of the two-layer ReLU network on the batch ``X``, ``Y`` above, as a float.

    Args:
        W1_: the first layer's weights.
        b1_: the first layer's biases.
        W2_: the second layer's weights.
        b2_: the second layer's biases.
    """
    return ((torch.relu(X @ W1_ + b1_) @ W2_ + b2_ - Y) ** 2).mean().item()


h = 1e-6
numeric_dW1 = torch.zeros_like(W1)
for r in range(W1.shape[0]):
    for c in range(W1.shape[1]):
        up, down = W1.clone(), W1.clone()
        up[r, c] += h
        down[r, c] -= h
        numeric_dW1[r, c] = (two_layer_loss(up, b1, W2, b2) - two_layer_loss(down, b1, W2, b2)) / (2 * h)
worst_check = (numeric_dW1 - dL_dW1).abs().max().item()
print(f"central differences on all {W1.numel()} entries of W1: largest difference {worst_check:.1e}")

# %% check_gradient_check
# Run this after your answer to exercise 3: your central-difference estimate of dL/dW1.
assert "numeric_dW1" in globals(), (
    "Store your estimates in a tensor called `numeric_dW1`, shaped like `W1`, "
    "then run this cell again.")
assert isinstance(numeric_dW1, torch.Tensor), (
    f"`numeric_dW1` should be a tensor, not {type(numeric_dW1).__name__}.")
assert numeric_dW1.shape == W1.shape, (
    f"`numeric_dW1` should have the shape {tuple(W1.shape)} of `W1`, one estimate "
    f"per weight, not {tuple(numeric_dW1.shape)}.")
expected_W1 = W1.clone().requires_grad_()
((torch.relu(X @ expected_W1 + b1) @ W2 + b2 - Y) ** 2).mean().backward()
expected_gap = (numeric_dW1.double() - expected_W1.grad).abs().max().item()
assert expected_gap < 1e-6, (
    f"Not yet: an entry of `numeric_dW1` is off by {expected_gap:.2g}. For each "
    "entry, nudge one copy of `W1` up by h and another down by h (h = 1e-6 works), "
    "and divide the difference of the two losses by 2h.")
print(f"Correct: every estimate is within {expected_gap:.0e} of the true gradient.")
