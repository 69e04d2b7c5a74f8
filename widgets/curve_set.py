"""All racers' curves of one plot as one graphics item: one bounding box, one paint, no per-curve bookkeeping.

pyqtgraph's ``PlotDataItem`` costs ~0.4 ms of Python per curve per redraw (clip, downsample, bounds, finite
checks) and as much again in its paint; 8 racers × 3 step plots made a full redraw ~30 ms. Here each racer's
series is kept as given (``RacerCurve.xData, yData``: the envelope, mapped for the axis) and, at paint time,
reduced to the plot's pixel columns (``peak_columns``: each column's min and max), mapped to view-box pixels in
NumPy, clipped to a band around the view and stroked: a redraw costs the same at step 10⁶ as at 10³.
"""
from __future__ import annotations

import numpy as np
from pyqtgraph.graphicsItems.PlotCurveItem import arrayToLineSegments
from PySide6.QtGui import QPainter, QPen

from widgets.decimate import peak_columns
from widgets.view_item import ViewItem

COLUMN_PX = 2.0
"""Pixels per column of ``peak_columns``: the curves are 3.5 px wide; one min/max pair per two columns looks the
same as one per column and strokes half the segments."""

MARGIN_PX = 1.0e4
"""How far outside the view box (pixels) a point may lie; farther ones are pulled in (a diverging racer's 1e300
would otherwise reach the rasterizer). Lines leave the view at the same place to well under a pixel."""


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
        self.xData = np.asarray(x, dtype=float)
        self.yData = np.asarray(y, dtype=float)
        self._shown = None
        self._owner.update()

    def setZValue(self, z: float) -> None:
        """Curves with higher ``z`` are drawn over the others (the selected racer's)."""
        if z != self.z:
            self.z = z
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

    def __repr__(self) -> str:
        return f"CurveSet({len(self.curves)} curves)"

    def add(self, pen: QPen, name: str = "") -> RacerCurve:
        c = RacerCurve(self, pen, name)
        self.curves.append(c)
        self.update()
        return c

    def clear(self) -> None:
        self.curves = []
        self.update()

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

    def paint(self, p: QPainter, *args) -> None:
        if not self.curves:
            return
        to_px = self.begin_pixels(p)  # draw in view-box pixels: the mapping is done in NumPy below
        if to_px is None:
            return
        vb = self.getViewBox()
        view = vb.viewRect()
        band = MARGIN_PX / max(vb.height(), 1.0) * view.height()
        y_lo, y_hi = view.top() - band, view.bottom() + band
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for c in sorted(self.curves, key=lambda c: c.z):  # stable: racers in order, the selected one last
            x, y = c.getData()
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
        p.restore()


__all__ = ["CurveSet", "RacerCurve", "COLUMN_PX"]
