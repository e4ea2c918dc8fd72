"""The Tensors chapter: shapes, reshape, matrix products and broadcasting, checked independently."""

import itertools

import pytest
import torch

CHAPTER = "tensors"


def test_ranks_and_shapes(chapter):
    assert chapter["scalar"].ndim == 0 and chapter["scalar"].shape == ()
    assert chapter["vector"].shape == (5,)
    assert chapter["matrix"].shape == (2, 3)
    assert chapter["cube"].shape == (2, 3, 2) and chapter["cube"].numel() == 2 * 3 * 2
    assert "cube    ndim=3  shape=(2, 3, 2)  elements=12" in chapter.output("ranks")


def test_reshape_keeps_the_numbers_in_order(chapter):
    flat = chapter["flat"]
    assert chapter["grid"].shape == (3, 4) and chapter["auto"].shape == (4, 3)
    # row-major order: element (i, j) of the 3×4 grid is flat[4i + j]
    for i, j in itertools.product(range(3), range(4)):
        assert chapter["grid"][i, j] == flat[4 * i + j]
    assert chapter.output("bad_reshape").strip() == "RuntimeError: shape '[3, 5]' is invalid for input of size 12"


def test_elementwise_matches_python_arithmetic(chapter):
    a, b = chapter["a"].tolist(), chapter["b"].tolist()
    out = chapter.output("elementwise")
    assert [x * y for x, y in zip(a, b)] == [4.0, 10.0, 18.0] and "a * b  = tensor([ 4., 10., 18.])" in out


def test_matmul_is_sum_of_row_times_column(chapter):
    A, B, C = chapter["A"], chapter["B"], chapter["C"]
    for i, j in itertools.product(range(2), range(2)):
        assert C[i, j].item() == sum(A[i, k].item() * B[k, j].item() for k in range(3))
    assert C.tolist() == [[58.0, 64.0], [139.0, 154.0]]
    assert chapter.output("matmul_by_hand").count("(torch:") == 4


def test_layer_shapes(chapter):
    assert chapter["outputs"].shape == (chapter["batch_size"], chapter["out_features"])


def test_bias_broadcast_adds_to_every_row(chapter):
    scores, bias = chapter["scores"], chapter["bias"]
    expected = torch.stack([row + bias for row in scores])
    assert torch.equal(scores + bias, expected)


@pytest.mark.parametrize(
    "left,right",
    [((4, 3), (3,)), ((2, 3, 4), (1, 1, 4)), ((5, 1), (1, 6)), ((4, 3), (4,)), ((3,), (3, 1)), ((2, 1, 3), (4, 1))],
)
def test_broadcast_rules_by_hand_agree_with_torch(chapter, left, right):
    try:
        expected = tuple(torch.broadcast_shapes(left, right))
    except RuntimeError:
        expected = None
    assert chapter["broadcast_shape"](left, right) == expected


def test_broadcast_error_is_real(chapter):
    assert "must match the size of tensor b (4) at non-singleton dimension 1" in chapter.output("broadcast_error")
    assert chapter.output("broadcast_fix").strip() == "torch.Size([4, 3])"


def test_exercise_shapes_follow_the_rules(chapter):
    out = chapter.output("ex_shapes")
    expected = {"P @ Q": (3, 5), "P + R": (3, 4), "P * R": (3, 4), "P + u": (3, 4),
                "P.reshape(6, 2)": (6, 2), "P.reshape(-1)": (12,)}
    for label, shape in expected.items():
        assert f"{label:16} {shape}" in out


def test_exercise_count_is_the_product_of_the_sizes(chapter):
    assert chapter["per_image"] == 3 * 28 * 28 == 2352
    assert "(32, 2352)" in chapter.output("ex_count")


def test_exercise_row_offsets(chapter):
    table = chapter["table"]
    expected = [[v + 100 for v in table[0].tolist()], [v + 200 for v in table[1].tolist()]]
    assert (table + chapter["row_offsets"].reshape(2, 1)).tolist() == expected
