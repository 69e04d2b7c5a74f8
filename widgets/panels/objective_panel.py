"""Objective panel: which function, its parameters as checked fields, and the start point — one strip across the
top of the window, with the formula beside it so the whole room sees what is being minimized."""
from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from lab.objectives import OBJECTIVES, make_objective, objective_spec
from lab.objectives.own_data import shown_params
from widgets.model import LabModel
from widgets.panels.expression_field import ExpressionField
from widgets.panels.param_field import ParamField, PointField
from widgets.style import FONT_PT, font



class TwoLineLabel(QLabel):
    """A word-wrapped label that shows as many words of its text as two lines of its width hold, ending in "…"
    when it had to cut (never a line cut in half by the label's edge)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self._fit()

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._fit()

    def _fit(self) -> None:
        width = self.contentsRect().width()
        metrics = self.fontMetrics()
        room = 2 * metrics.lineSpacing()

        def fits(text: str) -> bool:
            flags = int(Qt.TextFlag.TextWordWrap)
            return metrics.boundingRect(0, 0, max(width, 1), 10_000, flags, text).height() <= room

        text = self.full_text
        if width > 0 and not fits(text):
            words = text.split(" ")
            lo, hi = 0, len(words)  # the most words that fit, with " …" after them
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if fits(" ".join(words[:mid]) + " …"):
                    lo = mid
                else:
                    hi = mid - 1
            text = " ".join(words[:lo]) + " …"
        if text != self.text():
            self.setText(text)

class ObjectivePanel(QFrame):
    def __init__(self, model: LabModel, parent: QWidget | None = None, jobs=None):
        super().__init__(parent)
        self.model, self.jobs = model, jobs
        self.setObjectName("objectivePanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 3, 6, 3)
        outer.setSpacing(2)
        layout = QHBoxLayout()
        outer.addLayout(layout)
        self.more_params = QHBoxLayout()  # objectives with many parameters (the data sets, the network) use a 2nd row
        outer.addLayout(self.more_params)
        title = QLabel("Objective")
        title.setFont(font(FONT_PT, bold=True))
        layout.addWidget(title)
        self.combo = QComboBox()
        self.combo.setObjectName("objectiveCombo")
        for i, (name, spec) in enumerate(OBJECTIVES.items()):
            self.combo.addItem(name if spec.dim == 2 else f"{name} ({spec.dim}-D)", name)
            self.combo.setItemData(i, spec.summary, Qt.ItemDataRole.ToolTipRole)
        self.combo.setMaxVisibleItems(24)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.currentIndexChanged.connect(self._on_combo_changed)
        self.combo.view().installEventFilter(self)  # the list opening: sympy warmed up in case `custom` is chosen
        layout.addWidget(self.combo)
        self.params_box = QWidget()
        self.params_row = QHBoxLayout(self.params_box)
        self.params_row.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.params_box)
        self.fields: dict[str, ParamField] = {}
        layout.addSpacing(8)
        layout.addWidget(QLabel("Start"))
        self.start_field = PointField(lambda p: self.model.objective.check_point(p, "start"))
        self.start_field.editor.setMinimumWidth(140)
        self.start_field.accepted.connect(self._on_start_typed)
        layout.addWidget(self.start_field, 0, Qt.AlignmentFlag.AlignTop)
        default = QPushButton("Default")
        default.setObjectName("defaultStartButton")
        default.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        default.setToolTip("back to this objective's usual start point")
        default.clicked.connect(self._on_default_start)
        layout.addWidget(default, 0, Qt.AlignmentFlag.AlignTop)
        layout.addStretch(1)
        self.summary = TwoLineLabel()  # a row of its own under the fields: the whole formula, even at 1024 wide
        self.summary.setObjectName("objectiveSummary")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setFont(font(FONT_PT - 1))
        self.summary.setMaximumHeight(2 * self.summary.fontMetrics().lineSpacing() + 4)
        outer.addWidget(self.summary)
        model.objectiveChanged.connect(self._on_objective_changed)
        model.startChanged.connect(self._on_start_changed)
        self._on_objective_changed()
        self._on_start_changed()

    @Slot()
    def _on_objective_changed(self) -> None:
        exp = self.model.experiment
        spec = objective_spec(exp.objective)
        i = self.combo.findData(exp.objective)
        if i < 0:  # a lesson-only objective (lab.objectives.LESSON_OBJECTIVES): in the list once a lesson uses it
            self.combo.addItem(exp.objective, exp.objective)
            i = self.combo.count() - 1
        if i >= 0 and i != self.combo.currentIndex():
            self.combo.setCurrentIndex(i)
        if i >= 0 and self.model.objective.dim != 2:  # the dimension of this instance (hidden units, classes)
            self.combo.setItemText(i, f"{exp.objective} ({self.model.objective.dim}-D)")
        self.summary.set_full_text(spec.summary)  # as much as two lines hold, ending "…"; all of it in the tooltip
        self.summary.setToolTip(spec.summary)
        for row in (self.params_row, self.more_params):
            while row.count():
                item = row.takeAt(0)
                if item.widget() is not None:
                    item.widget().hide()  # gone now, not at the next event-loop turn (a screenshot, a test)
                    item.widget().deleteLater()
        self.fields = {}
        shown = shown_params(spec, exp.params)  # with data from a file: not the parameters that generate data
        many = len(shown) > 3
        for p in shown:
            value, owner = exp.params.get(p.name, p.default), f"objective {spec.name!r}"
            if spec.name == "custom" and p.name == "expr":  # checked as typed, compiled off the GUI thread
                f = ExpressionField(p, value, owner, self.jobs)
                f.checked.connect(self._on_formula_checked)
            else:
                f = ParamField(p, value, owner)
            if p.kind == "str":
                f.editor.setMinimumWidth(480 if isinstance(f, ExpressionField) else 260)
            elif p.kind == "choice":
                f.editor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            elif p.kind in ("float", "int"):
                f.editor.setFixedWidth(90)
            f.error.setMaximumWidth(360)
            f.accepted.connect(self._on_param_accepted)
            self.fields[p.name] = f
            name = QLabel(p.name)
            name.setToolTip(p.doc)
            row = self.more_params if many else self.params_row
            if p.kind != "bool":  # a check box carries its own name (standardize)
                row.addWidget(name, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(f, 0, Qt.AlignmentFlag.AlignTop)
        if many:
            self.more_params.addStretch(1)
        self.params_box.setVisible(bool(shown) and not many)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Show and self.jobs is not None and "sympy" not in sys.modules:
            # custom's first compile imports sympy (~0.5 s): done here, off the GUI thread, while the user reads
            # the list, it costs ~2 ms when `custom` is chosen
            self.jobs.submit("warm-sympy", lambda: make_objective("custom").compile() and None, lambda _: None)
        return False

    @Slot()
    def _on_start_changed(self) -> None:
        self.start_field.set_value(self.model.start)

    @Slot(int)
    def _on_combo_changed(self, index: int) -> None:
        if index >= 0 and not self.model.set_objective(self.combo.itemData(index)):
            self._on_objective_changed()

    @Slot(str)
    def _on_formula_checked(self, problem: str) -> None:
        """A refused formula in the status bar; once it passes, that refusal is replaced (never left showing for a
        formula that is valid)."""
        if problem:
            self._refused = True
            self.model.messageShown.emit("Formula refused, " + problem)
        elif getattr(self, "_refused", False):
            self._refused = False
            self.model.messageShown.emit("Formula OK: it applies when you pause (or press Enter)")

    @Slot(str, object)
    def _on_param_accepted(self, name: str, value) -> None:
        if not self.model.set_objective_param(name, value):
            self._on_objective_changed()

    @Slot(object)
    def _on_start_typed(self, point) -> None:
        self.model.set_start(point)

    @Slot()
    def _on_default_start(self) -> None:
        self.model.set_start(self.model.objective.start)
