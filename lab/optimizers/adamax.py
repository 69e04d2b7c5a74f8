"""Adamax: Adam with the infinity norm in place of the second moment (Kingma & Ba), as torch.optim.Adamax."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.optimizers.base import BETA1, BETA2, OptimizerSpec, eps, lr
from lab.optimizers.elementwise import maximum, per_coordinate
from lab.optimizers.explaining import sup, vec, weight_decay_lines
from lab.optimizers.scales import round_down
from lab.optimizers.shared import WEIGHT_DECAY


class AdamaxState(NamedTuple):
    """count t (steps taken), mu = first moment m, u = the decayed running maximum of |g| (plus eps)."""

    count: int
    mu: np.ndarray
    u: np.ndarray


def rule(g, x, t, mu, u, lr, beta1, beta2, eps, weight_decay):
    """One coordinate of Adamax: returns (step, m, u)."""
    if weight_decay:
        g = g + weight_decay * x
    mu = beta1 * mu + (1.0 - beta1) * g
    u = maximum(beta2 * u, maximum(g, -g) + eps)  # |g| = max(g, −g), NaN kept
    step = -(lr / (1.0 - beta1 ** t)) * mu / u
    return step, mu, u


def adamax(lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
           weight_decay: float = 0.0) -> "Optimizer":
    """Adamax: Adam's step divided by a decayed maximum of |g| instead of the root mean square.

    Algorithm::

        m = u = 0
        for t in range(1, num_steps + 1):
            g = grad(x)
            if weight_decay != 0: g = g + weight_decay * x
            m = beta1 * m + (1 - beta1) * g
            u = max(beta2 * u, |g| + eps)
            x = x - lr / (1 - beta1**t) * m / u

    torch.optim.Adamax with these defaults. eps sits inside the maximum, as torch has it (the paper has none);
    u needs no bias correction, being a maximum. torch updates m as a lerp, m + (1 − β₁)(g − m): the same
    numbers up to rounding. The first step is lr·g/(|g| + eps) ≈ lr·sign(g). The state: t (``count``), m (``mu``), u.
    """
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}

    def details(grad, state, x):
        t = max(state.count, 1)
        m_hat = state.mu / (1.0 - beta1**t)
        with np.errstate(divide="ignore"):
            effective = lr / state.u
        return {"first_moment": m_hat, "velocity": -lr * m_hat, "effective_lr": effective}

    return per_coordinate("adamax", hyper, rule, AdamaxState, details)


def explain(s) -> list[str]:
    """Adamax's lines with one update's numbers: m, the decayed maximum u, the step."""
    t = s.after["t"]
    return weight_decay_lines(s) + [
        f"t = {t}", f"m = β₁·m + (1 − β₁)·g = {vec(s.after['m'])}", f"u = max(β₂·u, |g| + ε) = {vec(s.after['u'])}",
        f"step = −lr/(1 − β₁{sup(t)})·m/u = {vec(s.step)}"]


SPEC = OptimizerSpec(
    "adamax", (lr(2e-3), BETA1, BETA2, eps(1e-8), WEIGHT_DECAY), adamax,
    rule="g = ∇f(x) + wd·x;  t ← t + 1\nm ← β₁·m + (1 − β₁)·g\nu ← max(β₂·u, |g| + ε)\n"
         "x ← x − lr·m / ((1 − β₁ᵗ)·u)",
    summary="Adam with a decayed maximum of |g| in place of the second moment",
    label="Adamax", short_label="Adamax",
    preset=lambda scales: {"lr": round_down(scales.width / 400)},
    per_point=("lr", "eps"), explain=explain, state_names={"count": "t", "mu": "m", "u": "u"})
