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


def _dot(a: np.ndarray, b: np.ndarray):
    """aᵀb over the last axis — the same arithmetic for one point (d,) and for a batch (K, d), row by row."""
    return (a * b).sum(axis=-1)


def _direction(grad: np.ndarray, s: tuple, y: tuple) -> np.ndarray:
    """The two-loop recursion: −H·grad, with H the L-BFGS inverse-Hessian estimate, H₀ = (sᵀy / yᵀy)·I."""
    q = np.array(grad, dtype=float)
    alphas = []
    for si, yi in zip(reversed(s), reversed(y)):
        a = _dot(si, q) / _dot(yi, si)
        alphas.append(a)
        q = q - a * yi
    if s:
        q = q * (_dot(s[-1], y[-1]) / _dot(y[-1], y[-1]))
    for (si, yi), a in zip(zip(s, y), reversed(alphas)):
        b = _dot(yi, q) / _dot(yi, si)
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

    One point (x of shape (d,)): the loop above, state ``LBFGSState``. A batch (x of shape (K, d), the batched
    engine: basin maps, sweeps, tuning): every point its own history, in ``BatchState`` arrays, the two-loop
    recursion run for all points at once with the same arithmetic (so each point takes the bits of its one-point
    run), and the line search point by point; ``lr`` may then be one value per point, shape (K, 1).
    The state shown (explain): s, y (the pairs) and evaluations.
    """

    def init(x):
        if np.ndim(x) == 2:
            return _batch_init(np.asarray(x, dtype=float), history_size)
        return LBFGSState((), (), None, None, 0, "")

    def update(grad, state, x, oracle=None):
        if isinstance(state, BatchState):
            return _batch_update(grad, state, x, oracle, lr, line_search)
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
        if isinstance(state, BatchState):
            return {"evaluations": state.evaluations, "history": state.n}
        return {"evaluations": state.evaluations, "history": len(state.s)}

    def note(state):
        return "" if isinstance(state, BatchState) else state.message

    hyper = {"lr": lr, "history_size": history_size, "line_search": line_search}
    return Optimizer("lbfgs", hyper, init, update, details, note)


class BatchState(NamedTuple):
    """L-BFGS for K points: s, y (K, m, d) with each point's last n pairs in its last n slots (newest last);
    x_prev, g_prev (K, d); started (K,): a first step was taken; evaluations (K,): the line searches' counts."""

    s: np.ndarray
    y: np.ndarray
    n: np.ndarray
    x_prev: np.ndarray
    g_prev: np.ndarray
    started: np.ndarray
    evaluations: np.ndarray


def _batch_init(x: np.ndarray, m: int) -> BatchState:
    k, d = x.shape
    return BatchState(np.zeros((k, m, d)), np.zeros((k, m, d)), np.zeros(k, dtype=np.int64), np.zeros((k, d)),
                      np.zeros((k, d)), np.zeros(k, dtype=bool), np.zeros(k, dtype=np.int64))


def _batch_direction(g: np.ndarray, s: np.ndarray, y: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``_direction`` for every point at once: slot i of a point is used when i >= m − n (its pairs)."""
    m = s.shape[1]
    q = np.array(g, dtype=float)
    alphas = [None] * m
    for i in range(m - 1, -1, -1):
        used = i >= m - n
        if not used.any():
            break
        with np.errstate(all="ignore"):
            a = _dot(s[:, i], q) / _dot(y[:, i], s[:, i])
        alphas[i] = a
        q = np.where(used[:, None], q - a[:, None] * y[:, i], q)
    held = n > 0
    if held.any():
        with np.errstate(all="ignore"):
            scale = _dot(s[:, -1], y[:, -1]) / _dot(y[:, -1], y[:, -1])
        q = np.where(held[:, None], q * scale[:, None], q)
    for i in range(m):
        if alphas[i] is None:
            continue
        used = i >= m - n
        with np.errstate(all="ignore"):
            b = _dot(y[:, i], q) / _dot(y[:, i], s[:, i])
        q = np.where(used[:, None], q + s[:, i] * (alphas[i] - b)[:, None], q)
    return -q


def _batch_update(grad, state: BatchState, x, oracle, lr, line_search):
    """One L-BFGS step for every point of a batch: each point exactly as the one-point ``update``."""
    x = np.array(x, dtype=float)
    g = np.array(grad, dtype=float)
    moving = np.any(g != 0, axis=1)  # a zero gradient: no step, no new pair (as one point)
    s, y, n = state.s, state.y, state.n
    with np.errstate(all="ignore"):
        si, yi = x - state.x_prev, g - state.g_prev
        fresh = moving & state.started & (_dot(si, yi) > 1e-10)
    if fresh.any():
        s, y = s.copy(), y.copy()
        s[fresh, :-1], y[fresh, :-1] = s[fresh, 1:], y[fresh, 1:]
        s[fresh, -1], y[fresh, -1] = si[fresh], yi[fresh]
        n = np.where(fresh, np.minimum(n + 1, s.shape[1]), n)
    d = _batch_direction(g, s, y, n)
    with np.errstate(all="ignore"):
        descent = _dot(d, g) < 0
    d = np.where(descent[:, None], d, -g)
    n = np.where(descent | ~moving, n, 0)  # memory cleared, except where no step is taken
    first = ~state.started
    if first.any():
        with np.errstate(all="ignore"):
            cautious = np.minimum(1.0, 1.0 / np.maximum(np.abs(g).sum(axis=1), 1e-300))
        d = np.where(first[:, None], d * cautious[:, None], d)
    d = lr * d
    alpha = np.ones(len(x))
    evaluations = state.evaluations.copy()
    if line_search == "strong_wolfe":
        for k in np.flatnonzero(moving & np.isfinite(d).all(axis=1)):
            alpha[k], used, _ = _wolfe(oracle, x[k], g[k], d[k])
            evaluations[k] += used
    step = np.where(moving[:, None], alpha[:, None] * d, 0.0)
    return step, BatchState(s, y, n, x, g, np.ones(len(x), dtype=bool), evaluations)


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
    per_point=("lr",), state_names={"s": "s", "y": "y", "evaluations": "evaluations"}, explain=explain)
