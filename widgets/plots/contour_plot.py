"""Contour plot: filled log-spaced contours with a colour bar, minima, start, trajectories, legend, and at the
selected racer's point its −∇f arrow, velocity / lookahead (where the method has them) and the Hessian's
eigenvector directions.

Trajectories are ``TrajectoryItem``s (widgets/plots/trajectory.py).
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Slot
from PySide6.QtGui import QFontMetrics

from lab.views.contour_grid import BANDS, contour_grid
from widgets.model import LabModel
from widgets.plots.guides import Guides, label_item
from widgets.plots.label_layout import place as place_labels
from widgets.plots.markers import Markers
from widgets.plots.slice_view import SliceLayer
from widgets.plots.trail_layer import BUDGET, TrailLayer
from widgets.plots.trajectory import REDUCE_ROWS, TrajectoryItem, banded_colormap
from widgets.style import FONT_PT, INK, MARKER_SIZE, font, nested_width, style_plot, symbol_for
from widgets.work.gil import gui_busy
from widgets.work.redraw_clock import RedrawClock

class ContourView(pg.GraphicsLayoutWidget):
    """The plot, and under it the legend (a row of its own, so it never hides a trajectory)."""

    FIRST = object()  # the first contour grid: evaluated at once, before the window shows

    def __init__(self, model: LabModel, clock: RedrawClock, parent=None, jobs=None):
        super().__init__(parent)
        self.model, self.clock = model, clock
        self.setObjectName("contourPlot")
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.ci.setSpacing(0)
        self.plot = self.addPlot(row=0, col=0)
        self.vb = self.plot.getViewBox()
        self.vb.setAspectLocked(True)
        self.vb.disableAutoRange()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        style_plot(self.plot, "y", "x")
        self.plot.setTitle("")

        self.image = pg.ImageItem()
        self.image.setZValue(-20)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), width=22, colorMap=banded_colormap(), interactive=False,
                                        colorMapMenu=False, pen=INK)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.colorbar.axis.setTickFont(font(FONT_PT))
        self.colorbar.axis.setTextPen(pg.mkPen(INK))
        # wide enough for "−16" and, beyond it, the title: pyqtgraph sizes the axis before the large font is known
        metrics = QFontMetrics(font(FONT_PT))
        self.colorbar.axis.setWidth(metrics.horizontalAdvance("−16") + metrics.height() + 14)

        self.minima = pg.ScatterPlotItem(symbol="star", size=26, brush=pg.mkBrush("#FFFFFF"),
                                         pen=pg.mkPen(INK, width=2))
        self.minima.setZValue(5)
        self.plot.addItem(self.minima)
        self.start = pg.TargetItem(pos=(0, 0), size=24, symbol="crosshair", pen=pg.mkPen(INK, width=3),
                                   hoverPen=pg.mkPen("#D55E00", width=3), brush=pg.mkBrush(None),
                                   hoverBrush=pg.mkBrush(255, 255, 255, 120), movable=True)
        self.start.setZValue(30)
        self.start.setToolTip("the start: drag it, or click anywhere on the plot")
        self.start.sigPositionChangeFinished.connect(self._on_start_dragged)
        self.plot.addItem(self.start)
        self.start_label = label_item("start", anchor=(-0.15, 1.1))
        self.start_label.setZValue(30)
        self.plot.addItem(self.start_label)

        self.trails = TrailLayer(self.vb)
        self.trails.setZValue(10)
        self.plot.addItem(self.trails, ignoreBounds=True)
        self.selected_trail = TrailLayer(self.vb, outline=INK, extra=1.5)  # the selected racer's, over the rest
        self.selected_trail.setZValue(13)
        self.plot.addItem(self.selected_trail, ignoreBounds=True)

        self.current = Markers()  # the racers' current points
        self.current.setZValue(20)
        self.plot.addItem(self.current)

        self.guides = Guides(self.plot)  # at the selected racer's point: −∇f, velocity, eigenvectors

        self.legend = pg.LegendItem(labelTextSize=f"{FONT_PT}pt", colCount=4, labelTextColor=INK,
                                    verSpacing=-6, horSpacing=2, frame=False)
        self.ci.addItem(self.legend, row=1, col=0)
        self.ci.layout.setRowStretchFactor(0, 1)
        self.note = pg.TextItem("", color=INK, anchor=(0.5, 0.5))
        self.note.setFont(font(FONT_PT + 2, bold=True))
        self.plot.addItem(self.note)
        self.note.hide()
        # more than two parameters: the loss on a 2-D slice through the selected racer (computed in ``jobs``)
        self.slice = SliceLayer(self, model, jobs) if jobs is not None else None
        self.jobs = jobs
        self._grid_pending = self.FIRST  # the objective whose contour grid the view-jobs thread evaluates

        self.trajectories: list[TrajectoryItem] = []
        self._cell = (1.0, 1.0)
        self._box = (-1e9, 1e9, -1e9, 1e9)
        self._dirty = True
        self._regrid_pending = False
        self.levels = np.linspace(0, 1, BANDS + 1)

        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.vb.sigRangeChanged.connect(self._on_range_changed)
        model.objectiveChanged.connect(self._on_objective_changed)
        model.startChanged.connect(self._on_start_changed)
        model.raceReset.connect(self._on_race_reset)
        model.raceAdvanced.connect(self._on_race_advanced)
        model.selectionChanged.connect(self._on_selection_changed)
        model.selectionChanged.connect(self._on_race_advanced)
        model.view_step.viewStepChanged.connect(self._on_race_advanced)  # the timeline: markers and arrows at k
        clock.tick.connect(self._on_tick)
        self._on_objective_changed()
        self._on_start_changed()
        self._on_race_reset()

    # ----- objective -------------------------------------------------------------------------------------------
    def getPlotItem(self) -> pg.PlotItem:
        return self.plot

    @property
    def two_d(self) -> bool:
        return self.model.objective.dim == 2

    @Slot()
    def _on_objective_changed(self) -> None:
        obj = self.model.objective
        for item in (self.image, self.minima, self.start, self.start_label, self.current):
            item.setVisible(self.two_d)
        self.colorbar.setVisible(self.two_d)
        for name in ("left", "bottom"):
            self.plot.showAxis(name, self.two_d)
        if not self.two_d and self.slice is not None:
            self.guides.hide()
            self.slice.activate()
            return
        if self.slice is not None:
            self.slice.deactivate()
        if not self.two_d:
            self.guides.hide()
            self.note.setText(f"{obj.name} has {obj.dim} parameters:\nno contour plot — watch the loss curves")
            self.note.setPos(0, 0)
            self.note.show()
            self.vb.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
            return
        self.note.hide()
        style_plot(self.plot, obj.axes[1], obj.axes[0])
        (x0, x1), (y0, y1) = obj.domain
        self._request_grid(obj)
        self.minima.setData(pos=self.minima_points())
        self.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
        self._regrid(force=True)

    def _request_grid(self, obj) -> None:
        """The contour grid of ``obj``, evaluated in the view-jobs thread (a data objective's takes a second),
        the old picture hidden meanwhile; the first one (before the window shows), or without ``jobs``, here."""
        if self.jobs is None or self._grid_pending is self.FIRST:
            self._show_grid(obj, contour_grid(obj))
            return
        self.image.setVisible(False)
        self._grid_pending = obj
        self.jobs.submit((self, "grid"), lambda: contour_grid(obj), lambda grid: self._show_grid(obj, grid))

    def grid_now(self) -> None:
        """The contour grid being evaluated in the view-jobs thread, evaluated here instead, now (screenshots,
        exports: ``MainWindow.refresh_now``)."""
        obj = self._grid_pending
        if obj is not None and obj is not self.FIRST and obj is self.model.objective:
            self.jobs.cancel((self, "grid"))
            self._show_grid(obj, contour_grid(obj))

    def _show_grid(self, obj, grid) -> None:
        if obj is not self.model.objective:
            return  # a newer objective's grid is on its way
        self._grid_pending = None
        self.image.setVisible(True)
        gx, gy, self.levels = grid.gx, grid.gy, grid.levels
        self.image.setImage(grid.z, levels=(self.levels[0], self.levels[-1]), autoLevels=False)
        self.image.setRect(QRectF(gx[0], gy[0], gx[-1] - gx[0], gy[-1] - gy[0]))
        self.colorbar.setLevels((self.levels[0], self.levels[-1]))
        self.colorbar.axis.setLabel(f"log₁₀({grid.what})", **{"font-size": f"{FONT_PT}pt", "color": INK})

    @Slot()
    def _on_start_changed(self) -> None:
        if not self.two_d:
            return
        s = self.model.start
        self.start.blockSignals(True)
        self.start.setPos(QPointF(float(s[0]), float(s[1])))
        self.start.blockSignals(False)
        self.start_label.setPos(float(s[0]), float(s[1]))
        self._dirty = True  # its label is placed with the others on the next tick
        self.clock.request(half=0)

    @Slot(object)
    def _on_start_dragged(self, target) -> None:
        p = target.pos()
        self.model.set_start([p.x(), p.y()])

    @Slot(object)
    def _on_scene_clicked(self, ev) -> None:
        if (ev.button() != Qt.MouseButton.LeftButton or ev.double() or not self.two_d
                or ev.modifiers() & Qt.KeyboardModifier.ControlModifier  # Ctrl+click: the gradient check there
                or not self.vb.sceneBoundingRect().contains(ev.scenePos())
                or self.start.sceneBoundingRect().contains(ev.scenePos())):
            return
        p = self.vb.mapSceneToView(ev.scenePos())
        self.model.set_start([p.x(), p.y()])

    # ----- racers ----------------------------------------------------------------------------------------------
    @Slot()
    def _on_race_reset(self) -> None:
        traces = self.model.traces if self.two_d else []
        widths = [nested_width(i, len(traces)) for i in range(len(traces))]
        if traces and [t.key() for t in self.trajectories] == [TrajectoryItem.key_for(tr, w)
                                                              for tr, w in zip(traces, widths)]:
            for item, trace in zip(self.trajectories, traces):  # the same racers: the items and legend stay
                item.rebind(trace, self._cell, self._box)
            self.trails.set_sources(self.trajectories)
            self._on_selection_changed()
            self._dirty = True
            self.clock.request(half=0)
            return
        for t in self.trajectories:
            self.plot.removeItem(t)
        self.legend.clear()
        self.trajectories = []
        if self.two_d:
            for i, trace in enumerate(self.model.traces):
                item = TrajectoryItem(trace, self._cell, self._box, nested_width(i, len(self.model.traces)))
                self.plot.addItem(item, ignoreBounds=True)
                self.legend.addItem(item.curve, trace.label)
                self.trajectories.append(item)
        for sample, label in self.legend.items:
            label.setText(label.text, size=f"{FONT_PT}pt", color=INK)
        self.trails.set_sources(self.trajectories)
        self._on_selection_changed()
        self._dirty = True
        self.clock.request(half=0)

    @Slot()
    @Slot(int)
    def _on_selection_changed(self, *_) -> None:
        """The selected racer's path (a dark outline) and step markers drawn over the others'."""
        selected = [t for t in self.trajectories if t.trace.row == self.model.selected_row]
        for t in self.trajectories:
            t.setZValue(14 if t in selected else 12)
        self.selected_trail.set_sources(selected)

    @Slot()
    @Slot(object)
    @Slot(int)
    def _on_race_advanced(self, *_) -> None:
        self._dirty = True
        self.clock.request(half=0)

    @Slot(object, object)
    def _on_range_changed(self, *_) -> None:
        cell, _ = self._grid()
        if max(cell[0] / self._cell[0], self._cell[0] / cell[0]) > 1.3:
            self._regrid_pending = True
        self._dirty = True  # arrows are sized by the view
        self.clock.request(half=0)

    def _grid(self):
        r = self.vb.viewRect()
        w = max(self.vb.width(), 50.0)
        h = max(self.vb.height(), 50.0)
        cell = (max(r.width() / w, 1e-12), max(r.height() / h, 1e-12))
        box = (r.left() - 10 * r.width(), r.right() + 10 * r.width(),
               r.top() - 10 * r.height(), r.bottom() + 10 * r.height())
        return cell, box

    def _regrid(self, force: bool = False) -> None:
        self._cell, self._box = self._grid()
        for t in self.trajectories:
            t.regrid(self._cell, self._box)
        self.trails.invalidate()
        self.selected_trail.invalidate()
        self._regrid_pending = False
        self._dirty = True

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if "clock" in self.__dict__:  # pyqtgraph calls this from inside __init__
            self._regrid_pending = True
            self.clock.request(half=0)

    # ----- drawing (on the clock's tick) -----------------------------------------------------------------------
    def paintEvent(self, ev) -> None:
        t0 = time.perf_counter()
        with gui_busy():
            super().paintEvent(ev)
        self.clock.note_cost((time.perf_counter() - t0) * 1000.0, self)

    @Slot()
    def _on_tick(self) -> None:
        if not (self._dirty or self._regrid_pending) or not self.two_d:
            return
        if not self.clock.my_turn(0):
            self.clock.request(half=0)
            return
        if self._regrid_pending:
            self._regrid()
        self._dirty = False
        for t in self.trajectories:
            t.refresh(None if self.clock.flushing else REDUCE_ROWS)
        for layer in (self.trails, self.selected_trail):
            layer.refresh(budget=10**9 if self.clock.flushing else BUDGET)
        if self.trails.behind or self.selected_trail.behind or any(t.behind for t in self.trajectories):  # a backlog: the rest on the next turns
            self._dirty = True
            self.clock.request(half=0)
        self._draw_current_points()
        self.guides.draw(self.model.view_step.selected, self.model.experiment.tol, self.vb.viewRect().width())
        self._place_labels()
        self.clock.expect_paint(self)

    def _place_labels(self) -> None:
        """``start`` and the guides' labels, clear of each other, the minima's stars, the start and the selected
        racer's point (widgets/plots/label_layout.py)."""
        s = self.model.start
        entries = [(self.start_label, (float(s[0]), float(s[1])), (1.0, 1.0))] + list(self.guides.placed)
        obstacles = ([(m[0], m[1], 28) for m in self.minima_points()] + [(float(s[0]), float(s[1]), 26)]
                     + [(t[0], t[1], 18) for t in self.guides.tips])
        trace = self.model.view_step.selected  # as shown: at the timeline's step
        if trace is not None and trace.point is not None:
            x = np.asarray(trace.point.x, float)
            obstacles.append((x[0], x[1], MARKER_SIZE + 10))
        place_labels(self.vb, entries, obstacles)

    def minima_points(self) -> np.ndarray:
        obj = self.model.objective
        return obj.minima[:, :2] if len(obj.minima) else np.empty((0, 2))

    def _draw_current_points(self) -> None:
        """One marker per racer at its last finite point up to the step shown (an ✕ if its last step left the
        finite numbers)."""
        selected = self.model.selected_row
        traces = sorted(self.model.view_step.traces, key=lambda t: t.row == selected)  # the selected racer drawn on top
        pos, brushes, pens, sizes, symbols = [], [], [], [], []
        for t in traces:
            v = t.positions.view
            k = len(v) - 1
            while k >= 0 and not np.isfinite(v[k, :2]).all():  # only a diverged racer's last row or two
                k -= 1
            if k < 0:
                continue
            big = t.row == selected
            pos.append(v[k, :2])
            brushes.append(pg.mkBrush(t.color))
            pens.append(pg.mkPen(INK, width=3 if big else 1.5))
            sizes.append(MARKER_SIZE + (8 if big else 0))
            symbols.append(symbol_for(t.color, t.row) if k == len(v) - 1 else "x")
        with np.errstate(all="ignore"):  # a point near 1e300 overflows the rounding: no warning, it is only a key
            key = (tuple(map(tuple, np.round(pos, 12))) if pos else (), tuple(sizes), tuple(symbols),
                   tuple(b.color().name() for b in brushes))
        if key == getattr(self, "_current_key", None):
            return
        self._current_key = key
        if pos:
            self.current.setData(np.array(pos), brushes, pens, sizes, symbols)
        else:
            self.current.setData(np.empty((0, 2)))
