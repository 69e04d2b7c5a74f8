"""Gradient descent (SGD when the gradient comes from a minibatch), with torch's weight decay and an Armijo line search."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lab.optimizers import pieces
from lab.optimizers.base import Optimizer, OptimizerSpec, lr
from lab.optimizers.elementwise import per_coordinate
from lab.optimizers.explaining import num, vec, weight_decay_lines
from lab.optimizers.scales import round_down
from lab.optimizers.shared import WEIGHT_DECAY
from lab.params import Param

ARMIJO_C = 1e-4
"""The sufficient-decrease constant: accept α when f(x − α·g) ≤ f(x) − ARMIJO_C·α·|g|²."""
ARMIJO_HALVINGS = 50
"""At most this many halvings of α from lr; after them the last α is taken whatever f does."""
ARMIJO_NOTE = f"Armijo: no sufficient decrease within {ARMIJO_HALVINGS} halvings; stepped with α = lr/2^{ARMIJO_HALVINGS}"


class SGDState(NamedTuple):
    """Plain gradient descent keeps nothing."""


class ArmijoState(NamedTuple):
    """count: the steps taken (for a schedule); per point (arrays of the points' shape, x.shape[:-1]): alpha, the
    step size the last search accepted (lr before the first step); evaluations, the objective evaluations all
    searches made so far (f(x) and every trial); exhausted, whether the last search ran out of halvings."""

    count: int
    alpha: np.ndarray
    evaluations: np.ndarray
    exhausted: np.ndarray


def rule(g, x, t, lr, weight_decay=0.0):
    """One coordinate: g ← g + weight_decay·x (torch's weight decay), the step −lr·g."""
    if weight_decay:
        g = g + weight_decay * x
    return (-lr * g,)


def armijo_search(oracle, x: np.ndarray, g: np.ndarray, lr, weight_decay: float = 0.0):
    """Backtracking from α = lr, halving while φ(x − α·g) > φ(x) − ARMIJO_C·α·|g|², every point on its own.

    φ = f + ½·weight_decay·|x|² (its gradient is the g given, already holding weight_decay·x); x and g are (..., d)
    and lr a number or one per point (broadcasting against x's points). Returns (alpha, evaluations, exhausted),
    each of shape x.shape[:-1]: the accepted α (after ARMIJO_HALVINGS halvings, the last one), the evaluations
    made (f(x) and each trial point) and whether the halvings ran out.
    """
    points = x.shape[:-1]
    d = x.shape[-1]
    xs, gs = x.reshape(-1, d), g.reshape(-1, d)
    alpha = np.array(np.broadcast_to(np.asarray(lr, dtype=float), points + (1,)), dtype=float).reshape(-1)

    def phi(z):
        value = np.asarray(oracle.value(z), dtype=float).reshape(-1)
        if weight_decay:
            value = value + 0.5 * weight_decay * np.sum(z * z, axis=-1)
        return value

    fx = phi(xs)
    gg = np.sum(gs * gs, axis=-1)
    evaluations = np.ones(len(xs), dtype=np.int64)
    pending = np.arange(len(xs))
    for halving in range(ARMIJO_HALVINGS + 1):
        a = alpha[pending]
        trial = xs[pending] - a[:, None] * gs[pending]
        accepted = phi(trial) <= fx[pending] - ARMIJO_C * a * gg[pending]
        evaluations[pending] += 1
        pending = pending[~accepted]
        if not pending.size or halving == ARMIJO_HALVINGS:
            break
        alpha[pending] = alpha[pending] * 0.5
    exhausted = np.zeros(len(xs), dtype=bool)
    exhausted[pending] = True
    return alpha.reshape(points), evaluations.reshape(points), exhausted.reshape(points)


def sgd(lr: float, weight_decay: float = 0.0, line_search: str = "none") -> Optimizer:
    """Gradient descent; stochastic when the gradient comes from a minibatch.

    Algorithm::

        for t in range(num_steps):
            g = grad(x)
            if weight_decay != 0: g = g + weight_decay * x          # torch's (coupled) weight decay
            alpha = lr                                               # (the scheduled lr, with a schedule)
            if line_search == "armijo":                              # backtracking from lr
                while phi(x - alpha * g) > phi(x) - 1e-4 * alpha * |g|² and alpha > lr / 2**50:
                    alpha = alpha / 2                                # at most 50 halvings: then the last alpha
            x = x - alpha * g

    φ = f + ½·weight_decay·|x|², the function whose gradient g is (f itself when weight_decay = 0). Without the
    line search this is torch's ``SGD(lr, weight_decay=weight_decay)``. The search's evaluations of f (f(x) and
    every trial point, lr/2⁵⁰ included) are counted in ``state.evaluations``, per point; it needs the objective
    (``oracle``), so it is not a per-coordinate rule, but it still steps many points at once, each with its own α.
    With the shared pieces, the gradient is clipped before the weight decay and the search starts from the
    scheduled lr.

    The state: none; with the search, alpha (the α accepted) and evaluations (f evaluations so far).
    Example: ``sgd(lr=0.1)`` on f = ½x² from x = 1 gives 0.9, 0.81, ...; with weight_decay = 1 it is
    gradient descent on x², 0.8, 0.64, ...
    """
    if line_search == "armijo":
        return _armijo({**pieces.DEFAULTS, "lr": lr, "weight_decay": weight_decay})
    hyper = {"lr": lr, "weight_decay": weight_decay, "line_search": line_search}

    def details(grad, state, x):
        return {"effective_lr": np.full(np.shape(x), lr)}

    return per_coordinate("sgd", hyper, rule, SGDState, details)


def _armijo(values: dict) -> Optimizer:
    """sgd with the Armijo search, taking the shared pieces itself (it is not a rule): the gradient clipped
    (clip_value, then clip_norm) before the weight decay, the search started from the scheduled lr."""
    lr, weight_decay = values["lr"], values["weight_decay"]
    on = pieces.active(values)
    schedule = None
    if "schedule" in on:
        schedule = (pieces.SCHEDULES.index(values["schedule"]), values["step_size"], values["gamma"],
                    values["t_max"], values["lr_min"], values["warmup"])
    clip_value, clip_norm = on.get("clip_value"), on.get("clip_norm")

    def lr_at(t):
        return lr if schedule is None else pieces.scheduled_lr(t, lr, *schedule)

    def init(x):
        points = np.shape(x)[:-1]
        return ArmijoState(0, np.array(np.broadcast_to(np.asarray(lr, dtype=float), points + (1,))[..., 0]),
                           np.zeros(points, dtype=np.int64), np.zeros(points, dtype=bool))

    def clipped(g):
        if clip_value is not None:
            g = pieces.clip_value(g, clip_value)
        if clip_norm is not None:
            g = g * pieces.clip_factor(np.sqrt(np.sum(g * g, axis=-1, keepdims=True)), clip_norm)
        return g

    def update(grad, state, x, oracle=None):
        if oracle is None:
            raise ValueError("sgd's Armijo line search needs the objective")
        x = np.asarray(x, dtype=float)
        g = clipped(np.asarray(grad, dtype=float))
        if weight_decay:
            g = g + weight_decay * x
        alpha, evaluations, exhausted = armijo_search(oracle, x, g, lr_at(state.count), weight_decay)
        step = -(alpha[..., None] * g)
        return step, ArmijoState(state.count + 1, alpha, np.array(state.evaluations + evaluations), exhausted)

    update.clip = clipped  # what an explanation asks: the gradient it stepped on, and the α it took
    update.lr_used = lambda before, after: float(np.asarray(after.alpha).reshape(-1)[0])

    def details(grad, state, x):
        out = {"effective_lr": np.broadcast_to(state.alpha[..., None], np.shape(x)).copy(),
               "evaluations": state.evaluations}
        if schedule is not None:
            out["lr"] = lr_at(state.count)
        return out

    def note(state):
        exhausted = np.asarray(state.exhausted)
        if not exhausted.any():
            return ""
        return ARMIJO_NOTE if exhausted.size == 1 else f"{ARMIJO_NOTE} (at {int(exhausted.sum())} points)"

    hyper = {"lr": lr, "weight_decay": weight_decay, "line_search": "armijo", **on}
    return Optimizer("sgd", hyper, init, update, details, note)


def explain(s) -> list[str]:
    """SGD's lines with one update's numbers: the weight decay, the step size (the search's α), the step."""
    lines = weight_decay_lines(s)
    if s.hp["line_search"] == "armijo":
        tries = int(s.after["evaluations"]) - int(s.before["evaluations"]) - 1
        return lines + [f"α = {num(s.lr)}   (from lr, halved until f(x − α·g) ≤ f(x) − 10⁻⁴·α·|g|²: {tries} tries)",
                        f"step = −α·g = {vec(s.step)}"]
    return lines + [f"step = −lr·g = {vec(s.step)}"]


def state_names(hp: dict) -> dict:
    """Plain SGD keeps nothing; with the Armijo search: the α it accepted and the evaluations so far."""
    return {"alpha": "alpha", "evaluations": "evaluations"} if hp["line_search"] == "armijo" else {}


class SGDSpec(OptimizerSpec):
    """sgd's spec: with line_search=armijo its optimizer evaluates f, so it is built here rather than from the
    rule (it takes the schedule and clipping all the same)."""

    def build(self, **values) -> Optimizer:
        if values.get("line_search") == "armijo":
            return _armijo({**pieces.DEFAULTS, **values})
        return super().build(**values)


SPEC = SGDSpec(
    "sgd", (lr(1e-3), WEIGHT_DECAY,
            Param("line_search", "none", kind="choice", choices=("none", "armijo"), symbol="search",
                  doc="none: step lr; armijo: halve from lr until f(x − α·g) ≤ f(x) − 1e-4·α·|g|² (at most 50 times)")),
    sgd,
    rule="g = ∇f(x) + wd·x\nx ← x − α·g   (α = lr, or halved from lr until f(x − α·g) ≤ f(x) − 10⁻⁴·α·|g|²)",
    summary="gradient descent (SGD on minibatches), optionally with an Armijo line search",
    label="SGD", short_label="SGD",
    # The search halves α until f decreases: no lr is unstable with it.
    lr_bound=lambda hp: math.inf if hp["line_search"] == "armijo" else 2.0,
    lr_bound_text="2/λmax (no bound with the Armijo search)",
    # Past 1/L so that steep directions overshoot and come back (the lecture's zigzag), inside 2/L.
    preset=lambda scales: {"lr": round_down(1.5 / scales.curvature)},
    per_point=("lr",), lecture=True, state_names=state_names, explain=explain)
