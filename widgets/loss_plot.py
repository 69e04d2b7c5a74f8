"""Curves against step: the loss (f − f* on a log axis when f* is known, f otherwise), the gradient norm, and the
condition number along each trajectory. One curve per racer; each redraw tick gives every curve its grown data
(``setData`` on the same items), drawn through pyqtgraph's clip-to-view and peak downsampling.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot

from widgets.buffers import GrowingArray
from widgets.model import LabModel
from widgets.scales import FLOOR, floor_for, loss_gap, positive_floor
from widgets.style import FONT_PT, GUIDE, INK, LINE_WIDTH, font, style_plot
from widgets.throttle import RedrawClock

DOWNSAMPLE_FACTOR = 1.5  # points per pixel column that peak downsampling keeps


class SeriesPlot(pg.PlotWidget):
    """One plot of a per-racer series against step, log y by default."""

    def __init__(self, model: LabModel, clock: RedrawClock, object_name: str, title: str, parent=None):
        super().__init__(parent)
        self.model, self.clock = model, clock
        self.setObjectName(object_name)
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setTitle(title, size=f"{FONT_PT}pt", color=INK)
        style_plot(self.plot, "", "step")
        self.curves: list[pg.PlotDataItem] = []
        self._xs: list[GrowingArray] = []
        self._ys: list[GrowingArray] = []
        self._drawn: list[int] = []
        self._dirty = True
        self.guide = pg.InfiniteLine(angle=0, pen=pg.mkPen(GUIDE, width=2, style=Qt.PenStyle.DashLine),
                                     label="", labelOpts={"position": 0.85, "color": GUIDE, "movable": False,
                                                          "fill": pg.mkBrush(255, 255, 255, 200)})
        self.guide.label.setFont(font(FONT_PT - 1))
        self.guide.setZValue(-5)
        self.plot.addItem(self.guide, ignoreBounds=True)
        model.raceReset.connect(self._on_race_reset)
        model.raceAdvanced.connect(self._on_race_advanced)
        model.selectionChanged.connect(self._on_selection_changed)
        clock.tick.connect(self._on_tick)

    # what each plot shows, per racer: the points for the trace's rows from ``start`` on
    def series(self, trace, start: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def rows(self, trace) -> int:
        """How many rows of the trace this plot draws from."""
        return trace.n

    def configure(self) -> None:
        """Axis mode and guide line for the current objective (called on reset)."""

    def set_log_y(self, log: bool) -> None:
        """Log y, never zoomed in to less than one decade (a flat curve would get unreadable ticks)."""
        self.plot.setLogMode(y=log)
        self.plot.getViewBox().setLimits(minYRange=1.0 if log else None)

    @Slot()
    def _on_race_reset(self) -> None:
        for c in self.curves:
            self.plot.removeItem(c)
        self.curves, self._xs, self._ys, self._drawn = [], [], [], []
        self.configure()
        for t in self.model.traces:
            c = pg.PlotDataItem(pen=pg.mkPen(t.color, width=LINE_WIDTH), name=t.label)
            c.opts["autoDownsampleFactor"] = DOWNSAMPLE_FACTOR
            self.plot.addItem(c)
            self.curves.append(c)
            self._xs.append(GrowingArray())
            self._ys.append(GrowingArray())
            self._drawn.append(0)
        self._emphasize()
        self.plot.enableAutoRange()
        self._dirty = True
        self.clock.request()

    @Slot(object)
    def _on_race_advanced(self, *_) -> None:
        self._dirty = True
        self.clock.request()

    @Slot(int)
    def _on_selection_changed(self, *_) -> None:
        self._emphasize()

    def _emphasize(self) -> None:
        for c, t in zip(self.curves, self.model.traces):
            c.setZValue(10 if t.row == self.model.selected_row else 0)

    @Slot()
    def _on_tick(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        for i, (c, t) in enumerate(zip(self.curves, self.model.traces)):
            n = self.rows(t)
            if self._drawn[i] == n:
                continue
            x, y = self.series(t, self._drawn[i])
            self._xs[i].extend(x)
            self._ys[i].extend(y)
            self._drawn[i] = n
            c.setData(self._xs[i].view, self._ys[i].view)


class LossPlot(SeriesPlot):
    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(model, clock, "lossPlot", "loss", parent)
        self._on_race_reset()

    def configure(self) -> None:
        obj = self.model.objective
        log = obj.min_value is not None
        self.set_log_y(log)
        self.plot.setLabel("left", "f − f*" if log and obj.min_value != 0 else "f",
                           **{"font-size": f"{FONT_PT}pt", "color": INK})
        if not log:
            title = "loss  f   (minimum unknown: linear scale)"
        elif obj.min_value == 0:
            title = "loss  f   (log scale)"
        else:
            title = f"loss above the minimum  f − f*   (f* = {obj.min_value:.6g}, log scale)"
        self.plot.setTitle(title, size=f"{FONT_PT}pt", color=INK)
        if log:
            floor = floor_for(obj.min_value)
            self.guide.setPos(np.log10(floor))
            self.guide.label.setFormat(f"floor {floor:.0e}")
            self.guide.show()
        else:
            self.guide.hide()

    def series(self, trace, start):
        n = trace.n
        return np.arange(start, n, dtype=float), loss_gap(trace.losses.view[start:n], self.model.objective.min_value)


class GradNormPlot(SeriesPlot):
    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(model, clock, "gradNormPlot", "gradient norm  |∇f|   (log scale)", parent)
        self.set_log_y(True)
        self.plot.setLabel("left", "|∇f|", **{"font-size": f"{FONT_PT}pt", "color": INK})
        self._on_race_reset()

    def configure(self) -> None:
        tol = self.model.experiment.tol
        if tol > 0:
            self.guide.setPos(np.log10(tol))
            self.guide.label.setFormat(f"tol {tol:g}")
            self.guide.show()
        else:
            self.guide.hide()

    def series(self, trace, start):
        n = trace.n
        return np.arange(start, n, dtype=float), positive_floor(trace.grad_norms.view[start:n], FLOOR)


class ConditionPlot(SeriesPlot):
    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(model, clock, "conditionPlot", "condition number κ along the path (log)", parent)
        self.set_log_y(True)
        self.plot.setLabel("left", "κ", **{"font-size": f"{FONT_PT}pt", "color": INK})
        self.guide.hide()
        self._on_race_reset()

    def rows(self, trace):
        return trace.kappas.n

    def series(self, trace, start):
        n = trace.kappas.n
        return trace.kappa_steps.view[start:n], trace.kappas.view[start:n]
