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
from lab.engine.multistart import CONVERGED, DIVERGED as MS_DIVERGED, ERROR as MS_ERROR, RUNNING as MS_RUNNING
from lab.engine.multistart import STATIONARY
from lab.engine.multistart import STATUS_NAMES, multistart
from lab.objectives.base import Objective
from lab.optimizers import Optimizer

DIVERGED, NOT_CONVERGED, ELSEWHERE, NOT_RUN = -1, -2, -3, -4
CODE_NAMES = {DIVERGED: "diverged", NOT_CONVERGED: "not converged", ELSEWHERE: "converged elsewhere",
              NOT_RUN: "not run"}
DEFAULT_GRID = 200
MAX_GRID = 1000  # 1000 × 1000 starts keep ~60 MB of results


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
    nx, ny = _grid(grid)
    dom = _domain(domain)
    xs = np.linspace(dom[0, 0], dom[0, 1], nx)
    ys = np.linspace(dom[1, 0], dom[1, 1], ny)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1)


def basin_map(objective: Objective, optimizer: str | Optimizer, hyperparameters: dict | None = None, *,
              steps: int, grid: int | tuple[int, int] = DEFAULT_GRID, domain=None, minima=None,
              radius: float | None = None, tol: float = 1e-8, bound: float = 1e6,
              should_stop: Callable[[], bool] | None = None,
              progress: Callable[[int, int], Any] | None = None, block: int | None = None,
              chunk: int | None = None) -> BasinMap:
    """The convergence map of ``optimizer`` (a name with ``hyperparameters``, or a built batched Optimizer)
    on a 2-D ``objective`` over ``grid`` (n for n × n, or (nx, ny)) start points spanning ``domain`` (default:
    the objective's plotting domain), ``steps`` steps each.

    ``minima`` (M, 2): the known minima (default: the objective's); ``radius``: how close the final point must
    be to count as reaching one (default: 1 % of the domain's diagonal, at most a third of the distance between
    the two closest minima). Cancel with ``should_stop()``; the map then comes back with ``cancelled=True``
    and NOT_RUN where no result was reached.
    """
    if objective.dim != 2:
        raise LabError(f"a convergence map needs a 2-D objective; {objective.name} has {objective.dim} coordinates")
    dom = objective.domain if domain is None else _domain(domain)
    xs, ys, starts = grid_points(dom, grid)
    mins = objective.minima if minima is None else np.asarray(minima, dtype=float).reshape(-1, 2)
    if not np.isfinite(mins).all():
        raise LabError("the minima must be finite numbers")
    if radius is None:
        radius = default_radius(dom, mins)
    elif not (radius > 0 and np.isfinite(radius)):
        raise LabError(f"radius must be a finite number > 0, got {radius!r}")
    result = multistart(objective, optimizer, starts, steps=steps, hyperparameters=hyperparameters, tol=tol,
                        bound=bound, should_stop=should_stop, progress=progress, block=block, chunk=chunk)
    label = classify(result.x, result.status, mins, radius)
    shape = (len(ys), len(xs))
    return BasinMap(objective=objective.name, params=dict(objective.params), optimizer=result.optimizer,
                    hyperparameters=result.hyperparameters, steps=result.steps, tol=result.tol,
                    bound=result.bound, radius=float(radius), xs=xs, ys=ys, minima=mins.copy(),
                    label=label.reshape(shape), step=result.step.reshape(shape),
                    status=result.status.reshape(shape), final=result.x.reshape(shape + (2,)),
                    loss=result.loss.reshape(shape), cancelled=result.cancelled, errors=list(result.errors))


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
    dom = _domain(domain)
    r = 0.01 * float(np.hypot(*(dom[:, 1] - dom[:, 0])))
    if len(minima) > 1:
        d = np.sqrt(((minima[:, None] - minima[None]) ** 2).sum(-1))
        r = min(r, float(d[~np.eye(len(minima), dtype=bool)].min()) / 3)
    return r


def _grid(grid) -> tuple[int, int]:
    values = (grid, grid) if np.ndim(grid) == 0 else tuple(np.ravel(grid).tolist())
    if len(values) != 2:
        raise LabError(f"grid must be n or (nx, ny), got {grid!r}")
    out = []
    for v in values:
        try:
            ok = not isinstance(v, bool) and float(v).is_integer() and 2 <= float(v) <= MAX_GRID
        except (TypeError, ValueError, OverflowError):
            ok = False
        if not ok:
            raise LabError(f"grid sizes must be whole numbers from 2 to {MAX_GRID}, got {grid!r}")
        out.append(int(v))
    return out[0], out[1]


def _domain(domain) -> np.ndarray:
    try:
        dom = np.asarray(domain, dtype=float).reshape(2, 2)
    except (TypeError, ValueError):
        raise LabError(f"domain must be [[x_lo, x_hi], [y_lo, y_hi]], got {domain!r}") from None
    if not np.isfinite(dom).all() or not (dom[:, 0] < dom[:, 1]).all():
        raise LabError(f"domain must be finite with lo < hi in each coordinate, got {dom.tolist()}")
    return dom


def _plain(d: dict) -> dict:
    return {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in d.items()}


__all__ = ["BasinMap", "DIVERGED", "ELSEWHERE", "NOT_CONVERGED", "NOT_RUN", "basin_map", "classify",
           "default_radius", "grid_points"]
