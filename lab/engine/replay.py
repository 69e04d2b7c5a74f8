"""Winding a race back: each racer's optimizer state at any recorded step, rebuilt from periodic snapshots.

The trajectory keeps every x_k, but not the state an optimizer carries (velocities, moments, step counts). While
racing, ``Snapshots`` keeps a racer's state every SNAPSHOT_EVERY steps on the float path, every SNAPSHOT_EVERY_UPDATE
through ``update`` (NumPy, ~15× slower a step), and where it leaves the float path;
``state_at`` takes the nearest snapshot at or before step k and replays the updates from there, with the
recorded positions: update j + 1 gets the gradient at x_j from the same source as in the race (the full-data
gradient computed the same way, or the gradient source's g(x_j, j): the same minibatch and noise), and runs the
same code (the float rule or ``update``, schedule and clipping included). So the state comes back bit for bit
equal to the one the race held at step k.

Cost (benchmarks/rewind.py): a replay is at most SNAPSHOT_EVERY − 1 float steps or SNAPSHOT_EVERY_UPDATE − 1 updates
(~2–10 ms here either way); a snapshot is one small NamedTuple.
"""
from __future__ import annotations

from bisect import bisect_right

import numpy as np

from lab.optimizers.float_steps import FloatSteps

SNAPSHOT_EVERY = 1024
"""Steps between two snapshots of a racer's state on the float path (2–9 µs a step replayed here: a rewind costs at
most ~10 ms), a multiple of SNAPSHOT_EVERY_UPDATE; 1 000 000 steps keep ~1 000 snapshots a racer."""
SNAPSHOT_EVERY_UPDATE = 128
"""The same for a racer stepping through ``update`` (25–65 µs a step replayed here, the mlp the slowest: ≤ ~8 ms)."""


def snapshot(tracks, k: int) -> None:
    """At step k (a multiple of SNAPSHOT_EVERY_UPDATE), keep the state of the racers due: all of them every
    SNAPSHOT_EVERY steps, those stepping through ``update`` every SNAPSHOT_EVERY_UPDATE."""
    every = k % SNAPSHOT_EVERY == 0
    for tr in tracks:
        floats = tr._floats is not None
        if every or not floats:
            tr.snapshots.take(k, tr.state, floats)


class Snapshots:
    """One racer's saved states: ``steps`` ascending, ``states[i]`` the state after ``steps[i]`` updates, and
    ``floats[i]`` whether the racer stepped on the float path from there (the race's own choice)."""

    __slots__ = ("steps", "states", "floats")

    def __init__(self):
        self.steps: list[int] = []
        self.states: list = []
        self.floats: list[bool] = []

    def take(self, step: int, state, floats: bool) -> None:
        """Keep ``state`` as step ``step``'s (replacing one kept for the same step)."""
        if self.steps and self.steps[-1] == step:
            self.states[-1], self.floats[-1] = state, floats
            return
        self.steps.append(step)
        self.states.append(state)
        self.floats.append(floats)

    def nearest(self, k: int) -> tuple[int, object, bool]:
        """The last snapshot at or before step k: (its step, its state, on the float path)."""
        i = bisect_right(self.steps, k) - 1
        if i < 0:
            raise ValueError(f"no snapshot at or before step {k}")
        return self.steps[i], self.states[i], self.floats[i]

    def __len__(self) -> int:
        return len(self.steps)


def float_fg(formula, args: tuple, objective, x: float, y: float):
    """(f, ∂f/∂x, ∂f/∂y) at (x, y) as the race's float path computes them: the formula on floats, or, where a
    float operation raises (÷ 0, overflow), NumPy's batched evaluation of the one point (which may raise too)."""
    try:
        return formula(x, y, *args)
    except Exception:
        with np.errstate(all="ignore"):
            values, grads = objective.value_and_grad(np.array([[x, y]]))
        gx, gy = grads[0].tolist()
        return float(values[0]), gx, gy


def full_gradient(race, x: np.ndarray) -> np.ndarray:
    """∇f at one recorded point x (d,), the bits the race kept as the racer's ``grad`` there."""
    with np.errstate(all="ignore"):
        if race._floats:
            formula, args = race._formula
            _, gx, gy = float_fg(formula, args, race.objective, float(x[0]), float(x[1]))
            return np.array([gx, gy])
        return race.objective.value_and_grad(np.asarray(x, dtype=float)[None])[1][0]


def used_gradient(race, x: np.ndarray, j: int) -> np.ndarray:
    """The gradient update j + 1 stepped on at x = x_j: the gradient source's g(x_j, j) (minibatch, noise) if
    the race has one, else the full-data gradient (before any clipping: that is the optimizer's)."""
    if race.gradient_source is not None:
        with np.errstate(all="ignore"):
            return np.asarray(race.gradient_source(x, j), dtype=float)
    return full_gradient(race, x)


def state_at(race, i: int, k: int):
    """Racer i's optimizer state after k updates (0 ≤ k ≤ its steps), replayed from the nearest snapshot."""
    tr = race.tracks[i]
    if k == tr.steps:
        return tr.state
    first, state, floats = tr.snapshots.nearest(k)
    if first == k:
        return state
    xs = tr.positions
    with np.errstate(all="ignore"):
        if floats:
            return _replay_floats(race, tr, state, xs, first, k)
        opt, objective = tr.optimizer, race.objective
        for j in range(first, k):
            x = xs[j]
            _, state = opt.update(used_gradient(race, x, j), state, x, objective)
    return state


def _replay_floats(race, tr, state, xs: np.ndarray, first: int, k: int):
    """Updates first + 1 … k on the float path, as the race's ``_one_step_floats`` ran them."""
    steps = FloatSteps(tr.optimizer, state, race.objective)
    formula, args, objective = *race._formula, race.objective
    step2 = steps.step2
    points = xs[first:k].tolist()
    if race.gradient_source is None:
        for x, y in points:
            _, gx, gy = float_fg(formula, args, objective, x, y)
            step2(gx, gy, x, y)
    else:  # the race's float path never has a gradient source; kept for a subclass that would
        for j, (x, y) in enumerate(points, start=first):
            gx, gy = used_gradient(race, xs[j], j).tolist()
            step2(gx, gy, x, y)
    return steps.state()


def details_at(race, i: int, k: int) -> dict:
    """What ``race.details(i)`` gave at step k: x_k, ∇f(x_k) and the optimizer's arrows and points there."""
    tr = race.tracks[i]
    x = tr.positions[k].copy()
    grad = full_gradient(race, x) if k < tr.steps or tr.grad is None else tr.grad.copy()
    state = state_at(race, i, k)
    out = {"x": x, "grad": grad}
    if state is not None and grad is not None:
        try:
            with np.errstate(all="ignore"):
                out.update(tr.optimizer.details(grad, state, x))
        except Exception:  # drawing aids never stop anything
            pass
    return out


def check_step(race, i, k, lowest: int = 0) -> tuple[int, int]:
    """(i, k) as whole numbers when racer i exists and lowest ≤ k ≤ its steps; else ValueError naming the range."""
    n = len(race.tracks)
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n:
        raise ValueError(f"racer must be a whole number from 0 to {n - 1}, got {i!r}")
    steps = race.tracks[i].steps
    ok = not isinstance(k, bool) and isinstance(k, (int, np.integer)) and lowest <= k <= steps
    if not ok:
        if steps < lowest:
            raise ValueError(f"racer {i} took no steps (it stopped at step {steps}), got step {k!r}")
        raise ValueError(f"step must be a whole number from {lowest} to {steps} (racer {i} stopped at step "
                         f"{steps}), got {k!r}")
    return int(i), int(k)


def snapshot_bytes(race) -> int:
    """The memory the snapshots take, roughly: the arrays' bytes plus Python's objects (for benchmarks)."""
    import sys

    total = 0
    for tr in race.tracks:
        snaps = tr.snapshots
        total += sys.getsizeof(snaps.steps) + sys.getsizeof(snaps.states) + sys.getsizeof(snaps.floats)
        for state in snaps.states:
            total += _size(state)
    return total


def _size(obj) -> int:
    import sys

    if isinstance(obj, np.ndarray):
        return obj.nbytes + 112
    if isinstance(obj, tuple):
        return sys.getsizeof(obj) + sum(_size(o) for o in obj)
    return sys.getsizeof(obj)


__all__ = ["SNAPSHOT_EVERY", "SNAPSHOT_EVERY_UPDATE", "Snapshots", "check_step", "details_at", "float_fg",
           "full_gradient", "snapshot", "state_at", "used_gradient"]
