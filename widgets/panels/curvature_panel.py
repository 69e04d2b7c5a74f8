"""Curvature panel: at each racer's current point the Hessian's eigenvalues, condition number and kind, and the
largest stable lr of the racer's method next to its lr (flagged when lr is past it); beside the table,
the condition number along every trajectory. All numbers come from lab.curvature (computed in the worker)."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from widgets.model import LabModel
from widgets.panels.fitting_label import FittingLabel
from widgets.panels.tables import LiveTable, number, swatch
from widgets.plots.loss_plot import ConditionPlot
from widgets.work.redraw_clock import RedrawClock

KIND_TIPS = {
    "minimum": "all eigenvalues > 0: the local quadratic model is a bowl",
    "maximum": "all eigenvalues < 0: the local quadratic model is a dome",
    "saddle": "eigenvalues of both signs: downhill one way, uphill the other",
    "degenerate": "an eigenvalue is 0: the second-order test cannot tell",
}


class CurvatureTable(LiveTable):
    HEADERS = ["Racer", "λ₁", "λ₂", "κ", "H is", "lr vs limit"]

    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(self.HEADERS, "curvatureTable", model, clock, parent)
        tips = ["", "smallest Hessian eigenvalue at the racer's point", "largest Hessian eigenvalue",
                "condition number κ = max|λ| / min|λ|", "what the Hessian says about the point (second-order test)",
                "the racer's learning rate next to its method's stability limit on the local quadratic model:\n"
                "SGD lr < 2/λmax, momentum lr < 2(1+ρ)/λmax, Nesterov lr < 2(1+ρ)/((1+2ρ)λmax).\n"
                "⚠ when lr is past it; adaptive and second-order methods rescale their steps (n/a)."]
        for i, tip in enumerate(tips):
            self.horizontalHeaderItem(i).setToolTip(tip)
        model.selectionChanged.connect(self._on_changed)
        model.view_step.viewStepChanged.connect(self._on_changed)  # the timeline: the table as of step k
        self.cellClicked.connect(self._on_cell_clicked)
        self._on_changed()

    @Slot(int, int)
    def _on_cell_clicked(self, row: int, _col: int) -> None:
        traces = self.model.view_step.traces
        if 0 <= row < len(traces):
            self.model.select(traces[row].row)

    def refresh(self) -> None:
        traces = self.model.view_step.traces
        two_d = self.model.objective.dim == 2
        self.horizontalHeaderItem(1).setText("λ₁" if two_d else "λ min")
        self.horizontalHeaderItem(2).setText("λ₂" if two_d else "λ max")
        self.setRowCount(len(traces))
        for i, t in enumerate(traces):
            p = t.point
            lam = None if p is None or p.eigenvalues is None else np.asarray(p.eigenvalues, float)
            lr = p.lr if p is not None and math.isfinite(p.lr) else t.spec.hyperparameters.get("lr")
            bound = p.bound if p is not None else math.nan
            flag = None if lr is None or math.isnan(bound) else bool(lr > bound)
            self.set_cell(i, 0, t.label, icon=swatch(t.color))
            self.set_cell(i, 1, number(lam.min() if lam is not None else None), align_right=True)
            self.set_cell(i, 2, number(lam.max() if lam is not None else None), align_right=True)
            self.set_cell(i, 3, number(p.condition if p is not None else None), align_right=True)
            kind = p.kind if p is not None and p.kind else "—"
            self.set_cell(i, 4, kind, tip=KIND_TIPS.get(kind, ""),
                          color="#B03A00" if kind in ("saddle", "maximum") else None)
            if flag is None:
                lr_text = "n/a"
            else:
                lr_text = ("⚠ " if flag else "") + f"{number(lr, 2)} {'>' if flag else '<'} {number(bound, 2)}"
            tip = ("lr is past this method's stability limit: its steps overshoot and grow here" if flag else
                   "lr is inside this method's stability limit on the local quadratic model" if flag is False else
                   "no lr limit applies: this method rescales its steps (adaptive or second order)")
            self.set_cell(i, 5, lr_text, tip=tip, align_right=True, background="#FFD9C2" if flag else None)
        self.fit_widths(icon_col=0)
        if 0 <= self.model.selected_row:
            rows = [i for i, t in enumerate(traces) if t.row == self.model.selected_row]
            if rows:
                self.selectRow(rows[0])


class CurvaturePanel(QWidget):
    """The table, and ``kappa_plot`` (κ along each trajectory), which the window puts under the other curves
    against step so that all three share the step axis."""

    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(parent)
        self.setObjectName("curvaturePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 2, 2)
        layout.setSpacing(2)
        title = FittingLabel("<b>Curvature</b> — the Hessian H at each racer's point")
        layout.addWidget(title)
        self.table = CurvatureTable(model, clock)
        layout.addWidget(self.table)
        self.kappa_plot = ConditionPlot(model, clock)
