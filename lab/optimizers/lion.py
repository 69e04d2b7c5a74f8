"""Lion: the sign of an interpolated momentum (Chen et al., "Symbolic Discovery of Optimization Algorithms")."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.optimizers.base import OptimizerSpec, lr
from lab.optimizers.elementwise import per_coordinate, select
from lab.optimizers.explaining import vec
from lab.optimizers.scales import round_down
from lab.params import Param


class LionState(NamedTuple):
    """m: the momentum, a running mean of gradients with β₂."""

    m: np.ndarray


def rule(g, x, t, m, lr, beta1, beta2, weight_decay):
    """One coordinate of Lion: returns (step, m)."""
    c = beta1 * m + (1.0 - beta1) * g
    sign = select(c > 0.0, 1.0, select(c < 0.0, -1.0, c * 0.0))  # sign(c), 0 at 0, NaN kept
    if weight_decay:
        step = -lr * (sign + weight_decay * x)
    else:
        step = -lr * sign
    m = beta2 * m + (1.0 - beta2) * g
    return step, m


def lion(lr: float = 1e-4, beta1: float = 0.9, beta2: float = 0.99, weight_decay: float = 0.0) -> "Optimizer":
    """Lion (EvoLved Sign Momentum): every coordinate moves by exactly lr, the sign of a momentum.

    Algorithm::

        m = 0
        for t in range(num_steps):
            g = grad(x)
            c = beta1 * m + (1 - beta1) * g            # the interpolation the step uses
            x = x - lr * (sign(c) + weight_decay * x)  # decoupled weight decay, as AdamW
            m = beta2 * m + (1 - beta2) * g            # the momentum kept, with the slower beta2

    sign(0) = 0. torch has no Lion; this is the paper's Program 1 (and the lion-pytorch package's update, which
    writes the decay as x·(1 − lr·weight_decay) first: the same numbers up to rounding).
    """
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "weight_decay": weight_decay}

    def details(grad, state, x):
        return {"first_moment": state.m, "velocity": -lr * np.sign(state.m),
                "effective_lr": np.full(np.shape(x), lr)}

    return per_coordinate("lion", hyper, rule, LionState, details)


def explain(s) -> list[str]:
    """Lion's lines with one update's numbers: the interpolation c, the sign step, then m."""
    hp = s.hp
    c = hp["beta1"] * s.before["m"] + (1.0 - hp["beta1"]) * s.g
    decay = " + wd·x" if hp["weight_decay"] else ""
    return [f"c = β₁·m + (1 − β₁)·g = {vec(c)}", f"step = −lr·(sign(c){decay}) = {vec(s.step)}",
            f"m = β₂·m + (1 − β₂)·g = {vec(s.after['m'])}"]


SPEC = OptimizerSpec(
    "lion", (lr(1e-4), Param("beta1", 0.9, lo=0.0, hi=1.0, hi_open=True, symbol="β₁",
                             doc="weight of the momentum in the step's direction"),
             Param("beta2", 0.99, lo=0.0, hi=1.0, hi_open=True, symbol="β₂", doc="decay of the momentum kept"),
             Param("weight_decay", 0.0, lo=0.0, symbol="wd", doc="decoupled weight decay: x ← x − lr·wd·x")), lion,
    rule="g = ∇f(x)\nc = β₁·m + (1 − β₁)·g\nx ← x − lr·(sign(c) + wd·x)\nm ← β₂·m + (1 − β₂)·g",
    summary="the sign of an interpolated momentum: every coordinate moves by lr",
    label="Lion", short_label="Lion",
    # Every step is lr per coordinate: a length, smaller than Adam's (the paper: 3–10× smaller).
    preset=lambda scales: {"lr": round_down(scales.width / 1000)},
    per_point=("lr", "beta1", "beta2"), explain=explain, state_names={"m": "m"})
