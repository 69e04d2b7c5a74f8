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

from lab.views.growing_array import GrowingArray

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


ENVELOPE_BUCKETS = 2048
"""An ``Envelope`` keeps between this many and twice this many buckets: up to 2 × 2 × 2048 points per curve,
far more than a plot has pixel columns, and a constant cost per redraw however long the race."""


PENDING_ROWS = 1 << 16
"""Rows an ``Envelope`` holds unbucketed at most (they are bucketed when read, or past this many)."""


def _bucket_extremes(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Rows (m, 4) ``x_min, y_min, x_max, y_max`` of buckets ``xs, ys`` (m, s): the first smallest and first
    largest finite value of each bucket; a bucket with no finite value gives its first row twice (a gap)."""
    finite = np.isfinite(ys)
    lo = np.where(finite, ys, np.inf).argmin(axis=1)
    hi = np.where(finite, ys, -np.inf).argmax(axis=1)
    r = np.arange(len(ys))
    return np.column_stack([xs[r, lo], ys[r, lo], xs[r, hi], ys[r, hi]])


def _merge_pairs(b: np.ndarray) -> np.ndarray:
    """Buckets (2m, 4) merged two by two into (m, 4): the same as ``_bucket_extremes`` of the joined rows."""
    a, c = b[0::2], b[1::2]
    lo_a = np.where(np.isfinite(a[:, 1]), a[:, 1], np.inf)
    lo_c = np.where(np.isfinite(c[:, 1]), c[:, 1], np.inf)
    hi_a = np.where(np.isfinite(a[:, 3]), a[:, 3], -np.inf)
    hi_c = np.where(np.isfinite(c[:, 3]), c[:, 3], -np.inf)
    out = np.empty_like(a)
    take_a = (lo_a <= lo_c)[:, None]  # ties: the earlier row, as argmin would
    out[:, 0:2] = np.where(take_a, a[:, 0:2], c[:, 0:2])
    take_a = (hi_a >= hi_c)[:, None]
    out[:, 2:4] = np.where(take_a, a[:, 2:4], c[:, 2:4])
    return out


def _bucket_points(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Buckets (m, 4) as the points ``x, y`` a curve passes through: each bucket's min and max in row order, one
    point when they are the same row."""
    min_first = b[:, 0] <= b[:, 2]
    keep = np.column_stack([np.ones(len(b), dtype=bool), b[:, 0] != b[:, 2]])
    x = np.column_stack([np.where(min_first, b[:, 0], b[:, 2]), np.where(min_first, b[:, 2], b[:, 0])])
    y = np.column_stack([np.where(min_first, b[:, 1], b[:, 3]), np.where(min_first, b[:, 3], b[:, 1])])
    return x[keep], y[keep]


class Envelope:
    """A growing series (x_k, y_k), x increasing, kept as the min and max of each bucket of ``size`` rows.

    What a curve needs to look exactly like the full series at any zoom coarser than a bucket, in constant
    memory: while the series has fewer than ``2 × buckets`` rows every row is kept (``size`` 1: ``points()`` is
    the series itself); past that, buckets merge two by two (``size`` doubles), so there are always fewer than
    ``2 × buckets`` of them, plus the rows of the last, partial bucket. ``points()`` gives each bucket's
    extremes in row order (one point when they are the same row): real (x, y) pairs of the series, the curve
    passing through every bucket's exact min and max. Min and max are over finite values (a non-finite one, a
    diverged step, is left out unless the whole bucket is, then the bucket is its first row: a gap). A
    monotone map of y (log, a floor, f − f*) keeps each bucket's extremes, so plots map ``points()``'s y.
    """

    def __init__(self, buckets: int = ENVELOPE_BUCKETS):
        self.buckets = int(buckets)
        self.n = 0
        self.last = float("nan")
        self._size = 1
        self._lo, self._hi = np.inf, -np.inf
        self._done = np.empty((2 * self.buckets, 4))
        self._count = 0
        self._px = np.empty(0)
        self._py = np.empty(0)
        self._xs = GrowingArray(capacity=4 * self.buckets)  # points() of the complete buckets
        self._ys = GrowingArray(capacity=4 * self.buckets)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []  # rows not bucketed yet
        self._pending_rows = 0
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return self.n

    @property
    def size(self) -> int:
        """Rows per bucket (1 while every row is kept)."""
        self._settle()
        return self._size

    @property
    def lo(self) -> float:
        """The smallest finite value so far (∞ while there is none)."""
        self._settle()
        return self._lo

    @property
    def hi(self) -> float:
        """The largest finite value so far (−∞ while there is none)."""
        self._settle()
        return self._hi

    def extend(self, x, y) -> None:
        """Append rows (x increasing, following on from the last). The buckets are brought up to date when next
        read: rows arriving in many small messages between two redraws are bucketed in one go."""
        x = np.array(x, dtype=float).reshape(-1)  # copies: never a view of the caller's (possibly large) array
        y = np.array(y, dtype=float).reshape(-1)
        if len(y) == 0:
            return
        self.n += len(y)
        self.last = float(y[-1])
        self._pending.append((x, y))
        self._pending_rows += len(y)
        self._cache = None
        if self._pending_rows > PENDING_ROWS:  # nobody reads (a hidden plot): memory stays bounded
            self._settle()

    def _settle(self) -> None:
        if not self._pending:
            return
        x = np.concatenate([self._px] + [p[0] for p in self._pending])
        y = np.concatenate([self._py] + [p[1] for p in self._pending])
        self._pending, self._pending_rows = [], 0
        finite = y[np.isfinite(y)]
        if finite.size:
            self._lo, self._hi = min(self._lo, float(finite.min())), max(self._hi, float(finite.max()))
        while True:
            s = self._size
            full = min(len(y) // s, 2 * self.buckets - self._count)
            if full:
                k = full * s
                rows = _bucket_extremes(x[:k].reshape(full, s), y[:k].reshape(full, s))
                self._done[self._count: self._count + full] = rows
                self._count += full
                self._add_points(rows)
                x, y = x[k:], y[k:]
            if self._count < 2 * self.buckets:
                break
            self._done[: self.buckets] = _merge_pairs(self._done[: 2 * self.buckets])
            self._count = self.buckets
            self._size *= 2
            self._xs.clear()
            self._ys.clear()
            self._add_points(self._done[: self._count])
        self._px, self._py = x, y

    def buckets_array(self) -> np.ndarray:
        """Every bucket's ``x_min, y_min, x_max, y_max`` (m, 4), the partial last bucket included."""
        self._settle()
        done = self._done[: self._count]
        if len(self._py) == 0:
            return done.copy()
        part = _bucket_extremes(self._px[None], self._py[None])
        return np.concatenate([done, part])

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y to draw: each bucket's extremes in row order (cached until the next ``extend``)."""
        if self._cache is None:
            self._settle()
            xs, ys = self._xs.view, self._ys.view  # the complete buckets' points, kept as they complete
            if len(self._py):
                px, py = _bucket_points(_bucket_extremes(self._px[None], self._py[None]))
                self._cache = (np.concatenate([xs, px]), np.concatenate([ys, py]))
            else:
                self._cache = (xs.copy(), ys.copy())
        return self._cache

    def _add_points(self, rows: np.ndarray) -> None:
        x, y = _bucket_points(rows)
        self._xs.extend(x)
        self._ys.extend(y)


def peak_columns(x: np.ndarray, y: np.ndarray, x0: float, x1: float, columns: int, force: bool = False):
    """A curve (``x`` increasing) as ``columns`` equal columns across ``[x0, x1]`` show it: each column's points
    replaced by two at the column's first x, its smallest then its largest y (NaN where it has no finite value);
    the nearest point outside the range on either side is kept, so the line runs to the edges. A curve with no
    more than two points per column in range is returned as it is (sliced to the range), unless ``force`` (a
    piece of a curve that, whole, is reduced)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    lo = max(int(np.searchsorted(x, x0, side="left")) - 1, 0)
    hi = min(int(np.searchsorted(x, x1, side="right")) + 1, len(x))
    x, y = x[lo:hi], y[lo:hi]
    if (len(x) <= 2 * columns and not force) or not x1 > x0 or len(x) == 0:
        return x, y
    col = np.floor((x - x0) * (columns / (x1 - x0)))
    starts = np.flatnonzero(np.concatenate([[True], col[1:] != col[:-1]]))
    yy = np.where(np.isfinite(y), y, np.nan)  # ±∞ (never drawn) must not win a column from the finite values
    out = np.empty((len(starts), 2))
    with np.errstate(invalid="ignore"):
        out[:, 0] = np.fmin.reduceat(yy, starts)
        out[:, 1] = np.fmax.reduceat(yy, starts)
    return np.repeat(x[starts], 2), out.reshape(-1)
