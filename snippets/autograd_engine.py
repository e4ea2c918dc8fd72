"""Chapter: An autograd engine from scratch.

A scalar ``Value`` that records how it was computed and sends gradients back through that
record in topological order, compatible with Andrej Karpathy's micrograd; a small neural
network library on top of it; and a check of both against PyTorch.

Each ``# %% name`` cell is shown on the page docs/autograd_engine.md, with what it printed.
"""

# %% value_class
import math
import random

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Circle, FancyBboxPatch

random.seed(0)
torch.manual_seed(0)


class Value:
    """A scalar that remembers how it was computed, so that it can pass gradients back.

    Args:
        data: the number this Value holds.
        _children: the Values it was computed from (set by the operations).
        _op: the name of the operation that made it, for display.
        label: an optional name, for display.
    """

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0                  # d(output)/d(self), filled in by backward()
        self._backward = lambda: None    # passes out.grad on to the children
        self._prev = tuple(_children)    # the inputs, in order (micrograd keeps a set)
        self._op = _op
        self.label = label

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():                 # add: both inputs get the upstream gradient
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():                 # multiply: each input gets upstream × the other
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only powers by an int or a float"
        out = Value(self.data ** k, (self,), f"**{k}")

        def _backward():                 # d(x^k)/dx = k x^(k-1)
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        """max(0, x): a max gate against zero."""
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        """The hyperbolic tangent; its derivative is 1 - tanh²."""
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        """e to the power x; its derivative is itself."""
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def _topo(self):
        """Every Value this one depends on, each listed after all of its inputs."""
        order, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                order.append(v)
        build(self)
        return order

    def backward(self):
        """Fill in ``.grad`` of every Value this one depends on, by the chain rule."""
        self.grad = 1.0                  # d(self)/d(self)
        for v in reversed(self._topo()):   # from the output back to the inputs
            v._backward()

    def zero_grad(self):
        """Set ``.grad`` back to 0 on this Value and everything it depends on."""
        for v in self._topo():
            v.grad = 0.0

    # Everything else is built from the operations above.
    def __neg__(self): return self * -1
    def __radd__(self, other): return self + other
    def __sub__(self, other): return self + (-other)
    def __rsub__(self, other): return other + (-self)
    def __rmul__(self, other): return self * other
    def __truediv__(self, other): return self * other ** -1
    def __rtruediv__(self, other): return other * self ** -1
    def __repr__(self): return f"Value(data={self.data}, grad={self.grad})"

# %% first_expression
x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
q = x + y
f = q * z
f.backward()
print(f)
for v in (x, y, z):
    print(f"df/d{v.label} = {v.grad}")

# %% neuron_engine
# The neuron from the Backpropagation chapter, now built from Values.
x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")      # inputs
w1, w2 = Value(0.5, label="w1"), Value(-1.5, label="w2")      # weights
bias = Value(0.5, label="bias")
target = 1.0

p1 = w1 * x1; p1.label = "p1"
p2 = w2 * x2; p2.label = "p2"
s = p1 + p2; s.label = "s"
zn = s + bias; zn.label = "z"
act = zn.relu(); act.label = "a"
err = act - target; err.label = "err"
neuron_loss = err ** 2; neuron_loss.label = "loss"
neuron_loss.backward()

print(f"{'node':6} {'op':5} {'value':>6} {'grad':>6}")
for v in neuron_loss._topo():
    print(f"{v.label or 'const':6} {v._op or 'leaf':5} {v.data:6.2f} {v.grad:6.2f}")

# %% value_graph_figure
def draw_value_graph(root, title):
    """Draw the Values behind ``root`` top to bottom: a box per Value, a circle per operation.

    Args:
        root: the output Value; the graph is found by walking ``_prev``.
        title: the figure title.
    """
    nodes = root._topo()                     # every Value, found by walking _prev
    depth = {root: 0}
    for v in reversed(nodes):                # the longest path to the output
        for child in v._prev:
            depth[child] = max(depth.get(child, 0), depth[v] + 1)
    levels = {}
    for v in nodes:
        levels.setdefault(depth[v], []).append(v)
    users = {v: [u for u in nodes if v in u._prev] for v in nodes}
    box_w, box_h, radius, col_gap, level_gap = 1.9, 0.8, 0.36, 2.3, 2.0
    op_dy = box_h / 2 + 0.15 + radius        # an operation's circle sits just above its box
    x = {}
    for d in sorted(levels):                 # from the output upwards: sit each node above the nodes it feeds
        ordered = sorted(levels[d], key=lambda v: sum(x[u] for u in users[v]) / max(1, len(users[v])))
        for i, v in enumerate(ordered):
            x[v] = col_gap * (i - (len(ordered) - 1) / 2)
    y = {v: level_gap * depth[v] for v in nodes}

    left, right = min(x.values()) - box_w / 2 - 0.1, max(x.values()) + box_w / 2 + 0.1
    bottom, top = -box_h / 2 - 0.1, max(y.values()) + box_h / 2 + 0.1
    fig, ax = plt.subplots(figsize=(5.6, 5.6 * (top - bottom) / (right - left)))
    for v in nodes:
        ax.add_patch(FancyBboxPatch((x[v] - box_w / 2, y[v] - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0,rounding_size=0.15", facecolor="#fff3e0", edgecolor="#e65100"))
        ax.text(x[v], y[v] + 0.15, f"{v.label or 'const'} = {v.data:g}", ha="center", va="center", fontsize=8.5)
        ax.text(x[v], y[v] - 0.18, f"grad {v.grad:g}", ha="center", va="center", fontsize=8, color="#e65100")
        if v._op:                            # made by an operation: a circle just above the box
            oy = y[v] + op_dy
            ax.add_patch(Circle((x[v], oy), radius, facecolor="#e8eaf6", edgecolor="#3f51b5"))
            ax.text(x[v], oy, v._op, ha="center", va="center", fontsize=12 if len(v._op) == 1 else 7.5)
            arrow(ax, (x[v], oy - radius), (x[v], y[v] + box_h / 2))
            for child in v._prev:            # from the middle of each input's bottom edge to the circle's edge
                start = (x[child], y[child] - box_h / 2)
                dx, dy = x[v] - start[0], oy - start[1]
                length = math.hypot(dx, dy)
                arrow(ax, start, (x[v] - radius * dx / length, oy - radius * dy / length))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=9.5)


def arrow(ax, start, end):
    """Draw an arrow from ``start`` to ``end``, both in data coordinates.

    Args:
        ax: the matplotlib axes.
        start: the ``(x, y)`` point the arrow leaves from.
        end: the ``(x, y)`` point it points at.
    """
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color="0.45", lw=1, shrinkA=0, shrinkB=0))


draw_value_graph(neuron_loss, "The neuron as a graph of Values (walked through _prev),\nafter loss.backward()")
plt.show()

# %% micrograd_expression
a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
print(f"g     = {g.data:.4f}")
g.backward()
print(f"dg/da = {a.grad:.4f}")
print(f"dg/db = {b.grad:.4f}")

# %% micrograd_expression_torch
at = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
bt = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
ct = at + bt
dt = at * bt + bt**3
ct = ct + ct + 1
ct = ct + 1 + ct + (-at)
dt = dt + dt * 2 + (bt + at).relu()
dt = dt + 3 * dt + (bt - at).relu()
et = ct - dt
ft = et**2
gt = ft / 2.0
gt = gt + 10.0 / ft
gt.backward()
print(f"torch: g = {gt.item():.4f}, dg/da = {at.grad.item():.4f}, dg/db = {bt.grad.item():.4f}")
engine_vs_torch = max(abs(g.data - gt.item()), abs(a.grad - at.grad.item()), abs(b.grad - bt.grad.item()))
print(f"largest difference from our engine: {engine_vs_torch:.1e}")

published = {"g": 24.7041, "dg/da": 138.8338, "dg/db": 645.5773}   # as printed in micrograd's README
ours_4dp = {"g": round(g.data, 4), "dg/da": round(a.grad, 4), "dg/db": round(b.grad, 4)}
print(f"same four decimals as the published example: {ours_4dp == published}")

# %% backward_twice
u = Value(3.0, label="u")
v2 = u * 2; v2.label = "v"
w3 = v2 * 3; w3.label = "w"              # w = 3 · (2u): dw/du = 6
w3.backward()
first = {n.label: n.grad for n in (w3, v2, u)}
w3.backward()                            # again, without zeroing
print(f"{'node':5} {'after one backward()':>21} {'after two':>10}")
for n in (w3, v2, u):
    print(f"{n.label:5} {first[n.label]:21.1f} {n.grad:10.1f}")

a_first, b_first = a.grad, b.grad
g.backward()                             # micrograd's expression, a second time
print(f"micrograd's expression: dg/da went from {a_first:.4f} to {a.grad:.4f},"
      f" twice would be {2 * a_first:.4f}")

# %% torch_retain_graph
# The same chain in PyTorch. retain_graph=True keeps the values the backward pass saved;
# without it, the second call below would fail.
ut = torch.tensor(3.0, requires_grad=True)
wt = (ut * 2) * 3
wt.backward(retain_graph=True)
once = ut.grad.item()
wt.backward()
print(f"after one backward(): {once}")
print(f"after two:            {ut.grad.item()}   (ratio {ut.grad.item() / once})")

# %% zero_grad_fix
w3.zero_grad()                           # every node of the graph back to 0
w3.backward()
print(f"dw/du = {u.grad}; same as after the first backward(): {u.grad == first['u']}")
g.zero_grad()
g.backward()
print(f"dg/da = {a.grad:.4f}, dg/db = {b.grad:.4f}; same as after the first: {(a.grad, b.grad) == (a_first, b_first)}")

# %% nn_library
class Module:
    """Anything with parameters: it can list them and zero their gradients (micrograd's name for it)."""

    def zero_grad(self):
        """Set every parameter's gradient to 0 before the next backward pass."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self):
        """The Values that training may change."""
        return []


class Neuron(Module):
    """One neuron: a weighted sum of its inputs plus a bias, then a ReLU unless ``nonlin`` is False.

    Args:
        nin: the number of inputs.
        nonlin: whether to apply the ReLU.
    """

    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs.

    Args:
        nin: the number of inputs.
        nout: the number of neurons, and so of outputs.
        kwargs: passed on to every ``Neuron``.
    """

    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP(Module):
    """Layers in a row; every layer but the last has a ReLU.

    Args:
        nin: the number of inputs.
        nouts: the number of neurons in each layer, in order: [8, 1] is 8 hidden, 1 output.
    """

    def __init__(self, nin, nouts):
        sizes = [nin] + nouts
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


# %% xor_data
def make_xor(n, noise):
    """``n`` points in four clouds around the corners (±1, ±1), labelled +1 where the signs agree.

    Args:
        n: the number of points, dealt to the four corners in turn.
        noise: the standard deviation of each cloud.
    """
    points, labels = [], []
    for i in range(n):
        cx, cy = [(-1, -1), (-1, 1), (1, -1), (1, 1)][i % 4]
        points.append([cx + random.gauss(0, noise), cy + random.gauss(0, noise)])
        labels.append(1 if cx * cy > 0 else -1)
    return points, labels


X, Y = make_xor(32, noise=0.4)
model = MLP(2, [8, 1])
initial = [p.data for p in model.parameters()]     # kept for the torch check below
print(f"{len(X)} points, {Y.count(1)} labelled +1 and {Y.count(-1)} labelled -1")
n_model_params = len(model.parameters())          # 8 × (2 + 1) + (8 + 1)
print(f"MLP(2, [8, 1]) has {n_model_params} parameters")

# %% train_engine
def hinge_loss(scores, labels):
    """The mean hinge loss, max(0, 1 - y·score), over Values.

    Args:
        scores: the model's scores, one Value per point.
        labels: the true labels, -1 or +1.
    """
    return sum((1 - yi * si).relu() for yi, si in zip(labels, scores)) / len(labels)


lr, num_steps = 0.4, 20
losses, accuracies = [], []
print(f"{'step':>4} {'loss':>7} {'accuracy':>9}")
for step in range(num_steps):
    scores = [model(point) for point in X]         # forward
    loss = hinge_loss(scores, Y)
    model.zero_grad()                              # backward
    loss.backward()
    for p in model.parameters():                   # update
        p.data -= lr * p.grad
    losses.append(loss.data)
    accuracies.append(sum((si.data > 0) == (yi > 0) for yi, si in zip(Y, scores)) / len(Y))
    if step % 5 == 0 or step == num_steps - 1:
        print(f"{step:4d} {loss.data:7.4f} {accuracies[-1]:9.0%}")
assert all(math.isfinite(l) for l in losses) and losses[-1] < losses[0]

# %% decision_boundary
xs = [-2.2 + 4.4 * i / 29 for i in range(30)]
ys = [-2.2 + 4.4 * j / 29 for j in range(30)]
grid = [[model([gx, gy]).data for gx in xs] for gy in ys]     # the engine's score at each grid point

fig, ax = plt.subplots(figsize=(6.4, 4.8))
ax.contourf(xs, ys, grid, levels=[min(map(min, grid)), 0, max(map(max, grid))], colors=["#fde0dd", "#deebf7"])
ax.contour(xs, ys, grid, levels=[0], colors="0.3", linewidths=1)
for label, color, marker, name in [(1, "#2171b5", "o", "label +1"), (-1, "#cb181d", "s", "label -1")]:
    ax.scatter([p[0] for p, l in zip(X, Y) if l == label], [p[1] for p, l in zip(X, Y) if l == label],
               c=color, marker=marker, edgecolors="white", label=name)
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
ax.set_title("XOR, as learned by the Value-based MLP (blue: score > 0)")
ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
plt.show()

# %% torch_twin
# The same network as float64 tensors, starting from the engine's initial numbers.
# The parameters come neuron by neuron, [w_1, ..., w_nin, b], so each layer is an (nout, nin + 1) block.
layers, start = [], 0
for layer in model.layers:
    nout, nin = len(layer.neurons), len(layer.neurons[0].w)
    block = torch.tensor(initial[start:start + nout * (nin + 1)], dtype=torch.float64).reshape(nout, nin + 1)
    start += nout * (nin + 1)
    layers.append((block[:, :nin].clone().requires_grad_(), block[:, nin].clone().requires_grad_(),
                   layer.neurons[0].nonlin))
Xt = torch.tensor(X, dtype=torch.float64)
Yt = torch.tensor(Y, dtype=torch.float64)

torch_losses = []
for step in range(num_steps):
    h = Xt
    for W, bvec, nonlin in layers:
        h = h @ W.T + bvec
        h = torch.relu(h) if nonlin else h
    loss_t = torch.relu(1 - Yt * h.squeeze(1)).mean()
    for W, bvec, _ in layers:
        W.grad, bvec.grad = None, None
    loss_t.backward()
    with torch.no_grad():
        for W, bvec, _ in layers:
            W -= lr * W.grad
            bvec -= lr * bvec.grad
    torch_losses.append(loss_t.item())

loss_gap = max(abs(l1 - l2) for l1, l2 in zip(losses, torch_losses))
ours = [p.data for p in model.parameters()]
theirs = [v for W, bvec, _ in layers for row_w, bi in zip(W.tolist(), bvec.tolist()) for v in row_w + [bi]]
weight_gap = max(abs(o - t) for o, t in zip(ours, theirs))
print(f"torch, same start, same {num_steps} steps: final loss {torch_losses[-1]:.4f} (ours {losses[-1]:.4f})")
print(f"largest loss difference over the {num_steps} steps: {loss_gap:.1e}")
print(f"largest difference in the final {n_model_params} parameters: {weight_gap:.1e}")

# %% ex_reuse
r = Value(3.0)
out = r * r + r             # r is used three times
out.backward()
reuse_grad = r.grad
print(f"d(r² + r)/dr at r = 3: {reuse_grad}")

# %% check_reuse
# Run this after your answer to exercise 1: your prediction of r.grad.
assert "reuse_grad" in globals(), (
    "Write your prediction of `r.grad` as a number called `reuse_grad` "
    "in the cell above, then run this cell again.")
assert isinstance(reuse_grad, (int, float)), (
    f"`reuse_grad` should be a plain number, not {type(reuse_grad).__name__}.")
expected_r = 3.0
expected_reuse = 2 * expected_r + 1          # d(r² + r)/dr = 2r + 1
assert math.isclose(reuse_grad, expected_reuse), (
    f"Not yet: {reuse_grad:g} is not d(r·r + r)/dr at r = 3. `r` appears three "
    "times in `out`: each appearance sends back its own share, and `+=` adds "
    "them up.")
print(f"Correct: {expected_r:g} + {expected_r:g} from the product and 1 from the sum "
      f"make {expected_reuse:g}.")

# %% ex_sigmoid
def sigmoid(self):
    """1 / (1 + e^-x) as a single operation; its local gradient is s (1 - s).

    Args:
        self: the Value to squash.
    """
    s = 1 / (1 + math.exp(-self.data))
    out = Value(s, (self,), "sigmoid")

    def _backward():
        self.grad += s * (1 - s) * out.grad
    out._backward = _backward
    return out


Value.sigmoid = sigmoid                   # give every Value the new method

v_one = Value(0.7)
v_one.sigmoid().backward()
v_many = Value(0.7)
(1 / (1 + (-v_many).exp())).backward()    # the same function from five existing operations
v_torch = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
torch.sigmoid(v_torch).backward()
print(f"one operation:   {v_one.grad:.10f}")
print(f"five operations: {v_many.grad:.10f}")
print(f"torch:           {v_torch.grad.item():.10f}")

# %% check_sigmoid
# Run this after your answer to exercise 2: your Value.sigmoid and its gradient.
assert hasattr(Value, "sigmoid"), (
    "Give `Value` a method called `sigmoid`: write a function `sigmoid(self)` "
    "in the cell above, attach it with `Value.sigmoid = sigmoid`, then run this "
    "cell again.")
for expected_x in (-2.0, 0.0, 0.7, 3.0):
    expected_s = 1 / (1 + math.exp(-expected_x))
    expected_in = Value(expected_x)
    expected_out = expected_in.sigmoid()
    assert isinstance(expected_out, Value), (
        f"`sigmoid()` should return a new Value, not {type(expected_out).__name__}.")
    assert math.isclose(expected_out.data, expected_s, rel_tol=1e-9), (
        f"Not yet: the sigmoid of {expected_x:g} is {expected_s:.6f}, "
        f"but yours gives {expected_out.data}.")
    assert expected_out._prev == (expected_in,), (
        "`sigmoid()` should be a single operation whose only input is the Value "
        'itself: make its result with Value(s, (self,), "sigmoid") and give it '
        "its own `_backward`.")
    (expected_out * 3 + expected_out).backward()    # used twice: 4 flows back into it
    expected_grad = 4 * expected_s * (1 - expected_s)
    assert math.isclose(expected_in.grad, expected_grad, rel_tol=1e-9), (
        f"Not yet: in `out * 3 + out` with out = sigmoid({expected_x:g}), the "
        f"input's gradient should be 4·s·(1 - s) = {expected_grad:.6f}, but yours "
        f"gives {expected_in.grad:.6f}. In `_backward`, add (`+=`) s·(1 - s) times "
        "`out.grad` to `self.grad`.")
print("Correct: your sigmoid gives the right values and passes back s·(1 - s) "
      "times the upstream gradient.")

# %% ex_wrong_order
def backward_breadth_first(root):
    """A broken backward(): nodes in breadth-first order from the output, not topological order.

    Args:
        root: the output Value.
    """
    root.grad = 1.0
    queue, seen = [root], {root}
    while queue:
        v = queue.pop(0)
        v._backward()
        for child in v._prev:
            if child not in seen:
                seen.add(child)
                queue.append(child)


def bad_graph():
    """A small graph, top = m + 3m with m = 2k, returned as ``(k, top)``; d top / dk = 8."""
    k = Value(1.0)
    m = k * 2
    top = m + m * 3
    return k, top


k_bfs, top_bfs = bad_graph()
backward_breadth_first(top_bfs)
k_topo, top_topo = bad_graph()
top_topo.backward()
print(f"breadth-first order: dtop/dk = {k_bfs.grad}")
print(f"topological order:   dtop/dk = {k_topo.grad}")

# %% check_wrong_order
# Run this after your answer to exercise 3: breadth-first order, where it goes wrong.
assert "backward_breadth_first" in globals(), (
    "Write a function `backward_breadth_first(root)` in the cell above, "
    "then run this cell again.")
assert "bad_graph" in globals(), (
    "Write a function `bad_graph()` that builds a new graph and returns "
    "`(leaf, output)`, then run this cell again.")
# Where no Value is used twice, any order from the output down is right.
expected_a, expected_b = Value(2.0), Value(-3.0)
expected_c, expected_d = Value(0.5), Value(4.0)
backward_breadth_first((expected_a * expected_b + expected_c) * expected_d)
expected_got = [expected_a.grad, expected_b.grad, expected_c.grad, expected_d.grad]
expected_want = [expected_b.data * expected_d.data,     # d/da, d/db, d/dc, d/dd
                 expected_a.data * expected_d.data,
                 expected_d.data,
                 expected_a.data * expected_b.data + expected_c.data]
assert all(math.isclose(g, w) for g, w in zip(expected_got, expected_want)), (
    "Not yet: on (a * b + c) * d, where no Value is used twice, "
    f"`backward_breadth_first` should give what `.backward()` gives, {expected_want} "
    f"for a, b, c, d, but it gives {expected_got}. Set root.grad = 1.0, then call "
    "each Value's `_backward()` as it leaves the queue, and put its inputs at the "
    "back of the queue.")
expected_graphs = [bad_graph(), bad_graph()]
assert all(isinstance(g, (tuple, list)) and len(g) == 2
           and all(isinstance(v, Value) for v in g) for g in expected_graphs), (
    "`bad_graph()` should return two Values: `(leaf, output)`.")
assert expected_graphs[0][0] is not expected_graphs[1][0], (
    "`bad_graph()` should build new Values each time it is called: "
    "the check runs one backward pass on each.")
backward_breadth_first(expected_graphs[0][1])
expected_graphs[1][1].backward()
expected_bfs, expected_topo = expected_graphs[0][0].grad, expected_graphs[1][0].grad
assert not math.isclose(expected_bfs, expected_topo), (
    f"Not yet: on your graph both orders give d output / d leaf = {expected_topo:g}. "
    "Use one Value twice: once directly in the output, and once through a "
    "longer path.")
print(f"Correct: on your graph, breadth-first order gives {expected_bfs:g}, "
      f"topological order {expected_topo:g}.")
