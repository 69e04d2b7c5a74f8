"""The selected racer's learning rate over the steps, on the loss plot's right axis, when its schedule changes it.

The curve is the schedule itself (lab.optimizers.pieces.lr_curve), worked out once when the racer, its
hyperparameters or the step budget change: the lr that update t + 1 uses, dashed in the racer's colour.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Slot

from lab.optimizers import pieces
from widgets.style import FONT_PT, INK, font


class LrOverlay(QObject):
    """A second view box over ``plot`` (a PlotItem), linked on x, with its own right axis labelled lr."""

    def __init__(self, plot: pg.PlotItem, model, parent=None):
        super().__init__(parent)
        self.plot, self.model = plot, model
        self.view = pg.ViewBox(enableMouse=False)
        self.view.setZValue(10)
        plot.scene().addItem(self.view)
        axis = plot.getAxis("right")
        axis.linkToView(self.view)
        axis.setLabel("lr", **{"font-size": f"{FONT_PT}pt", "color": INK})
        axis.setTickFont(font(FONT_PT - 2))
        self.view.setXLink(plot)
        self.curve = pg.PlotDataItem()
        self.curve.setObjectName("lrCurve")
        self.view.addItem(self.curve)
        plot.getViewBox().sigResized.connect(self._on_resized)
        for signal in (model.racersChanged, model.raceReset, model.maxStepsChanged):
            signal.connect(self.refresh)
        model.selectionChanged.connect(self.refresh)
        if hasattr(parent, "stepAxisChanged"):
            parent.stepAxisChanged.connect(self.refresh)
        self.refresh()

    @property
    def shown(self) -> bool:
        return self.curve.isVisible() and self.plot.getAxis("right").isVisible()

    @Slot()
    def _on_resized(self) -> None:
        self.view.setGeometry(self.plot.getViewBox().sceneBoundingRect())

    @Slot()
    def refresh(self, *_) -> None:
        row = self.model.selected_row
        racer = self.model.racers[row] if 0 <= row < len(self.model.racers) else None
        curve = None if racer is None else pieces.lr_curve(racer.hyperparameters, self.model.max_steps)
        if curve is None:
            self.curve.setData([], [])
            self.curve.hide()
            self.plot.hideAxis("right")
            return
        t, lr = curve
        step_x = getattr(self.parent(), "step_x", None)  # the plot's step axis (log₁₀(1 + step) if log)
        self.curve.setData(t if step_x is None else step_x(t), lr, pen=pg.mkPen(racer.color or INK, width=2.5, style=Qt.PenStyle.DashLine))
        self.curve.show()
        self.plot.showAxis("right")
        top = float(lr.max()) if lr.size else 1.0
        self.view.setYRange(0.0, top * 1.05 if top > 0 else 1.0, padding=0)
        self._on_resized()
