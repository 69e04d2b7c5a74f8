"""Nesterov momentum: the gradient at the lookahead point."""
from __future__ import annotations

import numpy as np

from lab.optimizers.base import RHO, OptimizerSpec, PhasePlane, lr
from lab.optimizers.elementwise import per_coordinate
from lab.optimizers.explaining import vec, weight_decay_lines
from lab.optimizers.momentum import MomentumState, momentum_details
from lab.optimizers.scales import round_down
from lab.optimizers.shared import WEIGHT_DECAY


def rule(g, x, t, v, lr, rho, weight_decay=0.0):
    """One coordinate: g ← g + weight_decay·x, v ← ρ·v + g, step −lr·(g + ρ·v)."""
    if weight_decay:
        g = g + weight_decay * x
    v = rho * v + g
    return -lr * (g + rho * v), v


def nesterov(lr: float, rho: float = 0.9, weight_decay: float = 0.0) -> "Optimizer":
    """Nesterov momentum: the gradient is taken at the lookahead point.

    Algorithm (the form that needs one gradient at the reported point)::

        v = 0
        for t in range(num_steps):
            g = grad(x)
            if weight_decay != 0: g = g + weight_decay * x
            v = rho * v + g
            x = x - lr * (g + rho * v)

    Equivalence with the lecture's lookahead form v' = ρv − α∇f(x + ρv), x' = x + v': let
    x̃ = x + ρv and u = −v/α. Then v' = ρv − α∇f(x̃) is u' = ρu + ∇f(x̃), and
    x̃' = x' + ρv' = x̃ − ρv + (1 + ρ)v' = x̃ + v' + ρ(v' − v) = x̃ − α∇f(x̃) − αρu'.
    So the x reported here is the lecture's lookahead point x̃ = x + ρv (equal at t = 0, v₀ = 0);
    ``details`` gives back the lecture's position x = x̃ − ρv and velocity v = −lr·u.
    The state is v (torch's ``momentum_buffer``).
    This is torch's ``SGD(momentum=rho, nesterov=True, dampening=0, weight_decay=weight_decay)``.
    """
    return per_coordinate("nesterov", {"lr": lr, "rho": rho, "weight_decay": weight_decay}, rule, MomentumState,
                          momentum_details(lr, rho, lookahead=True))


def explain(s) -> list[str]:
    """Nesterov's lines with one update's numbers: v, then the step from the lookahead gradient."""
    return weight_decay_lines(s) + [f"v = ρ·v + g = {vec(s.after['v'])}", f"step = −lr·(g + ρ·v) = {vec(s.step)}"]


PHASE = PhasePlane(
    # along λ, with s = 1 − lr·λ: z² − (1 + ρ)·s·z + ρ·s (derived in lab/phase.py); its optimum is searched
    characteristic=lambda lr, rho, lam: ((1.0 + rho) * (1.0 - lr * lam), rho * (1.0 - lr * lam)),
    matrix=lambda lr, rho, lam: np.array([[1.0 - lr * lam * (1.0 + rho), -lr * rho * rho], [lam, rho]]))

SPEC = OptimizerSpec(
    "nesterov", (lr(1e-3), RHO, WEIGHT_DECAY), nesterov,
    rule="g = ∇f(x̃) + wd·x̃   (x̃ = x + ρv, the lookahead point)\nv ← ρ·v + g\nx̃ ← x̃ − lr·(g + ρ·v)",
    summary="Nesterov momentum: the gradient at the lookahead point",
    label="Nesterov", short_label="Nest.",
    # x' = (1 + ρ)(1 − lr·λ)x − ρ(1 − lr·λ)x₋ is stable iff lr·λ < 2(1 + ρ)/(1 + 2ρ).
    lr_bound=lambda hp: 2.0 * (1 + float(hp["rho"])) / (1 + 2 * float(hp["rho"])),
    lr_bound_text="2(1 + ρ)/((1 + 2ρ)·λmax)",
    # The same lr as momentum, so that the race shows what the lookahead changes.
    preset=lambda scales: {"lr": round_down(1.0 / scales.curvature), "rho": 0.9},
    per_point=("lr", "rho"), lecture=True, state_names={"v": "v"}, explain=explain, phase=PHASE)
