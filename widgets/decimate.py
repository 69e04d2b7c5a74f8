"""Drawing a long 2-D trajectory with few segments and no visible loss (a drawing aid; the data are not changed).

pyqtgraph's clip-to-view and peak downsampling presume x grows along the curve: right for loss against
step, wrong for a path in the plane. A path is reduced here the way it is seen: points are snapped to a grid
of one screen pixel; consecutive points in the same cell collapse to the first; and a segment between two
cells is drawn once however often the path goes back and forth over it. What remains differs from the full
polyline by at most one pixel, keeps every zigzag wider than a pixel, and stays small (a path oscillating
between two cells 100 000 times is one segment). Far or non-finite points are handled: a NaN ends the path,
and segments are clipped to a box around the view so Qt never gets coordinates it cannot raster.
"""
from __future__ import annotations

import numpy as np

from widgets.buffers import GrowingArray

_OFFSET = 2**30


def clip_segments(p0: np.ndarray, p1: np.ndarray, box: tuple[float, float, float, float]):
    """Liang–Barsky: the parts of segments p0→p1 (arrays (m, 2)) inside box (x0, x1, y0, y1), and which survive."""
    x0, x1, y0, y1 = box
    d = p1 - p0
    t0 = np.zeros(len(p0))
    t1 = np.ones(len(p0))
    keep = np.ones(len(p0), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-d[:, 0], p0[:, 0] - x0), (d[:, 0], x1 - p0[:, 0]),
                     (-d[:, 1], p0[:, 1] - y0), (d[:, 1], y1 - p0[:, 1])):
            parallel = p == 0
            keep &= ~(parallel & (q < 0))
            r = q / np.where(parallel, 1.0, p)
            entering = (p < 0) & ~parallel
            leaving = (p > 0) & ~parallel
            t0 = np.where(entering, np.maximum(t0, r), t0)
            t1 = np.where(leaving, np.minimum(t1, r), t1)
    keep &= t0 <= t1
    return p0 + t0[:, None] * d, p0 + t1[:, None] * d, keep


class PixelPath:
    """The segments that draw a growing trajectory at a given pixel size; ``extend`` adds points incrementally."""

    def __init__(self, cell: tuple[float, float] = (1.0, 1.0), box=(-1e9, 1e9, -1e9, 1e9)):
        self.cell = (float(cell[0]), float(cell[1]))
        self.box = tuple(float(b) for b in box)
        self.segments = GrowingArray(2, capacity=256)  # rows: start, end, start, end, ... (connect='pairs')
        self._seen: set[int] = set()
        self._last_point: np.ndarray | None = None
        self._last_key: int | None = None
        self._ended = False
        self.points = 0

    def _keys(self, pts: np.ndarray) -> np.ndarray:
        x0, x1, y0, y1 = self.box
        cx = np.clip(np.floor(np.clip(pts[:, 0], x0, x1) / self.cell[0]), -_OFFSET, _OFFSET - 1).astype(np.int64)
        cy = np.clip(np.floor(np.clip(pts[:, 1], y0, y1) / self.cell[1]), -_OFFSET, _OFFSET - 1).astype(np.int64)
        return ((cx + _OFFSET) << 31) | (cy + _OFFSET)

    def extend(self, points: np.ndarray) -> None:
        """Add the next points of the trajectory (k, 2); a non-finite point ends the path there."""
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        self.points += len(pts)
        if self._ended or len(pts) == 0:
            return
        bad = ~np.isfinite(pts).all(axis=1)
        if bad.any():
            pts = pts[: int(np.argmax(bad))]
            self._ended = True
            if len(pts) == 0:
                return
        keys = self._keys(pts)
        if self._last_point is not None:
            pts = np.vstack([self._last_point[None], pts])
            keys = np.concatenate([[self._last_key], keys])
        starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
        kept, kkeys = pts[starts], keys[starts]
        self._last_point, self._last_key = kept[-1].copy(), int(kkeys[-1])
        if len(kept) < 2:
            return
        a, b = kkeys[:-1], kkeys[1:]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        pair = (lo * np.int64(1000003)) ^ hi  # a hash: a rare collision only hides one duplicate-looking segment
        # each segment once: first within this batch, then against all earlier batches
        keys, first = np.unique(pair, return_index=True)
        fresh = np.fromiter((k not in self._seen for k in keys.tolist()), dtype=bool, count=len(keys))
        new = np.sort(first[fresh])
        self._seen.update(keys[fresh].tolist())
        if len(new) == 0:
            return
        p0, p1, keep = clip_segments(kept[:-1][new], kept[1:][new], self.box)
        if not keep.any():
            return
        seg = np.empty((2 * int(keep.sum()), 2))
        seg[0::2] = p0[keep]
        seg[1::2] = p1[keep]
        self.segments.extend(seg)

    @property
    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of the segments' end points, for ``PlotCurveItem.setData(x, y, connect='pairs')``."""
        v = self.segments.view
        return v[:, 0], v[:, 1]
