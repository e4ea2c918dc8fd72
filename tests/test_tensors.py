"""The Tensors chapter: shapes, dtypes, reshaping, matrix products, broadcasting, nn.Linear, reductions and masks, checked independently."""

import itertools
import math

import pytest
import torch

from conftest import check_rejects, run_check

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
    assert chapter.output("broadcast_fix").splitlines() == ["torch.Size([4, 3])"] * 2


def test_exercise_shapes_follow_the_rules(chapter):
    out = chapter.output("ex_shapes")
    expected = {"P @ Q": (3, 5), "P + R": (3, 4), "P * R": (3, 4), "P + u": (3, 4),
                "P.reshape(6, 2)": (6, 2), "P.reshape(-1)": (12,)}
    assert chapter["predicted_shapes"] == expected
    for label, shape in expected.items():
        assert f"{label:16} predicted {str(shape):8} torch: {shape}" in out


def test_exercise_count_is_the_product_of_the_sizes(chapter):
    assert chapter["per_image"] == 3 * 28 * 28 == 2352
    assert chapter["flat_shape"] == (32, 2352)
    assert "(32, 2352)" in chapter.output("ex_count")


def test_exercise_row_offsets(chapter):
    table = chapter["table"]
    expected = [[v + 100 for v in table[0].tolist()], [v + 200 for v in table[1].tolist()]]
    assert (table + chapter["row_offsets"].reshape(2, 1)).tolist() == expected
    assert chapter["shifted"].tolist() == expected


# ------------------------------------------------------------------ the tools later chapters lean on


def test_item_gives_a_python_number(chapter):
    cube = chapter["cube"]
    assert isinstance(cube[1, 2, 0].item(), int) and cube[1, 2, 0].item() == 11
    assert "11 <class 'int'>" in chapter.output("item") and "6.0 <class 'float'>" in chapter.output("item")
    # the claim in the prose: .item() refuses a tensor of more than one number
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        chapter["vector"].item()


def test_creation_helpers(chapter):
    assert chapter["grid_points"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert chapter["like"].shape == chapter["noise"].shape and not chapter["like"].any()


def test_dtypes_and_conversions(chapter):
    assert chapter["counts"].dtype == torch.int64 and chapter["prices"].dtype == torch.float32
    assert chapter["precise"].dtype == torch.float64
    assert (chapter["counts"] / 2).tolist() == [1.5, 0.5, 1.0]
    assert (chapter["precise"] + chapter["prices"]).dtype == torch.float64  # the wider type wins
    assert "counts / 2        = tensor([1.5000, 0.5000, 1.0000])" in chapter.output("dtypes")


def test_float32_keeps_about_7_digits_and_float64_about_16(chapter):
    # machine epsilon is 2^-23 and 2^-52: log10 gives 6.9 and 15.7 significant digits
    assert chapter["prices"].element_size() == 4 and chapter["precise"].element_size() == 8  # half the memory
    assert chapter["eps32"] == 2.0 ** -23 and torch.finfo(torch.float64).eps == 2.0 ** -52
    assert 6.5 < -math.log10(2.0 ** -23) < 7.5 and 15.5 < -math.log10(2.0 ** -52) < 16.5
    out = chapter.output("precision")
    float32, float64 = out.split("torch.float64\n")
    assert float32.startswith("torch.float32\n")
    assert "  1 + 1e-8 == 1: True\n" in float32 and "  1 + 1e-8 == 1: False\n" in float64
    # 1e-8 is below half of float32's step at 1 (so it rounds away), and far above float64's
    assert 1e-8 < chapter["eps32"] / 2 and 1e-8 > 2.0 ** -52
    assert "0.1 is stored as 0.10000000149011611938" in float32  # the float32 nearest 0.1, exactly
    assert "0.1 is stored as 0.10000000000000000555" in float64
    assert abs(chapter["ten_tenths"].item() - 1) > 0
    assert out.rstrip().endswith("== 1: False   allclose to 1: True")


def test_unsqueeze_squeeze_and_none(chapter):
    v = chapter["vec"]
    assert chapter["row"].shape == (1, 3) and chapter["column"].shape == (3, 1)
    assert torch.equal(v[None, :], chapter["row"]) and torch.equal(v[:, None], chapter["column"])
    assert chapter["column"].squeeze(1).shape == (3,)
    assert "zeros(1, 3, 1).squeeze() (3,)" in chapter.output("unsqueeze")


def test_stack_makes_a_new_dimension_and_cat_joins(chapter):
    week1, week2, temps = chapter["week1"], chapter["week2"], chapter["temps"]
    assert temps.shape == (2, 7) and torch.equal(temps[0], week1) and torch.equal(temps[1], week2)
    assert chapter["fortnight"].tolist() == week1.tolist() + week2.tolist()
    out = chapter.output("cat_stack")
    assert "stack dim=1 (7, 2)" in out and "cat rows    (3, 7)" in out


def test_transpose_swaps_rows_and_columns(chapter):
    A = chapter["A"]
    for i, j in itertools.product(range(2), range(3)):
        assert A.T[j, i] == A[i, j]
    blocks = chapter["blocks"]
    swapped = blocks.transpose(1, 2)
    for i, j, k in itertools.product(range(2), range(2), range(3)):
        assert swapped[i, k, j] == blocks[i, j, k]
    assert "A.transpose(0, 1) is the same: True" in chapter.output("transpose")


def test_nn_linear_stores_out_by_in_and_computes_x_w_transpose_plus_b(chapter):
    layer, x = chapter["layer"], chapter["x"]
    assert layer.weight.shape == (128, 64) and layer.bias.shape == (128,)
    # "small random values": nn.Linear draws them from ±1/sqrt(in_features)
    bound = 1 / math.sqrt(64)
    assert layer.weight.abs().max() <= bound and layer.bias.abs().max() <= bound and layer.weight.std() > bound / 4
    with torch.no_grad():
        out = layer(x)
        # neuron j's output is the dot product of row j of the weight with the input, plus its bias, written out
        for j in (0, 57, 127):
            by_loop = sum(layer.weight[j, k] * x[:, k] for k in range(64)) + layer.bias[j]
            assert torch.allclose(out[:, j], by_loop, atol=1e-5)
    assert chapter.output("linear_layout").strip().endswith("equal: True")
    assert chapter.output("linear_dtype").startswith("RuntimeError: mat1 and mat2 must have the same dtype")


def test_the_familiar_two_layer_exercise(chapter):
    # by hand: [2, 3] · [0.5, -0.3] + 0.1 = 0.2 and [2, 3] · [0.2, 0.8] - 0.1 = 2.7; then 0.2·0.4 + 2.7·0.6 = 1.7
    assert chapter["z1"].tolist()[0] == pytest.approx([0.2, 2.7], abs=1e-6)
    assert chapter["z2"].item() == pytest.approx(1.7, abs=1e-6)
    W1 = chapter["W1"]
    layer = torch.nn.Linear(2, 2)
    with torch.no_grad():
        layer.weight.copy_(W1)  # nn.Linear takes W1 as written: it is already (out, in)
        layer.bias.copy_(chapter["b1"])
        assert torch.allclose(layer(chapter["x_pair"]), chapter["z1"])


def test_reductions_remove_the_named_dimension(chapter):
    temps = chapter["temps"]
    rows = temps.tolist()
    assert temps.sum(dim=0).tolist() == [a + b for a, b in zip(*rows)]
    assert temps.mean(dim=1).tolist() == [sum(r) / 7 for r in rows] == [14.0, 18.0]
    assert chapter["weekly_mean"].shape == (2, 1)
    out = chapter.output("reductions")
    assert "sum(dim=0), per day     tensor([30., 31., 34., 32., 33., 32., 32.]) (7,)" in out
    assert "mean(dim=1), per week   tensor([14., 18.]) (2,)" in out


def test_keepdim_lets_the_result_broadcast_back(chapter):
    temps, above = chapter["temps"], chapter["above_average"]
    broadcast_shape = chapter["broadcast_shape"]
    assert broadcast_shape((2, 7), (2, 1)) == (2, 7) and broadcast_shape((2, 7), (2,)) is None
    with pytest.raises(RuntimeError):
        temps - temps.mean(dim=1)  # what the prose says fails without keepdim
    for i in range(2):
        row = temps[i].tolist()
        assert above[i].tolist() == [t - sum(row) / 7 for t in row]
    assert above.sum(dim=1).tolist() == [0.0, 0.0]


def test_argmax_finds_the_position_of_the_largest(chapter):
    temps = chapter["temps"]
    for i, row in enumerate(temps.tolist()):
        assert chapter["hottest"][i].item() == row.index(max(row))
    assert chapter["hottest"].tolist() == [6, 3]
    flat = temps.flatten().tolist()
    assert chapter["flat_index"] == flat.index(max(flat)) == 10
    assert "argmax() with no dim: 10, row 1, position 3" in chapter.output("argmax")


def test_argmax_gives_classes(chapter):
    assert chapter["logits"].argmax().item() == 0
    scores = chapter["batch_scores"].tolist()
    assert chapter["predicted"].tolist() == [r.index(max(r)) for r in scores] == [0, 1, 2, 1]


def test_masks_select_count_and_assign(chapter):
    temps, warm = chapter["temps"], chapter["warm"]
    flat = temps.flatten().tolist()
    assert temps[warm].tolist() == [t for t in flat if t > 16]
    assert warm.sum().item() == sum(t > 16 for t in flat) == 6
    assert chapter["capped"].flatten().tolist() == [min(t, 18.0) for t in flat]
    assert temps.max().item() == 21.0  # clone kept temps unchanged
    labels, predicted = chapter["labels"].tolist(), chapter["predicted"].tolist()
    assert chapter["accuracy"] == sum(p == y for p, y in zip(predicted, labels)) / 4 == 0.75


def test_exercise_linear_shapes(chapter):
    layer, batch = chapter["small_layer"], chapter["batch"]
    real = {"weight": tuple(layer.weight.shape), "bias": tuple(layer.bias.shape), "output": tuple(layer(batch).shape)}
    assert chapter["layer_shapes"] == real == {"weight": (3, 10), "bias": (3,), "output": (5, 3)}
    assert chapter.output("ex_linear_shapes").splitlines()[1] == "torch:     weight (3, 10)   bias (3,)   output (5, 3)"


def test_exercise_row_fractions(chapter):
    temps, shares = chapter["temps"], chapter["shares"]
    for i in range(2):
        total = sum(temps[i].tolist())
        assert shares[i].tolist() == pytest.approx([t / total for t in temps[i].tolist()])
    assert torch.allclose(shares.sum(dim=1), torch.ones(2))


# ------------------------------------------------------------------ the exercises' checks


def test_shape_check(chapter):
    right = dict(chapter["predicted_shapes"])
    assert run_check(chapter, "check_shapes", predicted_shapes=right).startswith("Correct")
    assert "`predicted_shapes`" in check_rejects(chapter, "check_shapes", missing=["predicted_shapes"])
    # a correct answer written another way (lists, torch.Size) passes
    assert run_check(chapter, "check_shapes", predicted_shapes={k: list(v) for k, v in right.items()})
    assert run_check(chapter, "check_shapes", predicted_shapes={k: torch.Size(v) for k, v in right.items()})
    # the classic slips: u lined up with the rows, and (12) for (12,)
    assert "from the right" in check_rejects(chapter, "check_shapes", predicted_shapes={**right, "P + u": (4, 3)})
    assert "(12,)" in check_rejects(chapter, "check_shapes", predicted_shapes={**right, "P.reshape(-1)": 12})
    assert "P * R" in check_rejects(chapter, "check_shapes", predicted_shapes={k: v for k, v in right.items() if k != "P * R"})


def test_count_check(chapter):
    assert run_check(chapter, "check_count", per_image=2352, flat_shape=(32, 2352)).startswith("Correct")
    assert run_check(chapter, "check_count", per_image=torch.tensor(2352), flat_shape=torch.Size([32, 2352]))
    check_rejects(chapter, "check_count", per_image=28 * 28, flat_shape=(32, 784))      # one channel only
    check_rejects(chapter, "check_count", per_image=2352, flat_shape=(32 * 2352,))      # the whole batch in one row
    assert "`flat_shape`" in check_rejects(chapter, "check_count", missing=["flat_shape"])


def test_row_offset_check(chapter):
    table = torch.arange(6.0).reshape(2, 3)
    assert run_check(chapter, "check_bias_by_column", shifted=table + torch.tensor([[100.0], [200.0]]))
    assert run_check(chapter, "check_bias_by_column", shifted=torch.arange(6).reshape(2, 3) + torch.tensor([[100], [200]]))
    check_rejects(chapter, "check_bias_by_column", shifted=table + torch.tensor([100.0, 200.0, 0.0]))  # per column
    check_rejects(chapter, "check_bias_by_column", shifted=table + 100)
    assert "(2, 3)" in check_rejects(chapter, "check_bias_by_column", shifted=torch.zeros(2, 1))
    assert "tensor" in check_rejects(chapter, "check_bias_by_column", shifted=[[100.0, 101.0, 102.0], [203.0, 204.0, 205.0]])


def test_layer_shape_check(chapter):
    assert run_check(chapter, "check_linear_shapes", layer_shapes={"weight": (3, 10), "bias": (3,), "output": (5, 3)})
    # the (in, out) layout of x @ W, which nn.Linear does not use
    assert "(out_features, in_features)" in check_rejects(
        chapter, "check_linear_shapes", layer_shapes={"weight": (10, 3), "bias": (3,), "output": (5, 3)})
    check_rejects(chapter, "check_linear_shapes", layer_shapes={"weight": (3, 10), "bias": (5, 3), "output": (5, 3)})
    check_rejects(chapter, "check_linear_shapes", layer_shapes={"weight": (3, 10), "bias": (3,)})


def test_row_fraction_check(chapter):
    temps = chapter["temps"]
    assert run_check(chapter, "check_row_fractions", shares=temps / temps.sum(dim=1, keepdim=True))
    assert run_check(chapter, "check_row_fractions", shares=temps.double() / temps.double().sum(dim=1, keepdim=True))
    assert "dim=1" in check_rejects(chapter, "check_row_fractions", shares=temps / temps.sum(dim=0))  # per day
    check_rejects(chapter, "check_row_fractions", shares=temps / temps.sum())  # by the fortnight's total
    check_rejects(chapter, "check_row_fractions", shares=temps.sum(dim=1))
