"""The built-in 2-D test functions (formulas and minima from the SFU Virtual Library of Simulation Experiments)."""
from __future__ import annotations

import numpy as np

from lab.objectives.base import Function2D
from lab.params import Param


class Quadratic(Function2D):
    """The lecture's ill-conditioned bowl: f = ½ xᵀAx, A = R(angle)·diag(1, kappa)·R(angle)ᵀ (angle in degrees)."""

    name = "quadratic"
    PARAMS = (
        Param("kappa", 10.0, lo=1.0, doc="condition number of A (its eigenvalues are 1 and kappa)"),
        Param("angle", 0.0, lo=-360.0, hi=360.0, doc="rotation of the bowl's axes, in degrees"),
    )

    def __init__(self, kappa: float, angle: float):
        t = np.deg2rad(angle)
        r = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        self.A = r @ np.diag([1.0, kappa]) @ r.T
        self.A = 0.5 * (self.A + self.A.T)
        super().__init__({"kappa": kappa, "angle": angle}, [[-2, 2], [-2, 2]], [[0, 0]], 0.0, [-1.8, 1.2])

    def f(self, x, y):
        a = self.A
        return 0.5 * (a[0, 0] * x * x + 2 * a[0, 1] * x * y + a[1, 1] * y * y)

    def g(self, x, y):
        a = self.A
        return a[0, 0] * x + a[0, 1] * y, a[0, 1] * x + a[1, 1] * y

    def h(self, x, y):
        a = self.A
        one = np.ones_like(x)
        return a[0, 0] * one, a[0, 1] * one, a[1, 1] * one


class Rosenbrock(Function2D):
    """Rosenbrock's banana valley: f = (a − x)² + b(y − x²)², minimum 0 at (a, a²)."""

    name = "rosenbrock"
    PARAMS = (Param("a", 1.0, lo=-10.0, hi=10.0), Param("b", 100.0, lo=0.0, hi=1e4, lo_open=True))

    def __init__(self, a: float, b: float):
        self.a, self.b = a, b
        super().__init__({"a": a, "b": b}, [[-2, 2], [-1, 3]], [[a, a * a]], 0.0, [-1.5, 2.0])

    def f(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def g(self, x, y):
        r = y - x * x
        return -2 * (self.a - x) - 4 * self.b * x * r, 2 * self.b * r

    def h(self, x, y):
        b = self.b
        return 2 - 4 * b * (y - x * x) + 8 * b * x * x, -4 * b * x, 2 * b * np.ones_like(y)


ALL = (Quadratic, Rosenbrock)
