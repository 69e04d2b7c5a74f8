"""AdaGrad: per-parameter learning rates from the sum of squared gradients."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.optimizers.base import OptimizerSpec, eps, lr
from lab.optimizers.elementwise import per_coordinate, sqrt
from lab.optimizers.explaining import vec
from lab.optimizers.scales import round_down


class GradSquaredState(NamedTuple):
    """grad_squared: the (decayed) sum of squared gradients, per coordinate (AdaGrad's G, RMSProp's S)."""

    grad_squared: np.ndarray


def rule(g, x, t, grad_squared, lr, eps):
    """One coordinate: G ← G + g², step −lr·g/(√G + ε)."""
    grad_squared = grad_squared + g * g
    return -lr * g / (sqrt(grad_squared) + eps), grad_squared


def root_mean_square_details(lr: float, eps: float):
    """The per-coordinate step size lr/(√G + ε) that AdaGrad and RMSProp apply."""

    def details(grad, state, x):
        return {"effective_lr": lr / (np.sqrt(state.grad_squared) + eps), "grad_squared": state.grad_squared}

    return details


def scaled_step_lines(s, name: str) -> list[str]:
    """The lines AdaGrad and RMSProp share: each coordinate's effective lr from ``name`` (G or S), the step."""
    return [f"lr/(√{name} + ε) = {vec(s.lr / (np.sqrt(s.after[name]) + s.hp['eps']))}   (each coordinate's effective lr)",
            f"step = −lr·g/(√{name} + ε) = {vec(s.step)}"]


def explain(s) -> list[str]:
    """AdaGrad's lines with one update's numbers: G grows, each coordinate's effective lr shrinks."""
    return [f"G = G + g² = {vec(s.after['G'])}"] + scaled_step_lines(s, "G")


def adagrad(lr: float, eps: float = 1e-10) -> "Optimizer":
    """AdaGrad: per-parameter learning rates from the running sum of squared gradients.

    Algorithm::

        grad_squared = 0
        for t in range(num_steps):
            g = grad(x)
            grad_squared += g * g
            x = x - lr * g / (sqrt(grad_squared) + eps)

    Steep directions are damped, flat ones sped up, and every step size decays over time.
    The lecture adds 1e-7 to the root; torch's default eps is 1e-10, used here.
    Example: the first step is lr·g/(|g| + eps) ≈ lr·sign(g). The state is G (``grad_squared``, torch's ``sum``).
    """
    return per_coordinate("adagrad", {"lr": lr, "eps": eps}, rule, GradSquaredState,
                          root_mean_square_details(lr, eps))


SPEC = OptimizerSpec(
    "adagrad", (lr(1e-2), eps(1e-10)), adagrad,
    rule="g = ∇f(x)\nG ← G + g²\nx ← x − lr·g / (√G + ε)",
    summary="per-parameter learning rates from the sum of squared gradients",
    label="AdaGrad", short_label="AdaGrad",
    # Its steps are about lr per coordinate and shrink like 1/√t: a length, started big.
    preset=lambda scales: {"lr": round_down(scales.width / 10)},
    per_point=("lr", "eps"), lecture=True, state_names={"grad_squared": "G"}, explain=explain)
