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


H_SWEEP = tuple(10.0 ** -k for k in range(1, 13))
"""The steps of the lecture's h table: 1e-1, 1e-2, …, 1e-12."""


def centred_grad(f, x: np.ndarray, h: float) -> np.ndarray:
    """The lecture's centred difference, per coordinate: ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h.

    Its error is O(h²) from truncation plus about ε·|f|/h from rounding (ε ≈ 2.2e-16), so the relative error
    against the analytic gradient is smallest near h ≈ 1e-5 and grows on both sides: the lecture's V.
    """
    x = np.asarray(x, dtype=float)
    out = np.empty(x.shape, dtype=float)
    for i in range(x.shape[-1]):
        e = np.zeros(x.shape)
        e[..., i] = h
        out[..., i] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h)
    return out


def centred_hessian(grad, x: np.ndarray, h: float) -> np.ndarray:
    """Centred differences of the analytic gradient, row i = (∇f(x + h·eᵢ) − ∇f(x − h·eᵢ)) / 2h, symmetrised."""
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    out = np.empty(x.shape + (d,), dtype=float)
    for i in range(d):
        e = np.zeros(x.shape)
        e[..., i] = h
        out[..., i, :] = (np.asarray(grad(x + e)) - np.asarray(grad(x - e))) / (2 * h)
    return 0.5 * (out + np.swapaxes(out, -1, -2))


def check_over_h(objective: Objective, x: np.ndarray, hs=H_SWEEP, hessian: bool = True) -> list[dict]:
    """For each h: the relative errors of the centred-difference gradient and Hessian (``centred_grad``,
    ``centred_hessian``) against the analytic ones at the point x, as ``{"h", "grad_error", "hessian_error"}``
    (``hessian_error`` None when ``hessian`` is False). Too large an h: truncation error (∝ h²); too small:
    rounding error (∝ 1/h)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        g = np.asarray(objective.grad(x), dtype=float)
        hess = np.asarray(objective.hessian(x), dtype=float) if hessian else None
        return [{"h": float(h),
                 "grad_error": relative_error(g, centred_grad(objective.value, x, h)),
                 "hessian_error": None if hess is None else
                 relative_error(hess, centred_hessian(objective.grad, x, h), axes=2)}
                for h in hs]


HESSIAN_CHECK_MAX_DIM = 12
"""``check_at`` checks the Hessian up to this many parameters (each h costs 2d gradients; eval checks any)."""


def check_at(objective: Objective, x: np.ndarray, h: float = 2e-4, hs=H_SWEEP) -> dict:
    """The gradient check at x as the window shows it: the analytic gradient and Hessian beside their centred
    differences and the relative errors — the very numbers ``eval`` prints (``grad_check``, ``hessian_check``, step
    h) — and ``check_over_h``'s table over ``hs``. Above ``HESSIAN_CHECK_MAX_DIM`` parameters the Hessian's entries
    are None (the gradient's are always there)."""
    x = np.asarray(x, dtype=float)
    with_hessian = x.shape[-1] <= HESSIAN_CHECK_MAX_DIM
    with np.errstate(all="ignore"):
        grad = np.asarray(objective.grad(x), dtype=float)
        numeric = numeric_grad(objective.value, x, h)
        out = {"x": x.tolist(), "h": h, "value": float(objective.value(x)), "grad": grad.tolist(),
               "numeric_grad": numeric.tolist(), "grad_error": relative_error(grad, numeric),
               "hessian": None, "numeric_hessian": None, "hessian_error": None}
        if with_hessian:
            hessian = np.asarray(objective.hessian(x), dtype=float)
            numeric_h = numeric_hessian(objective.grad, x, h)
            out.update(hessian=hessian.tolist(), numeric_hessian=numeric_h.tolist(),
                       hessian_error=relative_error(hessian, numeric_h, axes=2))
    out["over_h"] = check_over_h(objective, x, hs, hessian=with_hessian)
    return out
