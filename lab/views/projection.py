"""A trajectory seen on a 2-D slice through its current point: each x_k as (α, β) with x_k ≈ x + α·d1 + β·d2.

For orthonormal d1, d2 (lab/slices.py's) this is the orthogonal projection onto the plane: α = (x_k − x)·d1,
β = (x_k − x)·d2. What lies off the plane is not shown; the slice's colours are f on the plane only.
"""
from __future__ import annotations

import numpy as np

RECENT = 1000
"""Steps of the racer's path drawn on its slice (the most recent ones; in 82 dimensions the last 200 of an mlp
race project to a tenth of the slice's half-width, hidden under the racer's marker)."""

DRAWN = 250
"""Points of that path drawn at most (every k-th step, the last one always)."""


def thin(rows: np.ndarray, most: int = DRAWN) -> np.ndarray:
    """Every k-th row of ``rows``, at most ``most`` of them, ending with the last row."""
    k = max(1, -(-len(rows) // most))
    return rows[::-1][::k][::-1]


def project_path(path: np.ndarray, x: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """(m, 2): the rows of ``path`` (m, d) as (α, β) on the plane through ``x`` along orthonormal ``d1``, ``d2``;
    non-finite rows stay non-finite."""
    offsets = np.asarray(path, dtype=float) - np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        return np.column_stack([offsets @ np.asarray(d1, dtype=float), offsets @ np.asarray(d2, dtype=float)])


__all__ = ["DRAWN", "RECENT", "project_path", "thin"]
