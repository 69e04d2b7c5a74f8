"""Fair races: every racer's learning rate tuned on the same runs, so that no optimizer loses for want of a good lr.

For each racer its lr is searched, its other hyperparameters fixed: first the COARSE grid (25 lrs log-spaced over
1e-5 … 10, four a decade), then FINE = 16 lrs log-spaced strictly between the coarse best's two neighbours (one
sixteenth of a decade apart, less than 7 %); the two grids together, sorted, are *the grid*. Each lr is scored by
the median of the metric over its runs: K seeds × M starts, the same runs for every lr and every racer.

- ``final_loss``: f at the point where the run stopped (every step is taken when tol = 0); +inf if it diverged
  or erred.
- ``steps_to_tol``: the step at which |∇f| < tol; +inf if it never got there, diverged or erred.

The best lr is the grid's argmin: no lr of the grid has a smaller score, so it beats (or ties) its two neighbours
on the same runs. Ties: the middle of the longest run of neighbouring lrs that share the smallest score (a
plateau of equal scores: its most robust lr). A racer whose every lr scores +inf keeps its lr (``best`` is None).

Seeds: seed index s (0 … K−1) draws minibatch order and gradient noise as a race of seed ``seed + s`` would,
with minibatch order seeded by the objective's own minibatch seed + s (the data stay the same). Index 0 is exactly
the race of the written experiment file. When the objective has no minibatches and there is no noise, every seed
gives the same runs: one is run. Starts: the given start, or with ``starts = M`` M points drawn uniformly in the
objective's domain from ``seed``.

The work is split into blocks, ``run_block(setup, optimizer, hyperparameters, lrs) -> Block``: a pure function of
the set-up and one racer's block of lrs, every lr × seed × start of it stepped at once on the batched engine
(lab/engine/multistart.py: a learning rate per point; each point takes the same bits whatever else is in its
batch). ``tune`` runs every racer's coarse block, then every racer's fine block, here or on local processes.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from lab.engine.multistart import CONVERGED, DIVERGED, ERROR, RUNNING, multistart
from lab.engine.race import RacerSpec
from lab.errors import LabError
from lab.limits import MAX_TUNE_RUNS
from lab.objectives import make_objective
from lab.optimizers import batched_specs, optimizer_spec
from lab.stochastic import START_STREAM, gradient_noise, stream

COARSE = np.geomspace(1e-5, 10.0, 25)
FINE = 16
METRICS = ("final_loss", "steps_to_tol")


@dataclass(frozen=True)
class TuneSetup:
    """What every block shares: the objective, the runs (start points × seeds), the step budget and the metric."""

    objective: str
    params: dict
    starts: np.ndarray  # (M, d)
    seed: int = 0
    seeds: int = 1
    steps: int = 1000
    tol: float = 0.0
    bound: float = 1e6
    noise: float = 0.0
    metric: str = "final_loss"

    def make_objective(self):
        return make_objective(self.objective, **self.params)


@dataclass
class Block:
    """One racer's runs at ``lrs``: loss, step, status, each (len(lrs), seeds run, starts)."""

    lrs: np.ndarray
    loss: np.ndarray
    step: np.ndarray
    status: np.ndarray
    cancelled: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class TunedRacer:
    """A racer's search: the grid (sorted), each lr's score, the index of the best (None: no finite score)."""

    racer: RacerSpec
    lrs: np.ndarray
    scores: np.ndarray
    best: int | None
    errors: list[str] = field(default_factory=list)

    @property
    def best_lr(self) -> float | None:
        return None if self.best is None else float(self.lrs[self.best])

    @property
    def best_score(self) -> float | None:
        return None if self.best is None else float(self.scores[self.best])

    def neighbours(self) -> list[tuple[float, float] | None]:
        """(lr, score) of the grid's lr just below and just above the best (None at an end, or without a best)."""
        if self.best is None:
            return [None, None]
        return [(float(self.lrs[j]), float(self.scores[j])) if 0 <= j < len(self.lrs) else None
                for j in (self.best - 1, self.best + 1)]

    def tuned(self) -> RacerSpec:
        """The racer with its best lr (unchanged if it has none)."""
        if self.best is None:
            return self.racer
        return dataclasses.replace(self.racer, hyperparameters={**self.racer.hyperparameters, "lr": self.best_lr})


@dataclass
class TuneResult:
    setup: TuneSetup
    racers: list[TunedRacer]
    seeds_run: int
    cancelled: bool = False

    def experiment(self, start):
        """The experiment file of a race of the tuned racers from ``start`` (seed, steps, tol, bound, noise as
        tuned): ``run --config`` races exactly the runs of seed index 0 from that start."""
        from lab.experiment import Experiment

        s = self.setup
        return Experiment(s.objective, [float(v) for v in start], [r.tuned() for r in self.racers], dict(s.params),
                          s.seed, s.steps, s.tol, s.bound, s.noise)


def check_racer(racer: RacerSpec) -> None:
    """LabError unless the batched engine can step ``racer``'s optimizer with one lr per point."""
    spec = optimizer_spec(racer.optimizer)
    if not spec.batched or "lr" not in spec.per_point:
        raise LabError(f"{racer.optimizer} cannot be tuned: tune steps every lr at once on the batched engine, "
                       f"which steps it one point at a time; tune one of "
                       + ", ".join(s.name for s in batched_specs() if "lr" in s.per_point))


def draw_starts(objective, count: int, seed: int) -> np.ndarray:
    """``count`` points drawn uniformly in the objective's domain, from ``seed`` (its own random stream)."""
    dom = np.asarray(objective.domain, dtype=float)
    return stream(seed, START_STREAM).uniform(dom[:, 0], dom[:, 1], size=(int(count), objective.dim))


def seeds_to_run(objective, setup: TuneSetup) -> int:
    """K, or 1 when no seed changes a run (no minibatches, no noise)."""
    return setup.seeds if (getattr(objective, "stochastic", False) or setup.noise) else 1


def _seeded_gradient(objective, setup: TuneSetup, seed_of_row: np.ndarray):
    """multistart's ``gradient``: each point steps on its seed's minibatch gradient plus its seed's noise."""
    stochastic = bool(getattr(objective, "stochastic", False))
    if not stochastic and not setup.noise:
        return None
    count = int(seed_of_row.max()) + 1
    batches = ([dataclasses.replace(objective.minibatches, seed=objective.minibatches.seed + s) for s in range(count)]
               if stochastic else [])

    def gradient(x, grad, k, rows):
        which = seed_of_row[rows]
        g = np.array(grad, dtype=float)
        for s in np.unique(which).tolist():
            sel = which == s
            if stochastic:
                g[sel] = objective.grad_on(x[sel], batches[s].indices(k))
            if setup.noise:
                g[sel] = g[sel] + gradient_noise(setup.noise, setup.seed + s, k, g.shape[1])
        return g

    return gradient


def run_block(setup: TuneSetup, optimizer: str, hyperparameters: dict, lrs, objective=None,
              should_stop: Callable[[], bool] | None = None,
              progress: Callable[[int, int], Any] | None = None) -> Block:
    """Every lr × seed × start of one racer at once: point (i·S + s)·M + m is lr i, seed index s, start m."""
    obj = setup.make_objective() if objective is None else objective
    lrs = np.asarray(lrs, dtype=float)
    seeds, m = seeds_to_run(obj, setup), len(setup.starts)
    n = len(lrs) * seeds * m
    rows = np.arange(n)
    hyper = {**hyperparameters, "lr": np.repeat(lrs, seeds * m)}
    r = multistart(obj, optimizer, np.tile(setup.starts, (len(lrs) * seeds, 1)), steps=setup.steps,
                   hyperparameters=hyper, tol=setup.tol, bound=setup.bound, should_stop=should_stop,
                   progress=progress, gradient=_seeded_gradient(obj, setup, (rows // m) % seeds))
    shape = (len(lrs), seeds, m)
    return Block(lrs, r.loss.reshape(shape), r.step.reshape(shape), r.status.reshape(shape), r.cancelled,
                 list(r.errors))


def scores(block: Block, metric: str) -> np.ndarray:
    """Per lr, the median over its runs of the metric (+inf for a diverged or failed run; see the docstring)."""
    failed = (block.status == DIVERGED) | (block.status == ERROR) | (block.status == RUNNING)
    if metric == "final_loss":
        value = np.where(failed | ~np.isfinite(block.loss), np.inf, block.loss)
    elif metric == "steps_to_tol":
        value = np.where(block.status == CONVERGED, block.step.astype(float), np.inf)
    else:
        raise LabError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    return np.median(value.reshape(len(block.lrs), -1), axis=1)


def best_index(values) -> int | None:
    """The argmin of ``values``; ties: the middle of the longest run of neighbours sharing the minimum. None when
    no value is finite."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    if not finite.any():
        return None
    low = v == v[finite].min()
    runs, start = [], None
    for i, on in enumerate(low.tolist() + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((i - start, -start, start, i - 1))
            start = None
    _, _, a, b = max(runs)
    return (a + b) // 2


def fine_grid(coarse: np.ndarray, j: int) -> np.ndarray:
    """FINE lrs log-spaced strictly between coarse[j]'s neighbours (or coarse[j] itself at an end)."""
    lo, hi = coarse[max(j - 1, 0)], coarse[min(j + 1, len(coarse) - 1)]
    return np.geomspace(lo, hi, FINE + 2)[1:-1]


def _grid_for(racer: RacerSpec) -> np.ndarray:
    """COARSE, without the lrs a schedule's lr_min refuses (lr_min < lr)."""
    lr_min = racer.hyperparameters.get("lr_min") or 0.0
    grid = COARSE[COARSE > lr_min]
    if len(grid) < 2:
        raise LabError(f"{racer.name}: its lr_min={lr_min:g} leaves fewer than two lrs of the grid 1e-5 … 10")
    return grid


def tune(setup: TuneSetup, racers: Sequence[RacerSpec], should_stop: Callable[[], bool] | None = None,
         progress: Callable[[int, int, str], Any] | None = None, workers: int = 1,
         scheduler: str | None = None) -> TuneResult:
    """Tune every racer's lr (see the module docstring): every racer's coarse block, then every racer's fine block,
    on ``workers`` local processes or a Dask ``scheduler`` (lab.parallel; each racer's lrs split into ``workers``
    blocks, 8 on a cluster; the same bits wherever they run). ``progress(done, total, label)`` counts point-steps;
    ``should_stop()`` cancels (the result then has ``cancelled=True`` and no racers)."""
    from lab.parallel import check_workers

    workers = check_workers(workers)
    if setup.metric not in METRICS:
        raise LabError(f"metric must be one of {', '.join(METRICS)}, got {setup.metric!r}")
    if setup.metric == "steps_to_tol" and not setup.tol > 0:
        raise LabError("the metric steps_to_tol needs a tolerance tol > 0 (|∇f| < tol is the goal)")
    obj = setup.make_objective()
    if not (setup.seeds >= 1 and len(setup.starts) >= 1 and setup.seeds * len(setup.starts) <= MAX_TUNE_RUNS):
        raise LabError(f"seeds × starts must be from 1 to {MAX_TUNE_RUNS} runs per lr (MAX_TUNE_RUNS), got "
                       f"{setup.seeds} × {len(setup.starts)}")
    for x in setup.starts:
        obj.check_point(x, "start")
    grids = []
    for r in racers:
        check_racer(r)
        grids.append(_grid_for(r))
        r.build()  # every other value checked before any work
    per_lr = seeds_to_run(obj, setup) * len(setup.starts) * setup.steps
    count = [0, sum(len(g) + FINE for g in grids) * per_lr]  # point-steps done, in all
    out = TuneResult(setup, [], seeds_to_run(obj, setup))
    tuned = [TunedRacer(r, g, np.full(len(g), np.nan), None) for r, g in zip(racers, grids)]
    where = (workers, scheduler)
    blocks = _stage(setup, obj, [(t.racer, t.lrs) for t in tuned], where, should_stop, progress, count, per_lr)
    if blocks is None:
        out.cancelled = True
        return out
    fine = []
    for t, block in zip(tuned, blocks):
        t.scores, t.errors = scores(block, setup.metric), list(block.errors)
        j = best_index(t.scores)
        if j is None:  # nothing to refine around
            count[0] += FINE * per_lr
        else:
            fine.append((t, fine_grid(t.lrs, j)))
    blocks = _stage(setup, obj, [(t.racer, lrs) for t, lrs in fine], where, should_stop, progress, count, per_lr)
    if blocks is None:
        out.cancelled = True
        return out
    for (t, lrs), block in zip(fine, blocks):
        order = np.argsort(np.concatenate([t.lrs, lrs]), kind="stable")
        t.lrs = np.concatenate([t.lrs, lrs])[order]
        t.scores = np.concatenate([t.scores, scores(block, setup.metric)])[order]
        t.errors += block.errors
    for t in tuned:
        t.best = best_index(t.scores)
    out.racers = tuned
    return out


def _stage(setup, obj, work, where, should_stop, progress, count, per_lr) -> list[Block] | None:
    """One Block per (racer, lrs) of ``work``; None if cancelled. One process: each racer's lrs in one block, with
    progress and cancellation within it; more: each racer's lrs in ``workers`` blocks over the processes (8 over a
    cluster's workers)."""
    from lab.parallel import run_blocks, split

    workers, scheduler = where
    def report(label):
        base = count[0]
        return None if progress is None else (lambda d, _t: progress(base + d, count[1], label))

    if workers == 1 and scheduler is None:
        out = []
        for racer, lrs in work:
            block = run_block(setup, racer.optimizer, _others(racer), lrs, obj, should_stop, report(racer.name))
            if block.cancelled:
                return None
            count[0] += len(lrs) * per_lr
            out.append(block)
        return out
    parts_each = workers if scheduler is None else 8
    jobs = [(k, part) for k, (_, lrs) in enumerate(work) for part in split(len(lrs), parts_each)]
    blocks = [(setup, work[k][0].optimizer, _others(work[k][0]), work[k][1][part]) for k, part in jobs]

    def done(i, block):
        count[0] += len(block.lrs) * per_lr
        if progress is not None:
            progress(count[0], count[1], work[jobs[i][0]][0].name)

    parts = run_blocks(run_block, blocks, workers, should_stop, done, scheduler)
    if parts is None:
        return None
    out = []
    for k in range(len(work)):
        mine = [b for (j, _), b in zip(jobs, parts) if j == k]
        out.append(Block(np.concatenate([b.lrs for b in mine]), *(np.concatenate([getattr(b, a) for b in mine])
                                                                     for a in ("loss", "step", "status")),
                         errors=[e for b in mine for e in b.errors]))
    return out


def _others(racer: RacerSpec) -> dict:
    """The racer's hyperparameters other than lr (the tune sets lr)."""
    return {k: v for k, v in racer.hyperparameters.items() if k != "lr"}


__all__ = ["Block", "COARSE", "FINE", "METRICS", "TuneResult", "TuneSetup", "TunedRacer", "best_index",
           "check_racer", "draw_starts", "fine_grid", "run_block", "scores", "seeds_to_run", "tune"]
