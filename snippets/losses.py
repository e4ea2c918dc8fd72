"""Loss functions: the one number that says how wrong a network is.

Mean squared error, mean absolute error, binary cross-entropy, cross-entropy on logits and the
hinge loss, with the numerical reason PyTorch's classification losses take raw scores.
Each ``# %% name`` cell is shown on the page docs/losses.md, with what it printed.
"""

# %% mse_by_hand
import math

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

predictions = torch.tensor([2.5, 0.0, 2.1, 7.8])
targets = torch.tensor([3.0, -0.5, 2.0, 8.0])

errors = predictions - targets
squared_errors = errors ** 2
mse_manual = squared_errors.mean()

criterion = nn.MSELoss()
mse_builtin = criterion(predictions, targets)

print("prediction  target   error  squared")
for p, t, e, s in zip(predictions, targets, errors, squared_errors):
    print(f"{p:10.1f}  {t:6.1f}  {e:6.1f}  {s:7.2f}")
print("errors as Python floats:", errors.tolist())
print(f"mean of the squared errors: {mse_manual:.4f}")
print(f"exactly, in float32:        {mse_manual.item()!r}")
print(f"nn.MSELoss():               {mse_builtin:.4f}")

# %% why_square
# Reason 1: signs cancel. One prediction 5 too high and one 5 too low.
signed = torch.tensor([5.0, -5.0])
print(f"errors {signed.tolist()}:")
print(f"  mean error         {signed.mean():5.1f}   <- looks perfect, is not")
print(f"  mean squared error {(signed ** 2).mean():5.1f}")

# Reason 2: squaring punishes big errors far more than small ones.
print()
print(" error  |error|  error²")
for e in [0.5, 1.0, 2.0, 10.0]:
    print(f"{e:6.1f}  {abs(e):7.1f}  {e ** 2:6.2f}")
small, large = 2.0, 10.0
abs_ratio, square_ratio = large / small, large ** 2 / small ** 2
print(f"an error of {large:g} is {abs_ratio:g} times an error of {small:g}; its square is {square_ratio:g} times")

# %% mse_gradient
p = predictions.clone().requires_grad_(True)   # a copy of the predictions that records gradients
loss = nn.MSELoss()(p, targets)
loss.backward()

n = len(predictions)
by_formula = 2 * (predictions - targets) / n   # d/dp of mean((p - t)²)

print(" error  autograd  2·error/n")
for e, g, f in zip(errors, p.grad, by_formula):
    print(f"{e:6.1f}  {g:8.3f}  {f:9.3f}")
print("the same:", torch.allclose(p.grad, by_formula))

# %% loss_shapes
error_grid = torch.linspace(-3, 3, 301)
zero = torch.zeros_like(error_grid)
squared_curve = nn.MSELoss(reduction="none")(error_grid, zero)
absolute_curve = nn.L1Loss(reduction="none")(error_grid, zero)
huber_curve = nn.HuberLoss(reduction="none", delta=1.0)(error_grid, zero)

fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(error_grid, squared_curve, label="squared error (MSE)")
ax.plot(error_grid, absolute_curve, label="absolute error (MAE)")
ax.plot(error_grid, huber_curve, "--", label="Huber, δ = 1")
ax.set_xlabel("error = prediction − target")
ax.set_ylabel("loss for one example")
ax.set_title("How three regression losses grow with the error")
ax.set_ylim(0, 5)
ax.legend()
plt.show()

# %% fit_constant
# Prices of seven houses in $1000s; the last one is a mansion.
prices = torch.tensor([210.0, 230.0, 250.0, 260.0, 270.0, 290.0, 1500.0])
candidates = torch.arange(0.0, 3001.0)   # every whole-number guess from 0 to 3000


def best_constant(values, loss_name):
    """The single guess c (from ``candidates``) with the lowest loss against ``values``, as a float.

    Args:
        values: 1-D tensor of targets.
        loss_name: ``"mse"`` for mean squared error, ``"mae"`` for mean absolute error.
    """
    gaps = values - candidates[:, None]                      # (guesses, houses)
    losses = (gaps ** 2).mean(dim=1) if loss_name == "mse" else gaps.abs().mean(dim=1)
    return candidates[losses.argmin()].item()             # argmin: the position of the smallest loss


mansion_prices = [1500.0, 2900.0]
print("mansion  MSE's best guess   mean  MAE's best guess  median")
for mansion in mansion_prices:
    data = torch.cat([prices[:-1], torch.tensor([mansion])])
    print(f"{mansion:7.0f}  {best_constant(data, 'mse'):16.0f}  {data.mean():5.0f}"
          f"  {best_constant(data, 'mae'):16.0f}  {data.median():6.0f}")

mse_guess = best_constant(prices, "mse")
mae_guess = best_constant(prices, "mae")

# %% fit_constant_plot
fig, ax = plt.subplots(figsize=(6.4, 3.6))
houses = range(1, len(prices) + 1)
ax.plot(houses, prices, "o", color="black", label="house prices")
ax.axhline(mse_guess, color="C0", label=f"best guess under MSE: {mse_guess:.0f} (the mean)")
ax.axhline(mae_guess, color="C1", label=f"best guess under MAE: {mae_guess:.0f} (the median)")
ax.set_xlabel("house")
ax.set_ylabel("price ($1000s)")
ax.set_title("One outlier drags the MSE answer; MAE barely notices")
ax.legend(loc="upper left")
plt.show()

# %% bce_table
def binary_cross_entropy(p, y):
    """Binary cross-entropy -(y·log p + (1 - y)·log(1 - p)) for one example, with plain Python floats.

    Args:
        p: the predicted probability of class 1, strictly between 0 and 1.
        y: the true label, 0 or 1.
    """
    return -math.log(p) if y == 1 else -math.log(1 - p)


bce = nn.BCELoss()
confidences = [0.99, 0.5, 0.01]
bce_losses = []
print("probability given to the correct class   by hand   nn.BCELoss")
for q in confidences:
    by_hand = binary_cross_entropy(q, 1)
    builtin = bce(torch.tensor([q]), torch.tensor([1.0])).item()
    bce_losses.append(by_hand)
    print(f"{q:38.0%}  {by_hand:8.4f}  {builtin:11.4f}")

# One sample from a training step: the network says 0.8, the truth is 0.
sample_output, sample_target = 0.8, 0
sample_squared = (sample_output - sample_target) ** 2
sample_bce = binary_cross_entropy(sample_output, sample_target)
print(f"\noutput {sample_output}, target {sample_target}: "
      f"squared error {sample_squared:.2f}, binary cross-entropy {sample_bce:.4f}")

# %% bce_curve
probability_grid = torch.linspace(0.005, 0.995, 199)
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(probability_grid, -torch.log(probability_grid), label="true label 1: −log p")
ax.plot(probability_grid, -torch.log(1 - probability_grid), label="true label 0: −log(1 − p)")
ax.plot(confidences, bce_losses, "o", color="black", label="the table above")
ax.set_xlabel("predicted probability of class 1, p")
ax.set_ylabel("binary cross-entropy")
ax.set_title("Confident and wrong costs the most")
ax.legend()
plt.show()

# %% bce_vs_mse_gradient
# The truth is 0; the network's probability comes from a sigmoid of its raw score z.
print("    p  MSE loss  MSE dL/dz  BCE loss  BCE dL/dz")
gradient_rows = []
for q in [0.8, 0.99, 0.999]:
    raw_score = math.log(q / (1 - q))                    # the z whose sigmoid is q
    z_mse = torch.tensor(raw_score, dtype=torch.float64, requires_grad=True)
    mse_loss = torch.sigmoid(z_mse) ** 2                 # (p - 0)²
    mse_loss.backward()
    z_bce = torch.tensor(raw_score, dtype=torch.float64, requires_grad=True)
    bce_loss = -torch.log(1 - torch.sigmoid(z_bce))      # -log of the probability given to the truth, 0
    bce_loss.backward()
    gradient_rows.append((q, z_mse.grad.item(), z_bce.grad.item()))
    print(f"{q:5}  {mse_loss:8.4f}  {z_mse.grad:9.4f}  {bce_loss:8.4f}  {z_bce.grad:9.4f}")

# %% ce_cat
classes = ["cat", "dog", "bird"]
criterion = nn.CrossEntropyLoss()
target = torch.tensor([0])                        # the picture is a cat
logits_right = torch.tensor([[2.0, 1.0, 0.1]])    # the model's raw scores favour cat
logits_wrong = torch.tensor([[0.1, 2.0, 1.0]])    # ... or favour dog

for name, logits in [("right", logits_right), ("wrong", logits_wrong)]:
    probs = torch.softmax(logits, dim=1)[0]
    loss = criterion(logits, target)
    shown = ", ".join(f"{c} {q:.3f}" for c, q in zip(classes, probs))
    print(f"{name}: {shown}")
    print(f"       loss {loss:.4f}   -log P(cat) = {-math.log(probs[0]):.4f}")

loss_right = criterion(logits_right, target).item()
loss_wrong = criterion(logits_wrong, target).item()
p_cat_right = torch.softmax(logits_right, dim=1)[0, 0].item()
p_cat_wrong = torch.softmax(logits_wrong, dim=1)[0, 0].item()

# %% ce_next_word
vocab = ["the", "cat", "sat", "on", "mat"]
next_logits = torch.tensor([[1.5, 3.2, 0.5, 0.1, 0.8]])
true_next_word = torch.tensor([1])                # "cat"

next_probs = torch.softmax(next_logits, dim=1)[0]
next_word_loss = nn.CrossEntropyLoss()(next_logits, true_next_word).item()

print("word  probability  loss if it were the answer")
for i, word in enumerate(vocab):
    loss_if_true = nn.CrossEntropyLoss()(next_logits, torch.tensor([i])).item()
    marker = "  <- correct" if i == true_next_word.item() else ""
    print(f"{word:4}  {next_probs[i]:11.4f}  {loss_if_true:26.4f}{marker}")
print(f"\nloss: {next_word_loss:.4f}")

# %% ce_inside
batch_logits = torch.tensor([[2.0, 1.0, 0.1],     # a cat, scored as cat
                             [0.1, 2.0, 1.0],     # a cat, scored as dog
                             [0.5, 0.2, 3.1]])    # a bird, scored as bird
batch_labels = torch.tensor([0, 0, 2])
rows = torch.arange(len(batch_labels))

# Step 1: log-softmax turns each row of scores into log-probabilities.
log_probs = F.log_softmax(batch_logits, dim=1)
# Step 2: negative log-likelihood picks the correct class's log-probability and negates it.
nll_per_example = -log_probs[rows, batch_labels]
per_example = nn.CrossEntropyLoss(reduction="none")(batch_logits, batch_labels)

print("example  label  log P(label)  -log P(label)  CrossEntropyLoss(reduction='none')")
for i in range(len(batch_labels)):
    print(f"{i:7}  {classes[batch_labels[i]]:5}  {log_probs[i, batch_labels[i]]:12.4f}"
          f"  {nll_per_example[i]:13.4f}  {per_example[i]:34.4f}")

ce_mean = nn.CrossEntropyLoss()(batch_logits, batch_labels)
two_steps = F.nll_loss(F.log_softmax(batch_logits, dim=1), batch_labels)
print(f"\nnn.CrossEntropyLoss()           {ce_mean:.4f}")
print(f"nll_loss(log_softmax(logits))   {two_steps:.4f}")
print(f"mean of the per-example losses  {per_example.mean():.4f}")
print(f"reduction='sum'                 {nn.CrossEntropyLoss(reduction='sum')(batch_logits, batch_labels):.4f}")

# %% ce_gradient
z = batch_logits.clone().requires_grad_(True)
nn.CrossEntropyLoss()(z, batch_labels).backward()
one_hot = F.one_hot(batch_labels, num_classes=3).float()   # each row: 1 at the label, 0 elsewhere
ce_formula = (torch.softmax(batch_logits, dim=1) - one_hot) / len(batch_labels)

print("autograd:")
print(z.grad)
print("(softmax - one_hot) / batch size:")
print(ce_formula)
print("the same:", torch.allclose(z.grad, ce_formula, atol=1e-7))

# %% naive_softmax nonfinite=ok
def naive_softmax(logits):
    """Softmax straight from the formula, exp(z) / sum(exp(z)), unprotected.

    Args:
        logits: a tensor of raw scores, classes along the last dimension.
    """
    e = torch.exp(logits)
    return e / e.sum(dim=-1, keepdim=True)


float32_max = torch.finfo(torch.float32).max
print(f"largest float32:      {float32_max:.4g}")
print("exp(88), exp(89):    ", torch.exp(torch.tensor([88.0, 89.0])))
print("exp(-100), exp(-110):", torch.exp(torch.tensor([-100.0, -110.0])))

# Overflow: large scores. exp(90) is inf, and inf / inf is nan.
big_logits = torch.tensor([[90.0, 80.0, 70.0]])
naive_probs = naive_softmax(big_logits)
print("\nscores", big_logits.tolist()[0])
print("  naive softmax:      ", naive_probs)
print("  naive loss, label 0:", -torch.log(naive_probs[0, 0]))

# Underflow: even the max-subtracted torch.softmax rounds e^-125 to 0, and log(0) is -inf.
far_logits = torch.tensor([[0.0, -120.0, 5.0]])
rounded_probs = torch.softmax(far_logits, dim=1)
print("\nscores", far_logits.tolist()[0])
print("  torch.softmax:      ", rounded_probs)
print("  then log:           ", torch.log(rounded_probs))
print("  loss, label 1:      ", -torch.log(rounded_probs[0, 1]))

# %% stable_log_softmax
def log_softmax_by_hand(logits):
    """Log-softmax computed stably, z - max(z) - log(sum(exp(z - max(z)))).

    Args:
        logits: a tensor of raw scores, classes along the last dimension.
    """
    m = logits.max(dim=-1, keepdim=True).values
    return logits - m - torch.log(torch.exp(logits - m).sum(dim=-1, keepdim=True))


for scores, label in [(big_logits, 0), (far_logits, 1)]:
    stable = F.log_softmax(scores, dim=1)
    print("scores", scores.tolist()[0])
    print("  F.log_softmax:      ", stable)
    print("  by hand:            ", log_softmax_by_hand(scores))
    print(f"  CrossEntropyLoss, label {label}: {nn.CrossEntropyLoss()(scores, torch.tensor([label])):.6g}")

big_loss = nn.CrossEntropyLoss()(big_logits, torch.tensor([0])).item()
far_loss = nn.CrossEntropyLoss()(far_logits, torch.tensor([1])).item()

# %% double_softmax
# A model that (wrongly) ends in softmax feeds probabilities to CrossEntropyLoss,
# which applies log-softmax again.
confident_logits = torch.tensor([[100.0, 0.0, 0.0]])   # certain, and right
label = torch.tensor([0])
probabilities = torch.softmax(confident_logits, dim=1)
right_use = nn.CrossEntropyLoss()(confident_logits, label).item()
double_use = nn.CrossEntropyLoss()(probabilities, label).item()
print(f"probabilities after softmax:       {probabilities}")
print(f"CrossEntropyLoss on the logits:    {right_use:.4f}")
print(f"CrossEntropyLoss on probabilities: {double_use:.4f}   <- can never get lower than this")

# %% bce_logits
# The binary case has the same trap. A raw score of 20 says "class 1" very firmly; the truth is 0.
score = torch.tensor([20.0])
truth = torch.tensor([0.0])
p_one = torch.sigmoid(score)
print(f"sigmoid(20) in float32 is exactly 1: {p_one.item() == 1.0}")
bce_on_probability = nn.BCELoss()(p_one, truth).item()
bce_on_logit = nn.BCEWithLogitsLoss()(score, truth).item()
print(f"nn.BCELoss(sigmoid(z), y):   {bce_on_probability:.4f}   (log(0) clamped to -100)")
print(f"nn.BCEWithLogitsLoss(z, y):  {bce_on_logit:.4f}")

# %% hinge_table
def hinge_loss(scores, labels):
    """The mean hinge loss, max(0, 1 - label·score), for labels -1 and +1.

    Args:
        scores: raw scores, one per example; a positive score predicts +1.
        labels: the true labels, -1 or +1, shaped like ``scores``.
    """
    return torch.relu(1 - labels * scores).mean()


hinge_scores = torch.tensor([3.0, 1.0, 0.4, -0.5, -2.0, 1.5], requires_grad=True)
hinge_labels = torch.tensor([1.0, 1.0, 1.0, 1.0, -1.0, -1.0])

mean_hinge = hinge_loss(hinge_scores, hinge_labels)
mean_hinge.backward()
hinge_grads = hinge_scores.grad * 6            # undo the mean: each example's own gradient

with torch.no_grad():
    margins = hinge_labels * hinge_scores      # positive: on the right side
    hinge_each = torch.relu(1 - margins)       # one loss per example
    # BCE on the same raw scores, with the labels -1/+1 turned into 0/1
    bce_each = nn.BCEWithLogitsLoss(reduction="none")(hinge_scores, (hinge_labels + 1) / 2)

print("score  label  margin  hinge loss  gradient  BCE on logits")
for i in range(6):
    print(f"{hinge_scores[i]:5.1f}  {hinge_labels[i]:5.0f}  {margins[i]:6.1f}  {hinge_each[i]:10.1f}"
          f"  {hinge_grads[i] + 0.0:8.0f}  {bce_each[i]:13.4f}")   # + 0.0 prints -0 as 0
print(f"\nmean hinge loss: {mean_hinge:.4f}")

# %% hinge_curve
margin_grid = torch.linspace(-2.5, 3.5, 241)
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(margin_grid, torch.relu(1 - margin_grid), label="hinge: max(0, 1 − y·s)")
ax.plot(margin_grid, torch.log(1 + torch.exp(-margin_grid)), "--", label="BCE on logits: log(1 + e^(−y·s))")
ax.plot(margins, hinge_each, "o", color="black", label="the table above (hinge)")
ax.axvline(0, color="0.6", linewidth=0.8)
ax.set_xlabel("margin y·s (negative: on the wrong side)")
ax.set_ylabel("loss for one example")
ax.set_title("The hinge loss stops at a margin of 1; BCE never quite does")
ax.legend()
plt.show()

# %% which_loss
batch = 4
examples = [
    ("predict a number", nn.MSELoss(), torch.randn(batch, 1), torch.randn(batch, 1)),
    ("yes or no", nn.BCEWithLogitsLoss(), torch.randn(batch), torch.randint(0, 2, (batch,)).float()),
    ("yes or no, ±1", hinge_loss, torch.randn(batch), torch.randint(0, 2, (batch,)).float() * 2 - 1),
    ("one of 10 classes", nn.CrossEntropyLoss(), torch.randn(batch, 10), torch.randint(0, 10, (batch,))),
    ("next of 5 words", nn.CrossEntropyLoss(), torch.randn(batch, 5), torch.randint(0, 5, (batch,))),
]
print(f"{'task':17}  {'loss':18}  {'model output':12}  {'target':20}  loss value")
for task, loss_fn, output, wanted in examples:
    value = loss_fn(output, wanted)
    kind = str(wanted.dtype).replace("torch.", "")
    name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
    print(f"{task:17}  {name:18}  {str(tuple(output.shape)):12}  "
          f"{str(tuple(wanted.shape)) + ' ' + kind:20}  {value:.4f}")

# %% ex_mse_mae
model_says = torch.tensor([2.0, 8.0, 5.0, 10.0])
truth_is = torch.tensor([3.0, 7.0, 5.0, 3.0])      # the last one is an outlier

outlier_mse = nn.MSELoss()(model_says, truth_is).item()
outlier_mae = nn.L1Loss()(model_says, truth_is).item()
mse_mae_ratio = outlier_mse / outlier_mae
squared_parts = ((model_says - truth_is) ** 2).tolist()
absolute_parts = (model_says - truth_is).abs().tolist()
squared_total, absolute_total = sum(squared_parts), sum(absolute_parts)
print(f"errors: {(model_says - truth_is).tolist()}")
print(f"squared {squared_parts} sum {squared_total:g}; absolute {absolute_parts} sum {absolute_total:g}")
print(f"MSE {outlier_mse:.2f}   MAE {outlier_mae:.2f}   MSE/MAE {mse_mae_ratio:.2f}")

# Make the outlier worse and watch the two losses part ways.
print("\noutlier error     MSE    MAE  MSE/MAE")
for far in [7.0, 14.0, 28.0]:
    worse = torch.tensor([2.0, 8.0, 5.0, 3.0 + far])
    m, a = nn.MSELoss()(worse, truth_is).item(), nn.L1Loss()(worse, truth_is).item()
    print(f"{far:13.0f}  {m:6.2f}  {a:5.2f}  {m / a:7.2f}")

# %% check_mse_mae
# Run this after your answer to exercise 1.
assert "outlier_mse" in globals(), (
    "Write your MSE into `outlier_mse` (a number), then run this cell again.")
assert "outlier_mae" in globals(), (
    "Write your MAE into `outlier_mae` (a number), then run this cell again.")
assert "mse_mae_ratio" in globals(), (
    "Write MSE / MAE into `mse_mae_ratio` (a number), then run this cell again.")
expected_errors = (torch.tensor([2.0, 8.0, 5.0, 10.0])
                   - torch.tensor([3.0, 7.0, 5.0, 3.0]))
expected_mse = (expected_errors ** 2).mean().item()
expected_mae = expected_errors.abs().mean().item()
assert not math.isclose(float(outlier_mse), (expected_errors ** 2).sum().item()), (
    "Not yet: that is the sum of the squared errors. MSE is their mean.")
assert math.isclose(float(outlier_mse), expected_mse, rel_tol=1e-3), (
    f"Not yet: `outlier_mse` is {float(outlier_mse):g}. "
    "Square each of the four errors, then take the mean.")
assert not math.isclose(float(outlier_mae), expected_errors.abs().sum().item()), (
    "Not yet: that is the sum of the absolute errors. MAE is their mean.")
assert math.isclose(float(outlier_mae), expected_mae, rel_tol=1e-3), (
    f"Not yet: `outlier_mae` is {float(outlier_mae):g}. "
    "Take the size of each of the four errors, then the mean.")
expected_ratio = expected_mse / expected_mae
assert math.isclose(float(mse_mae_ratio), expected_ratio, rel_tol=1e-3), (
    f"Not yet: `mse_mae_ratio` is {float(mse_mae_ratio):g}. "
    "Divide the MSE by the MAE (to 3 digits or more).")
print(f"Correct: MSE {expected_mse:.2f}, MAE {expected_mae:.2f}, "
      f"and the MSE is {expected_ratio:.2f} times larger.")

# %% ex_uniform_guess
digit_classes = 10
know_nothing = torch.zeros(1, digit_classes)       # equal scores: 10 % on every digit
uniform_loss = nn.CrossEntropyLoss()(know_nothing, torch.tensor([7])).item()
print(f"softmax of equal scores: {torch.softmax(know_nothing, dim=1)[0, 0]:.2f} each")
print(f"loss: {uniform_loss:.4f}")

# An untrained network is close to this: its small random scores are nearly equal.
untrained = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, digit_classes))
fake_images = torch.rand(256, 64)
fake_labels = torch.randint(0, digit_classes, (256,))
with torch.no_grad():
    untrained_loss = nn.CrossEntropyLoss()(untrained(fake_images), fake_labels).item()
print(f"an untrained 64-32-10 network on 256 random inputs: {untrained_loss:.4f}")

# %% check_uniform_guess
# Run this after your answer to exercise 2.
assert "uniform_loss" in globals(), (
    "Write the loss of equal scores into `uniform_loss` (a number), "
    "then run this cell again.")
expected_uniform = -math.log(1 / 10)   # each of the 10 classes gets 1/10
assert not math.isclose(float(uniform_loss), 1 / 10, rel_tol=1e-2), (
    "Not yet: 1/10 is the probability of the right class. "
    "The loss is minus its logarithm.")
assert not math.isclose(float(uniform_loss), -math.log10(1 / 10), rel_tol=1e-2), (
    "Not yet: that uses the base-10 logarithm. "
    "Cross-entropy uses the natural one, math.log.")
assert math.isclose(float(uniform_loss), expected_uniform, rel_tol=1e-3), (
    f"Not yet: `uniform_loss` is {float(uniform_loss):g}. "
    "With equal scores, what probability does softmax give each class?")
print(f"Correct: equal scores cost ln 10 = {expected_uniform:.4f}, "
      "whatever the label.")

# %% ex_shift
shifted = logits_right + 100.0
shifted_loss = nn.CrossEntropyLoss()(shifted, target).item()
for scores, value in [(logits_right, loss_right), (shifted, shifted_loss)]:
    shown = ", ".join(f"{s:5.1f}" for s in scores[0])
    print(f"scores [{shown}]   loss {value:.4f}")

# %% check_shift
# Run this after your answer to exercise 3.
assert "shifted_loss" in globals(), (
    "Write your prediction of the new loss into `shifted_loss` (a number), "
    "then run this cell again.")
expected_shift_loss = F.cross_entropy(torch.tensor([[2.0, 1.0, 0.1]]),
                                      torch.tensor([0])).item()
assert math.isclose(float(shifted_loss), expected_shift_loss, abs_tol=1e-3), (
    f"Not yet: `shifted_loss` is {float(shifted_loss):g}. Softmax divides e^z "
    "by a sum of e^z's: what happens to that fraction when every score grows "
    "by the same 100?")
print(f"Correct: the loss is still {expected_shift_loss:.4f}. "
      "Only the differences between scores matter.")

# %% ex_cross_entropy
def cross_entropy_from_scratch(logits, labels):
    """Mean cross-entropy, logsumexp(z) - z[label] over the batch, computed stably.

    Args:
        logits: tensor of shape ``(batch, classes)`` with raw scores.
        labels: tensor of shape ``(batch,)`` with class indices.
    """
    m = logits.max(dim=1, keepdim=True).values
    logsumexp = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(dim=1))
    correct = logits[torch.arange(len(labels)), labels]
    return (logsumexp - correct).mean()


trial_logits = torch.randn(8, 5) * 3
trial_labels = torch.randint(0, 5, (8,))
mine = cross_entropy_from_scratch(trial_logits, trial_labels)
theirs = F.cross_entropy(trial_logits, trial_labels)
print(f"random batch: mine {mine:.6f}   PyTorch {theirs:.6f}")
mine_far = cross_entropy_from_scratch(far_logits, torch.tensor([1]))
print(f"scores {far_logits.tolist()[0]}, label 1: mine {mine_far:.4f}   PyTorch {far_loss:.4f}")

# %% check_cross_entropy
# Run this after your answer to exercise 4.
assert "cross_entropy_from_scratch" in globals(), (
    "Define the function `cross_entropy_from_scratch(logits, labels)` in the "
    "cell above, then run this cell again.")
assert callable(cross_entropy_from_scratch), (
    "`cross_entropy_from_scratch` should be a function, defined with def.")
your_batch_loss = cross_entropy_from_scratch(batch_logits, batch_labels)
expected_batch_loss = F.cross_entropy(batch_logits, batch_labels)
assert isinstance(your_batch_loss, torch.Tensor), (
    f"Your function returned a {type(your_batch_loss).__name__}. Return a "
    "tensor, as F.cross_entropy does, so that autograd can follow it.")
assert your_batch_loss.numel() == 1, (
    f"Your function returned {your_batch_loss.numel()} numbers. "
    "It should return one: the mean of the per-example losses.")
assert torch.allclose(your_batch_loss.float(), expected_batch_loss, atol=1e-5), (
    f"Not yet: on `batch_logits` and `batch_labels` you get "
    f"{your_batch_loss.item():.6f}, F.cross_entropy "
    f"{expected_batch_loss.item():.6f}. Per example, the loss is "
    "log(sum_j e^(z_j)) - z_label; return their mean.")
for extreme_logits, extreme_label in [(big_logits, 0), (far_logits, 1)]:
    extreme_labels = torch.tensor([extreme_label])
    extreme_loss = cross_entropy_from_scratch(extreme_logits, extreme_labels)
    extreme_expected = F.cross_entropy(extreme_logits, extreme_labels)
    assert torch.isfinite(extreme_loss).all(), (
        f"Not yet: scores {extreme_logits.tolist()[0]} with label "
        f"{extreme_label} give {extreme_loss.item()}. Subtract each row's "
        "maximum m before exp, and never take the log of a probability: "
        "log(sum_j e^(z_j)) = m + log(sum_j e^(z_j - m)).")
    assert torch.allclose(extreme_loss.float(), extreme_expected, atol=1e-4), (
        f"Not yet: scores {extreme_logits.tolist()[0]} with label "
        f"{extreme_label} give {extreme_loss.item():.4f}.")
print("Correct: your cross-entropy matches F.cross_entropy on a batch "
      "and on both extreme cases.")
