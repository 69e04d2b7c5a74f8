"""The rugged 2-D test functions: cosines, exponentials and kinks — many local minima (rastrigin, levi13), a
needle in a plateau (easom), a kink at the minimum (ackley); formulas and minima from the SFU Virtual Library of
Simulation Experiments, every minimum's value computed from its formula."""
from __future__ import annotations

import numpy as np

from lab.objectives.base import Function2D
from lab.params import Param


class Rastrigin(Function2D):
    """Rastrigin: f = 2A + x² − A·cos 2πx + y² − A·cos 2πy, minimum 0 at (0, 0) amid a grid of local minima."""

    name = "rastrigin"
    PARAMS = (Param("A", 10.0, lo=0.0, hi=100.0, doc="height of the cosine ripples"),)

    def __init__(self, A: float):
        self.A = A
        super().__init__({"A": A}, [[-5.12, 5.12], [-5.12, 5.12]], [[0.0, 0.0]], self.f(0.0, 0.0), [-3.3, 2.6])

    def f(self, x, y):
        a, w = self.A, 2 * np.pi
        return 2 * a + x * x - a * np.cos(w * x) + y * y - a * np.cos(w * y)

    def g(self, x, y):
        a, w = self.A, 2 * np.pi
        return 2 * x + a * w * np.sin(w * x), 2 * y + a * w * np.sin(w * y)

    def h(self, x, y):
        a, w = self.A, 2 * np.pi
        return 2 + a * w * w * np.cos(w * x), np.zeros(np.shape(x)), 2 + a * w * w * np.cos(w * y)


class Ackley(Function2D):
    """Ackley: f = −a·exp(−b·√((x² + y²)/2)) − exp((cos cx + cos cy)/2) + a + e, a=20, b=0.2, c=2π; minimum 0 at (0, 0).

    The first term is a cone: at the origin it has no gradient and no Hessian (its Hessian grows like
    1/|(x, y)| nearby). There we return finite values: the gradient 0 (the cosine term's gradient is 0
    and 0 is a subgradient of the cone) and, as the Hessian, the smooth cosine term's Hessian e·c²/2·I
    alone (the cone's contribution taken as 0).
    """

    name = "ackley"
    PARAMS = ()
    a, b, c = 20.0, 0.2, 2 * np.pi

    def __init__(self):
        super().__init__({}, [[-5, 5], [-5, 5]], [[0.0, 0.0]], self.f(0.0, 0.0), [3.5, -2.5])

    def _radius(self, x, y):
        """r = √((x² + y²)/2) and its gradient (x, y)/(2r), taken as 0 at the origin."""
        r = np.hypot(x, y) / np.sqrt(2.0)
        safe = np.where(r > 0, r, 1.0)
        rx = np.where(r > 0, x / (2 * safe), 0.0)
        ry = np.where(r > 0, y / (2 * safe), 0.0)
        return r, safe, rx, ry

    def f(self, x, y):
        a, b, c = self.a, self.b, self.c
        r = np.hypot(x, y) / np.sqrt(2.0)
        s = 0.5 * (np.cos(c * x) + np.cos(c * y))
        # a·(1 − e^{−br}) + (e − e^s): the same formula, written to be exactly 0 at the origin
        return -a * np.expm1(-b * r) + (np.e - np.exp(s))

    def g(self, x, y):
        a, b, c = self.a, self.b, self.c
        r, _, rx, ry = self._radius(x, y)
        k = a * b * np.exp(-b * r)
        es = 0.5 * c * np.exp(0.5 * (np.cos(c * x) + np.cos(c * y)))
        return k * rx + es * np.sin(c * x), k * ry + es * np.sin(c * y)

    def h(self, x, y):
        a, b, c = self.a, self.b, self.c
        r, safe, rx, ry = self._radius(x, y)
        k = a * b * np.exp(-b * r)
        # cone: a·b·e^{−br}·(∇²r − b·∇r∇rᵀ), with ∇²r = (I − 2∇r∇rᵀ)/(2r); 0 at the origin
        inv = np.where(r > 0, 1 / (2 * safe), 0.0)
        cxx = k * (inv * (1 - 2 * rx * rx) - b * rx * rx)
        cxy = k * (-inv * 2 * rx * ry - b * rx * ry)
        cyy = k * (inv * (1 - 2 * ry * ry) - b * ry * ry)
        # cosine term −e^s: −e^s·(∇²s + ∇s∇sᵀ), ∇s = −(c/2)(sin cx, sin cy)
        es = np.exp(0.5 * (np.cos(c * x) + np.cos(c * y)))
        sx, sy = -0.5 * c * np.sin(c * x), -0.5 * c * np.sin(c * y)
        sxx, syy = -0.5 * c * c * np.cos(c * x), -0.5 * c * c * np.cos(c * y)
        return cxx - es * (sxx + sx * sx), cxy - es * sx * sy, cyy - es * (syy + sy * sy)


class Levi13(Function2D):
    """Lévi N.13: f = sin²(3πx) + (x − 1)²(1 + sin²(3πy)) + (y − 1)²(1 + sin²(2πy)), minimum 0 at (1, 1)."""

    name = "levi13"
    PARAMS = ()

    def __init__(self):
        super().__init__({}, [[-4, 6], [-4, 6]], [[1.0, 1.0]], self.f(1.0, 1.0), [-3.5, 3.0])

    def f(self, x, y):
        p = np.pi
        return (np.sin(3 * p * x) ** 2 + (x - 1) ** 2 * (1 + np.sin(3 * p * y) ** 2)
                + (y - 1) ** 2 * (1 + np.sin(2 * p * y) ** 2))

    def g(self, x, y):
        p = np.pi
        fx = 3 * p * np.sin(6 * p * x) + 2 * (x - 1) * (1 + np.sin(3 * p * y) ** 2)
        fy = (3 * p * (x - 1) ** 2 * np.sin(6 * p * y) + 2 * (y - 1) * (1 + np.sin(2 * p * y) ** 2)
              + 2 * p * (y - 1) ** 2 * np.sin(4 * p * y))
        return fx, fy

    def h(self, x, y):
        p = np.pi
        fxx = 18 * p * p * np.cos(6 * p * x) + 2 * (1 + np.sin(3 * p * y) ** 2)
        fxy = 6 * p * (x - 1) * np.sin(6 * p * y)
        fyy = (18 * p * p * (x - 1) ** 2 * np.cos(6 * p * y) + 2 * (1 + np.sin(2 * p * y) ** 2)
               + 8 * p * (y - 1) * np.sin(4 * p * y) + 8 * p * p * (y - 1) ** 2 * np.cos(4 * p * y))
        return fxx, fxy, fyy


class McCormick(Function2D):
    """McCormick: f = sin(x + y) + (x − y)² − 1.5x + 2.5y + 1, minimum −√3/2 − π/3 at (½ − π/3, −½ − π/3)."""

    name = "mccormick"
    PARAMS = ()

    def __init__(self):
        m = (0.5 - np.pi / 3, -0.5 - np.pi / 3)
        super().__init__({}, [[-1.5, 4], [-3, 4]], [m], self.f(*m), [-1.0, 3.0])

    def f(self, x, y):
        return np.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1

    def g(self, x, y):
        c = np.cos(x + y)
        return c + 2 * (x - y) - 1.5, c - 2 * (x - y) + 2.5

    def h(self, x, y):
        s = np.sin(x + y)
        return 2 - s, -2 - s, 2 - s


class Easom(Function2D):
    """Easom: f = −cos x·cos y·exp(−(x − π)² − (y − π)²), minimum −1 at (π, π) in a hole in a flat plateau."""

    name = "easom"
    PARAMS = ()

    def __init__(self):
        super().__init__({}, [[-2, 8], [-2, 8]], [[np.pi, np.pi]], self.f(np.pi, np.pi), [1.5, 4.5])

    def f(self, x, y):
        return -np.cos(x) * np.cos(y) * np.exp(-((x - np.pi) ** 2 + (y - np.pi) ** 2))

    def g(self, x, y):
        dx, dy = x - np.pi, y - np.pi
        e = np.exp(-(dx * dx + dy * dy))
        cx, cy, sx, sy = np.cos(x), np.cos(y), np.sin(x), np.sin(y)
        return cy * e * (sx + 2 * dx * cx), cx * e * (sy + 2 * dy * cy)

    def h(self, x, y):
        dx, dy = x - np.pi, y - np.pi
        e = np.exp(-(dx * dx + dy * dy))
        cx, cy, sx, sy = np.cos(x), np.cos(y), np.sin(x), np.sin(y)
        fxx = cy * e * (3 * cx - 4 * dx * sx - 4 * dx * dx * cx)
        fxy = -e * (sx + 2 * dx * cx) * (sy + 2 * dy * cy)
        fyy = cx * e * (3 * cy - 4 * dy * sy - 4 * dy * dy * cy)
        return fxx, fxy, fyy
