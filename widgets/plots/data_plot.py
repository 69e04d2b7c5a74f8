"""The data behind a data-driven objective, and the selected racer's model of it; the minibatch-loss curves.

``DataPanel`` (shown only when ``lab.views.data_fit.has_data``): the data set's points — regression (tᵢ, yᵢ);
classification pᵢ in two Okabe–Ito colours and two marker shapes — and, at the selected racer's current point,
its fitted line ŷ = w·t + b, or its decision regions and boundary. The model of the data is computed in the
view-jobs thread (widgets/work/view_jobs.py) at most ``RATE_HZ`` times a second, never on the GUI thread.

``MinibatchCurves``: on request (the panel's check box), one thin curve per racer on the loss plot with the
loss of the minibatch it stepped on, f_{Bₖ}(xₖ) (``lab.stochastic.minibatch_losses``): it jitters around the
full-data loss. Computed in the view-jobs thread, a few hundred rows at a time, as the race runs.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from lab.stochastic import minibatch_losses
from lab.views import data_fit
from lab.views.decimate import Envelope
from lab.views.growing_array import GrowingArray
from lab.views.scales import loss_gap
from widgets.model import LabModel
from widgets.style import FONT_PT, INK, LINE_WIDTH, font, style_plot, set_title
from widgets.work.gil import gui_busy, yield_to_gui
from widgets.work.view_jobs import ViewJobs

RATE_HZ = 4
REGION_GRID = 80
# class 0 / class 1: Okabe–Ito blue and vermilion, circles and triangles; their regions in light tints
# classes 2 to 9 (a network on data from a file): the rest of Okabe–Ito, then brown and grey; tints 16 % of each
CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000", "#8C564B",
                "#7F7F7F")
CLASS_SYMBOLS = ("o", "t", "s", "d", "star", "t1", "h", "p", "x", "+")
REGION_TINTS = ((214, 231, 243), (248, 222, 204)) + tuple(
    tuple(round(255 - 0.16 * (255 - int(c[i:i + 2], 16))) for i in (1, 3, 5)) for c in CLASS_COLORS[2:])
POINT_SIZE = 11
MINIBATCH_ROWS_PER_JOB = 5000


def last_finite(trace, fallback) -> tuple[np.ndarray, int]:
    """The racer's last finite point and its step (the start when there is no racer)."""
    if trace is not None:
        v = trace.positions.view
        for k in range(len(v) - 1, -1, -1):
            if np.all(np.isfinite(v[k])):
                return v[k].copy(), k
    return np.asarray(fallback, dtype=float).copy(), 0


class DataPlot(pg.PlotWidget):
    """The points and the selected racer's line or decision regions."""

    updated = Signal(object)  # the parameters x whose model of the data is now drawn

    def __init__(self, model: LabModel, jobs: ViewJobs, parent=None):
        super().__init__(parent)
        self.model, self.jobs = model, jobs
        self.setObjectName("dataPlot")
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        style_plot(self.plot)
        self.plot.getAxis("left").setWidth(56)
        self.plot.getAxis("bottom").setHeight(44)
        self.regions = pg.ImageItem()
        self.regions.setLookupTable(np.array(REGION_TINTS, dtype=np.ubyte))
        self.regions.setZValue(-10)
        self.plot.addItem(self.regions)
        self.boundary = pg.PlotCurveItem(pen=pg.mkPen(INK, width=3), connect="finite")
        self.plot.addItem(self.boundary)
        self.points = [pg.ScatterPlotItem(size=POINT_SIZE, symbol=s, brush=pg.mkBrush(c), pen=pg.mkPen("w", width=1))
                       for c, s in zip(CLASS_COLORS, CLASS_SYMBOLS)]
        for p in self.points:
            p.setZValue(5)
            self.plot.addItem(p)
        self.legend = pg.LegendItem(offset=(2, 2), labelTextSize=f"{FONT_PT - 2}pt", labelTextColor=INK,
                                    brush=pg.mkBrush(255, 255, 255, 160), pen=pg.mkPen("#999999"))
        self.legend.setZValue(20)
        self.legend.setParentItem(self.plot.getViewBox())  # the class names of data from a file
        self.line = pg.PlotCurveItem(pen=pg.mkPen(INK, width=LINE_WIDTH + 1))
        self.line.setZValue(10)
        self.plot.addItem(self.line)
        self.shown: dict | None = None   # the last model of the data drawn: {"x": ..., "line" | "regions": ...}
        self._dirty = True
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / RATE_HZ))
        self._timer.timeout.connect(self._on_timer)
        self._timer.start()
        model.objectiveChanged.connect(self._on_objective_changed)
        model.raceReset.connect(self._on_changed)
        model.raceAdvanced.connect(self._on_changed)
        model.selectionChanged.connect(self._on_changed)
        model.view_step.viewStepChanged.connect(self._on_changed)  # the timeline: the racer as of step k
        self._on_objective_changed()

    @property
    def active(self) -> bool:
        return data_fit.has_data(self.model.objective)

    @Slot()
    def _on_objective_changed(self) -> None:
        obj = self.model.objective
        self.jobs.cancel(self)
        self.shown = None
        self.line.setData([], [])
        self.boundary.setData([], [])
        self.regions.clear()
        for p in self.points:
            if len(p.data):
                p.setData([], [])
        self.legend.clear()
        self.legend.setVisible(getattr(obj, "own", None) is not None and obj.task != "regression")
        if not self.active:
            return
        inputs, targets = data_fit.data_points(obj)
        label = {"font-size": f"{FONT_PT}pt", "color": INK}
        if obj.task == "regression":
            self.points[0].setData(inputs, targets)
            self.plot.setLabel("bottom", "t", **label)
            self.plot.setLabel("left", "y", **label)
        else:
            for c, p in enumerate(self.points[:max(2, len(getattr(obj, "class_names", ())))]):
                mine = np.asarray(targets) == c
                p.setData(inputs[mine, 0], inputs[mine, 1])
            if getattr(obj, "own", None) is not None:
                for p, name in zip(self.points, obj.class_names):
                    self.legend.addItem(p, name)
            k = max(2, len(getattr(obj, "class_names", ())))
            self.regions.setLookupTable(np.array(REGION_TINTS[:k], dtype=np.ubyte))
            self.plot.setLabel("bottom", "p₁", **label)
            self.plot.setLabel("left", "p₂", **label)
        self._fit()
        self._on_changed()

    def _fit(self) -> None:
        """The view: the data's bounding box (the regions reach a little beyond it)."""
        if not self.active:
            return
        inputs, targets = data_fit.data_points(self.model.objective)
        px, py = (inputs, targets) if self.model.objective.task == "regression" else (inputs[:, 0], inputs[:, 1])
        self.plot.getViewBox().setRange(xRange=(float(np.min(px)), float(np.max(px))),
                                        yRange=(float(np.min(py)), float(np.max(py))), padding=0.08)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if "model" in self.__dict__:
            self._fit()

    @Slot()
    @Slot(object)
    @Slot(int)
    def _on_changed(self, *_) -> None:
        self._dirty = True

    @Slot()
    def _on_timer(self) -> None:
        if self._dirty and self.active and self.isVisible() and not self.jobs.busy(self):
            with gui_busy():
                self.request_now()

    def request_now(self, wait: bool = False) -> None:
        """Compute the selected racer's model of the data now, in the view-jobs thread (``updated`` when drawn),
        or with ``wait`` here and at once (screenshots, exports: ``MainWindow.refresh_now``)."""
        if not self.active:
            return
        self._dirty = False
        obj = self.model.objective
        trace = self.model.view_step.selected
        x, step = last_finite(trace, self.model.start)
        who = trace.label if trace is not None else "start"
        color = trace.color if trace is not None else INK
        if wait:
            self.jobs.cancel(self)
            self._draw(obj, data_fit.model_of_data(obj, x, REGION_GRID), who, color, step)
        else:
            self.jobs.submit(self, lambda: data_fit.model_of_data(obj, x, REGION_GRID),
                             lambda r: self._draw(obj, r, who, color, step))

    def _draw(self, obj, result: dict, who: str, color: str, step: int) -> None:
        if obj is not self.model.objective:
            return
        self.shown = result
        if "line" in result:
            self.line.setPen(pg.mkPen(QColor(color), width=LINE_WIDTH + 1))
            self.line.setData(*result["line"])
            title = f"{who}'s line"
        else:
            xs, ys, classes = result["regions"]
            dx, dy = xs[1] - xs[0], ys[1] - ys[0]
            self.regions.setImage(np.asarray(classes, dtype=float), autoLevels=False,
                                  levels=(0, max(1, len(getattr(obj, "class_names", ())) - 1)))
            self.regions.setRect(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy)
            self.boundary.setData(*result["boundary"])
            title = f"{who}'s regions"
        set_title(self.plot, title, FONT_PT - 1)
        self.updated.emit(result["x"])


def minibatch_curve(loss_plot, values: np.ndarray, min_value) -> np.ndarray:
    """What a minibatch-loss curve holds: the loss plot's mapping of f_B − f* (or f_B); on a log axis a minibatch
    loss at or below f* (a minibatch can fit better than the minimum of the full loss) is a gap, not a plunge to
    the floor."""
    y = loss_plot.mapped(loss_gap(values, min_value))
    if min_value is not None and loss_plot.log_y:
        with np.errstate(invalid="ignore"):
            y = np.where(np.asarray(values, dtype=float) - min_value > 0, y, np.nan)
    return y


class MinibatchCurves(QObject):
    """Per racer, the loss of its minibatch at each step, f_{Bₖ}(xₖ), drawn thin under its full-data loss curve."""

    updated = Signal()

    def __init__(self, model: LabModel, loss_plot, jobs: ViewJobs, parent=None):
        super().__init__(parent)
        self.model, self.loss_plot, self.jobs = model, loss_plot, jobs
        self.enabled = False
        self.curves: list[pg.PlotDataItem] = []
        self.values: list[GrowingArray] = []   # f_{Bₖ}(xₖ), k = 0, 1, ...
        self._envelopes: list[Envelope] = []   # what the curves draw: each bucket's min and max (widgets/decimate)
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / RATE_HZ))
        self._timer.timeout.connect(self._on_timer)
        model.raceReset.connect(self._on_race_reset)
        model.raceAdvanced.connect(self._on_timer_soon)
        loss_plot.stepAxisChanged.connect(self._on_step_axis)

    @Slot(bool)
    def _on_step_axis(self, *_) -> None:
        """The loss plot's step axis went log (or back): the curves drawn again on it."""
        lp, min_value = self.loss_plot, self.model.objective.min_value
        for c, env in zip(self.curves, self._envelopes):
            x, y = env.points()
            c.setData(lp.step_x(x), minibatch_curve(lp, y, min_value))

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self._on_race_reset()

    @Slot()
    def _on_race_reset(self) -> None:
        self._generation += 1
        self.jobs.cancel(self)
        for c in self.curves:
            self.loss_plot.plot.removeItem(c)
        self.curves, self.values, self._envelopes = [], [], []
        if not self.enabled:
            self._timer.stop()
            return
        for t in self.model.traces:
            # a pale, opaque, one-pixel line: a translucent or wide pen makes Qt stroke the path slowly
            color = QColor(t.color)
            pale = QColor(*(int(0.45 * v + 0.55 * 255) for v in (color.red(), color.green(), color.blue())))
            c = pg.PlotDataItem(pen=pg.mkPen(pale, width=1))
            c.setZValue(-2)
            self.loss_plot.plot.addItem(c)
            self.curves.append(c)
            self.values.append(GrowingArray())
            self._envelopes.append(Envelope())
        self._timer.start()
        self.request_now()

    @Slot(object)
    def _on_timer_soon(self, *_) -> None:
        if self.enabled and not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _on_timer(self) -> None:
        if not self.enabled or self.jobs.busy(self):
            return
        with gui_busy():
            more = self.request_now()
        if not more:
            self._timer.stop()  # caught up: the next progress message restarts it

    def request_now(self) -> bool:
        """Compute the rows the curves lack (view-jobs thread); False if there are none."""
        obj, generation = self.model.objective, self._generation
        work = []
        for i, t in enumerate(self.model.traces[:len(self.values)]):
            first = self.values[i].n
            n = min(t.n, first + MINIBATCH_ROWS_PER_JOB)
            if n > first:
                work.append((i, first, t.positions.view[first:n].copy()))
        if not work:
            return False

        def compute():
            out = []
            for i, first, positions in work:
                if getattr(obj, "stochastic", False) and getattr(obj, "minibatch_values", None) is None:
                    v = []
                    for k, x in enumerate(positions):
                        yield_to_gui()  # the GUI thread's Python goes first (widgets/work/gil.py), row by row
                        v.append(obj.minibatch_value(x, first + k))
                else:  # the full loss, or the regressions' minibatch losses: all rows at once
                    yield_to_gui()
                    v = minibatch_losses(obj, positions, first)
                out.append((i, np.asarray(v, dtype=float)))
            return out

        self.jobs.submit(self, compute, lambda r: self._append(generation, r))
        return True

    def _append(self, generation: int, rows) -> None:
        if generation != self._generation:
            return
        lp, min_value = self.loss_plot, self.model.objective.min_value
        for i, v in rows:
            first = self.values[i].n
            self.values[i].extend(v)
            self._envelopes[i].extend(np.arange(first, first + len(v), dtype=float), v)
            x, y = self._envelopes[i].points()  # a bounded number of points however long the race
            self.curves[i].setData(lp.step_x(x), minibatch_curve(lp, y, min_value))
        self.updated.emit()
        self._on_timer_soon()


class DataPanel(QWidget):
    """The data plot and the minibatch-loss switch; visible only for data-driven objectives."""

    def __init__(self, model: LabModel, loss_plot, jobs: ViewJobs, parent=None):
        super().__init__(parent)
        self.model = model
        self.setObjectName("dataPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        self.plot = DataPlot(model, jobs)
        layout.addWidget(self.plot, 1)
        self.minibatch = MinibatchCurves(model, loss_plot, jobs, self)
        self.toggle = QCheckBox("minibatch loss curves")
        self.toggle.setObjectName("minibatchLossToggle")
        self.toggle.setFont(font(FONT_PT - 1))
        self.toggle.setToolTip("on the loss plot, pale curves: the loss of the minibatch each racer stepped on, f_B(x) — it jitters "
                               "around the full-data loss")
        self.toggle.toggled.connect(self.minibatch.set_enabled)
        layout.addWidget(self.toggle)
        model.objectiveChanged.connect(self._on_objective_changed)
        self._on_objective_changed()

    @Slot()
    def _on_objective_changed(self) -> None:
        """Shown for data-driven objectives only (the window lays it out: call once it has a parent)."""
        on = self.plot.active
        if self.parent() is not None:  # never a window of its own
            self.setVisible(on)
        self.toggle.setVisible(on and bool(getattr(self.model.objective, "stochastic", False)))
        if not on and self.toggle.isChecked():
            self.toggle.setChecked(False)


__all__ = ["DataPanel", "DataPlot", "MinibatchCurves"]
