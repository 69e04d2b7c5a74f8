"""QHM: quasi-hyperbolic momentum, a weighted mean of the gradient and a momentum (Ma & Yarats)."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lab.optimizers.base import OptimizerSpec, lr
from lab.optimizers.elementwise import per_coordinate
from lab.optimizers.explaining import vec
from lab.optimizers.scales import round_down
from lab.params import Param


class QHMState(NamedTuple):
    """b: the momentum buffer, a running mean of gradients (b₀ = 0)."""

    b: np.ndarray


def rule(g, x, t, b, lr, nu, beta):
    """One coordinate of QHM: returns (step, b)."""
    b = beta * b + (1.0 - beta) * g
    return -lr * ((1.0 - nu) * g + nu * b), b


def lr_bound(hp: dict) -> float:
    """c with QHM stable on f = ½λx² iff lr < c/λ.

    With a = lr·λ and u = lr·b the iteration is linear: x' = (1 − a(1 − νβ))x − νβ·u, u' = (1 − β)a·x + β·u.
    Its characteristic polynomial z² − Tz + D has T = 1 + β − a(1 − νβ), D = β(1 − a(1 − ν)); the roots are inside
    the unit circle iff 1 − T + D = a(1 − β) > 0, 1 + T + D = 2(1 + β) − a(1 + β − 2νβ) > 0 and |D| < 1, i.e.
    a < 2(1 + β)/(1 + β − 2νβ) and a(1 − ν) < 1 + 1/β. ν = 0 is gradient descent (2), ν = 1 momentum with a
    running mean (2(1 + β)/(1 − β)).
    """
    nu, beta = float(hp["nu"]), float(hp["beta"])
    first = 2.0 * (1.0 + beta) / (1.0 + beta - 2.0 * nu * beta)
    second = (1.0 + beta) / (beta * (1.0 - nu)) if beta > 0 and nu < 1 else math.inf
    return min(first, second)


def qhm(lr: float = 1e-3, nu: float = 0.7, beta: float = 0.999) -> "Optimizer":
    """QHM (quasi-hyperbolic momentum): step along ν parts momentum and 1 − ν parts the plain gradient.

    Algorithm::

        b = 0
        for t in range(num_steps):
            g = grad(x)
            b = beta * b + (1 - beta) * g
            x = x - lr * ((1 - nu) * g + nu * b)

    Ma & Yarats (2019), "Quasi-hyperbolic momentum and Adam for deep learning". ν = 0 is gradient descent, ν = 1
    momentum with a running mean (torch's SGD momentum with dampening = β); their recommended ν = 0.7, β = 0.999.
    The momentum b is not bias-corrected: with β = 0.999 it takes ~1000 steps to fill, so early steps are mostly
    the (1 − ν)·g part.
    """
    hyper = {"lr": lr, "nu": nu, "beta": beta}

    def details(grad, state, x):
        return {"velocity": -lr * nu * state.b, "first_moment": state.b, "effective_lr": np.full(np.shape(x), lr)}

    return per_coordinate("qhm", hyper, rule, QHMState, details)


def explain(s) -> list[str]:
    """QHM's lines with one update's numbers: the momentum b, then the step mixing g and b."""
    return [f"b = β·b + (1 − β)·g = {vec(s.after['b'])}", f"step = −lr·((1 − ν)·g + ν·b) = {vec(s.step)}"]


SPEC = OptimizerSpec(
    "qhm", (lr(1e-3), Param("nu", 0.7, lo=0.0, hi=1.0, symbol="ν",
                            doc="weight of the momentum in the step (0: gradient descent, 1: momentum)"),
            Param("beta", 0.999, lo=0.0, hi=1.0, hi_open=True, symbol="β", doc="decay of the momentum buffer")), qhm,
    rule="g = ∇f(x)\nb ← β·b + (1 − β)·g\nx ← x − lr·((1 − ν)·g + ν·b)",
    summary="quasi-hyperbolic momentum: a weighted mean of the gradient and a momentum",
    label="QHM", short_label="QHM",
    lr_bound=lr_bound, lr_bound_text="min(2(1 + β)/(1 + β − 2νβ), (1 + β)/(β(1 − ν)))/λmax",
    # Gradient descent's 1.5/L over the part of the step that is the gradient.
    preset=lambda scales: {"lr": round_down(1.5 / scales.curvature)},
    per_point=("lr", "nu", "beta"), explain=explain, state_names={"b": "b"})
