"""Starting hyperparameters that behave well on a given objective, and the lecture's set of racers.

The step sizes come from two scales of the objective, measured where the race will be:

- L, the largest Hessian eigenvalue over the start point and the known minima (``curvature_scale``).
  Gradient descent on a quadratic with top curvature L is stable for lr < 2/L. The start alone is not
  enough: on a plateau (easom) its curvature is tiny and 1/L would explode near the minimum.
- W, the mean side of the objective's domain (``domain_width``). Adaptive methods (AdaGrad, RMSProp,
  Adam) move about lr per coordinate per step whatever the gradient's size, so their lr is a length.

Each optimizer's rule is its spec's ``preset`` (lab/optimizers/<name>.py), reading ``Scales``; e.g. sgd
lr = 1.5/L (past 1/L so steep directions overshoot and come back — the lecture's zigzag — inside 2/L),
momentum and nesterov lr = 1/L with rho = 0.9, adagrad W/10, rmsprop and adam W/400, newton and lbfgs 1.

Every lr is rounded down to two significant digits, so tables show 0.00071 rather than 0.000717017….
"""
from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from lab.curvature import curvature
from lab.engine.race import RacerSpec
from lab.objectives.base import Objective
from lab.optimizers import OPTIMIZERS, optimizer_spec
from lab.optimizers.scales import round_down  # noqa: F401  (presets.round_down, as before)

LECTURE_SET = tuple(s.name for s in OPTIMIZERS.values() if s.lecture)
"""The optimizers of the lecture, in its order."""

LABELS = {s.name: s.label for s in OPTIMIZERS.values()}
"""How the lecture writes each optimizer's name."""

GRADIENT_STEP = frozenset(s.name for s in OPTIMIZERS.values() if s.lr_bound is not None)
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


class Scales:
    """The objective's scales near a race, each measured when a preset first asks for it."""

    def __init__(self, objective: Objective, start):
        self.objective, self.start = objective, start

    @cached_property
    def curvature(self) -> float:
        return curvature_scale(self.objective, self.start)

    @cached_property
    def width(self) -> float:
        return domain_width(self.objective)


def suggest(optimizer: str, objective: Objective, start=None, scales: Scales | None = None) -> dict:
    """Hyperparameters for ``optimizer`` that behave well on ``objective`` from ``start`` (its spec's ``preset``).

    Only the values the preset sets are returned; the optimizer's defaults fill the rest. Every value is
    inside its parameter's range. ``scales``: the objective's Scales near ``start``, shared by several calls (the
    Hessian behind them is taken once).
    """
    spec = optimizer_spec(optimizer)
    start = objective.start if start is None else start
    if scales is None:
        scales = Scales(objective, start)
    out = spec.preset(scales) if spec.preset is not None else {}
    known = {p.name for p in spec.params}
    return {k: spec.param(k).check(v, f"optimizer {optimizer!r}") for k, v in out.items() if k in known}


def lecture_set(objective: Objective, start=None) -> list[RacerSpec]:
    """The lecture's racers (the specs marked ``lecture``, in registry order), tuned by ``suggest``."""
    scales = Scales(objective, objective.start if start is None else start)
    return [RacerSpec(s.name, suggest(s.name, objective, start, scales), s.label or s.name)
            for s in OPTIMIZERS.values() if s.lecture]
