"""What an objective is: f, its exact gradient and Hessian, on batches of points."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lab.errors import LabError
from lab.params import Param, check_all


class Objective:
    """f: R^d -> R with exact gradient and Hessian.

    Every method takes x of shape (..., d) and returns values (...), gradients (..., d)
    or Hessians (..., d, d), so that thousands of points evaluate in one NumPy call.
    """

    name: str = ""
    dim: int = 2
    stochastic: bool = False
    axes: tuple[str, str] = ("x", "y")
    """What the plots call the first two coordinates (a data objective's are its parameters: w, b)."""

    def __init__(self, params: dict, domain, minima, min_value: float | None, start, notes: str = ""):
        self.params = dict(params)
        self.domain = np.asarray(domain, dtype=float).reshape(self.dim, 2)
        self.minima = np.asarray(minima, dtype=float).reshape(-1, self.dim)
        self.min_value = None if min_value is None else float(min_value)
        self.start = np.asarray(start, dtype=float).reshape(self.dim)
        self.notes = notes

    def value(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def hessian(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def value_and_grad(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.value(x), self.grad(x)

    def check_point(self, x, what: str = "point") -> np.ndarray:
        """``x`` as a float array of shape (dim,), or LabError saying what is wrong."""
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise LabError(f"{what} must be {self.dim} numbers, got {x!r}") from None
        if arr.shape != (self.dim,):
            raise LabError(f"{what} must have {self.dim} coordinates for {self.name}, got {arr.size}")
        if not np.all(np.isfinite(arr)):
            raise LabError(f"{what} must be finite numbers, got {arr.tolist()}")
        return arr

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({self.name}{', ' if ps else ''}{ps})"


class Function2D(Objective):
    """A 2-D objective written once as formulas in the coordinates (x, y).

    Subclasses give ``f(x, y)``, ``g(x, y) -> (fx, fy)`` and ``h(x, y) -> (fxx, fxy, fyy)`` using NumPy ufuncs;
    x and y are arrays of any (matching) shape. Or, in place of ``f`` and ``g``, the value and gradient written
    once as a plain function ``fg_formula(x, y, *fg_args) -> (f, fx, fy)`` (a module-level function, set
    with ``staticmethod``; ``fg_args`` a tuple of floats set in ``__init__``): ``fg``, ``f`` and ``g`` all
    run it, and when it uses + − × ÷ only (``float_safe``) it runs unchanged on arrays, on Python floats (the
    race) and compiled by numba (the batched engine's fast path, lab/engine/compiled.py).
    """

    dim = 2
    fg_formula = None
    fg_args: tuple = ()

    def f(self, x, y):
        if self.fg_formula is None:
            raise NotImplementedError
        return self.fg_formula(x, y, *self.fg_args)[0]

    def g(self, x, y):
        if self.fg_formula is None:
            raise NotImplementedError
        _, fx, fy = self.fg_formula(x, y, *self.fg_args)
        return fx, fy

    def h(self, x, y):
        raise NotImplementedError

    def fg(self, x, y):
        """``(f, fx, fy)`` in one pass: bit for bit ``f(x, y)`` and ``g(x, y)``; ``fg_formula`` when there is one."""
        if self.fg_formula is not None:
            return self.fg_formula(x, y, *self.fg_args)
        fx, fy = self.g(x, y)
        return self.f(x, y), fx, fy

    #: True (declared by a class itself, not inherited) when ``fg`` and ``h`` use only + − × ÷ (``t*t``, never
    #: ``**``) and no NumPy function but ``ones``/``full``, so that on Python floats they give the same bits as on arrays; the race
    #: then steps 2-D racers on floats (lab/engine/race.py). CPython's ``x ** 2`` calls pow(), which differs from
    #: NumPy's ``x * x`` in the last bit for about 1 point in 1 000.
    float_safe = False

    def value(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.asarray(self.f(x[..., 0], x[..., 1]), dtype=float)

    def value_and_grad(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        f, gx, gy = self.fg(x[..., 0], x[..., 1])
        out = np.empty(x.shape, dtype=float)
        out[..., 0] = gx
        out[..., 1] = gy
        return np.asarray(f, dtype=float), out

    def grad(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        gx, gy = self.g(x[..., 0], x[..., 1])
        out = np.empty(x.shape, dtype=float)
        out[..., 0] = gx
        out[..., 1] = gy
        return out

    def hessian(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        hxx, hxy, hyy = self.h(x[..., 0], x[..., 1])
        out = np.empty(x.shape + (2,), dtype=float)
        out[..., 0, 0] = hxx
        out[..., 0, 1] = hxy
        out[..., 1, 0] = hxy
        out[..., 1, 1] = hyy
        return out


@dataclass(frozen=True)
class ObjectiveSpec:
    """A named objective: its parameters and how to build it."""

    name: str
    dim: int
    params: tuple[Param, ...]
    build: Callable[..., Objective] = field(repr=False)
    summary: str = ""

    def make(self, **params) -> Objective:
        values = check_all(self.params, params, f"objective {self.name!r}")
        settle = getattr(self.build, "settle", None)  # values that depend on what was given (own_data)
        if callable(settle):
            values = settle(params, values)
        obj = self.build(**values)
        obj.name = self.name
        return obj


def float_safe(objective) -> bool:
    """Whether an engine may evaluate ``objective`` on Python floats (``fg(x, y)``) with the same bits as on
    arrays: a 2-D objective whose class itself declares ``float_safe = True`` (a subclass must declare it
    again), not stochastic."""
    return (getattr(objective, "dim", None) == 2 and type(objective).__dict__.get("float_safe", False) is True
            and not getattr(objective, "stochastic", False))
