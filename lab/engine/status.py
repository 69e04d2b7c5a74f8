"""A racer's or a start point's fate, and the stop rule that decides it — for every engine, in one place.

The stop rule, checked after each step k at the new point x with loss f and gradient norm |∇f|:

- diverged: x is not finite, f is not finite, |∇f| is not finite, or |x|∞ > bound (checked in that order, the
  first one met is the reason);
- converged: |∇f| < tol — unless the Hessian there has a negative eigenvalue (λ < −KIND_TOL·max(1, max|λ|),
  KIND_TOL = 1e-8, lab/curvature.py): then the point is only ``stationary``, with the reason ``saddle point`` or
  ``maximum`` (every λ negative); ``stationary_reasons`` decides it, for the race and the batched engine alike.
  A point the second-order test cannot tell (no negative λ, some zero: the monkey saddle's centre) stays converged;
- otherwise the point goes on, until max_steps.
An optimizer or objective that raises gives ``error``. Files and the command line write the words. A stationary
racer does not lead a leaderboard, whatever its loss (``standing``).
"""
from __future__ import annotations

import math
from enum import Enum

import numpy as np


class Status(str, Enum):
    """running, converged, diverged, max_steps, error, stationary: equal to its word, ``.code`` its int8 code in
    arrays (in this order: 0 … 5; stationary came last, so the others kept their codes)."""

    RUNNING = "running"
    CONVERGED = "converged"
    DIVERGED = "diverged"
    MAX_STEPS = "max_steps"
    ERROR = "error"
    STATIONARY = "stationary"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def code(self) -> int:
        return _CODES[self]

    @classmethod
    def of(cls, code: int) -> "Status":
        """The status whose array code is ``code``."""
        return _BY_CODE[int(code)]


_BY_CODE = tuple(Status)
_CODES = {s: i for i, s in enumerate(_BY_CODE)}
STATUS_NAMES = tuple(s.value for s in Status)
"""The words, indexed by code: what files and the command line write."""

INF = math.inf


def still_running(value, gnorm, size, tol: float, bound: float):
    """The stop rule's usual case, cheaply, on floats or arrays: True where the point surely goes on.

    ``size`` is |x|∞ (NaN when x is not finite). False means "look closer" (``classify``): it is False for
    every stopped point, and also when f + |∇f| overflows for finite ones.
    """
    return (gnorm >= tol) & (abs(value + gnorm) < INF) & (size <= bound)


def absmax(x: np.ndarray) -> np.ndarray:
    """|x|∞ per row of x (..., d); NaN where x has a NaN."""
    if x.shape[-1] == 2:
        return np.maximum(np.abs(x[..., 0]), np.abs(x[..., 1]))
    return np.abs(x).max(axis=-1)


def classify(x: np.ndarray, value: np.ndarray, gnorm: np.ndarray, tol: float, bound: float) -> np.ndarray:
    """The status code of each point (x (K, d), value (K,), gnorm (K,)) after a step: RUNNING where it goes on."""
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(x).all(axis=-1) & np.isfinite(value) & np.isfinite(gnorm)
        diverged = ~(finite & (absmax(x) <= bound))
        converged = ~diverged & (gnorm < tol)
    codes = np.full(np.shape(value), Status.RUNNING.code, dtype=np.int8)
    codes[converged] = Status.CONVERGED.code
    codes[diverged] = Status.DIVERGED.code
    return codes


def stationary_reasons(objective, x) -> np.ndarray:
    """The stop rule's second look at points x (K, d) where |∇f| < tol: per point '' (converged: no negative
    Hessian eigenvalue) or why it is only stationary, 'saddle point' or 'maximum' (lab.curvature.not_a_minimum).
    The Hessian is the objective's (Lanczos' extreme eigenvalues above lab.curvature.LANCZOS_ABOVE coordinates);
    one that cannot be computed says ''."""
    from lab.curvature import LANCZOS_ABOVE, curvature, curvature_at, not_a_minimum

    x = np.atleast_2d(np.asarray(x, dtype=float))
    try:
        with np.errstate(all="ignore"):
            if objective.dim <= LANCZOS_ABOVE or getattr(objective, "hvp", None) is None:
                lam = curvature(np.asarray(objective.hessian(x), dtype=float).reshape(len(x), x.shape[1], -1))
                lam = lam.eigenvalues
            else:
                lam = np.array([curvature_at(objective, p).eigenvalues for p in x])
    except Exception:  # a Hessian that fails: the second-order test cannot tell
        return np.full(len(x), "", dtype=object)
    return not_a_minimum(lam).astype(object)


def standing(status: str, loss: float) -> int:
    """Where a racer stands on a leaderboard, before its loss decides: 0 a finite loss, 1 stationary (its gradient
    vanished at a saddle point or a maximum: it does not lead, whatever its loss), 2 a loss that is not finite."""
    if not math.isfinite(loss):
        return 2
    return 1 if status == Status.STATIONARY else 0


def divergence_reason(x: np.ndarray, value: float, gnorm: float, bound: float) -> str:
    """Why one diverged point (x (d,)) stopped, in the rule's order."""
    if not np.all(np.isfinite(x)):
        return "position is not finite"
    if not math.isfinite(value):
        return "loss is not finite"
    if not math.isfinite(gnorm):
        return "gradient is not finite"
    return f"|x| went past {bound:g}"


def check_limits(steps, tol, bound, what: str = "steps") -> tuple[int, float, float]:
    """steps, tol and bound checked (LabError names the bad one) and converted."""
    from lab.errors import LabError

    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise LabError(f"{what} must be a whole number >= 0, got {steps!r}")
    if not tol >= 0 or not bound > 0:
        raise LabError(f"tol must be >= 0 and bound > 0, got tol={tol!r}, bound={bound!r}")
    return int(steps), float(tol), float(bound)


__all__ = ["STATUS_NAMES", "Status", "absmax", "check_limits", "classify", "divergence_reason", "standing",
           "stationary_reasons", "still_running"]
