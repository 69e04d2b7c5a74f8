"""Extreme eigenvalues of a symmetric matrix known only through products v ↦ H·v: Lanczos iteration.

For an objective in many dimensions the Hessian is never formed: m Hessian-vector products build an
orthonormal basis Q of the Krylov space span{q, Hq, …, H^(m−1) q} in which H is the tridiagonal T = QᵀHQ;
T's extreme eigenvalues (Ritz values) converge to H's extreme eigenvalues after a few dozen products.
Every new vector is re-orthogonalised against all previous ones (twice), so no spurious copies appear;
after at most d products the space is all of Rᵈ and the Ritz values are H's eigenvalues.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

Matvec = Callable[[np.ndarray], np.ndarray]

CHECK_EVERY = 4
"""Convergence is tested every 4 products: a small eigh costs more than a Hessian-vector product here
(OpenBLAS threads on a busy machine: 3 ms for 50 × 50), and up to 3 extra products cost less."""


class Ritz(NamedTuple):
    """eigenvalues ascending (m,); eigenvectors as unit columns (d, m); residuals ‖H·y − θ·y‖ (m,);
    iterations: the matrix-vector products used."""

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    residuals: np.ndarray
    iterations: int


def lanczos(matvec: Matvec, dim: int, *, n_low: int = 1, n_high: int = 1, tol: float = 1e-10,
            max_iter: int | None = None, seed: int = 0, complete: bool = False) -> Ritz:
    """Lanczos with full reorthogonalisation until the ``n_low`` smallest and ``n_high`` largest Ritz pairs have
    residuals ≤ tol·max|θ| (then |λ − θ| ≤ residual; tested every CHECK_EVERY products), or the space is
    exhausted, or ``max_iter`` (default d).
    ``complete``: go on until the space is exhausted (or max_iter): the Ritz values are then all of the
    distinct eigenvalues that the start vector reaches (all of them, for a random start).

    Algorithm (q₀ a seeded random unit vector, β₀ = 0)::

        for j = 0, 1, ...:
            w = H qⱼ;  αⱼ = qⱼ·w;  w = w − αⱼ qⱼ − βⱼ qⱼ₋₁
            w = w − Q (Qᵀ w)   (twice: full reorthogonalisation)
            βⱼ₊₁ = ‖w‖;  qⱼ₊₁ = w / βⱼ₊₁
        T = tridiag(β, α, β) = S diag(θ) Sᵀ;  Ritz vectors Q S;  residual of pair i: βⱼ₊₁ |S[j, i]|
    """
    if dim < 1:
        raise ValueError(f"dimension must be >= 1, got {dim}")
    limit = dim if max_iter is None else max(1, min(int(max_iter), dim))
    q = np.random.default_rng(seed).standard_normal(dim)
    basis = np.empty((limit + 1, dim))
    basis[0] = q / np.linalg.norm(q)
    alpha, beta = np.empty(limit), np.zeros(limit + 1)
    norm = np.finfo(float).tiny  # a Gershgorin bound on ‖T‖, for the breakdown test
    for j in range(limit):
        w = np.asarray(matvec(basis[j]), dtype=float).reshape(dim)
        if not np.all(np.isfinite(w)):
            raise ValueError("the matrix-vector product is not finite")
        alpha[j] = basis[j] @ w
        w = w - alpha[j] * basis[j] - (beta[j] * basis[j - 1] if j else 0.0)
        for _ in range(2):
            w = w - basis[:j + 1].T @ (basis[:j + 1] @ w)
        m = j + 1
        beta[m] = np.linalg.norm(w)
        norm = max(norm, abs(alpha[j]) + beta[j] + beta[m])
        exhausted = beta[m] <= 1e-12 * norm  # an invariant subspace: its Ritz values are exact
        if exhausted or m == limit:
            return _ritz(alpha[:m], beta[:m + 1], basis[:m])
        if not complete and m % CHECK_EVERY == 0:  # (a complete run needs no Ritz values before its end)
            r = _ritz(alpha[:m], beta[:m + 1], basis[:m])
            scale = max(np.abs(r.eigenvalues).max(), np.finfo(float).tiny)
            wanted = np.r_[np.arange(min(n_low, m)), np.arange(max(m - n_high, 0), m)]
            if np.all(r.residuals[wanted] <= tol * scale):
                return r
        basis[m] = w / beta[m]
    raise AssertionError("unreachable")


def _ritz(alpha: np.ndarray, beta: np.ndarray, basis: np.ndarray) -> Ritz:
    """The Ritz pairs of T = tridiag(β₁..β_{m−1}, α, β₁..β_{m−1}) in the basis (m, d); β_m gives the residuals."""
    m = len(alpha)
    t = np.diag(alpha) + np.diag(beta[1:m], 1) + np.diag(beta[1:m], -1)
    theta, s = np.linalg.eigh(t)
    return Ritz(theta, basis.T @ s, beta[m] * np.abs(s[-1]), m)


class Extremes(NamedTuple):
    """λmin, λmax with unit eigenvectors v_min, v_max (d,), the smallest |λ|, and the products used."""

    lam_min: float
    lam_max: float
    v_min: np.ndarray
    v_max: np.ndarray
    min_abs: float
    iterations: int


def extreme_eigenpairs(matvec: Matvec, dim: int, *, tol: float = 1e-10, seed: int = 0) -> Extremes:
    """The smallest and largest eigenvalues of H with their eigenvectors (Lanczos on H), and its smallest |λ|.

    min|λ| is λmin when H is positive definite and |λmax| when negative definite. When H is indefinite it is an
    interior eigenvalue, which Lanczos finds only when run to the end: a second run continues until the Krylov
    space is exhausted (at most d products), when its Ritz values are all of H's distinct eigenvalues.
    """
    r = lanczos(matvec, dim, tol=tol, seed=seed)
    lam_min, lam_max = float(r.eigenvalues[0]), float(r.eigenvalues[-1])
    iterations = r.iterations
    if lam_min > 0:
        min_abs = lam_min
    elif lam_max < 0:
        min_abs = -lam_max
    else:
        full = lanczos(matvec, dim, seed=seed, complete=True)
        min_abs = float(np.abs(full.eigenvalues).min())
        iterations += full.iterations
    return Extremes(lam_min, lam_max, r.eigenvectors[:, 0], r.eigenvectors[:, -1], min_abs, iterations)


def condition_estimate(ext: Extremes) -> float:
    """κ = max|λ| / min|λ| from the extremes (inf when min|λ| is 0)."""
    big = max(abs(ext.lam_min), abs(ext.lam_max))
    return big / ext.min_abs if ext.min_abs > 0 else float("inf")
