"""Convergence maps: from a grid of start points, which known minimum does one optimizer reach, and when?

    m = basin_map(make_objective("himmelblau"), "sgd", {"lr": 2e-3}, steps=1000, grid=200)
    m.label      # (ny, nx): the index of the minimum reached from (xs[i], ys[j]) at [j, i], or a code below
    m.step       # (ny, nx): the step the run stopped at (converged, diverged, or `steps`)
    m.summary()  # [(code, 'minimum 0 at (3, 2)', count, fraction), ..., (DIVERGED, 'diverged', ...), ...]

A start *reaches* minimum m when its final point lies within ``radius`` of m (the nearest known minimum),
whether |∇f| fell below tol there (the run stopped, ``step`` says when) or the steps ran out close to it
(``step`` is then ``steps``). Otherwise its label is DIVERGED (-1), NOT_CONVERGED (-2: it ran out of steps
away from every known minimum), ELSEWHERE (-3: |∇f| < tol away from every known minimum: an
unlisted local minimum, or a saddle point or maximum — status ``stationary`` — wherever it is) or NOT_RUN (-4: the map was cancelled first, or the objective failed there).

The grid: ``xs = linspace(x_lo, x_hi, nx)``, ``ys = linspace(y_lo, y_hi, ny)`` over the objective's plotting
domain (or ``domain``), the image convention ``[j, i]`` = (xs[i], ys[j]), row 0 at the bottom (y_lo).
The starts run through lab.multistart in blocks; ``should_stop`` and ``progress(done, total)`` pass through.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from lab.errors import LabError
from lab.files import shown, write_npz, write_text
from lab.limits import MAX_GRID, MAX_GRID_FOLDER
from lab.engine.multistart import CONVERGED, DIVERGED as MS_DIVERGED, ERROR as MS_ERROR, RUNNING as MS_RUNNING
from lab.engine.multistart import STATIONARY
from lab.engine.multistart import STATUS_NAMES, multistart
from lab.engine.status import check_limits
from lab.objectives.base import Objective
from lab.optimizers import Optimizer

DIVERGED, NOT_CONVERGED, ELSEWHERE, NOT_RUN = -1, -2, -3, -4
CODE_NAMES = {DIVERGED: "diverged", NOT_CONVERGED: "not converged", ELSEWHERE: "converged elsewhere",
              NOT_RUN: "not run"}
DEFAULT_GRID = 200


@dataclass
class BasinMap:
    """A convergence map (see the module docstring); arrays are indexed [j, i] = start (xs[i], ys[j])."""

    objective: str
    params: dict
    optimizer: str
    hyperparameters: dict
    steps: int
    tol: float
    bound: float
    radius: float
    xs: np.ndarray
    ys: np.ndarray
    minima: np.ndarray
    label: np.ndarray  # (ny, nx) int16: minimum index >= 0, or DIVERGED / NOT_CONVERGED / ELSEWHERE / NOT_RUN
    step: np.ndarray  # (ny, nx) int64: the step of the status (steps for those that ran out)
    status: np.ndarray  # (ny, nx) int8: lab.multistart's status codes
    final: np.ndarray  # (ny, nx, 2): where each run ended
    loss: np.ndarray  # (ny, nx): f there
    cancelled: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(x_lo, x_hi, y_lo, y_hi) of the grid's start points (cell centres of an image of the map)."""
        return float(self.xs[0]), float(self.xs[-1]), float(self.ys[0]), float(self.ys[-1])

    def label_name(self, code: int) -> str:
        if code >= 0:
            return f"minimum {code} at ({', '.join(f'{v:.6g}' for v in self.minima[code])})"
        return CODE_NAMES[code]

    def summary(self) -> list[tuple[int, str, int, float]]:
        """Per minimum, then diverged, not converged, elsewhere, not run (those present): (code, name, count,
        fraction of the starts)."""
        total = self.label.size
        codes = list(range(len(self.minima))) + [DIVERGED, NOT_CONVERGED, ELSEWHERE, NOT_RUN]
        out = []
        for code in codes:
            count = int(np.count_nonzero(self.label == code))
            if code >= 0 or count:
                out.append((code, self.label_name(code), count, count / total if total else 0.0))
        return out

    def settings(self) -> dict:
        """What made this map (JSON-safe): objective, params, optimizer, hyperparameters, steps, tol, bound,
        radius, grid, domain, cancelled."""
        return {"objective": self.objective, "params": _plain(self.params), "optimizer": self.optimizer,
                "hyperparameters": _plain(self.hyperparameters), "steps": self.steps, "tol": self.tol,
                "bound": self.bound, "radius": self.radius, "grid": [len(self.xs), len(self.ys)],
                "domain": [[float(self.xs[0]), float(self.xs[-1])], [float(self.ys[0]), float(self.ys[-1])]],
                "cancelled": self.cancelled}

    def save(self, path) -> Path:
        """Write the map to ``path``: .npz (every array and ``settings`` as JSON text) or .csv (one row per
        start: x, y, label, label_name, status, step, final_x, final_y, loss). Atomic; LabError otherwise."""
        suffix = Path(path).suffix.lower()
        if suffix == ".npz":
            codes = sorted(CODE_NAMES)
            return write_npz(path, dict(
                xs=self.xs, ys=self.ys, minima=self.minima, label=self.label, step=self.step, status=self.status,
                final=self.final, loss=self.loss, label_codes=np.array(codes),
                label_code_names=np.array([CODE_NAMES[c] for c in codes]),
                settings=np.array(json.dumps(self.settings()))))
        if suffix == ".csv":
            return write_text(path, self.csv_text())
        raise LabError(f"cannot write {shown(path)}: a basin map is written as .npz or .csv")

    def csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["x", "y", "label", "label_name", "status", "step", "final_x", "final_y", "loss"])
        names = {c: self.label_name(c) for c in np.unique(self.label).tolist()}
        for j, y in enumerate(self.ys.tolist()):
            for i, x in enumerate(self.xs.tolist()):
                code = int(self.label[j, i])
                fx, fy = self.final[j, i].tolist()
                w.writerow([repr(x), repr(y), code, names[code], STATUS_NAMES[self.status[j, i]],
                            int(self.step[j, i]), repr(fx), repr(fy), repr(float(self.loss[j, i]))])
        return buf.getvalue()

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}: {count}" for _, name, count, _ in self.summary())
        return (f"BasinMap({self.objective}, {self.optimizer}, {len(self.xs)}×{len(self.ys)}, {self.steps} steps; "
                f"{parts}{'; cancelled' if self.cancelled else ''})")


def grid_points(domain, grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs (nx,), ys (ny,) and the starts (ny·nx, 2), row-major: start j·nx + i is (xs[i], ys[j])."""
    nx, ny = check_grid(grid)
    dom = check_domain(domain)
    xs = np.linspace(dom[0, 0], dom[0, 1], nx)
    ys = np.linspace(dom[1, 0], dom[1, 1], ny)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1)


def block_starts(domain, grid, lo: int, hi: int) -> np.ndarray:
    """Starts lo..hi−1 of ``grid_points`` (the same values), without making the others: (hi − lo, 2)."""
    nx, ny = check_grid(grid, MAX_GRID_FOLDER)
    dom = check_domain(domain)
    xs = np.linspace(dom[0, 0], dom[0, 1], nx)
    ys = np.linspace(dom[1, 0], dom[1, 1], ny)
    j, i = np.divmod(np.arange(lo, hi), nx)
    return np.stack([xs[i], ys[j]], axis=1)


MAP_BLOCK = 1 << 16
"""Start points per block of a map: the unit a worker computes, a folder store writes, and a resumed map skips."""


def block_ranges(n: int, size: int = MAP_BLOCK) -> list[tuple[int, int]]:
    """[lo, hi) ranges of ``size`` points covering 0..n."""
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


def map_config(objective: Objective, optimizer, hyperparameters: dict | None, *, steps: int, grid, domain,
               tol: float, bound: float) -> dict:
    """What a block of a map needs, as plain values (sent to other processes): the objective by name and
    parameters, the optimizer by name, its hyperparameters, the grid and the run's limits."""
    return {"objective": objective.name, "params": dict(objective.params), "optimizer": optimizer,
            "hyperparameters": dict(hyperparameters or {}), "steps": steps,
            "grid": list(check_grid(grid, MAX_GRID_FOLDER)), "domain": check_domain(domain).tolist(), "tol": tol,
            "bound": bound}


def basin_block(config: dict, block: tuple[int, int], objective: Objective | None = None, **callbacks) -> dict:
    """The runs from starts [lo, hi) of the map ``config`` describes: x, loss, grad_norm, status, step, errors.
    A pure function of its arguments (any process computes the same bits); ``callbacks``: multistart's
    ``should_stop`` and ``progress``."""
    from lab.objectives import make_objective

    obj = objective if objective is not None else make_objective(config["objective"], **config["params"])
    lo, hi = block
    r = multistart(obj, config["optimizer"], block_starts(config["domain"], config["grid"], lo, hi),
                   steps=config["steps"],
                   hyperparameters=config["hyperparameters"], tol=config["tol"], bound=config["bound"],
                   block=hi - lo, **callbacks)
    return {"x": r.x, "loss": r.loss, "grad_norm": r.grad_norm, "status": r.status, "step": r.step,
            "errors": list(r.errors), "cancelled": r.cancelled, "optimizer": r.optimizer,
            "hyperparameters": r.hyperparameters}


def basin_map(objective: Objective, optimizer: str | Optimizer, hyperparameters: dict | None = None, *,
              steps: int, grid: int | tuple[int, int] = DEFAULT_GRID, domain=None, minima=None,
              radius: float | None = None, tol: float = 1e-8, bound: float = 1e6,
              should_stop: Callable[[], bool] | None = None,
              progress: Callable[[int, int], Any] | None = None, block: int | None = None,
              chunk: int | None = None, workers: int | None = None, scheduler: str | None = None) -> BasinMap:
    """The convergence map of ``optimizer`` (a name with ``hyperparameters``, or a built batched Optimizer)
    on a 2-D ``objective`` over ``grid`` (n for n × n, or (nx, ny)) start points spanning ``domain`` (default:
    the objective's plotting domain), ``steps`` steps each.

    ``minima`` (M, 2): the known minima (default: the objective's); ``radius``: how close the final point must
    be to count as reaching one (default: 1 % of the domain's diagonal, at most a third of the distance between
    the two closest minima). Cancel with ``should_stop()``; the map then comes back with ``cancelled=True``
    and NOT_RUN where no result was reached.

    The starts run in blocks of ``block`` points (default MAP_BLOCK), each ``basin_block``: here, or with
    ``workers`` N on N local processes, or with ``scheduler`` on a Dask cluster (lab.parallel) — the same
    bits whichever (``progress`` then counts blocks' point-steps as they finish; ``should_stop`` is not asked).
    """
    if objective.dim != 2:
        raise LabError(f"a convergence map needs a 2-D objective; {objective.name} has {objective.dim} coordinates")
    dom = objective.domain if domain is None else check_domain(domain)
    xs, ys, starts = grid_points(dom, grid)
    mins = objective.minima if minima is None else np.asarray(minima, dtype=float).reshape(-1, 2)
    if not np.isfinite(mins).all():
        raise LabError("the minima must be finite numbers")
    if radius is None:
        radius = default_radius(dom, mins)
    elif not (radius > 0 and np.isfinite(radius)):
        raise LabError(f"radius must be a finite number > 0, got {radius!r}")
    if block is not None and (isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1):
        raise LabError(f"block must be a whole number >= 1, got {block!r}")
    k_points = len(starts)
    steps, tol, bound = check_limits(steps, tol, bound)
    name = optimizer if isinstance(optimizer, str) else optimizer.name
    if workers is not None:
        from lab.parallel import check_workers

        check_workers(workers)
    elsewhere = (workers or 1) > 1 or scheduler is not None
    if not isinstance(optimizer, str) and elsewhere:
        raise LabError("a map run by workers names its optimizer: a built one cannot be sent to other processes")
    config = map_config(objective, optimizer, hyperparameters, steps=steps, grid=grid, domain=dom, tol=tol,
                        bound=bound)
    result = {"x": starts.copy(), "loss": np.full(k_points, np.nan), "grad_norm": np.full(k_points, np.nan),
              "status": np.zeros(k_points, dtype=np.int8), "step": np.zeros(k_points, dtype=np.int64)}
    errors, state = [], {"cancelled": False, "optimizer": name, "hyperparameters": dict(hyperparameters or {}),
                         "done": 0}
    ranges = block_ranges(k_points, int(block) if block is not None else MAP_BLOCK)

    def keep(i: int, part: dict) -> None:
        lo, hi = ranges[i]
        for key in result:
            result[key][lo:hi] = part[key]
        errors.extend(part["errors"])
        state.update(optimizer=part["optimizer"], hyperparameters=part["hyperparameters"])
        state["cancelled"] |= part["cancelled"]
        state["done"] += hi - lo
        if progress is not None and elsewhere:
            progress(state["done"] * steps, k_points * steps)

    if elsewhere:
        from lab.parallel import run_blocks

        run_blocks(basin_block, [(config, r) for r in ranges], workers or 1, done=keep, scheduler=scheduler)
    else:  # here, block by block, with the window's cancel and progress at multistart's chunks
        for i, (lo, hi) in enumerate(ranges):
            report = None if progress is None else (
                lambda d, t, o=lo * steps: progress(o + d, k_points * steps))
            keep(i, basin_block(config, (lo, hi), objective, should_stop=should_stop, progress=report, chunk=chunk))
            if state["cancelled"]:  # the rest stays RUNNING (code 0) at its start: NOT_RUN in the labels
                break
    label = classify(result["x"], result["status"], mins, radius)
    shape = (len(ys), len(xs))
    return BasinMap(objective=objective.name, params=dict(objective.params), optimizer=state["optimizer"],
                    hyperparameters=state["hyperparameters"], steps=steps, tol=tol,
                    bound=bound, radius=float(radius), xs=xs, ys=ys, minima=mins.copy(),
                    label=label.reshape(shape), step=result["step"].reshape(shape),
                    status=result["status"].reshape(shape), final=result["x"].reshape(shape + (2,)),
                    loss=result["loss"].reshape(shape), cancelled=state["cancelled"], errors=errors)


def classify(final: np.ndarray, status: np.ndarray, minima: np.ndarray, radius: float) -> np.ndarray:
    """Labels (int16) from final points (K, 2) and multistart status codes (K,): see the module docstring."""
    k = len(final)
    label = np.full(k, NOT_CONVERGED, dtype=np.int16)
    if len(minima):
        with np.errstate(all="ignore"):
            dist = np.sqrt(((final[:, None, :] - minima[None, :, :]) ** 2).sum(axis=-1))  # (K, M)
        nearest = np.argmin(np.where(np.isnan(dist), np.inf, dist), axis=1)
        close = dist[np.arange(k), nearest] <= radius
        label = np.where(close, nearest, label).astype(np.int16)
    else:
        close = np.zeros(k, dtype=bool)
    label[(~close & (status == CONVERGED)) | (status == STATIONARY)] = ELSEWHERE
    label[status == MS_DIVERGED] = DIVERGED
    label[(status == MS_RUNNING) | (status == MS_ERROR)] = NOT_RUN
    return label


def default_radius(domain, minima) -> float:
    """1 % of the domain's diagonal, at most a third of the distance between the two closest minima."""
    dom = check_domain(domain)
    r = 0.01 * float(np.hypot(*(dom[:, 1] - dom[:, 0])))
    if len(minima) > 1:
        d = np.sqrt(((minima[:, None] - minima[None]) ** 2).sum(-1))
        r = min(r, float(d[~np.eye(len(minima), dtype=bool)].min()) / 3)
    return r


def check_grid(grid, most: int = MAX_GRID) -> tuple[int, int]:
    """(nx, ny) from n or (nx, ny), each a whole number from 2 to ``most``; LabError otherwise."""
    values = (grid, grid) if np.ndim(grid) == 0 else tuple(np.ravel(grid).tolist())
    if len(values) != 2:
        raise LabError(f"grid must be n or (nx, ny), got {grid!r}")
    out = []
    for v in values:
        try:
            ok = not isinstance(v, bool) and float(v).is_integer() and 2 <= float(v) <= most
        except (TypeError, ValueError, OverflowError):
            ok = False
        if not ok:
            raise LabError(f"grid sizes must be whole numbers from 2 to {most}, got {grid!r}")
        out.append(int(v))
    return out[0], out[1]


def check_domain(domain) -> np.ndarray:
    """[[x_lo, x_hi], [y_lo, y_hi]] as a (2, 2) array, finite with lo < hi; LabError otherwise."""
    try:
        dom = np.asarray(domain, dtype=float).reshape(2, 2)
    except (TypeError, ValueError):
        raise LabError(f"domain must be [[x_lo, x_hi], [y_lo, y_hi]], got {domain!r}") from None
    if not np.isfinite(dom).all() or not (dom[:, 0] < dom[:, 1]).all():
        raise LabError(f"domain must be finite with lo < hi in each coordinate, got {dom.tolist()}")
    return dom


def _plain(d: dict) -> dict:
    return {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in d.items()}


__all__ = ["BasinMap", "DIVERGED", "ELSEWHERE", "MAP_BLOCK", "NOT_CONVERGED", "NOT_RUN", "basin_block", "basin_map",
           "block_ranges", "block_starts", "check_domain", "check_grid", "classify", "default_radius", "grid_points",
           "map_config"]
