"""Controls: run / pause, one step, reset, speed (steps per second, up to as fast as possible), max steps."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Slot
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QSpinBox, QWidget

from lab.params import Param
from widgets.model import MAX_STEPS_LIMIT, SPEED_MAX, LabModel
from widgets.panels.param_field import ParamField

NOISE = Param("noise", 0.0, lo=0.0, doc="Gaussian noise of this scale added to every gradient the racers step on "
              "(the same draw for every racer at a step, seeded by the seed)")
SEED = Param("seed", 0, lo=0, hi=2**63 - 1, kind="int", doc="minibatches and gradient noise repeat with the seed")

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, SPEED_MAX)
"""The speed control's stops, in steps per second; the last (0) is as fast as possible."""


def speed_text(speed: float) -> str:
    return "full speed" if speed == SPEED_MAX else f"{speed:g} steps/s"


def speed_index(speed: float) -> int:
    if speed == SPEED_MAX:
        return len(SPEEDS) - 1
    finite = SPEEDS[:-1]
    return min(range(len(finite)), key=lambda i: abs(finite[i] - speed))


class Controls(QWidget):
    def __init__(self, model: LabModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.setObjectName("controls")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("runButton")
        self.run_button.setToolTip("run / pause (Space)")
        self.run_button.setMinimumWidth(90)
        self.step_button = QPushButton("Step")
        self.step_button.setObjectName("stepButton")
        self.step_button.setToolTip("one step (→)")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("resetButton")
        self.reset_button.setToolTip("every racer back to the start (R)")
        for b in (self.run_button, self.step_button, self.reset_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space belongs to run / pause, never to a focused button
            layout.addWidget(b)
        self.run_button.clicked.connect(model.toggle_run)
        self.step_button.clicked.connect(model.step)
        self.reset_button.clicked.connect(model.reset)

        layout.addSpacing(8)
        layout.addWidget(QLabel("Speed"))
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setObjectName("speedControl")
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setPageStep(1)
        self.speed.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.speed.setMinimumWidth(80)
        self.speed.setToolTip("steps per second; all the way right: full speed, as fast as the machine can")
        self.speed.valueChanged.connect(self._on_speed_moved)
        layout.addWidget(self.speed)
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speedLabel")
        metrics = self.speed_label.fontMetrics()  # as wide as its widest text: moving the slider moves nothing
        self.speed_label.setMinimumWidth(max(metrics.horizontalAdvance(speed_text(s)) for s in SPEEDS) + 8)
        layout.addWidget(self.speed_label)

        layout.addSpacing(8)
        layout.addWidget(QLabel("Max steps"))
        self.max_steps = QSpinBox()
        self.max_steps.setObjectName("maxStepsSpin")
        self.max_steps.setRange(1, MAX_STEPS_LIMIT)
        self.max_steps.setSingleStep(1000)
        self.max_steps.setGroupSeparatorShown(True)
        self.max_steps.setKeyboardTracking(False)
        self.max_steps.setMinimumWidth(110)
        self.max_steps.valueChanged.connect(self._on_max_steps_edited)
        layout.addWidget(self.max_steps)

        self.counter = QLabel()
        self.counter.setObjectName("stepCounter")
        self.counter.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)  # room for its text
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.counter, 1)

        model.runningChanged.connect(self._on_running_changed)
        model.runningChanged.connect(self._on_race_advanced)
        model.speedChanged.connect(self._on_speed_changed)
        model.maxStepsChanged.connect(self._on_max_steps_changed)
        model.raceAdvanced.connect(self._on_race_advanced)
        model.raceReset.connect(self._on_race_advanced)
        self._on_speed_changed(model.speed)
        self._on_max_steps_changed(model.max_steps)
        self._on_running_changed(model.running)
        self._on_race_advanced()

    def changeEvent(self, ev) -> None:
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.FontChange:  # presenter mode's zoom: the counter's room follows its font
            self._on_max_steps_changed(self.model.max_steps)

    @Slot(int)
    def _on_speed_moved(self, index: int) -> None:
        self.model.set_speed(SPEEDS[index])

    @Slot(float)
    def _on_speed_changed(self, speed: float) -> None:
        with QSignalBlocker(self.speed):
            self.speed.setValue(speed_index(speed))
        self.speed_label.setText(speed_text(speed))

    @Slot(int)
    def _on_max_steps_edited(self, value: int) -> None:
        self.model.set_max_steps(value)

    @Slot(int)
    def _on_max_steps_changed(self, steps: int) -> None:
        with QSignalBlocker(self.max_steps):
            self.max_steps.setValue(steps)
        # the counter's width is that of its longest text in this race, "step N / N": it never re-lays out the
        # bar while the race runs, and the bar's other controls shrink (never the counter's text) in a narrow window
        self.counter.setMinimumWidth(self.counter.fontMetrics().horizontalAdvance(f"step {steps:,} / {steps:,}") + 8)
        self._on_race_advanced()

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        self.run_button.setText("Pause" if running else "Run")

    @Slot()
    @Slot(object)
    def _on_race_advanced(self, *_) -> None:
        m = self.model
        self.counter.setText(f"step {m.step_count:,} / {m.max_steps:,}")  # steps/s: the leaderboard's title


class RunSettings(QWidget):
    """The experiment's gradient noise and seed (a row under the racers): refused at the field when out of range,
    saved and opened with the experiment."""

    def __init__(self, model: LabModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.setObjectName("runSettings")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.noise = ParamField(NOISE, model.experiment.noise, "experiment")
        self.seed = ParamField(SEED, model.experiment.seed, "experiment")
        for name, field, width in (("Gradient noise", self.noise, 60), ("Seed", self.seed, 60)):
            key = name.split()[-1].lower()
            field.setObjectName(f"{key}Field")
            field.editor.setObjectName(f"{key}Editor")
            field.error.setObjectName(f"{key}Error")
            field.editor.setFixedWidth(width)
            field.error.setMinimumWidth(0)
            field.editor.editingFinished.connect(
                lambda f=field: f.invalid and self.model.messageShown.emit(f.error.text()))
            field.error.setWordWrap(True)
            label = QLabel("Noise" if key == "noise" else name)  # the gradient noise: the tooltip says so
            label.setToolTip(f"{name}: {field.param.doc}")
            col = 0 if key == "noise" else 2
            layout.addWidget(label, 0, col)
            layout.addWidget(field, 0, col + 1)
            layout.addWidget(field.error, 1 + col // 2, 0, 1, 4)  # a refusal spans the row, under the fields
        layout.setColumnStretch(3, 1)
        self.noise.accepted.connect(lambda _, v: model.set_noise(v) or self._on_settings_changed())
        self.seed.accepted.connect(lambda _, v: model.set_seed(v) or self._on_settings_changed())
        model.raceReset.connect(self._on_settings_changed)

    @Slot()
    def _on_settings_changed(self) -> None:
        """Show the experiment's noise and seed (a new race, an opened file)."""
        exp = self.model.experiment
        if self.noise.value != exp.noise or not self.noise.invalid:
            self.noise.set_value(exp.noise)
        if self.seed.value != exp.seed or not self.seed.invalid:
            self.seed.set_value(exp.seed)

