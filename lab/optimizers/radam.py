"""RAdam: Adam with the variance of its adaptive step rectified (Liu et al.), as torch.optim.RAdam."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lab.optimizers.base import BETA1, BETA2, OptimizerSpec, eps, lr
from lab.optimizers.elementwise import per_coordinate, sqrt
from lab.optimizers.explaining import num, sup, vec, weight_decay_lines
from lab.optimizers.scales import round_down
from lab.optimizers.shared import WEIGHT_DECAY


class RAdamState(NamedTuple):
    """count t (steps taken), mu = first moment m, nu = second moment v."""

    count: int
    mu: np.ndarray
    nu: np.ndarray


def rectification(t, beta2):
    """(ρₜ, r): the length of the approximated simple moving average at step t and the rectification factor
    √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)), r = None while ρₜ ≤ 5 (too few steps to trust v)."""
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * beta2**t / (1.0 - beta2**t)
    if rho_t > 5.0:
        return rho_t, math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
    return rho_t, None


def rule(g, x, t, mu, nu, lr, beta1, beta2, eps, weight_decay):
    """One coordinate of RAdam: returns (step, m, v)."""
    if weight_decay:
        g = g + weight_decay * x
    mu = beta1 * mu + (1.0 - beta1) * g
    nu = beta2 * nu + (1.0 - beta2) * (g * g)
    bias_correction1 = 1.0 - beta1 ** t
    bias_correction2 = 1.0 - beta2 ** t
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * beta2 ** t / bias_correction2
    if rho_t > 5.0:
        rect = sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
        step = -(mu / bias_correction1 * lr * (sqrt(bias_correction2) / (sqrt(nu) + eps)) * rect)
    else:
        step = -(mu / bias_correction1 * lr)
    return step, mu, nu


def radam(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.0) -> "Optimizer":
    """RAdam: Adam that takes plain momentum steps until its second moment has seen enough gradients.

    Algorithm::

        m = v = 0;  rho_inf = 2 / (1 - beta2) - 1
        for t in range(1, num_steps + 1):
            g = grad(x)
            if weight_decay != 0: g = g + weight_decay * x
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            m_hat = m / (1 - beta1**t)
            rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
            if rho_t > 5:
                r = sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                x = x - lr * m_hat * r * sqrt(1 - beta2**t) / (sqrt(v) + eps)
            else:
                x = x - lr * m_hat                    # SGD with momentum for the first steps (t ≤ 5 for β₂ = 0.999)

    torch.optim.RAdam with these defaults (decoupled_weight_decay=False). torch updates m as a lerp,
    m + (1 − β₁)(g − m): the same numbers up to rounding. The state: t (``count``), m (``mu``), v (``nu``).
    """
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}

    def details(grad, state, x):
        t = max(state.count, 1)
        m_hat = state.mu / (1.0 - beta1**t)
        _, rect = rectification(t + 1, beta2)  # the next step's
        if rect is None:
            effective = np.full(np.shape(x), lr)
        else:
            effective = lr * rect * math.sqrt(1.0 - beta2 ** (t + 1)) / (np.sqrt(state.nu) + eps)
        return {"first_moment": m_hat, "second_moment": state.nu / (1.0 - beta2**t), "velocity": -lr * m_hat,
                "effective_lr": effective}

    return per_coordinate("radam", hyper, rule, RAdamState, details)


def explain(s) -> list[str]:
    """RAdam's lines with one update's numbers: m, v, m̂, ρₜ and, once ρₜ > 5, the rectification r."""
    hp, after, t = s.hp, s.after, s.after["t"]
    rho_t, rect = rectification(t, hp["beta2"])
    lines = weight_decay_lines(s) + [
        f"t = {t}", f"m = β₁·m + (1 − β₁)·g = {vec(after['m'])}", f"v = β₂·v + (1 − β₂)·g² = {vec(after['v'])}",
        f"m̂ = m/(1 − β₁{sup(t)}) = {vec(after['m'] / (1.0 - hp['beta1'] ** t))}",
        f"ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ) = {num(rho_t)}"]
    if rect is None:
        return lines + [f"step = −lr·m̂ = {vec(s.step)}   (ρₜ ≤ 5: too few steps to trust v, momentum only)"]
    return lines + [f"r = √((ρₜ − 4)(ρₜ − 2)ρ∞/((ρ∞ − 4)(ρ∞ − 2)ρₜ)) = {num(rect)}",
                    f"step = −lr·m̂·r·√(1 − β₂{sup(t)})/(√v + ε) = {vec(s.step)}"]


SPEC = OptimizerSpec(
    "radam", (lr(1e-3), BETA1, BETA2, eps(1e-8), WEIGHT_DECAY), radam,
    rule="g = ∇f(x) + wd·x;  t ← t + 1\nm ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  m̂ = m / (1 − β₁ᵗ)\n"
         "ρₜ = ρ∞ − 2t·β₂ᵗ / (1 − β₂ᵗ),  ρ∞ = 2/(1 − β₂) − 1\n"
         "ρₜ > 5:  x ← x − lr·r·m̂·√(1 − β₂ᵗ) / (√v + ε),  r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))\n"
         "else:    x ← x − lr·m̂",
    summary="Adam with its adaptive step rectified: momentum SGD until v is reliable",
    label="RAdam", short_label="RAdam",
    # Adam's length W/400, but its first steps (ρₜ ≤ 5) are momentum steps lr·m̂: no more than 1/L for them.
    preset=lambda scales: {"lr": round_down(min(scales.width / 400, 1.0 / scales.curvature))},
    per_point=("lr", "eps"), explain=explain, state_names={"count": "t", "mu": "m", "nu": "v"})
