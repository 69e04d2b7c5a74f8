"""All racers' curves of one plot as one graphics item: one bounding box, one paint, no per-curve bookkeeping.

pyqtgraph's ``PlotDataItem`` costs ~0.4 ms of Python per curve per redraw (clip, downsample, bounds, finite
checks) and as much again in its paint; 8 racers × 3 step plots made a full redraw ~30 ms. Here each racer's
series is kept as given (``RacerCurve.xData, yData``: the envelope, mapped for the axis) and, at paint time,
reduced to the plot's pixel columns (``peak_columns``: each column's min and max), mapped to view-box pixels in
NumPy, clipped to a band around the view and stroked: a redraw costs the same at step 10⁶ as at 10³.

On screen the curves are kept in an image of the view box's pixels. While the view holds still a race only
appends, so a redraw clears the image from a few pixels left of the first point that changed (any curve's) and
strokes only what lies there again; the rest of the image is as it was. Any change of view, size, order or
which curves are reduced redraws it whole. Vector output (SVG) is always drawn from the curves themselves.
"""
from __future__ import annotations

import math

import numpy as np
from pyqtgraph.graphicsItems.PlotCurveItem import arrayToLineSegments
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEngine, QPen

from lab.views.decimate import peak_columns
from widgets.plots.view_item import ViewItem

COLUMN_PX = 2.0
"""Pixels per column of ``peak_columns``: the curves are 3.5 px wide; one min/max pair per two columns looks the
same as one per column and strokes half the segments."""

BACK_PX = 2 * COLUMN_PX + 4
"""A redraw clears the image from this many pixels left of the first changed point: the changed segment's
square cap and the previous column's segments reach no farther back."""

MARGIN_PX = 1.0e4
"""How far outside the view box (pixels) a point may lie; farther ones are pulled in (a diverging racer's 1e300
would otherwise reach the rasterizer). Lines leave the view at the same place to well under a pixel."""


def first_change(old_x: np.ndarray, old_y: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """The smallest x at which the curve (x, y) differs from (old_x, old_y): ∞ if they are the same."""
    m = min(len(old_x), len(x))
    with np.errstate(invalid="ignore"):
        same = (old_x[:m] == x[:m]) & ((old_y[:m] == y[:m]) | (np.isnan(old_y[:m]) & np.isnan(y[:m])))
    i = m if same.all() else int(np.argmin(same))
    if i < m:
        return float(min(old_x[i], x[i]))
    if len(x) > m:
        return float(x[m])
    return float(old_x[m]) if len(old_x) > m else math.inf


class RacerCurve:
    """One racer's series in a ``CurveSet``: what it holds (``xData``, ``yData``) and how it is drawn (``pen``)."""

    def __init__(self, owner: "CurveSet", pen: QPen, name: str = ""):
        self._owner = owner
        self.pen = pen
        self.name = name
        self.z = 0
        self.xData = np.empty(0)
        self.yData = np.empty(0)
        self._shown: tuple[np.ndarray, np.ndarray] | None = None
        self._lines = None  # the segments' buffer, reused from paint to paint

    def __repr__(self) -> str:
        return f"RacerCurve({self.name!r}, {len(self.xData)} points, {self.pen.color().name()})"

    def setData(self, x: np.ndarray, y: np.ndarray) -> None:
        """Hold ``x`` (increasing) and ``y``; NaN or ±∞ in ``y`` are gaps."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self._owner.changed_from(first_change(self.xData, self.yData, x, y))
        self.xData, self.yData = x, y
        self._shown = None
        self._owner.update()

    def setZValue(self, z: float) -> None:
        """Curves with higher ``z`` are drawn over the others (the selected racer's)."""
        if z != self.z:
            self.z = z
            self._owner.changed_from(-math.inf)
            self._owner.update()

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        """What is drawn at the current view, in data coordinates (columns' min and max; gaps as NaN)."""
        if self._shown is None:
            self._shown = self._owner.reduce(self.xData, self.yData)
        return self._shown


class CurveSet(ViewItem):
    """The racers' curves of one plot (``curves``), painted together; add one per racer with ``add``."""

    def __init__(self):
        super().__init__()
        self.curves: list[RacerCurve] = []
        self._view = None  # (x0, x1, columns) the cached reductions were made for
        self._image: QImage | None = None  # the curves as last painted, in view-box pixels
        self._key = None  # what the image was painted for: the view, its size, the order, which are reduced
        self._from = -math.inf  # the image is up to date left of this x (∞: all of it; -∞: paint it all again)
        self.full_paints = self.partial_paints = 0

    def __repr__(self) -> str:
        return f"CurveSet({len(self.curves)} curves)"

    def add(self, pen: QPen, name: str = "") -> RacerCurve:
        c = RacerCurve(self, pen, name)
        self.curves.append(c)
        self.changed_from(-math.inf)
        self.update()
        return c

    def clear(self) -> None:
        self.curves = []
        self.changed_from(-math.inf)
        self.update()

    def changed_from(self, x: float) -> None:
        """Some curve differs from what was painted at x and to its right."""
        self._from = min(self._from, x)

    # ----- geometry ----------------------------------------------------------------------------------------------
    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):
        """The finite extent of every curve along axis ``ax`` (for a view box's auto-range)."""
        lo, hi = np.inf, -np.inf
        for c in self.curves:
            v = c.xData if ax == 0 else c.yData
            v = v[np.isfinite(v)]
            if v.size:
                lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        return (lo, hi) if lo <= hi else (None, None)

    # ----- drawing -----------------------------------------------------------------------------------------------
    def _columns(self) -> tuple[float, float, int]:
        vb = self.getViewBox()
        r = vb.viewRect()
        return r.left(), r.right(), max(1, int(vb.width() / COLUMN_PX))

    def reduce(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``x, y`` reduced to the view's pixel columns (all of them when there are few)."""
        if self.getViewBox() is None:
            return x, y
        view = self._columns()
        if view != self._view:  # the view moved or resized: every curve's reduction is stale
            self._view = view
            for c in self.curves:
                c._shown = None
        return peak_columns(x, y, *view)

    def _reduced(self, c: RacerCurve, view: tuple[float, float, int]) -> bool:
        """Whether ``peak_columns`` reduces ``c`` whole at this view (its own test)."""
        x0, x1, columns = view
        lo = max(int(np.searchsorted(c.xData, x0, side="left")) - 1, 0)
        hi = min(int(np.searchsorted(c.xData, x1, side="right")) + 1, len(c.xData))
        return hi - lo > 2 * columns and x1 > x0

    def paint(self, p: QPainter, *args) -> None:
        if not self.curves:
            return
        to_px = self.begin_pixels(p)  # draw in view-box pixels: the mapping is done in NumPy
        if to_px is None:
            return
        vb = self.getViewBox()
        if p.paintEngine() is None or p.paintEngine().type() != QPaintEngine.Type.Raster:
            self._draw(p, to_px, None)  # vector output (SVG): the lines themselves
            p.restore()
            return
        w, h = vb.width(), vb.height()
        ratio = p.device().devicePixelRatioF() if p.device() is not None else 1.0
        view = self._columns()
        order = tuple(sorted(range(len(self.curves)), key=lambda i: self.curves[i].z))
        key = (to_px.m11(), to_px.m12(), to_px.m21(), to_px.m22(), to_px.dx(), to_px.dy(), w, h, ratio, view, order,
               tuple(self._reduced(c, view) for c in self.curves))
        if key != self._key or self._image is None:
            self._key, self._from = key, -math.inf
            self._image = QImage(max(1, math.ceil(w * ratio)), max(1, math.ceil(h * ratio)),
                                 QImage.Format.Format_ARGB32_Premultiplied)
            self._image.setDevicePixelRatio(ratio)
        if self._from < math.inf:
            q = QPainter(self._image)
            left = -1.0 if self._from == -math.inf else to_px.m11() * self._from + to_px.dx() - BACK_PX
            strip = QRectF(max(left, -1.0), -1.0, w + 2.0, h + 2.0)
            q.setClipRect(strip)
            q.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            q.fillRect(strip, Qt.GlobalColor.transparent)
            q.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            self._draw(q, to_px, None if left < 0 else left)
            q.end()
            if left < 0:
                self.full_paints += 1
            else:
                self.partial_paints += 1
            self._from = math.inf
        p.drawImage(QRectF(0, 0, w, h), self._image)
        p.restore()

    def _draw(self, p: QPainter, to_px, left: float | None) -> None:
        """Stroke every curve (in z order) in view-box pixels; with ``left``, only what lies right of that pixel
        (from a few columns before it: the same columns, so the same pixels, as a whole redraw)."""
        vb = self.getViewBox()
        view = vb.viewRect()
        band = MARGIN_PX / max(vb.height(), 1.0) * view.height()
        y_lo, y_hi = view.top() - band, view.bottom() + band
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        columns = self._columns()
        for c in sorted(self.curves, key=lambda c: c.z):  # stable: racers in order, the selected one last
            if left is None:
                x, y = c.getData()
            else:
                x, y = self._piece(c, to_px, left, columns)
            if len(x) == 0:
                continue
            # far values pulled into a band around the view (in data units, before any product can overflow);
            # NaN and ±∞ (a diverged step, a singular Hessian's κ) are gaps
            y = np.where(np.isfinite(y), np.clip(y, y_lo, y_hi), np.nan)
            px, py = self.to_pixels(to_px, x, y)
            # separate segments, not one path: the raster engine strokes a wide pen's path with joins and fills
            # it with the winding rule, ~5× slower on peak columns' back-and-forth than as independent lines
            c._lines = arrayToLineSegments(px, py, "finite", True, c._lines)
            p.setPen(c.pen)
            p.drawLines(*c._lines.drawargs())

    def _piece(self, c: RacerCurve, to_px, left: float, view: tuple[float, float, int]):
        """The display points of ``c`` from a column (or point) at least a column and 4 px left of pixel ``left``."""
        x0, x1, columns = view
        cut = (left - 4.0 - COLUMN_PX - to_px.dx()) / to_px.m11()  # data x of that pixel
        if self._reduced(c, view):
            def column(v: float) -> int:  # as peak_columns computes it
                return math.floor((v - x0) * (columns / (x1 - x0)))

            col = column(cut)
            start = min(int(np.searchsorted(c.xData, cut, side="left")), len(c.xData) - 1)
            # from the first point of that column: peak_columns puts the whole column there, as a whole redraw did
            while start > 0 and column(c.xData[start - 1]) >= col:
                start -= 1
            return peak_columns(c.xData[start:], c.yData[start:], x0, x1, columns, force=True)
        start = max(int(np.searchsorted(c.xData, cut, side="right")) - 1, 0)
        return peak_columns(c.xData[start:], c.yData[start:], x0, x1, columns)


__all__ = ["CurveSet", "RacerCurve", "COLUMN_PX"]
