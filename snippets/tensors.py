"""Chapter 1, Tensors: the containers every neural network computes with.

Each ``# %% name`` cell is shown on the page docs/tensors.md, with what it printed.
"""

# %% ranks
import torch

torch.manual_seed(0)

scalar = torch.tensor(42.0)
vector = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
matrix = torch.tensor([[1.0, 2.0, 3.0],
                       [4.0, 5.0, 6.0]])
cube = torch.tensor([[[1, 2], [3, 4], [5, 6]],
                     [[7, 8], [9, 10], [11, 12]]])

for name, t in [("scalar", scalar), ("vector", vector), ("matrix", matrix), ("cube", cube)]:
    print(f"{name:6}  ndim={t.ndim}  shape={tuple(t.shape)}  elements={t.numel()}")

# %% read_shape
slabs, rows, cols = cube.shape
print(f"{slabs} slabs, each {rows} rows of {cols} numbers: {slabs} × {rows} × {cols} = {cube.numel()}")
print("the first slab:")
print(cube[0])
print("its last row:", cube[0, -1])

# %% item
one = cube[1, 2, 0]               # three indices pick out a single number...
print(one, "shape", tuple(one.shape))
print(one.item(), type(one.item()))          # ...and .item() hands it over as a plain Python number
print(matrix[1, 2].item(), type(matrix[1, 2].item()))

# %% creation
zeros = torch.zeros(3, 4)
ones = torch.ones(2, 5)
noise = torch.randn(3, 3)      # samples from a standard normal distribution
steps = torch.arange(0, 10)    # 0, 1, ..., 9: the end is left out
grid_points = torch.linspace(0, 1, 5)  # 5 evenly spaced points, both ends included
like = torch.zeros_like(noise)  # zeros with the shape and type of another tensor

print("zeros", tuple(zeros.shape), zeros.dtype)
print("ones ", tuple(ones.shape), ones.dtype)
print("randn", tuple(noise.shape), noise.dtype)
print(noise)
print("arange", steps, steps.dtype)
print("linspace", grid_points)
print("zeros_like", tuple(like.shape), like.dtype)

# %% dtypes
counts = torch.tensor([3, 1, 2])          # whole numbers: int64
prices = torch.tensor([3.0, 1.0, 2.0])    # a decimal point: float32, the default for floats
precise = torch.tensor([3.0, 1.0, 2.0], dtype=torch.float64)
print(counts.dtype, prices.dtype, precise.dtype)
print("counts / 2        =", counts / 2)           # true division always gives floats
print("counts.float()    =", counts.float())       # convert: .float() is float32
print("prices.double()   =", prices.double())      # .double() is float64
print("prices.to(torch.int64) =", prices.to(torch.int64))
print("precise + prices  =", precise + prices)     # mixed arithmetic gives the wider type

# %% precision
for dtype in [torch.float32, torch.float64]:
    one = torch.tensor(1.0, dtype=dtype)
    tenth = torch.tensor(0.1, dtype=dtype)
    print(dtype)
    print("  smallest step above 1:", torch.finfo(dtype).eps)
    print("  1 + 1e-8 == 1:", (one + 1e-8 == one).item())
    print(f"  0.1 is stored as {tenth.item():.20f}")

eps32 = torch.finfo(torch.float32).eps
ten_tenths = torch.full((10,), 0.1).sum()   # ten copies of 0.1 (float32), added up
print(f"ten tenths added up: {ten_tenths.item():.10f}")
print("== 1:", (ten_tenths == 1).item(), "  allclose to 1:", torch.allclose(ten_tenths, torch.tensor(1.0)))

# %% reshape
flat = torch.arange(1, 13, dtype=torch.float32)
grid = flat.reshape(3, 4)
blocks = flat.reshape(2, 2, 3)
auto = flat.reshape(4, -1)     # -1: "work this one out from the others"

print(grid)
print("shapes:", tuple(grid.shape), tuple(blocks.shape), tuple(auto.shape))
print("same twelve numbers:", torch.equal(grid.flatten(), flat))

# %% bad_reshape raises=RuntimeError
flat.reshape(3, 5)  # 3 × 5 = 15 places for 12 numbers

# %% unsqueeze
vec = torch.tensor([1.0, 2.0, 3.0])
row = vec.unsqueeze(0)      # a new size-1 dimension in front: one row
column = vec.unsqueeze(1)   # a new size-1 dimension after: one column
print("vec         ", tuple(vec.shape))
print("unsqueeze(0)", tuple(row.shape), "  vec[None, :]", tuple(vec[None, :].shape))
print("unsqueeze(1)", tuple(column.shape), "  vec[:, None]", tuple(vec[:, None].shape))
print(column)
print("column.squeeze(1)       ", tuple(column.squeeze(1).shape))  # that dimension removed
print("zeros(1, 3, 1).squeeze()", tuple(torch.zeros(1, 3, 1).squeeze().shape))  # all of them

# %% cat_stack
week1 = torch.tensor([12.0, 14.0, 15.0, 11.0, 13.0, 16.0, 17.0])  # a week of temperatures
week2 = torch.tensor([18.0, 17.0, 19.0, 21.0, 20.0, 16.0, 15.0])
temps = torch.stack([week1, week2])         # a new first dimension: one row per week
print("stack      ", tuple(temps.shape))
print(temps)
print("stack dim=1", tuple(torch.stack([week1, week2], dim=1).shape))  # one row per day instead
fortnight = torch.cat([week1, week2])       # joined end to end along the existing dimension
print("cat        ", tuple(fortnight.shape))
week3 = torch.tensor([[14.0, 15.0, 15.0, 16.0, 18.0, 19.0, 18.0]])  # shape (1, 7): one more row
print("cat rows   ", tuple(torch.cat([temps, week3]).shape))

# %% elementwise
a = torch.tensor([1.0, 2.0, 3.0])
b = torch.tensor([4.0, 5.0, 6.0])

print("a + b  =", a + b)
print("a - b  =", a - b)
print("a * b  =", a * b)       # element by element, not a matrix product
print("a / b  =", a / b)
print("a ** 2 =", a ** 2)

A = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
B = torch.tensor([[5.0, 6.0], [7.0, 8.0]])
print("A + B =")
print(A + B)

# %% matmul
A = torch.tensor([[1.0, 2.0, 3.0],
                  [4.0, 5.0, 6.0]])
B = torch.tensor([[7.0, 8.0],
                  [9.0, 10.0],
                  [11.0, 12.0]])
C = A @ B
print(f"{tuple(A.shape)} @ {tuple(B.shape)} -> {tuple(C.shape)}")
print(C)

# %% matmul_by_hand
# Each C[i, j] is row i of A times column j of B, summed.
for i in range(2):
    for j in range(2):
        terms = [f"{A[i, k]:g}×{B[k, j]:g}" for k in range(3)]
        by_hand = sum(A[i, k].item() * B[k, j].item() for k in range(3))
        print(f"C[{i},{j}] = {' + '.join(terms)} = {by_hand:g}   (torch: {C[i, j]:g})")

# %% transpose
print("A", tuple(A.shape), "-> A.T", tuple(A.T.shape))
print(A.T)
print("A.transpose(0, 1) is the same:", torch.equal(A.transpose(0, 1), A.T))
print("blocks", tuple(blocks.shape), "-> blocks.transpose(1, 2)", tuple(blocks.transpose(1, 2).shape))
print("A @ A.T", tuple((A @ A.T).shape), "  A.T @ A", tuple((A.T @ A).shape))

# %% broadcast_scalar
print(torch.tensor([1.0, 2.0, 3.0]) + 10)

# %% broadcast_bias
scores = torch.tensor([[1.0, 2.0, 3.0],
                       [4.0, 5.0, 6.0]])
bias = torch.tensor([10.0, 20.0, 30.0])
print(scores + bias)  # the bias is added to each row

# %% broadcast_rules
def broadcast_shape(left, right):
    """The shape two tensors broadcast to, by the rules: pad with 1s on the left, compare from the right.

    Args:
        left: the shape of one tensor, a tuple of sizes.
        right: the shape of the other.

    Returns:
        The shape of the broadcast result, or None when the shapes cannot broadcast.
    """
    width = max(len(left), len(right))
    left = (1,) * (width - len(left)) + tuple(left)
    right = (1,) * (width - len(right)) + tuple(right)
    shape = []
    for l, r in zip(left, right):
        if l != r and 1 not in (l, r):
            return None
        shape.append(max(l, r))
    return tuple(shape)


for left, right in [((4, 3), (3,)), ((2, 3, 4), (1, 1, 4)), ((5, 1), (1, 6)), ((4, 3), (4,))]:
    by_hand = broadcast_shape(left, right)
    try:
        by_torch = tuple((torch.zeros(left) + torch.zeros(right)).shape)
    except RuntimeError:
        by_torch = None
    print(f"{str(left):10} + {str(right):10} -> rules: {str(by_hand):10} torch: {by_torch}")

# %% broadcast_error raises=RuntimeError
X = torch.randn(4, 3)
v = torch.randn(4)
X + v  # from the right: 3 against 4, and neither is 1

# %% broadcast_fix
print((X + v.reshape(4, 1)).shape)  # a column of 4 stretches across the 3 columns
print((X + v[:, None]).shape)       # the same column, made with None indexing

# %% layer
batch_size, in_features, out_features = 4, 3, 5
inputs = torch.randn(batch_size, in_features)     # 4 examples, 3 features each
weights = torch.randn(in_features, out_features)  # turns 3 features into 5
outputs = inputs @ weights
print("inputs", tuple(inputs.shape), "@ weights", tuple(weights.shape), "=", tuple(outputs.shape))
bias_vector = torch.randn(out_features)         # one bias per output feature
outputs = inputs @ weights + bias_vector        # broadcast: added to every example
print("plus bias", tuple(bias_vector.shape), "=", tuple(outputs.shape))

# %% linear_layout
layer = torch.nn.Linear(64, 128)  # reads 64 features, has 128 neurons
print("weight", tuple(layer.weight.shape), "  bias", tuple(layer.bias.shape))
print("one neuron's weights, row 0:", tuple(layer.weight[0].shape))
x = torch.randn(4, 64)            # a batch of 4 examples
by_hand = x @ layer.weight.T + layer.bias
print("layer(x)", tuple(layer(x).shape))
print("x @ layer.weight.T + layer.bias", tuple(by_hand.shape))
print("equal:", torch.allclose(by_hand, layer(x)))

# %% linear_dtype raises=RuntimeError
layer(x.double())  # float64 data, float32 weights: PyTorch will not guess which you meant

# %% two_layouts
x_pair = torch.tensor([[2.0, 3.0]])           # one example with two features
W1 = torch.tensor([[0.5, -0.3],
                   [0.2, 0.8]])       # (out, in), as nn.Linear stores it: row i is neuron i
b1 = torch.tensor([0.1, -0.1])
z1 = x_pair @ W1.T + b1
print("x @ W1.T + b1 =", z1)
W2 = torch.tensor([[0.4],
                   [0.6]])            # (in, out), written for x @ W: column j is neuron j
b2 = torch.tensor([0.0])
z2 = z1 @ W2 + b2
print("z1 @ W2 + b2  =", z2)
print("stored as nn.Linear would hold it, W2 is", tuple(W2.T.shape))

# %% reductions
print(temps)
print("sum of everything      ", temps.sum())
print("sum(dim=0), per day    ", temps.sum(dim=0), tuple(temps.sum(dim=0).shape))
print("mean(dim=1), per week  ", temps.mean(dim=1), tuple(temps.mean(dim=1).shape))
weekly_mean = temps.mean(dim=1, keepdim=True)
print("mean(dim=1, keepdim=True)", tuple(weekly_mean.shape))
print(weekly_mean)

# %% keepdim
print("with keepdim:    ", tuple(temps.shape), "-", tuple(weekly_mean.shape), "->",
      broadcast_shape(tuple(temps.shape), tuple(weekly_mean.shape)))
print("without keepdim: ", tuple(temps.shape), "-", tuple(temps.mean(dim=1).shape), "->",
      broadcast_shape(tuple(temps.shape), tuple(temps.mean(dim=1).shape)))
above_average = temps - weekly_mean       # each day against its own week's mean
print(above_average)
print("each row now sums to", above_average.sum(dim=1))

# %% argmax
values, days = temps.max(dim=1)           # the largest value in each row, and where it is
print("max(dim=1) values ", values, "  at indices", days)
hottest = temps.argmax(dim=1)             # just the indices
print("argmax(dim=1)     ", hottest)
flat_index = temps.argmax().item()        # no dim: a position in the flattened table
print(f"argmax() with no dim: {flat_index}, row {flat_index // 7}, position {flat_index % 7}")
print(f"week 2 peaked on day {temps[1].argmax().item()} at {temps[1].max().item():g} degrees")

# %% argmax_classes
logits = torch.tensor([2.0, 1.0, 0.1])     # a network's scores for cat, dog, bird
print("predicted class:", logits.argmax().item())
batch_scores = torch.tensor([[2.0, 1.0, 0.1],
                             [0.1, 2.0, 1.0],
                             [0.3, 0.2, 0.9],
                             [1.5, 1.7, 0.2]])   # four examples, three classes each
predicted = batch_scores.argmax(dim=1)     # one class per row
print("predicted classes:", predicted)

# %% masks
warm = temps > 16            # compared element by element: a boolean tensor
print(warm)
print("the warm days:", temps[warm])   # a mask keeps the True places, in one row
print("how many:", warm.sum().item(), "of", temps.numel())
capped = temps.clone()                     # a copy, so temps itself stays as it was
capped[capped > 18] = 18.0                 # assign through a mask
print(capped)
labels = torch.tensor([0, 1, 2, 0])        # the right classes for the four examples above
correct = predicted == labels
accuracy = correct.float().mean().item()  # True/False as 1.0/0.0: the mean is the share right
print("correct:", correct, "  accuracy:", accuracy)

# %% ex_shapes
predicted_shapes = {
    "P @ Q": (3, 5),            # (3, 4) @ (4, 5): the shared 4 is summed away
    "P + R": (3, 4),            # element-wise: the shape stays
    "P * R": (3, 4),
    "P + u": (3, 4),            # u lines up with the 4 columns and is added to each row
    "P.reshape(6, 2)": (6, 2),  # the same twelve numbers, in another arrangement
    "P.reshape(-1)": (12,),     # all twelve in one dimension
}

P = torch.randn(3, 4)
Q = torch.randn(4, 5)
R = torch.randn(3, 4)
u = torch.randn(4)
for label, result in [("P @ Q", P @ Q), ("P + R", P + R), ("P * R", P * R), ("P + u", P + u),
                      ("P.reshape(6, 2)", P.reshape(6, 2)), ("P.reshape(-1)", P.reshape(-1))]:
    print(f"{label:16} predicted {str(predicted_shapes[label]):8} torch: {tuple(result.shape)}")

# %% check_shapes
# Run this after your answer to exercise 1.
assert "predicted_shapes" in globals(), (
    "Make a dict called `predicted_shapes` in the cell above, then run this cell again.")
assert isinstance(predicted_shapes, dict), (
    f"`predicted_shapes` should be a dict, not {type(predicted_shapes).__name__}.")
expected_shapes = {  # the real shapes, from tensors of zeros with the exercise's sizes
    "P @ Q": tuple((torch.zeros(3, 4) @ torch.zeros(4, 5)).shape),
    "P + R": tuple((torch.zeros(3, 4) + torch.zeros(3, 4)).shape),
    "P * R": tuple((torch.zeros(3, 4) * torch.zeros(3, 4)).shape),
    "P + u": tuple((torch.zeros(3, 4) + torch.zeros(4)).shape),
    "P.reshape(6, 2)": tuple(torch.zeros(3, 4).reshape(6, 2).shape),
    "P.reshape(-1)": tuple(torch.zeros(3, 4).reshape(-1).shape),
}
hints = {
    "P @ Q": "a matrix product keeps the outer sizes and sums away the shared one.",
    "P + R": "+ works element by element.",
    "P * R": "* works element by element; it is not a matrix product.",
    "P + u": "broadcasting lines the shapes up from the right.",
    "P.reshape(6, 2)": "a reshape keeps all twelve numbers.",
    "P.reshape(-1)": "-1 means \"work this size out\", and there is only one size here.",
}
for expression, shape in expected_shapes.items():
    assert expression in predicted_shapes, (
        f"`predicted_shapes` has no entry for \"{expression}\": use the six expressions, as "
        "strings, as its keys.")
    guess = predicted_shapes[expression]
    assert not isinstance(guess, int), (
        f"`predicted_shapes[\"{expression}\"]` is the number {guess}. A shape is a tuple; a "
        f"tuple of one size needs a comma, like ({guess},).")
    assert isinstance(guess, (tuple, list)), (
        f"Write each shape as a tuple, like (3, 4), not {guess!r}.")
    assert tuple(guess) == shape, (
        f"Not yet: `{expression}` does not have the shape {tuple(guess)}. "
        f"Hint: {hints[expression]}")
print("Correct: all six shapes.")

# %% ex_count
images = torch.zeros(32, 3, 28, 28)   # a batch of 32 colour images, 28 × 28 pixels
per_image = images[0].numel()
flat_shape = tuple(images.reshape(32, -1).shape)
print(f"numbers per image: {per_image}, in the batch: {images.numel()}")
print("flattened for a linear layer:", flat_shape)

# %% check_count
# Run this after your answer to exercise 2.
assert "per_image" in globals(), (
    "Store how many numbers describe one image in `per_image` in the cell above, then run "
    "this cell again.")
assert "flat_shape" in globals(), (
    "Store the flattened batch's shape in `flat_shape`, a tuple, then run this cell again.")
expected_per_image = 3 * 28 * 28  # channels × rows × columns
assert per_image == expected_per_image, (
    f"Not yet: `per_image` is {per_image}. One image is 3 channels, each of 28 rows of 28 "
    "pixels: multiply the three sizes.")
assert isinstance(flat_shape, (tuple, list)), (
    f"`flat_shape` should be a tuple of two sizes, not {flat_shape!r}.")
assert tuple(flat_shape) == (32, expected_per_image), (
    f"Not yet: `flat_shape` is {tuple(flat_shape)}. The batch keeps one row per image, and "
    "each row holds all of one image's numbers.")
print(f"Correct: one image is {expected_per_image} numbers; the batch becomes {tuple(flat_shape)}.")

# %% ex_bias_by_column
table = torch.arange(6.0).reshape(2, 3)
row_offsets = torch.tensor([100.0, 200.0])
shifted = table + row_offsets.reshape(2, 1)  # a (2, 1) column: one offset per row
print(shifted)

# %% check_bias_by_column
# Run this after your answer to exercise 3.
assert "shifted" in globals(), (
    "Make a tensor called `shifted` in the cell above, then run this cell again.")
assert isinstance(shifted, torch.Tensor), (
    f"`shifted` should be a tensor, not {type(shifted).__name__}.")
assert shifted.shape == (2, 3), (
    f"`shifted` should keep the shape (2, 3) of `table`, not {tuple(shifted.shape)}.")
expected_shifted = torch.tensor([[0.0 + 100, 1.0 + 100, 2.0 + 100],
                                 [3.0 + 200, 4.0 + 200, 5.0 + 200]])
assert torch.allclose(shifted.float(), expected_shifted), (
    "Not yet: the first row of `table` should grow by 100 and the second by 200. You "
    f"have\n{shifted}")
print("Correct: each row grew by its own amount.")

# %% ex_linear_shapes
small_layer = torch.nn.Linear(10, 3)
batch = torch.randn(5, 10)
layer_shapes = {"weight": (3, 10), "bias": (3,), "output": (5, 3)}  # (out, in), one bias per neuron
print("predicted:", layer_shapes)
print("torch:     weight", tuple(small_layer.weight.shape), "  bias", tuple(small_layer.bias.shape),
      "  output", tuple(small_layer(batch).shape))

# %% check_linear_shapes
# Run this after your answer to exercise 4.
assert "layer_shapes" in globals(), (
    "Make a dict called `layer_shapes` in the cell above, then run this cell again.")
assert isinstance(layer_shapes, dict), (
    f"`layer_shapes` should be a dict, not {type(layer_shapes).__name__}.")
for key in ["weight", "bias", "output"]:
    assert key in layer_shapes, (
        f"`layer_shapes` needs the three keys \"weight\", \"bias\" and \"output\"; \"{key}\" "
        "is missing.")
    assert isinstance(layer_shapes[key], (tuple, list)), (
        f"Write each shape as a tuple, like (2, 4) or (4,), not {layer_shapes[key]!r}.")
# nn.Linear(10, 3) holds one row of 10 weights and one bias for each of its 3 neurons,
# and computes x @ weight.T + bias.
expected_weight, expected_bias = torch.zeros(3, 10), torch.zeros(3)
expected_output = torch.zeros(5, 10) @ expected_weight.T + expected_bias
assert tuple(layer_shapes["weight"]) == tuple(expected_weight.shape), (
    f"Not yet: the weight is not {tuple(layer_shapes['weight'])}. nn.Linear stores it as "
    "(out_features, in_features): one row per neuron.")
assert tuple(layer_shapes["bias"]) == tuple(expected_bias.shape), (
    f"Not yet: the bias is not {tuple(layer_shapes['bias'])}. Each neuron has one bias.")
assert tuple(layer_shapes["output"]) == tuple(expected_output.shape), (
    f"Not yet: the output is not {tuple(layer_shapes['output'])}. It is x @ weight.T + bias: "
    "one row per example, one column per neuron.")
print("Correct: the weight, the bias and the output.")

# %% ex_row_fractions
shares = temps / temps.sum(dim=1, keepdim=True)  # (2, 7) / (2, 1): each row by its total
print(shares)
print("row sums:", shares.sum(dim=1))

# %% check_row_fractions
# Run this after your answer to exercise 5.
assert "shares" in globals(), (
    "Make a tensor called `shares` in the cell above, then run this cell again.")
assert isinstance(shares, torch.Tensor), (
    f"`shares` should be a tensor, not {type(shares).__name__}.")
assert shares.shape == temps.shape, (
    f"`shares` should have the shape {tuple(temps.shape)} of `temps`, "
    f"not {tuple(shares.shape)}.")
# each week divided by its own total
expected_shares = torch.stack([week1 / week1.sum(), week2 / week2.sum()])
assert not torch.allclose(shares.float().sum(dim=0), torch.ones(7)), (
    "Not yet: your columns sum to 1, so you divided each day by the total of that day over "
    "both weeks. Sum along dim=1 instead, keeping that dimension.")
assert torch.allclose(shares.float(), expected_shares), (
    "Not yet: each row should be that week's temperatures divided by the week's total, so "
    f"that it sums to 1. Your rows sum to {shares.sum(dim=1).tolist()}.")
print("Correct: each week's shares sum to 1.")
