"""The built-in 2-D test functions (formulas and minima from the SFU Virtual Library of Simulation Experiments)."""
from __future__ import annotations

import numpy as np

from lab.objectives.base import Function2D
from lab.objectives.rugged import Ackley, Easom, Levi13, McCormick, Rastrigin
from lab.params import Param


# The value-and-gradient formulas of the float_safe objectives, each written once as a plain function of
# (x, y, *params) -> (f, fx, fy) with + − × ÷ only (t * t, never t ** 2): the same code runs on arrays, on Python
# floats (the race) and compiled by numba (the batched engine), with the same bits.

def quadratic(x, y, a00, a01, a11):
    """½ xᵀAx with A = [[a00, a01], [a01, a11]]."""
    return 0.5 * (a00 * x * x + 2 * a01 * x * y + a11 * y * y), a00 * x + a01 * y, a01 * x + a11 * y


def rosenbrock(x, y, a, b):
    """(a − x)² + b(y − x²)²."""
    t, r = a - x, y - x * x
    return t * t + b * (r * r), -2 * t - 4 * b * x * r, 2 * b * r


def saddle(x, y):
    """x² − y²."""
    return x * x - y * y, 2 * x, -2 * y


def booth(x, y):
    """(x + 2y − 7)² + (2x + y − 5)²."""
    p, q = x + 2 * y - 7, 2 * x + y - 5
    return p * p + q * q, 2 * p + 4 * q, 4 * p + 2 * q


def himmelblau(x, y):
    """(x² + y − 11)² + (x + y² − 7)²."""
    p, q = x * x + y - 11, x + y * y - 7
    return p * p + q * q, 4 * x * p + 2 * q, 2 * p + 4 * y * q


def goldstein_price(x, y):
    """A·B with A = 1 + u²P, B = 30 + v²Q (see GoldsteinPrice)."""
    a, b = _goldstein_price_parts(x, y)
    return a[0] * b[0], a[1] * b[0] + a[0] * b[1], a[2] * b[0] + a[0] * b[2]


def matyas(x, y):
    """0.26(x² + y²) − 0.48xy."""
    return 0.26 * (x * x + y * y) - 0.48 * x * y, 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


def three_hump_camel(x, y):
    """2x² − 1.05x⁴ + x⁶/6 + xy + y²."""
    x2 = x * x
    return (2 * x2 - 1.05 * x2 * x2 + x2 * x2 * x2 / 6 + x * y + y * y,
            4 * x - 4.2 * x2 * x + x2 * x2 * x + y, x + 2 * y)


class Quadratic(Function2D):
    """The lecture's ill-conditioned bowl: f = ½ xᵀAx, A = R(angle)·diag(1, kappa)·R(angle)ᵀ (angle in degrees)."""

    name = "quadratic"
    float_safe = True  # fg_formula and h use + − × ÷ only: floats, arrays and numba give the same bits
    PARAMS = (
        Param("kappa", 10.0, lo=1.0, doc="condition number of A (its eigenvalues are 1 and kappa)"),
        Param("angle", 0.0, lo=-360.0, hi=360.0, doc="rotation of the bowl's axes, in degrees"),
    )

    def __init__(self, kappa: float, angle: float):
        t = np.deg2rad(angle)
        r = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        self.A = r @ np.diag([1.0, kappa]) @ r.T
        self.A = 0.5 * (self.A + self.A.T)
        self.fg_args = (float(self.A[0, 0]), float(self.A[0, 1]), float(self.A[1, 1]))
        super().__init__({"kappa": kappa, "angle": angle}, [[-2, 2], [-2, 2]], [[0, 0]], 0.0, [-1.8, 1.2])

    fg_formula = staticmethod(quadratic)

    def h(self, x, y):
        a = self.A
        one = np.ones_like(x)
        return a[0, 0] * one, a[0, 1] * one, a[1, 1] * one


class Rosenbrock(Function2D):
    """Rosenbrock's banana valley: f = (a − x)² + b(y − x²)², minimum 0 at (a, a²)."""

    name = "rosenbrock"
    float_safe = True  # fg_formula and h use + − × ÷ only: floats, arrays and numba give the same bits
    PARAMS = (Param("a", 1.0, lo=-10.0, hi=10.0), Param("b", 100.0, lo=0.0, hi=1e4, lo_open=True))

    def __init__(self, a: float, b: float):
        self.a, self.b = a, b
        self.fg_args = (float(a), float(b))
        domain = [[min(-2.0, a - 1.0), max(2.0, a + 1.0)], [min(-1.0, a * a - 1.0), max(3.0, a * a + 1.0)]]
        super().__init__({"a": a, "b": b}, domain, [[a, a * a]], 0.0, [-1.5, 2.0])

    fg_formula = staticmethod(rosenbrock)

    def h(self, x, y):
        b = self.b
        return 2 - 4 * b * (y - x * x) + 8 * b * x * x, -4 * b * x, 2 * b * np.ones_like(y)


def _newton_polish(obj: Function2D, seed, steps: int = 60) -> np.ndarray:
    """A critical point of ``obj`` near ``seed``: Newton's method on the gradient, run to full float precision."""
    p = np.asarray(seed, dtype=float)
    for _ in range(steps):
        gx, gy = obj.g(p[0], p[1])
        hxx, hxy, hyy = obj.h(p[0], p[1])
        step = np.linalg.solve(np.array([[hxx, hxy], [hxy, hyy]], dtype=float), np.array([gx, gy], dtype=float))
        p = p - step
        if np.all(np.abs(step) <= 1e-17 * np.maximum(1.0, np.abs(p))):
            break
    return p


def _full(x, value: float) -> np.ndarray:
    return np.full(np.shape(x), value, dtype=float)


class Saddle(Function2D):
    """The plain saddle: f = x² − y², no minimum (unbounded below along y); the origin is a saddle point."""

    name = "saddle"
    float_safe = True  # fg_formula and h use + − × ÷ only: floats, arrays and numba give the same bits
    PARAMS = ()

    def __init__(self):
        super().__init__({}, [[-2, 2], [-2, 2]], [], None, [-1.5, 0.01])

    fg_formula = staticmethod(saddle)

    def h(self, x, y):
        return _full(x, 2.0), _full(x, 0.0), _full(x, -2.0)


class MonkeySaddle(Function2D):
    """The monkey saddle: f = x³ − 3xy², no minimum; at the origin gradient and Hessian both vanish."""

    name = "monkey_saddle"
    PARAMS = ()

    def __init__(self):
        super().__init__({}, [[-2, 2], [-2, 2]], [], None, [1.5, 0.1])

    def f(self, x, y):
        return x ** 3 - 3 * x * y * y

    def g(self, x, y):
        return 3 * x * x - 3 * y * y, -6 * x * y

    def h(self, x, y):
        return 6 * x, -6 * y, -6 * x


class Beale(Function2D):
    """Beale: f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², minimum 0 at (3, ½)."""

    name = "beale"
    PARAMS = ()

    def __init__(self):
        super().__init__({}, [[-4.5, 4.5], [-4.5, 4.5]], [[3.0, 0.5]], self.f(3.0, 0.5), [1.0, 1.5])

    def f(self, x, y):
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2

    def g(self, x, y):
        t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3
        fx = 2 * (t1 * (y - 1) + t2 * (y ** 2 - 1) + t3 * (y ** 3 - 1))
        fy = 2 * x * (t1 + 2 * t2 * y + 3 * t3 * y ** 2)
        return fx, fy

    def h(self, x, y):
        t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3
        fxx = 2 * ((y - 1) ** 2 + (y ** 2 - 1) ** 2 + (y ** 3 - 1) ** 2)
        fxy = 2 * (x * (y - 1) + t1 + 2 * y * (x * (y ** 2 - 1) + t2) + 3 * y ** 2 * (x * (y ** 3 - 1) + t3))
        fyy = 2 * (x * x * (1 + 4 * y ** 2 + 9 * y ** 4) + 2 * x * t2 + 6 * x * y * t3)
        return fxx, fxy, fyy


class Booth(Function2D):
    """Booth: f = (x + 2y − 7)² + (2x + y − 5)², minimum 0 at (1, 3)."""

    name = "booth"
    float_safe = True  # fg_formula and h use + − × ÷ only: floats, arrays and numba give the same bits
    PARAMS = ()

    def __init__(self):
        super().__init__({}, [[-10, 10], [-10, 10]], [[1.0, 3.0]], self.f(1.0, 3.0), [-8.0, 8.0])

    fg_formula = staticmethod(booth)

    def h(self, x, y):
        return _full(x, 10.0), _full(x, 8.0), _full(x, 10.0)


class Himmelblau(Function2D):
    """Himmelblau: f = (x² + y − 11)² + (x + y² − 7)², four minima of value 0, e.g. at (3, 2)."""

    name = "himmelblau"
    float_safe = True  # fg_formula and h use + − × ÷ only: floats, arrays and numba give the same bits
    PARAMS = ()
    #: the published 6-digit locations, polished by Newton's method in ``__init__``
    SEEDS = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))

    def __init__(self):
        minima = [_newton_polish(self, s) for s in self.SEEDS]
        min_value = min(float(self.f(*m)) for m in minima)
        super().__init__({}, [[-5, 5], [-5, 5]], minima, min_value, [-0.3, -0.7])

    fg_formula = staticmethod(himmelblau)

    def h(self, x, y):
        p, q = x * x + y - 11, x + y * y - 7
        return 4 * p + 8 * x * x + 2, 4 * (x + y), 4 * q + 8 * y * y + 2


def _product_hessian(u, ux, uy, P, Px, Py, Pxx, Pxy, Pyy):
    """Value, gradient and Hessian of u²·P for an affine u (constant ux, uy) and a quadratic P."""
    val = u * u * P
    gx = 2 * u * ux * P + u * u * Px
    gy = 2 * u * uy * P + u * u * Py
    hxx = 2 * ux * ux * P + 4 * u * ux * Px + u * u * Pxx
    hxy = 2 * ux * uy * P + 2 * u * (ux * Py + uy * Px) + u * u * Pxy
    hyy = 2 * uy * uy * P + 4 * u * uy * Py + u * u * Pyy
    return val, gx, gy, hxx, hxy, hyy


def _goldstein_price_parts(x, y):
    """Goldstein–Price's A = 1 + u²P and B = 30 + v²Q, each as (value, ∂x, ∂y, ∂xx, ∂xy, ∂yy)."""
    u = x + y + 1
    P = 19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y
    Pxy = -14 + 6 * x + 6 * y
    A = _product_hessian(u, 1.0, 1.0, P, Pxy, Pxy, 6.0, 6.0, 6.0)
    v = 2 * x - 3 * y
    Q = 18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y
    B = _product_hessian(v, 2.0, -3.0, Q, -32 + 24 * x - 36 * y, 48 - 36 * x + 54 * y, 24.0, -36.0, 54.0)
    return (1 + A[0], A[1], A[2], A[3], A[4], A[5]), (30 + B[0], B[1], B[2], B[3], B[4], B[5])


class GoldsteinPrice(Function2D):
    """Goldstein–Price: f = [1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·[30 + (2x−3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)], minimum 3 at (0, −1)."""

    name = "goldstein_price"
    float_safe = True  # fg_formula and h use + − × ÷ only: floats, arrays and numba give the same bits
    PARAMS = ()

    def __init__(self):
        super().__init__({}, [[-2, 2], [-2, 2]], [[0.0, -1.0]], self.f(0.0, -1.0), [0.2, 0.2])

    fg_formula = staticmethod(goldstein_price)

    def h(self, x, y):
        (a, ax, ay, axx, axy, ayy), (b, bx, by, bxx, bxy, byy) = _goldstein_price_parts(x, y)
        return (axx * b + 2 * ax * bx + a * bxx,
                axy * b + ax * by + ay * bx + a * bxy,
                ayy * b + 2 * ay * by + a * byy)


class SixHumpCamel(Function2D):
    """Six-hump camel: f = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y², two minima ≈ −1.0316 at ±(0.0898, −0.7127)."""

    name = "six_hump_camel"
    PARAMS = ()

    def __init__(self):
        m = _newton_polish(self, (0.0898, -0.7126))
        super().__init__({}, [[-2, 2], [-1, 1]], [m, -m], self.f(*m), [1.9, 0.9])

    def f(self, x, y):
        x2 = x * x
        return (4 - 2.1 * x2 + x2 * x2 / 3) * x2 + x * y + (-4 + 4 * y * y) * y * y

    def g(self, x, y):
        x2 = x * x
        return 8 * x - 8.4 * x2 * x + 2 * x2 * x2 * x + y, x - 8 * y + 16 * y ** 3

    def h(self, x, y):
        x2 = x * x
        return 8 - 25.2 * x2 + 10 * x2 * x2, _full(x, 1.0), -8 + 48 * y * y


class StyblinskiTang(Function2D):
    """Styblinski–Tang: f = ½(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y), minimum −78.3323… at x = y = −2.9035…"""

    name = "styblinski_tang"
    PARAMS = ()

    def __init__(self):
        m = _newton_polish(self, (-2.9, -2.9))
        super().__init__({}, [[-5, 5], [-5, 5]], [m], self.f(*m), [0.2, 4.5])

    def f(self, x, y):
        return 0.5 * (x ** 4 - 16 * x * x + 5 * x + y ** 4 - 16 * y * y + 5 * y)

    def g(self, x, y):
        return 2 * x ** 3 - 16 * x + 2.5, 2 * y ** 3 - 16 * y + 2.5

    def h(self, x, y):
        return 6 * x * x - 16, _full(x, 0.0), 6 * y * y - 16


class Matyas(Function2D):
    """Matyas: f = 0.26(x² + y²) − 0.48xy, minimum 0 at (0, 0) at the bottom of a flat diagonal valley."""

    name = "matyas"
    float_safe = True  # fg_formula and h use + − × ÷ only: floats, arrays and numba give the same bits
    PARAMS = ()

    def __init__(self):
        super().__init__({}, [[-10, 10], [-10, 10]], [[0.0, 0.0]], self.f(0.0, 0.0), [8.0, -3.0])

    fg_formula = staticmethod(matyas)

    def h(self, x, y):
        return _full(x, 0.52), _full(x, -0.48), _full(x, 0.52)


class ThreeHumpCamel(Function2D):
    """Three-hump camel: f = 2x² − 1.05x⁴ + x⁶/6 + xy + y², minimum 0 at (0, 0) and two local minima."""

    name = "three_hump_camel"
    float_safe = True  # fg_formula and h use + − × ÷ only: floats, arrays and numba give the same bits
    PARAMS = ()

    def __init__(self):
        super().__init__({}, [[-2, 2], [-2, 2]], [[0.0, 0.0]], self.f(0.0, 0.0), [1.9, 1.9])

    fg_formula = staticmethod(three_hump_camel)

    def h(self, x, y):
        x2 = x * x
        return 4 - 12.6 * x2 + 5 * x2 * x2, _full(x, 1.0), _full(x, 2.0)


ALL = (Quadratic, Saddle, MonkeySaddle, Rosenbrock, Beale, Booth, Himmelblau, Rastrigin, Ackley, GoldsteinPrice,
       SixHumpCamel, StyblinskiTang, Matyas, ThreeHumpCamel, Levi13, McCormick, Easom)
