"""The MLP chapter: collapse of linear stacks, activations and their slopes, the forward pass,
parameter counts, softmax, XOR training, universal approximation and initialisation, checked independently."""

import math
import re
from pathlib import Path

import pytest
import torch
from torch import nn
from conftest import check_names_each_missing_answer, check_rejects as failure, run_check

CHAPTER = "mlp"
PAGE = (Path(__file__).resolve().parents[1] / "docs" / "mlp.md").read_text(encoding="utf-8")


def alt_text(cell):
    """The alt text the page gives ``cell``'s figure."""
    return re.search(r"\{\{ cell " + cell + r' [^}]*alt="([^"]*)"', PAGE).group(1)


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


# ----------------------------------------------------------------- layers and collapse


def test_layers_compute_relu_of_affine_maps(chapter):
    net, x = chapter["net"], torch.randn(7, 3)
    W1, b1 = net[0].weight.detach(), net[0].bias.detach()
    W2, b2 = net[2].weight.detach(), net[2].bias.detach()
    assert W1.shape == (4, 3) and W2.shape == (2, 4)
    by_hand = torch.clamp(x @ W1.T + b1, min=0) @ W2.T + b2
    with torch.no_grad():
        assert torch.allclose(net(x), by_hand, atol=1e-6)
    assert "input (5, 3) -> hidden (5, 4) -> output (5, 2)" in chapter.output("layers")


def test_mlp_diagram_has_one_edge_per_weight(chapter):
    net = chapter["net"]
    assert chapter["layer_sizes"] == [3, 4, 2]
    columns = chapter["columns"]
    assert [len(c) for c in columns] == chapter["layer_sizes"]
    edges = sum(len(a) * len(b) for a, b in zip(columns[:-1], columns[1:]))
    assert edges == net[0].weight.numel() + net[2].weight.numel() == 20


def test_feature_pipeline_learns_every_stage_after_the_input(chapter):
    (old_label, old), (new_label, new) = chapter["rows"]
    assert [s[0] for s in chapter["stages"]] == ["raw input", "low-level features", "high-level features", "classifier"]
    assert old == ["given", "designed by hand", "designed by hand", "learned"]
    assert new == ["given", "learned", "learned", "learned"]


def test_two_linear_layers_are_one(chapter):
    first, second, merged = chapter["first"], chapter["second"], chapter["merged"]
    x = torch.randn(200, 3, dtype=torch.float64)
    W1, b1 = first.weight.double(), first.bias.double()
    W2, b2 = second.weight.double(), second.bias.double()
    # in float64, the composition and W' = W2 W1, b' = W2 b1 + b2 agree to rounding
    composed = (x @ W1.T + b1) @ W2.T + b2
    with torch.no_grad():
        assert torch.allclose(composed, x @ merged.weight.double().T + merged.bias.double(), atol=1e-6)
    assert 0 <= chapter["collapse_gap"] < 1e-5
    assert f"{chapter['collapse_gap']:.1e}" in chapter.output("collapse")


def test_deep_linear_stack_is_an_affine_line_and_relu_bends_it(chapter):
    xs, ys_linear, ys_relu = chapter["xs"], chapter["ys_linear"], chapter["ys_relu"]
    # multiply the six weight matrices out: the stack is one affine map a·x + c
    W, c = torch.eye(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    for lin in chapter["linears"]:
        W = lin.weight.double() @ W
        c = lin.weight.double() @ c + lin.bias.double()
    with torch.no_grad():
        assert torch.allclose(ys_linear.double(), xs.double() @ W.T + c, atol=1e-5)
    second_diff = lambda y: (y[2:] - 2 * y[1:-1] + y[:-2]).abs().max().item()  # noqa: E731
    assert second_diff(ys_linear) < 1e-5
    assert second_diff(ys_relu) > 100 * second_diff(ys_linear)
    slopes = (ys_relu[1:] - ys_relu[:-1]) / (xs[1:] - xs[:-1])
    assert slopes.min() < 0 < slopes.max()  # "even changes sign"


def test_collapse_plot_shares_its_y_scale_and_says_it(chapter):
    ys = torch.cat([chapter["ys_linear"], chapter["ys_relu"]])
    assert chapter["collapse_span"] == pytest.approx((ys.max() - ys.min()).item())
    assert chapter["collapse_span"] < 0.1  # "spans only about 0.06": small wiggles, said so
    assert "about 0.06" in alt_text("collapse_plot") and round(chapter["collapse_span"], 2) == 0.06
    left, right = chapter["ax_linear"], chapter["ax_relu"]
    assert left.get_ylim() == right.get_ylim()  # one shared y axis
    assert f"{chapter['collapse_span']:.3f}" in left.get_ylabel()


# ----------------------------------------------------------------- activations


def gelu(z):
    return z * 0.5 * (1 + math.erf(z / math.sqrt(2)))


REFERENCE = {
    "step": lambda z: 1.0 if z > 0 else 0.0,
    "sigmoid": sigmoid,
    "tanh": math.tanh,
    "ReLU": lambda z: max(0.0, z),
    "GELU": gelu,
}


def test_activation_table_matches_formulas(chapter):
    z, values = chapter["z"].tolist(), chapter["values"]
    for name, ref in REFERENCE.items():
        for i, zi in enumerate(z):
            assert values[name][i].item() == pytest.approx(ref(zi), abs=1e-6), (name, zi)
    row = " -1.0 " + "".join(f"{REFERENCE[n](-1.0):9.4f}" for n in REFERENCE)
    assert row in chapter.output("activations")


def test_activation_table_includes_the_familiar_inputs(chapter):
    z = chapter["z"].tolist()
    for familiar in ([-5.0, -2.0, 0.0, 2.0, 5.0], [-3.0, -1.0, 0.0, 1.0, 3.0, 5.0], [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]):
        assert set(familiar) <= set(z)
    assert z == sorted(z)
    sig = dict(zip(z, chapter["values"]["sigmoid"].tolist()))
    assert [round(sig[v], 4) for v in (-5.0, -2.0, 0.0, 2.0, 5.0)] == [0.0067, 0.1192, 0.5, 0.8808, 0.9933]
    assert chapter["gelu_at"][-1.0] == pytest.approx(gelu(-1.0), abs=1e-6)
    assert f"{gelu(-5.0):.4f}" == "-0.0000"  # the prose says it prints as -0.0000


def gelu_slope(z):
    """GELU'(z) = Phi(z) + z phi(z), by hand."""
    return 0.5 * (1 + math.erf(z / math.sqrt(2))) + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def test_gelu_slope_is_zero_once_on_the_negative_side_and_peaks_above_one(chapter):
    # bisection on the closed form: GELU' is negative at -2 and positive at 0
    lo, hi = -2.0, 0.0
    assert gelu_slope(lo) < 0 < gelu_slope(hi)
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gelu_slope(mid) < 0 else (lo, mid)
    root = (lo + hi) / 2
    assert root == pytest.approx(-0.7518, abs=1e-4)
    assert chapter["gelu_flat_at"] == pytest.approx(root, abs=2e-4)
    assert chapter["gelu_min"] == pytest.approx(gelu(root), abs=1e-6)
    # negative everywhere left of the root (so "never zero for negative inputs" was false, and it is zero only once)
    assert all(gelu_slope(root - d) < 0 for d in (0.01, 0.5, 1, 3, 6))
    assert all(gelu_slope(root + d) > 0 for d in (0.01, 0.3, 0.7))
    # GELU'' = phi(z) (2 - z^2): the slope peaks at sqrt 2
    peak = gelu_slope(math.sqrt(2))
    assert peak == pytest.approx(1.1289, abs=1e-4) and peak > gelu_slope(math.sqrt(2) + 1e-3)
    assert chapter["gelu_peak_at"] == pytest.approx(math.sqrt(2), abs=2e-4)
    assert chapter["gelu_peak_slope"] == pytest.approx(peak, abs=1e-6)
    assert chapter["gelu_slope_far"] == pytest.approx(gelu_slope(-3.0), abs=1e-6)
    # the alt text and the prose say the same as the run
    alt = alt_text("activation_plot")
    assert f"crosses zero near z = {chapter['gelu_flat_at']:.2f}" in alt
    assert f"peak of about {chapter['gelu_peak_slope']:.2f}" in alt and f"near z = {chapter['gelu_peak_at']:.2f}" in alt
    assert "never have a slope of exactly zero" not in PAGE


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "GELU"])
def test_derivative_matches_finite_differences(chapter, name):
    fn, ref = chapter["activations"][name], REFERENCE[name]
    z = torch.empty(20).uniform_(-4, 4)
    slopes = chapter["derivative"](fn, z)
    h = 1e-5
    for zi, s in zip(z.tolist(), slopes.tolist()):
        assert s == pytest.approx((ref(zi + h) - ref(zi - h)) / (2 * h), abs=1e-4)


def test_step_has_no_slope_and_relu_slope_is_zero_or_one(chapter):
    derivative, z = chapter["derivative"], torch.tensor([-2.0, -0.3, 0.4, 3.0])
    assert derivative(chapter["step"], z).tolist() == [0.0, 0.0, 0.0, 0.0]
    assert derivative(torch.relu, z).tolist() == [0.0, 0.0, 1.0, 1.0]
    out = chapter.output("relu_grad")
    assert "z =  -0.1   ReLU(z) =  0.0   gradient = 0" in out and "z =   0.1   ReLU(z) =  0.1   gradient = 1" in out


def test_sigmoid_peak_is_a_quarter_at_zero(chapter):
    # σ' = σ(1 − σ) is largest where σ = 1/2, i.e. z = 0, where it is 1/4
    assert chapter["sigmoid_peak"] == pytest.approx(0.25, abs=1e-7)
    assert chapter["sigmoid_peak_at"] == pytest.approx(0.0, abs=1e-6)
    assert chapter["ten_layers"] == pytest.approx(0.25**10, rel=1e-5)
    assert "0.25 ** 10 = 9.54e-07" in chapter.output("sigmoid_peak")


def test_chain_gradients_equal_the_product_of_slopes(chapter):
    def by_hand(slope, fn, depth, h=0.5):
        product = 1.0
        for _ in range(depth):
            product *= slope(h)
            h = fn(h)
        return product

    sig_slope = lambda h: sigmoid(h) * (1 - sigmoid(h))  # noqa: E731
    tanh_slope = lambda h: 1 - math.tanh(h) ** 2  # noqa: E731
    for depth in (1, 5, 10, 17):
        assert chapter["chain_gradient"](torch.sigmoid, depth) == pytest.approx(by_hand(sig_slope, sigmoid, depth), rel=1e-4)
        assert chapter["chain_gradient"](torch.tanh, depth) == pytest.approx(by_hand(tanh_slope, math.tanh, depth), rel=1e-4)
    chain = chapter["chain"]
    assert chain["ReLU"] == 1.0
    assert chain["sigmoid"] < 0.25**10 < chain["tanh"] < 1  # the prose's ordering


# ----------------------------------------------------------------- forward pass and counts


def test_forward_pass_worked_example(chapter):
    W1 = torch.tensor([[0.5, 0.8], [-0.3, 0.6]], dtype=torch.float64)
    b1 = torch.tensor([-0.1, 0.2], dtype=torch.float64)
    z = W1 @ torch.tensor([1.0, 0.5], dtype=torch.float64) + b1
    h = z.clamp(min=0)
    z_out = 0.7 * h[0] - 0.5 * h[1] - 0.1
    assert (chapter["z1"], chapter["z2"]) == pytest.approx(tuple(z.tolist()))
    assert (chapter["h1"], chapter["h2"]) == pytest.approx(tuple(h.tolist()))
    assert chapter["z_out"] == pytest.approx(z_out.item())
    assert chapter["z_out"] == pytest.approx(0.36)
    assert chapter["y_hat"] == pytest.approx(sigmoid(0.36))
    assert round(chapter["y_hat"], 2) == 0.59  # the value the lecture quotes
    assert chapter["y_hat_torch"] == pytest.approx(chapter["y_hat"], abs=1e-6)
    assert "y_hat = sigmoid(0.3600) = 0.5890" in chapter.output("forward_by_hand")


def count_by_formula(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


class HousePriceModelV2(nn.Module):
    """A 2 → 8 → 1 house-price model written as a class, independently of the chapter's mlp()."""

    def __init__(self):
        super().__init__()
        self.layer1, self.relu, self.layer2 = nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)


def test_parameter_counts(chapter):
    assert count_by_formula([2, 2, 1]) == chapter["n_tiny"] == 9
    assert count_by_formula([784, 128, 10]) == chapter["n_mnist"] == 101_770
    assert count_by_formula([2, 8, 1]) == chapter["n_house_small"] == 33
    assert count_by_formula([4, 16, 1]) == chapter["n_house_big"] == 97
    assert sum(p.numel() for p in HousePriceModelV2().parameters()) == 33
    # the chapter's helpers agree with the formula for shapes it never built
    for sizes in ([5, 3], [3, 7, 7, 2], [10, 1, 10]):
        assert chapter["count_parameters"](chapter["mlp"](sizes)) == count_by_formula(sizes) == chapter["formula"](sizes)[1]
    assert "784·128+128 + 128·10+10         101,770  101,770" in chapter.output("count_params")


# ----------------------------------------------------------------- softmax


def softmax_by_hand(scores):
    exps = [math.exp(s) for s in scores]
    return [e / sum(exps) for e in exps]


def test_softmax_of_two_one_point_one(chapter):
    expected = softmax_by_hand([2.0, 1.0, 0.1])
    assert chapter["probs"].tolist() == pytest.approx(expected, abs=1e-6)
    assert [round(p, 3) for p in expected] == [0.659, 0.242, 0.099]  # the lecture's numbers


def test_digit_table_matches_the_lecture(chapter):
    probs = softmax_by_hand(chapter["digit_scores"].tolist())
    assert chapter["digit_probs"].tolist() == pytest.approx(probs, abs=1e-6)
    percent = [round(100 * p, 1) for p in probs]
    assert percent[:5] == [5.5, 4.1, 74.0, 9.1, 2.0]
    assert round(100 * sum(probs[5:]), 1) == 5.3 == round(100 * chapter["rest_5_to_9"], 1)
    assert chapter["prediction"] == max(range(10), key=lambda d: probs[d]) == 2
    assert chapter["lead"] == pytest.approx(math.exp(3.1 - 1.0), rel=1e-5)


def test_softmax_overflow_and_the_max_shift(chapter):
    assert "nan" in chapter.output("softmax_overflow") and "inf" in chapter.output("softmax_overflow")
    stable = chapter["stable_softmax"]
    for _ in range(5):
        z = torch.randn(6) * 5
        shifted = z + torch.empty(1).uniform_(-500, 500)  # large scores: the naive formula would overflow
        exps = [math.exp(v - max(shifted.tolist())) for v in shifted.tolist()]
        assert stable(shifted).tolist() == pytest.approx([e / sum(exps) for e in exps], abs=1e-6)
    assert chapter["stable_gap"] < 1e-5
    assert torch.isinf(torch.exp(torch.tensor(chapter["overflow_at"] + 0.01)))
    assert torch.isfinite(torch.exp(torch.tensor(chapter["overflow_at"] - 0.01)))


def test_untrained_network_is_near_uniform(chapter):
    guess = chapter["guess"]
    assert guess.sum().item() == pytest.approx(1.0, abs=1e-6)
    assert 0.05 < chapter["guess_low"] <= chapter["guess_high"] < 0.2
    assert chapter["guess_low"] == guess.min().item()


# ----------------------------------------------------------------- XOR


def test_bce_by_hand_is_binary_cross_entropy(chapter):
    bce = chapter["bce"]
    logits = torch.tensor([-30.0, -2.0, -0.3, 0.0, 0.7, 4.0, 30.0])
    for y in (torch.zeros(7), torch.ones(7)):
        expected = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
        assert torch.allclose(bce(logits, y), expected, atol=1e-6)
        p = torch.sigmoid(logits.double())
        naive = -(y * torch.log(p) + (1 - y) * torch.log1p(-p))  # the formula on the page, in float64
        assert torch.allclose(bce(logits, y).double()[1:-1], naive[1:-1], atol=1e-6)
    assert torch.isfinite(bce(logits, torch.zeros(7))).all()  # no log(0), even at z = 30
    assert bce(torch.zeros(4, 1), chapter["y_xor"]).mean().item() == pytest.approx(math.log(2))


def test_xor_hidden_plot_shades_both_sides_of_the_output_line(chapter):
    """The two shaded sides are exactly where the output neuron's score is positive and negative."""
    w, b = chapter["w_out"], chapter["b_out"]
    score = chapter["out_score"]
    assert torch.allclose(score, w[0] * chapter["hg1"] + w[1] * chapter["hg2"] + b)
    assert (score > 0).any() and (score < 0).any()
    H = chapter["H"]
    assert ((H @ w + b > 0) == (chapter["y_xor"].flatten() == 1)).all()  # red points on the red side


def test_xor_training_solves_xor(chapter):
    losses = chapter["xor_losses"]
    assert len(losses) == 250 and losses[-1] < 0.05 < losses[0]
    assert abs(losses[0] - math.log(2)) < 0.1  # starts near a 50/50 guess
    assert [round(p) for p in chapter["xor_probs"].tolist()] == [0, 1, 1, 0]
    assert chapter["coin_loss"] == pytest.approx(math.log(2))


def test_hidden_layer_separates_xor(chapter):
    H, w, b = chapter["H"].double(), chapter["w_out"].double(), chapter["b_out"].double()
    side = H @ w + b  # which side of the output neuron's line each point is on
    assert (side[[1, 2]] > 0).all() and (side[[0, 3]] < 0).all()
    assert chapter["twin_gap"] == (H[1] - H[2]).abs().max().item() == pytest.approx(0, abs=1e-2)


def train_one(seed, width, activation, steps=250, lr=2.0):
    """The plain training loop, one network at a time: what train_xor_many claims to reproduce."""
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, width), activation, nn.Linear(width, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = nn.functional.binary_cross_entropy_with_logits(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def test_batched_training_equals_one_network_at_a_time(chapter):
    runs = chapter["runs"]
    assert runs[("Tanh", 2)]["loss"][0].item() == pytest.approx(chapter["xor_losses"][-1], abs=1e-4)
    for seed, width, act in [(3, 4, nn.ReLU()), (7, 2, nn.Sigmoid())]:
        key = (type(act).__name__, width)
        assert runs[key]["loss"][seed].item() == pytest.approx(train_one(seed, width, act), abs=1e-4)


def test_success_counts_and_the_claims_about_them(chapter):
    runs, solved = chapter["runs"], chapter["solved"]
    for key, run in runs.items():
        assert solved[key] == int((run["correct"] == 4).sum())
        assert f"{solved[key]:6d}/20" in chapter.output("xor_seeds")
    assert solved[("ReLU", 2)] < 10 and solved[("ReLU", 2)] < solved[("ReLU", 4)] <= solved[("ReLU", 8)]
    assert solved[("Tanh", 2)] < solved[("Tanh", 4)]
    assert solved[("Sigmoid", 2)] < solved[("Tanh", 2)]
    assert chapter["solved_sigmoid_long"] > solved[("Sigmoid", 2)]


def test_dead_relu_units_never_come_back(chapter):
    run = chapter["runs"][("ReLU", 2)]
    # recompute the starting hidden values from the seeds, without the batched code
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    for s in range(20):
        torch.manual_seed(s)
        first = nn.Linear(2, 2)
        with torch.no_grad():
            assert torch.allclose(run["hidden_start"][s], torch.relu(first(X)), atol=1e-6)
    dead_at_start = (run["hidden_start"] == 0).all(dim=1)  # (seed, unit)
    # a unit that is zero on every input gets zero gradient, so it is still zero at the end
    assert (run["hidden_end"].permute(0, 2, 1)[dead_at_start] == 0).all()
    seeds_with_dead = dead_at_start.any(dim=1)
    assert chapter["n_dead_start"] == int(seeds_with_dead.sum())
    assert chapter["n_dead_solved"] == int((seeds_with_dead & (run["correct"] == 4)).sum()) == 0
    assert chapter["n_linear_solved"] == 0
    assert chapter["n_dead_start"] + chapter["n_linear_start"] + chapter["n_bend_start"] == 20


# ----------------------------------------------------------------- approximation


def test_wider_hidden_layers_fit_better(chapter):
    loss, models = chapter["ua_loss"], chapter["ua_models"]
    assert loss[1] > loss[2] > loss[4] > loss[8]
    assert loss[1] > 0.1 and loss[8] < 0.01
    x = chapter["x_fit"]
    with torch.no_grad():  # recompute the 8-unit fit's error from the model
        mse = ((models[8](x) - (torch.sin(2 * x) + 0.3 * x)) ** 2).mean().item()
    assert mse == pytest.approx(loss[8], rel=0.2)
    for w in chapter["ua_widths"]:
        assert chapter["count_parameters"](models[w]) == 3 * w + 1


def test_width_versus_depth_table(chapter):
    loss, dead = chapter["wd_loss"], chapter["wd_dead"]
    counts = [count_by_formula(shape) for shape in chapter["shapes"]]
    assert counts == [97, 97, 106]
    assert all(math.isfinite(v) for v in loss.values())
    deep = "1→5→5→5→5→1"
    assert min(loss[deep, s] for s in (0, 1)) > max(v for (name, _), v in loss.items() if name != deep)
    # the best single run is the wide network's, and its other start is worse than both of 1→8→8→1
    assert min(loss.values()) == loss["1→32→1", 0]
    assert loss["1→32→1", 1] > max(loss["1→8→8→1", s] for s in (0, 1))
    assert all(max(dead[deep, s]) == 3 for s in (0, 1))  # a layer of five with three dead units
    assert max(dead["1→32→1", s][0] for s in (0, 1)) == dead["1→32→1", 1][0] <= 16  # the prose quotes seed 1's count


def test_dead_units_counts_units_that_never_fire(chapter):
    model = nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0], [-1.0], [0.0]]))
        model[0].bias.copy_(torch.tensor([0.0, -5.0, -1.0]))  # units 2 and 3 are negative on [-3, 3]
    assert chapter["dead_units"](model, torch.linspace(-3, 3, 50).reshape(-1, 1)) == [2]


# ----------------------------------------------------------------- exercises


def test_exercise_forward_pass(chapter):
    x, W1, b1, W2 = [2.0, 3.0], [[0.5, -0.3], [0.2, 0.8]], [0.1, -0.1], [0.4, 0.6]
    z = [sum(W1[i][k] * x[k] for k in range(2)) + b1[i] for i in range(2)]
    out = sum(max(0.0, zi) * w for zi, w in zip(z, W2))
    assert chapter["z1_ex"].tolist() == pytest.approx(z)
    assert z == pytest.approx([0.2, 2.7])
    assert chapter["ex_output"] == pytest.approx(out, abs=1e-6)
    assert out == pytest.approx(1.7)
    other = [sum(x[k] * W1[k][i] for k in range(2)) + b1[i] for i in range(2)]  # W1 read as (inputs, outputs)
    assert chapter["z1_other"].tolist() == pytest.approx(other)
    assert other == pytest.approx([1.7, 1.7])


def test_exercise_count(chapter):
    assert chapter["n_digits_net"] == (64 * 32 + 32) + (32 * 16 + 16) + (16 * 10 + 10) == 2778


def test_exercise_linear_xor(chapter):
    runs = chapter["linear_runs"]
    assert chapter["linear_solved"] == 0 and chapter["linear_best"] <= 3  # a line gets at most 3
    # a linear score cannot beat ln 2 on XOR: the loss is convex and symmetric, minimised at w = 0
    assert (runs["loss"] >= math.log(2) - 1e-4).all()
    assert (runs["loss"] <= math.log(2) + 1e-4).all()  # "the loss settles at ln 2"
    assert chapter["linear_best"] == int(runs["correct"].max())


# ----------------------------------------------------------------- initialisation


def test_equal_starting_weights_stay_equal(chapter):
    nets = chapter["symmetric"]
    zero = nets[0.0]
    # from zeros nothing moves at all, and the loss is ln 2
    assert all((p == 0).all() for p in zero.parameters())
    assert chapter["symmetric_loss"][0.0] == pytest.approx(math.log(2), abs=1e-6)
    # from 0.5 the units moved, but every hidden unit has exactly the weights of the first
    W, v = nets[0.5][0].weight.detach(), nets[0.5][2].weight.detach()[0]
    assert (W != 0.5).all()
    assert (W == W[0]).all() and (nets[0.5][0].bias == nets[0.5][0].bias[0]).all() and (v == v[0]).all()
    assert chapter["symmetric_right"][0.5] <= 3  # one unit drawn four times: one line
    assert chapter.output("init_symmetry").count("largest difference between two hidden units: 0.0e+00") == 2


def test_symmetry_holds_for_any_equal_start_independently():
    """Our own network, another value and width: equal units get equal gradients, step after step."""
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=torch.float64)
    model = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 1)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(-0.3)
    for _ in range(40):
        loss = nn.functional.binary_cross_entropy_with_logits(model(X), y)
        model.zero_grad()
        loss.backward()
        g = model[0].weight.grad
        assert torch.allclose(g, g[0].expand_as(g))  # every unit's gradient is the first unit's
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    W = model[0].weight.detach()
    assert torch.allclose(W, W[0].expand_as(W)) and not torch.allclose(W, torch.full_like(W, -0.3))


def test_scale_table_follows_the_variance_formula(chapter):
    spreads = chapter["spreads"]
    relu = lambda name: spreads[name, "ReLU"]  # noqa: E731
    tanh = lambda name: spreads[name, "tanh"]  # noqa: E731
    # ReLU halves the mean square: with std s and fan-in n, the spread grows by sqrt(n/2) * s per layer
    for name, s in [("std 1", 1.0), ("std 0.01", 0.01), ("1/sqrt(fan-in)", 1 / 16), ("nn.Linear default", 1 / math.sqrt(3 * 256))]:
        per_layer = (relu(name)[9] / relu(name)[4]) ** (1 / 5)
        assert per_layer == pytest.approx(math.sqrt(256 / 2) * s, rel=0.1), name
    assert relu("std 1")[9] > 1e9 and relu("std 0.01")[9] < 1e-9
    assert 0.4 < relu("He")[9] < 1.5 and 0.4 < relu("He")[0] < 1.5
    assert tanh("std 1")[9] > 0.95  # saturated at +-1
    assert tanh("std 0.01")[9] < 1e-6
    assert 0.1 < tanh("1/sqrt(fan-in)")[9] < tanh("He")[9] < 1
    # the prose: "about ten times per layer" for std 0.01 with ReLU (sqrt(128) * 0.01 = 0.113)
    assert 8 < relu("std 0.01")[0] / relu("std 0.01")[1] < 12


def test_nn_linear_default_bound(chapter):
    for fan_in, fan_out in [(3, 5), (50, 20), (256, 64), (1000, 30)]:
        layer = nn.Linear(fan_in, fan_out)
        bound = 1 / math.sqrt(fan_in)
        w, b = layer.weight.detach(), layer.bias.detach()
        assert w.abs().max() <= bound and b.abs().max() <= bound
        if w.numel() >= 1000:  # uniform on [-bound, bound]: reaches the edges, and has std bound / sqrt 3
            assert w.abs().max() > 0.99 * bound
            assert w.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert chapter["bound"] == 1 / 16
    assert chapter["default_std"] == pytest.approx(1 / math.sqrt(3 * 256), rel=0.03)
    assert chapter["xavier_w"].std().item() == pytest.approx(math.sqrt(2 / (256 + 64)), rel=0.03)
    assert chapter["he_w"].std().item() == pytest.approx(math.sqrt(2 / 256), rel=0.03)


def test_bad_scale_stalls_training(chapter):
    loss, grad = chapter["stall_loss"], chapter["stall_grad"]
    y = chapter["y_fit"]
    assert chapter["mean_guess_loss"] == pytest.approx(y.var(unbiased=False).item(), rel=1e-5)
    stuck = loss["std 0.01"]
    assert max(stuck) - min(stuck) < 1e-3 and stuck[-1] == pytest.approx(chapter["mean_guess_loss"], abs=1e-3)
    assert grad["std 0.01"] < 1e-5 * grad["nn.Linear default"]
    for name in ("nn.Linear default", "1/sqrt(fan-in)"):
        assert loss[name][-1] < 0.2 * chapter["mean_guess_loss"]  # at least five times better than the average
    assert loss["1/sqrt(fan-in)"][100] < loss["nn.Linear default"][100]  # "gets going sooner"
    # the 0.01 net really is std 0.01 at the start, and its first-layer gradient is tiny, recomputed here
    model = chapter["deep_relu_net"](chapter["schemes"]["std 0.01"])
    assert model[0].weight.std().item() == pytest.approx(0.01, rel=0.3)
    ((model(chapter["x_fit"]) - y) ** 2).mean().backward()
    assert model[0].weight.grad.norm().item() == pytest.approx(grad["std 0.01"], rel=1e-3)


# ----------------------------------------------------------------- the exercises' checks (the lab's workbook cells)

ANSWERS = {"check_forward": ["z1_ex", "h1_ex", "ex_output"], "check_count": ["n_digits_net"],
           "check_linear_xor": ["linear_solved", "linear_best"]}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_checks_pass_with_the_solutions_and_name_each_missing_answer(chapter, name):
    check_names_each_missing_answer(chapter, name, ANSWERS[name])


def test_forward_check_rejects_the_other_weight_layout(chapter):
    # by hand: z1 = [0.5·2 - 0.3·3 + 0.1, 0.2·2 + 0.8·3 - 0.1]; reading W1 as (inputs, outputs) gives [1.7, 1.7]
    z1, h1 = [0.2, 2.7], [0.2, 2.7]
    out = 0.4 * h1[0] + 0.6 * h1[1]
    assert "Correct" in run_check(chapter, "check_forward", z1_ex=z1, h1_ex=h1, ex_output=out)   # lists and a float
    assert "Correct" in run_check(chapter, "check_forward", z1_ex=torch.tensor([z1]), h1_ex=torch.tensor(h1),
                                  ex_output=torch.tensor([out]))
    assert "(inputs, outputs)" in failure(chapter, "check_forward", z1_ex=[1.7, 1.7], h1_ex=[1.7, 1.7], ex_output=1.7)
    assert "`h1_ex`" in failure(chapter, "check_forward", z1_ex=z1, h1_ex=[0.0, 0.0], ex_output=out)
    assert "`ex_output`" in failure(chapter, "check_forward", z1_ex=z1, h1_ex=h1, ex_output=1.9)
    assert "two numbers" in failure(chapter, "check_forward", z1_ex=[0.2, 2.7, 0.0], h1_ex=h1, ex_output=out)


def test_count_check_wants_the_biases(chapter):
    weights = 64 * 32 + 32 * 16 + 16 * 10
    assert "bias" in failure(chapter, "check_count", n_digits_net=weights)
    assert "Not yet" in failure(chapter, "check_count", n_digits_net=weights + 32 + 16)
    assert "Correct" in run_check(chapter, "check_count", n_digits_net=weights + 32 + 16 + 10)


def test_linear_xor_check_rejects_wrong_predictions(chapter):
    best = int(chapter["linear_runs"]["correct"].max())
    assert "one line" in failure(chapter, "check_linear_xor", linear_solved=20, linear_best=4)
    assert "`linear_best`" in failure(chapter, "check_linear_xor", linear_solved=0, linear_best=4)
    assert "Correct" in run_check(chapter, "check_linear_xor", linear_solved=0, linear_best=best)
