"""L-BFGS: a quasi-Newton method that builds curvature from the last few steps and gradient changes."""
from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from lab.optimizers.base import Optimizer, OptimizerSpec, lr
from lab.optimizers.explaining import num, vec
from lab.params import Param


class LBFGSState(NamedTuple):
    """s, y: the last history_size steps and gradient changes (newest last); x_prev, g_prev: the last point
    and its gradient; evaluations: extra f/g evaluations made by line searches so far; message: the last step's note."""

    s: tuple
    y: tuple
    x_prev: np.ndarray | None
    g_prev: np.ndarray | None
    evaluations: int
    message: str


def _direction(grad: np.ndarray, s: tuple, y: tuple) -> np.ndarray:
    """The two-loop recursion: −H·grad, with H the L-BFGS inverse-Hessian estimate, H₀ = (sᵀy / yᵀy)·I."""
    q = np.array(grad, dtype=float)
    alphas = []
    for si, yi in zip(reversed(s), reversed(y)):
        a = (si @ q) / (yi @ si)
        alphas.append(a)
        q = q - a * yi
    if s:
        q = q * ((s[-1] @ y[-1]) / (y[-1] @ y[-1]))
    for (si, yi), a in zip(zip(s, y), reversed(alphas)):
        b = (yi @ q) / (yi @ si)
        q = q + si * (a - b)
    return -q


def lbfgs(lr: float = 1.0, history_size: int = 10, line_search: str = "strong_wolfe") -> Optimizer:
    """L-BFGS, one outer iteration per step.

    Algorithm::

        s, y = [], []                              # last history_size pairs
        for t in range(num_steps):
            g = grad(x)
            if t > 0 and (x - x_prev)·(g - g_prev) > 1e-10: append s = x - x_prev, y = g - g_prev
            d = -H g                               # two-loop recursion, H0 = (s·y / y·y) I
            if t == 0: d = d * min(1, 1 / |g|_1)    # as torch: a cautious first step
            if line_search == "strong_wolfe": alpha = step meeting the strong Wolfe conditions
                                              (c1 = 1e-4, c2 = 0.9) along lr*d, tried from 1
            else: alpha = 1
            x = x + alpha * lr * d

    The line search's own evaluations of f and its gradient are counted in ``state.evaluations``.
    If d is not a descent direction the memory is cleared and d = −g. If the Wolfe search fails,
    it backtracks (halving) until f decreases (Armijo, c1 = 1e-4), and says so in the step's note.
    Works on one point (x of shape (d,)); it is not batched. The state shown: s, y (the pairs) and evaluations.
    """

    def init(x):
        return LBFGSState((), (), None, None, 0, "")

    def update(grad, state, x, oracle=None):
        x = np.array(x, dtype=float)  # copies: the state must not alias the caller's arrays
        g = np.array(grad, dtype=float)
        s, y, notes = state.s, state.y, []
        if not np.any(g):
            return np.zeros_like(x), LBFGSState(s, y, x, g, state.evaluations, "gradient is zero: no step")
        if state.x_prev is not None:
            si, yi = x - state.x_prev, g - state.g_prev
            if si @ yi > 1e-10:
                s, y = (s + (si,))[-history_size:], (y + (yi,))[-history_size:]
        d = _direction(g, s, y)
        if not d @ g < 0:
            if s:
                notes.append("not a descent direction: memory cleared")
            s, y, d = (), (), -g
        if state.x_prev is None:
            d = d * min(1.0, 1.0 / max(np.abs(g).sum(), 1e-300))
        d = lr * d
        evaluations = state.evaluations
        if line_search == "strong_wolfe" and np.all(np.isfinite(d)):
            alpha, used, note = _wolfe(oracle, x, g, d)
            evaluations += used
            if note:
                notes.append(note)
        else:
            alpha = 1.0
        step = alpha * d
        return step, LBFGSState(s, y, x, g, evaluations, "; ".join(notes))

    def details(grad, state, x):
        return {"evaluations": state.evaluations, "history": len(state.s)}

    def note(state):
        return state.message

    hyper = {"lr": lr, "history_size": history_size, "line_search": line_search}
    return Optimizer("lbfgs", hyper, init, update, details, note, batched=False)


def _wolfe(oracle, x: np.ndarray, g: np.ndarray, d: np.ndarray) -> tuple[float, int, str]:
    """A step alpha along d meeting the strong Wolfe conditions (scipy's line search), its evaluation count, a note."""
    from scipy.optimize import line_search

    count = [0]

    def f(z):
        count[0] += 1
        return float(oracle.value(z))

    def fprime(z):
        count[0] += 1
        return oracle.grad(z)

    f0 = f(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            alpha = line_search(f, fprime, x, d, gfk=g, old_fval=f0, c1=1e-4, c2=0.9, maxiter=20)[0]
        except (FloatingPointError, ValueError, OverflowError):
            alpha = None
    if alpha is not None and np.isfinite(alpha):
        return float(alpha), count[0], ""
    slope = float(g @ d)
    alpha = 1.0
    for _ in range(60):
        fa = f(x + alpha * d)
        if np.isfinite(fa) and fa <= f0 + 1e-4 * alpha * slope:
            return alpha, count[0], f"Wolfe line search failed: backtracked to alpha={alpha:.3g}"
        alpha *= 0.5
    return 0.0, count[0], "line search found no decrease: no step"


def explain(s) -> list[str]:
    """L-BFGS's lines with one update's numbers: the pairs it remembers, the search's evaluations, the step."""
    used = int(s.after["evaluations"]) - int(s.before["evaluations"])
    return [f"(s, y) pairs kept = {len(s.after['s'])} of {s.hp['history_size']}",
            f"d = −H·g, H from those pairs   ({used} f/∇f evaluations by the line search)",
            f"step = α·lr·d = {vec(s.step)}   (lr = {num(s.lr)})"]


SPEC = OptimizerSpec(
    "lbfgs", (lr(1.0), Param("history_size", 10, lo=1, hi=1000, kind="int", symbol="m",
                             doc="how many past steps approximate the curvature"),
              Param("line_search", "strong_wolfe", kind="choice", choices=("strong_wolfe", "none"), symbol="search",
                    doc="strong_wolfe: search along the direction; none: step lr")), lbfgs,
    rule="g = ∇f(x)\nd = −H·g   (H from the last history_size pairs s = Δx, y = Δg)\n"
         "x ← x + α·lr·d   (α from a strong-Wolfe line search, or 1)",
    summary="quasi-Newton: curvature estimated from recent steps",
    label="L-BFGS", short_label="L-BFGS",
    preset=lambda scales: {"lr": 1.0},  # a full step along the quasi-Newton direction
    batched=False, state_names={"s": "s", "y": "y", "evaluations": "evaluations"}, explain=explain)
