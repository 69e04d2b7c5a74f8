"""The race engine: several racers step in lockstep from one start on one objective, and every step is recorded."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lab.engine import replay
from lab.engine.replay import Snapshots, float_fg
from lab.engine.status import (Status, absmax, check_limits, classify, divergence_reason, stationary_reasons,
                               still_running)
from lab.objectives.base import Function2D, Objective, float_safe
from lab.optimizers import Optimizer, make_optimizer
from lab.optimizers.float_steps import FloatSteps

RUNNING, CONVERGED, DIVERGED, MAX_STEPS, ERROR, STATIONARY = (Status.RUNNING, Status.CONVERGED, Status.DIVERGED,
                                                              Status.MAX_STEPS, Status.ERROR, Status.STATIONARY)


@dataclass(frozen=True)
class RacerSpec:
    """One racer as a user describes it: an optimizer, its hyperparameters, a label and a colour."""

    optimizer: str
    hyperparameters: dict = field(default_factory=dict)
    label: str = ""
    color: str | None = None
    enabled: bool = True

    def build(self) -> Optimizer:
        """The optimizer, every hyperparameter checked (LabError otherwise)."""
        return make_optimizer(self.optimizer, **self.hyperparameters)

    @property
    def name(self) -> str:
        return self.label or self.optimizer


class Track:
    """One racer's record: positions (n, d), losses (n,), gradient norms (n,), row k being step k.

    Buffers grow by doubling (capped at max_steps + 1 rows); the properties are views of the filled part.
    ``state`` is the optimizer's state and ``grad`` the gradient at the current point (full-data); on the
    race's 2-D fast path both live as floats (the optimizer's rule run by a FloatSteps) and are built when asked for.
    """

    def __init__(self, spec: RacerSpec, optimizer: Optimizer, dim: int, capacity: int, max_rows: int):
        self.spec, self.optimizer = spec, optimizer
        self._max_rows = max_rows
        cap = max(1, min(capacity, max_rows))
        self._x = np.empty((cap, dim))
        self._loss = np.empty(cap)
        self._gnorm = np.empty(cap)
        self._cap = cap
        self.n = 0
        self.status, self.status_step, self.reason = RUNNING, None, ""
        self.notes: list[tuple[int, str]] = []
        self.snapshots = Snapshots()  # the optimizer's state now and then, for rewinding (lab/engine/replay.py)
        self._state = None
        self._grad: np.ndarray | None = None
        self._floats: FloatSteps | None = None  # the fast path: the optimizer's rule on floats, holding the state
        self._g: tuple[float, float] | None = None  # the fast path: the gradient as floats
        self._p: tuple[float, float] | None = None  # the fast path: the current point as floats

    @property
    def state(self):
        """The optimizer's state after the last step (a NamedTuple of arrays)."""
        return self._floats.state() if self._floats is not None else self._state

    @state.setter
    def state(self, value) -> None:
        self._floats, self._state = None, value

    @property
    def grad(self) -> np.ndarray | None:
        """The full-data gradient at the current point."""
        if self._grad is None and self._g is not None:
            self._grad = np.array(self._g)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        self._grad, self._g = value, None

    def append(self, x: np.ndarray, loss: float, gnorm: float) -> None:
        if self.n == self._cap:
            self._grow()
        self._x[self.n] = x
        self._loss[self.n] = loss
        self._gnorm[self.n] = gnorm
        self.n += 1

    def _append2(self, x: float, y: float, loss: float, gnorm: float) -> None:
        """append() for the 2-D fast path, from floats."""
        n = self.n
        if n == self._cap:
            self._grow()
        xs = self._x
        xs[n, 0] = x
        xs[n, 1] = y
        self._loss[n] = loss
        self._gnorm[n] = gnorm
        self.n = n + 1

    def _grow(self) -> None:
        cap = min(2 * self.n, self._max_rows) if self.n < self._max_rows else 2 * self.n
        self._x = np.concatenate([self._x, np.empty((cap - self.n, self._x.shape[1]))])
        self._loss = np.concatenate([self._loss, np.empty(cap - self.n)])
        self._gnorm = np.concatenate([self._gnorm, np.empty(cap - self.n)])
        self._cap = cap

    @property
    def positions(self) -> np.ndarray:
        return self._x[: self.n]

    @property
    def losses(self) -> np.ndarray:
        return self._loss[: self.n]

    @property
    def grad_norms(self) -> np.ndarray:
        return self._gnorm[: self.n]

    @property
    def x(self) -> np.ndarray:
        return self._x[self.n - 1]

    @property
    def steps(self) -> int:
        """Steps taken (the start is step 0)."""
        return self.n - 1

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def finish(self, status: str, step: int, reason: str = "") -> None:
        self.status, self.status_step, self.reason = Status(status), step, reason

    def describe_status(self) -> str:
        """'running', 'converged at step 12', 'diverged at step 40: loss is not finite', ..."""
        if self.status == RUNNING:
            return RUNNING
        text = f"{self.status.replace('_', ' ')} at step {self.status_step}"
        return f"{text}: {self.reason}" if self.reason else text

    def __repr__(self) -> str:
        return f"Track({self.spec.name}, steps={self.steps}, {self.describe_status()})"


class Race:
    """Racers stepping in lockstep from one start on one objective.

    Each step k records, per racer: x_k, f(x_k), |∇f(x_k)| and the status. A racer stops when it converges
    (|∇f| < tol; stationary where the Hessian has a negative eigenvalue: a saddle point or a maximum), diverges (a non-finite value, gradient or position, or |x|∞ > bound), errs (its optimizer or
    the objective raised: the message is kept) or reaches max_steps. The others go on; nothing raises.
    ``gradient_source(x, k) -> g``, if given, supplies the gradient the optimizers step on (minibatches, noise);
    the record keeps the exact full-data loss and gradient norm.

    Speed: on a 2-D objective whose formulas are float_safe, without a gradient source, every racer whose
    optimizer is a rule (lab/optimizers/elementwise.py: the first-order methods coordinate by coordinate,
    Newton from the 2 × 2 Hessian's entries) steps on Python floats, with the objective evaluated on floats too: the same code and the same bits as ``update``
    and the batched evaluation, at ~2–3 µs a racer-step instead of ~20. Otherwise the objective is evaluated once per lockstep step for all racers in one
    batch and each racer calls its ``update``.
    """

    def __init__(self, objective: Objective, start, racers: list[RacerSpec], *, seed: int = 0,
                 max_steps: int = 1000, tol: float = 1e-8, bound: float = 1e6,
                 gradient_source: Callable[[np.ndarray, int], np.ndarray] | None = None):
        max_steps, tol, bound = check_limits(max_steps, tol, bound)
        self.objective = objective
        self.start = objective.check_point(start, "start")
        self.specs = [r for r in racers if r.enabled]
        self.seed, self.max_steps, self.tol, self.bound = int(seed), max_steps, tol, bound
        self.gradient_source = gradient_source
        self.step_count = 0
        self.tracks = [Track(s, s.build(), objective.dim, 1024, self.max_steps + 1) for s in self.specs]
        self._floats = gradient_source is None and float_safe(objective)
        formula = getattr(objective, "fg_formula", None)  # on floats, the formula itself: one call less than fg
        if formula is not None and type(objective).fg is Function2D.fg and "fg" not in vars(objective):
            self._formula = (formula, tuple(objective.fg_args))
        else:
            self._formula = (objective.fg if self._floats else None, ())
        with np.errstate(all="ignore"):
            self._record_start()

    def _record_start(self) -> None:
        x = self.start
        for tr in self.tracks:
            try:
                tr.state = tr.optimizer.init(x.copy())
            except Exception as exc:  # an optimizer that cannot start is that racer's error
                tr.append(x, np.nan, np.nan)
                tr.finish(ERROR, 0, _why(exc))
        alive = [tr for tr in self.tracks if tr.running]
        if alive and self._floats:
            for tr in alive:
                if FloatSteps.available(tr.optimizer, self.objective):
                    tr._floats = FloatSteps(tr.optimizer, tr._state, self.objective)
        for tr in alive:
            tr.snapshots.take(0, tr._state, tr._floats is not None)
        if alive and self._floats:
            self._evaluate_floats(alive, [(float(x[0]), float(x[1]))] * len(alive), 0)
        elif alive:
            self._evaluate(alive, np.repeat(x[None], len(alive), axis=0), 0)
        self._alive = [tr for tr in self.tracks if tr.running]
        self._settle_max_steps()

    @property
    def done(self) -> bool:
        return not self._alive

    def step(self, n: int = 1) -> int:
        """Take up to n lockstep steps; return how many were taken (fewer when every racer has stopped)."""
        taken = 0
        one_step = self._one_step_floats if self._floats else self._one_step
        with np.errstate(all="ignore"):  # overflow in a diverging racer is its status, never a printed warning
            while taken < n and self._alive:
                one_step()
                taken += 1
        return taken

    def run(self) -> "Race":
        """Step until every racer has stopped."""
        self.step(max(0, self.max_steps - self.step_count))
        return self

    def _one_step_floats(self) -> None:
        """One lockstep step on the 2-D fast path: per racer, its rule on floats (or update), the objective on floats."""
        k = self.step_count + 1
        moved, points = [], []
        for tr in self._alive:
            floats = tr._floats
            if floats is not None:
                try:
                    point = floats.step2(*tr._g, *tr._p)
                except Exception:  # a float operation that raises where NumPy would not (÷ 0, overflow)
                    tr.state = floats.state()  # nothing changed: go on with update from here
                    tr.snapshots.take(k - 1, tr._state, False)  # a rewind past here replays through update
                else:
                    moved.append(tr)
                    points.append(point)
                    if tr.optimizer.note is not None:
                        self._note(tr, k, floats.note())
                    continue
            new = self._update(tr, k)
            if new is not None:
                moved.append(tr)
                points.append(tuple(new.tolist()))
        self.step_count = k
        if k % replay.SNAPSHOT_EVERY_UPDATE == 0:
            replay.snapshot(moved, k)
        self._evaluate_floats(moved, points, k)
        if len(self._alive) != len(moved) or any(not tr.running for tr in moved):
            self._alive = [tr for tr in self._alive if tr.running]
        self._settle_max_steps()

    def _update(self, tr: Track, k: int) -> np.ndarray | None:
        """Racer ``tr``'s step k through its optimizer's ``update`` (arrays): the new point, or None when the
        optimizer or the gradient source raised (the racer is then finished with ERROR)."""
        x = tr.x
        try:
            g = tr.grad if self.gradient_source is None else self.gradient_source(x, k - 1)
            step, tr._state = tr.optimizer.update(g, tr._state, x, self.objective)
            new = x + step
            if new.shape != x.shape:
                raise ValueError(f"the step has shape {new.shape}, the point {x.shape}")
        except Exception as exc:
            tr.finish(ERROR, k, _why(exc))
            return None
        if tr.optimizer.note is not None:
            self._note(tr, k, tr.optimizer.note(tr._state))
        return new

    def _evaluate_floats(self, tracks: list[Track], points: list, k: int) -> None:
        """_evaluate() on floats: f and ∇f at each racer's new point (x, y), recorded, statuses settled."""
        tol, bound = self.tol, self.bound
        formula, args = self._formula
        for tr, (x, y) in zip(tracks, points):
            try:  # on floats; where a float operation raises (÷ 0, overflow in **), NumPy's answer, or the error
                f, gx, gy = float_fg(formula, args, self.objective, x, y)
            except Exception as exc:
                tr.append(np.array([x, y]), np.nan, np.nan)
                tr.finish(ERROR, k, "objective failed: " + _why(exc))
                continue
            gnorm = math.sqrt(gx * gx + gy * gy)
            tr._append2(x, y, f, gnorm)
            tr._p, tr._g, tr._grad = (x, y), (gx, gy), None
            ax, ay = abs(x), abs(y)
            size = ax if ax >= ay else (ay if ay > ax else ax + ay)  # |x|∞, NaN if either is NaN
            if not still_running(f, gnorm, size, tol, bound):
                self._settle(tr, np.array([x, y]), f, gnorm, k)

    def _one_step(self) -> None:
        k = self.step_count + 1
        alive, points = [], []
        for tr in self.tracks:
            if not tr.running:
                continue
            new = self._update(tr, k)
            if new is not None:
                alive.append(tr)
                points.append(new)
        self.step_count = k
        if k % replay.SNAPSHOT_EVERY_UPDATE == 0:
            replay.snapshot(alive, k)
        if alive:
            self._evaluate(alive, np.array(points, dtype=float), k)
        self._alive = [tr for tr in self.tracks if tr.running]
        self._settle_max_steps()

    def _evaluate(self, tracks: list[Track], points: np.ndarray, k: int) -> None:
        """Evaluate f and ∇f at the racers' new points (one batched call), record them and settle statuses."""
        try:
            with np.errstate(all="ignore"):
                values, grads = self.objective.value_and_grad(points)
        except Exception:
            values, grads = np.full(len(tracks), np.nan), np.full(points.shape, np.nan)
            for i, tr in enumerate(tracks):  # find who makes it raise
                try:
                    with np.errstate(all="ignore"):
                        values[i], grads[i] = self.objective.value_and_grad(points[i])
                except Exception as exc:
                    tr.append(points[i], np.nan, np.nan)
                    tr.finish(ERROR, k, "objective failed: " + _why(exc))
        with np.errstate(all="ignore"):
            gnorms = np.sqrt((grads * grads).sum(axis=1))  # for d = 2 the same bits as the fast path's
            sizes = absmax(points)
        tol, bound = self.tol, self.bound
        for i, (tr, value, gnorm, size) in enumerate(zip(tracks, values.tolist(), gnorms.tolist(), sizes.tolist())):
            if not tr.running:
                continue
            x = points[i]
            tr.append(x, value, gnorm)
            tr.grad = grads[i]
            if not still_running(value, gnorm, size, tol, bound):
                self._settle(tr, x, value, gnorm, k)

    def _settle(self, tr: Track, x: np.ndarray, value: float, gnorm: float, k: int) -> None:
        """The stop rule (lab.engine.status) for one racer that may have stopped at step k."""
        code = classify(x[None], np.array([value]), np.array([gnorm]), self.tol, self.bound)[0]
        if code == DIVERGED.code:
            tr.finish(DIVERGED, k, divergence_reason(x, value, gnorm, self.bound))
        elif code == CONVERGED.code:
            reason = stationary_reasons(self.objective, x[None])[0]  # a saddle point or a maximum is not a minimum
            tr.finish(STATIONARY if reason else CONVERGED, k, reason)

    def _settle_max_steps(self) -> None:
        if self.step_count >= self.max_steps:
            for tr in self.tracks:
                if tr.running:
                    tr.finish(MAX_STEPS, self.step_count)
            self._alive = []

    @staticmethod
    def _note(tr: Track, k: int, text: str) -> None:
        if text and (not tr.notes or tr.notes[-1][1] != text):
            tr.notes.append((k, text))

    def details(self, i: int) -> dict:
        """What to draw at racer i's current point: its gradient and the optimizer's own arrows and points."""
        tr = self.tracks[i]
        out = {"x": tr.x.copy(), "grad": None if tr.grad is None else tr.grad.copy()}
        if tr.state is not None and tr.grad is not None:
            try:
                out.update(tr.optimizer.details(tr.grad, tr.state, tr.x))
            except Exception:  # drawing aids never stop a race
                pass
        return out

    def state_at(self, i: int, k: int):
        """Racer i's optimizer state after k updates (0 ≤ k ≤ tracks[i].steps), bit for bit the ``tracks[i].state``
        it held at step k: replayed from the nearest snapshot (lab/engine/replay.py). ValueError for a bad i or k."""
        i, k = replay.check_step(self, i, k)
        return replay.state_at(self, i, k)

    def details_at(self, i: int, k: int) -> dict:
        """``details(i)`` as it was at step k: x_k, ∇f(x_k) and the optimizer's arrows and points there."""
        i, k = replay.check_step(self, i, k)
        return replay.details_at(self, i, k)

    def __repr__(self) -> str:
        return (f"Race({self.objective!r}, start={self.start.tolist()}, racers={len(self.tracks)}, "
                f"step={self.step_count}/{self.max_steps})")


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


__all__ = ["CONVERGED", "DIVERGED", "ERROR", "MAX_STEPS", "RUNNING", "Race", "RacerSpec", "STATIONARY", "Status",
           "Track"]
