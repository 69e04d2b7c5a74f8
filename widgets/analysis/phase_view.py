"""Analysis → Momentum phase diagram: lab.phase's exact rate over (lr, ρ) for the Hessian at a chosen point, drawn
as an image over (log lr, ρ), computed in the view's worker.

Each cell is coloured by 1 − rate (the share of the distance to the minimum removed per step; log colour scale,
bright = fast); cells that diverge are light grey. A solid line is the edge of divergence (rate = 1), a dashed
line the edge of the region where the slowest direction's roots are complex (the iterates spiral in): that region
lies above it, at larger ρ, for both methods. The star is
the optimum (lr*, ρ*); the momentum (●) and Nesterov (◆) racers sit at their (lr, ρ) in their colours. "Set …
to the optimum" gives a racer of the diagram's method (the selected one, else the first) lr* and ρ*.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from lab.errors import LabError
from lab.limits import MAX_PHASE_SIZE
from lab.optimizers import label as optimizer_label
from lab.phase import DEFAULT_SIZE, DIVERGES, OPTIMIZERS, PhaseDiagram, hessian_eigenvalues, phase_diagram
from lab.views.phase_lines import boundaries, covering_range, log_ticks, marked
from widgets.analysis.figure_parts import color_bar, plot_widget
from widgets.analysis.view_base import AnalysisView, OptimizerChoice, int_field, side_legend
from widgets.style import FONT_PT, INK, configure_pyqtgraph, pen

COLORMAP = "viridis"
DIVERGED_RGBA = (217, 217, 217, 255)
# one marker per optimizer with a phase plane, in lab.phase.OPTIMIZERS' order (momentum, nesterov, …); each smaller
# than the one before, so a Nesterov racer at a momentum racer's (lr, ρ) shows inside its disc
SYMBOL = dict(zip(OPTIMIZERS, ("o", "d", "s", "t", "p")))
SIZE = dict(zip(OPTIMIZERS, (26, 16, 12, 10, 8)))
GLYPH = dict(zip(OPTIMIZERS, ("●", "◆", "■", "▼", "⬟")))
WATCH = ("<b>What to watch:</b> each cell is how much of the distance to the minimum one step removes, on the "
         "quadratic model with the Hessian's λmin and λmax. ρ = 0 (the bottom row) is gradient descent. "
         "<b>Try:</b> set a racer to the star, then race it against the others.")


def rate_image(d: PhaseDiagram) -> tuple[np.ndarray, tuple[float, float]]:
    """(RGBA (nρ, nlr, 4) uint8 of log10(1 − rate), row 0 at the bottom; the colour levels of log10(1 − rate))."""
    with np.errstate(all="ignore"):
        gain = np.log10(1.0 - d.rate)
    hi = float(np.log10(max(1.0 - d.optimal_rate, 1e-16)))
    ok = np.isfinite(gain) & (d.region != DIVERGES)
    lo = float(np.min(gain[ok])) if ok.any() else hi - 1.0
    lo = min(lo, hi - 1e-3)
    t = np.clip((np.where(ok, gain, lo) - lo) / (hi - lo), 0.0, 1.0)
    rgba = pg.colormap.get(COLORMAP).map(t.ravel(), mode="byte").reshape(t.shape + (4,))
    rgba[~ok] = DIVERGED_RGBA
    return rgba, (lo, hi)


class PhaseView(OptimizerChoice, AnalysisView):
    TITLE = "Momentum phase diagram"
    NAME = "phase"

    def __init__(self, model, parent: QWidget | None = None):
        configure_pyqtgraph()
        super().__init__(model, parent)
        self.setObjectName("phaseView")
        self._ran = False

        cv = self.controls_column(330)
        form = QFormLayout()
        self.at_combo = QComboBox()
        self.at_combo.setObjectName("phaseAtCombo")
        self.at_combo.setToolTip("the point whose Hessian's eigenvalues λmin, λmax make the quadratic model")
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("phaseOptimizerCombo")
        for name in OPTIMIZERS:
            self.optimizer_combo.addItem(optimizer_label(name), name)
        self.size_field = int_field("size", DEFAULT_SIZE, 2, MAX_PHASE_SIZE, "points per axis: size × size")
        form.addRow("Hessian at", self.at_combo)
        form.addRow("Method", self.optimizer_combo)
        form.addRow("Grid (n × n)", self.size_field)
        cv.addLayout(form)
        cv.addWidget(self.run_strip())
        self.apply_button = QPushButton("Set racer to the optimum")
        self.apply_button.setObjectName("phaseApplyButton")
        self.apply_button.setToolTip("give the selected racer of this method (else the first) lr* and ρ*")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply_optimum)
        cv.addWidget(self.apply_button)
        watch = QLabel(WATCH)
        watch.setWordWrap(True)
        cv.addWidget(watch)
        cv.addStretch(1)

        fv = self.titled_figure()
        row = QHBoxLayout()
        self.plot = plot_widget("phasePlot", left="momentum ρ", bottom="learning rate lr (log scale)", right_margin=24)
        item = self.plot.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        self.edge_curves: list[pg.PlotDataItem] = []
        self.optimum = pg.ScatterPlotItem(symbol="star", size=30, brush=pg.mkBrush("w"), pen=pg.mkPen(INK, width=2))
        self.optimum.setZValue(22)  # over a racer set to it
        item.addItem(self.optimum)
        self.racers = pg.ScatterPlotItem()
        self.racers.setZValue(21)
        item.addItem(self.racers)
        self.colorbar, self.colorbar_widget = color_bar("phaseColorBar", COLORMAP, "1 − rate", 140)
        row.addWidget(self.plot, 1)
        row.addWidget(self.colorbar_widget)
        self.legend = side_legend("phaseLegend")
        row.addWidget(self.legend)
        fv.addLayout(row, 1)

        model.objectiveChanged.connect(self._on_objective_changed)
        model.startChanged.connect(self._on_objective_changed)
        model.racersChanged.connect(self._on_racers_changed)
        model.selectionChanged.connect(self._on_racers_changed)
        self._on_objective_changed()
        self.resize(1280, 820)

    # ----- set-up ----------------------------------------------------------------------------------------------
    @Slot()
    def _on_objective_changed(self) -> None:
        obj = self.model.objective
        self.at_combo.clear()
        for i, m in enumerate(obj.minima):
            self.at_combo.addItem(f"minimum ({', '.join(f'{v:.3g}' for v in m[:3])}{', …' if len(m) > 3 else ''})",
                                  np.asarray(m, dtype=float))
        self.at_combo.addItem("the start", None)
        self.objective_label.setText(f"<b>{obj.name}</b>: the quadratic model at the chosen point")
        if self.result is not None:
            self.status.setText("The objective or the start changed: press Run for its diagram.")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._ran:  # the first opening draws at once: it takes a few milliseconds
            self._ran = True
            self.run()

    # ----- running ---------------------------------------------------------------------------------------------
    def make_job(self):
        if self.size_field.invalid:
            raise LabError("Fix the value in red first: size")
        objective, optimizer, size = self.model.objective, self.optimizer, int(self.size_field.value)
        at = self.at_combo.currentData()
        at = self.model.start.copy() if at is None else at
        points = [(m.lr, m.rho) for m in marked(self.model.racers, [1.0, 1.0])]

        def job(should_stop, progress):
            lam = hessian_eigenvalues(objective, at)
            return phase_diagram(lam, optimizer, size=size, source={"objective": objective.name, "at": at.tolist()},
                                 should_stop=should_stop, progress=progress, **covering_range(lam, points))

        return job, f"Computing the {optimizer_label(optimizer)} rates on {size} × {size} settings…"

    def draw(self, d: PhaseDiagram) -> None:
        rgba, levels = rate_image(d)
        x = np.log10(d.lr)
        dx, dr = (x[-1] - x[0]) / (len(x) - 1), (d.rho[-1] - d.rho[0]) / (len(d.rho) - 1)
        rect = QRectF(x[0] - dx / 2, d.rho[0] - dr / 2, dx * len(x), dr * len(d.rho))
        self.image.setImage(rgba, autoLevels=False)
        self.image.setRect(rect)
        self.colorbar.setLevels(levels)
        self.colorbar.axis.setTicks([log_ticks(*levels, most=7)])  # the bar's values are log10(1 − rate)
        item = self.plot.getPlotItem()
        for c in self.edge_curves:
            item.removeItem(c)
        self.edge_curves = []
        styles = {"diverges": pen(INK, 3.5), "oscillates": pen("#FFFFFF", 3.0, Qt.PenStyle.DashLine)}
        for name, lines in boundaries(d).items():
            for xs, ys in lines:
                c = pg.PlotDataItem(xs, ys, pen=styles[name])
                c.setZValue(10)
                item.addItem(c)
                self.edge_curves.append(c)
        self.optimum.setData(x=[np.log10(d.optimal_lr)], y=[d.optimal_rho])
        item.setRange(rect=rect, padding=0)
        self._lr_ticks()
        at = d.source.get("at", [])
        self.title.setText(f"{d.source.get('objective', '')}: {optimizer_label(d.optimizer)}, Hessian at "
                           f"({', '.join(f'{v:.3g}' for v in at[:3])}) — λ = {d.eigenvalues.min():.3g} … "
                           f"{d.eigenvalues.max():.3g}, κ = {d.kappa:.3g}")
        self.status.setText(f"Done: {len(d.rho)} × {len(d.lr)} settings.")
        self._on_racers_changed()

    def _lr_ticks(self) -> None:
        """x is log10(lr): ticks that read as lr, about one per 110 pixels of plot."""
        if self.result is not None:
            x = np.log10(self.result.lr)
            most = max(2, self.plot.width() // 110)
            self.plot.getPlotItem().getAxis("bottom").setTicks([log_ticks(x[0], x[-1], most=most)])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._lr_ticks()

    @Slot()
    def _on_racers_changed(self, *_) -> None:
        """The racers' markers, the legend and the button, from the current racers (no new computation)."""
        d = self.result
        if d is None:
            return
        shown = marked(self.model.racers, d.eigenvalues)
        self.racers.setData([{"pos": (np.log10(m.lr), m.rho), "symbol": SYMBOL[m.optimizer],
                              "size": SIZE[m.optimizer],
                              "brush": pg.mkBrush(m.color), "pen": pg.mkPen(INK, width=2)} for m in shown])
        row = self.target_row()
        self.apply_button.setEnabled(row >= 0)
        self.apply_button.setText(f"Set {self.model.racers[row].name} to (lr*, ρ*)" if row >= 0
                                  else f"No {optimizer_label(d.optimizer)} racer to set")
        self.legend.setText(legend_html(d, shown))

    def target_row(self) -> int:
        """The racer the button sets: the selected one if it uses the diagram's method, else the first that does."""
        if self.result is None:
            return -1
        rows = [i for i, r in enumerate(self.model.racers) if r.optimizer == self.result.optimizer]
        return self.model.selected_row if self.model.selected_row in rows else (rows[0] if rows else -1)

    @Slot()
    def apply_optimum(self) -> bool:
        row, d = self.target_row(), self.result
        if row < 0:
            return False
        hyper = dict(self.model.racers[row].hyperparameters, lr=float(d.optimal_lr), rho=float(d.optimal_rho))
        return self.model.update_racer(row, hyperparameters=hyper)

    def data_stem(self) -> str:
        return f"{self.model.experiment.objective}-{self.optimizer}-phase"


def legend_html(d: PhaseDiagram, shown) -> str:
    rows = "".join(f"<tr><td style='color:{m.color}; font-size:{FONT_PT + 4}pt'>{GLYPH[m.optimizer]}</td>"
                   f"<td style='padding-left:4px'>{m.label}<br><span style='color:#505050'>lr {m.lr:.3g}"
                   f"<br>ρ {m.rho:.3g}"
                   f"<br>rate {m.rate:.4g}{' (diverges)' if m.rate >= 1 else ''}</span></td></tr>" for m in shown)
    return (f"<div style='font-size:{FONT_PT}pt'><b>☆ optimum</b><br>lr* = {d.optimal_lr:.3g}<br>"
            f"ρ* = {d.optimal_rho:.3g}<br>rate* = {d.optimal_rate:.4g}"
            f"<p><b>━</b> rate = 1; grey:<br>diverges</p><p><b>╌</b> white: above it<br>the slowest<br>"
            f"direction<br>oscillates</p><p>GD (ρ = 0)<br>diverges from<br>lr = {d.gd_edge:.3g}</p>"
            f"<table cellspacing=0 cellpadding=2>{rows}</table></div>")


__all__ = ["PhaseView", "legend_html", "rate_image"]
