"""Sources and further reading: the runs behind the corrections of well-known printed numbers.

Each ``# %% name`` cell is shown on the page docs/sources.md, with what it printed.
"""

# %% twenty_steps
import torch

torch.manual_seed(0)

# Gradient descent on f(x) = (x - 5)², from x = 0 with learning rate 0.1: the usual example.
x = torch.tensor(0.0, requires_grad=True)
learning_rate = 0.1

print("step |       x |    f(x) | gradient")
for step in range(20):
    f = (x - 5) ** 2
    f.backward()
    if step < 10 or step % 5 == 0:  # the first ten steps, then every fifth
        print(f"  {step:2d} | {x.item():7.4f} | {f.item():7.4f} | {x.grad.item():8.4f}")
    with torch.no_grad():
        x -= learning_rate * x.grad
    x.grad.zero_()

final_x = x.item()
print(f"final x = {final_x:.6f} (target: 5.0)")

# %% twenty_steps_closed_form
# Each step multiplies the distance to 5 by (1 - 2 * learning_rate) = 0.8, so after 20 steps:
closed_form = 5 - 5 * (1 - 2 * learning_rate) ** 20
print(f"5 - 5 × 0.8^20 = {closed_form:.6f}")
