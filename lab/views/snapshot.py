"""What the worker sends the window: copies of the steps since the last message, and the curvature at each racer's point.

Pure NumPy (no Qt): the worker thread calls ``collect`` on the race it owns; the window only ever sees these
copies, never the race while it runs. The curvature comes from ``lab.curvature`` (the window does no math).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lab.curvature import curvature, lr_limit
from lab.race import Race

PER_STEP_CURVATURE_MAX_DIM = 3
"""Up to this dimension the condition number is computed at every step; above it, at the racer's current point only
(an 82-parameter network's Hessian at every step would cost more than the step)."""


@dataclass
class PointInfo:
    """At a racer's current point: the gradient, the optimizer's extras and the Hessian's story."""

    x: np.ndarray
    grad: np.ndarray | None
    details: dict
    eigenvalues: np.ndarray | None = None
    eigenvectors: np.ndarray | None = None
    condition: float = float("nan")
    kind: str = ""
    bound: float = float("nan")  # the method's largest stable lr here (lab.curvature.lr_limit); NaN: none applies
    lr: float = float("nan")  # the lr of the racer's next step (its schedule's, when it has one); NaN: no lr


@dataclass
class RacerUpdate:
    """One racer's rows first … first + k − 1 (copies), its status after them and its current point."""

    index: int
    first: int
    positions: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    kappa_steps: np.ndarray
    kappas: np.ndarray
    n: int
    status: str
    status_step: int | None
    reason: str
    described: str
    notes: list = field(default_factory=list)
    point: PointInfo | None = None


@dataclass
class Progress:
    """All racers' new rows since the last message of this run."""

    generation: int
    step_count: int
    done: bool
    racers: list[RacerUpdate]
    elapsed: float = 0.0
    steps: int = 0


def _hessian_story(objective, points: np.ndarray):
    """Curvature at points (m, d), or None when the objective cannot give a Hessian there."""
    try:
        with np.errstate(all="ignore"):
            return curvature(objective.hessian(points))
    except Exception:
        return None


def cheap_curvature(race: Race) -> bool:
    """True when the Hessian is cheap enough to take at every step (small dimension)."""
    return race.objective.dim <= PER_STEP_CURVATURE_MAX_DIM


def collect(race: Race, sent: list[int], generation: int = 0, elapsed: float = 0.0, steps: int = 0,
            with_curvature: bool = True, pause=None) -> Progress:
    """Copy every track's rows from ``sent[i]`` on, and the curvature at the new points; advance ``sent``.

    In high dimension the curvature is taken at the current points only, and only when ``with_curvature``
    (the worker asks for it about once a second: an 82-parameter Hessian per racer costs tens of ms).
    ``pause()``, if given, is called between racers (the worker lets the GUI thread go first there).
    Call it only from the thread that steps ``race`` (or while nothing steps it).
    """
    objective = race.objective
    per_step = cheap_curvature(race)
    updates = []
    seen: dict[bytes, object] = {}  # racers at the same point (the start) share one Hessian
    for i, tr in enumerate(race.tracks):
        if pause is not None:
            pause()
        first, n = sent[i], tr.n
        fresh = first < n or first == 0
        positions = tr.positions[first:n].copy()
        losses = tr.losses[first:n].copy()
        grad_norms = tr.grad_norms[first:n].copy()
        if per_step and len(positions):
            rows = positions.tobytes()  # a new race: every racer's one row is the start, one Hessian for all
            if rows not in seen:
                seen[rows] = _hessian_story(objective, positions)
            story = seen[rows]
            kappa_steps = np.arange(first, n)
            kappas = (np.full(len(positions), np.nan) if story is None
                      else np.asarray(story.condition_number, dtype=float).reshape(-1))
            last = _story(story, -1)
        else:
            kappa_steps, kappas, last = np.empty(0, dtype=int), np.empty(0), None
        point = None
        if fresh and n:
            d = race.details(i)
            if last is None and with_curvature and np.all(np.isfinite(d["x"])):
                key = np.asarray(d["x"], float).tobytes()
                if key not in seen:
                    seen[key] = _hessian_story(objective, np.asarray(d["x"], float)[None])
                last = _story(seen[key])
                if last is not None and not per_step:
                    kappa_steps, kappas = np.array([n - 1]), np.array([last[2]])
            point = _point_info(tr, d, last)
        notes = [note for note in tr.notes if note[0] >= max(first, 1)] if fresh else []
        updates.append(RacerUpdate(i, first, positions, losses, grad_norms, kappa_steps, kappas, n,
                                   tr.status, tr.status_step, tr.reason, tr.describe_status(), notes, point))
        sent[i] = n
    return Progress(generation, race.step_count, race.done, updates, elapsed, steps)


def _story(story, j: int = 0):
    """(eigenvalues, eigenvectors, condition number, kind) of point j of a curvature story (None: none)."""
    if story is None:
        return None
    return (story.eigenvalues[j], story.eigenvectors[j], float(np.asarray(story.condition_number).reshape(-1)[j]),
            str(np.asarray(story.kind).reshape(-1)[j]))


def _point_info(tr, d: dict, last) -> PointInfo:
    """A PointInfo from a racer's details ``d`` (``Race.details``: x, grad, the optimizer's extras) and the
    curvature there (``_story``'s tuple, or None)."""
    d = dict(d)
    x = d.pop("x")
    grad = d.pop("grad")
    point = PointInfo(x, grad, {k: np.array(v, dtype=float) for k, v in d.items()})
    lr_now = d.get("lr", tr.spec.hyperparameters.get("lr", tr.optimizer.hyperparameters.get("lr")))
    point.lr = float(lr_now) if lr_now is not None and np.ndim(lr_now) == 0 else float("nan")
    if last is not None:
        point.eigenvalues, point.eigenvectors, point.condition, point.kind = last
        limit = lr_limit(tr.spec.optimizer, tr.spec.hyperparameters, last[0])
        point.bound = float("nan") if limit is None else float(limit)
    return point


def points_at(race: Race, k: int, racers=None, arrows_for=(), pause=None) -> dict[int, PointInfo]:
    """The racers' (all, or those indexed in ``racers``) points at their recorded step k (clamped to their last),
    as ``collect`` reports current points: x_k and the Hessian's story there for each, and for the racers in
    ``arrows_for`` (and those whose lr follows a schedule: the table's lr is the next step's) ∇f(x_k) and the
    optimizer's arrows (``Race.details_at``, which rebuilds the state from the race's snapshots: up to a snapshot
    interval's steps). Without its arrows a point's
    ``grad`` is None. ``pause()``, if given, is called between racers. Call it only while nothing steps ``race``."""
    out = {}
    for i in range(len(race.tracks)) if racers is None else racers:
        tr = race.tracks[i]
        if pause is not None:
            pause()
        kk = max(0, min(int(k), tr.steps))
        scheduled = tr.spec.hyperparameters.get("schedule", "constant") != "constant"
        d = race.details_at(i, kk) if i in arrows_for or scheduled else {"x": tr.positions[kk].copy(), "grad": None}
        x = np.asarray(d["x"], float)
        last = _story(_hessian_story(race.objective, x[None])) if np.all(np.isfinite(x)) else None
        out[i] = _point_info(tr, d, last)
    return out
