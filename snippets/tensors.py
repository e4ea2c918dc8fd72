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

# %% creation
zeros = torch.zeros(3, 4)
ones = torch.ones(2, 5)
noise = torch.randn(3, 3)      # samples from a standard normal distribution
steps = torch.arange(0, 10)    # 0, 1, ..., 9: the end is left out

print("zeros", tuple(zeros.shape), zeros.dtype)
print("ones ", tuple(ones.shape), ones.dtype)
print("randn", tuple(noise.shape), noise.dtype)
print(noise)
print("arange", steps, steps.dtype)

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

# %% layer
batch_size, in_features, out_features = 4, 3, 5
inputs = torch.randn(batch_size, in_features)     # 4 examples, 3 features each
weights = torch.randn(in_features, out_features)  # turns 3 features into 5
outputs = inputs @ weights
print(f"inputs {tuple(inputs.shape)} @ weights {tuple(weights.shape)} = outputs {tuple(outputs.shape)}")

# %% broadcast_scalar
print(torch.tensor([1.0, 2.0, 3.0]) + 10)

# %% broadcast_bias
scores = torch.tensor([[1.0, 2.0, 3.0],
                       [4.0, 5.0, 6.0]])
bias = torch.tensor([10.0, 20.0, 30.0])
print(scores + bias)  # the bias is added to each row

# %% broadcast_rules
def broadcast_shape(left, right):
    """Apply the rules by hand: pad with 1s on the left, then compare from the right.

    Args:
        left: the shape of one tensor, a tuple of sizes.
        right: the shape of the other.

    Returns:
        The shape of the broadcast result, or None when the shapes cannot broadcast.

    Examples:
        >>> broadcast_shape((4, 3), (3,))
        (4, 3)
        >>> broadcast_shape((4, 3), (4,)) is None
        True
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

# %% ex_shapes
P = torch.randn(3, 4)
Q = torch.randn(4, 5)
R = torch.randn(3, 4)
u = torch.randn(4)

for label, result in [("P @ Q", P @ Q), ("P + R", P + R), ("P * R", P * R), ("P + u", P + u),
                      ("P.reshape(6, 2)", P.reshape(6, 2)), ("P.reshape(-1)", P.reshape(-1))]:
    print(f"{label:16} {tuple(result.shape)}")

# %% ex_count
images = torch.zeros(32, 3, 28, 28)   # a batch of 32 colour images, 28 × 28 pixels
per_image = images[0].numel()
print(f"numbers per image: {per_image}, in the batch: {images.numel()}")
print("flattened for a linear layer:", tuple(images.reshape(32, -1).shape))

# %% ex_bias_by_column
table = torch.arange(6.0).reshape(2, 3)
row_offsets = torch.tensor([100.0, 200.0])
print(table + row_offsets.reshape(2, 1))
