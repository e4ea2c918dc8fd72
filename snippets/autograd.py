"""Chapter 2, Gradients and autograd: slopes, PyTorch's autograd, the dynamic graph and finite differences.

Each ``# %% name`` cell is shown on the page docs/autograd.md, with what it printed.
"""

# %% slopes
import math

import matplotlib.pyplot as plt
import torch

torch.manual_seed(0)


def square(x):
    """The function this section studies, f(x) = x².

    Args:
        x: a number or a tensor.

    Returns:
        x squared.
    """
    return x ** 2


def square_slope(x):
    """The derivative of x², worked out by hand.

    Args:
        x: a number or a tensor.

    Returns:
        2x, the slope of x² at x.
    """
    return 2 * x


points = [3.0, 1.0, 0.0, -2.0]
slopes = {x: square_slope(x) for x in points}

print("   x   f(x)   slope 2x   downhill is")
for x in points:
    s = slopes[x]
    if s > 0:
        way = "to the left: decrease x"
    elif s < 0:
        way = "to the right: increase x"
    else:
        way = "nowhere: this is the bottom"
    print(f"{x:4g}  {square(x):5g}  {s:9g}   {way}")

# %% tangent_plot
curve_x = [-4 + 8 * i / 200 for i in range(201)]
fig, ax = plt.subplots(figsize=(6.4, 3.8))
ax.plot(curve_x, [square(x) for x in curve_x], color="black", linewidth=2, label="f(x) = x²")
for x0, color in zip(points, ["tab:red", "tab:orange", "tab:green", "tab:blue"]):
    y0, s = square(x0), slopes[x0]
    ends = [x0 - 1.2, x0 + 1.2]
    ax.plot(ends, [y0 + s * (x - x0) for x in ends], color=color, linewidth=1.5,
            label=f"tangent at x = {x0:g}: slope {s:g}")
    ax.plot([x0], [y0], "o", color=color)
    if s != 0:  # an arrow under the point, pointing downhill: against the sign of the slope
        ax.annotate("", xy=(x0 - 0.9 * math.copysign(1, s), -2), xytext=(x0, -2),
                    arrowprops={"arrowstyle": "->", "color": color, "linewidth": 1.5})
ax.text(0, -3.3, "arrows: the downhill direction at each point", fontsize=8, ha="center", va="center")
ax.set(xlabel="x", ylabel="f(x)", ylim=(-4, 17), title="The derivative is the slope of the tangent line")
ax.legend(fontsize=8, loc="upper center")
plt.show()

# %% which_way
learning_rate = 0.1
print(f"   x   slope   new x = x - {learning_rate} * slope   f before   f after")
for x in points:
    new_x = x - learning_rate * slopes[x]
    print(f"{x:4g} {slopes[x]:7g} {new_x:16.1f} {square(x):17.2f} {square(new_x):9.2f}")

# %% first_grad
x = torch.tensor(3.0, requires_grad=True)  # a leaf tensor: autograd records what is done with it
f = x ** 2                                 # the forward pass records one operation
print("x      =", x)
print("f      =", f)
f.backward()                               # run the record backwards; df/dx lands in x.grad
print("x.grad =", x.grad, "   by hand, 2x =", square_slope(3.0))

# %% square_plus
x = torch.tensor(2.0, requires_grad=True)
g = x ** 2 + 3 * x
g.backward()
square_plus_value, square_plus_grad = g.item(), x.grad.item()
print(f"g(2)  = {square_plus_value:g}")
print(f"g'(2) = {square_plus_grad:g}    by hand, 2x + 3 = {2 * 2.0 + 3:g}")

# %% cubic
def cubic(x):
    """The polynomial 3x³ + 2x² − 5x + 7.

    Args:
        x: a number or a tensor.

    Returns:
        The polynomial's value at x.
    """
    return 3 * x ** 3 + 2 * x ** 2 - 5 * x + 7


def cubic_slope(x):
    """The derivative of :func:`cubic`, worked out by hand: 9x² + 4x − 5.

    Args:
        x: a number or a tensor.

    Returns:
        The slope of the polynomial at x.
    """
    return 9 * x ** 2 + 4 * x - 5


x = torch.tensor(2.0, requires_grad=True)
value = cubic(x)
value.backward()
cubic_value, cubic_grad = value.item(), x.grad.item()
print(f"f(2)  = {cubic_value:g}")
print(f"f'(2) = {cubic_grad:g}    by hand, 9x² + 4x - 5 = {cubic_slope(2.0):g}")

# %% two_params
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
f_wb = 3 * w ** 2 + 2 * w * b + b ** 2
f_wb.backward()  # one backward pass fills in both gradients
print(f"f(2, 1) = {f_wb.item():g}")
print(f"df/dw   = {w.grad.item():g}    by hand, 6w + 2b = {6 * 2.0 + 2 * 1.0:g}")
print(f"df/db   = {b.grad.item():g}     by hand, 2w + 2b = {2 * 2.0 + 2 * 1.0:g}")

# %% nudge
w0, b0, nudge = w.item(), b.item(), 0.01
f_before = 3 * w0 ** 2 + 2 * w0 * b0 + b0 ** 2
f_after = 3 * (w0 + nudge) ** 2 + 2 * (w0 + nudge) * b0 + b0 ** 2
actual_rise = f_after - f_before
predicted_rise = w.grad.item() * nudge
print(f"w from {w0:g} to {w0 + nudge:g}: f rose by {actual_rise:.4f}; df/dw × {nudge} predicted {predicted_rise:.4f}")

# %% graph_walk
x = torch.tensor(3.0, requires_grad=True)
doubled = x * 2
shifted = doubled + 5
cubed = shifted ** 3
out = torch.sin(cubed)

node = out.grad_fn
while node is not None:
    inputs = [fn.name() if fn is not None else "None (a constant)" for fn, _ in node.next_functions]
    print(f"{node.name()} <- {', '.join(inputs) or 'nothing: it stands for the leaf x'}")
    node = node.next_functions[0][0] if node.next_functions else None

leaf = out.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0].next_functions[0][0]
print("the AccumulateGrad node holds x itself:", leaf.variable is x)

out.backward()
chain_rule = math.cos((2 * 3.0 + 5) ** 3) * 3 * (2 * 3.0 + 5) ** 2 * 2
print(f"autograd:   d out/dx = {x.grad.item():.3f}")
print(f"chain rule: cos((2x+5)³) · 3(2x+5)² · 2 = {chain_rule:.3f}")

# %% no_grad
w = torch.tensor(2.0, requires_grad=True)
tracked = w * 3
with torch.no_grad():
    untracked = w * 3
detached = tracked.detach()

for label, t in [("w * 3", tracked), ("w * 3 in no_grad", untracked), ("(w * 3).detach()", detached)]:
    grad_fn = t.grad_fn.name() if t.grad_fn is not None else None
    print(f"{label:17} value={t.item():g}  requires_grad={t.requires_grad!s:5}  grad_fn={grad_fn}")
# data_ptr() is the memory address of a tensor's numbers
print("detach() shares memory with the original:", detached.data_ptr() == tracked.data_ptr())

# %% inplace_leaf raises=RuntimeError
loss = (w * 3 - 12) ** 2
loss.backward()
w -= 0.01 * w.grad  # an update that autograd would record as part of the graph

# %% update_with_no_grad
with torch.no_grad():  # the update is bookkeeping, not part of the function we differentiate
    w -= 0.01 * w.grad
print(f"w.grad was {w.grad.item():g}; after one step w = {w.item():.2f}, requires_grad={w.requires_grad}")

# %% control_flow
def grow(x, limit=100.0):
    """Make x positive, then double it until it reaches ``limit``.

    Args:
        x: a scalar tensor (or number).
        limit: the size at which the doubling stops.

    Returns:
        The final value and the number of doublings.
    """
    if x < 0:
        x = -x
    doublings = 0
    while x < limit:
        x = x * 2
        doublings += 1
    return x, doublings


print("start   doublings   grow(x)   d grow/dx")
for start in [3.0, 7.0, 60.0, -3.0]:
    x = torch.tensor(start, requires_grad=True)
    result, doublings = grow(x)
    result.backward()
    print(f"{start:5g} {doublings:11d} {result.item():9g} {x.grad.item():11g}")

# %% accumulate
x = torch.tensor(3.0, requires_grad=True)
for call in range(1, 4):
    y = x ** 2      # a fresh forward pass each time, as in a training loop
    y.backward()    # ... but nobody cleared x.grad
    print(f"after backward() number {call}: x.grad = {x.grad.item():g}")
accumulated = x.grad.item()

# %% zero_grad
x.grad.zero_()  # the trailing _ means "in place": x.grad itself is set to 0
(x ** 2).backward()
print("after x.grad.zero_() and one more backward():", x.grad.item())

x.grad = None  # forget the gradient altogether; the next backward() starts afresh
print("after x.grad = None:", x.grad)

layer = torch.nn.Linear(1, 1)  # a tiny layer with two parameters, weight and bias
for _ in range(2):
    layer(torch.ones(1)).sum().backward()
print("a layer's weight.grad after two backward() calls:", layer.weight.grad.item())
layer.zero_grad()  # sets .grad to None for the layer's weight and bias
print("after layer.zero_grad():", layer.weight.grad, layer.bias.grad)

# %% accumulate_on_purpose
features = torch.tensor([1.0, 2.0, 3.0, 4.0])
targets = torch.tensor([2.0, 4.0, 6.0, 8.0])
w = torch.tensor(1.0, requires_grad=True)

((w * features - targets) ** 2).sum().backward()
whole_batch = w.grad.item()

w.grad = None
for part in [slice(0, 2), slice(2, 4)]:  # two half-batches, one backward() each
    ((w * features[part] - targets[part]) ** 2).sum().backward()
two_halves = w.grad.item()
print(f"gradient of the whole batch: {whole_batch:g}")
print(f"two half-batches, summed by accumulation: {two_halves:g}")

# %% backward_twice raises=RuntimeError
x = torch.tensor(3.0, requires_grad=True)
y = x * x       # to send a gradient back, x * x needs x: autograd saved it
y.backward()    # ... used it, and freed it
y.backward()    # the same result a second time: the saved x is gone

# %% backward_twice_silent
x = torch.tensor(3.0, requires_grad=True)
y = x + 1       # the slope of x + 1 is 1 wherever x is: nothing needs saving
y.backward()
print("after one backward():  x.grad =", x.grad.item())
y.backward()    # the same result a second time: no error...
print("after a second one:    x.grad =", x.grad.item())  # ... and the gradient silently doubled
twice_grad = x.grad.item()

# %% finite_difference
def central_difference(fn, params, h=1e-4):
    """Estimate the gradient of ``fn`` by nudging each parameter down and up by ``h``.

    Args:
        fn: a function from a 1-D tensor to a scalar tensor.
        params: the 1-D tensor at which to estimate the gradient.
        h: the size of the nudge.

    Returns:
        A tensor shaped like ``params`` whose entry i is
        (fn(params + h·eᵢ) − fn(params − h·eᵢ)) / (2h).
    """
    params = params.detach()
    grad = torch.zeros_like(params)
    for i in range(params.numel()):
        step = torch.zeros_like(params)
        step[i] = h
        grad[i] = (fn(params + step) - fn(params - step)) / (2 * h)
    return grad


# Thermometer readings in unknown units (t_u) and in degrees Celsius (t_c).
t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4], dtype=torch.float64)
t_c = torch.tensor([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0], dtype=torch.float64)


def thermometer_loss(params):
    """Mean squared error of the linear model w·t_u + b against t_c.

    Args:
        params: a tensor holding w and b.

    Returns:
        The loss, a scalar tensor.
    """
    w, b = params
    return ((w * t_u + b - t_c) ** 2).mean()


params = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
thermometer_loss(params).backward()
numerical = central_difference(thermometer_loss, params)

print("parameter        autograd   central difference   difference")
for i, name in enumerate(["w", "b"]):
    gap = abs(params.grad[i] - numerical[i]).item()
    print(f"dL/d{name}     {params.grad[i].item():14.6f} {numerical[i].item():20.6f} {gap:12.1e}")

# %% misplaced_parenthesis
delta = 0.1
loss_plus = thermometer_loss(torch.tensor([1.0, 0.0 + delta], dtype=torch.float64)).item()
loss_minus = thermometer_loss(torch.tensor([1.0, 0.0 - delta], dtype=torch.float64)).item()

misplaced = (loss_plus - loss_minus) / 2.0 * delta   # Python reads this as ((...) / 2.0) * delta
correct = (loss_plus - loss_minus) / (2.0 * delta)
misplaced_ratio = misplaced / correct
print(f"(L(b+δ) - L(b-δ)) / 2.0 * δ   = {misplaced:.6f}")
print(f"(L(b+δ) - L(b-δ)) / (2.0 * δ) = {correct:.6f}")
print(f"autograd's dL/db              = {params.grad[1].item():.6f}")
print(f"the misplaced version is the right one times δ² = {misplaced_ratio:.4f}")

# %% step_sizes
x64 = torch.tensor(2.0, dtype=torch.float64)
x32 = torch.tensor(2.0, dtype=torch.float32)
exact = cubic_slope(2.0)
steps = [10 ** (-k / 4) for k in range(0, 53)]  # h from 1 down to 1e-13
forward_errors, central_errors, central_errors_32 = [], [], []
for h in steps:
    forward = (cubic(x64 + h) - cubic(x64)) / h
    central = (cubic(x64 + h) - cubic(x64 - h)) / (2 * h)
    central_32 = (cubic(x32 + h) - cubic(x32 - h)) / (2 * h)
    forward_errors.append(abs(forward.item() - exact))
    central_errors.append(abs(central.item() - exact))
    central_errors_32.append(abs(central_32.item() - exact))

print("        h   forward error   central error   central error (float32)")
for k in range(0, 53, 4):
    print(f"{steps[k]:9.0e} {forward_errors[k]:15.2e} {central_errors[k]:15.2e} {central_errors_32[k]:15.2e}")

best_h_64 = steps[min(range(len(steps)), key=central_errors.__getitem__)]
best_h_32 = steps[min(range(len(steps)), key=central_errors_32.__getitem__)]
print(f"smallest central error: h = {best_h_64:.0e} in float64, h = {best_h_32:.0e} in float32")

# %% step_size_plot
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for errors, label, style in [
    (forward_errors, "forward difference, float64", "o-"),
    (central_errors, "central difference, float64", "s-"),
    (central_errors_32, "central difference, float32", "^-"),
]:
    shown = [(h, e) for h, e in zip(steps, errors) if e > 0]  # an error of exactly 0 has no logarithm
    ax.loglog([h for h, _ in shown], [e for _, e in shown], style, markersize=3, label=label)
ax.set(xlabel="step size h", ylabel="|estimate - exact derivative|",
       title="Finite-difference error for 3x³ + 2x² - 5x + 7 at x = 2")
ax.invert_xaxis()
ax.legend(fontsize=8, loc="lower right")
plt.show()

# %% check_mse
y = torch.randn(5)
prediction = torch.randn(5, requires_grad=True)
((y - prediction) ** 2).sum().backward()
by_formula = -2 * (y - prediction.detach())
print("     y    f(x)   autograd   -2(y - f)")
for i in range(5):
    print(f"{y[i].item():6.3f} {prediction[i].item():7.3f} {prediction.grad[i].item():10.4f} {by_formula[i].item():11.4f}")

# %% check_linear
W = torch.randn(2, 3)
bias = torch.randn(2)
A = torch.randn(3)
# W @ A with a vector A: output i is row i of W times A, summed
jacobian = torch.autograd.functional.jacobian(lambda A: W @ A + bias, A)
print("W =")
print(W)
print("d(W·A + b)/dA =")
print(jacobian)
print("identical:", torch.equal(jacobian, W))

# %% check_relu
z = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
torch.relu(z).sum().backward()
relu_grad_at_zero = z.grad[2].item()
print("z          =", z.detach())
print("relu(z)    =", torch.relu(z).detach())
print("d relu/dz  =", z.grad)

# %% weights_not_data
inputs = torch.tensor([1.0, 2.0, 3.0])
labels = torch.tensor([3.0, 5.0, 7.0])       # made by y = 2x + 1
w = torch.tensor(0.5, requires_grad=True)    # the knobs we are allowed to turn
b = torch.tensor(0.0, requires_grad=True)
loss = ((w * inputs + b - labels) ** 2).mean()
loss.backward()
print(f"loss = {loss.item():.4f}")
print(f"dL/dw = {w.grad.item():.4f}   dL/db = {b.grad.item():.4f}")
print("inputs.grad =", inputs.grad, "   labels.grad =", labels.grad)

# %% ex_polynomial
# By hand: df/dx = 2xy + 3y² - 2 and df/dy = x² + 6xy, at (x, y) = (2, 3)
dfdx = 2 * 2 * 3 + 3 * 3 ** 2 - 2
dfdy = 2 ** 2 + 6 * 2 * 3

x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
f_xy = x ** 2 * y + 3 * x * y ** 2 - 2 * x + 5
f_xy.backward()
ex_value, ex_dx, ex_dy = f_xy.item(), x.grad.item(), y.grad.item()
print(f"f(2, 3) = {ex_value:g}")
print(f"df/dx   = {ex_dx:g}    by hand, 2xy + 3y² - 2 = {dfdx}")
print(f"df/dy   = {ex_dy:g}    by hand, x² + 6xy = {dfdy}")

# %% check_polynomial
# Run this after your answer to exercise 1.
assert "dfdx" in globals(), (
    "Store your ∂f/∂x at (2, 3) in `dfdx` in the cell above, then run this cell again.")
assert "dfdy" in globals(), (
    "Store your ∂f/∂y at (2, 3) in `dfdy` in the cell above, then run this cell again.")
for answer_name, answer in [("dfdx", dfdx), ("dfdy", dfdy)]:
    assert isinstance(answer, (int, float, torch.Tensor)), (
        f"`{answer_name}` should be a number, not {answer!r}.")
poly_x = torch.tensor(2.0, requires_grad=True)
poly_y = torch.tensor(3.0, requires_grad=True)
poly_f = poly_x ** 2 * poly_y + 3 * poly_x * poly_y ** 2 - 2 * poly_x + 5
poly_f.backward()  # autograd's answer
assert math.isclose(float(dfdx), poly_x.grad.item(), abs_tol=1e-4), (
    f"Not yet: `dfdx` is {float(dfdx):g}. Treat y as a constant, differentiate each of the "
    "four terms in x, then put in x = 2 and y = 3.")
assert math.isclose(float(dfdy), poly_y.grad.item(), abs_tol=1e-4), (
    f"Not yet: `dfdy` is {float(dfdy):g}. Treat x as a constant this time: the terms without y "
    "have slope 0.")
print(f"Correct: ∂f/∂x = {poly_x.grad.item():g} and ∂f/∂y = {poly_y.grad.item():g}.")

# %% ex_accumulate
predicted_grad = 3 * (3 * 2.0 ** 2)  # each backward pass adds 3x² = 12 to x.grad

x = torch.tensor(2.0, requires_grad=True)
for _ in range(3):
    (x ** 3).backward()
ex_accumulated = x.grad.item()
print("predicted:", predicted_grad, "  x.grad after three backward() calls:", ex_accumulated)

# %% check_accumulate
# Run this after your answer to exercise 2.
assert "predicted_grad" in globals(), (
    "Store your prediction of `x.grad` in `predicted_grad` in the cell above, then run this "
    "cell again.")
assert isinstance(predicted_grad, (int, float, torch.Tensor)), (
    f"`predicted_grad` should be a number, not {predicted_grad!r}.")
pile_x = torch.tensor(2.0, requires_grad=True)
for _ in range(3):
    (pile_x ** 3).backward()
one_pass = 3 * 2.0 ** 2  # d(x³)/dx at x = 2
assert not math.isclose(float(predicted_grad), one_pass), (
    f"Not yet: {one_pass:g} is what one backward pass leaves in `x.grad`. Nothing clears it "
    "between the three.")
assert math.isclose(float(predicted_grad), pile_x.grad.item(), abs_tol=1e-4), (
    f"Not yet: `predicted_grad` is {float(predicted_grad):g}. Each backward pass adds d(x³)/dx "
    "at x = 2 to `x.grad`.")
print(f"Correct: three passes leave {pile_x.grad.item():g} in `x.grad`.")

# %% ex_grow
predicted_doublings = 8     # 0.5 · 2⁷ = 64 is below 100, 0.5 · 2⁸ = 128 is not
predicted_grow_grad = 2 ** 8  # the result is 0.5 doubled 8 times, so its slope is 2⁸

x = torch.tensor(0.5, requires_grad=True)
result, ex_doublings = grow(x)
result.backward()
ex_grow_grad = x.grad.item()
print(f"grow(0.5) = {result.item():g} after {ex_doublings} doublings; d grow/dx = {ex_grow_grad:g}")

# %% check_grow
# Run this after your answer to exercise 3.
assert "predicted_doublings" in globals(), (
    "Store how many doublings you expect in `predicted_doublings` in the cell above, then run "
    "this cell again.")
assert "predicted_grow_grad" in globals(), (
    "Store the gradient you expect in `predicted_grow_grad` in the cell above, then run this "
    "cell again.")
grow_x = torch.tensor(0.5, requires_grad=True)
grow_result, grow_doublings = grow(grow_x)
grow_result.backward()
assert predicted_doublings == grow_doublings, (
    f"Not yet: it is not {predicted_doublings} doublings. Double 0.5 by hand and count until "
    "you reach 100.")
assert isinstance(predicted_grow_grad, (int, float, torch.Tensor)), (
    f"`predicted_grow_grad` should be a number, not {predicted_grow_grad!r}.")
assert math.isclose(float(predicted_grow_grad), grow_x.grad.item()), (
    f"Not yet: the gradient is not {float(predicted_grow_grad):g}. The result is x times 2, "
    "once for each doubling: what is its slope in x?")
print(f"Correct: {grow_doublings} doublings and a gradient of {grow_x.grad.item():g}.")

# %% ex_relu_weight
relu_w_grads = {-1: 4.0,   # w·x + b = 1 > 0: ReLU's slope is 1, so the gradient is x
                -3: 0.0}   # w·x + b = -1 < 0: ReLU is flat there

ex_relu_grads = {}
for bias_value in [-1.0, -3.0]:
    w = torch.tensor(0.5, requires_grad=True)
    torch.relu(w * 4.0 + bias_value).backward()
    ex_relu_grads[bias_value] = w.grad.item()
    print(f"b = {bias_value:g}: w·x + b = {0.5 * 4.0 + bias_value:g}, "
          f"d relu(w·x + b)/dw = {w.grad.item():g}   (predicted {relu_w_grads[bias_value]:g})")

# %% check_relu_weight
# Run this after your answer to exercise 4.
assert "relu_w_grads" in globals(), (
    "Make a dict called `relu_w_grads` in the cell above, then run this cell again.")
assert isinstance(relu_w_grads, dict), (
    "`relu_w_grads` should be a dict from each b to its gradient, not "
    f"{type(relu_w_grads).__name__}.")
for b_value in [-1, -3]:
    assert b_value in relu_w_grads, (
        f"`relu_w_grads` needs a gradient for b = {b_value}: use -1 and -3 as its keys.")
    relu_w = torch.tensor(0.5, requires_grad=True)
    neuron_input = relu_w * 4.0 + b_value
    torch.relu(neuron_input).backward()
    relu_slope = "1" if neuron_input > 0 else "0"
    assert math.isclose(float(relu_w_grads[b_value]), relu_w.grad.item()), (
        f"Not yet: with b = {b_value}, w·x + b = {neuron_input.item():g}, where ReLU's slope "
        f"is {relu_slope}. Multiply that by x = 4.")
print("Correct: x where the neuron's input is positive, 0 where it is negative.")

# %% ex_step
predicted_central = exact + 3 * 0.05 ** 2              # the exact slope + 3h²
predicted_forward = exact + 20 * 0.05 + 3 * 0.05 ** 2  # the exact slope + 20h + 3h²

h = 0.05
ex_central = ((cubic(x64 + h) - cubic(x64 - h)) / (2 * h)).item()
ex_forward = ((cubic(x64 + h) - cubic(x64)) / h).item()
ex_central_error, ex_forward_error = ex_central - exact, ex_forward - exact
print(f"central difference with h = {h}: {ex_central:.4f}   error {ex_central_error:.4f}   "
      f"predicted {predicted_central:.4f}")
print(f"forward difference with h = {h}: {ex_forward:.4f}   error {ex_forward_error:.4f}   "
      f"predicted {predicted_forward:.4f}")

# %% check_step
# Run this after your answer to exercise 5.
assert "predicted_central" in globals(), (
    "Store your central difference in `predicted_central` in the cell above, then run this "
    "cell again.")
assert "predicted_forward" in globals(), (
    "Store your forward difference in `predicted_forward` in the cell above, then run this "
    "cell again.")
step_h = 0.05
step_x = torch.tensor(2.0, dtype=torch.float64)
expected_central = ((cubic(step_x + step_h) - cubic(step_x - step_h)) / (2 * step_h)).item()
expected_forward = ((cubic(step_x + step_h) - cubic(step_x)) / step_h).item()
assert math.isclose(float(predicted_central), expected_central, abs_tol=1e-4), (
    f"Not yet: the central difference is not {float(predicted_central):.4f}. Its error here is "
    f"3h², with h = {step_h}.")
assert math.isclose(float(predicted_forward), expected_forward, abs_tol=1e-4), (
    f"Not yet: the forward difference is not {float(predicted_forward):.4f}. Its error here is "
    f"20h + 3h², with h = {step_h}.")
print(f"Correct: {expected_central:.4f} and {expected_forward:.4f}, against {exact:g}.")
