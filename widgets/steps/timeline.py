"""The timeline: a slider under the plots and the keys that wind every view to a recorded step k.

← / → one step, Shift+← / Shift+→ ten, Home the start, End the live end; → at the live end takes one race step
(as it always did). Moving pauses a running race; running again continues from the end. The step plots (loss,
|∇f|, κ) show a vertical line at k, which can be dragged too. What "the step shown" is lives in the model
(``widgets.model.view_step.ViewStep``); this module only moves it and draws the cursor.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QWidget

from widgets.menus import window_menu
from widgets.style import FONT_PT, INK, font

TEN = 10  # Shift+← / Shift+→


class TimelineBar(QWidget):
    """``Step`` [slider 0 … the race's last step] ``k / n`` [Live]. The keys are the window's actions
    (``install_timeline``); the bar never takes the keyboard focus (arrows typed in fields stay theirs)."""

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.cursor = model.view_step
        self.setObjectName("timeline")
        self.setFont(font(FONT_PT))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.setSpacing(8)
        name = QLabel("<b>Step</b>")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setSingleStep(1)
        self.slider.setPageStep(TEN)
        self.slider.setToolTip("wind every view back to a recorded step: drag, or ← → (Shift: ten), Home, End")
        self.slider.valueChanged.connect(self._on_slider)
        self.label = QLabel()
        self.label.setObjectName("timelineLabel")
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("step 1,000,000 of 1,000,000") + 8)
        self.live_button = QPushButton("Last step")
        self.live_button.setObjectName("timelineLive")
        self.live_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.live_button.setToolTip("back to the race's last step (End); running again also goes there")
        self.live_button.clicked.connect(self.end)
        layout.addWidget(name)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.live_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        model.raceReset.connect(self._sync)
        model.raceAdvanced.connect(self._sync)
        self.cursor.viewStepChanged.connect(self._sync)
        self.cursor.viewStepChanged.connect(self._on_moved)
        self._sync()

    # ----- moving (the keys and the Run menu call these) -------------------------------------------------------
    def back(self, n: int = 1) -> None:
        self.cursor.set_step(self.cursor.step - n)

    def forward(self, n: int = 1) -> None:
        """n steps later; at the live end, → (n = 1) takes one race step instead."""
        if self.cursor.live:
            if n == 1:
                self.model.step()
            return
        self.cursor.set_step(self.cursor.step + n)

    def home(self) -> None:
        self.cursor.set_step(0)

    def end(self) -> None:
        self.cursor.go_live()

    def show_step(self, k: int) -> None:
        """Wind every view to step k (the live end if k is the last)."""
        self.cursor.set_step(k)

    # ----- drawing ---------------------------------------------------------------------------------------------
    @Slot()
    @Slot(object)
    @Slot(int)
    def _sync(self, *_) -> None:
        end, k = self.model.step_count, self.cursor.step
        with QSignalBlocker(self.slider):
            if self.slider.maximum() != end:
                self.slider.setMaximum(end)
            self.slider.setValue(k)
        self.label.setText(f"step {k:,}" + (" (last)" if self.cursor.live else f" of {end:,}"))
        self.live_button.setEnabled(not self.cursor.live)

    @Slot(int)
    def _on_moved(self, k: int) -> None:
        if not self.cursor.live:
            self.model.messageShown.emit(f"Showing step {k:,} of {self.model.step_count:,} — ← → one step, Shift ten, "
                                         f"Home, End; Run (Space) goes on from the last step")

    @Slot(int)
    def _on_slider(self, value: int) -> None:
        self.cursor.set_step(value)


class StepCursor:
    """A vertical line at the step shown on each plot against step (hidden at the live end); dragging one moves
    the timeline. A plot with a log step axis (``step_x``, ``log_x``, ``stepAxisChanged``) places it there."""

    def __init__(self, cursor, plots):
        self.cursor = cursor
        self.lines, self.plots = [], list(plots)
        for plot in self.plots:
            line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(INK, width=2.5),
                                   hoverPen=pg.mkPen("#D55E00", width=3.5))
            line.setZValue(20)
            line.setToolTip("the step shown: drag it, or ← → (Shift: ten), Home, End")
            line.hide()
            line.sigDragged.connect(self._on_dragged)
            plot.getPlotItem().addItem(line, ignoreBounds=True)
            self.lines.append(line)
            changed = getattr(plot, "stepAxisChanged", None)
            if changed is not None:
                changed.connect(lambda *_: self._on_step(self.cursor.step))
        cursor.viewStepChanged.connect(self._on_step)

    @staticmethod
    def _x(plot, k: int) -> float:
        step_x = getattr(plot, "step_x", None)
        return float(step_x(k)) if step_x is not None else float(k)

    @Slot(int)
    def _on_step(self, k: int) -> None:
        for plot, line in zip(self.plots, self.lines):
            if not line.moving:
                line.setValue(self._x(plot, k))
            line.setVisible(not self.cursor.live)

    def _on_dragged(self, line) -> None:
        plot = self.plots[self.lines.index(line)]
        x = line.value()
        self.cursor.set_step(int(round(10.0 ** x - 1.0 if getattr(plot, "log_x", False) else x)))


def install_timeline(window) -> TimelineBar:
    """The bar under the plots, the cursor lines on the step plots and the keys (Run menu). The Run menu's
    "One step" (→) moves the timeline while it is wound back and steps the race at the live end."""
    bar = TimelineBar(window.model)
    layout = window.centralWidget().layout()
    layout.insertWidget(layout.indexOf(window.main_split) + 1, bar)
    window.step_cursor = StepCursor(window.model.view_step,
                                    [window.loss_plot, window.grad_plot, window.curvature.kappa_plot])
    step = window.findChild(QAction, "stepAction")
    menu = window_menu(window, "&Run")
    if step is not None:  # → and the Step button: one step on the timeline, at its end one race step
        step.triggered.disconnect()
        step.triggered.connect(lambda: bar.forward(1))
        step.setText("One step (at the last step: the race steps)")
    button = getattr(getattr(window, "controls", None), "step_button", None)
    if button is not None:
        button.clicked.disconnect()
        button.clicked.connect(lambda: bar.forward(1))
        button.setToolTip("one step (→): the race's next step; wound back, the timeline's next step")
    for text, key, name, slot in (("Step back", Qt.Key.Key_Left, "stepBackAction", lambda: bar.back(1)),
                                  ("Ten steps back", "Shift+Left", "tenBackAction", lambda: bar.back(TEN)),
                                  ("Ten steps on", "Shift+Right", "tenOnAction", lambda: bar.forward(TEN)),
                                  ("To the start", Qt.Key.Key_Home, "homeAction", bar.home),
                                  ("To the last step", Qt.Key.Key_End, "endAction", bar.end)):
        action = QAction(text, window)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(slot)
        menu.addAction(action)
    return bar


__all__ = ["StepCursor", "TimelineBar", "install_timeline"]
