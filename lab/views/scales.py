"""What the plots show for a value: log-scale floors and log-spaced contour levels (display only, no optimization math)."""
from __future__ import annotations

import numpy as np

FLOOR = 1e-16
"""Gaps f − f* and norms below FLOOR·max(1, |f*|) are drawn at the floor: double precision cannot tell them from 0,
and an exact 0 would break the log scale."""


def floor_for(min_value: float | None) -> float:
    """The log plots' floor for an objective whose minimum value is ``min_value`` (None: unknown)."""
    return FLOOR * max(1.0, abs(min_value)) if min_value is not None else FLOOR


def loss_gap(losses: np.ndarray, min_value: float | None) -> np.ndarray:
    """f − f* floored (for a log axis) when f* is known; f itself when it is not (drawn on a linear axis).

    Non-finite losses stay non-finite, so the plots skip them.
    """
    losses = np.asarray(losses, dtype=float)
    if min_value is None:
        return losses.copy()
    with np.errstate(invalid="ignore"):
        gap = losses - min_value
        return np.where(np.isnan(gap), gap, np.maximum(gap, floor_for(min_value)))


def positive_floor(values: np.ndarray, floor: float = FLOOR) -> np.ndarray:
    """Values for a log axis: below ``floor`` (exact zeros included) drawn at the floor; NaN kept."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(values), values, np.maximum(values, floor))


def log_levels(gaps: np.ndarray, count: int = 14, span: float = 1e7) -> np.ndarray:
    """``count`` + 1 level edges spaced evenly in log10(gap), from the largest finite gap down by at most ``span``.

    Log-spaced levels show a narrow valley (rosenbrock's) that linear levels flatten into one band.
    """
    gaps = np.asarray(gaps, dtype=float)
    good = gaps[np.isfinite(gaps) & (gaps > 0)]
    if good.size == 0:
        return np.linspace(-1.0, 1.0, count + 1)
    hi = np.log10(good.max())
    lo = max(np.log10(good.min()), hi - np.log10(span))
    if hi - lo < 1e-9:
        lo, hi = hi - 1.0, hi + 1.0
    return np.linspace(lo, hi, count + 1)


def banded(gaps: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """log10(gap) snapped to the middle of its band between ``levels`` (filled contours as an image)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.asarray(gaps, dtype=float))
    idx = np.clip(np.searchsorted(levels, z, side="right") - 1, 0, len(levels) - 2)
    mid = 0.5 * (levels[:-1] + levels[1:])
    return np.where(np.isfinite(z), mid[idx], np.where(z > 0, mid[-1], mid[0]))
