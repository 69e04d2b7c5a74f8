"""The lecture's gradient check: analytic derivatives against centred finite differences.

"Always use the analytic gradient, but check it with the numerical one."
"""
from __future__ import annotations

import numpy as np

from lab.objectives.base import Objective


def numeric_grad(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred differences (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h of a scalar function, per coordinate.

    ``f`` takes (..., d) and returns (...); the step is scaled to each coordinate's size.
    """
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    out = np.empty(x.shape, dtype=float)
    for i in range(d):
        step = h * np.maximum(1.0, np.abs(x[..., i]))
        e = np.zeros(x.shape)
        e[..., i] = step
        out[..., i] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * step)
    return out


def numeric_hessian(grad, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred differences of the analytic gradient ("gradgradcheck"), symmetrised: (..., d, d)."""
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    out = np.empty(x.shape + (d,), dtype=float)
    for i in range(d):
        step = h * np.maximum(1.0, np.abs(x[..., i]))
        e = np.zeros(x.shape)
        e[..., i] = step
        out[..., i, :] = (np.asarray(grad(x + e)) - np.asarray(grad(x - e))) / (2 * step)[..., None]
    return 0.5 * (out + np.swapaxes(out, -1, -2))


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """max |a − n| / max(|a|, |n|, floor) over the last axes (the lecture's relative error)."""
    a = np.asarray(analytic, dtype=float)
    n = np.asarray(numeric, dtype=float)
    err = np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    if not np.all(np.isfinite(err)):
        return np.array(np.inf)
    return err.max()


def grad_check(objective: Objective, x: np.ndarray, h: float = 1e-5) -> float:
    """Max relative error between ``objective.grad`` and centred differences of ``objective.value`` at x."""
    x = np.asarray(x, dtype=float)
    return float(relative_error(objective.grad(x), numeric_grad(objective.value, x, h)))


def hessian_check(objective: Objective, x: np.ndarray, h: float = 1e-5) -> float:
    """Max relative error between ``objective.hessian`` and centred differences of ``objective.grad`` at x."""
    x = np.asarray(x, dtype=float)
    return float(relative_error(objective.hessian(x), numeric_hessian(objective.grad, x, h)))
