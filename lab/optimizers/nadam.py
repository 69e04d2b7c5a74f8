"""NAdam: Adam with Nesterov momentum (Dozat), as torch.optim.NAdam."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.optimizers.base import BETA1, BETA2, OptimizerSpec, eps, lr
from lab.optimizers.elementwise import per_coordinate, select, sqrt
from lab.optimizers.explaining import num, sup, vec, weight_decay_lines
from lab.optimizers.scales import round_down
from lab.optimizers.shared import WEIGHT_DECAY
from lab.params import Param


class NAdamState(NamedTuple):
    """count t (steps taken), mu = first moment m, nu = second moment v, mu_product = μ₁·μ₂·…·μₜ (the same in
    every coordinate; a rule's state is per coordinate)."""

    count: int
    mu: np.ndarray
    nu: np.ndarray
    mu_product: np.ndarray


def momentum_coefficient(t, beta1, momentum_decay):
    """μₜ = β₁·(1 − ½·0.96^(t·ψ)): the momentum schedule of step t."""
    return beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))


def rule(g, x, t, mu, nu, mu_product, lr, beta1, beta2, eps, weight_decay, momentum_decay):
    """One coordinate of NAdam: returns (step, m, v, μ₁⋯μₜ)."""
    if weight_decay:
        g = g + weight_decay * x
    mu_t = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    mu_product = select(t == 1, 1.0, mu_product) * mu_t  # the state starts at 0: the empty product is 1
    mu = beta1 * mu + (1.0 - beta1) * g
    nu = beta2 * nu + (1.0 - beta2) * (g * g)
    denom = sqrt(nu / (1.0 - beta2 ** t)) + eps
    step = (-lr * (1.0 - mu_t) / (1.0 - mu_product)) * g / denom \
        + (-lr * mu_next / (1.0 - mu_product * mu_next)) * mu / denom
    return step, mu, nu, mu_product


def nadam(lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.0, momentum_decay: float = 4e-3) -> "Optimizer":
    """NAdam: Adam whose momentum looks one step ahead (Nesterov), with Dozat's momentum schedule μₜ.

    Algorithm::

        m = v = 0;  mu_product = 1
        for t in range(1, num_steps + 1):
            g = grad(x)
            if weight_decay != 0: g = g + weight_decay * x
            mu_t    = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
            mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
            mu_product = mu_product * mu_t
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            denom = sqrt(v / (1 - beta2**t)) + eps
            x = x - lr * (1 - mu_t) / (1 - mu_product) * g / denom
                  - lr * mu_next / (1 - mu_product * mu_next) * m / denom

    torch.optim.NAdam with these defaults (its decoupled_weight_decay=False). The gradient term is corrected by
    the product of the μ so far, the momentum term by the product one step ahead: the lookahead of Nesterov.
    torch updates m as a lerp, m + (1 − β₁)(g − m), and adds the two terms to x one after the other: the same
    numbers up to rounding. The state: t (``count``), m (``mu``), v (``nu``), mu_product.
    """
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay,
             "momentum_decay": momentum_decay}

    def details(grad, state, x):
        t = max(state.count, 1)
        v_hat = state.nu / (1.0 - beta2**t)
        mu_next = momentum_coefficient(t + 1, beta1, momentum_decay)
        m_hat = state.mu / (1.0 - state.mu_product * mu_next)
        return {"first_moment": m_hat, "second_moment": v_hat, "velocity": -lr * mu_next * m_hat,
                "effective_lr": lr / (np.sqrt(v_hat) + eps)}

    return per_coordinate("nadam", hyper, rule, NAdamState, details)


def explain(s) -> list[str]:
    """NAdam's lines with one update's numbers: μₜ and μₜ₊₁, their product, m, v, the two-term step."""
    hp, after, t = s.hp, s.after, s.after["t"]
    mu_t = momentum_coefficient(t, hp["beta1"], hp["momentum_decay"])
    mu_next = momentum_coefficient(t + 1, hp["beta1"], hp["momentum_decay"])
    v_hat = after["v"] / (1.0 - hp["beta2"] ** t)
    return weight_decay_lines(s) + [
        f"t = {t}", f"μₜ = β₁·(1 − ½·0.96^(t·ψ)) = {num(mu_t)};  μₜ₊₁ = {num(mu_next)}",
        f"mu_product = μ₁·…·μₜ = {num(np.asarray(after['mu_product']).reshape(-1)[0])}",
        f"m = β₁·m + (1 − β₁)·g = {vec(after['m'])}", f"v = β₂·v + (1 − β₂)·g² = {vec(after['v'])}",
        f"v̂ = v/(1 − β₂{sup(t)}) = {vec(v_hat)}",
        f"step = −lr·[(1 − μₜ)/(1 − μ₁…μₜ)·g + μₜ₊₁/(1 − μ₁…μₜ₊₁)·m]/(√v̂ + ε) = {vec(s.step)}"]


SPEC = OptimizerSpec(
    "nadam", (lr(2e-3), BETA1, BETA2, eps(1e-8), WEIGHT_DECAY,
              Param("momentum_decay", 4e-3, lo=0.0, symbol="ψ",
                    doc="how fast μₜ = β₁·(1 − ½·0.96^(t·ψ)) rises to β₁")), nadam,
    rule="g = ∇f(x) + wd·x;  t ← t + 1\nμₜ = β₁·(1 − ½·0.96^(tψ));  Πₜ = μ₁⋯μₜ\n"
         "m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  v̂ = v / (1 − β₂ᵗ)\n"
         "x ← x − lr·[(1 − μₜ)·g / (1 − Πₜ) + μₜ₊₁·m / (1 − Πₜμₜ₊₁)] / (√v̂ + ε)",
    summary="Adam with Nesterov momentum (Dozat's schedule)",
    label="NAdam", short_label="NAdam",
    preset=lambda scales: {"lr": round_down(scales.width / 400)},
    per_point=("lr", "eps"), explain=explain,
    state_names={"count": "t", "mu": "m", "nu": "v", "mu_product": "mu_product"})
