"""Explain a step: the selected racer's update into the step the timeline shows, in the lecture's notation with the
core's own numbers (``lab.explain.explain_step``'s ``lines``), computed in the view-jobs thread while the race is
paused. Step 0 is the start; while the race runs the panel says how to stop it and look."""
from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from lab.cli.common import fmt_point
from widgets.steps.lines_view import LinesView
from widgets.style import FONT_PT, font

BIG_PT = FONT_PT + 6  # the explanation in its own window: for the back of the room
RUNNING_TEXT = "The race is running.\nPause it (Space), or wind the timeline\nback (←), to see a step's update here."


class ExplainPanel(QWidget):
    """A title ("SGD, step 3: x₂ → x₃") and the update's lines, one per quantity of the rule; ``pt`` their size.
    The tab's panel has a button that opens the same explanation, larger, in a window of its own (``window``)."""

    def __init__(self, model, jobs=None, parent=None, pt: int = FONT_PT, detachable: bool = True):
        super().__init__(parent)
        self.model, self.jobs = model, jobs
        self.cursor = model.view_step
        self.setObjectName("explainPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 2, 2)
        layout.setSpacing(2)
        self.title = QLabel()
        self.title.setObjectName("explainTitle")
        self.title.setFont(font(pt))
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.text = LinesView("explainText", pt=pt)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        self.window_button = None
        self.window: QDialog | None = None
        if detachable:
            self.window_button = QPushButton("Larger…")
            self.window_button.setObjectName("explainWindowButton")
            self.window_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.window_button.setToolTip("the explanation in a window of its own, in larger type: put it beside "
                                          "the plots, or on the projector")
            self.window_button.clicked.connect(self.open_window)
            head.addWidget(self.window_button)
        layout.addLayout(head)
        layout.addWidget(self.text, 1)
        self.shown: tuple | None = None  # (race, racer index, k) whose lines are on screen
        self.result: dict | None = None  # explain_step's answer on screen (None: a message instead)
        self._wanted: tuple | None = None
        self.cursor.viewStepChanged.connect(self._on_changed)
        model.selectionChanged.connect(self._on_changed)
        model.raceReset.connect(self._on_changed)
        model.runningChanged.connect(self._on_changed)
        model.runEnded.connect(self._on_changed)
        self._on_changed()

    def open_window(self) -> QDialog:
        """The explanation in a window of its own (made once), in ``BIG_PT`` type; it follows the timeline too."""
        if self.window is None:
            self.window = QDialog(self.window_button.window() if self.window_button else None)
            self.window.setWindowTitle("Optimizer Lab — explain a step")
            self.window.setObjectName("explainWindow")
            box = QVBoxLayout(self.window)
            box.setContentsMargins(6, 6, 6, 6)
            box.addWidget(ExplainPanel(self.model, self.jobs, pt=BIG_PT, detachable=False))
            self.window.resize(760, 520)
        self.window.show()
        self.window.raise_()
        return self.window

    def _say(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.shown, self.result = None, None
        self.text.set_lines(text.splitlines())

    @Slot()
    @Slot(int)
    @Slot(bool)
    @Slot(object)
    def _on_changed(self, *_) -> None:
        m = self.model
        trace = self.cursor.selected
        if m.race is None or trace is None:
            self._wanted = None
            self._say("<b>Explain a step</b>", "Select a racer (click it in a table) to see its update explained.")
            return
        if m.running:
            self._wanted = None
            self._say(f"<b>Explain a step</b> — {trace.label}", RUNNING_TEXT)
            return
        i = next(j for j, t in enumerate(m.traces) if t.row == trace.row)  # the race's racer index
        k = min(self.cursor.step, trace.steps)
        if k == 0:
            self._wanted = None
            x0 = fmt_point(m.start, 6).replace("-", "−")
            self._say(f"<b>{trace.label}, step 0</b>: the start",
                      f"x₀ = {x0} is the start.\n→ shows the first update, x₀ → x₁.")
            return
        key = (m.race, i, k)
        if key == self.shown or key == self._wanted:
            return
        self._wanted = key
        race = m.race
        if self.jobs is None:
            self._on_result((key, _explain(race, i, k)))
        else:
            self.jobs.submit((self, "explain"), lambda: (key, _explain(race, i, k)), self._on_result)

    def _on_result(self, answer) -> None:
        key, result = answer
        if key != self._wanted:
            return  # the cursor or the selection moved on
        self._wanted = None
        _race, i, k = key
        label = self.model.traces[i].label if i < len(self.model.traces) else ""
        if isinstance(result, str):
            self._say(f"<b>{label}, step {k}</b>", result)
            return
        self.title.setText(f"<b>{label}, step {k:,}</b>: x<sub>{k - 1:,}</sub> → x<sub>{k:,}</sub>, "
                           f"{result.get('optimizer', '')}")
        self.text.set_lines(result["lines"])
        self.shown, self.result = key, result


def _explain(race, i: int, k: int):
    """explain_step's answer, or the reason it has none (the view-jobs thread)."""
    from lab.errors import LabError
    from lab.explain import explain_step

    try:
        return explain_step(race, i, k)
    except (LabError, ValueError) as exc:
        return f"No explanation for this step: {exc}"


__all__ = ["ExplainPanel"]
