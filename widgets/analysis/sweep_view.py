"""Analysis → Learning-rate sweep: lab.sweep.lr_sweep from the current start in a worker, final loss against lr.

Both axes are logarithmic. One curve per optimizer (Okabe–Ito colours, a legend); a loss of exactly zero (or
below ``FLOOR``) is drawn at the floor; a run that diverged is a × at the top of the plot in its curve's
colour. A dashed vertical line marks the gradient-descent stability edge 2/λmax of the Hessian at the start.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QSizePolicy,
                               QVBoxLayout, QWidget)

from lab.cli.common import MAX_STEPS  # the command line's limit on steps per run
from lab.errors import LabError
from lab.optimizers import OPTIMIZERS, batched_specs
from lab.optimizers import label as optimizer_label
from lab.sweep import MAX_NUM, LRSweep, lr_grid, lr_sweep
from lab.views.stability_edge import lr_range_around, stability_edge
from widgets.analysis.figure_parts import plot_widget
from widgets.analysis.view_base import AnalysisView, HyperEditor, float_field, int_field, side_legend
from widgets.style import FONT_PT, GUIDE, INK, MARKER_SIZE, PALETTE, configure_pyqtgraph, font, pen

FLOOR = 1e-16
DEFAULT_NUM = 50
DEFAULT_STEPS = 200
LIST_ROWS = 8  # optimizers the list shows at once (it scrolls past that)
GLYPHS = {"o": "●", "s": "■", "t": "▼", "d": "◆", "star": "★", "t1": "▲", "p": "⬟", "h": "⬢", "t2": "▶", "t3": "◀",
          "+": "✚", "x": "✖"}


def _styles() -> tuple[dict, dict]:
    """A fixed colour and symbol per batched optimizer, in registry order (the lecture set's colours first); the
    pair tells any two apart, the symbol without colour too."""
    names = [s.name for s in batched_specs()]
    colors = {n: PALETTE[i % 7] for i, n in enumerate(names)}  # the palette's yellow is too pale for a curve
    symbols = {n: list(GLYPHS)[i % len(GLYPHS)] for i, n in enumerate(names)}
    return colors, symbols


COLORS, SYMBOLS = _styles()


def default_chosen() -> tuple[str, ...]:
    """The optimizers ticked at first: the lecture's gradient-step methods, whose stability edges the sweep shows,
    and the lecture's first adaptive one."""
    lecture = [s for s in OPTIMIZERS.values() if s.lecture and s.batched]
    stepping = [s.name for s in lecture if s.lr_bound is not None][:2]
    adaptive = [s.name for s in lecture if s.lr_bound is None and s.first_order][-1:]
    return tuple(stepping + adaptive)


def plotted(s: LRSweep, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimizer i's curve as drawn: (lrs, loss floored at FLOOR with NaN where diverged, diverged mask)."""
    div = s.diverged[i]
    y = np.maximum(np.where(np.isfinite(s.loss[i]), s.loss[i], np.nan), FLOOR)
    return s.lrs, np.where(div, np.nan, y), div


def top_of(s: LRSweep) -> float:
    """Where the diverged ×s go: a decade above the largest loss drawn (at least 10·FLOOR); optimizer i's
    row of ×s is drawn at ``top * 4**i`` so that no row hides another."""
    ok = np.isfinite(s.loss) & ~s.diverged
    hi = float(np.max(s.loss[ok])) if ok.any() else 1.0
    return 10.0 ** (math.ceil(math.log10(max(hi, FLOOR))) + 1)


class SweepView(AnalysisView):
    TITLE = "Learning-rate sweep"
    NAME = "sweep"

    def __init__(self, model, parent: QWidget | None = None):
        configure_pyqtgraph()
        super().__init__(model, parent)
        self.setObjectName("sweepView")
        self._hyper: dict[str, dict] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.crosses: dict[str, pg.PlotDataItem] = {}
        self._items: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}

        cv = self.controls_column()
        cv.addWidget(QLabel("Optimizers (tick to sweep):"))
        self.optimizer_list = QListWidget()
        self.optimizer_list.setObjectName("sweepOptimizerList")
        chosen = default_chosen()
        for spec in batched_specs():
            name = spec.name
            it = QListWidgetItem(spec.label or name)
            it.setData(Qt.ItemDataRole.UserRole, name)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if name in chosen else Qt.CheckState.Unchecked)
            it.setForeground(pg.mkColor(COLORS.get(name, INK)))
            self.optimizer_list.addItem(it)
        self.optimizer_list.setFont(font(FONT_PT))
        row_height = self.optimizer_list.fontMetrics().height() + 6
        rows = min(LIST_ROWS, self.optimizer_list.count())
        self.optimizer_list.setFixedHeight(max(self.optimizer_list.sizeHintForRow(0), row_height) * rows + 8)
        cv.addWidget(self.optimizer_list)
        self.hyper_title = QLabel()
        cv.addWidget(self.hyper_title)
        self.hyper = HyperEditor()
        cv.addWidget(self.hyper)
        form = QFormLayout()
        self.lr_min_field = float_field("lr_min", 1e-4, "the smallest learning rate")
        self.lr_max_field = float_field("lr_max", 1.0, "the largest learning rate")
        self.num_field = int_field("num", DEFAULT_NUM, 2, MAX_NUM, "how many learning rates, log-spaced")
        self.steps_field = int_field("steps", DEFAULT_STEPS, 1, MAX_STEPS, "steps at each learning rate")
        form.addRow("lr from", self.lr_min_field)
        form.addRow("lr to", self.lr_max_field)
        form.addRow("How many", self.num_field)
        form.addRow("Steps", self.steps_field)
        cv.addLayout(form)
        cv.addWidget(self.run_strip())
        cv.addStretch(1)

        fv = self.titled_figure()
        self.plot = plot_widget("sweepPlot", left=f"final loss (floor {FLOOR:g})", bottom="learning rate",
                                right_margin=24)  # room for the last tick label
        item = self.plot.getPlotItem()
        item.setLogMode(x=True, y=True)
        item.showGrid(x=True, y=True, alpha=0.25)
        self.edge_line = pg.InfiniteLine(angle=90, pen=pen(GUIDE, 2.5, Qt.PenStyle.DashLine),
                                         label="stability edge 2/λmax", labelOpts={
                                             "position": 0.97, "color": INK, "fill": pg.mkBrush(255, 255, 255, 220),
                                             "anchors": [(0, 0), (0, 0)]})
        self.edge_line.label.setFont(font(FONT_PT))
        self.edge_line.setVisible(False)
        item.addItem(self.edge_line, ignoreBounds=True)
        row = QHBoxLayout()
        row.addWidget(self.plot, 1)
        self.legend = side_legend("sweepLegend")
        row.addWidget(self.legend)
        fv.addLayout(row, 1)

        self.optimizer_list.currentItemChanged.connect(self._on_current_optimizer)
        self.hyper.changed.connect(self._on_hyper_changed)
        model.objectiveChanged.connect(self._on_setup_changed)
        model.startChanged.connect(self._on_setup_changed)
        self.optimizer_list.setCurrentRow(0)
        self._on_setup_changed()
        self.resize(1280, 820)

    # ----- set-up ----------------------------------------------------------------------------------------------
    def chosen(self) -> list[str]:
        return [self.optimizer_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.optimizer_list.count())
                if self.optimizer_list.item(i).checkState() == Qt.CheckState.Checked]

    def set_chosen(self, names) -> None:
        for i in range(self.optimizer_list.count()):
            it = self.optimizer_list.item(i)
            on = it.data(Qt.ItemDataRole.UserRole) in names
            it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def hyperparameters(self, name: str) -> dict:
        """The values other than lr for ``name``: edited here, else the racers' (if one uses it), else defaults."""
        if name not in self._hyper:
            hp = next((dict(r.hyperparameters) for r in self.model.racers if r.optimizer == name), {})
            hp.pop("lr", None)
            self._hyper[name] = hp
        return self._hyper[name]

    def _current_name(self) -> str | None:
        it = self.optimizer_list.currentItem()
        return None if it is None else it.data(Qt.ItemDataRole.UserRole)

    @Slot()
    def _on_current_optimizer(self, *_) -> None:
        name = self._current_name()
        if name is None:
            return
        self.hyper_title.setText(f"<b>{optimizer_label(name)}</b> (lr is swept):")
        self.hyper.set_optimizer(name, self.hyperparameters(name), skip=("lr",))

    @Slot()
    def _on_hyper_changed(self) -> None:
        name = self._current_name()
        if name is not None:
            self._hyper[name] = self.hyper.values()

    @Slot()
    def _on_setup_changed(self) -> None:
        """A range around the stability edge at the current start: 1000× below it to 10× above."""
        obj, start = self.model.objective, self.model.start
        self._hyper = {}
        self._on_current_optimizer()
        lr_range = lr_range_around(stability_edge(obj, start))
        if lr_range is not None:
            self.lr_min_field.set_value(lr_range[0])
            self.lr_max_field.set_value(lr_range[1])
        where = ", ".join(f"{v:.3g}" for v in start)
        self.objective_label.setText(f"<b>{obj.name}</b> from ({where})")

    # ----- running ---------------------------------------------------------------------------------------------
    def make_job(self):
        fields = (self.lr_min_field, self.lr_max_field, self.num_field, self.steps_field)
        bad = self.hyper.invalid + [f.param.name for f in fields if f.invalid]
        if bad:
            raise LabError(f"Fix the value{'s' if len(bad) > 1 else ''} in red first: {', '.join(bad)}")
        names = self.chosen()
        if not names:
            raise LabError("Tick at least one optimizer to sweep.")
        objective, start = self.model.objective, self.model.start.copy()
        opts = [(n, dict(self.hyperparameters(n))) for n in names]
        lr_min, lr_max = float(self.lr_min_field.value), float(self.lr_max_field.value)
        num, steps = int(self.num_field.value), int(self.steps_field.value)
        lr_grid(lr_min, lr_max, num)  # a bad range is refused here, with lab's message

        def job(should_stop, progress):
            return lr_sweep(objective, start, opts, lr_min=lr_min, lr_max=lr_max, num=num, steps=steps,
                            should_stop=should_stop, progress=progress)

        return job, f"Sweeping {len(opts)} optimizer{'s' if len(opts) > 1 else ''} × {num} lrs, {steps} steps…"

    def draw(self, s: LRSweep) -> None:
        item = self.plot.getPlotItem()
        self.curves, self.crosses = {}, {}
        for curve, cross in self._items.values():
            curve.setVisible(False)
            cross.setVisible(False)
        top = top_of(s)
        for i, ((name, _), label) in enumerate(zip(s.optimizers, s.labels)):
            curve, cross = self._item_pair(name)  # made once per optimizer, then only new data (a redraw stays fast)
            x, y, div = plotted(s, i)
            curve.setData(x, y, connect="finite")
            curve.setVisible(True)
            self.curves[name] = curve
            if div.any():
                cross.setData(x[div], np.full(int(div.sum()), top * 4.0 ** i))
                cross.setVisible(True)
                self.crosses[name] = cross
        if math.isfinite(s.edge) and s.edge > 0:
            self.edge_line.setVisible(True)  # first: a hidden label ignores value changes
            self.edge_line.label.setFormat(f"stability edge\n2/λmax = {s.edge:.3g}")
            self.edge_line.setValue(math.log10(s.edge))
            right_half = math.log10(s.edge) > (math.log10(s.lrs[0]) + math.log10(s.lrs[-1])) / 2
            # hanging from the top, on the side with more room (the ×s of diverged runs are right of the edge)
            self.edge_line.label.anchors = [(1, 0), (1, 0)] if right_half else [(0, 0), (0, 0)]
            self.edge_line.label.valueChanged()
            self.edge_line.label.updatePosition()
        else:
            self.edge_line.setVisible(False)
        item.enableAutoRange()
        lo, hi = math.log10(s.lrs[0]), math.log10(s.lrs[-1])
        item.setXRange(lo, hi, padding=0.03)
        self.title.setText(f"{s.objective}: final loss after {s.steps} steps from "
                           f"({', '.join(f'{v:.3g}' for v in s.start)})")
        self.legend.setText(legend_html(s))
        self.status.setText(f"Done: {len(s.optimizers)} × {len(s.lrs)} runs.")

    def _item_pair(self, name: str) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        if name not in self._items:
            item = self.plot.getPlotItem()
            color = COLORS.get(name, INK)
            curve = pg.PlotDataItem(pen=pen(color), symbol=SYMBOLS.get(name, "o"), symbolSize=10, symbolBrush=color,
                                    symbolPen=None)
            cross = pg.PlotDataItem(pen=None, symbol="x", symbolSize=MARKER_SIZE + 2, symbolBrush=color,
                                    symbolPen=pg.mkPen(color, width=2))
            item.addItem(curve)
            item.addItem(cross)
            self._items[name] = (curve, cross)
        return self._items[name]

    def data_stem(self) -> str:
        return f"{self.model.experiment.objective}-lr-sweep"


def legend_html(s: LRSweep) -> str:
    """One row per curve: its colour, line and marker, its name with the fixed hyperparameters, and the lr of
    its lowest final loss (LRSweep.best)."""
    rows = []
    for i, ((name, _), label) in enumerate(zip(s.optimizers, s.labels)):
        color = COLORS.get(name, INK)
        glyph = GLYPHS.get(SYMBOLS.get(name, "o"), "●")
        best = s.best(i)
        rows.append(f"<tr><td style='color:{color}'><b>━{glyph}━</b></td>"
                    f"<td style='padding-left:6px'>{optimizer_label(name)}{label[len(name):]}<br>"
                    f"<span style='color:#505050'>best lr {'—' if best is None else f'{best[0]:.3g}'}</span></td></tr>")
    return (f"<div style='font-size:{FONT_PT}pt'><table cellspacing=0 cellpadding=2>{''.join(rows)}</table>"
            "<p><b>×</b> at the top: diverged<br>at that lr</p>"
            "<p><b>┆</b> stability edge 2/λmax<br>of the Hessian at the start</p></div>")


__all__ = ["COLORS", "FLOOR", "SweepView", "legend_html", "plotted", "top_of"]
