"""The contour view for an objective with more than two parameters: the loss on a 2-D slice.

    f(x + α·d1 + β·d2),   α, β ∈ [−extent, extent]

through the selected racer's current point x, along two seeded random directions or the Hessian's top two
eigenvectors (the combo box at the plot's top left), with the axes saying which (``lab.slices``). The grid is
computed in the view-jobs thread at most ``RATE_HZ`` times a second; the racer sits at the centre (0, 0), its
last ``RECENT`` steps projected onto the plane (lab/views/projection.py). The colours are bands of equal area
(``quantile_levels``: a loss flat but for a steep rim shows its floor's structure), the colour bar's ticks the
f at their edges; the plot fills its axes (α and β are directions' coefficients, not a map: no locked aspect).
"""
from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox

from lab.errors import LabError
from lab.slices import HESSIAN, RANDOM, SliceDirections, slice_directions, slice_grid
from lab.views.contour_grid import BANDS
from lab.views.projection import RECENT, project_path, thin
from lab.views.scales import band_of, quantile_levels
from widgets.plots.data_plot import last_finite
from widgets.plots.trajectory import banded_colormap
from widgets.style import FONT_PT, INK, MARKER_SIZE, font, set_title
from widgets.work.gil import gui_busy
from widgets.work.view_jobs import ViewJobs

RATE_HZ = 2
EXTENT = 1.0
N = 41
SEED = 0
KIND_NAMES = {RANDOM: "random directions", HESSIAN: "top Hessian eigenvectors"}


def axis_label(label: str) -> str:
    """A direction's name as its axis shows it, short enough for the left axis: "Hessian eigenvector 2
    (λ = 0.7224)" as "H eigenvector 2, λ = 0.722"."""
    m = re.fullmatch(r"Hessian eigenvector (\d+) \(λ = (.+)\)", label)
    if m is None:
        return label
    try:
        lam = f"{float(m.group(2)):.3g}"
    except ValueError:
        lam = m.group(2)
    return f"H eigenvector {m.group(1)}, λ = {lam}"


class SliceResult(NamedTuple):
    """A slice as drawn: the point, its step, the directions and the grid (``lab.slices.slice_grid``)."""

    x: np.ndarray
    step: int
    directions: SliceDirections
    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    path: np.ndarray  # (m, 2): the racer's recent points projected onto the plane


def compute_slice(objective, x: np.ndarray, step: int, kind: str, n: int = N, extent: float = EXTENT,
                  recent: np.ndarray | None = None):
    """The slice through x (view-jobs thread); a LabError's text if there is none (a non-finite Hessian).
    ``recent``: the racer's last points (m, d), projected onto the slice's plane."""
    try:
        d = slice_directions(objective, x, kind, seed=SEED)
        alphas, betas, loss = slice_grid(objective, x, d.d1, d.d2, extent=extent, n=n)
    except LabError as exc:
        return str(exc)
    path = np.empty((0, 2)) if recent is None or not len(recent) else project_path(recent, x, d.d1, d.d2)
    return SliceResult(x, step, d, alphas, betas, loss, path)


class SliceLayer(QObject):
    """Draws the slice into a ``ContourView``'s image, colour bar and axes while its objective has dim > 2."""

    updated = Signal(object)  # the point the slice now drawn goes through (None: no slice there)

    def __init__(self, view, model, jobs: ViewJobs):
        super().__init__(view)
        self.view, self.model, self.jobs = view, model, jobs
        self.active = False
        self.last: SliceResult | None = None
        self.kind = RANDOM
        self.combo = QComboBox(view)
        self.combo.setObjectName("sliceKind")
        for kind, name in KIND_NAMES.items():
            self.combo.addItem(f"slice: {name}", kind)
        self.combo.setFont(font(FONT_PT - 1))
        self.combo.setToolTip("the plane through the selected racer's point: along two random directions, or "
                              "along the Hessian's two eigenvectors of largest curvature")
        self.combo.currentIndexChanged.connect(self._on_kind_chosen)
        self.combo.adjustSize()
        self.combo.hide()
        view.installEventFilter(self)  # the combo sits in the legend's row, bottom left
        view.colorbar.axis.enableAutoSIPrefix(False)  # a slice's f of 0.09 … 0.14 is not "90 … 140 (x0.001)"
        self.marker = pg.ScatterPlotItem(size=MARKER_SIZE + 6, pxMode=True)
        self.marker.setZValue(20)
        view.plot.addItem(self.marker)
        self.path = pg.PlotDataItem(symbol="o", symbolSize=6, antialias=True)  # the racer's recent steps
        self.path.setZValue(15)
        view.plot.addItem(self.path)
        self._dirty = False
        self._bar_width = None
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / RATE_HZ))
        self._timer.timeout.connect(self._on_timer)
        model.raceReset.connect(self._on_changed)
        model.raceAdvanced.connect(self._on_changed)
        model.selectionChanged.connect(self._on_changed)
        model.view_step.viewStepChanged.connect(self._on_changed)  # the timeline: the racer as of step k

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.combo.move(6, self.view.height() - self.combo.height() - 6)
        return False

    def set_kind(self, kind: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(kind))

    @Slot(int)
    def _on_kind_chosen(self, index: int) -> None:
        self.kind = self.combo.itemData(index)
        if self.active:
            self.request_now()

    def activate(self) -> None:
        """The objective has more than two parameters: show its slice."""
        self.active = True
        self.last = None
        self.jobs.cancel(self)
        v = self.view
        for item in (v.image, v.colorbar, self.marker, self.path):
            item.setVisible(True)
        v.image.clear()
        v.vb.setAspectLocked(False)  # fill the axes
        if self._bar_width is None:  # f's ticks (0.68, 0.72) are wider than log f's (−2): let the axis grow
            self._bar_width = v.colorbar.axis.width()
            v.colorbar.axis.setWidth(v.colorbar.axis.fontMetrics().horizontalAdvance("0.0000") + 36
                                     if hasattr(v.colorbar.axis, "fontMetrics") else 90)
        for name in ("left", "bottom"):
            v.plot.showAxis(name, True)
        v.note.hide()
        v.vb.setRange(xRange=(-EXTENT, EXTENT), yRange=(-EXTENT, EXTENT), padding=0.02)
        v.ci.layout.setRowMinimumHeight(1, self.combo.height() + 10)  # room for the combo under the axis
        self.combo.move(6, v.height() - self.combo.height() - 6)
        self.combo.show()
        self.combo.raise_()
        self._timer.start()
        self.request_now()

    def deactivate(self) -> None:
        """Back to a 2-D objective: the contour view's own axes."""
        if not self.active:
            return
        self.active = False
        self.last = None
        self.jobs.cancel(self)
        self._timer.stop()
        self.combo.hide()
        self.view.ci.layout.setRowMinimumHeight(1, 0)
        if self._bar_width is not None:
            self.view.colorbar.axis.setWidth(self._bar_width)
            self._bar_width = None
        self.marker.setData(pos=np.empty((0, 2)))
        self.marker.hide()
        self.path.setData([], [])
        self.path.hide()
        v = self.view
        v.vb.setAspectLocked(True)
        v.colorbar.axis.setTicks(None)
        v.colorbar.setColorMap(banded_colormap(BANDS))
        self._bands = None
        style = {"font-size": f"{FONT_PT}pt", "color": INK}
        self.view.plot.setLabel("bottom", "x", **style)
        self.view.plot.setLabel("left", "y", **style)
        for name in ("bottom", "left"):
            self.view.plot.getAxis(name).resizeEvent(None)
        self.view.plot.setTitle("")

    @Slot()
    @Slot(object)
    @Slot(int)
    def _on_changed(self, *_) -> None:
        self._dirty = True

    @Slot()
    def _on_timer(self) -> None:
        if self.active and self._dirty and not self.jobs.busy(self):
            with gui_busy():
                self.request_now()

    def request_now(self, wait: bool = False) -> None:
        """Compute the slice at the selected racer's point now, in the view-jobs thread (``updated`` once drawn),
        or with ``wait`` here and at once (screenshots, exports: ``MainWindow.refresh_now``)."""
        self._dirty = False
        obj, kind = self.model.objective, self.kind
        trace = self.model.view_step.selected
        x, step = last_finite(trace, self.model.start)
        recent = None if trace is None else thin(trace.positions.view[max(0, step - RECENT):step + 1]).copy()
        who = trace.label if trace is not None else "the start"
        color = trace.color if trace is not None else "#FFFFFF"
        if wait:
            self.jobs.cancel(self)
            self._draw(obj, kind, compute_slice(obj, x, step, kind, recent=recent), who, color)
        else:
            self.jobs.submit(self, lambda: compute_slice(obj, x, step, kind, recent=recent),
                             lambda r: self._draw(obj, kind, r, who, color))

    def _draw(self, obj, kind: str, result, who: str, color: str) -> None:
        if not self.active or obj is not self.model.objective or kind != self.kind:
            return
        v = self.view
        style = {"font-size": f"{FONT_PT}pt", "color": INK}
        if isinstance(result, str):
            set_title(v.plot, f"no slice: {result}", FONT_PT - 1)
            self.updated.emit(None)
            return
        self.last = result
        edges = quantile_levels(result.loss, BANDS)  # bands of equal area: structure wherever f varies
        bands = len(edges) - 1
        z = band_of(result.loss, edges)
        a, b = result.alphas, result.betas
        da, db = a[1] - a[0], b[1] - b[0]
        if bands != getattr(self, "_bands", None):
            self._bands = bands
            v.colorbar.setColorMap(banded_colormap(bands))
        v.image.setImage(z, levels=(0, bands), autoLevels=False)
        v.image.setRect(QRectF(a[0] - da / 2, b[0] - db / 2, a[-1] - a[0] + da, b[-1] - b[0] + db))
        v.colorbar.setLevels((0, bands))
        every = max(1, int(np.ceil((bands + 1) / 6)))  # at most ~6 labels: f at the bands' edges
        v.colorbar.axis.setTicks([[(i, f"{edges[i]:.3g}") for i in range(0, bands + 1, every)], []])
        v.colorbar.axis.setLabel("f", **style)
        v.plot.setLabel("bottom", axis_label(result.directions.labels[0]), **style)
        v.plot.setLabel("left", axis_label(result.directions.labels[1]), **style)
        for name in ("bottom", "left"):  # a longer label than the last: centre it again (pyqtgraph does on resize)
            v.plot.getAxis(name).resizeEvent(None)
        # short: the title's width is the plot's least width (a long one pushes the colour bar out of view)
        set_title(v.plot, f"f on a plane through {who}", FONT_PT - 1)
        self.marker.setData(pos=[(0.0, 0.0)], brush=pg.mkBrush(color), pen=pg.mkPen(INK, width=3))
        self.path.setData(result.path[:, 0], result.path[:, 1], pen=pg.mkPen(color, width=3),
                          shadowPen=pg.mkPen("#FFFFFF", width=6), symbolBrush=pg.mkBrush(color),
                          symbolPen=pg.mkPen("#FFFFFF", width=1), connect="finite")
        self.updated.emit(result.x)


__all__ = ["SliceLayer", "SliceResult", "compute_slice"]
