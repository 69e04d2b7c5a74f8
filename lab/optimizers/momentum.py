"""SGD + momentum (the heavy ball)."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lab.optimizers.base import RHO, OptimizerSpec, PhasePlane, lr
from lab.optimizers.elementwise import per_coordinate
from lab.optimizers.explaining import vec, weight_decay_lines
from lab.optimizers.scales import round_down
from lab.optimizers.shared import WEIGHT_DECAY


class MomentumState(NamedTuple):
    """v: the running sum of gradients ("velocity"), v₀ = 0."""

    v: np.ndarray


def rule(g, x, t, v, lr, rho, weight_decay=0.0):
    """One coordinate: g ← g + weight_decay·x, v ← ρ·v + g, step −lr·v."""
    if weight_decay:
        g = g + weight_decay * x
    v = rho * v + g
    return -lr * v, v


def momentum_details(lr: float, rho: float, lookahead: bool):
    """What a teacher draws for the momentum methods: the lecture's velocity (and Nesterov's two points)."""

    def details(grad, state, x):
        velocity = -lr * state.v  # the lecture's v: the displacement momentum carries
        out = {"velocity": velocity, "effective_lr": np.full(np.shape(x), lr)}
        if lookahead:
            out["position"] = x - rho * velocity  # the lecture's x; the reported x is its lookahead x + rho*v
            out["lookahead"] = np.asarray(x, dtype=float)
        return out

    return details


def momentum(lr: float, rho: float = 0.9, weight_decay: float = 0.0) -> "Optimizer":
    """SGD + momentum (heavy ball): a velocity built from past gradients; rho is 1 − friction.

    Algorithm::

        v = 0
        for t in range(num_steps):
            g = grad(x)
            if weight_decay != 0: g = g + weight_decay * x
            v = rho * v + g
            x = x - lr * v

    The lecture writes v ← ρv − α·g, x ← x + v: the same iterates, with its v equal to −lr times this v.
    Example: on f = ½x², x₀ = 1, lr = 0.1, rho = 0.9: v = 1, 1.8, 2.34; x = 0.9, 0.72, 0.486.
    The state is v (torch's ``momentum_buffer``).
    This is torch's ``SGD(momentum=rho, dampening=0, weight_decay=weight_decay)``.
    """
    return per_coordinate("momentum", {"lr": lr, "rho": rho, "weight_decay": weight_decay}, rule, MomentumState,
                          momentum_details(lr, rho, lookahead=False))


def explain(s) -> list[str]:
    """Momentum's lines with one update's numbers: v, then the step."""
    return weight_decay_lines(s) + [f"v = ρ·v + g = {vec(s.after['v'])}", f"step = −lr·v = {vec(s.step)}"]


def _optimum(lo: float, hi: float) -> tuple[float, float, float]:
    """Polyak's heavy ball: lr* = (2/(√λmin + √λmax))², ρ* = ((√κ − 1)/(√κ + 1))², rate* = (√κ − 1)/(√κ + 1)."""
    root = (math.sqrt(hi / lo) - 1.0) / (math.sqrt(hi / lo) + 1.0)
    return (2.0 / (math.sqrt(lo) + math.sqrt(hi))) ** 2, root * root, root


PHASE = PhasePlane(
    # along λ: x' = x − lr·(ρv + λx), v' = ρv + λx  →  z² − (1 + ρ − lr·λ)·z + ρ
    characteristic=lambda lr, rho, lam: (1.0 + rho - lr * lam, rho),
    matrix=lambda lr, rho, lam: np.array([[1.0 - lr * lam, -lr * rho], [lam, rho]]),
    optimum=_optimum, optimum_name="optimum (Polyak's heavy ball)")

SPEC = OptimizerSpec(
    "momentum", (lr(1e-3), RHO, WEIGHT_DECAY), momentum,
    rule="g = ∇f(x) + wd·x\nv ← ρ·v + g\nx ← x − lr·v",
    summary="SGD + momentum: a velocity from past gradients, friction 1 − ρ",
    label="Momentum", short_label="Mom.",
    # x' = (1 + ρ − lr·λ)x − ρx₋ has its roots inside the unit circle iff lr·λ < 2(1 + ρ).
    lr_bound=lambda hp: 2.0 * (1 + float(hp["rho"])), lr_bound_text="2(1 + ρ)/λmax",
    preset=lambda scales: {"lr": round_down(1.0 / scales.curvature), "rho": 0.9},
    per_point=("lr", "rho"), lecture=True, state_names={"v": "v"}, explain=explain, phase=PHASE)
