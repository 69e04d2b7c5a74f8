"""RMSProp: AdaGrad with a leaky sum of squared gradients."""
from __future__ import annotations

from lab.optimizers.adagrad import GradSquaredState, root_mean_square_details, scaled_step_lines
from lab.optimizers.base import DECAY_RATE, OptimizerSpec, eps, lr
from lab.optimizers.elementwise import per_coordinate, sqrt
from lab.optimizers.explaining import vec
from lab.optimizers.scales import round_down


def rule(g, x, t, grad_squared, lr, decay_rate, eps):
    """One coordinate: S ← decay_rate·S + (1 − decay_rate)·g², step −lr·g/(√S + ε)."""
    grad_squared = decay_rate * grad_squared + (1.0 - decay_rate) * (g * g)
    return -lr * g / (sqrt(grad_squared) + eps), grad_squared


def explain(s) -> list[str]:
    """RMSProp's lines with one update's numbers: S leaks, so the effective lr stops shrinking."""
    return [f"S = decay_rate·S + (1 − decay_rate)·g² = {vec(s.after['S'])}"] + scaled_step_lines(s, "S")


def rmsprop(lr: float, decay_rate: float = 0.99, eps: float = 1e-8) -> "Optimizer":
    """RMSProp: AdaGrad with a leaky (decayed) sum, so step sizes stop shrinking.

    Algorithm::

        grad_squared = 0
        for t in range(num_steps):
            g = grad(x)
            grad_squared = decay_rate * grad_squared + (1 - decay_rate) * g * g
            x = x - lr * g / (sqrt(grad_squared) + eps)

    torch calls decay_rate ``alpha``; the state is S (``grad_squared``, torch's ``square_avg``).
    Example: the first step is lr·g/(√(1 − decay_rate)·|g| + eps), 10·lr for 0.99.
    """
    return per_coordinate("rmsprop", {"lr": lr, "decay_rate": decay_rate, "eps": eps}, rule, GradSquaredState,
                          root_mean_square_details(lr, eps))


SPEC = OptimizerSpec(
    "rmsprop", (lr(1e-2), DECAY_RATE, eps(1e-8)), rmsprop,
    rule="g = ∇f(x)\nS ← decay_rate·S + (1 − decay_rate)·g²\nx ← x − lr·g / (√S + ε)",
    summary="AdaGrad with a leaky sum of squared gradients",
    label="RMSProp", short_label="RMSProp",
    # Adaptive steps are about lr per coordinate whatever the gradient's size: lr is a length (0.01 on a 4-wide box).
    preset=lambda scales: {"lr": round_down(scales.width / 400)},
    per_point=("lr", "decay_rate", "eps"), lecture=True, state_names={"grad_squared": "S"}, explain=explain)
