"""Adam: momentum (first moment) + RMSProp (second moment) + bias correction."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.optimizers.base import AMSGRAD, BETA1, BETA2, BIAS_CORRECTION, OptimizerSpec, eps, lr
from lab.optimizers.elementwise import maximum, per_coordinate, sqrt
from lab.optimizers.explaining import sup, vec
from lab.optimizers.scales import round_down


class AdamState(NamedTuple):
    """count t (steps taken), mu = first moment m, nu = second moment v, nu_max = running max of v (amsgrad)."""

    count: int
    mu: np.ndarray
    nu: np.ndarray
    nu_max: np.ndarray


def rule(g, x, t, mu, nu, nu_max, lr, beta1, beta2, eps, bias_correction, amsgrad, weight_decay=0.0):
    """One coordinate of Adam (and AdamW's decoupled decay): returns (step, m, v, v_max)."""
    mu = beta1 * mu + (1.0 - beta1) * g
    nu = beta2 * nu + (1.0 - beta2) * (g * g)
    if amsgrad:
        nu_max = maximum(nu_max, nu)
        second = nu_max
    else:
        second = nu
    if bias_correction:
        step = -(lr / (1.0 - beta1 ** t)) * mu / (sqrt(second / (1.0 - beta2 ** t)) + eps)
    else:
        step = -lr * mu / (sqrt(second) + eps)
    if weight_decay:
        step = step - (1.0 - (1.0 - lr * weight_decay)) * x  # x·(1 − lr·wd) as a step: AdamW's decay
    return step, mu, nu, nu_max


def adam_details(lr, beta1, beta2, eps, bias_correction, amsgrad):
    """The moments a teacher shows: m̂, v̂, the velocity −lr·m̂ and the per-coordinate step size."""

    def details(grad, state, x):
        t = max(state.count, 1)
        second = state.nu_max if amsgrad else state.nu
        c1, c2 = (1.0 - beta1**t, 1.0 - beta2**t) if bias_correction else (1.0, 1.0)
        return {"first_moment": state.mu / c1, "second_moment": second / c2,
                "velocity": -lr * state.mu / c1, "effective_lr": lr / (np.sqrt(second / c2) + eps)}

    return details


def adam(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
         bias_correction: bool = True, amsgrad: bool = False) -> "Optimizer":
    """Adam: momentum (first moment) + RMSProp (second moment) + bias correction.

    Algorithm::

        m = v = v_max = 0
        for t in range(1, num_steps + 1):
            g = grad(x)
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            if amsgrad: v_max = max(v_max, v); v_used = v_max  else: v_used = v
            if bias_correction: m_hat = m / (1 - beta1**t); v_hat = v_used / (1 - beta2**t)
            else:               m_hat = m;                  v_hat = v_used
            x = x - lr * m_hat / (sqrt(v_hat) + eps)

    Without bias correction the first step is lr·(1 − β1)·g/(√(1 − β2)·|g|) ≈ 3.16·lr·sign(g) for the
    defaults — the lecture's "very large first step" (m₀ and v₀ start at zero, v much slower to grow).
    With it the first step is lr·sign(g), up to eps. The state is named as in the rule: t (``count``), m (``mu``),
    v (``nu``), v_max (``nu_max``, shown with amsgrad).
    Matches torch.optim.Adam (amsgrad as torch: max of v, then corrected).
    """
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps,
             "bias_correction": bias_correction, "amsgrad": amsgrad}
    return per_coordinate("adam", hyper, rule, AdamState,
                          adam_details(lr, beta1, beta2, eps, bias_correction, amsgrad))


def state_names(hp: dict) -> dict:
    """The state as the rule names it: t, m, v, and v_max only with amsgrad."""
    return {"count": "t", "mu": "m", "nu": "v", **({"nu_max": "v_max"} if hp["amsgrad"] else {})}


def explain(s) -> list[str]:
    """Adam's (and AdamW's) lines with one update's numbers: t, m, v, (v_max), m̂, v̂, the step."""
    hp, after, t = s.hp, s.after, s.after["t"]
    lines = [f"t = {t}", f"m = β₁·m + (1 − β₁)·g = {vec(after['m'])}",
             f"v = β₂·v + (1 − β₂)·g² = {vec(after['v'])}"]
    second, name = after["v"], "v"
    if hp["amsgrad"]:
        second, name = after["v_max"], "v_max"
        lines.append(f"v_max = max(v_max, v) = {vec(second)}")
    decay = f" − lr·wd·x" if hp.get("weight_decay") else ""
    if hp["bias_correction"]:
        m_hat, v_hat = after["m"] / (1.0 - hp["beta1"] ** t), second / (1.0 - hp["beta2"] ** t)
        lines += [f"m̂ = m/(1 − β₁{sup(t)}) = {vec(m_hat)}", f"v̂ = {name}/(1 − β₂{sup(t)}) = {vec(v_hat)}",
                  f"step = −lr·m̂/(√v̂ + ε){decay} = {vec(s.step)}"]
    else:
        lines.append(f"step = −lr·m/(√{name} + ε){decay} = {vec(s.step)}   (no bias correction)")
    return lines


PARAMS = (lr(1e-3), BETA1, BETA2, eps(1e-8), BIAS_CORRECTION, AMSGRAD)

SPEC = OptimizerSpec(
    "adam", PARAMS, adam,
    rule="g = ∇f(x);  t ← t + 1\nm ← β₁·m + (1 − β₁)·g\nv ← β₂·v + (1 − β₂)·g²\n"
         "m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ)   (bias correction)\nx ← x − lr·m̂ / (√v̂ + ε)",
    summary="momentum + RMSProp + bias correction",
    label="Adam", short_label="Adam",
    # Adaptive steps are about lr per coordinate: lr is a length (0.01 on a 4-wide box).
    preset=lambda scales: {"lr": round_down(scales.width / 400)},
    per_point=("lr", "eps"), lecture=True, state_names=state_names, explain=explain)
