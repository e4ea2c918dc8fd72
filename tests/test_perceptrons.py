"""The perceptrons chapter: step neurons, logic gates, XOR's impossibility and its two fixes, checked independently."""

import itertools
import math
import random

import pytest
import torch
from conftest import check_names_each_missing_answer, check_rejects as failure, run_check

CHAPTER = "perceptrons"

CORNERS = [(0, 0), (0, 1), (1, 0), (1, 1)]


def outputs_on_corners(W):
    """Step outputs of many perceptrons on the four corners: W is (n, 3) rows of (w1, w2, b); returns (n, 4) 0/1."""
    X = torch.tensor(CORNERS, dtype=torch.float64)
    z = W[:, :2].double() @ X.T + W[:, 2:].double()
    return torch.heaviside(z, torch.tensor(0.0, dtype=torch.float64)).long()


def grid_weights(lo=-8, hi=8, scale=4):
    values = torch.arange(lo, hi + 1, dtype=torch.float64) / scale
    return torch.cartesian_prod(values, values, values)


# ----------------------------------------------------------------- the neuron


def test_step_is_heaviside_with_zero_at_zero(chapter):
    step = chapter["step"]
    z = torch.randn(1000, dtype=torch.float64)
    z[:5] = torch.tensor([0.0, -0.0, 1e-12, -1e-12, 0.0])
    assert torch.equal(step(z), torch.heaviside(z, torch.tensor(0.0, dtype=torch.float64)))
    assert step(0.0) == 0 and step(0) == 0 and step(1e-300) == 1 and step(-1e-300) == 0


def test_perceptron_function_is_the_formula(chapter):
    perceptron = chapter["perceptron"]
    rng = random.Random(1)
    for _ in range(2000):
        x1, x2, w1, w2, b = (rng.uniform(-3, 3) for _ in range(5))
        assert perceptron(x1, x2, w1, w2, b) == (1 if w1 * x1 + w2 * x2 + b > 0 else 0)
    assert perceptron(1, 1, 1.0, 1.0, -2.0) == 0  # exactly on the line: 0
    assert "perceptron(1, 1, 1.0, 1.0, -2.0) = 0" in chapter.output("perceptron_fn")


def test_three_activations_share_one_weighted_sum(chapter):
    X, w, b = chapter["X"].tolist(), chapter["w"].tolist(), chapter["b"]
    z = [w[0] * x1 + w[1] * x2 + b for x1, x2 in X]
    assert chapter["as_linear"].tolist() == z
    assert chapter["as_logistic"].tolist() == pytest.approx([1 / (1 + math.exp(-v)) for v in z], abs=1e-6)
    assert chapter["as_perceptron"].tolist() == [1.0 if v > 0 else 0.0 for v in z]
    # one input sits exactly on the boundary, where the sigmoid is 1/2 and the step is 0
    assert 0.0 in z and chapter["as_logistic"][z.index(0.0)].item() == 0.5
    # sigmoid > 1/2 exactly where the step fires: the same boundary
    for sig, stp in zip(chapter["as_logistic"].tolist(), chapter["as_perceptron"].tolist()):
        assert (sig > 0.5) == (stp == 1.0)
    out = chapter.output("neuron")
    for row in [" 1.0   2.0  |  0.00  |     0.00   0.5000     0", " 2.0   1.0  |  2.50  |     2.50   0.9241     1"]:
        assert row in out


def test_nn_linear_is_one_neuron(chapter):
    layer = chapter["layer"]
    assert sum(p.numel() for p in layer.parameters()) == 3
    assert torch.allclose(chapter["z_layer"], chapter["X"] @ chapter["w"] + chapter["b"])
    assert "same as x @ w + b: True" in chapter.output("as_linear_layer")


# ----------------------------------------------------------------- gates


@pytest.mark.parametrize(
    "weights,gate",
    [("AND_WEIGHTS", lambda a, b: a and b), ("OR_WEIGHTS", lambda a, b: a or b), ("NAND_WEIGHTS", lambda a, b: not (a and b))],
)
def test_gate_weights_compute_their_gate(chapter, weights, gate):
    for x1, x2 in CORNERS:
        assert chapter["perceptron"](x1, x2, *chapter[weights]) == int(bool(gate(x1, x2)))


def test_gate_weights_are_the_books(chapter):
    assert chapter["AND_WEIGHTS"] == (1.0, 1.0, -1.5)
    assert chapter["OR_WEIGHTS"] == (1.0, 1.0, -0.5)
    assert chapter["NOT_WEIGHTS"] == (-1.0, 0.5)
    assert chapter["NAND_WEIGHTS"] == (-1.0, -1.0, 1.5)
    assert chapter["and_right"] == chapter["or_right"] == chapter["nand_right"] == 4
    out = chapter.output("gate_weights")
    assert out.count("4 of 4 right") == 2 and "WRONG" not in out


def test_not_gate(chapter):
    w, b = chapter["NOT_WEIGHTS"]
    assert chapter["not_outputs"] == [1, 0] == [int(w * x + b > 0) for x in (0, 1)]


def test_xor_lines_each_get_one_wrong_at_least(chapter):
    perceptron, out = chapter["perceptron"], chapter.output("xor_lines")
    for label, (w1, w2, b) in chapter["candidates"].items():
        wrong = sum(perceptron(x1, x2, w1, w2, b) != (x1 ^ x2) for x1, x2 in CORNERS)
        assert wrong >= 1
        assert f"{label:18} gets {wrong} of the 4 XOR points wrong" in out


def test_widget_defaults_what_the_explorer_starts_from(chapter):
    w1, w2, b = chapter["AND_WEIGHTS"]
    assert chapter["explorer_z"] == [w1 * x1 + w2 * x2 + b for x1, x2 in CORNERS] == [-1.5, -0.5, -0.5, 0.5]
    assert chapter["explorer_outputs"] == [x1 & x2 for x1, x2 in CORNERS]
    assert chapter["explorer_gates"] == "AND"
    out = chapter.output("widget_defaults")
    assert "z:       [-1.5, -0.5, -0.5, 0.5]" in out and "outputs: [0, 0, 0, 1] -> AND" in out


def test_gates_computed_against_tensor_truth_tables(chapter):
    """gates_computed on 400 random settings (and lines through corners) against torch's heaviside."""
    gates_computed = chapter["gates_computed"]
    targets = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}
    rng = random.Random(3)
    W = torch.tensor([[rng.choice(range(-20, 21)) / 10 for _ in range(3)] for _ in range(400)]
                     + [[1.0, 1.0, -1.0], [1.0, 1.0, -2.0], [-1.0, -1.0, 1.5], [0.0, 0.0, 0.0]], dtype=torch.float64)
    outs = outputs_on_corners(W).tolist()
    found = set()
    for row, out in zip(W.tolist(), outs):
        expected = [name for name, target in targets.items() if out == target]
        assert gates_computed(*row) == expected, row
        found.update(expected)
    assert found == {"AND", "OR", "NAND"}  # every gate but XOR turns up, XOR never


# ----------------------------------------------------------------- XOR is impossible


def test_grid_counts_recomputed_with_tensors(chapter):
    W = grid_weights()
    outs = outputs_on_corners(W)
    targets = {
        "AND": torch.tensor([0, 0, 0, 1]),
        "OR": torch.tensor([0, 1, 1, 1]),
        "XOR": torch.tensor([0, 1, 1, 0]),
    }
    assert chapter["n_settings"] == len(W) == 17**3
    out = chapter.output("grid_search")
    for name, target in targets.items():
        right = (outs == target).sum(dim=1)
        count, best = int((right == 4).sum()), int(right.max())
        assert chapter["grid_counts"][name] == count
        assert chapter["best_right"][name] == best
        assert f"{name:5} | {count:24d} | {best} of 4" in out
    assert chapter["grid_counts"]["AND"] > 0 and chapter["grid_counts"]["OR"] > 0
    assert chapter["grid_counts"]["XOR"] == 0 and chapter["best_right"]["XOR"] == 3


def test_no_random_weights_compute_xor_but_many_compute_and():
    torch.manual_seed(123)
    W = (torch.rand(200_000, 3, dtype=torch.float64) - 0.5) * 20
    outs = outputs_on_corners(W)
    assert not (outs == torch.tensor([0, 1, 1, 0])).all(dim=1).any()
    assert not (outs == torch.tensor([1, 0, 0, 1])).all(dim=1).any()
    assert (outs == torch.tensor([0, 0, 0, 1])).all(dim=1).sum() > 1000


def independent_rule(target, epochs, lr=1.0):
    """The perceptron rule with tensors: w += lr * (y - y_hat) * x, starting from zero."""
    w, b = torch.zeros(2, dtype=torch.float64), 0.0
    errors, history = [], []
    for _ in range(epochs):
        mistakes = 0
        for x1, x2 in CORNERS:
            x = torch.tensor([x1, x2], dtype=torch.float64)
            delta = target[(x1, x2)] - int((w @ x).item() + b > 0)
            mistakes += delta != 0
            w, b = w + lr * delta * x, b + lr * delta
        errors.append(mistakes)
        history.append((w[0].item(), w[1].item(), b))
    return errors, history


def test_learning_rule_table_recomputed(chapter):
    epochs = chapter["epochs"]
    for name in ["AND", "OR", "XOR"]:
        target = {(a, b): v for (a, b), v in chapter["TARGETS"][name].items()}
        errors, history = independent_rule(target, epochs)
        assert chapter["rule_errors"][name] == errors
        assert chapter["rule_history"][name] == history
    out = chapter.output("learning_rule").splitlines()
    for e in range(epochs):
        cells = out[1 + e].split()
        assert [int(cells[0]), int(cells[2]), int(cells[3]), int(cells[4])] == [
            e + 1, chapter["rule_errors"]["AND"][e], chapter["rule_errors"]["OR"][e], chapter["rule_errors"]["XOR"][e]]


def test_learned_weights_compute_the_gates_and_xor_cycles(chapter):
    perceptron, train = chapter["perceptron"], chapter["train_perceptron"]
    for name, gate in [("AND", lambda a, b: a & b), ("OR", lambda a, b: a | b)]:
        for x1, x2 in CORNERS:
            assert perceptron(x1, x2, *chapter["rule_weights"][name]) == gate(x1, x2)
    assert chapter["and_epochs_to_learn"] == chapter["rule_errors"]["AND"].index(0) + 1
    assert all(e == 0 for e in chapter["rule_errors"]["AND"][chapter["and_epochs_to_learn"] - 1:])
    # XOR: the weights after every later epoch equal those of the epoch before: a cycle
    hist = chapter["rule_history"]["XOR"]
    k = chapter["xor_repeat_from"]
    assert k == 2 or hist[k - 2] != hist[k - 3]  # the first repeat, not a later one
    assert all(h == hist[k - 1] for h in hist[k - 1:]) and hist[k - 1] == hist[k - 2]
    assert min(train(chapter["TARGETS"]["XOR"], 200)[0]) > 0


def test_convergence_theorem_on_every_separable_gate(chapter):
    """The rule reaches a clean epoch on all 14 linearly separable gates, and never on XOR or XNOR."""
    train = chapter["train_perceptron"]
    for outputs in itertools.product([0, 1], repeat=4):
        target = dict(zip(CORNERS, outputs))
        errors, _ = train(target, 60)
        if outputs in [(0, 1, 1, 0), (1, 0, 0, 1)]:
            assert min(errors) > 0
        else:
            assert errors[-1] == 0


# ----------------------------------------------------------------- the fixes


def test_hand_crafted_feature(chapter):
    X = chapter["X_crafted"]
    assert torch.equal(X[:, 2], X[:, 0] * X[:, 1])
    # closed form: x1 + x2 - 2 x1 x2 is XOR itself on binary inputs, so z = XOR - 0.5
    xor = torch.tensor([a ^ b for a, b in CORNERS], dtype=torch.float32)
    assert torch.equal(chapter["z_feature"], xor - 0.5)
    assert torch.equal(chapter["y_feature"], xor)


def test_two_layer_network_and_hidden_space(chapter):
    net = chapter["xor_network"]
    for x1, x2 in CORNERS:
        h1, h2, y = net(x1, x2)
        assert (h1, h2, y) == (x1 | x2, x1 & x2, x1 ^ x2)
        assert y == int(h1 - 2 * h2 - 0.5 > 0)
    hidden = chapter["hidden_points"]
    assert hidden[(0, 1)] == hidden[(1, 0)] == (1, 0)
    assert "distinct points in the hidden space: [(0, 0), (1, 0), (1, 1)]" in chapter.output("xor_network")


# ----------------------------------------------------------------- exercises


def test_nand_flip_count(chapter):
    W = grid_weights()
    and_mask = (outputs_on_corners(W) == torch.tensor([0, 0, 0, 1])).all(dim=1)
    nand_after_flip = (outputs_on_corners(-W) == torch.tensor([1, 1, 1, 0])).all(dim=1)
    expected = int((and_mask & nand_after_flip).sum())
    assert chapter["flips_that_work"] == expected
    # characterisation: a flip works exactly when no corner lies on the line
    X = torch.tensor(CORNERS, dtype=torch.float64)
    z = W[:, :2] @ X.T + W[:, 2:]
    assert expected == int((and_mask & (z != 0).all(dim=1)).sum())
    assert 0 < expected < int(and_mask.sum()) == chapter["grid_counts"]["AND"]
    w1, w2, b = chapter["flip_failures"][0]
    assert [w1 * x1 + w2 * x2 + b for x1, x2 in CORNERS][1:3] == [0.0, 0.0]  # the inputs the prose names
    assert chapter["composed"] == [1, 1, 1, 0]


def test_predicted_number_of_computable_gates(chapter):
    # independent: a finer, wider grid computed with tensors finds the same 14 tables
    W = grid_weights(-12, 12, 4)
    tables = {tuple(row) for row in outputs_on_corners(W).tolist()}
    assert len(tables) == 14 == chapter["n_computable"]
    assert set(itertools.product([0, 1], repeat=4)) - tables == {(0, 1, 1, 0), (1, 0, 0, 1)}
    assert "distinct truth tables computed: 14 of 16" in chapter.output("ex_count_solution")


def test_xor_from_nands(chapter):
    for x1, x2 in CORNERS:
        assert chapter["xor_from_nands"](x1, x2) == x1 ^ x2
        assert chapter["nand"](x1, x2) == 1 - (x1 & x2)


def test_every_figure_cell_draws_one_figure(chapter):
    figures = {r.name: len(r.figures) for r in chapter.results}
    for name in ["neuron_diagram", "gate_boundaries", "xor_lines", "errors_plot", "hidden_space"]:
        assert figures[name] == 1
    assert sum(figures.values()) == 5


# ----------------------------------------------------------------- figures and helpers


def test_neuron_diagram_pairs_each_biological_part_with_its_artificial_one(chapter):
    """The diagram gives one colour per role and names every part the prose pairs up."""
    role = chapter["ROLE"]
    assert set(role) == {"input", "weight", "body", "output"} and len(set(role.values())) == 4
    bio_text = " ".join(t.get_text() for t in chapter["bio"].texts)
    art_text = " ".join(t.get_text() for t in chapter["art"].texts)
    for part in ["dendrites", "synapses", "cell body", "axon"]:
        assert part in bio_text
    for part in ["inputs", "weights", "weighted sum", "activation", "output"]:
        assert part in art_text
    # each label is drawn in its role's colour, the same on both sides
    from matplotlib.colors import to_hex
    colour_of = lambda ax, word: {to_hex(t.get_color()) for t in ax.texts if t.get_text().startswith(word)}  # noqa: E731
    for bio_word, art_word, r in [("dendrites", "inputs", "input"), ("synapses", "weights", "weight"),
                                  ("cell body", "weighted sum", "body"), ("axon", "output", "output")]:
        assert colour_of(chapter["bio"], bio_word) == colour_of(chapter["art"], art_word) == {to_hex(role[r])}


def test_hollow_points_are_unfilled_not_white(chapter):
    """Hollow points have no fill at all (so dark mode shows no white discs), filled ones are orange."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    fig = plt.figure()
    ax = fig.add_subplot()
    chapter["draw_points"](ax, CORNERS, [0, 0, 0, 1])
    fills = [c.get_facecolor() for c in ax.collections]
    assert all(len(f) == 0 or f[0][3] == 0 for f in fills[:3])  # transparent inside
    assert tuple(fills[3][0]) == to_rgba("tab:orange")
    plt.close(fig)


def test_fill_positive_side_draws_the_boundary_line(chapter):
    import matplotlib.pyplot as plt

    fig = plt.figure()
    ax = fig.add_subplot()
    chapter["fill_positive_side"](ax, *chapter["AND_WEIGHTS"])  # x1 + x2 = 1.5
    xs, ys = (torch.as_tensor(v).tolist() for v in ax.lines[0].get_data())
    assert xs == [-0.5, 1.5] and ys == [2.0, 0.0]
    plt.close(fig)


def test_helpers_on_small_cases(chapter):
    """What the helpers' docstrings used to show as examples, now checked here."""
    step, neuron, identity = chapter["step"], chapter["neuron"], chapter["identity"]
    assert (step(0.5), step(0), step(-2)) == (1, 0, 0)
    x, w = torch.tensor([[2.0, 1.0], [0.0, 3.0]]), torch.tensor([1.5, -1.0])
    assert neuron(x, w, 0.5, identity).tolist() == [2.5, -2.5]
    assert neuron(x, w, 0.5, step).tolist() == [1.0, 0.0]
    gates = chapter["gates_computed"]
    assert gates(1.0, 1.0, -1.5) == ["AND"] and gates(1.0, 1.0, -1.0) == ["AND"]
    assert gates(1.0, 1.0, -0.5) == ["OR"] and gates(0.0, 0.0, 1.0) == []
    errors, history = chapter["train_perceptron"](chapter["TARGETS"]["OR"], epochs=4)
    assert errors == [1, 2, 1, 0] and history[-1] == (1.0, 1.0, 0.0)
    assert min(chapter["train_perceptron"](chapter["TARGETS"]["XOR"], epochs=100)[0]) == 2


# ----------------------------------------------------------------- the exercises' checks (the lab's workbook cells)

ANSWERS = {"check_nand": ["NAND_WEIGHTS", "flips_that_work"], "check_count": ["n_computable"],
           "check_nand_xor": ["nand", "xor_from_nands"]}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_checks_pass_with_the_solutions_and_name_each_missing_answer(chapter, name):
    check_names_each_missing_answer(chapter, name, ANSWERS[name])


def test_nand_check_rejects_wrong_weights_and_counts(chapter):
    assert "Not yet" in failure(chapter, "check_nand", NAND_WEIGHTS=(1.0, 1.0, -1.5))   # AND's weights
    assert "(w1, w2, b)" in failure(chapter, "check_nand", NAND_WEIGHTS=(-1.0, 1.5))
    n_and = int((outputs_on_corners(grid_weights()) == torch.tensor([0, 0, 0, 1])).all(dim=1).sum())
    assert "exactly on the line" in failure(chapter, "check_nand", flips_that_work=n_and)   # "every flip works"
    assert "Not yet" in failure(chapter, "check_nand", flips_that_work=chapter["flips_that_work"] + 1)
    # another correct answer: any positive multiple of NAND's weights
    assert "Correct" in run_check(chapter, "check_nand", NAND_WEIGHTS=[-2.0, -2.0, 3.0])


def test_count_check_rejects_wrong_predictions(chapter):
    assert "Not all 16" in failure(chapter, "check_count", n_computable=16)
    assert "only 16" in failure(chapter, "check_count", n_computable=17)
    assert "Not yet" in failure(chapter, "check_count", n_computable=15)
    assert "`len`" in failure(chapter, "check_count", n_computable={(0, 0, 0, 1)})
    tables = {tuple(row) for row in outputs_on_corners(grid_weights()).tolist()}
    assert "Correct" in run_check(chapter, "check_count", n_computable=float(len(tables)))


def test_nand_xor_check_rejects_a_wrong_network(chapter):
    def nand(a, b):
        return int(not (a and b))

    def five_nand_xor(a, b):   # (a AND NOT b) OR (NOT a AND b), five NANDs: also right
        return nand(nand(a, nand(b, b)), nand(nand(a, a), b))

    assert "Correct" in run_check(chapter, "check_nand_xor", nand=nand, xor_from_nands=five_nand_xor)
    assert "`xor_from_nands` gives the wrong output for [(0, 0), (1, 1)]" in failure(
        chapter, "check_nand_xor", nand=nand, xor_from_nands=lambda a, b: nand(nand(a, b), nand(a, b)) * 0 + 1)
    assert "`nand` gives the wrong output" in failure(chapter, "check_nand_xor", nand=lambda a, b: a & b)
    assert "`xor_from_nands(x1, x2)`" in failure(chapter, "check_nand_xor", xor_from_nands=0)
