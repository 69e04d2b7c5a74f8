"""Curves against step: the loss (f − f* on a log axis when f* is known, f otherwise), the gradient norm, and the
condition number along each trajectory. One curve per racer, all of a plot's in one ``CurveSet``; each redraw
tick gives every curve that grew its trace's ``Envelope``: every row while the race is short, then each
bucket's min and max, at most ~8 000 points however long the race, drawn as the plot's pixel columns show
them (``peak_columns``) — a redraw costs the same at step 10⁶ as at 10³.

On a log axis the curves hold log₁₀ of the values (the axis labels them 10ᵏ), taken here of the envelope's
points (log, floors and f − f* are monotone: each bucket's extremes stay its extremes).
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFontMetrics

from lab.views.decimate import Envelope
from lab.views.scales import (FLOOR, SINGULAR_KAPPA, floor_for, kappa_shown, log_step, log_ticks, loss_gap,
                              positive_floor, step_ticks)
from lab.views.snapshot import PER_STEP_CURVATURE_MAX_DIM
from widgets.model import LabModel
from widgets.plots.curve_set import CurveSet, RacerCurve
from widgets.plots.lr_overlay import LrOverlay
from widgets.style import BOTTOM_AXIS_HEIGHT, FONT_PT, GUIDE, INK, LINE_WIDTH, font, style_plot, set_title
from widgets.work.gil import gui_busy
from widgets.work.redraw_clock import RedrawClock

DIVERGING_DECADES = 4.0  # on a log axis, room above the other racers for a diverging racer's climb

NICE = (1.0, 1.25, 1.6, 2.0, 2.5, 3.2, 4.0, 5.0, 6.4, 8.0)  # ~10 steps a decade (×1.26)


def nice_above(n: float) -> float:
    """The smallest of 1, 1.25, 1.6, 2, …, 8 × 10ᵏ that is ≥ ``n`` (``n`` ≥ 1)."""
    k = 10.0 ** np.floor(np.log10(max(n, 1.0)))
    return next((m * k for m in NICE if m * k >= n), 10.0 * k)


class SeriesPlot(pg.PlotWidget):
    """One plot of a per-racer series against step, log y by default."""

    bottom = False  # the three plots share the step axis, one above the other; only the bottom one names it
    half = 0  # the redraw clock's half this plot redraws on (widgets/work/redraw_clock.py)
    log_x = False  # the step axis: linear, or log₁₀(1 + step) (Newton's few steps spread out): ``set_log_x``
    stepAxisChanged = Signal(bool)  # for other curves on the plot (the lr, the minibatch losses): redraw with step_x

    def __init__(self, model: LabModel, clock: RedrawClock, object_name: str, title: str | tuple, parent=None):
        super().__init__(parent)
        self.model, self.clock = model, clock
        self._follow = True
        self._lo, self._hi, self._n = np.inf, -np.inf, 0
        self._ranges: list[list[float]] = []  # per curve [lo, hi] of its finite values
        self._label_height = QFontMetrics(font(FONT_PT)).height()
        self.setObjectName(object_name)
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setClipToView(True)  # for other curves added to the plot (the minibatch losses)
        self.plot.setDownsampling(auto=True, mode="peak")
        # the range follows the data, set once per redraw (pyqtgraph's auto-range would repaint twice); a user's
        # zoom or pan stops following until the next reset or a double-click
        self.plot.disableAutoRange()
        self.plot.getViewBox().sigRangeChangedManually.connect(self._on_user_range)
        self.plot.getViewBox().sigYRangeChanged.connect(self._space_ticks)  # labels for the range in view
        self.plot.getViewBox().sigResized.connect(self._space_ticks)  # and as many as its height has room for
        self.plot.getViewBox().sigXRangeChanged.connect(self._space_step_ticks)
        self.plot.getViewBox().sigResized.connect(self._space_step_ticks)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        # vertical grid lines at the labelled steps only: the minor ones (every 1 000 steps: dozens of translucent
        # full-height lines) cost ~40 % of a paint in the raster engine
        self.plot.getAxis("bottom").setStyle(maxTickLevel=0)
        set_title(self.plot, title, FONT_PT)
        style_plot(self.plot, "", "step" if self.bottom else "")
        if not self.bottom:
            self.plot.getAxis("bottom").setHeight(BOTTOM_AXIS_HEIGHT - 22)
        self.curve_set = CurveSet()  # every racer's curve, drawn as one item
        self.plot.addItem(self.curve_set)
        self.curves: list[RacerCurve] = self.curve_set.curves
        self._drawn: list[int] = []
        self._dirty = True
        self.guide = pg.InfiniteLine(angle=0, pen=pg.mkPen(GUIDE, width=2, style=Qt.PenStyle.DashLine),
                                     label="", labelOpts={"position": 0.99, "color": GUIDE, "movable": False,
                                                          "anchors": [(1, 1), (1, 1)],  # ends at the right edge
                                                          "fill": pg.mkBrush(255, 255, 255, 200)})
        self.guide.label.setFont(font(FONT_PT - 1))
        self.guide.setZValue(-5)
        self.plot.addItem(self.guide, ignoreBounds=True)
        model.raceReset.connect(self._on_race_reset)
        model.raceAdvanced.connect(self._on_race_advanced)
        model.selectionChanged.connect(self._on_selection_changed)
        clock.tick.connect(self._on_tick)

    # what each plot shows, per racer: one of the trace's envelopes, and the values it draws for y
    def envelope(self, trace) -> Envelope:
        raise NotImplementedError

    def values(self, y: np.ndarray) -> np.ndarray:
        """What the curve holds for the series' values ``y`` (a monotone map)."""
        return self.mapped(y)

    def rows(self, trace) -> int:
        """How many rows of the trace this plot draws from."""
        return self.envelope(trace).n

    def configure(self) -> None:
        """Axis mode and guide line for the current objective (called on reset)."""

    log_y = True

    def step_x(self, steps) -> np.ndarray:
        """Where steps go on this plot's x axis: the step, or log₁₀(1 + step) on a log step axis."""
        return log_step(steps) if self.log_x else np.asarray(steps, dtype=float)

    def set_log_x(self, log: bool) -> None:
        """A log step axis (every curve redrawn from its envelope; the view follows the data again)."""
        if log == self.log_x:
            return
        self.log_x = log
        self._drawn = [0] * len(self.curves)
        self._follow, self._fitted = True, None
        self.plot.getAxis("bottom").setLabel("step (log scale)" if log and self.bottom else
                                             "step" if self.bottom else "")
        self._space_step_ticks()
        self._dirty = True
        self.clock.request(half=self.half)
        self.stepAxisChanged.emit(log)

    def _space_step_ticks(self, *_) -> None:
        """On a log step axis, the steps 0, 1, 2, 5, 10, … labelled where they lie (``step_ticks``)."""
        axis = self.plot.getAxis("bottom")
        if not self.log_x:
            if getattr(self, "_step_ticks", None) is not None:
                self._step_ticks = None
                axis.setTicks(None)
            return
        vb = self.plot.getViewBox()
        lo, hi = vb.viewRange()[0]
        room = max(2, int(vb.width() // 60))
        ticks = step_ticks(lo, hi, room)
        if getattr(self, "_step_ticks", None) != ticks:
            self._step_ticks = ticks
            axis.setTicks([ticks, []])

    def set_log_y(self, log: bool) -> None:
        """Log y (the curves hold log₁₀ values, the axis shows 10ᵏ), never zoomed in to less than one decade."""
        self.log_y = log
        self.plot.getAxis("left").setLogMode(log)
        self.plot.getViewBox().setLimits(minYRange=1.0 if log else None)

    def mapped(self, values: np.ndarray) -> np.ndarray:
        """What a curve holds for ``values``: log₁₀ on a log axis (NaN and ±∞ stay non-finite: never drawn)."""
        if not self.log_y:
            return np.asarray(values, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(values)

    @Slot()
    def _on_race_reset(self) -> None:
        self.curve_set.clear()
        self.configure()
        for t in self.model.traces:
            self.curve_set.add(pg.mkPen(t.color, width=LINE_WIDTH), t.label)
        self.curves = self.curve_set.curves
        self._drawn = [0] * len(self.curves)
        self._emphasize()
        self._follow = True
        self._lo, self._hi, self._n = np.inf, -np.inf, 0
        self._fitted = None
        self._ranges = [[np.inf, -np.inf] for _ in self.curves]
        self._dirty = True
        self.clock.request(half=self.half)

    @Slot(object)
    def _on_user_range(self, *_) -> None:
        self._follow = False

    def mouseDoubleClickEvent(self, ev) -> None:
        self._follow = True
        self._fit(force=True)
        ev.accept()

    def _grow_range(self, i: int, x: np.ndarray, env: Envelope) -> None:
        """Curve ``i`` now holds ``x`` and its envelope ``env``'s points: its y range is the mapped range of every
        finite value so far (the maps are monotone; the envelope keeps each bucket's extremes)."""
        if len(x):
            self._n = max(self._n, float(x[-1]))
        if env.lo <= env.hi:
            with np.errstate(all="ignore"):
                lo, hi = (float(v) for v in self.values(np.array([env.lo, env.hi])))
            if np.isfinite(lo) and np.isfinite(hi):
                self._ranges[i] = [lo, hi]
        # the view follows the racers that did not blow up: one diverging racer's 1e300 would flatten the rest; on a
        # log axis a diverging curve still gets DIVERGING_DECADES of room above them, so its climb is seen
        traces = self.model.traces
        sane = [r for r, t in zip(self._ranges, traces) if t.status not in ("diverged", "error")]
        use = [r for r in (sane or self._ranges) if r[0] <= r[1]] or [r for r in self._ranges if r[0] <= r[1]]
        if use:
            self._lo, self._hi = min(r[0] for r in use), max(r[1] for r in use)
            wild = [r[1] for r in self._ranges if r[0] <= r[1] and r[1] > self._hi]
            if self.log_y and wild:
                self._hi = min(max(wild), self._hi + DIVERGING_DECADES)

    def _fit(self, force: bool = False) -> None:
        """Follow the data with a range that changes seldom: x to the next of ~10 steps a decade above the last
        step (capped at the race's length), y out to the next half decade (log) or half of the span's power of
        ten (linear). A range that moved costs the tick every curve's clip and downsampling again and the paint
        both axes' ticks, labels and grid: while it holds still, a redraw draws the curves only."""
        if not np.isfinite(self._lo):
            return
        lo, hi = self._lo, self._hi
        if hi - lo < 1.0 and self.log_y:
            mid = 0.5 * (lo + hi)
            lo, hi = mid - 0.5, mid + 0.5
        elif hi - lo < 1e-12:
            lo, hi = lo - 1.0, hi + 1.0
        # half decades; a tenth over less than two (a κ = 50 bowl keeps [16, 160], not [10, 316]: room for 20, 50, 100)
        q = (0.5 if hi - lo >= 2.0 else 0.1) if self.log_y else 0.5 * 10.0 ** np.floor(np.log10(hi - lo))
        lo, hi = np.floor(lo / q) * q, np.ceil(hi / q) * q
        x_hi = max(self._n, 1.0)
        x_hi = min(float(nice_above(x_hi)), max(x_hi, float(self.model.max_steps)))
        target = (x_hi, lo, hi)
        if target == getattr(self, "_fitted", None) and not force:
            return
        self._fitted = target
        vb = self.plot.getViewBox()
        vb.setRange(xRange=(0, float(self.step_x(x_hi))), yRange=(lo, hi), padding=0.04)
        self._space_ticks()
        # the new transform now, not in the paint: the guide line and its label move in this tick, so the view
        # paints once (updated during a paint they would change the scene again: a second, full paint)
        vb.prepareForPaint()

    def _space_ticks(self, *_) -> None:
        """On a log axis over the view's [lo, hi] (decades), as many labels as fit 14-pt text, but at least three when the
        view spans less than a few decades (``log_ticks``: 5, 10, 20, 50 on a κ = 50 bowl, not 10 alone)."""
        axis = self.plot.getAxis("left")
        if not self.log_y:
            axis.setTicks(None)
            return
        vb = self.plot.getViewBox()
        lo, hi = vb.viewRange()[1]
        if hi <= lo or vb.height() <= 0:
            return
        inset = 0.5 * self._label_height / vb.height() * (hi - lo)  # a label centred nearer the end is cut off
        ticks = log_ticks(lo + inset, hi - inset, vb.height() - self._label_height, self._label_height)
        if getattr(self, "_ticks", None) != ticks:
            self._ticks = ticks
            axis.setTicks([ticks, []])

    def paintEvent(self, ev) -> None:
        t0 = time.perf_counter()
        with gui_busy():
            super().paintEvent(ev)
        self.clock.note_cost((time.perf_counter() - t0) * 1000.0, self)

    @Slot(object)
    def _on_race_advanced(self, *_) -> None:
        self._dirty = True
        self.clock.request(half=self.half)

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
        if not self.clock.my_turn(self.half):
            self.clock.request(half=self.half)
            return
        self._dirty = False
        for i, (c, t) in enumerate(zip(self.curves, self.model.traces)):
            n = self.rows(t)
            if self._drawn[i] == n:
                continue
            env = self.envelope(t)
            x, y = env.points()
            y = self.values(y)
            self._grow_range(i, x, env)
            self._drawn[i] = n
            c.setData(self.step_x(x), y)
        if self._follow:
            self._fit()
        self.clock.expect_paint(self)


class LossPlot(SeriesPlot):
    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(model, clock, "lossPlot", "loss", parent)
        self.lr = LrOverlay(self.plot, model, self)  # the selected racer's scheduled lr, right axis
        self._on_race_reset()

    def configure(self) -> None:
        obj = self.model.objective
        log = obj.min_value is not None
        self.set_log_y(log)
        self.plot.setLabel("left", "f − f*" if log and obj.min_value != 0 else "f",
                           **{"font-size": f"{FONT_PT}pt", "color": INK})
        if not log:
            title = ("loss  f   (linear: f* unknown)", "f (linear)")
        elif obj.min_value == 0:
            title = ("loss  f   (log scale)", "loss f (log)", "f (log)")
        else:
            title = (f"loss  f − f*   (f* = {obj.min_value:.4g}, log)", "f − f* (log)")
        set_title(self.plot, title, FONT_PT)
        if log:
            floor = floor_for(obj.min_value)
            self.guide.setPos(np.log10(floor))
            self.guide.label.setFormat(f"floor {floor:.0e}")
            self.guide.show()
        else:
            self.guide.hide()

    def envelope(self, trace) -> Envelope:
        return trace.loss_curve

    def values(self, y):
        return self.mapped(loss_gap(y, self.model.objective.min_value))


class GradNormPlot(SeriesPlot):
    half = 1
    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(model, clock, "gradNormPlot",
                         ("gradient norm  |∇f|   (log scale)", "|∇f| (log scale)", "|∇f| (log)"), parent)
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

    def envelope(self, trace) -> Envelope:
        return trace.grad_curve

    def values(self, y):
        return self.mapped(positive_floor(y, FLOOR))


def cheap_curvature_dim(dim: int) -> bool:
    return dim <= PER_STEP_CURVATURE_MAX_DIM


class ConditionPlot(SeriesPlot):
    bottom = True
    half = 1

    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(model, clock, "conditionPlot",
                         ("condition number κ (log)", "κ of H (log)", "κ (log)"), parent)
        self.set_log_y(True)
        self.plot.setLabel("left", "κ", **{"font-size": f"{FONT_PT}pt", "color": INK})
        self.guide.setPos(np.log10(SINGULAR_KAPPA))  # a κ this high is a singular H: drawn on this line
        self.guide.label.setFormat("singular: κ ≥ 1/ε")
        self.guide.label.setPosition(0.45)  # clear of the right edge, which would cut it
        self._on_race_reset()

    def envelope(self, trace) -> Envelope:
        return trace.kappa_curve  # low dimension: κ at every step; high: now and then (x: its steps)

    def values(self, y):
        return self.mapped(kappa_shown(y))
