"""A racer's trajectory on the contour: its full path (``getData``) drawn through ``PixelPath`` (one-pixel
reduction, see lab/views/decimate.py), appending the new rows on each redraw tick; and the contour's colour map.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from lab.views.contour_grid import BANDS
from lab.views.decimate import PixelPath
from lab.views.step_marks import StepMarks
from widgets.model import RacerTrace
from widgets.style import INK, LINE_WIDTH, halo_for, symbol_for

DOT_SIZE = 8  # pixels across: a step's marker, smaller than the racers' current points (16)

REDUCE_ROWS = 30_000   # trajectory rows reduced per racer per turn: a zoom at step 10⁶ re-reduces every row (~70 ms
                       # a racer at once) over several turns instead of holding the GUI thread for half a second
# light bands, darker uphill: coloured racers stand out on all of them
BAND_COLORS = ("#FFFFFF", "#D9E4EF", "#8EA3BB")


def banded_colormap(bands: int = BANDS) -> pg.ColorMap:
    """A stepped colour map: ``bands`` flat colours, light (low f) to dark (high f)."""
    ramp = pg.ColorMap([0.0, 0.45, 1.0], [QColor(c) for c in BAND_COLORS])
    colors = ramp.map(np.linspace(0.0, 1.0, bands), mode="qcolor")
    pos, cols = [], []
    for i, c in enumerate(colors):
        pos += [i / bands, (i + 1) / bands]
        cols += [c, c]
    return pg.ColorMap(pos, cols)


class TrajectoryItem(pg.ItemGroup):
    """One racer's path: holds all of it (``getData``) and its one-pixel reduction (``path``), which the view's
    ``TrailLayer`` paints (in the racer's colour, ``width`` wide, on a ``halo``); ``dots``: a small marker (the
    racer's ``symbol``) at each step far enough from the next to see (lab/views/step_marks.py). ``curve`` is the
    legend's sample (a line and the symbol)."""

    def __init__(self, trace: RacerTrace, cell, box, width: float = LINE_WIDTH):
        super().__init__()
        self.trace = trace
        self.color = trace.color
        self.width = width
        self.halo = halo_for(trace.color)
        self.symbol = symbol_for(trace.color, trace.row)
        self.curve = pg.PlotCurveItem(pen=pg.mkPen(QColor(trace.color), width=LINE_WIDTH))
        self.curve.setParentItem(self)
        self.curve.opts.update(name=trace.label, symbol=self.symbol, size=12, brush=pg.mkBrush(trace.color))
        self.dots = pg.ScatterPlotItem(symbol=self.symbol, size=DOT_SIZE, brush=pg.mkBrush(trace.color),
                                       pen=pg.mkPen(self.halo if self.halo != "#FFFFFF" else INK, width=1))
        self.dots.setParentItem(self)
        self.regrid(cell, box)

    def key(self) -> tuple:
        """What the item draws a racer as: another trace with the same key can reuse it (``rebind``)."""
        return self.color, self.symbol, self.width, self.curve.opts.get("name")

    @staticmethod
    def key_for(trace: RacerTrace, width: float) -> tuple:
        return trace.color, symbol_for(trace.color, trace.row), width, trace.label

    def rebind(self, trace: RacerTrace, cell, box) -> None:
        """Draw ``trace`` (a new race's, with this item's key) from its start: no item, legend entry or pen is
        made again (a new objective with the same racers: ~1.5 ms a racer less in the GUI thread)."""
        self.trace = trace
        self.regrid(cell, box)

    def getData(self):
        """The racer's full trajectory, every step (the very rows the engine produced)."""
        v = self.trace.positions.view
        return v[:, 0], v[:, 1]

    def regrid(self, cell, box) -> None:
        self.path = PixelPath(cell, box)
        self.marks = StepMarks(cell)
        self.dots.setData(pos=np.empty((0, 2)))
        self.drawn = 0

    def refresh(self, rows: int | None = None) -> bool:
        """Reduce the rows that arrived since the last refresh (at most ``rows`` of them); True if there were any."""
        n = self.trace.positions.n
        if n == self.drawn:
            return False
        stop = n if rows is None else min(n, self.drawn + rows)
        view = self.trace.positions.view
        self.path.extend(view[self.drawn:stop, :2])
        if self.marks.extend(view, stop):
            self.dots.setData(pos=view[self.marks.rows, :2])
        self.drawn = stop
        return True

    @property
    def behind(self) -> bool:
        """Rows wait to be reduced (after a regrid of a long path: ``REDUCE_ROWS`` a turn)."""
        return self.drawn < self.trace.positions.n
