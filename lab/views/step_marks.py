"""Which steps of a trajectory get a small marker on the contour: those far enough apart on screen to see.

A marker at x_k shows a step's size (Adam's bias-corrected first step against the uncorrected ≈ 3.16·lr one);
where steps shrink below ``MIN_PX`` pixels the markers would only blur the line into a thick one, so none are
drawn there. Decided per racer at the view's scale (data units per pixel) and extended row by row as the race
grows; a new scale (a zoom) starts over.
"""
from __future__ import annotations

import numpy as np

MIN_PX = 6.0
"""A step at least this many pixels long gets markers at both its ends."""

MAX_MARKS = 1500
"""Markers per racer at most (a long noisy race would otherwise keep adding them): the first ones are kept."""


class StepMarks:
    """The rows of one trajectory that get a marker at scale ``cell`` = (data units per pixel in x, in y)."""

    def __init__(self, cell, min_px: float = MIN_PX, limit: int = MAX_MARKS):
        self.cell = (float(cell[0]), float(cell[1]))
        self.min_px, self.limit = float(min_px), int(limit)
        self._rows = np.empty(0, dtype=np.int64)
        self.done = 0  # rows looked at so far

    @property
    def rows(self) -> np.ndarray:
        return self._rows

    def extend(self, xy: np.ndarray, stop: int) -> bool:
        """Look at rows ``done`` … ``stop`` − 1 of the trajectory ``xy`` (n, ≥ 2); True if markers were added."""
        start = max(self.done, 1)
        self.done = max(self.done, stop)
        if stop <= start or len(self._rows) >= self.limit:
            return False
        seg = np.asarray(xy[start - 1:stop, :2], dtype=float)
        with np.errstate(all="ignore"):  # a diverged row is NaN or ±∞: never a marked step
            px = np.hypot(np.diff(seg[:, 0]) / self.cell[0], np.diff(seg[:, 1]) / self.cell[1])
            finite = np.isfinite(seg).all(axis=1)
        far = np.flatnonzero((px >= self.min_px) & finite[1:] & finite[:-1]) + start  # rows ending a far step
        if far.size == 0:
            return False
        new = np.union1d(far - 1, far)
        if len(self._rows):
            new = new[new > self._rows[-1]]
        new = new[:self.limit - len(self._rows)]
        if new.size == 0:
            return False
        self._rows = np.concatenate([self._rows, new])
        return True


__all__ = ["MAX_MARKS", "MIN_PX", "StepMarks"]
