"""The learning-rate sweep's default range: around gradient descent's stability edge 2/λmax at the start.

Pure NumPy: the sweep view only fills its fields with the range.
"""
from __future__ import annotations

import math

import numpy as np

from lab.curvature import curvature, stability_bound


def stability_edge(objective, point) -> float:
    """2/λmax of the Hessian at ``point`` (inf where no edge applies or the Hessian cannot be had: a default
    must never stop the view)."""
    try:
        with np.errstate(all="ignore"):
            return float(stability_bound(curvature(objective.hessian(point)).eigenvalues))
    except Exception:
        return math.inf


def lr_range_around(edge: float, below: int = 3, above: int = 2) -> tuple[float, float] | None:
    """Powers of ten from ``below`` decades under the edge's decade to ``above`` decades over it (1000× below it
    to 10× above by default); None when there is no finite, positive edge."""
    if not (math.isfinite(edge) and edge > 0):
        return None
    e = math.floor(math.log10(edge))
    return 10.0 ** (e - below), 10.0 ** (e + above)


__all__ = ["lr_range_around", "stability_edge"]
