"""The lecture's gradient check: analytic derivatives against centred finite differences.

"Always use the analytic gradient, but check it with the numerical one."
"""
from __future__ import annotations

import numpy as np

from lab.objectives.base import Objective


def numeric_grad(f, x: np.ndarray, h: float = 2e-4) -> np.ndarray:
    """Centred differences of a scalar function, per coordinate, with the fourth-order stencil

        ∂f/∂xᵢ ≈ (−f(x + 2h·eᵢ) + 8f(x + h·eᵢ) − 8f(x − h·eᵢ) + f(x − 2h·eᵢ)) / 12h,

    whose error is O(h⁴) (exact for polynomials of degree ≤ 4), so that the check does not report the
    difference formula's own error as a wrong gradient where the gradient is near zero.
    ``f`` takes (..., d) and returns (...); the step is scaled to each coordinate's size.
    """
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    out = np.empty(x.shape, dtype=float)
    for i in range(d):
        step = h * np.maximum(1.0, np.abs(x[..., i]))
        e = np.zeros(x.shape)
        e[..., i] = step
        fx = lambda k: np.asarray(f(x + k * e))  # noqa: E731
        out[..., i] = (-fx(2) + 8 * fx(1) - 8 * fx(-1) + fx(-2)) / (12 * step)
    return out


def numeric_hessian(grad, x: np.ndarray, h: float = 2e-4) -> np.ndarray:
    """Centred differences of the analytic gradient ("gradgradcheck"), same stencil, symmetrised: (..., d, d)."""
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    out = np.empty(x.shape + (d,), dtype=float)
    for i in range(d):
        step = h * np.maximum(1.0, np.abs(x[..., i]))
        e = np.zeros(x.shape)
        e[..., i] = step
        gx = lambda k: np.asarray(grad(x + k * e))  # noqa: E731
        out[..., i, :] = (-gx(2) + 8 * gx(1) - 8 * gx(-1) + gx(-2)) / (12 * step)[..., None]
    return 0.5 * (out + np.swapaxes(out, -1, -2))


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-6, axes: int = 1) -> float:
    """‖a − n‖ / max(‖a‖, ‖n‖, floor) per point, the norms over the last ``axes`` axes; the max over points.

    Norm-wise (as the lecture's gradient check), so a component that is zero while others are large is not
    judged alone on its rounding error; ``floor`` keeps a vanishing gradient from dividing by zero.
    """
    a = np.asarray(analytic, dtype=float)
    n = np.asarray(numeric, dtype=float)
    over = tuple(range(-axes, 0))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.sqrt(np.sum((a - n) ** 2, axis=over))
        scale = np.maximum(np.maximum(np.sqrt(np.sum(a * a, axis=over)), np.sqrt(np.sum(n * n, axis=over))), floor)
        err = diff / scale
    if not np.all(np.isfinite(err)):
        return float("inf")
    return float(np.max(err)) if err.size else 0.0


def grad_check(objective: Objective, x: np.ndarray, h: float = 2e-4) -> float:
    """Max relative error between ``objective.grad`` and centred differences of ``objective.value`` at x."""
    x = np.asarray(x, dtype=float)
    return relative_error(objective.grad(x), numeric_grad(objective.value, x, h))


def hessian_check(objective: Objective, x: np.ndarray, h: float = 2e-4) -> float:
    """Max relative error between ``objective.hessian`` and centred differences of ``objective.grad`` at x."""
    x = np.asarray(x, dtype=float)
    return relative_error(objective.hessian(x), numeric_hessian(objective.grad, x, h), axes=2)
