"""A typed-in objective f(x, y): exact gradient and Hessian by symbolic differentiation, compiled to NumPy.

Building the objective checks the text with lab.expression's whitelist (no sympy: listing objectives stays
fast). The first evaluation imports sympy, builds the expression tree from the checked syntax tree, derives
∇f and ∇²f with sympy.diff and compiles the three with sympy.lambdify, applied to our own sympy trees, never
to the text. The result is kept per formula text (the window compiles a typed formula off the GUI thread, then
the race builds its own objective from the same text: the second costs nothing).
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, NamedTuple

import numpy as np

from lab.errors import LabError
from lab.expression import ExpressionError, read_formula, to_sympy
from lab.objectives.base import Function2D
from lab.params import Param

Compiled = Callable[[np.ndarray, np.ndarray], list]


def _bound(name: str, default: float) -> Param:
    return Param(name, default, lo=-1e6, hi=1e6, doc="the plotting domain's edge")


class Derivatives(NamedTuple):
    """A sympy expression f and its exact derivatives [f_x, f_y] and [f_xx, f_xy, f_yy]."""

    f: Any
    grad: list
    hessian: list


def derivatives(expr: Any) -> Derivatives:
    """f, ∇f and ∇²f of a sympy expression in the real symbols x and y, by sympy.diff.

    Where a derivative holds a Dirac delta (d²|x|/dx² = 2δ(x)) it is taken as 0, its value almost everywhere.
    """
    import sympy

    x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)

    def diff(e, v):
        return sympy.diff(e, v).replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)

    gx, gy = diff(expr, x), diff(expr, y)
    return Derivatives(expr, [gx, gy], [diff(gx, x), diff(gx, y), diff(gy, y)])


def compile_numpy(exprs: list) -> Compiled:
    """One NumPy function (x, y) -> [e(x, y) for e in exprs], each an array of the broadcast shape of x and y
    (constants too); invalid operations give NaN or inf silently."""
    import sympy

    x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    fn = sympy.lambdify((x, y), exprs, modules="numpy", cse=True)

    def evaluate(xs: np.ndarray, ys: np.ndarray) -> list:
        with np.errstate(all="ignore"):
            out = fn(xs, ys)
        shape = np.broadcast_shapes(np.shape(xs), np.shape(ys))
        arrays = [np.asarray(v, dtype=float) for v in out]
        return [v if v.shape == shape else np.full(shape, v) for v in arrays]

    return evaluate


@functools.lru_cache(maxsize=32)
def _compiled_formula(expr: str) -> tuple[Derivatives, Compiled, Compiled, Compiled]:
    """f, ∇f and ∇²f of the (checked) formula ``expr``, derived and compiled once per text; errors are not kept."""
    d = derivatives(to_sympy(read_formula(expr)))
    return d, compile_numpy([d.f]), compile_numpy(d.grad), compile_numpy(d.hessian)


class Custom(Function2D):
    """A typed-in formula: f = expr(x, y), with its exact gradient and Hessian derived by sympy.

    ``expr`` allows numbers, x, y, pi, e, + − * / **, parentheses and the functions of lab.expression.FUNCTIONS;
    anything else is refused when the objective is built, saying what and where. The domain is
    [xmin, xmax] × [ymin, ymax]; minima unknown (none listed, min_value None). Where f is undefined (log of a
    negative number) values are NaN, and a racer that steps there is marked diverged.
    """

    name = "custom"
    PARAMS = (Param("expr", "x**2 + 10*y**2", kind="str", doc="a formula in x and y, e.g. sin(x)*cos(y)"),
              _bound("xmin", -3.0), _bound("xmax", 3.0), _bound("ymin", -3.0), _bound("ymax", 3.0))

    def __init__(self, expr: str, xmin: float, xmax: float, ymin: float, ymax: float):
        if not (xmin < xmax and ymin < ymax):
            raise LabError(f"objective 'custom': the domain needs xmin < xmax and ymin < ymax, got "
                           f"[{xmin:g}, {xmax:g}] × [{ymin:g}, {ymax:g}]")
        try:
            self.formula = read_formula(expr)
        except ExpressionError as exc:
            raise LabError(f"objective 'custom' parameter expr: {exc}") from None
        self._compiled: tuple[Derivatives, Compiled, Compiled, Compiled] | None = None
        self._lock = threading.Lock()
        centre = np.array([0.5 * (xmin + xmax), 0.5 * (ymin + ymax)])
        half = 0.5 * np.array([xmax - xmin, ymax - ymin])
        super().__init__({"expr": expr, "xmin": xmin, "xmax": xmax, "ymin": ymin, "ymax": ymax},
                         [[xmin, xmax], [ymin, ymax]], np.empty((0, 2)), None, centre + half * [-0.75, 0.5],
                         f"f = {expr.strip()}; exact derivatives by sympy")

    def compile(self) -> tuple[Derivatives, Compiled, Compiled, Compiled]:
        """(derivatives, f, ∇f, ∇²f as NumPy functions), made on the first call (imports sympy); LabError if
        sympy refuses the formula (1/(x - x)) or it cannot be compiled."""
        with self._lock:
            if self._compiled is None:
                where = "objective 'custom' parameter expr"
                try:
                    self._compiled = _compiled_formula(self.params["expr"])
                except ExpressionError as exc:
                    raise LabError(f"{where}: {exc}") from None
                except (RecursionError, MemoryError, SyntaxError) as exc:
                    raise LabError(f"{where}: the formula is too complex to compile ({type(exc).__name__})") from None
            return self._compiled

    @property
    def derivatives(self) -> Derivatives:
        """The sympy expressions of f, ∇f and ∇²f (for showing them)."""
        return self.compile()[0]

    def f(self, x, y):
        return self.compile()[1](x, y)[0]

    def g(self, x, y):
        return tuple(self.compile()[2](x, y))

    def h(self, x, y):
        return tuple(self.compile()[3](x, y))
