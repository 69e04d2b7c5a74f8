"""One update rule, several speeds: an optimizer that acts on each coordinate alone is written once, as a rule.

A rule is a plain function of one coordinate::

    rule(g, x, t, *state, *hyperparameters) -> (step, *state)

``g`` the gradient's coordinate, ``x`` the point's, ``t`` the step number (1, 2, ...), ``state`` the
optimizer's per-coordinate state in the order of its NamedTuple's fields (a leading ``count`` field is the
step counter, not a coordinate), the hyperparameters by their names. It uses + − × ÷, ``**`` only as
``beta ** t`` on plain numbers, comparisons on hyperparameters, and the names ``sqrt``, ``maximum``,
``minimum`` and ``select`` (np.where). Those names are bound per speed, by running the same code object with other globals (``rebind``):

- ``ARRAY``: ``np.sqrt``/``np.maximum``: the rule applied to whole arrays (..., d) at once; a hyperparameter
  may be an array too (one value per point of a batch). This is the optimizer's ``update``.
- ``FLOAT``: ``math.sqrt`` and a NaN-keeping max: the rule on Python floats (lab/optimizers/float_steps.py,
  from code generated out of the rule's own source by lab/optimizers/float_code.py), for the race's one-racer speed (a NumPy call on a 2-vector costs ~0.3 µs, a float
  operation ~0.02 µs).
- compiled: the FLOAT binding, handed to numba (lab/engine/compiled.py), in a loop over points.

+ − × ÷ and √ are correctly rounded on floats and on arrays alike, and the expressions are the same code,
so all speeds give the same bits (tests/test_elementwise.py). NumPy's ``x ** 2`` is ``x * x`` while
CPython's calls pow(): rules write ``g * g``.
"""
from __future__ import annotations

import inspect
import math
import types
from typing import Any, Callable, NamedTuple

import numpy as np

from lab.optimizers import pieces
from lab.optimizers.optimizer import Optimizer


def float_max(a, b):
    """np.maximum on floats: NaN if either is NaN."""
    if a >= b:
        return a
    if b > a:
        return b
    return a + b  # one of them is NaN


def float_min(a, b):
    """np.minimum on floats: NaN if either is NaN."""
    if a <= b:
        return a
    if b < a:
        return b
    return a + b  # one of them is NaN


def float_select(condition, a, b):
    """np.where on floats."""
    return a if condition else b


ARRAY = {"sqrt": np.sqrt, "maximum": np.maximum, "minimum": np.minimum, "select": np.where}
FLOAT = {"sqrt": math.sqrt, "maximum": float_max, "minimum": float_min, "select": float_select}

# The names a rule's module sees when it is read (the array binding, as ``update`` runs it).
sqrt = np.sqrt
maximum = np.maximum
minimum = np.minimum
select = np.where


def rebind(rule: Callable, ops: dict) -> Callable:
    """The same code as ``rule`` with ``sqrt`` and ``maximum`` taken from ``ops``."""
    return types.FunctionType(rule.__code__, {**rule.__globals__, **ops}, rule.__name__, rule.__defaults__,
                              rule.__closure__)


def tail_names(rule: Callable, n_state: int) -> tuple[str, ...]:
    """The rule's hyperparameter names: its arguments after g, x, t and the state."""
    return tuple(inspect.signature(rule).parameters)[3 + n_state:]


def tail_values(rule: Callable, n_state: int, hyperparameters: dict) -> tuple:
    """The rule's hyperparameters in its argument order (a missing one takes the rule's default)."""
    params = inspect.signature(rule).parameters
    return tuple(hyperparameters[n] if n in hyperparameters else params[n].default
                 for n in tail_names(rule, n_state))


def per_coordinate(name: str, hyperparameters: dict, rule: Callable, state_type: type,
                   details: Callable | None = None, note: Callable | None = None) -> Optimizer:
    """An Optimizer whose ``update`` is ``rule`` over arrays, with ``state_type`` (a NamedTuple) as its state.

    ``state_type``'s fields are per-coordinate arrays, except a first field ``count`` (the steps taken).
    The returned ``update`` carries ``rule``, ``state_type`` and the hyperparameters in the rule's order
    (``update.rule``, ``update.state_type``, ``update.tail``): the engines' faster paths read them there, so an
    optimizer whose update was replaced has none.
    """
    fields = state_type._fields
    counted = bool(fields) and fields[0] == "count"
    n_state = len(fields) - counted
    tail = tail_values(rule, n_state, hyperparameters)
    array_rule = rebind(rule, ARRAY)

    def init(x):
        zeros = np.zeros_like(x, dtype=float)
        return state_type(0, *([zeros] * n_state)) if counted else state_type(*([zeros] * n_state))

    def step(grad, state, x, tail):
        if counted:
            t = state.count + 1
            out = array_rule(grad, x, t, *state[1:], *tail)
            return out[0], state_type(t, *out[1:])
        out = array_rule(grad, x, 0, *state, *tail)
        return out[0], state_type(*out[1:])

    def update(grad, state, x, oracle=None):
        return step(grad, state, x, tail)

    update.rule, update.state_type, update.tail, update.step = rule, state_type, tail, step

    def no_details(grad, state, x):
        return {}

    return Optimizer(name, dict(hyperparameters), init, update, details or no_details, note)


class Scheduled(NamedTuple):
    """The state of a first-order optimizer with a learning-rate schedule: count t (steps taken), its own state."""

    count: int
    inner: Any


class Pieces(NamedTuple):
    """A rule's pieces, as its update carries them (``update.pieces``): where lr sits in the rule's hyperparameters,
    the schedule's arguments after (t, lr) or None, clip_norm and clip_value (None when off)."""

    lr_index: int
    schedule: tuple | None
    clip_norm: float | None
    clip_value: float | None


_scheduled_lr = pieces.scheduled_lr  # t and the schedule's arguments are plain numbers on every speed
_clip_value = rebind(pieces.clip_value, ARRAY)
_clip_factor = rebind(pieces.clip_factor, ARRAY)


def _norm(grad: np.ndarray) -> np.ndarray:
    """‖g‖₂ over the last axis, kept as an axis; for d = 2 √(g₀² + g₁²), the float path's bits (and faster)."""
    if grad.shape[-1] == 2:
        g0, g1 = grad[..., 0:1], grad[..., 1:2]
        return np.sqrt(g0 * g0 + g1 * g1)
    return np.sqrt((grad * grad).sum(axis=-1, keepdims=True))


def with_pieces(optimizer: Optimizer, values: dict) -> Optimizer:
    """``optimizer`` (a rule) with the schedule and clipping of ``values`` (lab/optimizers/pieces.py); itself when
    they are all off. Its hyperparameters then also hold the pieces that are on."""
    on = pieces.active(values)
    if not on:
        return optimizer
    base = optimizer.update
    n_state = len(base.state_type._fields) - (base.state_type._fields[:1] == ("count",))
    names = tail_names(base.rule, n_state)
    schedule = None
    if "schedule" in on:
        schedule = (pieces.SCHEDULES.index(values["schedule"]), values["step_size"], values["gamma"],
                    values["t_max"], values["lr_min"], values["warmup"])
    spec = Pieces(names.index("lr"), schedule, values.get("clip_norm"), values.get("clip_value"))
    i, step, tail = spec.lr_index, base.step, base.tail
    clip_value, clip_factor = _clip_value, _clip_factor

    def clipped(grad):
        if spec.clip_value is not None:
            grad = clip_value(grad, spec.clip_value)
        if spec.clip_norm is not None:
            grad = grad * clip_factor(_norm(grad), spec.clip_norm)
        return grad

    if schedule is None:
        def init(x):
            return optimizer.init(x)

        def update(grad, state, x, oracle=None):
            return step(clipped(grad), state, x, tail)

        def details(grad, state, x):
            return optimizer.details(grad, state, x)
    else:
        def init(x):
            return Scheduled(0, optimizer.init(x))

        def update(grad, state, x, oracle=None):
            lr = _scheduled_lr(state.count, tail[i], *schedule)
            out, inner = step(clipped(grad), state.inner, x, tail[:i] + (lr,) + tail[i + 1:])
            return out, Scheduled(state.count + 1, inner)

        def details(grad, state, x):
            return {**optimizer.details(grad, state.inner, x), "lr": _scheduled_lr(state.count, tail[i], *schedule)}

    update.rule, update.state_type, update.tail, update.step = base.rule, base.state_type, tail, step
    update.pieces, update.clip = spec, clipped  # what an explanation asks: the gradient the update steps on
    if schedule is not None:
        update.lr_used = lambda before, after: _scheduled_lr(before.count, tail[i], *schedule)
    hyper = {**optimizer.hyperparameters, **on}
    return optimizer._replace(hyperparameters=hyper, init=init, update=update, details=details)
