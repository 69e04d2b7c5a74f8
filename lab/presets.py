"""Starting hyperparameters that behave well on a given objective, and the lecture's set of racers.

The step sizes come from two scales of the objective, measured where the race will be:

- L, the largest Hessian eigenvalue over the start point and the known minima (``curvature_scale``).
  Gradient descent on a quadratic with top curvature L is stable for lr < 2/L. The start alone is not
  enough: on a plateau (easom) its curvature is tiny and 1/L would explode near the minimum.
- W, the mean side of the objective's domain (``domain_width``). Adaptive methods (AdaGrad, RMSProp,
  Adam) move about lr per coordinate per step whatever the gradient's size, so their lr is a length.

The rules (``suggest``):

- sgd: lr = 1.5/L. Inside the bound 2/L, and past 1/L so that steep directions overshoot and come
  back (a factor −0.5 per step on a quadratic): the zigzag of the lecture, while it still converges.
- momentum, nesterov: lr = 1/L, rho = 0.9 (the lecture's "typically 0.9"). Heavy ball is stable for
  lr < 2(1 + rho)/L = 3.8/L, Nesterov for lr < 2(1 + rho)/((1 + 2 rho)L) ≈ 1.36/L; the same lr for both
  shows what the lookahead changes.
- adagrad: lr = W/10 (its steps shrink like 1/√t, so it starts big).
- rmsprop, adam, adamw: lr = W/400 (0.01 on rosenbrock's 4-wide box).
- newton, lbfgs: lr = 1 (a full step to the local quadratic model's minimum).

Every lr is rounded down to two significant digits, so tables show 0.00071 rather than 0.000717017….
"""
from __future__ import annotations

import math

import numpy as np

from lab.curvature import curvature
from lab.objectives.base import Objective
from lab.optimizers import optimizer_spec
from lab.race import RacerSpec

LECTURE_SET = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton")
"""The optimizers of the lecture, in its order."""

LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
          "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW", "newton": "Newton", "lbfgs": "L-BFGS"}
"""How the lecture writes each optimizer's name."""

GRADIENT_STEP = frozenset({"sgd", "momentum", "nesterov"})
"""Optimizers whose step is lr times a gradient (or a sum of gradients): for them lr > 2/λmax is unstable
on the local quadratic model. Adaptive and second-order methods rescale the gradient, so the bound does not
apply to their lr."""


def curvature_scale(objective: Objective, start) -> float:
    """L: the largest positive Hessian eigenvalue over the start and the known minima (1.0 if there is none)."""
    points = np.vstack([np.asarray(start, dtype=float).reshape(1, -1), objective.minima.reshape(-1, objective.dim)])
    try:
        with np.errstate(all="ignore"):
            lam = curvature(objective.hessian(points)).eigenvalues
    except Exception:  # an objective without a usable Hessian: no curvature scale
        return 1.0
    top = np.max(lam, axis=-1)
    top = top[np.isfinite(top) & (top > 0)]
    return float(top.max()) if top.size else 1.0


def domain_width(objective: Objective) -> float:
    """W: the mean side of the objective's domain box (1.0 if it is empty or not finite)."""
    sides = objective.domain[:, 1] - objective.domain[:, 0]
    width = float(np.mean(sides))
    return width if math.isfinite(width) and width > 0 else 1.0


def round_down(value: float, digits: int = 2) -> float:
    """``value`` > 0 rounded down to ``digits`` significant digits (0.000717 → 0.00071)."""
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"expected a positive finite number, got {value!r}")
    exponent = math.floor(math.log10(value)) - digits + 1
    scaled = math.floor(value / 10.0**exponent + 1e-9)
    return float(f"{scaled}e{exponent}")


def suggest(optimizer: str, objective: Objective, start=None) -> dict:
    """Hyperparameters for ``optimizer`` that behave well on ``objective`` from ``start`` (see the module doc).

    Only the values the rules set are returned (lr, and rho for the momentum methods); the optimizer's
    defaults fill the rest. Every value is inside its parameter's range.
    """
    spec = optimizer_spec(optimizer)
    start = objective.start if start is None else start
    if optimizer in ("newton", "lbfgs"):
        out = {"lr": 1.0}
    elif optimizer in GRADIENT_STEP:
        top = curvature_scale(objective, start)
        out = {"lr": round_down((1.5 if optimizer == "sgd" else 1.0) / top)}
        if optimizer != "sgd":
            out["rho"] = 0.9
    elif optimizer == "adagrad":
        out = {"lr": round_down(domain_width(objective) / 10)}
    else:
        out = {"lr": round_down(domain_width(objective) / 400)}
    known = {p.name for p in spec.params}
    return {k: spec.param(k).check(v, f"optimizer {optimizer!r}") for k, v in out.items() if k in known}


def lecture_set(objective: Objective, start=None) -> list[RacerSpec]:
    """The lecture's seven racers (sgd, momentum, nesterov, adagrad, rmsprop, adam, newton), tuned by ``suggest``."""
    return [RacerSpec(name, suggest(name, objective, start), LABELS.get(name, name)) for name in LECTURE_SET]
