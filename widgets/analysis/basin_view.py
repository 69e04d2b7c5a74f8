"""Analysis → Convergence map: lab.basin.basin_map of the current objective in a worker, drawn as an image.

Each start of the grid gets the colour of the known minimum it reaches (Okabe–Ito, colour-blind safe), or of
its outcome: diverged (black), not converged (grey), converged elsewhere (yellow), not run (white). The minima
are white stars; the legend gives each outcome's share. The second layer ("Steps taken") shows the step each
start stopped at, with a colour bar.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout,
                               QWidget)

from lab.basin import DEFAULT_GRID, DIVERGED, ELSEWHERE, MAX_GRID, NOT_CONVERGED, NOT_RUN, BasinMap, basin_map
from lab.cli.common import MAX_STEPS  # the command line's limit on steps per run
from lab.errors import LabError
from lab.optimizers import batched_specs
from lab.optimizers import label as optimizer_label
from lab.presets import suggest
from widgets.analysis.figure_parts import color_bar, plot_widget
from widgets.analysis.view_base import AnalysisView, OptimizerChoice, HyperEditor, int_field, side_legend
from widgets.style import FONT_PT, configure_pyqtgraph, style_plot

MINIMUM_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
OUTCOME_COLORS = {DIVERGED: "#000000", NOT_CONVERGED: "#BBBBBB", ELSEWHERE: "#F0E442", NOT_RUN: "#FFFFFF"}
DEFAULT_STEPS = 1000
STEP_COLORMAP = "viridis"


def color_of(code: int) -> str:
    """The colour of a label: minimum ``code`` >= 0, or one of the outcome codes."""
    return MINIMUM_COLORS[code % len(MINIMUM_COLORS)] if code >= 0 else OUTCOME_COLORS[code]


def color_table(n_minima: int) -> np.ndarray:
    """(n_minima + 4, 4) uint8 RGBA: row ``code + 4`` is the colour of label ``code`` (NOT_RUN = -4 first)."""
    codes = [NOT_RUN, ELSEWHERE, NOT_CONVERGED, DIVERGED] + list(range(n_minima))
    return np.array([QColor(color_of(c)).getRgb() for c in codes], dtype=np.uint8)


def label_image(label: np.ndarray, n_minima: int) -> np.ndarray:
    """(ny, nx, 4) uint8 RGBA of a label array, row 0 at the bottom (the map's own convention)."""
    return color_table(n_minima)[label.astype(np.int64) + 4]


class BasinView(OptimizerChoice, AnalysisView):
    TITLE = "Convergence map"
    NAME = "basin"

    def __init__(self, model, parent: QWidget | None = None):
        configure_pyqtgraph()
        super().__init__(model, parent)
        self.setObjectName("basinView")
        self._hyper: dict[str, dict] = {}

        cv = self.controls_column()
        form = QFormLayout()
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("basinOptimizerCombo")
        for spec in batched_specs():  # the optimizers the batched engine steps
            self.optimizer_combo.addItem(spec.label or spec.name, spec.name)
        form.addRow("Optimizer", self.optimizer_combo)
        cv.addLayout(form)
        self.hyper = HyperEditor()
        cv.addWidget(self.hyper)
        form2 = QFormLayout()
        self.steps_field = int_field("steps", DEFAULT_STEPS, 1, MAX_STEPS, "the most steps from each start")
        self.grid_field = int_field("grid", DEFAULT_GRID, 2, MAX_GRID, "starts per side: grid × grid")
        form2.addRow("Steps", self.steps_field)
        form2.addRow("Grid (n × n)", self.grid_field)
        cv.addLayout(form2)
        cv.addWidget(self.run_strip())
        self.step_layer = QCheckBox("Show steps taken")
        self.step_layer.setObjectName("basinStepLayer")
        self.step_layer.setToolTip("colour each start by the step its run stopped at (converged, diverged, "
                                   "or the last step)")
        self.step_layer.toggled.connect(self._on_layer_toggled)
        cv.addWidget(self.step_layer)
        cv.addStretch(1)

        # --- the figure: plot and legend ---
        fv = self.titled_figure()
        row = QHBoxLayout()
        self.plot = plot_widget("basinPlot", left="y", bottom="x")
        item = self.plot.getPlotItem()
        item.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.step_image = pg.ImageItem(axisOrder="row-major")
        self.step_image.setVisible(False)
        item.addItem(self.image)
        item.addItem(self.step_image)
        self.colorbar, self.colorbar_widget = color_bar("basinColorBar", STEP_COLORMAP, "step reached", 135)
        self.colorbar.setImageItem(self.step_image)
        self.colorbar_widget.setVisible(False)
        self.minima = pg.ScatterPlotItem(symbol="star", size=24, brush=pg.mkBrush("w"), pen=pg.mkPen("k", width=2))
        self.minima.setZValue(10)
        item.addItem(self.minima)
        row.addWidget(self.plot, 1)
        row.addWidget(self.colorbar_widget)
        self.legend = side_legend("basinLegend")
        row.addWidget(self.legend)
        fv.addLayout(row, 1)

        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_chosen)
        self.hyper.changed.connect(self._on_hyper_changed)
        model.objectiveChanged.connect(self._on_objective_changed)
        self._on_objective_changed()
        self.resize(1280, 820)

    # ----- set-up ----------------------------------------------------------------------------------------------
    def default_hyper(self, name: str) -> dict:
        """The racers' values for ``name`` if one of them uses it, else lab.presets.suggest's."""
        for r in self.model.racers:
            if r.optimizer == name:
                return dict(r.hyperparameters)
        try:
            return suggest(name, self.model.objective, self.model.start)
        except Exception:  # suggest needs a curvature; never let a default stop the view
            return {}

    @Slot()
    def _on_objective_changed(self) -> None:
        obj = self.model.objective
        self._hyper = {}
        style_plot(self.plot.getPlotItem(), left=obj.axes[1], bottom=obj.axes[0])
        dom = obj.domain
        where = (f"starts over [{dom[0, 0]:g}, {dom[0, 1]:g}] × [{dom[1, 0]:g}, {dom[1, 1]:g}]" if obj.dim == 2
                 else f"needs a 2-D objective ({obj.dim} coordinates)")
        self.objective_label.setText(f"<b>{obj.name}</b>: {where}")
        self._on_optimizer_chosen()

    @Slot()
    def _on_optimizer_chosen(self, *_) -> None:
        name = self.optimizer
        values = self._hyper.setdefault(name, self.default_hyper(name))
        self.hyper.set_optimizer(name, values)

    @Slot()
    def _on_hyper_changed(self) -> None:
        self._hyper[self.optimizer] = self.hyper.values()

    # ----- running ---------------------------------------------------------------------------------------------
    def make_job(self):
        bad = self.hyper.invalid + [f.param.name for f in (self.steps_field, self.grid_field) if f.invalid]
        if bad:
            raise LabError(f"Fix the value{'s' if len(bad) > 1 else ''} in red first: {', '.join(bad)}")
        objective, name, hyper = self.model.objective, self.optimizer, self.hyper.values()
        steps, grid = int(self.steps_field.value), int(self.grid_field.value)
        if objective.dim != 2:
            raise LabError(f"A convergence map needs a 2-D objective; {objective.name} has {objective.dim} "
                           "coordinates. Choose another objective in the main window.")

        def job(should_stop, progress):
            return basin_map(objective, name, hyper, steps=steps, grid=grid, should_stop=should_stop,
                             progress=progress)

        return job, f"Running {optimizer_label(name)} from {grid} × {grid} starts, {steps} steps…"

    def draw(self, m: BasinMap) -> None:
        """Both layers, the minima, the legend and the title, from a finished map."""
        dx = (m.xs[-1] - m.xs[0]) / max(len(m.xs) - 1, 1)
        dy = (m.ys[-1] - m.ys[0]) / max(len(m.ys) - 1, 1)
        rect = QRectF(m.xs[0] - dx / 2, m.ys[0] - dy / 2, dx * len(m.xs), dy * len(m.ys))
        self.image.setImage(label_image(m.label, len(m.minima)), autoLevels=False)
        self.image.setRect(rect)
        self.step_image.setImage(m.step.astype(float), autoLevels=False)
        self.step_image.setRect(rect)
        self.colorbar.setLevels((0, max(m.steps, 1)))
        self.minima.setData(x=m.minima[:, 0], y=m.minima[:, 1])
        self.plot.getPlotItem().setRange(rect=rect, padding=0)
        hyper = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in m.hyperparameters.items()
                          if k in ("lr", "rho", "beta1", "damping", "decay_rate"))
        self.title.setText(f"{m.objective}: {optimizer_label(m.optimizer)} ({hyper}), "
                           f"{len(m.xs)} × {len(m.ys)} starts, {m.steps} steps")
        self.legend.setText(legend_html(m))
        self.status.setText(f"Done: {len(m.xs) * len(m.ys)} starts." + (f" Some runs failed: {m.errors[0]}"
                                                                           if m.errors else ""))

    @Slot(bool)
    def _on_layer_toggled(self, steps: bool) -> None:
        self.step_image.setVisible(steps)
        self.colorbar_widget.setVisible(steps)
        self.image.setVisible(not steps)

    def data_stem(self) -> str:
        return f"{self.model.experiment.objective}-{self.optimizer}-basins"


def legend_html(m: BasinMap) -> str:
    rows = []
    for code, name, count, share in m.summary():
        if code >= 0:
            x, y = m.minima[code]
            name = f"→ ({x:.3g}, {y:.3g})"
        swatch = (f"<span style='color:{color_of(code)}; font-size:{FONT_PT + 8}pt'>■</span>" if code != NOT_RUN
                  else f"<span style='color:#888888; font-size:{FONT_PT + 8}pt'>□</span>")
        rows.append(f"<tr><td>{swatch}</td><td style='padding-left:6px'>{name}</td>"
                    f"<td align=right style='padding-left:10px'><b>{100 * share:.1f}%</b></td></tr>")
    return (f"<div style='font-size:{FONT_PT}pt'><b>Where each start ends</b>"
            f"<table cellspacing=0 cellpadding=2>{''.join(rows)}</table>"
            f"<p>☆ the known minima</p></div>")


__all__ = ["BasinView", "color_of", "color_table", "label_image", "legend_html"]
