"""The momentum phase diagram: the exact linear convergence rate of momentum (or Nesterov) over a grid of (lr, ρ).

On a quadratic f(x) = ½ xᵀHx, along an eigenvector of H with eigenvalue λ the gradient is λ·x and both methods
are linear iterations of the pair (x, v). This project's momentum (lab/optimizers/momentum.py),
v' = ρ·v + g, x' = x − lr·v', with g = λ·x::

    [x']   [1 − lr·λ   −lr·ρ] [x]
    [v'] = [   λ          ρ ] [v]     trace 1 + ρ − lr·λ, determinant ρ:  z² − (1 + ρ − lr·λ)·z + ρ = 0

and Nesterov (lab/optimizers/nesterov.py), v' = ρ·v + g, x' = x − lr·(g + ρ·v'), so
x' = x − lr·(λx + ρ(ρv + λx)) = (1 − lr·λ(1 + ρ))·x − lr·ρ²·v::

    [x']   [1 − lr·λ(1 + ρ)   −lr·ρ²] [x]
    [v'] = [      λ              ρ  ] [v]     trace (1 + ρ)(1 − lr·λ), determinant ρ(1 − lr·λ):
                                               z² − (1 + ρ)(1 − lr·λ)·z + ρ(1 − lr·λ) = 0

The distance to the minimum along that eigenvector shrinks like |z|ᵏ, z the root of larger modulus (the spectral
radius of the matrix): that is the *rate*. Both write z² − b·z + c = 0; with D = b² − 4c the roots are complex
when D < 0 (both of modulus √c: the iterates spiral in, *oscillates*), else real, the larger of modulus
(|b| + √D)/2 (*monotone*: each step shrinks by a fixed factor; a negative root flips the sign each step).
ρ = 0 is gradient descent for both: z = 1 − lr·λ.

The rate of a setting is the largest over the eigenvalues λᵢ. For both methods the rate is a quasi-convex function
of λ (momentum: a non-decreasing function of |1 + ρ − lr·λ|; Nesterov: with s = 1 − lr·λ, increasing in s for
s ≥ 0 and in −s for s ≤ 0), so the largest over any set of eigenvalues is the larger of the rates at λmin and
λmax: only those two are evaluated, exactly. A cell *diverges* when its rate is ≥ 1; otherwise it *oscillates*
or is *monotone* as the roots of its slowest eigenvalue (the one whose rate is the cell's) are complex or real.

The optimum (momentum, Polyak's heavy ball; κ = λmax/λmin)::

    lr* = (2/(√λmin + √λmax))²,  ρ* = ((√κ − 1)/(√κ + 1))²,  rate* = (√κ − 1)/(√κ + 1)

For Nesterov it is found numerically (nested grid refinement of max(rate(λmin), rate(λmax)) over (log lr, ρ));
it agrees with Lessard, Recht & Packard's lr = 4/(3λmax + λmin), ρ = (√(3κ+1) − 2)/(√(3κ+1) + 2),
rate = 1 − 2/√(3κ+1) (tests/test_phase.py).

The grid's work is split into blocks of ρ rows, ``phase_block(optimizer, eigenvalues, lr, rho_block)``, a pure
function of its arguments: the rows of a diagram can be computed anywhere, in any order (``workers``: on local
processes, lab.parallel).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from lab.curvature import MINIMUM, curvature_at, point_kind
from lab.errors import LabError
from lab.files import shown, write_npz, write_text
from lab.limits import MAX_PHASE_SIZE
from lab.optimizers import OPTIMIZERS as OPTIMIZER_SPECS

OPTIMIZERS = tuple(name for name, spec in OPTIMIZER_SPECS.items() if spec.phase is not None)
"""The optimizers whose spec declares a PhasePlane (momentum, nesterov; a plug-in may add one)."""
MONOTONE, OSCILLATES, DIVERGES = 0, 1, 2
REGION_NAMES = ("monotone", "oscillates", "diverges")
DEFAULT_SIZE = 200
DEFAULT_RHO = (0.0, 0.99)
DEFAULT_LR = (0.01, 5.0)
"""The default lr range, in units of 1/λmax: from 0.01/λmax to 5/λmax (the widest stable lr, 2(1 + ρ)/λmax,
tends to 4/λmax as ρ → 1)."""
BLOCK_CELLS = 1 << 16  # cells per block: rows of ρ at a time, a few MB of temporaries


def plane(optimizer: str):
    """The optimizer's PhasePlane (its spec's ``phase``), or LabError naming the optimizers that have one."""
    spec = OPTIMIZER_SPECS.get(optimizer)
    if spec is None or spec.phase is None:
        raise LabError(f"the phase diagram is for {' or '.join(OPTIMIZERS)}, got {optimizer!r}")
    return spec.phase


def coefficients(optimizer: str, lr, rho, lam) -> tuple[np.ndarray, np.ndarray]:
    """(b, c) of the characteristic polynomial z² − b·z + c of the iteration along eigenvalue ``lam``
    (broadcast over lr, rho, lam), from the optimizer's spec (``PhasePlane.characteristic``)."""
    lr, rho, lam = (np.asarray(a, dtype=float) for a in (lr, rho, lam))
    b, c = plane(optimizer).characteristic(lr, rho, lam)
    shape = np.broadcast_shapes(lr.shape, rho.shape, lam.shape)
    return np.broadcast_to(np.asarray(b, dtype=float), shape), np.broadcast_to(np.asarray(c, dtype=float), shape)


def iteration_matrix(optimizer: str, lr: float, rho: float, lam: float) -> np.ndarray:
    """The 2×2 matrix M with (x', v') = M (x, v) along eigenvalue ``lam`` (see the module docstring)."""
    return plane(optimizer).matrix(lr, rho, lam)


def root_modulus(b, c) -> tuple[np.ndarray, np.ndarray]:
    """(the larger |z| of z² − b·z + c = 0, whether the roots are complex), elementwise."""
    b, c = np.asarray(b, dtype=float), np.asarray(c, dtype=float)
    disc = b * b - 4.0 * c
    complex_roots = disc < 0
    with np.errstate(invalid="ignore"):
        real = 0.5 * (np.abs(b) + np.sqrt(np.maximum(disc, 0.0)))
        spiral = np.sqrt(np.maximum(c, 0.0))  # complex roots are conjugate: |z|² = z·z̄ = c
    return np.where(complex_roots, spiral, real), complex_roots


def rate(optimizer: str, lr, rho, lam) -> np.ndarray:
    """The rate along one eigenvalue (broadcast): the larger root modulus."""
    return root_modulus(*coefficients(optimizer, lr, rho, lam))[0]


def phase_block(optimizer: str, eigenvalues, lr, rho_block) -> tuple[np.ndarray, np.ndarray]:
    """(rate, region), each (len(rho_block), len(lr)): the rate max over the eigenvalues (λmin and λmax suffice,
    see the module docstring) and the region code (MONOTONE, OSCILLATES, DIVERGES) of each cell."""
    lam = np.asarray(eigenvalues, dtype=float)
    lr = np.asarray(lr, dtype=float)[None, :]
    rho = np.asarray(rho_block, dtype=float)[:, None]
    low, low_complex = root_modulus(*coefficients(optimizer, lr, rho, lam.min()))
    high, high_complex = root_modulus(*coefficients(optimizer, lr, rho, lam.max()))
    slow_is_high = high >= low
    out = np.where(slow_is_high, high, low)
    complex_roots = np.where(slow_is_high, high_complex, low_complex)
    region = np.where(out >= 1.0, DIVERGES, np.where(complex_roots, OSCILLATES, MONOTONE)).astype(np.int8)
    return out, region


def optimum(optimizer: str, eigenvalues) -> tuple[float, float, float]:
    """(lr*, ρ*, rate*): the setting with the smallest rate over all lr > 0, 0 ≤ ρ < 1 (see the module docstring)."""
    lam = check_eigenvalues(eigenvalues)
    lo, hi = float(lam.min()), float(lam.max())
    closed = plane(optimizer).optimum
    if closed is not None:
        return tuple(float(v) for v in closed(lo, hi))
    return _search(optimizer, lo, hi)


def _search(optimizer: str, lo: float, hi: float, n: int = 101, rounds: int = 60) -> tuple[float, float, float]:
    """min over (log lr, ρ) of max(rate(λmin), rate(λmax)): an n × n grid, then ±3 cells around its best, again."""
    box = np.array([[np.log(1e-4 / hi), np.log(2.0 / hi)], [0.0, 1.0 - 1e-9]])
    best = (np.inf, 0.0, 0.0)
    for _ in range(rounds):
        lrs, rhos = np.exp(np.linspace(*box[0], n)), np.linspace(*box[1], n)
        worst = np.maximum(rate(optimizer, lrs[None], rhos[:, None], lo), rate(optimizer, lrs[None], rhos[:, None], hi))
        i, j = np.unravel_index(np.argmin(worst), worst.shape)
        if worst[i, j] < best[0]:
            best = (float(worst[i, j]), float(lrs[j]), float(rhos[i]))
        half = 3.0 * (box[:, 1] - box[:, 0]) / (n - 1)
        centre = np.array([np.log(lrs[j]), rhos[i]])
        box = np.stack([centre - half, centre + half], axis=1)
        box[1] = np.clip(box[1], 0.0, 1.0 - 1e-9)
    return best[1], best[2], best[0]


def check_eigenvalues(eigenvalues, where: str = "") -> np.ndarray:
    """The eigenvalues, ascending, if they are those of a positive-definite matrix; else LabError naming them."""
    lam = np.sort(np.asarray(eigenvalues, dtype=float).ravel())
    if lam.size == 0 or not np.isfinite(lam).all() or point_kind(lam) != MINIMUM:
        shown_lam = ", ".join(f"{v:.6g}" for v in lam[:6]) + (", ..." if lam.size > 6 else "")
        raise LabError(f"{where}the Hessian is not positive definite (eigenvalues {shown_lam}): the phase diagram "
                       "needs a minimum's curvature, every λ > 0")
    return lam


def hessian_eigenvalues(objective, at=None) -> np.ndarray:
    """The eigenvalues of ``objective``'s Hessian at ``at`` (default: its start; the quadratic's is the same
    everywhere), checked positive definite (LabError otherwise, saying where)."""
    x = objective.check_point(objective.start if at is None else at, "--at")
    with np.errstate(all="ignore"):
        lam = curvature_at(objective, x).eigenvalues
    where = f"{objective.name} at ({', '.join(f'{v:.6g}' for v in x[:4])}{', ...' if len(x) > 4 else ''}): "
    return check_eigenvalues(lam, where)


def axes(eigenvalues, lr_min=None, lr_max=None, rho_min=None, rho_max=None,
         size: int = DEFAULT_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """The grid: lr (size,) log-spaced from lr_min to lr_max (defaults DEFAULT_LR / λmax), ρ (size,) linear from
    rho_min to rho_max (defaults DEFAULT_RHO); LabError for a size outside 2…MAX_PHASE_SIZE, an empty or
    inverted range, a non-finite bound, lr ≤ 0 or ρ outside [0, 1)."""
    lam_max = float(np.max(eigenvalues))
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 2 <= size <= MAX_PHASE_SIZE:
        raise LabError(f"size must be a whole number from 2 to {MAX_PHASE_SIZE} (MAX_PHASE_SIZE), got {size!r}")
    lo = DEFAULT_LR[0] / lam_max if lr_min is None else lr_min
    hi = DEFAULT_LR[1] / lam_max if lr_max is None else lr_max
    r0 = DEFAULT_RHO[0] if rho_min is None else rho_min
    r1 = DEFAULT_RHO[1] if rho_max is None else rho_max
    for name, v in (("lr-min", lo), ("lr-max", hi), ("rho-min", r0), ("rho-max", r1)):
        if not isinstance(v, (int, float, np.floating, np.integer)) or not np.isfinite(v):
            raise LabError(f"{name} must be a finite number, got {v!r}")
    if not 0 < lo < hi:
        raise LabError(f"the lr range must satisfy 0 < lr-min < lr-max, got lr-min={lo:g}, lr-max={hi:g}")
    if not 0 <= r0 < r1 < 1:
        raise LabError(f"the ρ range must satisfy 0 <= rho-min < rho-max < 1, got rho-min={r0:g}, rho-max={r1:g}")
    return np.geomspace(lo, hi, int(size)), np.linspace(r0, r1, int(size))


@dataclass
class PhaseDiagram:
    """rate[i, j] and region[i, j] at (lr[j], rho[i]); the optimum; where the eigenvalues came from."""

    optimizer: str
    eigenvalues: np.ndarray
    lr: np.ndarray
    rho: np.ndarray
    rate: np.ndarray
    region: np.ndarray
    optimal_lr: float
    optimal_rho: float
    optimal_rate: float
    source: dict = field(default_factory=dict)
    cancelled: bool = False

    @property
    def kappa(self) -> float:
        return float(self.eigenvalues.max() / self.eigenvalues.min())

    @property
    def gd_edge(self) -> float:
        """2/λmax: gradient descent (ρ = 0) diverges from this lr on."""
        return float(2.0 / self.eigenvalues.max())

    def optimum_json(self) -> dict:
        return {"optimal_lr": self.optimal_lr, "optimal_rho": self.optimal_rho, "optimal_rate": self.optimal_rate,
                "kappa": self.kappa}

    def save(self, path) -> Path:
        """.npz: exactly lr, rho, rate ([rho index, lr index]), eigenvalues, optimal_lr, optimal_rho, optimal_rate;
        .csv: one row per cell, ρ row after ρ row: lr, rho, rate, region. Atomic; LabError for another ending."""
        suffix = Path(path).suffix.lower()
        if suffix == ".npz":
            return write_npz(path, dict(lr=self.lr, rho=self.rho, rate=self.rate, eigenvalues=self.eigenvalues,
                                        optimal_lr=np.array(self.optimal_lr), optimal_rho=np.array(self.optimal_rho),
                                        optimal_rate=np.array(self.optimal_rate)))
        if suffix == ".csv":
            return write_text(path, self.csv_text())
        raise LabError(f"cannot write {shown(path)}: a phase diagram is written as .npz or .csv")

    def csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["lr", "rho", "rate", "region"])
        lrs = [repr(v) for v in self.lr.tolist()]
        for i, rho in enumerate(self.rho.tolist()):
            r = repr(rho)
            w.writerows([lr, r, repr(v), REGION_NAMES[g]] for lr, v, g in
                        zip(lrs, self.rate[i].tolist(), self.region[i].tolist()))
        return buf.getvalue()

    def __repr__(self) -> str:
        return (f"PhaseDiagram({self.optimizer}, κ={self.kappa:g}, {len(self.rho)}×{len(self.lr)}, "
                f"optimum lr={self.optimal_lr:g}, ρ={self.optimal_rho:g}, rate={self.optimal_rate:g})")


def phase_diagram(eigenvalues, optimizer: str = "momentum", *, lr_min=None, lr_max=None, rho_min=None,
                  rho_max=None, size: int = DEFAULT_SIZE, source: dict | None = None, workers: int = 1,
                  scheduler: str | None = None, should_stop: Callable[[], bool] | None = None,
                  progress: Callable[[int, int], Any] | None = None) -> PhaseDiagram:
    """The phase diagram of ``optimizer`` for a quadratic with these (positive) eigenvalues over the grid of
    ``axes``: blocks of ρ rows by ``phase_block``, on ``workers`` local processes or a Dask ``scheduler``
    (lab.parallel; the same bits wherever they run), with ``progress(done, total)`` (cells) and ``should_stop()``
    between blocks (cancelled: ``cancelled=True``, the rest of the rate NaN)."""
    from lab.parallel import check_workers, run_blocks

    if optimizer not in OPTIMIZERS:
        raise LabError(f"the phase diagram is for {' or '.join(OPTIMIZERS)}, got {optimizer!r}")
    workers = check_workers(workers)
    lam = check_eigenvalues(eigenvalues)
    lr, rho = axes(lam, lr_min, lr_max, rho_min, rho_max, size)
    rates = np.full((len(rho), len(lr)), np.nan)
    region = np.full((len(rho), len(lr)), DIVERGES, dtype=np.int8)
    out = PhaseDiagram(optimizer, lam, lr, rho, rates, region, *optimum(optimizer, lam), source=dict(source or {}))
    rows = max(1, min(BLOCK_CELLS // len(lr), -(-len(rho) // (workers if scheduler is None else 8))))
    starts = range(0, len(rho), rows)
    filled = [0]

    def done(i: int, block) -> None:
        lo = starts[i]
        rates[lo:lo + rows], region[lo:lo + rows] = block
        filled[0] += block[0].size
        if progress is not None:
            progress(filled[0], rates.size)

    blocks = [(optimizer, lam, lr, rho[lo:lo + rows]) for lo in starts]
    out.cancelled = run_blocks(phase_block, blocks, workers, should_stop, done, scheduler) is None
    return out


__all__ = ["DIVERGES", "MONOTONE", "OPTIMIZERS", "OSCILLATES", "PhaseDiagram", "REGION_NAMES", "axes",
           "check_eigenvalues", "coefficients", "hessian_eigenvalues", "iteration_matrix", "optimum", "phase_block",
           "phase_diagram", "rate", "root_modulus"]
