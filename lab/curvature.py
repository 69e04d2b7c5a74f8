"""The Hessian's story at a point: eigenvalues, eigenvectors, condition number, what kind of point it is."""
from __future__ import annotations

from typing import NamedTuple

import math

import numpy as np

from lab.lanczos import condition_estimate, extreme_eigenpairs

KIND_TOL = 1e-8
"""An eigenvalue counts as zero when |λ| ≤ KIND_TOL·max(1, max|λ|)."""

MINIMUM, MAXIMUM, SADDLE, DEGENERATE = "minimum", "maximum", "saddle", "degenerate"
SADDLE_POINT = "saddle point"


class Curvature(NamedTuple):
    """eigenvalues ascending (..., d); eigenvectors as columns (..., d, d); condition_number max|λ|/min|λ|; kind."""

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    condition_number: np.ndarray
    kind: np.ndarray

    def __repr__(self) -> str:
        return f"Curvature(eigenvalues={self.eigenvalues}, condition_number={self.condition_number}, kind={self.kind})"


def condition_number(eigenvalues: np.ndarray) -> np.ndarray:
    """κ = max|λ| / min|λ| (the ratio of the symmetric matrix's singular values); inf when singular or not finite."""
    a = np.abs(np.asarray(eigenvalues, dtype=float))
    big, small = a.max(axis=-1), a.min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(small > 0, big / np.where(small > 0, small, 1.0), np.inf)
    return np.where(np.isfinite(a).all(axis=-1), kappa, np.inf)


def point_kind(eigenvalues: np.ndarray, tol: float = KIND_TOL) -> np.ndarray:
    """'minimum' (all λ > 0), 'maximum' (all λ < 0), 'saddle' (λ of both signs), else 'degenerate'.

    λ within tol·max(1, max|λ|) of zero counts as zero; a point with a zero eigenvalue and no sign change
    is 'degenerate' (the second-order test cannot tell). Says nothing about the gradient: the kind is the
    kind of the quadratic model, which is the kind of the point where the gradient vanishes.
    """
    lam = np.asarray(eigenvalues, dtype=float)
    zero = tol * np.maximum(1.0, np.abs(lam).max(axis=-1, keepdims=True))
    pos = (lam > zero).sum(axis=-1)
    neg = (lam < -zero).sum(axis=-1)
    d = lam.shape[-1]
    kind = np.full(lam.shape[:-1], DEGENERATE, dtype=object)
    kind = np.where(pos == d, MINIMUM, kind)
    kind = np.where(neg == d, MAXIMUM, kind)
    kind = np.where((pos > 0) & (neg > 0), SADDLE, kind)
    kind = np.where(np.isfinite(lam).all(axis=-1), kind, DEGENERATE)
    return kind if kind.ndim else str(kind)


def not_a_minimum(eigenvalues: np.ndarray, tol: float = KIND_TOL) -> np.ndarray:
    """Why a point whose gradient vanishes is not a minimum, from its Hessian's eigenvalues (..., d): '' when no
    λ < −tol·max(1, max|λ|) (a minimum, or a point the second-order test cannot tell, such as the monkey saddle's
    flat centre, or a non-finite Hessian); 'maximum' when every λ is negative; else 'saddle point' (some λ
    negative, not all: a zero λ beside a negative one counts as a saddle point too)."""
    lam = np.asarray(eigenvalues, dtype=float)
    with np.errstate(invalid="ignore"):
        zero = tol * np.maximum(1.0, np.abs(lam).max(axis=-1, keepdims=True))
        neg = (lam < -zero).sum(axis=-1)
    reason = np.where(neg == lam.shape[-1], MAXIMUM, np.where(neg > 0, SADDLE_POINT, ""))
    return np.where(np.isfinite(lam).all(axis=-1), reason, "")


def curvature(hessian: np.ndarray, tol: float = KIND_TOL) -> Curvature:
    """Eigen-analysis of a symmetric Hessian of shape (..., d, d); a non-finite one gives NaN eigenvalues."""
    h = np.asarray(hessian, dtype=float)
    finite = np.isfinite(h).all(axis=(-1, -2))
    safe = np.where(finite[..., None, None], h, 0.0)
    lam, vec = np.linalg.eigh(0.5 * (safe + np.swapaxes(safe, -1, -2)))
    lam = np.where(finite[..., None], lam, np.nan)
    vec = np.where(finite[..., None, None], vec, np.nan)
    kappa = condition_number(lam)
    return Curvature(lam, vec, kappa if kappa.ndim else float(kappa), point_kind(lam, tol))


def stability_bound(eigenvalues: np.ndarray) -> np.ndarray:
    """Gradient descent on the local quadratic model is stable only for lr < 2/λmax (inf when λmax ≤ 0)."""
    top = np.asarray(eigenvalues, dtype=float).max(axis=-1)
    with np.errstate(divide="ignore"):
        bound = np.where(top > 0, 2.0 / np.where(top > 0, top, 1.0), np.inf)
    return bound if bound.ndim else float(bound)


def lr_limit(optimizer: str, hyperparameters: dict, eigenvalues: np.ndarray) -> float | None:
    """The largest stable lr of a gradient-step method on the local quadratic model (λmax = max λ > 0).

    On f = ½λx² the iterations are linear and their characteristic roots must lie inside the unit circle;
    each optimizer's spec states its bound (``OptimizerSpec.lr_bound``): sgd 2/λ, momentum 2(1 + ρ)/λ,
    nesterov 2(1 + ρ)/((1 + 2ρ)λ). inf when λmax ≤ 0 (no direction curves up); None for methods that rescale
    their steps (adaptive, second order), where no such bound applies.
    """
    from lab.optimizers import optimizer_spec

    return optimizer_spec(optimizer).lr_limit(hyperparameters, float(np.max(eigenvalues)))


LANCZOS_ABOVE = 50
"""Above this dimension ``curvature_at`` uses Lanczos on Hessian-vector products, not the dense Hessian."""


def curvature_at(objective, x, tol: float = KIND_TOL, seed: int = 0) -> Curvature:
    """The curvature of ``objective`` at one point x (d,).

    d ≤ LANCZOS_ABOVE, or no ``objective.hvp``: ``curvature(objective.hessian(x))``, every eigenpair.
    Above: Lanczos on x's Hessian-vector products (lab.lanczos): eigenvalues [λmin, λmax] only, their unit
    eigenvectors as the two columns (d, 2), κ = max|λ| / min|λ| and the kind, which the extremes decide.
    A non-finite Hessian gives NaN eigenvalues, κ = inf and 'degenerate', as ``curvature`` does.
    """
    x = np.asarray(x, dtype=float)
    hvp = getattr(objective, "hvp", None)
    if objective.dim <= LANCZOS_ABOVE or hvp is None:
        return curvature(objective.hessian(x), tol)
    try:
        with np.errstate(all="ignore"):
            ext = extreme_eigenpairs(lambda v: hvp(x, v), objective.dim, seed=seed)
    except (ValueError, np.linalg.LinAlgError):
        return Curvature(np.full(2, np.nan), np.full((objective.dim, 2), np.nan), float("inf"), DEGENERATE)
    lam = np.array([ext.lam_min, ext.lam_max])
    return Curvature(lam, np.stack([ext.v_min, ext.v_max], axis=-1), condition_estimate(ext), point_kind(lam, tol))
