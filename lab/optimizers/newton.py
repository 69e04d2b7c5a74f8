"""Newton's method: jump to the minimum of the local quadratic model (with a safe fallback)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.optimizers.base import Optimizer, OptimizerSpec, lr
from lab.optimizers.elementwise import ARRAY, maximum, rebind, select, sqrt
from lab.optimizers.explaining import matrix, num, vec
from lab.params import Param

try:  # np.linalg.eigh without its Python checks: the same LAPACK call (the same bits), ~1.5 µs instead of ~5
    from numpy.linalg import _umath_linalg

    def _eigh(h):
        return _umath_linalg.eigh_lo(h, signature="d->dd")
except (ImportError, AttributeError):  # pragma: no cover - another NumPy layout
    _eigh = np.linalg.eigh

# Newton's fallback codes, per point.
NEWTON_OK, NEWTON_INDEFINITE, NEWTON_SINGULAR, NEWTON_NONFINITE = 0, 1, 2, 3
NEWTON_NOTES = {
    NEWTON_OK: "",
    NEWTON_INDEFINITE: "Hessian indefinite (a saddle): stepped with |eigenvalues| (saddle-free Newton), downhill",
    NEWTON_SINGULAR: "Hessian singular (a flat direction): took a gradient step of size lr along the flat directions",
    NEWTON_NONFINITE: "Hessian not finite: no step possible",
}
TOL = 1e-10
"""An eigenvalue counts as zero when |λ| ≤ TOL·max(1, max|λ|)."""
_INF = float("inf")


class NewtonState(NamedTuple):
    """count: steps taken; fallback: per point, what the last step had to do (see NEWTON_NOTES)."""

    count: int
    fallback: np.ndarray


def rule2(gx, gy, hxx, hxy, hyy, lr, damping):
    """One 2-D point's Newton step from its gradient and Hessian entries: (sx, sy, fallback code).

    The eigenvalues of H + damping·I = [[a, b], [b, c]] in closed form, λ = m ± r with m = (a + c)/2 and
    r = √(((a − c)/2)² + b²) (scaled so that it cannot overflow); each |λ| (1 where λ is zero) is μ, and the
    step −lr·Σ Pᵢg/μᵢ uses the projections onto the eigenvectors, P₂g = (Hg − λ₁g)/(λ₂ − λ₁), P₁g = g − P₂g:
    no eigenvectors needed. Written on + − × ÷, √ and select, so floats, arrays and compiled code agree.
    """
    a, b, c = hxx + damping, hxy, hyy + damping
    finite = (abs(a) < _INF) & (abs(b) < _INF) & (abs(c) < _INF) & (abs(gx) < _INF) & (abs(gy) < _INF)
    m = 0.5 * (a + c)
    d = 0.5 * (a - c)
    scale = maximum(abs(d), abs(b))
    unit = select(scale > 0.0, scale, 1.0)
    r = scale * sqrt((d / unit) * (d / unit) + (b / unit) * (b / unit))
    lam1, lam2 = m - r, m + r  # λ₁ ≤ λ₂
    size1, size2 = abs(lam1), abs(lam2)
    tol = TOL * maximum(1.0, maximum(size1, size2))
    singular = (size1 <= tol) | (size2 <= tol)
    mu1 = select(size1 <= tol, 1.0, size1)
    mu2 = select(size2 <= tol, 1.0, size2)
    spread = select(r > 0.0, 2.0 * r, 1.0)  # λ₂ − λ₁; with r = 0, H is a multiple of I and P₂ is not needed
    p2x = (a * gx + b * gy - lam1 * gx) / spread
    p2y = (b * gx + c * gy - lam1 * gy) / spread
    w = select(r > 0.0, 1.0 / mu2 - 1.0 / mu1, 0.0)
    sx = -lr * (gx / mu1 + w * p2x)
    sy = -lr * (gy / mu1 + w * p2y)
    code = select(singular, NEWTON_SINGULAR, select(lam1 < -tol, NEWTON_INDEFINITE, NEWTON_OK))
    code = select(finite, code, NEWTON_NONFINITE)
    return select(finite, sx, _INF - _INF), select(finite, sy, _INF - _INF), code


_rule2_arrays = rebind(rule2, ARRAY)


def newton(lr: float = 1.0, damping: float = 0.0) -> Optimizer:
    """Newton's method: jump to the minimum of the local quadratic model.

    Algorithm::

        for t in range(num_steps):
            g, H = grad(x), hessian(x)
            x = x - lr * inv(H + damping * I) @ g

    Computed from the eigen-decomposition H + damping·I = V diag(λ) Vᵀ, step = −lr·V diag(1/λ) Vᵀ g: in closed
    form for d = 2 (``rule2``, which the race also runs on floats), by LAPACK's eigh above.
    Fallback (never a crash), with tol = 1e-10·max(1, max|λ|):
    - some λ < −tol (indefinite, a saddle): λ is replaced by |λ| (saddle-free Newton), so the step
      goes downhill along negative curvature instead of jumping to the saddle;
    - some |λ| ≤ tol (singular): those directions take a gradient step: λ is replaced by 1 (a step −lr·g along them);
    - a non-finite Hessian or gradient: the step is NaN and the race marks the racer diverged.
    ``note(state)`` says which happened. The state: t (``count``) and fallback (the code of NEWTON_NOTES).
    On a quadratic with lr = 1 it lands on the minimum in one step.
    """

    def init(x):
        x = np.asarray(x, dtype=float)
        return NewtonState(0, np.zeros(x.shape[:-1], dtype=int))

    def update(grad, state, x, oracle=None):
        hess = np.asarray(oracle.hessian(x), dtype=float)
        grad = np.asarray(grad, dtype=float)
        if hess.shape[-1] == 2:
            rate = lr[..., 0] if np.ndim(lr) else lr  # a per-point lr comes as (K, 1), for (K, d) steps
            with np.errstate(all="ignore"):  # a non-finite row is its code, never a warning
                sx, sy, fallback = _rule2_arrays(grad[..., 0], grad[..., 1], hess[..., 0, 0], hess[..., 0, 1],
                                                 hess[..., 1, 1], rate, damping)
            step = np.stack([sx, sy], axis=-1)
        else:
            step, fallback = _eigen_step(grad, hess, lr, damping)
        return step, NewtonState(state.count + 1, fallback)

    update.rule2, update.tail, update.state_type = rule2, (lr, damping), NewtonState

    def details(grad, state, x):
        return {}

    def note(state):
        codes = np.atleast_1d(state.fallback)
        return "; ".join(NEWTON_NOTES[int(c)] for c in np.unique(codes) if c != NEWTON_OK)

    return Optimizer("newton", {"lr": lr, "damping": damping}, init, update, details, note)


def _eigen_step(grad, hess, lr, damping):
    """Newton's step for any d, from LAPACK's eigen-decomposition: (step, fallback codes)."""
    d = hess.shape[-1]
    if damping:
        hess = hess + damping * np.eye(d)
    finite = np.isfinite(hess).all(axis=(-1, -2)) & np.isfinite(grad).all(axis=-1)
    if not finite.all():
        hess = np.where(finite[..., None, None], hess, np.eye(d))
        grad = np.where(finite[..., None], grad, 0.0)
    lam, vec = _eigh(hess)
    size = np.abs(lam)
    tol = TOL * np.maximum(1.0, size.max(axis=-1, keepdims=True))
    singular = size <= tol
    negative = lam < -tol
    size = np.where(singular, 1.0, size)
    coords = np.einsum("...ji,...j->...i", vec, grad) / size  # Vᵀg / |λ|
    step = -lr * np.einsum("...ij,...j->...i", vec, coords)
    fallback = np.where(singular.any(axis=-1), NEWTON_SINGULAR, negative.any(axis=-1) * NEWTON_INDEFINITE)
    fallback = np.where(finite, fallback, NEWTON_NONFINITE)
    return np.where(finite[..., None], step, np.nan), fallback


def explain(s) -> list[str]:
    """Newton's lines with one update's numbers: H, its eigenvalues, what the fallback did, the solved step."""
    hess = np.asarray(s.objective.hessian(s.x), dtype=float)
    damping = s.hp["damping"]
    name = "H + damping·I" if damping else "H"
    lam = np.linalg.eigvalsh(hess + damping * np.eye(len(s.x))) if np.isfinite(hess).all() else np.full(len(s.x), np.nan)
    lines = [f"H = ∇²f(x) = {matrix(hess)}", f"λ({name}) = {vec(lam)}"]
    code = int(np.asarray(s.after["fallback"]).reshape(-1)[0])
    if code == NEWTON_INDEFINITE:
        lines.append(f"step = −lr·V·|Λ|⁻¹·Vᵀ·g = {vec(s.step)}   (a negative λ: saddle-free Newton, |λ| used)")
    elif code == NEWTON_SINGULAR:
        lines.append(f"step = −lr·V·Λ⁻¹·Vᵀ·g = {vec(s.step)}   (λ ≈ 0 replaced by 1: a gradient step there)")
    else:
        lines.append(f"step = −lr·({name})⁻¹·g = {vec(s.step)}   (lr = {num(s.lr)})")
    return lines


SPEC = OptimizerSpec(
    "newton", (lr(1.0), Param("damping", 0.0, lo=0.0, doc="added to the Hessian's diagonal")), newton,
    rule="g = ∇f(x);  H = ∇²f(x)\nx ← x − lr·(H + damping·I)⁻¹·g",
    summary="second order: jump to the minimum of the local quadratic model",
    label="Newton", short_label="Newton",
    preset=lambda scales: {"lr": 1.0},  # a full step to the local quadratic model's minimum
    per_point=("lr",), lecture=True, state_names={"count": "t", "fallback": "fallback"}, explain=explain)
