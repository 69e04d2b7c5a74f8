"""What the batched engine is given, checked: the start points, and the optimizer with its hyperparameters (one
value per point allowed for the spec's ``per_point`` names)."""
from __future__ import annotations

import numpy as np

from lab.errors import LabError
from lab.objectives.base import Objective
from lab.optimizers import Optimizer, batched_specs, optimizer_spec


def check_starts(objective: Objective, starts) -> np.ndarray:
    try:
        x0 = np.array(starts, dtype=float)
    except (TypeError, ValueError):
        raise LabError("start points must be numbers, one row of coordinates per point") from None
    if x0.ndim == 1 and x0.size == objective.dim:
        x0 = x0[None]
    if x0.ndim != 2 or x0.shape[1] != objective.dim:
        raise LabError(f"start points must have shape (K, {objective.dim}) for {objective.name}, got {x0.shape}")
    if not np.isfinite(x0).all():
        raise LabError("start points must be finite numbers")
    return x0


def batched_optimizer(optimizer, hyperparameters, k_points):
    """(name, scalar hyperparameters, per-point arrays, build(per_point_block) -> Optimizer)."""
    if isinstance(optimizer, Optimizer):
        if hyperparameters:
            raise LabError("give hyperparameters with an optimizer's name, not with a built optimizer")
        if not optimizer.batched:
            raise LabError(f"{optimizer.name} steps one point at a time; the batched engine cannot run it")
        return optimizer.name, dict(optimizer.hyperparameters), {}, lambda hyper: optimizer
    spec = optimizer_spec(optimizer)
    if not spec.batched:
        raise LabError(f"{spec.name} steps one point at a time; the batched engine runs "
                       + ", ".join(s.name for s in batched_specs()))
    given = dict(hyperparameters or {})
    per_point = {}
    for name, value in list(given.items()):
        if np.ndim(value) == 0:
            continue
        if name not in spec.per_point:
            allowed = ", ".join(spec.per_point)
            raise LabError(f"optimizer {spec.name!r}: {name} cannot vary per point (only {allowed or 'none'})")
        arr = np.asarray(value)
        if arr.shape != (k_points,):
            raise LabError(f"optimizer {spec.name!r}: {name} has {arr.size} values for {k_points} start points")
        for v in np.unique(arr):
            spec.param(name).check(v.item(), f"optimizer {spec.name!r}")
        per_point[name] = arr.astype(float)
        given[name] = float(arr.min())  # checked with the others below (lr_min < lr for the smallest lr)
    probe = spec.make(**given)  # every value checked, defaults filled
    scalars = probe.hyperparameters
    if not probe.batched:
        raise LabError(f"{spec.name} steps one point at a time; the batched engine cannot run it")
    if not per_point:
        return spec.name, dict(scalars), {}, lambda hyper: probe
    fixed = {k: v for k, v in scalars.items() if k not in per_point}
    return spec.name, fixed, per_point, lambda hyper: spec.build(**fixed, **hyper)
