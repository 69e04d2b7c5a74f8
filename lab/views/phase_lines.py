"""What the phase-diagram view draws over the rate image, computed without Qt: the regions' boundaries, the racers'
(lr, ρ) with their rates, and a grid that covers them. The view's x axis is log10(lr), its y axis ρ."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.phase import DEFAULT_LR, DEFAULT_RHO, OPTIMIZERS, OSCILLATES, PhaseDiagram, rate
from lab.views.isocurve import isocurve

RHO_TOP = 0.999  # the highest ρ the view's grid reaches to show a racer


class Marked(NamedTuple):
    """A racer on the diagram: its row in the racers, label, colour, optimizer, lr, ρ and exact rate there."""

    row: int
    label: str
    color: str
    optimizer: str
    lr: float
    rho: float
    rate: float


def boundaries(d: PhaseDiagram) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """{'diverges': the lines where the rate crosses 1, 'oscillates': the edges of the complex-root region}, each
    line as (log10 lr, ρ) arrays."""
    lines = {"diverges": isocurve(d.rate, 1.0),
             "oscillates": isocurve((d.region == OSCILLATES).astype(float), 0.5)}
    x0, dx = np.log10(d.lr[0]), np.log10(d.lr[-1] / d.lr[0]) / (len(d.lr) - 1)
    r0, dr = d.rho[0], (d.rho[-1] - d.rho[0]) / (len(d.rho) - 1)
    out = {}
    for name, paths in lines.items():
        out[name] = []
        for path in paths:
            p = np.asarray(path, dtype=float) - 0.5  # isocurve's points are shifted by half a cell
            out[name].append((x0 + p[:, 1] * dx, r0 + p[:, 0] * dr))
    return out


def marked(racers, eigenvalues) -> list[Marked]:
    """The enabled momentum and Nesterov racers (RacerSpecs, in order) with their exact rate on this quadratic."""
    from lab.optimizers import optimizer_spec

    out = []
    lam = np.asarray(eigenvalues, dtype=float)
    for row, r in enumerate(racers):
        if r.optimizer not in OPTIMIZERS or not r.enabled:
            continue
        values = {**optimizer_spec(r.optimizer).defaults(), **r.hyperparameters}
        lr, rho = float(values["lr"]), float(values["rho"])
        worst = max(float(rate(r.optimizer, lr, rho, v)) for v in (lam.min(), lam.max()))
        out.append(Marked(row, r.name, r.color or "#000000", r.optimizer, lr, rho, worst))
    return out


def covering_range(eigenvalues, points) -> dict:
    """lr_min, lr_max, rho_min, rho_max: the defaults (lab.phase), widened to show every (lr, ρ) of ``points``
    with a margin (lr within a factor 1.5 of the edge; ρ up to RHO_TOP)."""
    lam_max = float(np.max(eigenvalues))
    lo, hi = DEFAULT_LR[0] / lam_max, DEFAULT_LR[1] / lam_max
    top = DEFAULT_RHO[1]
    for lr, rho in points:
        if lr > 0 and np.isfinite(lr):
            lo, hi = min(lo, lr / 1.5), max(hi, lr * 1.5)
        if 0 <= rho < 1:
            top = max(top, min(RHO_TOP, rho + 0.005))
    return {"lr_min": lo, "lr_max": hi, "rho_min": DEFAULT_RHO[0], "rho_max": top}


def log_ticks(lo: float, hi: float, most: int = 7) -> list[tuple[float, str]]:
    """Tick marks for an axis that shows log10(v) from ``lo`` to ``hi``: (log10 v, 'v') for the values 1·10ᵏ, then
    1, 2, 5·10ᵏ, then 1, 2, 3, 5·10ᵏ, ..., the densest set with at most ``most`` marks (at least the decades)."""
    lo, hi = min(lo, hi), max(lo, hi)
    best = None
    for mantissas in ((1,), (1, 3), (1, 2, 5), (1, 2, 3, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9)):
        values = [m * 10.0 ** k for k in range(int(np.floor(lo)) - 1, int(np.ceil(hi)) + 1) for m in mantissas]
        marks = [(float(np.log10(v)), f"{v:g}") for v in values if lo - 1e-9 <= np.log10(v) <= hi + 1e-9]
        if best is None or len(marks) <= most:
            best = marks
    return best


__all__ = ["Marked", "RHO_TOP", "boundaries", "covering_range", "log_ticks", "marked"]
