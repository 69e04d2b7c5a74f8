"""The contour plot's picture of a 2-D objective: f on a grid over its domain (and a margin), as log10(f − f*).

Pure NumPy: the window only turns the result into an image and a colour bar.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lab.views.scales import floor_for, log_levels

GRID = 360             # grid points per side
GRID_BUDGET = 3e7      # at most this many (grid point, data point) pairs: a data set of N points gets a coarser
                       # grid, √(GRID_BUDGET / N) a side, at least MIN_GRID (the defaults' 50-200 points: 360;
                       # 10 000 points: 54, about 3 s for the logistic loss on 2 cores; 100 000: 40, about 15 s)
MIN_GRID = 40
MARGIN = 0.25          # the grid reaches this fraction of the domain beyond it on each side
BANDS = 14             # colour bands between the levels


@dataclass
class ContourGrid:
    """``z[i, j]`` = log10(f − f*) at (gx[i], gy[j]) (first axis along x), floored, non-finite values at the top
    level; ``levels``: ``bands`` + 1 band edges in log10 over the domain (not the margin)."""

    gx: np.ndarray
    gy: np.ndarray
    z: np.ndarray
    levels: np.ndarray
    what: str  # "f − f*" when the minimum value is known, "f − min f" (over the grid's domain) when not


def contour_grid(objective, grid: int = GRID, margin: float = MARGIN, bands: int = BANDS) -> ContourGrid:
    """Evaluate a 2-D ``objective`` on a ``grid`` × ``grid`` lattice over its domain widened by ``margin``."""
    n = getattr(objective, "n", 0) if hasattr(objective, "inputs") else 0
    if n:
        grid = min(grid, max(MIN_GRID, int(np.sqrt(GRID_BUDGET / n))))
    (x0, x1), (y0, y1) = objective.domain
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    gx = np.linspace(x0 - mx, x1 + mx, grid)
    gy = np.linspace(y0 - my, y1 + my, grid)
    X, Y = np.meshgrid(gx, gy, indexing="ij")
    with np.errstate(all="ignore"):
        f = objective.value(np.stack([X, Y], axis=-1))
    inside = (X >= x0) & (X <= x1) & (Y >= y0) & (Y <= y1)
    known = objective.min_value is not None
    base = objective.min_value if known else np.nanmin(np.where(inside, f, np.nan))
    gap = f - base
    floor = floor_for(objective.min_value)
    levels = log_levels(np.where(inside, gap, np.nan), bands)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.maximum(gap, floor))
    z = np.where(np.isfinite(z), z, levels[-1])
    return ContourGrid(gx, gy, z, levels, "f − f*" if known else "f − min f")


__all__ = ["BANDS", "ContourGrid", "GRID", "MARGIN", "contour_grid"]
