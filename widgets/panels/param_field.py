"""A field for one ``lab.params.Param``: a bad value is refused right here, with the allowed range shown.

The field checks with ``Param.check`` (the core's own rule and message) when editing finishes. A refused value
stays visible in red with the message under it, and nothing reaches the model: the race keeps the last good
value, so no run can ever start with a value out of range.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from lab.errors import LabError
from lab.params import Param

INVALID_STYLE = "QLineEdit { border: 3px solid #D55E00; background: #FFF1E6; }"


def show_value(value) -> str:
    if value is None:  # an optional parameter left off
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        short = f"{value:.6g}"
        return short if float(short) == value else repr(value)  # what is shown is what runs: 0.999999999, not 1
    return str(value)


class ParamField(QWidget):
    """Editor for one parameter. ``accepted(name, value)`` fires only with a value ``Param.check`` allows."""

    accepted = Signal(str, object)

    def __init__(self, param: Param, value=None, owner: str = "", parent: QWidget | None = None, text: str = ""):
        super().__init__(parent)
        self.param, self.owner = param, owner
        self.setObjectName(f"param_{param.name}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        tip = f"{param.name}: {param.doc}\nallowed: {param.allowed()}" if param.doc else f"allowed: {param.allowed()}"
        self.error = QLabel()
        self.error.setObjectName(f"error_{param.name}")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B03A00;")
        self.error.hide()
        if param.kind == "bool":
            self.editor = QCheckBox(text or param.name)
            self.editor.toggled.connect(self._on_toggled)
        elif param.kind == "choice":
            self.editor = QComboBox()
            self.editor.addItems([str(c) for c in param.choices])
            self.editor.currentTextChanged.connect(self._on_choice)
        else:
            self.editor = QLineEdit()
            self.editor.setPlaceholderText(param.allowed())
            self.editor.editingFinished.connect(self._on_editing_finished)
        self.editor.setToolTip(tip)
        self.editor.setObjectName(f"field_{param.name}")
        self.editor.setMinimumWidth(40)  # narrow panels squeeze fields rather than clip
        layout.addWidget(self.editor)
        layout.addWidget(self.error)
        self._value = param.default
        self.set_value(param.default if value is None else value)

    @property
    def value(self):
        """The last accepted value."""
        return self._value

    @property
    def invalid(self) -> bool:
        return not self.error.isHidden()

    def set_value(self, value) -> None:
        """Show ``value`` (from the model) and clear any error."""
        self._value = value
        blocked = self.editor.blockSignals(True)
        if isinstance(self.editor, QCheckBox):
            self.editor.setChecked(bool(value))
        elif isinstance(self.editor, QComboBox):
            self.editor.setCurrentText(str(value))
        else:
            self.editor.setText(show_value(value))
            self.editor.setCursorPosition(0)  # a narrow field shows the number's start, not its end
        self.editor.blockSignals(blocked)
        self._clear_error()

    def submit(self, text: str) -> bool:
        """Type ``text`` and finish editing (what Enter does); True if it was accepted."""
        self.editor.setText(text)
        return self._on_editing_finished()

    def _on_editing_finished(self) -> bool:
        text = self.editor.text().strip()
        try:
            value = self.param.check(text, self.owner)
        except LabError as exc:
            self._show_error(str(exc))
            return False
        self._clear_error()
        if value != self._value:
            self._value = value
            self.editor.setText(show_value(value))
            self.accepted.emit(self.param.name, value)
        return True

    def refuse(self, message: str) -> None:
        """Show that the model refused the value (with the others), as a refused range is shown; the last value
        the model took stays the field's value."""
        self._show_error(message)

    def _on_toggled(self, checked: bool) -> None:
        self._value = bool(checked)
        self.accepted.emit(self.param.name, self._value)

    def _on_choice(self, text: str) -> None:
        try:
            value = self.param.check(text, self.owner)
        except LabError as exc:  # pragma: no cover - the combo only offers allowed choices
            self._show_error(str(exc))
            return
        self._value = value
        self.accepted.emit(self.param.name, value)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        if isinstance(self.editor, QLineEdit):
            self.editor.setStyleSheet(INVALID_STYLE)
            self.editor.setToolTip(message)

    def _clear_error(self) -> None:
        self.error.hide()
        self.error.clear()
        if isinstance(self.editor, QLineEdit):
            self.editor.setStyleSheet("")
            self.editor.setToolTip(f"allowed: {self.param.allowed()}")


class PointField(QWidget):
    """A point typed as numbers separated by commas or spaces; checked by the objective (``check_point``)."""

    accepted = Signal(object)

    def __init__(self, check, parent: QWidget | None = None):
        super().__init__(parent)
        self._check = check
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.editor = QLineEdit()
        self.editor.setObjectName("startField")
        self.editor.setPlaceholderText("x, y")
        self.editor.setToolTip("the start point: type it (x, y), or click / drag it on the contour plot")
        self.editor.editingFinished.connect(self._on_editing_finished)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B03A00;")
        self.error.hide()
        layout.addWidget(self.editor)
        layout.addWidget(self.error)
        self._value = None

    def set_value(self, point) -> None:
        self._value = [float(v) for v in point]
        self.editor.setText(", ".join(f"{v:.6g}" for v in self._value))
        self.editor.setStyleSheet("")
        self.error.hide()

    def submit(self, text: str) -> bool:
        self.editor.setText(text)
        return self._on_editing_finished()

    def _on_editing_finished(self) -> bool:
        text = self.editor.text().replace(",", " ").split()
        try:
            numbers = [float(t) for t in text]
        except ValueError:
            return self._fail(f"start must be numbers separated by commas, got {self.editor.text()!r}")
        try:
            point = self._check(numbers)
        except LabError as exc:
            return self._fail(str(exc))
        self.editor.setStyleSheet("")
        self.error.hide()
        point = [float(v) for v in point]
        if point != self._value:
            self._value = point
            self.accepted.emit(point)
        return True

    def _fail(self, message: str) -> bool:
        self.error.setText(message)
        self.error.show()
        self.editor.setStyleSheet(INVALID_STYLE)
        return False


__all__ = ["ParamField", "PointField", "Qt"]
