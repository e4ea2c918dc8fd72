"""The Loss functions chapter: every loss recomputed independently, in plain Python where possible."""

import math
import statistics

import pytest
import torch
import torch.nn.functional as F
from conftest import check_names_each_missing_answer, check_rejects as failure, run_check

CHAPTER = "losses"


def py_cross_entropy(logits, label):
    """-log softmax(logits)[label] with Python floats and the max trick, independent of torch."""
    m = max(logits)
    return m + math.log(sum(math.exp(z - m) for z in logits)) - logits[label]


def py_softmax(logits):
    m = max(logits)
    e = [math.exp(z - m) for z in logits]
    return [v / sum(e) for v in e]


# ----------------------------------------------------------------------------- MSE


def test_mse_by_hand_and_builtin(chapter):
    preds, targets = [2.5, 0.0, 2.1, 7.8], [3.0, -0.5, 2.0, 8.0]
    expected = sum((p - t) ** 2 for p, t in zip(preds, targets)) / 4
    assert expected == pytest.approx(0.1375)
    assert chapter["mse_manual"].item() == pytest.approx(expected, abs=1e-6)
    assert chapter["mse_builtin"].item() == pytest.approx(expected, abs=1e-6)
    out = chapter.output("mse_by_hand")
    assert "mean of the squared errors: 0.1375" in out and "nn.MSELoss():               0.1375" in out
    # the float32 rounding the prose talks about is really printed
    assert "0.09999990463256836" in out


def test_why_square(chapter):
    out = chapter.output("why_square")
    assert "mean error           0.0" in out and "mean squared error  25.0" in out
    assert chapter["abs_ratio"] == 5 and chapter["square_ratio"] == 25


def test_mse_gradient_matches_finite_differences(chapter):
    preds = chapter["predictions"].double()
    targets = chapter["targets"].double()
    h = 1e-6
    for i in range(4):
        bump = torch.zeros(4, dtype=torch.float64)
        bump[i] = h
        fd = (((preds + bump - targets) ** 2).mean() - ((preds - bump - targets) ** 2).mean()) / (2 * h)
        assert chapter["p"].grad[i].item() == pytest.approx(fd.item(), abs=1e-5)
    assert chapter.output("mse_gradient").strip().endswith("the same: True")


def test_loss_curves_are_the_textbook_formulas(chapter):
    e = chapter["error_grid"]
    assert torch.allclose(chapter["squared_curve"], e ** 2)
    assert torch.allclose(chapter["absolute_curve"], e.abs())
    huber = torch.where(e.abs() <= 1, 0.5 * e ** 2, e.abs() - 0.5)
    assert torch.allclose(chapter["huber_curve"], huber)


# ----------------------------------------------------------------------------- MSE vs MAE


def test_best_constants_are_mean_and_median(chapter):
    base = chapter["prices"].tolist()[:-1]
    out = chapter.output("fit_constant")
    for mansion in chapter["mansion_prices"]:
        data = base + [mansion]
        mean, median = statistics.mean(data), statistics.median(data)
        values = torch.tensor(data)
        assert chapter["best_constant"](values, "mse") == pytest.approx(mean, abs=0.5)
        assert chapter["best_constant"](values, "mae") == median
        assert f"{mansion:7.0f}  {mean:16.0f}  {mean:5.0f}  {median:16.0f}  {median:6.0f}" in out
    assert chapter["mse_guess"] == 430 and chapter["mae_guess"] == 260
    # the prose: the MSE guess is worse than the MAE guess for six of the seven houses
    prices = chapter["prices"].tolist()
    assert sum(abs(p - 430) > abs(p - 260) for p in prices) == 6


def test_best_constant_on_fresh_data(chapter):
    gen = torch.Generator().manual_seed(1)
    values = torch.randint(100, 2000, (9,), generator=gen).float()
    assert chapter["best_constant"](values, "mae") == statistics.median(values.tolist())
    assert chapter["best_constant"](values, "mse") == pytest.approx(statistics.mean(values.tolist()), abs=0.5)


def test_exercise_mse_mae(chapter):
    errors = [2 - 3, 8 - 7, 5 - 5, 10 - 3]
    mse = sum(e * e for e in errors) / 4
    mae = sum(abs(e) for e in errors) / 4
    assert (mse, mae) == (12.75, 2.25)
    assert chapter["outlier_mse"] == pytest.approx(mse)
    assert chapter["outlier_mae"] == pytest.approx(mae)
    assert chapter["mse_mae_ratio"] == pytest.approx(51 / 9)
    assert chapter["squared_parts"] == [e * e for e in errors]
    assert chapter["absolute_parts"] == [abs(e) for e in errors]
    assert (chapter["squared_total"], chapter["absolute_total"]) == (51, 9)
    out = chapter.output("ex_mse_mae")
    assert "MSE 12.75   MAE 2.25   MSE/MAE 5.67" in out
    for far in [14, 28]:
        m = (1 + 1 + 0 + far ** 2) / 4
        a = (1 + 1 + 0 + far) / 4
        assert f"{far:13d}  {m:6.2f}  {a:5.2f}  {m / a:7.2f}" in out


# ----------------------------------------------------------------------------- BCE


def test_bce_table(chapter):
    expected = [-math.log(q) for q in [0.99, 0.5, 0.01]]
    assert chapter["bce_losses"] == pytest.approx(expected)
    out = chapter.output("bce_table")
    for q, v in zip(["99%", "50%", "1%"], expected):
        assert f"{q}    {v:.4f}       {v:.4f}" in out
    assert expected[1] == pytest.approx(math.log(2))
    assert chapter["sample_bce"] == pytest.approx(-math.log(0.2))
    assert chapter["sample_squared"] == pytest.approx(0.64)


@pytest.mark.parametrize("p,y", [(0.3, 1), (0.3, 0), (0.9, 0), (0.05, 1)])
def test_binary_cross_entropy_function(chapter, p, y):
    expected = -(y * math.log(p) + (1 - y) * math.log(1 - p))
    assert chapter["binary_cross_entropy"](p, y) == pytest.approx(expected)


def test_bce_vs_mse_gradient_closed_forms(chapter):
    for q, mse_grad, bce_grad in chapter["gradient_rows"]:
        assert mse_grad == pytest.approx(2 * q * q * (1 - q), rel=1e-9)   # d/dz sigmoid(z)² = 2p·p(1-p)
        assert bce_grad == pytest.approx(q, rel=1e-9)                     # d/dz BCE = p - y, y = 0
    assert chapter["gradient_rows"][2][1] < 0.01 < 0.99 < chapter["gradient_rows"][2][2]


# ----------------------------------------------------------------------------- cross-entropy


def test_cat_dog_bird(chapter):
    right, wrong = [2.0, 1.0, 0.1], [0.1, 2.0, 1.0]
    assert chapter["loss_right"] == pytest.approx(py_cross_entropy(right, 0), abs=1e-5)
    assert chapter["loss_wrong"] == pytest.approx(py_cross_entropy(wrong, 0), abs=1e-5)
    assert chapter["p_cat_right"] == pytest.approx(py_softmax(right)[0], abs=1e-6)
    assert chapter["p_cat_wrong"] == pytest.approx(py_softmax(wrong)[0], abs=1e-6)
    out = chapter.output("ce_cat")
    assert f"loss {py_cross_entropy(right, 0):.4f}" in out and f"loss {py_cross_entropy(wrong, 0):.4f}" in out
    assert "cat 0.659, dog 0.242, bird 0.099" in out


def test_next_word(chapter):
    logits = [1.5, 3.2, 0.5, 0.1, 0.8]
    probs = py_softmax(logits)
    assert chapter["next_probs"].tolist() == pytest.approx(probs, abs=1e-6)
    assert chapter["next_word_loss"] == pytest.approx(-math.log(probs[1]), abs=1e-5)
    out = chapter.output("ce_next_word")
    for i, word in enumerate(["the", "cat", "sat", "on", "mat"]):
        assert f"{word:4}  {probs[i]:11.4f}  {py_cross_entropy(logits, i):26.4f}" in out
    assert "cat        0.7217                      0.3262  <- correct" in out


def test_cross_entropy_is_log_softmax_plus_nll(chapter):
    logits = chapter["batch_logits"].tolist()
    labels = chapter["batch_labels"].tolist()
    per = [py_cross_entropy(z, y) for z, y in zip(logits, labels)]
    assert chapter["per_example"].tolist() == pytest.approx(per, abs=1e-5)
    assert chapter["ce_mean"].item() == pytest.approx(sum(per) / 3, abs=1e-5)
    assert chapter["two_steps"].item() == pytest.approx(sum(per) / 3, abs=1e-5)
    out = chapter.output("ce_inside")
    assert f"nn.CrossEntropyLoss()           {sum(per) / 3:.4f}" in out
    assert f"reduction='sum'                 {sum(per):.4f}" in out


def test_cross_entropy_gradient_is_softmax_minus_one_hot(chapter):
    logits = chapter["batch_logits"].tolist()
    labels = chapter["batch_labels"].tolist()
    for i, (z, y) in enumerate(zip(logits, labels)):
        p = py_softmax(z)
        expected = [(p[c] - (c == y)) / 3 for c in range(3)]
        assert chapter["z"].grad[i].tolist() == pytest.approx(expected, abs=1e-6)


# ----------------------------------------------------------------------------- numerical stability


def test_naive_softmax_really_fails(chapter):
    out = chapter.output("naive_softmax")
    assert "tensor([1.6516e+38,        inf])" in out
    assert "naive softmax:       tensor([[nan, 0., 0.]])" in out
    assert "naive loss, label 0: tensor(nan)" in out
    assert "-inf" in out and "loss, label 1:       tensor(inf)" in out
    assert chapter["float32_max"] == (2 - 2 ** -23) * 2 ** 127
    assert math.exp(89) > chapter["float32_max"] > math.exp(88)
    assert "exp(-100), exp(-110): tensor([3.7835e-44, 0.0000e+00])" in out
    # and it is right where nothing overflows
    z = torch.randn(5, 4)
    assert torch.allclose(chapter["naive_softmax"](z), torch.softmax(z, dim=1), atol=1e-6)


def test_stable_log_softmax_is_finite_and_correct(chapter):
    big, far = [90.0, 80.0, 70.0], [0.0, -120.0, 5.0]
    assert chapter["big_loss"] == pytest.approx(py_cross_entropy(big, 0), rel=1e-3)
    assert chapter["far_loss"] == pytest.approx(py_cross_entropy(far, 1), rel=1e-6)
    assert chapter["far_loss"] == pytest.approx(125 + math.log(1 + math.exp(-5)), rel=1e-6)
    by_hand = chapter["log_softmax_by_hand"]
    for scores in [torch.randn(6, 5) * 50, torch.tensor([[1000.0, 0.0, -1000.0]])]:
        result = by_hand(scores)
        assert torch.isfinite(result).all()
        assert torch.allclose(result, F.log_softmax(scores, dim=1), atol=1e-4)


def test_double_softmax_floor(chapter):
    # softmax([100, 0, 0]) is [1, 0, 0] in float32; cross-entropy of those as scores is log(e + 2) - 1
    assert chapter["double_use"] == pytest.approx(math.log(math.e + 2) - 1, abs=1e-6)
    assert chapter["right_use"] == pytest.approx(0.0, abs=1e-6)


def test_bce_with_logits(chapter):
    # the true loss for score 20, label 0 is softplus(20) = log(1 + e^20)
    assert chapter["bce_on_logit"] == pytest.approx(math.log1p(math.exp(20.0)), rel=1e-6)
    assert chapter["bce_on_probability"] == 100.0


def test_which_loss_table(chapter):
    out = chapter.output("which_loss")
    assert "one of 10 classes  CrossEntropyLoss    (4, 10)       (4,) int64" in out
    assert "predict a number   MSELoss             (4, 1)        (4, 1) float32" in out
    assert "yes or no, ±1      hinge_loss          (4,)          (4,) float32" in out


# ----------------------------------------------------------------------------- exercises


def test_uniform_guess_is_ln_10(chapter):
    assert chapter["uniform_loss"] == pytest.approx(math.log(10), abs=1e-6)
    assert "loss: 2.3026" in chapter.output("ex_uniform_guess")
    assert abs(chapter["untrained_loss"] - math.log(10)) < 0.1


def test_shift_changes_nothing(chapter):
    assert chapter["shifted_loss"] == pytest.approx(py_cross_entropy([2.0, 1.0, 0.1], 0), abs=1e-4)
    assert chapter["shifted_loss"] == pytest.approx(chapter["loss_right"], abs=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_entropy_from_scratch_on_fresh_inputs(chapter, seed):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(7, 6, generator=gen) * 20
    labels = torch.randint(0, 6, (7,), generator=gen)
    mine = chapter["cross_entropy_from_scratch"](logits, labels).item()
    expected = sum(py_cross_entropy(z, y) for z, y in zip(logits.tolist(), labels.tolist())) / 7
    assert mine == pytest.approx(expected, rel=1e-5)


def test_cross_entropy_from_scratch_survives_extremes(chapter):
    fn = chapter["cross_entropy_from_scratch"]
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [0.0, -120.0, 5.0]])
    labels = torch.tensor([1, 1])
    expected = (py_cross_entropy([1000.0, 0.0, -1000.0], 1) + py_cross_entropy([0.0, -120.0, 5.0], 1)) / 2
    assert fn(logits, labels).item() == pytest.approx(expected, rel=1e-5)


# ----------------------------------------------------------------------------- hinge


def test_hinge_table_is_max_of_zero_and_one_minus_margin(chapter):
    scores = [3.0, 1.0, 0.4, -0.5, -2.0, 1.5]
    labels = [1, 1, 1, 1, -1, -1]
    out = chapter.output("hinge_table")
    for i, (s, y) in enumerate(zip(scores, labels)):
        m = y * s
        hinge = max(0.0, 1 - m)
        grad = -y if m < 1 else 0          # d/ds max(0, 1 - y s)
        logistic = math.log1p(math.exp(-m))   # BCE with logits, label (y + 1) / 2
        assert chapter["hinge_each"][i].item() == pytest.approx(hinge, abs=1e-6)
        assert chapter["hinge_grads"][i].item() == pytest.approx(grad, abs=1e-6)
        assert chapter["bce_each"][i].item() == pytest.approx(logistic, abs=1e-6)
        assert f"{s:5.1f}  {y:5.0f}  {m:6.1f}  {hinge:10.1f}  {grad:8.0f}  {logistic:13.4f}" in out
    mean = sum(max(0.0, 1 - y * s) for s, y in zip(scores, labels)) / 6
    assert chapter["mean_hinge"].item() == pytest.approx(mean, abs=1e-6)
    assert f"mean hinge loss: {mean:.4f}" in out
    # the prose: a margin of at least 1 costs nothing, wrong-side points cost 1 - margin, BCE is never 0
    assert [h == 0 for h in chapter["hinge_each"].tolist()] == [True, True, False, False, True, False]
    assert chapter["bce_each"].min().item() > 0


def test_hinge_loss_function_on_fresh_inputs(chapter):
    gen = torch.Generator().manual_seed(3)
    scores = torch.randn(50, generator=gen) * 2
    labels = torch.randint(0, 2, (50,), generator=gen).float() * 2 - 1
    expected = sum(max(0.0, 1 - y * s) for s, y in zip(scores.tolist(), labels.tolist())) / 50
    assert chapter["hinge_loss"](scores, labels).item() == pytest.approx(expected, rel=1e-6)


def test_hinge_against_bce_curve(chapter):
    # the figure's claims: BCE on logits lies above the hinge for margins >= 1 and below it for margins <= 0
    m = chapter["margin_grid"].double()
    hinge, logistic = torch.relu(1 - m), torch.log1p(torch.exp(-m))
    assert (logistic[m >= 1] > hinge[m >= 1]).all()
    assert (logistic[m <= 0] < hinge[m <= 0]).all()


# ----------------------------------------------------------------- the exercises' checks (the lab's workbook cells)

ANSWERS = {"check_mse_mae": ["outlier_mse", "outlier_mae", "mse_mae_ratio"], "check_uniform_guess": ["uniform_loss"],
           "check_shift": ["shifted_loss"], "check_cross_entropy": ["cross_entropy_from_scratch"]}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_checks_pass_with_the_solutions_and_name_each_missing_answer(chapter, name):
    check_names_each_missing_answer(chapter, name, ANSWERS[name])


def test_mse_mae_check_rejects_sums_and_accepts_rounded_predictions(chapter):
    errors = [2 - 3, 8 - 7, 5 - 5, 10 - 3]
    mse, mae = sum(e * e for e in errors) / 4, sum(abs(e) for e in errors) / 4
    right = {"outlier_mse": mse, "outlier_mae": mae, "mse_mae_ratio": mse / mae}
    assert "Correct" in run_check(chapter, "check_mse_mae", **right)
    assert "Correct" in run_check(chapter, "check_mse_mae", **{**right, "mse_mae_ratio": round(mse / mae, 3)})
    assert "Correct" in run_check(chapter, "check_mse_mae", **{k: torch.tensor(v) for k, v in right.items()})
    assert "sum of the squared errors" in failure(chapter, "check_mse_mae", **{**right, "outlier_mse": 4 * mse})
    assert "sum of the absolute errors" in failure(chapter, "check_mse_mae", **{**right, "outlier_mae": 4 * mae})
    assert "`mse_mae_ratio`" in failure(chapter, "check_mse_mae", **{**right, "mse_mae_ratio": mae / mse})


def test_uniform_guess_check(chapter):
    assert "Correct" in run_check(chapter, "check_uniform_guess", uniform_loss=2.3026)
    assert "minus its logarithm" in failure(chapter, "check_uniform_guess", uniform_loss=0.1)
    assert "base-10" in failure(chapter, "check_uniform_guess", uniform_loss=1.0)
    assert "Not yet" in failure(chapter, "check_uniform_guess", uniform_loss=math.log(9))


def test_shift_check(chapter):
    unchanged = py_cross_entropy([2.0, 1.0, 0.1], 0)
    assert "Correct" in run_check(chapter, "check_shift", shifted_loss=round(unchanged, 4))
    assert "Not yet" in failure(chapter, "check_shift", shifted_loss=unchanged + 100)


def test_cross_entropy_check_rejects_naive_and_unaveraged_versions(chapter):
    def naive(logits, labels):   # right on ordinary scores, nan on large ones
        p = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
        return -torch.log(p[torch.arange(len(labels)), labels]).mean()

    def via_softmax(logits, labels):   # stable softmax, then log: -inf where a probability rounds to 0
        return -torch.log(torch.softmax(logits, dim=1)[torch.arange(len(labels)), labels]).mean()

    def per_example(logits, labels):
        return torch.logsumexp(logits, dim=1) - logits[torch.arange(len(labels)), labels]

    def summed(logits, labels):
        return per_example(logits, labels).sum()

    def with_logsumexp(logits, labels):   # right, written another way
        return per_example(logits, labels).mean()

    assert "Correct" in run_check(chapter, "check_cross_entropy", cross_entropy_from_scratch=with_logsumexp)
    assert "maximum" in failure(chapter, "check_cross_entropy", cross_entropy_from_scratch=naive)
    assert "maximum" in failure(chapter, "check_cross_entropy", cross_entropy_from_scratch=via_softmax)
    assert "the mean" in failure(chapter, "check_cross_entropy", cross_entropy_from_scratch=per_example)
    assert "Not yet" in failure(chapter, "check_cross_entropy", cross_entropy_from_scratch=summed)
    assert "a function" in failure(chapter, "check_cross_entropy", cross_entropy_from_scratch=2.3)
    assert "Return a tensor" in failure(chapter, "check_cross_entropy",
                                        cross_entropy_from_scratch=lambda z, y: with_logsumexp(z, y).item())
