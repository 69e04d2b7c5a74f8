"""One racer's update on Python floats: the rule its ``update`` carries, run by ``FloatSteps`` (the race's 2-D
fast path), with the schedule and clipping as ``elementwise.with_pieces`` applies them on arrays."""
from __future__ import annotations

import functools
import math

import numpy as np

from lab.optimizers import pieces
from lab.optimizers.elementwise import Scheduled
from lab.optimizers.float_code import on_floats, on_floats_2d
from lab.optimizers.optimizer import Optimizer

_clip_value = on_floats(pieces.clip_value)
_clip_factor = on_floats(pieces.clip_factor)


def _lr_at(lr_of, lr, step_size, gamma, t_max, lr_min, warmup, t):
    """A schedule's lr at t, its arguments bound first (functools.partial)."""
    return lr_of(t, lr, step_size, gamma, t_max, lr_min, warmup)


class FloatSteps:
    """One racer's ``update`` on Python floats, run from the rule its ``update`` carries.

    - a per-coordinate rule (``update.rule``): called coordinate by coordinate;
    - a 2-D point rule on the gradient and the Hessian's entries (``update.rule2``, Newton): the Hessian comes
      from the objective's own ``h(x, y)`` on floats (a float_safe objective).
    ``step2(gx, gy, x, y) -> (x', y')`` for d = 2 (the race's case), ``step(g, x) -> x'`` for any d (per-coordinate
    rules); ``state()`` gives the optimizer's state NamedTuple (new arrays), equal to what ``update`` would hold;
    ``note()`` what ``optimizer.note`` would say of it.
    """

    __slots__ = ("rule", "rule2", "rule2d", "tail", "state_type", "counted", "t", "coords", "h", "code", "optimizer",
                 "_note", "pieces", "steps", "_lr_of", "_schedule", "n_state", "flat")

    def __init__(self, optimizer: Optimizer, state, objective=None):
        update = optimizer.update
        self.optimizer = optimizer
        self.pieces = getattr(update, "pieces", None)
        self.steps = 0
        if self.pieces is not None and self.pieces.schedule is not None:
            # lr_of(t) = the schedule's function with its arguments bound; the rule's hyperparameters around lr kept
            i, lr_of = self.pieces.lr_index, pieces.LR_OF[self.pieces.schedule[0]]
            self._lr_of = functools.partial(_lr_at, lr_of, update.tail[i], *self.pieces.schedule[1:])
            self._schedule = (update.tail[:i], update.tail[i + 1:])
        if self.pieces is not None and self.pieces.schedule is not None:
            self.steps, state = state.count, state.inner
        self.tail, self.state_type = update.tail, update.state_type
        self.rule = on_floats(update.rule) if getattr(update, "rule", None) is not None else None
        self.rule2 = on_floats(update.rule2) if getattr(update, "rule2", None) is not None else None
        self.h = objective.h if self.rule2 is not None else None
        self.counted = bool(state._fields) and state._fields[0] == "count"
        self.t = state.count if self.counted else 0
        self.coords = self.code = self._note = self.rule2d = self.flat = None
        if self.rule2 is not None:
            self.code = int(state[1])
            return
        self.n_state = len(state) - self.counted
        if self.n_state:
            self.rule2d = on_floats_2d(update.rule, self.n_state)
        arrays = [np.asarray(a, dtype=float) for a in (state[1:] if self.counted else state)]
        d = len(np.atleast_1d(arrays[0])) if arrays else None
        self.coords = [tuple(float(a[i]) for a in arrays) for i in range(d)] if d else None
        if self.rule2d is not None and d == 2:
            self.flat, self.coords = self.coords[0] + self.coords[1], None  # (*state_0, *state_1)

    def _coordinates(self):
        """The per-coordinate state tuples, [state_0, state_1, ...]."""
        if self.flat is not None:
            n = self.n_state
            return [self.flat[:n], self.flat[n:]]
        return self.coords

    @staticmethod
    def available(optimizer: Optimizer, objective=None) -> bool:
        """Whether ``optimizer``'s update is a rule this class can run (a point rule also needs ``objective``)."""
        update = optimizer.update
        return getattr(update, "rule", None) is not None or (
            getattr(update, "rule2", None) is not None and objective is not None and objective.dim == 2)

    def step2(self, gx, gy, x, y):
        if self.flat is not None:  # the usual case: both coordinates in one call of the generated 2-D form
            t = self.t + 1
            if self.pieces is None:
                out = self.rule2d(gx, gy, x, y, t, *self.flat, *self.tail)
            else:
                gx, gy, tail = self._pieces2(gx, gy)
                out = self.rule2d(gx, gy, x, y, t, *self.flat, *tail)
            self.t, self.flat = t, out[2:]
            return x + out[0], y + out[1]
        if self.rule2 is not None:
            hxx, hxy, hyy = self.h(x, y)
            sx, sy, code = self.rule2(gx, gy, float(hxx), float(hxy), float(hyy), *self.tail)
            self.t, self.code = self.t + 1, code
            return x + sx, y + sy
        rule, tail, t = self.rule, self.tail, self.t + 1
        if self.pieces is not None:
            gx, gy, tail = self._pieces2(gx, gy)
        if self.coords is None:  # a stateless rule (sgd)
            return x + rule(gx, x, t, *tail)[0], y + rule(gy, y, t, *tail)[0]
        sx, sy = self._coordinates()
        if self.rule2d is not None:
            out = self.rule2d(gx, gy, x, y, t, *sx, *sy, *tail)
            n = self.n_state
            self.t, self.coords = t, [out[2:2 + n], out[2 + n:]]
            return x + out[0], y + out[1]
        ox = rule(gx, x, t, *sx, *tail)
        oy = rule(gy, y, t, *sy, *tail)
        self.t, self.coords = t, [ox[1:], oy[1:]]
        return x + ox[0], y + oy[0]

    def _pieces2(self, gx, gy):
        """Clipping and the schedule on floats, as ``with_pieces`` does them on arrays."""
        p, tail = self.pieces, self.tail
        if p.clip_value is not None:
            clip = _clip_value
            gx, gy = clip(gx, p.clip_value), clip(gy, p.clip_value)
        if p.clip_norm is not None:
            factor = _clip_factor(math.sqrt(gx * gx + gy * gy), p.clip_norm)
            gx, gy = gx * factor, gy * factor
        if p.schedule is not None:
            before, after = self._schedule
            tail = before + (self._lr_of(self.steps),) + after
            self.steps += 1
        return gx, gy, tail

    def step(self, g, x):
        if self.pieces is not None:
            raise NotImplementedError("clipping and schedules on floats are written for d = 2 (step2)")
        rule, tail, t = self.rule, self.tail, self.t + 1
        coords = self._coordinates() or [()] * len(x)
        out = [rule(gi, xi, t, *si, *tail) for gi, xi, si in zip(g, x, coords)]
        if coords[0]:
            self.t, self.coords, self.flat = t, [o[1:] for o in out], None
        return [xi + o[0] for xi, o in zip(x, out)]

    def state(self):
        if self.rule2 is not None:
            return self.state_type(self.t, np.array(self.code))
        n_state = len(self.state_type._fields) - self.counted
        coords = self._coordinates()
        arrays = [np.array([c[j] for c in coords]) for j in range(n_state)] if coords else []
        inner = self.state_type(self.t, *arrays) if self.counted else self.state_type(*arrays)
        return Scheduled(self.steps, inner) if self.pieces is not None and self.pieces.schedule is not None else inner

    def note(self) -> str:
        """``optimizer.note(state())``, worked out again only when the point rule's code changes."""
        if self._note is None or self._note[0] != self.code:
            self._note = (self.code, self.optimizer.note(self.state()))
        return self._note[1]
