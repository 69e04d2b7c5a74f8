"""Adadelta: steps in the units of x, from running means of g² and of the squared steps (Zeiler), as torch.optim.Adadelta."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.optimizers.base import OptimizerSpec, eps, lr
from lab.optimizers.elementwise import per_coordinate, sqrt
from lab.optimizers.explaining import vec, weight_decay_lines
from lab.optimizers.shared import WEIGHT_DECAY
from lab.params import Param


class AdadeltaState(NamedTuple):
    """square_avg = E[g²], the running mean of squared gradients; acc_delta = E[Δx²], of squared (unscaled) steps."""

    square_avg: np.ndarray
    acc_delta: np.ndarray


def rule(g, x, t, square_avg, acc_delta, lr, rho, eps, weight_decay):
    """One coordinate of Adadelta: returns (step, E[g²], E[Δx²])."""
    if weight_decay:
        g = g + weight_decay * x
    square_avg = rho * square_avg + (1.0 - rho) * (g * g)
    delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
    acc_delta = rho * acc_delta + (1.0 - rho) * (delta * delta)
    return -lr * delta, square_avg, acc_delta


def adadelta(lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0) -> "Optimizer":
    """Adadelta: the step is g scaled by RMS(past steps)/RMS(gradients), so it has the units of x.

    Algorithm::

        square_avg = acc_delta = 0
        for t in range(num_steps):
            g = grad(x)
            if weight_decay != 0: g = g + weight_decay * x
            square_avg = rho * square_avg + (1 - rho) * g * g
            delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
            acc_delta = rho * acc_delta + (1 - rho) * delta * delta
            x = x - lr * delta

    torch.optim.Adadelta with these defaults (Zeiler's method is lr = 1). The first step is
    lr·√eps·g/√((1 − ρ)g² + eps), about lr·√(eps/(1 − ρ)) = 0.0032·lr per coordinate: Adadelta starts slowly
    and its steps grow as E[Δx²] fills.
    """
    hyper = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay}

    def details(grad, state, x):
        return {"effective_lr": lr * np.sqrt(state.acc_delta + eps) / np.sqrt(state.square_avg + eps),
                "grad_squared": state.square_avg}

    return per_coordinate("adadelta", hyper, rule, AdadeltaState, details)


def explain(s) -> list[str]:
    """Adadelta's lines with one update's numbers: E[g²], the unscaled step Δ, E[Δx²]."""
    hp = s.hp
    g = s.g + hp["weight_decay"] * s.x if hp["weight_decay"] else s.g
    delta = np.sqrt(s.before["acc_delta"] + hp["eps"]) / np.sqrt(s.after["square_avg"] + hp["eps"]) * g
    return weight_decay_lines(s) + [
        f"square_avg = ρ·square_avg + (1 − ρ)·g² = {vec(s.after['square_avg'])}",
        f"Δ = √(acc_delta + ε)/√(square_avg + ε)·g = {vec(delta)}",
        f"acc_delta = ρ·acc_delta + (1 − ρ)·Δ² = {vec(s.after['acc_delta'])}", f"step = −lr·Δ = {vec(s.step)}"]


SPEC = OptimizerSpec(
    "adadelta", (lr(1.0), Param("rho", 0.9, lo=0.0, hi=1.0, hi_open=True, symbol="ρ",
                                doc="decay of the running means of g² and of the squared steps"),
                 eps(1e-6), WEIGHT_DECAY), adadelta,
    rule="g = ∇f(x) + wd·x\nE[g²] ← ρ·E[g²] + (1 − ρ)·g²\nΔ = √(E[Δ²] + ε) / √(E[g²] + ε) · g\n"
         "E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²\nx ← x − lr·Δ",
    summary="steps in the units of x: RMS of past steps over RMS of gradients",
    label="Adadelta", short_label="Adadelta",
    preset=lambda scales: {"lr": 1.0},  # Zeiler's method; its step sizes come from eps and the past steps
    per_point=("lr", "rho", "eps"), explain=explain,
    state_names={"square_avg": "square_avg", "acc_delta": "acc_delta"})
