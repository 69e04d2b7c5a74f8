"""Learning-rate sweeps: the final loss after N steps against lr on a log grid, one curve per optimizer.

    s = lr_sweep(make_objective("quadratic"), [-1.8, 1.2], ["sgd", "momentum", ("adam", {"beta1": 0.8})],
                 lr_min=1e-3, lr_max=1.0, num=50, steps=200)
    s.lrs          # (num,) the learning rates, log-spaced from lr_min to lr_max
    s.loss[i]      # (num,) optimizer i's final loss at each lr (NaN/inf where it blew up)
    s.edge         # 2/λmax of the Hessian at the start: where gradient descent turns unstable (mark it)
    s.best(i)      # (lr, loss) with the lowest final loss that did not diverge, or None

Every run starts from the same point; all lrs of one optimizer step together as one batch of identical
starts with a learning rate per row (lab.multistart), each row taking the same bits as that lr alone.
By default tol = 0, so every run takes all N steps unless it diverges (|x|∞ > bound or not finite): the
loss is then the loss at the step it diverged, and ``status`` says DIVERGED. Each optimizer's curve is one
block (``sweep_block``): run here, or with ``workers`` / ``scheduler`` elsewhere (lab.parallel), the same bits.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from lab.curvature import curvature, stability_bound
from lab.errors import LabError
from lab.files import shown, write_npz, write_text
from lab.engine.multistart import DIVERGED, RUNNING, STATUS_NAMES, multistart
from lab.objectives.base import Objective
from lab.optimizers import optimizer_spec

MAX_NUM = 10000


@dataclass
class LRSweep:
    """A learning-rate sweep (see the module docstring); row i of loss/status/step is optimizer i."""

    objective: str
    params: dict
    start: np.ndarray
    steps: int
    tol: float
    bound: float
    lrs: np.ndarray
    optimizers: list[tuple[str, dict]]  # (name, the hyperparameters other than lr, as given)
    loss: np.ndarray  # (n, num) final loss
    grad_norm: np.ndarray  # (n, num)
    status: np.ndarray  # (n, num) int8 lab.multistart status codes
    step: np.ndarray  # (n, num) the step of the status
    eigenvalues: np.ndarray  # of the Hessian at the start, ascending
    edge: float  # stability_bound(eigenvalues) = 2/λmax (inf when λmax <= 0)
    cancelled: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        """'sgd', 'adam(beta1=0.8)': one name per curve."""
        return [name + (f"({', '.join(f'{k}={v:g}' if isinstance(v, float) else f'{k}={v}' for k, v in hp.items())})"
                        if hp else "") for name, hp in self.optimizers]

    @property
    def diverged(self) -> np.ndarray:
        return self.status == DIVERGED

    def best(self, i: int) -> tuple[float, float] | None:
        """(lr, final loss) of optimizer i's lowest final loss among the runs that finished without diverging."""
        ok = (self.status[i] != DIVERGED) & (self.status[i] != RUNNING) & np.isfinite(self.loss[i])
        if not ok.any():
            return None
        j = int(np.flatnonzero(ok)[np.argmin(self.loss[i][ok])])
        return float(self.lrs[j]), float(self.loss[i, j])

    def settings(self) -> dict:
        return {"objective": self.objective, "params": dict(self.params), "start": self.start.tolist(),
                "steps": self.steps, "tol": self.tol, "bound": self.bound, "lr_min": float(self.lrs[0]),
                "lr_max": float(self.lrs[-1]), "num": len(self.lrs),
                "optimizers": [{"optimizer": n, "hyperparameters": hp} for n, hp in self.optimizers],
                "edge": self.edge if np.isfinite(self.edge) else None, "cancelled": self.cancelled}

    def save(self, path) -> Path:
        """Write to ``path``: .npz (lrs, loss, grad_norm, status, step, labels, eigenvalues, edge, settings JSON)
        or .csv (one row per optimizer and lr: optimizer, label, lr, loss, grad_norm, status, step). Atomic."""
        suffix = Path(path).suffix.lower()
        if suffix == ".npz":
            return write_npz(path, dict(
                lrs=self.lrs, loss=self.loss, grad_norm=self.grad_norm, status=self.status, step=self.step,
                labels=np.array(self.labels), eigenvalues=self.eigenvalues, edge=np.array(self.edge),
                status_names=np.array(STATUS_NAMES), settings=np.array(json.dumps(self.settings()))))
        if suffix == ".csv":
            return write_text(path, self.csv_text())
        raise LabError(f"cannot write {shown(path)}: a learning-rate sweep is written as .npz or .csv")

    def csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["optimizer", "label", "lr", "loss", "grad_norm", "status", "step"])
        for i, ((name, _), label) in enumerate(zip(self.optimizers, self.labels)):
            for j, lr in enumerate(self.lrs.tolist()):
                w.writerow([name, label, repr(lr), repr(float(self.loss[i, j])), repr(float(self.grad_norm[i, j])),
                            STATUS_NAMES[self.status[i, j]], int(self.step[i, j])])
        return buf.getvalue()

    def __repr__(self) -> str:
        return (f"LRSweep({self.objective}, {', '.join(self.labels)}; lr {self.lrs[0]:g}..{self.lrs[-1]:g} "
                f"× {len(self.lrs)}, {self.steps} steps, edge {self.edge:g}{', cancelled' if self.cancelled else ''})")


def lr_grid(lr_min: float, lr_max: float, num: int) -> np.ndarray:
    """``num`` learning rates log-spaced from lr_min to lr_max (both included)."""
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or not 1 <= num <= MAX_NUM:
        raise LabError(f"num must be a whole number from 1 to {MAX_NUM}, got {num!r}")
    try:
        lo, hi = float(lr_min), float(lr_max)
    except (TypeError, ValueError):
        raise LabError(f"lr_min and lr_max must be numbers, got {lr_min!r} and {lr_max!r}") from None
    if not (0 < lo <= hi < np.inf):
        raise LabError(f"learning rates must satisfy 0 < lr_min <= lr_max (finite), got {lr_min!r} and {lr_max!r}")
    if num > 1 and lo == hi:
        raise LabError(f"lr_min equals lr_max ({lo:g}): give num 1 or a wider range")
    return np.geomspace(lo, hi, num) if num > 1 else np.array([lo])


def sweep_block(config: dict, i: int, objective: Objective | None = None, **callbacks) -> dict:
    """Optimizer i's curve of the sweep ``config`` describes: loss, grad_norm, status, step, errors, cancelled.
    A pure function of its arguments; ``callbacks``: multistart's ``should_stop`` and ``progress``."""
    from lab.objectives import make_objective

    obj = objective if objective is not None else make_objective(config["objective"], **config["params"])
    lrs = np.asarray(config["lrs"], dtype=float)
    name, hp = config["optimizers"][i]
    starts = np.repeat(np.asarray(config["start"], dtype=float)[None], len(lrs), axis=0)
    r = multistart(obj, name, starts, steps=config["steps"], hyperparameters={**hp, "lr": lrs}, tol=config["tol"],
                   bound=config["bound"], **callbacks)
    return {"loss": r.loss, "grad_norm": r.grad_norm, "status": r.status, "step": r.step,
            "errors": [f"{name}: {e}" for e in r.errors], "cancelled": r.cancelled}


def lr_sweep(objective: Objective, start, optimizers: Sequence[str | tuple[str, dict]], *, lr_min: float,
             lr_max: float, num: int = 50, steps: int, tol: float = 0.0, bound: float = 1e6,
             should_stop: Callable[[], bool] | None = None,
             progress: Callable[[int, int], Any] | None = None, workers: int | None = None,
             scheduler: str | None = None) -> LRSweep:
    """Sweep lr over ``num`` log-spaced values for each optimizer (a name, or (name, hyperparameters) without
    lr), from ``start`` (default: the objective's start), ``steps`` steps each.

    ``progress(done, total)`` counts point-steps over the whole sweep; ``should_stop()`` cancels it (the
    result then has ``cancelled=True`` and RUNNING where no result was reached). With ``workers`` N or a Dask
    ``scheduler`` the optimizers' curves are computed elsewhere (``should_stop`` is then not asked).
    """
    if not optimizers:
        raise LabError("give at least one optimizer to sweep")
    lrs = lr_grid(lr_min, lr_max, num)
    x0 = objective.check_point(objective.start if start is None else start, "start")
    opts: list[tuple[str, dict]] = []
    for item in optimizers:
        name, hp = (item, {}) if isinstance(item, str) else (item[0], dict(item[1]))
        spec = optimizer_spec(name)
        if "lr" in hp:
            raise LabError(f"optimizer {spec.name!r}: the sweep sets lr; give the other hyperparameters only")
        spec.make(**hp, lr=float(lrs[0]))  # every given value checked before any work
        opts.append((spec.name, hp))
    with np.errstate(all="ignore"):
        lam = curvature(objective.hessian(x0)).eigenvalues
    n, total = len(opts), len(opts) * len(lrs) * steps
    out = LRSweep(objective=objective.name, params=dict(objective.params), start=x0, steps=int(steps),
                  tol=float(tol), bound=float(bound), lrs=lrs, optimizers=opts,
                  loss=np.full((n, len(lrs)), np.nan), grad_norm=np.full((n, len(lrs)), np.nan),
                  status=np.zeros((n, len(lrs)), dtype=np.int8), step=np.zeros((n, len(lrs)), dtype=np.int64),
                  eigenvalues=np.asarray(lam, dtype=float), edge=float(stability_bound(lam)))
    config = {"objective": objective.name, "params": dict(objective.params), "start": x0.tolist(),
              "lrs": lrs.tolist(), "optimizers": opts, "steps": int(steps), "tol": tol, "bound": bound}
    errors: list[list[str]] = [[] for _ in opts]

    def keep(i: int, part: dict) -> None:
        out.loss[i], out.grad_norm[i], out.status[i], out.step[i] = (part["loss"], part["grad_norm"], part["status"],
                                                                     part["step"])
        errors[i] = part["errors"]
        out.cancelled |= part["cancelled"]

    if workers is not None:
        from lab.parallel import check_workers

        check_workers(workers)
    if (workers or 1) > 1 or scheduler is not None:
        from lab.parallel import run_blocks

        each, finished = len(lrs) * steps, [0]

        def done(i: int, part: dict) -> None:
            keep(i, part)
            finished[0] += 1
            if progress is not None:
                progress(finished[0] * each, total)

        run_blocks(sweep_block, [(config, i) for i in range(n)], workers or 1, done=done, scheduler=scheduler)
    else:
        for i in range(n):
            offset = i * len(lrs) * steps
            report = None if progress is None else (lambda done, _total, o=offset: progress(o + done, total))
            keep(i, sweep_block(config, i, objective, should_stop=should_stop, progress=report))
            if out.cancelled:
                break
    out.errors.extend(e for part in errors for e in part)
    return out


__all__ = ["LRSweep", "lr_grid", "lr_sweep", "sweep_block"]
