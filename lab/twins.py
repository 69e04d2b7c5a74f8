"""Float twins of the optimizers' updates, for the race's 2-D fast path: the same operations, on Python floats.

A NumPy call on a 2-vector costs about 0.3 µs here, a float operation about 0.02 µs, so a 2-D Adam step
written on floats takes about 1 µs where ``update`` takes about 6 µs. Each twin repeats its update's
expression in the same order (``-lr * g / (sqrt(s) + eps)`` is ``((-lr)·g) / (√s + eps)`` on both), and
IEEE + − × ÷ and √ are correctly rounded on floats and on arrays alike, so a twin gives the same bits as
``update`` (tests/test_twins.py checks every twin against its update on random states). NumPy's
``x ** 2`` is ``x * x``, CPython's calls pow() and differs in the last bit about once in 1 000: twins
never use ``**`` except ``beta ** t``, which ``update`` also computes on floats.

A twin is an object with

- ``step(gx, gy, x, y) -> (x_new, y_new)``: one update from the gradient (gx, gy) at (x, y); the twin's state
  changes only when it returns. It raises ``Defer`` when the case is one for the reference update (Newton
  with a non-finite Hessian); the race then goes on with ``update`` from ``state()``.
- ``state()``: the optimizer's own state NamedTuple (new arrays), equal to what ``update`` would hold.
- ``note()``: what ``optimizer.note`` would say ("" for nothing); only for optimizers that have a note.

``twin_for(optimizer, objective)`` gives the twin, or None for optimizers without one (L-BFGS, anything
built outside lab.optimizers); the race then uses ``update``.
"""
from __future__ import annotations

import math

import numpy as np

from lab.optimizers import first_order, second_order
from lab.optimizers.base import Optimizer
from lab.optimizers.first_order import AdamState, GradSquaredState, MomentumState, SGDState
from lab.optimizers.second_order import NEWTON_INDEFINITE, NEWTON_NOTES, NEWTON_OK, NEWTON_SINGULAR, NewtonState

try:  # np.linalg.eigh without its Python checks: the same LAPACK call (the same bits), 1.5 µs instead of 5
    from numpy.linalg import _umath_linalg

    def _eigh(h):
        return _umath_linalg.eigh_lo(h, signature="d->dd")
except (ImportError, AttributeError):  # pragma: no cover - another NumPy layout
    _eigh = np.linalg.eigh

_INF = math.inf


class Defer(Exception):
    """This step is one for the reference ``update``."""


def _max(a: float, b: float) -> float:
    """np.maximum on floats: NaN if either is NaN."""
    if a >= b:
        return a
    if b > a:
        return b
    return a + b  # one of them is NaN


class SGDTwin:
    """x ← x + (−lr)·g."""

    __slots__ = ("neg_lr",)

    def __init__(self, lr: float):
        self.neg_lr = -lr

    def step(self, gx, gy, x, y):
        n = self.neg_lr
        return x + n * gx, y + n * gy

    def state(self):
        return SGDState()


class MomentumTwin:
    """v ← ρ·v + g; x ← x + (−lr)·v (heavy ball) or x + (−lr)·(g + ρ·v) (Nesterov)."""

    __slots__ = ("neg_lr", "rho", "nesterov", "v0", "v1")

    def __init__(self, lr: float, rho: float, nesterov: bool):
        self.neg_lr, self.rho, self.nesterov = -lr, rho, nesterov
        self.v0 = self.v1 = 0.0

    def step(self, gx, gy, x, y):
        n, rho = self.neg_lr, self.rho
        v0 = rho * self.v0 + gx
        v1 = rho * self.v1 + gy
        if self.nesterov:
            sx, sy = n * (gx + rho * v0), n * (gy + rho * v1)
        else:
            sx, sy = n * v0, n * v1
        self.v0, self.v1 = v0, v1
        return x + sx, y + sy

    def state(self):
        return MomentumState(np.array([self.v0, self.v1]))


class RootMeanSquareTwin:
    """S ← decay·S + weight·g²; x ← x + ((−lr)·g) / (√S + eps) (AdaGrad, RMSProp)."""

    __slots__ = ("neg_lr", "decay", "weight", "eps", "s0", "s1")

    def __init__(self, lr: float, decay: float, weight: float, eps: float):
        self.neg_lr, self.decay, self.weight, self.eps = -lr, decay, weight, eps
        self.s0 = self.s1 = 0.0

    def step(self, gx, gy, x, y):
        n, decay, weight, eps = self.neg_lr, self.decay, self.weight, self.eps
        s0 = decay * self.s0 + weight * (gx * gx)
        s1 = decay * self.s1 + weight * (gy * gy)
        sx = n * gx / (math.sqrt(s0) + eps)
        sy = n * gy / (math.sqrt(s1) + eps)
        self.s0, self.s1 = s0, s1
        return x + sx, y + sy

    def state(self):
        return GradSquaredState(np.array([self.s0, self.s1]))


class AdamTwin:
    """Adam / AdamW exactly as ``first_order._adam``'s update (bias correction, amsgrad, decoupled decay)."""

    __slots__ = ("lr", "beta1", "beta2", "one_minus_beta1", "one_minus_beta2", "eps", "bias_correction",
                 "amsgrad", "decay", "has_decay", "t", "m0", "m1", "v0", "v1", "w0", "w1")

    def __init__(self, lr, beta1, beta2, eps, bias_correction, amsgrad, weight_decay):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.one_minus_beta1, self.one_minus_beta2 = 1.0 - beta1, 1.0 - beta2
        self.bias_correction, self.amsgrad = bias_correction, amsgrad
        self.has_decay = bool(weight_decay)
        self.decay = 1.0 - (1.0 - lr * weight_decay)  # update's (1 − shrink)
        self.t = 0
        self.m0 = self.m1 = self.v0 = self.v1 = self.w0 = self.w1 = 0.0

    def step(self, gx, gy, x, y):
        t = self.t + 1
        b1, b2 = self.beta1, self.beta2
        m0 = b1 * self.m0 + self.one_minus_beta1 * gx
        m1 = b1 * self.m1 + self.one_minus_beta1 * gy
        v0 = b2 * self.v0 + self.one_minus_beta2 * (gx * gx)
        v1 = b2 * self.v1 + self.one_minus_beta2 * (gy * gy)
        if self.amsgrad:
            w0, w1 = _max(self.w0, v0), _max(self.w1, v1)
            q0, q1 = w0, w1
        else:
            w0, w1 = self.w0, self.w1
            q0, q1 = v0, v1
        eps = self.eps
        if self.bias_correction:
            c1 = -(self.lr / (1.0 - b1**t))
            c2 = 1.0 - b2**t
            sx = c1 * m0 / (math.sqrt(q0 / c2) + eps)
            sy = c1 * m1 / (math.sqrt(q1 / c2) + eps)
        else:
            n = -self.lr
            sx = n * m0 / (math.sqrt(q0) + eps)
            sy = n * m1 / (math.sqrt(q1) + eps)
        if self.has_decay:
            sx = sx - self.decay * x
            sy = sy - self.decay * y
        self.t, self.m0, self.m1, self.v0, self.v1, self.w0, self.w1 = t, m0, m1, v0, v1, w0, w1
        return x + sx, y + sy

    def state(self):
        return AdamState(self.t, np.array([self.m0, self.m1]), np.array([self.v0, self.v1]),
                         np.array([self.w0, self.w1]))


class NewtonTwin:
    """Newton's step from LAPACK's eigendecomposition of the 2 × 2 Hessian, the rest on floats.

    The Hessian comes from the objective's own ``h`` on floats (a float_safe objective); a non-finite
    Hessian, gradient or eigenvalue defers to ``update`` (its NaN step and fallback code).
    """

    __slots__ = ("lr", "damping", "h", "count", "code")

    def __init__(self, lr: float, damping: float, objective):
        self.lr, self.damping, self.h = lr, damping, objective.h
        self.count, self.code = 0, NEWTON_OK

    def step(self, gx, gy, x, y):
        hxx, hxy, hyy = self.h(x, y)
        hxx, hxy, hyy = float(hxx), float(hxy), float(hyy)
        if self.damping:  # update's hess + damping·I
            d = self.damping
            hxx, hxy, hyy = hxx + d, hxy + 0.0, hyy + d
        if not (math.isfinite(hxx) and math.isfinite(hxy) and math.isfinite(hyy)
                and math.isfinite(gx) and math.isfinite(gy)):
            raise Defer
        lam, vec = _eigh(np.array([[hxx, hxy], [hxy, hyy]]))
        l0, l1 = lam.tolist()
        (v00, v01), (v10, v11) = vec.tolist()
        if not (math.isfinite(l0) and math.isfinite(l1)):
            raise Defer
        a0, a1 = abs(l0), abs(l1)
        tol = 1e-10 * _max(1.0, _max(a0, a1))
        single0, single1 = a0 <= tol, a1 <= tol
        code = NEWTON_SINGULAR if (single0 or single1) else (
            NEWTON_INDEFINITE if (l0 < -tol or l1 < -tol) else NEWTON_OK)
        c0 = (v00 * gx + v10 * gy) / (1.0 if single0 else a0)  # einsum("...ji,...j->...i", vec, grad) / lam
        c1 = (v01 * gx + v11 * gy) / (1.0 if single1 else a1)
        n = -self.lr
        sx = n * (v00 * c0 + v01 * c1)  # −lr · einsum("...ij,...j->...i", vec, coords)
        sy = n * (v10 * c0 + v11 * c1)
        self.count, self.code = self.count + 1, code
        return x + sx, y + sy

    def state(self):
        return NewtonState(self.count, np.array(self.code))

    def note(self):
        return NEWTON_NOTES[self.code] if self.code != NEWTON_OK else ""


def _module_of(optimizer: Optimizer) -> str:
    return getattr(optimizer.update, "__module__", "")


def twin_for(optimizer: Optimizer, objective=None):
    """A fresh twin of ``optimizer`` (its start state), or None when it has none.

    Only optimizers built by lab.optimizers' own factories have twins (checked by name and by the module
    of their update); Newton's also needs a float_safe 2-D ``objective`` for its Hessian.
    """
    name, hp, module = optimizer.name, optimizer.hyperparameters, _module_of(optimizer)
    if module == first_order.__name__:
        if name == "sgd":
            return SGDTwin(hp["lr"])
        if name in ("momentum", "nesterov"):
            return MomentumTwin(hp["lr"], hp["rho"], name == "nesterov")
        if name == "adagrad":
            return RootMeanSquareTwin(hp["lr"], 1.0, 1.0, hp["eps"])
        if name == "rmsprop":
            return RootMeanSquareTwin(hp["lr"], hp["decay_rate"], 1.0 - hp["decay_rate"], hp["eps"])
        if name in ("adam", "adamw"):
            return AdamTwin(hp["lr"], hp["beta1"], hp["beta2"], hp["eps"], hp["bias_correction"], hp["amsgrad"],
                            hp.get("weight_decay", 0.0))
    elif module == second_order.__name__ and name == "newton" and objective is not None \
            and float_safe(objective):
        return NewtonTwin(hp["lr"], hp["damping"], objective)
    return None


def float_safe(objective) -> bool:
    """Whether the race may evaluate ``objective`` on Python floats: a 2-D objective whose class itself
    declares ``float_safe = True`` (a subclass must declare it again), not stochastic."""
    return (getattr(objective, "dim", None) == 2 and type(objective).__dict__.get("float_safe", False) is True
            and not getattr(objective, "stochastic", False))
